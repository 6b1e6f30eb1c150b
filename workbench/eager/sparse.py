"""Mirrors: torch.sparse and sparse COO tensors — the layout graph networks use for
adjacency matrices (``torch.sparse_coo_tensor``, ``dense.to_sparse()``, ``torch.sparse.mm``
/ ``torch.spmm``, the legacy ``torch.sparse.FloatTensor(indices, values, size)``).

A :class:`SparseCOOTensor` holds an int64 ``(ndim, nnz)`` index tensor and a ``values``
tensor; nothing dense of the full shape is ever built unless ``to_dense()`` is asked
for. Products gather the dense operand's rows by column index, scale them by the values
and add them into the result's rows (the core's ``index_add``), so gradients reach both
the values and the dense operand.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from workbench.eager import dtypes
from workbench.eager.creation import tensor as _tensor
from workbench.eager.creation import zeros
from workbench.eager.meta import Size
from workbench.eager.tensor import Tensor
from workbench.eager.tensor_base import is_tensor, tensor_of


class _Layout:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = _Layout("strided")
sparse_coo = _Layout("sparse_coo")


class SparseCOOTensor:
    """A sparse tensor in coordinate format: ``values[k]`` sits at ``indices[:, k]``."""

    is_sparse = True
    layout = sparse_coo

    def __init__(
        self, indices: Tensor, values: Tensor, size: Any, coalesced: builtins.bool = False
    ) -> None:
        if indices.ndim != 2 or indices.dtype is not dtypes.int64:
            raise RuntimeError(
                f"indices must be an int64 tensor of shape (ndim, nnz), got {indices.dtype} "
                f"of shape {tuple(indices.shape)}"
            )
        if values.shape[0] != indices.shape[1]:
            raise RuntimeError(
                f"indices and values must have the same number of elements, but got "
                f"{indices.shape[1]} and {values.shape[0]}"
            )
        self._index, self._values_t = indices, values
        self._size = Size(size)
        if indices.shape[0] + values.ndim - 1 != len(self._size):
            raise RuntimeError(
                f"number of dimensions must be sparse_dim ({indices.shape[0]}) + dense_dim "
                f"({values.ndim - 1}), but got {len(self._size)}"
            )
        if indices.shape[1]:
            top = indices.amax(1).tolist()
            for dim, (highest, extent) in enumerate(zip(top, self._size)):
                if highest >= extent:
                    raise RuntimeError(
                        f"size is inconsistent with indices: for dim {dim}, size is {extent} "
                        f"but found index {highest}"
                    )
        self._coalesced = coalesced

    # -- what it is

    @property
    def shape(self) -> Size:
        return self._size

    def size(self, dim: builtins.int | None = None) -> Any:
        return self._size if dim is None else self._size[dim]

    def dim(self) -> builtins.int:
        return len(self._size)

    ndim = property(dim)

    @property
    def dtype(self) -> Any:
        return self._values_t.dtype

    @property
    def device(self) -> Any:
        return self._values_t.device

    @property
    def requires_grad(self) -> builtins.bool:
        return self._values_t.requires_grad

    @property
    def grad_fn(self) -> Any:
        return self._values_t.grad_fn

    def sparse_dim(self) -> builtins.int:
        return self._index.shape[0]

    def dense_dim(self) -> builtins.int:
        return self._values_t.ndim - 1

    def _nnz(self) -> builtins.int:
        return self._index.shape[1]

    def is_coalesced(self) -> builtins.bool:
        return self._coalesced

    def _indices(self) -> Tensor:
        return self._index

    def indices(self) -> Tensor:
        self._need_coalesced("indices")
        return self._index

    def values(self) -> Tensor:
        self._need_coalesced("values")
        return self._values_t

    def _values(self) -> Tensor:
        return self._values_t

    def _need_coalesced(self, what: str) -> None:
        if not self._coalesced:
            raise RuntimeError(
                f"Cannot get {what} on an uncoalesced tensor, please call .coalesce() first"
            )

    # -- conversions

    def _flat_positions(self) -> Tensor:
        """Each entry's position in the flattened sparse dimensions."""
        sparse_shape = self._size[: self.sparse_dim()]
        strides = np.cumprod((1, *sparse_shape[::-1]))[:-1][::-1].copy()
        weights = _tensor(strides.reshape(-1, 1), dtype=dtypes.int64, device=self.device)
        return (self._index * weights).sum(0)

    def coalesce(self) -> SparseCOOTensor:
        """Duplicate coordinates summed, entries in lexicographic order."""
        if self._coalesced:
            return self
        flat = self._flat_positions()
        unique, inverse = np.unique(flat.numpy(), return_inverse=True)
        inverse_t = _tensor(inverse, dtype=dtypes.int64, device=self.device)
        summed = zeros(
            (len(unique), *self._values_t.shape[1:]), dtype=self.dtype, device=self.device
        ).index_add(0, inverse_t, self._values_t)
        coords = np.stack(np.unravel_index(unique, self._size[: self.sparse_dim()]))
        indices = _tensor(coords.reshape(self.sparse_dim(), -1), dtype=dtypes.int64)
        return SparseCOOTensor(indices.to(self.device), summed, self._size, coalesced=True)

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        sparse_shape = self._size[: self.sparse_dim()]
        flat = zeros(
            (int(np.prod(sparse_shape)), *self._values_t.shape[1:]),
            dtype=self.dtype,
            device=self.device,
        ).index_add(0, self._flat_positions(), self._values_t)
        dense = flat.reshape(self._size)
        return dense if dtype is None else dense.to(dtype)

    def to(self, *args: Any, **kwargs: Any) -> SparseCOOTensor:
        values = self._values_t.to(*args, **kwargs)
        return SparseCOOTensor(self._index.to(values.device), values, self._size, self._coalesced)

    def cpu(self) -> SparseCOOTensor:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> SparseCOOTensor:
        return self.to(device or "cuda")

    def float(self) -> SparseCOOTensor:
        return self.to(dtypes.float32)

    def double(self) -> SparseCOOTensor:
        return self.to(dtypes.float64)

    def detach(self) -> SparseCOOTensor:
        return SparseCOOTensor(self._index, self._values_t.detach(), self._size, self._coalesced)

    def requires_grad_(self, flag: builtins.bool = True) -> SparseCOOTensor:
        self._values_t.requires_grad_(flag)
        return self

    def clone(self) -> SparseCOOTensor:
        return SparseCOOTensor(
            self._index.clone(), self._values_t.clone(), self._size, self._coalesced
        )

    # -- arithmetic

    def t(self) -> SparseCOOTensor:
        if self.sparse_dim() != 2 or self.dense_dim():
            raise RuntimeError("t() expects a 2-D sparse tensor")
        return SparseCOOTensor(self._index.flip(0), self._values_t, self._size[::-1])

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> SparseCOOTensor:
        if {dim0 % 2, dim1 % 2} != {0, 1}:
            return self
        return self.t()

    def __mul__(self, other: Any) -> SparseCOOTensor:
        if isinstance(other, SparseCOOTensor) or (is_tensor(other) and other.ndim > 0):
            raise RuntimeError(
                "sparse * tensor: only multiplication by a number is supported here "
                "(convert with to_dense() for elementwise products)"
            )
        return SparseCOOTensor(self._index, self._values_t * other, self._size, self._coalesced)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> SparseCOOTensor:
        return self * (1.0 / other)

    def __neg__(self) -> SparseCOOTensor:
        return self * -1

    def __add__(self, other: Any) -> Any:
        if isinstance(other, SparseCOOTensor):
            if other.shape != self.shape:
                raise RuntimeError(
                    f"add: expected sizes to match, got {tuple(self.shape)} and "
                    f"{tuple(other.shape)}"
                )
            from workbench.eager.functions import cat  # noqa: PLC0415

            joined = SparseCOOTensor(
                cat([self._index, other._index], 1),
                cat([self._values_t, other._values_t.to(self.dtype)], 0),
                self._size,
            )
            return joined.coalesce()
        return self.to_dense() + other  # sparse + dense is dense, as in PyTorch

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def mm(self, dense: Tensor) -> Tensor:
        return mm(self, dense)

    __matmul__ = mm
    matmul = mm

    def sum(self, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        if dim is None:
            return self._values_t.sum()
        return self.to_dense().sum(dim, keepdim)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"sparse COO tensors here support to_dense(), coalesce(), indices(), values(), "
            f"mm/@, +, * by a number, t(), sum() and to(); '{name}' needs a dense tensor: "
            "call .to_dense() first"
        )

    def __repr__(self) -> str:
        indices = repr(self._index).replace("\n", "\n" + " " * 15)
        values = repr(self._values_t)
        values = values[: values.index(", grad_fn")] + ")" if ", grad_fn" in values else values
        values = values.replace(", requires_grad=True", "").replace("\n", "\n" + " " * 14)
        extra = ""
        if self.grad_fn is not None:
            extra = f", grad_fn=<{self.grad_fn.name()}>"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return (
            f"tensor(indices={indices},\n       values={values},\n"
            f"       size={tuple(self._size)}, nnz={self._nnz()}, layout=torch.sparse_coo{extra})"
        )


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
    check_invariants: Any = None,
    is_coalesced: builtins.bool | None = None,
) -> SparseCOOTensor:
    """Mirrors: torch.sparse_coo_tensor (the size defaults to one past each largest index)."""
    index = tensor_of(indices).to(dtypes.int64)
    vals = tensor_of(values)
    if dtype is not None or device is not None:
        vals = vals.to(device=device, dtype=dtype)
    if size is None:
        top = index.amax(1).tolist() if index.shape[1] else [0] * index.shape[0]
        size = (*(t + 1 for t in top), *vals.shape[1:])
    if requires_grad:
        vals = vals.detach().requires_grad_(True)
    return SparseCOOTensor(index.to(vals.device), vals, size, coalesced=builtins.bool(is_coalesced))


def to_sparse(self: Tensor, sparse_dim: builtins.int | None = None, *, layout: Any = None) -> Any:
    """The nonzero entries of a dense tensor as a coalesced COO tensor (Tensor.to_sparse)."""
    if sparse_dim is not None and sparse_dim != self.ndim:
        raise NotImplementedError("to_sparse: hybrid tensors (sparse_dim < ndim) are not supported")
    coords = np.nonzero(self.detach().cpu().numpy())
    index = _tensor(np.stack(coords).reshape(self.ndim, -1), dtype=dtypes.int64, device=self.device)
    return SparseCOOTensor(index, self[tuple(index)], self.shape, coalesced=True)


def mm(mat1: Any, mat2: Tensor) -> Tensor:
    """sparse (n×m) @ dense (m×k), differentiable in the values and the dense matrix.
    Mirrors: torch.sparse.mm (and torch.spmm, torch.mm with a sparse first operand)."""
    if not isinstance(mat1, SparseCOOTensor):
        return tensor_of(mat1) @ mat2
    if mat1.sparse_dim() != 2 or mat1.dense_dim() or mat2.ndim != 2:
        raise RuntimeError(
            f"sparse.mm: expected a 2-D sparse matrix and a 2-D dense matrix, got "
            f"{tuple(mat1.shape)} and {tuple(mat2.shape)}"
        )
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )
    rows, cols = mat1._index[0], mat1._index[1]
    scaled = mat2.index_select(0, cols) * mat1._values_t.to(mat2.dtype).unsqueeze(1)
    out = zeros(mat1.shape[0], mat2.shape[1], dtype=mat2.dtype, device=mat2.device)
    return out.index_add(0, rows, scaled)


def addmm(mat: Tensor, mat1: Any, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return mat * beta + mm(mat1, mat2) * alpha


def sum(input: Any, dim: Any = None, dtype: Any = None) -> Tensor:  # noqa: A001, A002
    total = input.sum(dim) if isinstance(input, SparseCOOTensor) else tensor_of(input).sum(dim)
    return total if dtype is None else total.to(dtype)


def _legacy(dtype: Any) -> Any:
    def make(indices: Any, values: Any, size: Any = None) -> SparseCOOTensor:
        return sparse_coo_tensor(indices, tensor_of(values).to(dtype), size)

    return make


FloatTensor = _legacy(dtypes.float32)
DoubleTensor = _legacy(dtypes.float64)
LongTensor = _legacy(dtypes.int64)

__all__ = ["DoubleTensor", "FloatTensor", "LongTensor", "addmm", "mm", "sum"]
