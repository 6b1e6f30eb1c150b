"""Tensor methods for arithmetic beyond the operators, elementwise functions and
reductions. Each is a function of the tensor, bound into ``Tensor`` by name in its class
body (``Tensor.sum is tensor_math.sum``).

Mirrors: the corresponding torch.Tensor methods.
"""
# ruff: noqa: A001 - methods named as torch names them (sum, max, all, …)

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import composites, ops
from workbench.eager import dtypes
from workbench.eager.meta import values_indices
from workbench.eager.tensor_base import (
    Number,
    binary,
    dims,
    float_input,
    is_tensor,
    new,
    tensor_of,
    wrap,
    wrap_dim,
)

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def numpy_names(method: Callable[..., Any]) -> Callable[..., Any]:
    """Accept NumPy's spellings as PyTorch's argument parser does: ``axis`` for ``dim``
    and ``keepdims`` for ``keepdim`` (``x.mean(axis=0)`` runs in PyTorch)."""

    @functools.wraps(method)
    def with_aliases(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for alias, name in (("axis", "dim"), ("keepdims", "keepdim")):
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(
                            f"{method.__name__}() got both {name!r} and its alias {alias!r}"
                        )
                    kwargs[name] = kwargs.pop(alias)
        return method(self, *args, **kwargs)

    return with_aliases


def log2(self: Tensor) -> Tensor:
    return self.log() / math.log(2)


def log10(self: Tensor) -> Tensor:
    return self.log() / math.log(10)


def abs(self: Tensor) -> Tensor:
    return wrap(ops.abs(self._value), (self,), "AbsBackward0")


def neg(self: Tensor) -> Tensor:
    return -self


def sign(self: Tensor) -> Tensor:
    return wrap(ops.sign(self._value), (self,), "SignBackward0")


def square(self: Tensor) -> Tensor:
    return wrap(ops.square(self._value), (self,), "PowBackward0")


def relu(self: Tensor) -> Tensor:
    return wrap(ops.relu(self._value), (self,), "ReluBackward0")


def floor(self: Tensor) -> Tensor:
    return self if not self.dtype.is_floating_point else wrap(ops.floor(self._value), (self,))


def ceil(self: Tensor) -> Tensor:
    return self if not self.dtype.is_floating_point else wrap(ops.ceil(self._value), (self,))


def round(self: Tensor, decimals: builtins.int = 0) -> Tensor:
    if decimals:
        scale = 10.0**decimals
        return (self * scale).round() / scale
    return self if not self.dtype.is_floating_point else wrap(ops.round(self._value), (self,))


def trunc(self: Tensor) -> Tensor:
    return self.sign() * self.abs().floor()


def _at_least(x: Any, low: Any) -> Any:
    """max(x, low) with PyTorch's clamp gradient: all of it to x where x >= low (a tie
    too), unlike ``maximum``, which splits a tie."""
    return ops.select(ops.lt(x, low), ops.add(ops.zeros_like(x), low), x)


def _at_most(x: Any, high: Any) -> Any:
    return ops.select(ops.gt(x, high), ops.add(ops.zeros_like(x), high), x)


def clamp(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    out = self
    if min is not None:
        out = binary(_at_least, out, min, "ClampBackward1")
    if max is not None:
        out = binary(_at_most, out, max, "ClampBackward1")
    return out


def clamp_min(self: Tensor, min: Any) -> Tensor:  # noqa: A002
    return binary(_at_least, self, min, "ClampMinBackward0")


def clamp_max(self: Tensor, max: Any) -> Tensor:  # noqa: A002
    return binary(_at_most, self, max, "ClampMaxBackward0")


def maximum(self: Tensor, other: Tensor) -> Tensor:
    return binary(ops.maximum, self, other, "MaximumBackward0")


def minimum(self: Tensor, other: Tensor) -> Tensor:
    return binary(ops.minimum, self, other, "MinimumBackward0")


def where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    from workbench.eager.functions import where  # noqa: PLC0415

    return where(condition, self, other)


def masked_fill(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    from workbench.eager.functions import where  # noqa: PLC0415

    fill = value if is_tensor(value) else new(value, dtype=self.dtype, device=self.device)
    return where(mask, fill.to(self.dtype), self)


def isnan(self: Tensor) -> Tensor:
    return self != self


def isfinite(self: Tensor) -> Tensor:
    if not self.dtype.is_floating_point:
        return wrap(ops.eq(self._array(), self._array()))
    return wrap(ops.is_finite(self._array()))


def isinf(self: Tensor) -> Tensor:
    return ~self.isfinite() & ~self.isnan()


@numpy_names
def softmax(self: Tensor, dim: builtins.int, dtype: Any = None) -> Tensor:
    x = self if dtype is None else self.to(dtype)
    return wrap(composites.softmax(float_input(x), dim), (x,), "SoftmaxBackward0")


@numpy_names
def log_softmax(self: Tensor, dim: builtins.int, dtype: Any = None) -> Tensor:
    x = self if dtype is None else self.to(dtype)
    return wrap(composites.log_softmax(float_input(x), dim), (x,), "LogSoftmaxBackward0")


def sum(
    self: Tensor,
    dim: Any = None,
    keepdim: builtins.bool = False,
    dtype: Any = None,
    *,
    axis: Any = None,
    keepdims: builtins.bool | None = None,
) -> Tensor:
    # NumPy's spellings spelled out here, not by numpy_names: sum and mean are hot
    dim = dim if axis is None else axis
    keepdim = keepdim if keepdims is None else keepdims
    x = self
    if dtype is not None:
        x = x.to(dtype)
    elif not x.dtype.is_floating_point:
        x = x.to(dtypes.int64)  # torch sums integers and bools in int64
    return wrap(ops.reduce_sum(x._value, dims(dim, x.ndim), keepdim), (x,), "SumBackward0")


def mean(
    self: Tensor,
    dim: Any = None,
    keepdim: builtins.bool = False,
    dtype: Any = None,
    *,
    axis: Any = None,
    keepdims: builtins.bool | None = None,
) -> Tensor:
    dim = dim if axis is None else axis
    keepdim = keepdim if keepdims is None else keepdims
    x = self if dtype is None else self.to(dtype)
    if not x.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {x.dtype.name.capitalize()}"
        )
    return wrap(ops.mean(x._value, dims(dim, x.ndim), keepdim), (x,), "MeanBackward0")


@numpy_names
def prod(
    self: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None
) -> Tensor:
    x = self if dtype is None else self.to(dtype)
    if dtype is None and not x.dtype.is_floating_point:
        x = x.to(dtypes.int64)  # as sum: integers and bools multiply in int64
    return wrap(ops.reduce_prod(x._value, dims(dim, x.ndim), keepdim), (x,), "ProdBackward0")


def _extreme(
    self: Tensor,
    reduce: Callable[..., Any],
    arg: Callable[..., Any],
    dim: Any,
    keepdim: builtins.bool,
    other: Any,
) -> Any:
    if is_tensor(dim):
        other, dim = dim, None
    if other is not None:
        return (self.maximum if reduce is ops.reduce_max else self.minimum)(other)
    if dim is None:
        return wrap(reduce(self._value), (self,), "MaxBackward1")
    d = wrap_dim(dim, self.ndim)
    indices = wrap(arg(self._array(), d, keepdim))
    values = self.gather(d, indices if keepdim else indices.unsqueeze(d))
    name = "max" if reduce is ops.reduce_max else "min"
    return values_indices(name, values if keepdim else values.squeeze(d), indices)


@numpy_names
def max(
    self: Tensor,
    dim: Any = None,
    keepdim: builtins.bool = False,
    other: Any = None,
) -> Any:
    return self._extreme(ops.reduce_max, ops.argmax, dim, keepdim, other)


@numpy_names
def min(
    self: Tensor,
    dim: Any = None,
    keepdim: builtins.bool = False,
    other: Any = None,
) -> Any:
    return self._extreme(ops.reduce_min, ops.argmin, dim, keepdim, other)


@numpy_names
def amax(self: Tensor, dim: Any = (), keepdim: builtins.bool = False) -> Tensor:
    axes = dims(dim, self.ndim) if dim != () else None
    return wrap(ops.reduce_max(self._value, axes, keepdim), (self,), "AmaxBackward0")


@numpy_names
def amin(self: Tensor, dim: Any = (), keepdim: builtins.bool = False) -> Tensor:
    axes = dims(dim, self.ndim) if dim != () else None
    return wrap(ops.reduce_min(self._value, axes, keepdim), (self,), "AminBackward0")


@numpy_names
def argmax(self: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    if dim is None:
        return wrap(ops.argmax(ops.reshape(self._array(), (-1,)), 0))
    return wrap(ops.argmax(self._array(), dim, keepdim))


@numpy_names
def argmin(self: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    if dim is None:
        return wrap(ops.argmin(ops.reshape(self._array(), (-1,)), 0))
    return wrap(ops.argmin(self._array(), dim, keepdim))


@numpy_names
def var(
    self: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: builtins.bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = dims(dim, self.ndim)
    n = self.numel() if axes is None else math.prod([self.shape[a] for a in axes])
    centred = self - self.mean(dim, keepdim=True)
    return (centred * centred).sum(dim, keepdim) / builtins.max(n - correction, 0)


@numpy_names
def std(
    self: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: builtins.bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    return self.var(dim, unbiased, keepdim, correction=correction).sqrt()


@numpy_names
def norm(self: Tensor, p: Any = "fro", dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    if p in ("fro", 2, 2.0):
        return (self * self).sum(dim, keepdim).sqrt()
    if p in (1, 1.0):
        return self.abs().sum(dim, keepdim)
    if p == math.inf:
        return self.abs().amax(dim if dim is not None else (), keepdim)
    return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)


@numpy_names
def logsumexp(self: Tensor, dim: Any, keepdim: builtins.bool = False) -> Tensor:
    return wrap(
        ops.logsumexp(float_input(self), dims(dim, self.ndim), keepdim),
        (self,),
        "LogsumexpBackward0",
    )


@numpy_names
def cumsum(self: Tensor, dim: builtins.int, dtype: Any = None) -> Tensor:
    x = self if dtype is None else self.to(dtype)
    if dtype is None and not x.dtype.is_floating_point:
        x = x.to(dtypes.int64)  # as sum
    return wrap(ops.cumsum(x._value, dim), (x,), "CumsumBackward0")


@numpy_names
def all(self: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return (self.bool().to(dtypes.int64)).amin(dim if dim is not None else (), keepdim).bool()


@numpy_names
def any(self: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return (self.bool().to(dtypes.int64)).amax(dim if dim is not None else (), keepdim).bool()


# ---------------------------------------------------------------------------------------
# products and linear algebra


def _vectors(name: str, *ts: Tensor) -> None:
    if builtins.any(t.ndim != 1 for t in ts):
        dims = " and ".join(f"{t.ndim}D" for t in ts)
        raise RuntimeError(f"{name}: 1D tensors expected, but got {dims} tensors")


def dot(self: Tensor, other: Tensor) -> Tensor:
    _vectors("dot", self, other)
    return self.matmul(other)


vdot = dot


def inner(self: Tensor, other: Tensor) -> Tensor:
    if self.ndim == 0 or other.ndim == 0:
        return self * other
    from workbench.eager.functions import tensordot  # noqa: PLC0415

    return tensordot(self, other, ([-1], [-1]))


def outer(self: Tensor, vec2: Tensor) -> Tensor:
    _vectors("outer", self, vec2)
    return self.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


def mv(self: Tensor, vec: Tensor) -> Tensor:
    if self.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"mv: expected a matrix and a vector, got {self.ndim}D and {vec.ndim}D tensors"
        )
    return self.matmul(vec)


def addmm(
    self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Number = 1, alpha: Number = 1
) -> Tensor:
    """beta·self + alpha·(mat1 @ mat2); with beta = 0 ``self`` is not read (NaN in it does
    not propagate), as in PyTorch."""
    product = mat1.mm(mat2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return (self if beta == 1 else self * beta) + product


def diagonal(
    self: Tensor, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1
) -> Tensor:
    """The diagonal as the last dimension (a copy here; a view in PyTorch)."""
    from workbench.eager.creation import arange  # noqa: PLC0415

    d1, d2 = wrap_dim(dim1, self.ndim), wrap_dim(dim2, self.ndim)
    order = [d for d in range(self.ndim) if d not in (d1, d2)] + [d1, d2]
    moved = self.permute(*order)
    rows, cols = moved.shape[-2], moved.shape[-1]
    n = builtins.max(
        0, builtins.min(rows + builtins.min(offset, 0), cols - builtins.max(offset, 0))
    )
    i = arange(n, device=self.device)
    return moved[..., i - builtins.min(offset, 0), i + builtins.max(offset, 0)]


def diag(self: Tensor, diagonal: builtins.int = 0) -> Tensor:
    """A 1-D tensor's matrix with it on the ``diagonal``-th diagonal; a matrix's diagonal."""
    if self.ndim == 2:
        return self.diagonal(diagonal)
    if self.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
    from workbench.eager.creation import eye  # noqa: PLC0415
    from workbench.eager.functions import where  # noqa: PLC0415
    from workbench.eager.nn.functional import pad  # noqa: PLC0415

    n, k = self.shape[0], builtins.abs(diagonal)
    square = where(eye(n, dtype=dtypes.bool, device=self.device), self.expand(n, n), 0)
    if diagonal == 0:
        return square
    return pad(square, (k, 0, 0, k) if diagonal > 0 else (0, k, k, 0))


def trace(self: Tensor) -> Tensor:
    if self.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
    return self.diagonal().sum()


# ---------------------------------------------------------------------------------------
# logic, comparison and repairs


def logical_and(self: Tensor, other: Any) -> Tensor:
    return self.bool() & tensor_of(other).bool()


def logical_or(self: Tensor, other: Any) -> Tensor:
    return self.bool() | tensor_of(other).bool()


def logical_xor(self: Tensor, other: Any) -> Tensor:
    return self.bool() != tensor_of(other).bool()


def logical_not(self: Tensor) -> Tensor:
    return ~self.bool()


def isclose(
    self: Tensor,
    other: Any,
    rtol: builtins.float = 1e-05,
    atol: builtins.float = 1e-08,
    equal_nan: builtins.bool = False,
) -> Tensor:
    """|self - other| <= atol + rtol·|other|, equal infinities count as close."""
    other = tensor_of(other)
    close = (self == other) | ((self - other).abs() <= atol + rtol * other.abs())
    if equal_nan:
        close = close | (self.isnan() & other.isnan())
    return close


def lerp(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    """start + weight·(end - start), computed from the nearer end as PyTorch does."""
    from workbench.eager.functions import where  # noqa: PLC0415

    step = end - self
    if not is_tensor(weight):
        return self + step * weight if builtins.abs(weight) < 0.5 else end - step * (1 - weight)
    return where(weight.abs() < 0.5, self + step * weight, end - step * (1 - weight))


def nan_to_num(
    self: Tensor, nan: builtins.float = 0.0, posinf: Any = None, neginf: Any = None
) -> Tensor:
    if not self.dtype.is_floating_point:
        return self.clone()
    from workbench.eager.functions import where  # noqa: PLC0415

    info = np.finfo(self.dtype.np)
    top = info.max if posinf is None else posinf
    bottom = info.min if neginf is None else neginf
    out = where(self.isnan(), nan, self)
    out = where(out == math.inf, top, out)
    return where(out == -math.inf, bottom, out)


def count_nonzero(self: Tensor, dim: Any = None) -> Tensor:
    return (self != 0).sum(dim)


def median(self: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    """The lower of the two middle values (PyTorch's median, not their average)."""
    if dim is None:
        flat = self.flatten().sort().values
        return flat[(flat.shape[0] - 1) // 2]
    ordered = self.sort(dim)
    middle = (self.shape[dim] - 1) // 2
    values = ordered.values.narrow(dim, middle, 1)
    indices = ordered.indices.narrow(dim, middle, 1)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return values_indices("median", values, indices)
