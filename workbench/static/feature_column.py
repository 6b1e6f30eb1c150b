"""Feature columns: how TensorFlow 1 and early TensorFlow 2 programs turned a dict of raw
features (numbers, category names, ids) into one dense float32 matrix for a model.

A dense column (numeric, bucketized, indicator, embedding) gives each example a row of
numbers; a categorical column (a vocabulary list or file, or identity ids) gives each
example a bag of ids, which an indicator column counts and an embedding column averages
(or sums) embedding rows for. ``input_layer`` (and the ``DenseFeatures`` layer that older
TF2 tutorials use) concatenates the dense columns in the order of their names, as
TensorFlow does. Numeric values stay differentiable; category names are looked up on the
host, where strings live.

Mirrors: tf.feature_column, tf.compat.v1.feature_column.input_layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from workbench.static import array_ops, dtypes, math_ops
from workbench.static.execution import convert_to_tensor
from workbench.static.io_ops import FixedLenFeature, VarLenFeature
from workbench.static.sparse import SparseTensor
from workbench.static.string_data import host_strings, is_string_data


def _rows(value: Any, missing: Any) -> list[list[Any]]:
    """Each example's values: a sparse tensor's rows, or each row of a dense input with
    the ``missing`` marker ("" or -1) left out."""
    if isinstance(value, SparseTensor):
        index = np.asarray(value.indices.numpy())
        values = value.values.numpy()
        rows: list[list[Any]] = [[] for _ in range(int(value.dense_shape.numpy()[0]))]
        for (r, *_), v in zip(index, np.asarray(values).reshape(-1)):
            rows[int(r)].append(v)
        return rows
    data = (
        host_strings(value)
        if is_string_data(value)
        else np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    )
    data = data.reshape(len(data), -1) if data.ndim else data.reshape(1, 1)
    return [[v for v in row if not _is_missing(v, missing)] for row in data]


def _is_missing(v: Any, missing: Any) -> bool:
    return bool(v == missing) if isinstance(v, bytes) == isinstance(missing, bytes) else False


# ---------------------------------------------------------------------------------------
# dense columns


class NumericColumn(NamedTuple):
    """Mirrors: tf.feature_column.numeric_column."""

    key: str
    shape: tuple[int, ...] = (1,)
    default_value: Any = None
    dtype: Any = dtypes.float32
    normalizer_fn: Callable[[Any], Any] | None = None

    @property
    def name(self) -> str:
        return self.key

    @property
    def width(self) -> int:
        return math.prod(self.shape)

    def parse_spec(self) -> dict[str, Any]:
        return {self.key: FixedLenFeature(self.shape, self.dtype, self.default_value)}

    def dense(self, features: dict[str, Any], state: Any) -> Any:
        x = math_ops.cast(convert_to_tensor(features[self.key]), "float32")
        if self.normalizer_fn is not None:
            x = self.normalizer_fn(x)
        return array_ops.reshape(x, [-1, self.width])


class BucketizedColumn(NamedTuple):
    """Mirrors: tf.feature_column.bucketized_column (one-hot of the bucket)."""

    source_column: NumericColumn
    boundaries: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"{self.source_column.name}_bucketized"

    @property
    def num_buckets(self) -> int:
        return (len(self.boundaries) + 1) * self.source_column.width

    @property
    def width(self) -> int:
        return self.num_buckets

    def parse_spec(self) -> dict[str, Any]:
        return self.source_column.parse_spec()

    def dense(self, features: dict[str, Any], state: Any) -> Any:
        x = NumericColumn.dense(self.source_column._replace(normalizer_fn=None), features, state)
        edges = convert_to_tensor(np.asarray(self.boundaries, np.float32))
        bucket = math_ops.reduce_sum(
            math_ops.cast(math_ops.greater_equal(array_ops.expand_dims(x, -1), edges), "int32"),
            -1,
        )
        hot = array_ops.one_hot(bucket, len(self.boundaries) + 1, dtype="float32")
        return array_ops.reshape(hot, [-1, self.width])

    def ids(self, features: dict[str, Any]) -> list[list[int]]:
        values = np.asarray(self.dense(features, None).numpy())
        return [list(np.flatnonzero(row)) for row in values]


# ---------------------------------------------------------------------------------------
# categorical columns


class VocabularyListCategoricalColumn(NamedTuple):
    """Mirrors: tf.feature_column.categorical_column_with_vocabulary_list."""

    key: str
    vocabulary_list: tuple[Any, ...]
    dtype: Any
    default_value: int = -1
    num_oov_buckets: int = 0

    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return len(self.vocabulary_list) + self.num_oov_buckets

    def parse_spec(self) -> dict[str, Any]:
        return {self.key: VarLenFeature(self.dtype)}

    def ids(self, features: dict[str, Any]) -> list[list[int]]:
        strings = self.dtype == dtypes.string
        table = {
            (v.encode() if strings and isinstance(v, str) else v): i
            for i, v in enumerate(self.vocabulary_list)
        }
        missing: Any = b"" if strings else -1
        out = []
        for row in _rows(features[self.key], missing):
            found = [table.get(v if strings else int(v), self.default_value) for v in row]
            out.append([i for i in found if i >= 0])
        return out


class IdentityCategoricalColumn(NamedTuple):
    """Mirrors: tf.feature_column.categorical_column_with_identity."""

    key: str
    number_buckets: int
    default_value: int | None = None

    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.number_buckets

    def parse_spec(self) -> dict[str, Any]:
        return {self.key: VarLenFeature(dtypes.int64)}

    def ids(self, features: dict[str, Any]) -> list[list[int]]:
        from workbench.static.errors import InvalidArgumentError  # noqa: PLC0415

        out = []
        for row in _rows(features[self.key], -1):
            ids = []
            for v in row:
                i = int(v)
                if not 0 <= i < self.number_buckets:
                    if self.default_value is None:
                        raise InvalidArgumentError(
                            None,
                            None,
                            f"assert_less_equal: ids of {self.key} must be in "
                            f"[0, {self.number_buckets}), got {i}",
                        )
                    i = self.default_value
                ids.append(i)
            out.append(ids)
        return out


def _counts(column: Any, features: dict[str, Any]) -> np.ndarray:
    rows = column.ids(features)
    counts = np.zeros((len(rows), column.num_buckets), np.float32)
    for r, ids in enumerate(rows):
        for i in ids:
            counts[r, i] += 1.0
    return counts


class IndicatorColumn(NamedTuple):
    """How often each category occurs, per example. Mirrors:
    tf.feature_column.indicator_column."""

    categorical_column: Any

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_indicator"

    @property
    def width(self) -> int:
        return int(self.categorical_column.num_buckets)

    def parse_spec(self) -> dict[str, Any]:
        return dict(self.categorical_column.parse_spec())

    def dense(self, features: dict[str, Any], state: Any) -> Any:
        return convert_to_tensor(_counts(self.categorical_column, features))


class EmbeddingColumn:
    """Embedding rows of the example's categories, combined by ``combiner`` ("mean",
    "sum" or "sqrtn"). Mirrors: tf.feature_column.embedding_column."""

    def __init__(
        self,
        categorical_column: Any,
        dimension: int,
        combiner: str = "mean",
        initializer: Any = None,
        trainable: bool = True,
    ) -> None:
        if combiner not in ("mean", "sum", "sqrtn"):
            raise ValueError(f"combiner must be 'mean', 'sum' or 'sqrtn', got {combiner!r}")
        self.categorical_column, self.dimension = categorical_column, int(dimension)
        self.combiner, self.initializer, self.trainable = combiner, initializer, trainable

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_embedding"

    @property
    def width(self) -> int:
        return self.dimension

    def parse_spec(self) -> dict[str, Any]:
        return dict(self.categorical_column.parse_spec())

    def initial_value(self) -> Any:
        from workbench.static import random_ops  # noqa: PLC0415

        shape = [self.categorical_column.num_buckets, self.dimension]
        if self.initializer is not None:
            return self.initializer(shape, dtype=dtypes.float32)
        return random_ops.truncated_normal(shape, stddev=1 / math.sqrt(self.dimension))

    def dense(self, features: dict[str, Any], state: Any) -> Any:
        counts = _counts(self.categorical_column, features)
        total = counts.sum(1, keepdims=True)
        if self.combiner == "mean":
            counts = counts / np.maximum(total, 1)
        elif self.combiner == "sqrtn":
            counts = counts / np.sqrt(np.maximum(total, 1))  # each occurrence weighs 1
        return math_ops.matmul(convert_to_tensor(counts), state.table(self))

    def __repr__(self) -> str:
        return (
            f"EmbeddingColumn(categorical_column={self.categorical_column!r}, "
            f"dimension={self.dimension}, combiner={self.combiner!r})"
        )


# ---------------------------------------------------------------------------------------
# constructors, as TensorFlow names them


def numeric_column(
    key: str,
    shape: Any = (1,),
    default_value: Any = None,
    dtype: Any = dtypes.float32,
    normalizer_fn: Any = None,
) -> NumericColumn:
    dims = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
    if default_value is not None:
        default_value = tuple(np.broadcast_to(default_value, dims).reshape(-1).tolist())
    return NumericColumn(key, dims, default_value, dtypes.as_dtype(dtype), normalizer_fn)


def bucketized_column(source_column: NumericColumn, boundaries: Sequence[float]) -> Any:
    if not isinstance(source_column, NumericColumn):
        raise ValueError(
            f"source_column must be a column generated with numeric_column(). Given: "
            f"{source_column}"
        )
    if list(boundaries) != sorted(boundaries):
        raise ValueError("boundaries must be a sorted list.")
    return BucketizedColumn(source_column, tuple(float(b) for b in boundaries))


def categorical_column_with_vocabulary_list(
    key: str,
    vocabulary_list: Sequence[Any],
    dtype: Any = None,
    default_value: int = -1,
    num_oov_buckets: int = 0,
) -> Any:
    if num_oov_buckets:
        raise NotImplementedError(
            "num_oov_buckets hashes with FarmHash, which the workbench does not have; "
            "use default_value"
        )
    vocab = tuple(vocabulary_list)
    if len(set(vocab)) != len(vocab):
        raise ValueError(f"Duplicate keys in vocabulary_list {vocab}")
    d = (
        dtypes.as_dtype(dtype)
        if dtype is not None
        else (dtypes.string if is_string_data(list(vocab)) else dtypes.int64)
    )
    return VocabularyListCategoricalColumn(key, vocab, d, default_value, num_oov_buckets)


def categorical_column_with_vocabulary_file(
    key: str,
    vocabulary_file: str,
    vocabulary_size: int | None = None,
    dtype: Any = dtypes.string,
    default_value: Any = None,
    num_oov_buckets: int = 0,
    file_format: Any = None,
) -> Any:
    with open(vocabulary_file, encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f][:vocabulary_size]
    return categorical_column_with_vocabulary_list(
        key, vocab, dtype, -1 if default_value is None else default_value, num_oov_buckets
    )


def categorical_column_with_identity(
    key: str, num_buckets: int, default_value: int | None = None
) -> Any:
    return IdentityCategoricalColumn(key, int(num_buckets), default_value)


def indicator_column(categorical_column: Any) -> IndicatorColumn:
    return IndicatorColumn(categorical_column)


def embedding_column(
    categorical_column: Any,
    dimension: int,
    combiner: str = "mean",
    initializer: Any = None,
    ckpt_to_load_from: Any = None,
    tensor_name_in_ckpt: Any = None,
    max_norm: Any = None,
    trainable: bool = True,
    use_safe_embedding_lookup: bool = True,
) -> Any:
    return EmbeddingColumn(categorical_column, dimension, combiner, initializer, trainable)


def make_parse_example_spec(feature_columns: Sequence[Any]) -> dict[str, Any]:
    """The ``parse_example`` features the columns read. Mirrors:
    tf.feature_column.make_parse_example_spec."""
    spec: dict[str, Any] = {}
    for column in feature_columns:
        spec.update(column.parse_spec())
    return spec


# ---------------------------------------------------------------------------------------
# from columns to one matrix


class _Tables:
    """Where embedding columns keep their tables: plain variables, or a layer's weights."""

    def __init__(self, make: Callable[[EmbeddingColumn], Any]) -> None:
        self._make = make
        self._tables: dict[str, Any] = {}

    def table(self, column: EmbeddingColumn) -> Any:
        if column.name not in self._tables:
            self._tables[column.name] = self._make(column)
        return self._tables[column.name]


def _own_variable(column: EmbeddingColumn) -> Any:
    """The column's own table, made once (``input_layer`` called again reuses it)."""
    from workbench.static.variables import Variable  # noqa: PLC0415

    if not hasattr(column, "_variable"):
        column._variable = Variable(  # type: ignore[attr-defined]
            column.initial_value(),
            trainable=column.trainable,
            name=f"input_layer/{column.name}/embedding_weights",
        )
    return column._variable  # type: ignore[attr-defined]


def dense_matrix(features: dict[str, Any], columns: Sequence[Any], state: _Tables) -> Any:
    """The dense columns' values side by side, in the order of their names."""
    for column in columns:
        if not hasattr(column, "dense"):
            raise ValueError(
                f"Items of feature_columns must be a DenseColumn. You can wrap a categorical "
                f"column with an embedding_column or indicator_column. Given: {column}"
            )
    ordered = sorted(columns, key=lambda c: c.name)
    return array_ops.concat([c.dense(features, state) for c in ordered], axis=1)


def input_layer(
    features: dict[str, Any],
    feature_columns: Sequence[Any],
    weight_collections: Any = None,
    trainable: bool = True,
    cols_to_vars: Any = None,
    cols_to_output_tensors: Any = None,
) -> Any:
    """One float32 matrix: the dense columns' values side by side, in the order of their
    names. Mirrors: tf.compat.v1.feature_column.input_layer."""
    return dense_matrix(features, feature_columns, _Tables(_own_variable))
