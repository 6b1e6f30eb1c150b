"""Tensor methods that rearrange a tensor: views and reshapes, permutations, repeats,
flips and splits. Each is a function of the tensor, bound into ``Tensor`` by name in its
class body (``Tensor.reshape is tensor_layout.reshape``).

Mirrors: the corresponding torch.Tensor methods.
"""
# ruff: noqa: A001 - methods named as torch names them (sum, max, all, …)

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import ops
from workbench.eager import dtypes
from workbench.eager.tensor_base import (
    is_tensor,
    new,
    shape_args,
    wrap,
    wrap_dim,
)

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def reshape(self: Tensor, *shape: Any) -> Tensor:
    shape = shape_args(shape)
    return wrap(ops.reshape(self._value, shape), (self,), "ViewBackward0")


def view_as(self: Tensor, other: Tensor) -> Tensor:
    return self.reshape(other.shape)


def permute(self: Tensor, *dims: Any) -> Tensor:
    return wrap(ops.transpose(self._value, shape_args(dims)), (self,), "PermuteBackward0")


def transpose(self: Tensor, dim0: builtins.int, dim1: builtins.int) -> Tensor:
    perm = list(range(self.ndim))
    d0, d1 = wrap_dim(dim0, self.ndim), wrap_dim(dim1, self.ndim)
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return wrap(ops.transpose(self._value, perm), (self,), "TransposeBackward0")


def t(self: Tensor) -> Tensor:
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return self if self.ndim < 2 else self.transpose(0, 1)


def squeeze(self: Tensor, dim: Any = None) -> Tensor:
    if dim is None:
        axes = [i for i, d in enumerate(self.shape) if d == 1]
    else:
        axes = [wrap_dim(d, self.ndim) for d in ((dim,) if isinstance(dim, builtins.int) else dim)]
        axes = [a for a in axes if self.shape[a] == 1]  # torch ignores non-1 dims
    return self if not axes else wrap(ops.squeeze(self._value, axes), (self,), "SqueezeBackward0")


def unsqueeze(self: Tensor, dim: builtins.int) -> Tensor:
    return wrap(
        ops.expand_dims(self._value, [wrap_dim(dim, self.ndim + 1)]), (self,), "UnsqueezeBackward0"
    )


def flatten(self: Tensor, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
    if self.ndim == 0:
        return self.reshape(1)
    s, e = wrap_dim(start_dim, self.ndim), wrap_dim(end_dim, self.ndim)
    shape = list(self.shape[:s]) + [-1] + list(self.shape[e + 1 :])
    return self.reshape(shape)


def unflatten(self: Tensor, dim: builtins.int, sizes: Sequence[builtins.int]) -> Tensor:
    d = wrap_dim(dim, self.ndim)
    return self.reshape(list(self.shape[:d]) + list(sizes) + list(self.shape[d + 1 :]))


def expand(self: Tensor, *sizes: Any) -> Tensor:
    sizes = shape_args(sizes)
    lead = len(sizes) - self.ndim
    shape = [s if s != -1 else self.shape[i - lead] for i, s in enumerate(sizes)]
    return wrap(ops.broadcast_to(self._value, shape), (self,), "ExpandBackward0")


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return self.expand(other.shape)


def repeat(self: Tensor, *repeats: Any) -> Tensor:
    repeats = shape_args(repeats)
    x = self.reshape([1] * (len(repeats) - self.ndim) + list(self.shape))
    shape = []
    for r, d in zip(repeats, x.shape):
        shape += [r, d]
    expanded = x.reshape([v for d in x.shape for v in (1, d)]).expand(shape)
    return expanded.reshape([r * d for r, d in zip(repeats, x.shape)])


def flip(self: Tensor, dims: Any) -> Tensor:
    return wrap(ops.flip(self._value, shape_args((dims,))), (self,), "FlipBackward0")


def chunk(self: Tensor, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    dim = wrap_dim(dim, self.ndim)
    size = self.shape[dim]
    step = -(-size // chunks)
    return self.split(step, dim)


def split(self: Tensor, split_size: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    dim = wrap_dim(dim, self.ndim)
    size = self.shape[dim]
    if isinstance(split_size, builtins.int):
        sizes = [split_size] * (size // split_size) + (
            [size % split_size] if size % split_size else []
        )
    else:
        sizes = list(split_size)
    pieces = ops.split(self._value, sizes, dim)
    return tuple(wrap(p, (self,), "SplitBackward0") for p in pieces)


def movedim(self: Tensor, source: builtins.int, destination: builtins.int) -> Tensor:
    order = [i for i in range(self.ndim) if i != wrap_dim(source, self.ndim)]
    order.insert(wrap_dim(destination, self.ndim), wrap_dim(source, self.ndim))
    return self.permute(*order)


def tril(self: Tensor, diagonal: builtins.int = 0) -> Tensor:
    rows, cols = self.shape[-2:]
    mask = new(np.tril(np.ones((rows, cols), bool), diagonal), device=self.device)
    return self.masked_fill(~mask, 0)


def triu(self: Tensor, diagonal: builtins.int = 0) -> Tensor:
    rows, cols = self.shape[-2:]
    mask = new(np.triu(np.ones((rows, cols), bool), diagonal), device=self.device)
    return self.masked_fill(~mask, 0)


def unbind(self: Tensor, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    return tuple(p.squeeze(dim) for p in self.split(1, dim))


def narrow(self: Tensor, dim: builtins.int, start: builtins.int, length: builtins.int) -> Tensor:
    key = (slice(None),) * (wrap_dim(dim, self.ndim)) + (slice(start, start + length),)
    return self[key]


def broadcast_to(self: Tensor, size: Any) -> Tensor:
    return self.expand(size)


def tile(self: Tensor, dims: Any) -> Tensor:
    """``repeat`` with ``dims`` padded by ones on the left when shorter than the tensor."""
    dims = tuple(dims)
    return self.repeat((1,) * (self.ndim - len(dims)) + dims)


def roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    from workbench.eager.functions import cat  # noqa: PLC0415

    if dims is None:
        return self.flatten().roll(shifts, 0).reshape(self.shape)
    shifts = (shifts,) if isinstance(shifts, builtins.int) else tuple(shifts)
    dims = tuple(
        wrap_dim(d, self.ndim) for d in ((dims,) if isinstance(dims, builtins.int) else dims)
    )
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}"
        )
    out = self
    for shift, dim in zip(shifts, dims):
        size = out.shape[dim]
        cut = (-shift) % size if size else 0
        if cut:
            out = cat([out.narrow(dim, cut, size - cut), out.narrow(dim, 0, cut)], dim)
    return out


def repeat_interleave(self: Tensor, repeats: Any, dim: Any = None) -> Tensor:
    """Each element repeated ``repeats`` times along ``dim`` (flattened when None)."""
    x = self.flatten() if dim is None else self
    d = 0 if dim is None else wrap_dim(dim, x.ndim)
    if isinstance(repeats, builtins.int):
        shape = list(x.shape)
        expanded = x.unsqueeze(d + 1).expand(shape[: d + 1] + [repeats] + shape[d + 1 :])
        return expanded.reshape(shape[:d] + [shape[d] * repeats] + shape[d + 1 :])
    counts = repeats.tolist() if is_tensor(repeats) else list(repeats)
    where = np.repeat(np.arange(x.shape[d]), counts)
    return x.index_select(d, new(where, device=x.device))


def fliplr(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise RuntimeError("fliplr: input tensor must be at least 2D.")
    return self.flip(1)


def flipud(self: Tensor) -> Tensor:
    return self.flip(0)


def diff(self: Tensor, n: builtins.int = 1, dim: builtins.int = -1) -> Tensor:
    dim = wrap_dim(dim, self.ndim)
    out = self
    for _ in range(n):
        size = out.shape[dim]
        later, earlier = out.narrow(dim, 1, size - 1), out.narrow(dim, 0, size - 1)
        out = later != earlier if out.dtype is dtypes.bool else later - earlier
    return out


def stride(self: Tensor, dim: Any = None) -> Any:
    """Steps in elements between neighbours along each dimension, read from the storage
    array (0 along an ``expand``-ed dimension, as in PyTorch)."""
    data = self._array().data
    steps = tuple(builtins.int(s) // data.itemsize for s in data.strides)
    return steps if dim is None else steps[dim]
