"""Ragged tensors: rows of different lengths, as ``tf.strings.split`` of a batch of
sentences gives. One ragged dimension (rows of scalars), held on the host as flat values
and row splits, as TensorFlow holds it. Mirrors: tf.RaggedTensor, tf.ragged."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from workbench.static import dtypes
from workbench.static.framework import TensorShape
from workbench.static.string_data import host_array, is_string_data
from workbench.static.strings import StringTensor


def _dense(values: np.ndarray, dtype: dtypes.DType) -> Any:
    if dtype == dtypes.string:
        return StringTensor(values)
    from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

    return convert_to_tensor(np.asarray(values, dtype.np))


class RaggedTensor:
    """Rows of different lengths: ``flat_values`` cut at ``row_splits``. Mirrors:
    tf.RaggedTensor (one ragged dimension)."""

    def __init__(self, values: np.ndarray, row_splits: np.ndarray, dtype: dtypes.DType) -> None:
        splits = np.asarray(row_splits, np.int64)
        if splits.ndim != 1 or not len(splits) or splits[0] != 0 or np.any(np.diff(splits) < 0):
            raise ValueError(f"row_splits must start at 0 and not decrease, got {splits}")
        if splits[-1] != len(values):
            raise ValueError(f"row_splits end at {splits[-1]} but there are {len(values)} values")
        self._values, self._splits, self._dtype = values, splits, dtype

    # -- construction ---------------------------------------------------------------------
    @staticmethod
    def from_rows(rows: Sequence[Any], dtype: Any = None) -> RaggedTensor:
        lengths = [len(r) for r in rows]
        flat = [x for r in rows for x in r]
        if dtype is None:
            dtype = dtypes.string if flat and is_string_data(flat[0]) else None
        d = dtypes.as_dtype(dtype) if dtype is not None else None
        if d == dtypes.string:
            values = host_array(flat) if flat else np.empty(0, object)
        else:
            values = np.asarray(flat, None if d is None else d.np)
            if d is None:
                d = dtypes.as_dtype(
                    np.float32 if values.dtype.kind == "f" else np.int32 if flat else np.float32
                )
                values = values.astype(d.np)
        return RaggedTensor(values, np.concatenate([[0], np.cumsum(lengths)]), d)

    @staticmethod
    def from_row_splits(
        values: Any, row_splits: Any, name: str | None = None, validate: bool = True
    ) -> RaggedTensor:
        data = host_array(values)
        d = dtypes.string if is_string_data(data) else dtypes.as_dtype(data.dtype)
        return RaggedTensor(data, host_array(row_splits), d)

    @staticmethod
    def from_row_lengths(
        values: Any, row_lengths: Any, name: str | None = None, validate: bool = True
    ) -> RaggedTensor:
        lengths = host_array(row_lengths).astype(np.int64)
        return RaggedTensor.from_row_splits(values, np.concatenate([[0], np.cumsum(lengths)]))

    def with_flat_values(self, new_values: Any) -> RaggedTensor:
        return RaggedTensor.from_row_splits(new_values, self._splits)

    # -- what it holds ----------------------------------------------------------------------
    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape([len(self._splits) - 1, None])

    @property
    def ragged_rank(self) -> int:
        return 1

    @property
    def flat_values(self) -> Any:
        return _dense(self._values, self._dtype)

    values = flat_values

    @property
    def row_splits(self) -> Any:
        return _dense(self._splits, dtypes.int64)

    def row_lengths(self, axis: int = 1, name: str | None = None) -> Any:
        return _dense(np.diff(self._splits), dtypes.int64)

    def nrows(self, out_type: Any = None, name: str | None = None) -> Any:
        return _dense(np.asarray(len(self._splits) - 1), dtypes.as_dtype(out_type or "int64"))

    def _row(self, i: int) -> np.ndarray:
        return self._values[self._splits[i] : self._splits[i + 1]]

    def to_list(self) -> list[list[Any]]:
        return [
            [x if isinstance(x, bytes) else x.item() for x in self._row(i)]
            for i in range(len(self))
        ]

    def numpy(self) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        for i in range(len(self)):
            out[i] = self._row(i).copy()
        return out

    def to_tensor(
        self, default_value: Any = None, name: str | None = None, shape: Any = None
    ) -> Any:
        """A dense tensor, rows padded with ``default_value`` (``""`` or 0) to the longest
        row, or cut/padded to ``shape``. Mirrors: tf.RaggedTensor.to_tensor."""
        lengths = np.diff(self._splits)
        rows, width = len(lengths), int(lengths.max()) if len(lengths) else 0
        if shape is not None:
            dims = list(shape.as_list() if isinstance(shape, TensorShape) else shape)
            rows = rows if dims[0] is None or dims[0] < 0 else int(dims[0])
            width = width if dims[1] is None or dims[1] < 0 else int(dims[1])
        if self._dtype == dtypes.string:
            text = b"" if default_value is None else host_array(default_value)[()]
            out = np.full((rows, width), text, dtype=object)
        else:
            fill = 0 if default_value is None else default_value
            out = np.full((rows, width), fill, dtype=self._dtype.np)
        for i in range(min(rows, len(lengths))):
            row = self._row(i)[:width]
            out[i, : len(row)] = row
        return _dense(out, self._dtype)

    def bounding_shape(
        self, axis: Any = None, name: str | None = None, out_type: Any = None
    ) -> Any:
        lengths = np.diff(self._splits)
        dims = np.asarray([len(lengths), int(lengths.max()) if len(lengths) else 0], np.int64)
        return _dense(dims if axis is None else dims[axis], dtypes.int64)

    # -- Python protocol ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._splits) - 1

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            picked = range(len(self))[key]
            return RaggedTensor.from_rows([self._row(i) for i in picked], self._dtype)
        index = int(key)
        if not -len(self) <= index < len(self):
            raise IndexError(f"row {index} out of range for {len(self)} rows")
        return _dense(self._row(index % len(self)), self._dtype)

    def __repr__(self) -> str:
        return f"<tf.RaggedTensor {self.to_list()}>"

    __str__ = __repr__


def constant(
    pylist: Any,
    dtype: Any = None,
    ragged_rank: Any = None,
    name: str | None = None,
    row_splits_dtype: Any = "int64",
    inner_shape: Any = None,
) -> RaggedTensor:
    """A ragged tensor from a list of rows. Mirrors: tf.ragged.constant (2-d)."""
    if any(isinstance(x, list | tuple) for row in pylist for x in row):
        raise NotImplementedError("tf.ragged.constant: only lists of rows of scalars")
    return RaggedTensor.from_rows([list(r) for r in pylist], dtype)


def map_flat_values(op: Callable[..., Any], *args: Any, **kwargs: Any) -> RaggedTensor:
    """``op`` applied to the flat values, the row structure kept. Mirrors:
    tf.ragged.map_flat_values."""
    ragged = next(a for a in args if isinstance(a, RaggedTensor))
    flat = [a.flat_values if isinstance(a, RaggedTensor) else a for a in args]
    return ragged.with_flat_values(op(*flat, **kwargs))
