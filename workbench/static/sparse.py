"""Sparse tensors in TensorFlow's coordinate form: ``indices`` (one row per stored value),
``values`` and ``dense_shape``. The operations that compute on them go through dense core
operations (``scatter_nd``, ``gather_nd``, ``matmul``), so gradients reach the values;
string values stay on the host. Mirrors: tf.sparse, tf.SparseTensor.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.static import array_ops, dtypes, math_ops, more_ops
from workbench.static.execution import convert_to_tensor
from workbench.static.framework import TensorShape
from workbench.static.strings import StringTensor


def _host(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


class SparseTensor:
    """Values at coordinates of a dense shape. Mirrors: tf.sparse.SparseTensor."""

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        self.indices = convert_to_tensor(
            np.asarray(_host(indices), np.int64).reshape(-1, len(np.atleast_1d(_host(dense_shape))))
        )
        self.values = convert_to_tensor(values)
        self.dense_shape = convert_to_tensor(np.asarray(_host(dense_shape), np.int64))
        n, rank = self.indices.shape
        if self.values.shape.rank != 1 or self.values.shape[0] != n:
            raise ValueError(
                f"SparseTensor: values need shape [{n}] to match indices of shape "
                f"[{n}, {rank}], got {self.values.shape}"
            )

    @property
    def dtype(self) -> dtypes.DType:
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape([int(d) for d in _host(self.dense_shape)])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return (
            f"SparseTensor(indices={self.indices}, values={self.values}, "
            f"dense_shape={self.dense_shape})"
        )

    @staticmethod
    def from_value(value: Any) -> SparseTensor:
        return value if isinstance(value, SparseTensor) else from_dense(value)

    def with_values(self, new_values: Any) -> SparseTensor:
        return SparseTensor(self.indices, new_values, self.dense_shape)

    def __mul__(self, other: Any) -> SparseTensor:
        dense = convert_to_tensor(other)
        if dense.shape.rank:
            picked = array_ops.gather_nd(more_ops.broadcast_to(dense, self.shape), self.indices)
            return self.with_values(self.values * picked)
        return self.with_values(self.values * dense)

    def __neg__(self) -> SparseTensor:
        return self.with_values(-self.values)


def to_dense(
    sp_input: SparseTensor,
    default_value: Any = None,
    validate_indices: bool = True,
    name: str | None = None,
) -> Any:
    """The dense tensor: ``default_value`` (0 or "") where nothing is stored. Mirrors:
    tf.sparse.to_dense."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    index = _host(sp_input.indices)
    if validate_indices and len(index):
        flat = np.ravel_multi_index(index.T, _host(sp_input.dense_shape))
        if np.any(np.diff(flat) <= 0):
            from workbench.static.errors import InvalidArgumentError  # noqa: PLC0415

            raise InvalidArgumentError(
                None,
                None,
                "indices are not in lexicographic order or repeat; use tf.sparse.reorder",
            )
    if isinstance(sp_input.values, StringTensor):
        out = np.full(
            tuple(_host(sp_input.dense_shape)),
            b"" if default_value is None else _host(default_value).item(),
            dtype=object,
        )
        out[tuple(index.T)] = _host(sp_input.values)
        return StringTensor(out)
    shape = [int(d) for d in _host(sp_input.dense_shape)]
    scattered = more_ops.scatter_nd(sp_input.indices, sp_input.values, shape)
    if default_value is None or not _host(default_value).any():
        return scattered
    stored = more_ops.scatter_nd(
        sp_input.indices, array_ops.ones_like(sp_input.values, dtype="bool"), shape
    )
    fill = array_ops.fill(shape, convert_to_tensor(default_value, sp_input.dtype))
    return array_ops.where(stored, scattered, fill)


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """The non-zero (non-empty) entries of a dense tensor. Mirrors: tf.sparse.from_dense."""
    dense = convert_to_tensor(tensor)
    host = _host(dense)
    index = np.argwhere(host != (b"" if host.dtype == object else 0)).astype(np.int64)
    values = (
        StringTensor(host[tuple(index.T)])
        if host.dtype == object
        else array_ops.gather_nd(dense, index)
    )
    return SparseTensor(index, values, np.asarray(host.shape, np.int64))


def reorder(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """Indices in row-major order. Mirrors: tf.sparse.reorder."""
    index = _host(sp_input.indices)
    order = np.lexsort(index.T[::-1]) if len(index) else np.zeros(0, np.int64)
    values = sp_input.values
    picked = values[order] if isinstance(values, StringTensor) else array_ops.gather(values, order)
    return SparseTensor(index[order], picked, sp_input.dense_shape)


def sparse_dense_matmul(
    sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False, name: str | None = None
) -> Any:
    """A sparse (or dense) matrix times a dense (or sparse) one. Mirrors:
    tf.sparse.sparse_dense_matmul."""
    a = to_dense(sp_a) if isinstance(sp_a, SparseTensor) else sp_a
    b = to_dense(b) if isinstance(b, SparseTensor) else b
    return math_ops.matmul(a, b, transpose_a=adjoint_a, transpose_b=adjoint_b)


def add(a: Any, b: Any, threshold: Any = 0, name: str | None = None) -> Any:
    """The sum: sparse when both are sparse, dense otherwise. Mirrors: tf.sparse.add."""
    if isinstance(a, SparseTensor) and isinstance(b, SparseTensor):
        return from_dense(to_dense(a) + to_dense(b))
    dense_a = to_dense(a) if isinstance(a, SparseTensor) else a
    dense_b = to_dense(b) if isinstance(b, SparseTensor) else b
    return math_ops.add(dense_a, dense_b)


def concat(
    axis: int,
    sp_inputs: Sequence[SparseTensor],
    expand_nonconcat_dims: bool = False,
    name: str | None = None,
) -> SparseTensor:
    """Concatenation along ``axis``. Mirrors: tf.sparse.concat."""
    if expand_nonconcat_dims:
        raise NotImplementedError("tf.sparse.concat(expand_nonconcat_dims=True)")
    return from_dense(array_ops.concat([to_dense(s) for s in sp_inputs], axis))


def transpose(sp_input: SparseTensor, perm: Any = None, name: str | None = None) -> SparseTensor:
    """Mirrors: tf.sparse.transpose."""
    order = list(range(sp_input.ndim))[::-1] if perm is None else [int(p) for p in perm]
    index = _host(sp_input.indices)[:, order]
    shape = _host(sp_input.dense_shape)[order]
    return reorder(SparseTensor(index, sp_input.values, shape))


def _reduction(dense_fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduce(
        sp_input: SparseTensor,
        axis: Any = None,
        keepdims: Any = None,
        output_is_sparse: bool = False,
        name: str | None = None,
    ) -> Any:
        out = dense_fn(to_dense(sp_input), axis=axis, keepdims=builtins.bool(keepdims))
        return from_dense(out) if output_is_sparse else out

    return reduce


reduce_sum = _reduction(math_ops.reduce_sum)
reduce_sum.__doc__ = "Mirrors: tf.sparse.reduce_sum."
reduce_max = _reduction(math_ops.reduce_max)
reduce_max.__doc__ = "Mirrors: tf.sparse.reduce_max (over the stored values and zeros)."


def slice(sp_input: SparseTensor, start: Any, size: Any, name: str | None = None) -> SparseTensor:  # noqa: A001
    """The stored values inside the box at ``start`` of ``size``, re-indexed. Mirrors:
    tf.sparse.slice."""
    index, shape = _host(sp_input.indices), _host(sp_input.dense_shape)
    lo = np.asarray(_host(start), np.int64)
    hi = np.minimum(lo + np.asarray(_host(size), np.int64), shape)
    inside = np.all((index >= lo) & (index < hi), axis=1)
    values = sp_input.values
    picked = (
        values[np.flatnonzero(inside)]
        if isinstance(values, StringTensor)
        else array_ops.gather(values, np.flatnonzero(inside))
    )
    return SparseTensor(index[inside] - lo, picked, hi - lo)


def retain(sp_input: SparseTensor, to_retain: Any) -> SparseTensor:
    """Only the values where ``to_retain`` is true. Mirrors: tf.sparse.retain."""
    keep = np.flatnonzero(_host(to_retain))
    values = sp_input.values
    picked = values[keep] if isinstance(values, StringTensor) else array_ops.gather(values, keep)
    return SparseTensor(_host(sp_input.indices)[keep], picked, sp_input.dense_shape)


def map_values(op: Callable[..., Any], *inputs: Any, **kwargs: Any) -> SparseTensor:
    """``op`` on the values of the sparse inputs (same indices). Mirrors:
    tf.sparse.map_values."""
    sparse = [x for x in inputs if isinstance(x, SparseTensor)]
    if not sparse:
        raise ValueError("No SparseTensor in argument list of map_values")
    args = [x.values if isinstance(x, SparseTensor) else x for x in inputs]
    return sparse[0].with_values(op(*args, **kwargs))


def expand_dims(
    sp_input: SparseTensor, axis: int | None = None, name: str | None = None
) -> SparseTensor:
    """Mirrors: tf.sparse.expand_dims."""
    rank = sp_input.ndim
    where = -1 if axis is None else int(axis)
    where = where + rank + 1 if where < 0 else where
    index = np.insert(_host(sp_input.indices), where, 0, axis=1)
    shape = np.insert(_host(sp_input.dense_shape), where, 1)
    return SparseTensor(index, sp_input.values, shape)


def eye(
    num_rows: int, num_columns: int | None = None, dtype: Any = "float32", name: str | None = None
) -> SparseTensor:
    """Mirrors: tf.sparse.eye."""
    cols = num_rows if num_columns is None else num_columns
    n = min(num_rows, cols)
    index = np.stack([np.arange(n), np.arange(n)], 1)
    return SparseTensor(index, np.ones(n, dtypes.as_dtype(dtype).np), [num_rows, cols])
