"""``jax.numpy``'s statistics and calculus helpers — cumulative products, NaN-aware and
order statistics (quantiles by sorting), differences, polynomials, covariance — written
with the jnp functions beside them, so gradients, ``jit`` and ``vmap`` come from them."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.core.primitive import normalize_axis
from workbench.functional import numpy as jnp
from workbench.functional.array import Array, default_float

asarray = jnp.asarray


def _host(a: Any) -> np.ndarray:
    return np.asarray(asarray(a))


def _new(host: Any, dtype: Any = None) -> Array:
    return jnp.array(np.asarray(host), dtype=dtype)


# -- cumulative and order statistics ------------------------------------------------------
def cumprod(a: Any, axis: int | None = None, dtype: Any = None) -> Array:
    """The running product, through the core's scan-free form exp(cumsum(log|a|)) would lose
    zeros and signs, so it multiplies prefix slices instead (exact, differentiable)."""
    a = asarray(a) if dtype is None else asarray(a).astype(dtype)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    axis = normalize_axis("cumprod", axis, a.ndim)
    n = a.shape[axis]
    if n == 0:
        return a
    out = [jnp.take(a, jnp.array([0]), axis=axis)]
    for i in range(1, n):
        out.append(out[-1] * jnp.take(a, jnp.array([i]), axis=axis))
    return jnp.concatenate(out, axis=axis)


def cumulative_sum(
    x: Any, axis: int | None = None, dtype: Any = None, include_initial: bool = False
) -> Array:
    out = jnp.cumsum(x, axis=axis, dtype=dtype)
    return _with_initial(out, axis, 0) if include_initial else out


def cumulative_prod(
    x: Any, axis: int | None = None, dtype: Any = None, include_initial: bool = False
) -> Array:
    out = cumprod(x, axis=axis, dtype=dtype)
    return _with_initial(out, axis, 1) if include_initial else out


def _with_initial(out: Array, axis: int | None, value: float) -> Array:
    axis = 0 if axis is None else axis % out.ndim
    shape = list(out.shape)
    shape[axis] = 1
    return jnp.concatenate([jnp.full(shape, value, out.dtype), out], axis=axis)


def nancumsum(a: Any, axis: int | None = None, dtype: Any = None) -> Array:
    return jnp.cumsum(jnp.where(jnp.isnan(a), 0, a), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: int | None = None, dtype: Any = None) -> Array:
    return cumprod(jnp.where(jnp.isnan(a), 1, a), axis=axis, dtype=dtype)


def ptp(a: Any, axis: Any = None, out: None = None, keepdims: bool = False) -> Array:
    return jnp.max(a, axis=axis, keepdims=keepdims) - jnp.min(a, axis=axis, keepdims=keepdims)


def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, keepdims: bool = False
) -> Any:
    a = asarray(a)
    if weights is None:
        avg = jnp.mean(a, axis=axis, keepdims=keepdims)
        total = jnp.full_like(avg, a.size / builtins.max(avg.size, 1))
    else:
        w = asarray(weights)
        if w.shape != a.shape:  # 1-d weights along one axis
            shape = [1] * a.ndim
            shape[axis if axis is not None else 0] = w.shape[0]
            w = jnp.reshape(w, shape)
        total = jnp.sum(jnp.broadcast_to(w, a.shape), axis=axis, keepdims=keepdims)
        avg = jnp.sum(a * w, axis=axis, keepdims=keepdims) / total
    return (avg, total.astype(avg.dtype)) if returned else avg


def quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Array:
    """Quantiles by sorting, with NumPy's methods (linear, lower, higher, nearest,
    midpoint); differentiable in ``a`` as JAX's is."""
    a = jnp._unary(lambda v: v)(a)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    axis = normalize_axis("quantile", axis, a.ndim)
    s = jnp.sort(a, axis=axis)
    n = a.shape[axis]
    qs = np.asarray(np.asarray(q, dtype=np.float64))
    pos = qs * (n - 1)
    lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, frac * 0
    elif method == "higher":
        lo, frac = hi, frac * 0
    elif method == "nearest":
        lo = hi = np.round(pos).astype(int)  # NumPy rounds half to even, as here
    elif method == "midpoint":
        frac = np.where(hi > lo, 0.5, 0.0)
    elif method != "linear":
        raise ValueError(f"quantile: method {method!r} is not supported")
    lo_v = jnp.take(s, jnp.array(lo.reshape(-1)), axis=axis)
    hi_v = jnp.take(s, jnp.array(hi.reshape(-1)), axis=axis)
    shape = [1] * a.ndim
    shape[axis] = -1
    f = jnp.reshape(jnp.array(frac.reshape(-1), dtype=a.dtype), shape)
    res = lo_v + (hi_v - lo_v) * f
    res = jnp.moveaxis(res, axis, 0)
    if keepdims:
        res = jnp.expand_dims(res, axis + 1)
    return jnp.reshape(res, qs.shape + res.shape[1:])


def percentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Array:
    return quantile(a, np.asarray(q) / 100, axis, method=method, keepdims=keepdims)


def median(
    a: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Array:
    return quantile(a, 0.5, axis, keepdims=keepdims)


def _nan_reduction(fn: Callable[..., Array], fill: Callable[[Any], Any]) -> Callable[..., Array]:
    def reduce(
        a: Any,
        axis: Any = None,
        dtype: Any = None,
        out: None = None,
        keepdims: bool = False,
        **kw: Any,
    ) -> Array:
        a = asarray(a)
        return fn(jnp.where(jnp.isnan(a), fill(a), a), axis=axis, keepdims=keepdims, **kw)

    return reduce


nansum = _nan_reduction(getattr(jnp, "sum"), lambda a: 0)  # noqa: B009 - jnp's, not builtins'
nanprod = _nan_reduction(getattr(jnp, "prod"), lambda a: 1)  # noqa: B009
nanmax = _nan_reduction(getattr(jnp, "max"), lambda a: -np.inf)  # noqa: B009
nanmin = _nan_reduction(getattr(jnp, "min"), lambda a: np.inf)  # noqa: B009


def nanmean(
    a: Any, axis: Any = None, dtype: Any = None, out: None = None, keepdims: bool = False
) -> Array:
    count = jnp.sum(~jnp.isnan(a), axis=axis, keepdims=keepdims)
    return nansum(a, axis=axis, keepdims=keepdims) / count


def nanvar(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: int = 0,
    keepdims: bool = False,
) -> Array:
    a = asarray(a)
    mu = nanmean(a, axis=axis, keepdims=True)
    count = jnp.sum(~jnp.isnan(a), axis=axis, keepdims=keepdims)
    return nansum(jnp.square(a - mu), axis=axis, keepdims=keepdims) / (count - ddof)


def nanstd(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: int = 0,
    keepdims: bool = False,
) -> Array:
    return jnp.sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims))


def nanargmax(a: Any, axis: Any = None, keepdims: bool = False) -> Array:
    return jnp.argmax(jnp.where(jnp.isnan(a), -np.inf, a), axis=axis)


def nanargmin(a: Any, axis: Any = None, keepdims: bool = False) -> Array:
    return jnp.argmin(jnp.where(jnp.isnan(a), np.inf, a), axis=axis)


def nanmedian(
    a: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Array:
    return _new(np.nanmedian(_host(a), axis=axis, keepdims=keepdims))


def nanquantile(a: Any, q: Any, axis: Any = None, **kw: Any) -> Array:
    return _new(np.nanquantile(_host(a), q, axis=axis, keepdims=kw.get("keepdims", False)))


def nanpercentile(a: Any, q: Any, axis: Any = None, **kw: Any) -> Array:
    return nanquantile(a, np.asarray(q) / 100, axis, **kw)


# -- differences, products, polynomials --------------------------------------------------
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Array:
    a = asarray(a)
    axis = normalize_axis("diff", axis, a.ndim)
    parts = []
    for extra in (prepend, None, append):
        if extra is None:
            continue
        e = jnp.asarray(extra)
        if e.ndim == 0:
            shape = list(a.shape)
            shape[axis] = 1
            e = jnp.broadcast_to(e, shape)
        parts.append(e)
    if prepend is not None or append is not None:
        pieces = ([parts.pop(0)] if prepend is not None else []) + [a] + parts
        a = jnp.concatenate(pieces, axis=axis)
    for _ in range(n):
        m = a.shape[axis]
        a = jnp.take(a, jnp.arange(1, m), axis=axis) - jnp.take(a, jnp.arange(0, m - 1), axis=axis)
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Array:
    out = diff(jnp.ravel(ary))
    parts = [jnp.ravel(jnp.asarray(to_begin))] if to_begin is not None else []
    parts += [out] + ([jnp.ravel(jnp.asarray(to_end))] if to_end is not None else [])
    return jnp.concatenate(parts) if len(parts) > 1 else out


def gradient(f: Any, *varargs: Any, axis: Any = None) -> Any:
    """Central differences inside, one-sided at the edges (NumPy's edge_order=1)."""
    f = jnp._unary(lambda v: v)(f)
    axes = range(f.ndim) if axis is None else ([axis] if isinstance(axis, int) else axis)
    out = []
    for i, ax in enumerate(axes):
        h = varargs[i] if len(varargs) > i else (varargs[0] if varargs else 1.0)
        n = f.shape[ax]
        head = jnp.take(f, jnp.array([1]), ax) - jnp.take(f, jnp.array([0]), ax)
        mid = (jnp.take(f, jnp.arange(2, n), ax) - jnp.take(f, jnp.arange(0, n - 2), ax)) / 2
        tail = jnp.take(f, jnp.array([n - 1]), ax) - jnp.take(f, jnp.array([n - 2]), ax)
        out.append(jnp.concatenate([head, mid, tail], axis=ax) / h)
    return out[0] if len(out) == 1 else out


def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None
) -> Array:
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = jnp.moveaxis(asarray(a), axisa, -1), jnp.moveaxis(asarray(b), axisb, -1)
    if a.shape[-1] == 2:
        a = jnp.concatenate([a, jnp.zeros(a.shape[:-1] + (1,), a.dtype)], axis=-1)
    if b.shape[-1] == 2:
        b = jnp.concatenate([b, jnp.zeros(b.shape[:-1] + (1,), b.dtype)], axis=-1)
    a0, a1, a2 = (a[..., i] for i in range(3))
    b0, b1, b2 = (b[..., i] for i in range(3))
    c = jnp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return jnp.moveaxis(c, -1, axisc)


def kron(a: Any, b: Any) -> Array:
    a, b = asarray(a), asarray(b)
    nd = builtins.max(a.ndim, b.ndim)
    a = jnp.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = jnp.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    outer = jnp.reshape(a, sum(((s, 1) for s in a.shape), ())) * jnp.reshape(
        b, sum(((1, s) for s in b.shape), ())
    )
    return jnp.reshape(outer, tuple(x * y for x, y in zip(a.shape, b.shape)))


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Array:  # noqa: N803
    return _new(np.tri(N, M, k), dtype or default_float())


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Array:  # noqa: N803
    x = asarray(x)
    n = x.shape[0] if N is None else N
    powers = jnp.arange(n) if increasing else jnp.arange(n - 1, -1, -1)
    return jnp.power(x[:, None], powers[None, :].astype(x.dtype))


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Array:
    y = asarray(y)
    d = diff(x, axis=axis) if x is not None else dx
    n = y.shape[axis]
    left = jnp.take(y, jnp.arange(0, n - 1), axis=axis)
    right = jnp.take(y, jnp.arange(1, n), axis=axis)
    return jnp.sum(d * (left + right) / 2, axis=axis)


def polyval(p: Any, x: Any) -> Array:
    p = asarray(p)
    out = jnp.zeros_like(asarray(x) * p[0])
    for i in range(p.shape[0]):
        out = out * x + p[i]
    return out


def polyadd(a1: Any, a2: Any) -> Array:
    a1, a2 = asarray(a1), asarray(a2)
    n = builtins.max(a1.shape[0], a2.shape[0])
    return jnp.pad(a1, (n - a1.shape[0], 0)) + jnp.pad(a2, (n - a2.shape[0], 0))


def polymul(a1: Any, a2: Any) -> Array:
    return jnp.convolve(a1, a2)


def polyder(p: Any, m: int = 1) -> Array:
    p = asarray(p)
    for _ in range(m):
        n = p.shape[0] - 1
        p = p[:-1] * jnp.arange(n, 0, -1).astype(p.dtype)
    return p


def cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: Any = None,
    fweights: Any = None,
    aweights: Any = None,
) -> Array:
    x = jnp._unary(lambda v: v)(m)
    x = jnp.atleast_2d(x) if x.ndim < 2 else x
    if not rowvar and x.shape[0] != 1:
        x = x.T
    if y is not None:
        yy = jnp.atleast_2d(jnp._unary(lambda v: v)(y))
        x = jnp.concatenate([x, yy if rowvar or yy.shape[0] == 1 else yy.T], axis=0)
    n = x.shape[1]
    dof = n - (0 if bias else 1) if ddof is None else n - ddof
    xc = x - jnp.mean(x, axis=1, keepdims=True)
    out = jnp.dot(xc, xc.T) / dof
    return jnp.squeeze(out) if out.shape == (1, 1) else out


def corrcoef(x: Any, y: Any = None, rowvar: bool = True) -> Array:
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return c / c
    d = jnp.sqrt(jnp.diagonal(c))
    return jnp.clip(c / d[:, None] / d[None, :], -1, 1)


_HELPERS = {"annotations", "builtins", "np", "jnp", "Any", "Callable", "Array", "asarray"}
_HELPERS |= {"default_float"}
__all__ = [n for n in dir() if not n.startswith("_") and n not in _HELPERS]
