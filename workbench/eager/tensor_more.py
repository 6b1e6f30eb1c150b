"""Tensor methods real programs use beyond the basics: the rest of the trigonometric and
hyperbolic functions, numeric helpers (hypot, logaddexp, xlogy, nansum …), scatter and
fill variants, windows (``unfold``), resizing, the legacy ``new``, random fills, and the
properties of a real tensor that complex-aware code reads (``real``, ``conj``, ``mH``).

Each is composed from the core's primitives (through other Tensor methods), so its
gradient comes from theirs.
"""

from __future__ import annotations

import builtins
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import ops
from workbench.eager import dtypes
from workbench.eager.meta import return_type
from workbench.eager.tensor_base import new, promote, tensor_of, unary_float, wrap, wrap_dim

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor

tan = unary_float(ops.tan, "TanBackward0")
asin = unary_float(ops.asin, "AsinBackward0")
acos = unary_float(ops.acos, "AcosBackward0")
atan = unary_float(ops.atan, "AtanBackward0")
sinh = unary_float(ops.sinh, "SinhBackward0")
cosh = unary_float(ops.cosh, "CoshBackward0")
asinh = unary_float(ops.asinh, "AsinhBackward0")
acosh = unary_float(ops.acosh, "AcoshBackward0")
atanh = unary_float(ops.atanh, "AtanhBackward0")


def _floats(a: Any, b: Any) -> tuple[Any, Any]:
    """Both operands promoted, integers becoming the default float."""
    x, y = promote(a, b)
    x, y = ops.operands("binary", x, y)
    if x.dtype.kind != "f":
        target = dtypes.get_default_dtype().np
        x, y = ops.cast(x, target), ops.cast(y, target)
    return x, y


def atan2(self: Tensor, other: Any) -> Tensor:
    return wrap(ops.atan2(*_floats(self, other)), (self, other), "Atan2Backward0")


def fmod(self: Tensor, other: Any) -> Tensor:
    """The remainder with the sign of the dividend (C's fmod)."""
    x, y = ops.operands("fmod", *promote(self, other))
    return wrap(ops.rem(x, y), (self, other), "FmodBackward0")


def hypot(self: Tensor, other: Any) -> Tensor:
    return (self * self + tensor_of(other) * other).sqrt()


def logaddexp(self: Tensor, other: Any) -> Tensor:
    """log(eˣ + eʸ), without overflow."""
    other = tensor_of(other)
    top = self.maximum(other)
    return top + (-(self - other).abs()).exp().log1p()


def logaddexp2(self: Tensor, other: Any) -> Tensor:
    ln2 = math.log(2.0)
    return logaddexp(self * ln2, tensor_of(other) * ln2) / ln2


def deg2rad(self: Tensor) -> Tensor:
    return self * (math.pi / 180.0)


def rad2deg(self: Tensor) -> Tensor:
    return self * (180.0 / math.pi)


def frac(self: Tensor) -> Tensor:
    return self - self.trunc()


def logit(self: Tensor, eps: builtins.float | None = None) -> Tensor:
    x = self if eps is None else self.clamp(eps, 1 - eps)
    return (x / (1 - x)).log()


def erfc(self: Tensor) -> Tensor:
    return 1 - self.erf()


def sinc(self: Tensor) -> Tensor:
    """sin(πx)/(πx), 1 at 0."""
    x = self * math.pi
    safe = x.masked_fill(self == 0, 1.0)
    return (safe.sin() / safe).masked_fill(self == 0, 1.0)


def heaviside(self: Tensor, values: Tensor) -> Tensor:
    step = (self > 0).to(self.dtype)
    return step.where(self != 0, tensor_of(values).to(self.dtype))


def xlogy(self: Tensor, other: Any) -> Tensor:
    """x·log(y), 0 where x is 0 (even where y is 0)."""
    x, y = self, tensor_of(other)
    product = x * y.log()
    return product.masked_fill(x == 0, 0.0)


def float_power(self: Tensor, exponent: Any) -> Tensor:
    power = exponent.double() if hasattr(exponent, "double") else exponent
    return self.double() ** power


def nansum(
    self: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None
) -> Tensor:
    return self.masked_fill(self.isnan(), 0).sum(dim, keepdim, dtype=dtype)


def nanmean(
    self: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None
) -> Tensor:
    present = (~self.isnan()).to(self.dtype)
    return nansum(self, dim, keepdim, dtype=dtype) / present.sum(dim, keepdim)


def aminmax(self: Tensor, *, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    axis = tuple(range(self.ndim)) if dim is None else dim
    pair = (self.amin(axis, keepdim), self.amax(axis, keepdim))
    return return_type("aminmax", ("min", "max"))(*pair)


def logcumsumexp(self: Tensor, dim: builtins.int) -> Tensor:
    """log Σ_{j≤i} e^{x_j} along ``dim``, shifted by the running maximum's final value."""
    top = self.amax(dim, keepdim=True).detach()
    top = top.masked_fill(~top.isfinite(), 0.0)
    return (self - top).exp().cumsum(dim).log() + top


def addcmul(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    return self + tensor1 * tensor2 * value


def addcdiv(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    return self + tensor1 / tensor2 * value


def exp2(self: Tensor) -> Tensor:
    return (self * math.log(2.0)).exp() if self.dtype.is_floating_point else 2.0**self


def baddbmm(
    self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1
) -> Tensor:
    product = batch1 @ batch2
    return (self * beta if beta != 1 else self) + (product * alpha if alpha != 1 else product)


def renorm(self: Tensor, p: Any, dim: builtins.int, maxnorm: Any) -> Tensor:
    """Each slice along ``dim`` scaled down to p-norm at most maxnorm."""
    others = tuple(d for d in range(self.ndim) if d != wrap_dim(dim, self.ndim))
    norms = self.abs().pow(p).sum(others, keepdim=True).pow(1.0 / p)
    scale = (maxnorm / (norms + 1e-7)).clamp(max=1.0).where(norms > maxnorm, 1.0)
    return self * scale


def cross(self: Tensor, other: Tensor, dim: builtins.int | None = None) -> Tensor:
    from workbench.eager import linalg  # noqa: PLC0415

    axis = dim if dim is not None else next(d for d, s in enumerate(self.shape) if s == 3)
    return linalg.cross(self, other, dim=axis)


# ---------------------------------------------------------------------------------------
# indexing and windows


def select(self: Tensor, dim: builtins.int, index: builtins.int) -> Tensor:
    return self[(slice(None),) * (wrap_dim(dim, self.ndim)) + (index,)]


def unfold(self: Tensor, dimension: builtins.int, size: builtins.int, step: builtins.int) -> Tensor:
    """Every window of ``size`` along ``dimension``, ``step`` apart: that dimension becomes
    the number of windows and a new last dimension holds each window."""
    from workbench.eager.creation import arange  # noqa: PLC0415

    d = wrap_dim(dimension, self.ndim)
    count = (self.shape[d] - size) // step + 1
    if count < 1:
        raise RuntimeError(
            f"maximum size for tensor at dimension {d} is {self.shape[d]} but size is {size}"
        )
    starts = arange(0, count * step, step, device=self.device)
    index = (starts.unsqueeze(1) + arange(size, device=self.device)).reshape(-1)
    picked = self.index_select(d, index)
    shape = (*self.shape[:d], count, size, *self.shape[d + 1 :])
    return picked.reshape(shape).movedim(d + 1, -1)


def scatter(
    self: Tensor,
    dim: builtins.int,
    index: Tensor,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Tensor:
    """``self`` with ``src`` (or a number) written at ``index`` along ``dim``; with
    reduce='add'/'multiply' combined with what is there. Mirrors: torch.scatter."""
    source = value if src is None else src
    d = wrap_dim(dim, self.ndim)
    if not hasattr(source, "shape"):
        source = self.new_full(tuple(index.shape), source)
    grids = np.indices(tuple(index.shape))
    flat_self = self.reshape(-1)
    strides = np.cumprod((1, *self.shape[::-1]))[:-1][::-1]
    positions: Any = sum(
        (index.long() if a == d else new(grids[a], device=self.device)) * builtins.int(strides[a])
        for a in range(self.ndim)
    )
    positions = positions.reshape(-1)
    values = source[tuple(slice(0, n) for n in index.shape)].reshape(-1)
    if reduce in ("add", "sum"):
        out = flat_self.index_add(0, positions, values.to(self.dtype))
    elif reduce is None:
        update = values.to(self.dtype)
        key = (positions._array(),)
        out = wrap(ops.index_set(flat_self._value, key, update._value), (self, update), "Scatter")
    else:
        raise RuntimeError(f"scatter: reduce={reduce!r} is not supported here (None or 'add')")
    return out.reshape(self.shape)


def index_fill(self: Tensor, dim: builtins.int, index: Tensor, value: Any) -> Tensor:
    mask_shape = [1] * self.ndim
    d = wrap_dim(dim, self.ndim)
    mask_shape[d] = self.shape[d]
    hit = np.zeros(self.shape[d], bool)
    hit[np.asarray(tensor_of(index).cpu().numpy()).reshape(-1)] = True
    return self.masked_fill(new(hit.reshape(mask_shape), device=self.device), value)


def index_copy(self: Tensor, dim: builtins.int, index: Tensor, source: Tensor) -> Tensor:
    d = wrap_dim(dim, self.ndim)
    cleared = index_fill(self, d, index, 0)
    return cleared.index_add(d, index, source)


def fill_diagonal(self: Tensor, fill_value: Any, wrap: builtins.bool = False) -> Tensor:
    rows, cols = self.shape[0], self.shape[1]
    mask = np.zeros((rows, cols), bool)
    n = min(rows, cols)
    mask[np.arange(n), np.arange(n)] = True
    if wrap and rows > cols + 1:
        for start in range(cols + 1, rows, cols + 1):
            k = min(cols, rows - start)
            mask[start + np.arange(k), np.arange(k)] = True
    return self.masked_fill(new(mask, device=self.device), fill_value)


# ---------------------------------------------------------------------------------------
# shapes, copies and random fills


def new_legacy(self: Tensor, *args: Any) -> Tensor:
    """``x.new(2, 3)``: an uninitialised tensor of x's dtype and device (zeros here);
    ``x.new(data)``: a tensor of that data; ``x.new()``: an empty one."""
    if not args:
        return self.new_empty(0)
    if len(args) == 1 and not isinstance(args[0], builtins.int):
        data = args[0]
        if isinstance(data, tuple) and builtins.all(isinstance(a, builtins.int) for a in data):
            return self.new_zeros(data)
        return self.new_tensor(data)
    return self.new_zeros(args)


def resized(self: Tensor, *sizes: Any) -> Tensor:
    """A copy with the new shape: the first values kept, zeros added (PyTorch leaves new
    memory uninitialised)."""
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple | list) else sizes
    count = builtins.int(np.prod(shape))
    flat = self.detach().reshape(-1)
    if flat.numel() >= count:
        return flat[:count].reshape(shape).clone()
    from workbench.eager.functions import cat  # noqa: PLC0415

    return cat([flat, flat.new_zeros(count - flat.numel())]).reshape(shape)


def resize_(self: Tensor, *sizes: Any) -> Tensor:
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    self._value = resized(self, *sizes)._value
    self._version += 1
    return self


def random_(
    self: Tensor, from_: builtins.int = 0, to: builtins.int | None = None, *, generator: Any = None
) -> Tensor:
    """Integers uniform in [from, to) (to defaults to 2^mantissa for floats, the dtype's
    maximum + 1 for integers)."""
    from workbench.eager.random import randint  # noqa: PLC0415

    if to is None:
        to, from_ = from_, 0
        if to == 0:
            to = (
                2**24 + 1
                if self.dtype is dtypes.float32
                else 2**53 + 1
                if self.dtype.is_floating_point
                else builtins.int(np.iinfo(self.dtype.np).max) + 1
            )
    values = randint(from_, to, tuple(self.shape), generator=generator, device=self.device)
    return self._inplace(values.to(self.dtype))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    from workbench.eager.random import rand  # noqa: PLC0415

    draw = rand(*self.shape, generator=generator, dtype=dtypes.float64, device=self.device)
    return self._inplace((draw < p).to(self.dtype))


def exponential_(self: Tensor, lambd: builtins.float = 1.0, *, generator: Any = None) -> Tensor:
    from workbench.eager.random import rand  # noqa: PLC0415

    draw = rand(*self.shape, generator=generator, dtype=self.dtype, device=self.device)
    return self._inplace(-(1 - draw).log() / lambd)


def log_normal_(
    self: Tensor, mean: builtins.float = 1.0, std: builtins.float = 2.0, *, generator: Any = None
) -> Tensor:
    from workbench.eager.random import randn  # noqa: PLC0415

    draw = randn(*self.shape, generator=generator, dtype=self.dtype, device=self.device)
    return self._inplace((draw * std + mean).exp())


# ---------------------------------------------------------------------------------------
# a real tensor seen by complex-aware code, and its memory


def real(self: Tensor) -> Tensor:
    return self


def imag(self: Tensor) -> Tensor:
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def conj(self: Tensor) -> Tensor:
    return self


def sparse_values(self: Tensor) -> Tensor:
    raise RuntimeError("values expected sparse tensor layout but got Strided")


def sparse_indices(self: Tensor) -> Tensor:
    raise RuntimeError("indices expected sparse coordinate tensor layout but got Strided")


def storage_offset(self: Tensor) -> builtins.int:
    return 0


def data_ptr(self: Tensor) -> builtins.int:
    data = self._array().data
    pointer = getattr(data, "data", None)
    return builtins.int(getattr(pointer, "ptr", 0) or data.ctypes.data)


def nbytes(self: Tensor) -> builtins.int:
    return self.numel() * self.element_size()


def itemsize(self: Tensor) -> builtins.int:
    return self.element_size()


# the in-place forms: self replaced by the method's result
INPLACE = (
    "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "atan2",
    "fmod", "hypot", "logit", "frac", "deg2rad", "rad2deg", "abs", "neg", "sign", "floor",
    "ceil", "round", "trunc", "reciprocal", "sigmoid", "tanh", "sin", "cos", "log", "log1p",
    "expm1", "rsqrt", "square", "relu", "tril", "triu", "scatter", "index_fill", "index_copy",
    "fill_diagonal", "nan_to_num", "addmm", "baddbmm", "renorm", "erf", "erfinv", "xlogy",
    "float_power", "log2", "log10", "exp2", "heaviside", "logical_not", "logical_and",
    "logical_or", "remainder", "floor_divide", "true_divide", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not",
)  # fmt: skip


def inplace(name: str) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace(getattr(self, name)(*args, **kwargs))

    method.__name__ = f"{name}_"
    return method
