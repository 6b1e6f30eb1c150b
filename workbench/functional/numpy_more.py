"""The rest of ``jax.numpy`` that NumPy programs reach for: inverse trigonometry, NaN-aware
and order statistics, set and index helpers, polynomial and window helpers, and the dtype
hierarchy — each written with the jnp functions beside it, so gradients, ``jit`` and
``vmap`` come from them. Functions whose output shape depends on the values (``argwhere``,
``bincount`` without ``length``, the set operations) need concrete arrays, as in JAX
without ``size=``."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import ops
from workbench.core.primitive import normalize_axis
from workbench.functional import numpy as jnp
from workbench.functional.array import Array, canonical, default_float, default_int, value_of

_unary = jnp._unary
asarray = jnp.asarray


def _host(a: Any) -> np.ndarray:
    return np.asarray(asarray(a))


def _new(host: Any, dtype: Any = None) -> Array:
    return jnp.array(np.asarray(host), dtype=dtype)


# -- elementwise -------------------------------------------------------------------------
arcsin = asin = _unary(ops.asin)
arccos = acos = _unary(ops.acos)
arctan = atan = _unary(ops.atan)
arcsinh = asinh = _unary(ops.asinh)
arccosh = acosh = _unary(ops.acosh)
arctanh = atanh = _unary(ops.atanh)
trunc = fix = _unary(lambda v: ops.mul(ops.sign(v), ops.floor(ops.abs(v))), float_only=False)
rint = _unary(ops.round, float_only=False)
fabs = _unary(ops.abs)
signbit = _unary(lambda v: ops.lt(v, ops.zeros_like(v)), float_only=False)


def arctan2(x1: Any, x2: Any) -> Array:
    a, b = jnp._pair(x1, x2)
    return Array(ops.atan2(jnp._float(a), jnp._float(b)))


atan2 = arctan2


def hypot(x1: Any, x2: Any) -> Array:
    return jnp.sqrt(jnp.square(x1) + jnp.square(x2))


def deg2rad(x: Any) -> Array:
    return jnp.multiply(jnp._unary(lambda v: v)(x), math.pi / 180)


def rad2deg(x: Any) -> Array:
    return jnp.multiply(jnp._unary(lambda v: v)(x), 180 / math.pi)


radians, degrees = deg2rad, rad2deg


def sinc(x: Any) -> Array:
    x = jnp._unary(lambda v: v)(x)
    safe = jnp.where(x == 0, 1.0, x) * math.pi
    return jnp.where(x == 0, 1.0, jnp.sin(safe) / safe)


def copysign(x1: Any, x2: Any) -> Array:
    return jnp.where(signbit(x2), -jnp.abs(x1), jnp.abs(x1))


def heaviside(x1: Any, x2: Any) -> Array:
    return jnp.where(x1 < 0, 0.0, jnp.where(x1 > 0, 1.0, x2)).astype(result_type(x1, x2))


def fmax(x1: Any, x2: Any) -> Array:
    return jnp.where(jnp.isnan(x2), x1, jnp.where(jnp.isnan(x1), x2, jnp.maximum(x1, x2)))


def fmin(x1: Any, x2: Any) -> Array:
    return jnp.where(jnp.isnan(x2), x1, jnp.where(jnp.isnan(x1), x2, jnp.minimum(x1, x2)))


def float_power(x1: Any, x2: Any) -> Array:
    big = np.float64 if jnp.dtype(default_float()) == np.float64 else default_float()
    return jnp.power(jnp.asarray(x1).astype(big), jnp.asarray(x2).astype(big))


def logaddexp2(x1: Any, x2: Any) -> Array:
    return jnp.logaddexp(x1 * math.log(2), x2 * math.log(2)) / math.log(2)


def modf(x: Any) -> tuple[Array, Array]:
    whole = trunc(x)
    return jnp.asarray(x) - whole, whole


def divmod(x1: Any, x2: Any) -> tuple[Array, Array]:  # noqa: A001
    return jnp.floor_divide(x1, x2), jnp.mod(x1, x2)


def ldexp(x1: Any, x2: Any) -> Array:
    return jnp.asarray(x1) * jnp.exp2(jnp.asarray(x2).astype(default_float()))


def nan_to_num(
    x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None
) -> Array:
    x = asarray(x)
    if not dtypes.is_float(x.dtype):
        return x
    info = np.finfo(x.dtype)
    x = jnp.where(jnp.isnan(x), nan, x)
    x = jnp.where(isposinf(x), info.max if posinf is None else posinf, x)
    return jnp.where(isneginf(x), info.min if neginf is None else neginf, x)


def isposinf(x: Any) -> Array:
    return jnp.isinf(x) & (asarray(x) > 0)


def isneginf(x: Any) -> Array:
    return jnp.isinf(x) & (asarray(x) < 0)


def gcd(x1: Any, x2: Any) -> Array:
    return _new(np.gcd(_host(x1), _host(x2)))


def lcm(x1: Any, x2: Any) -> Array:
    return _new(np.lcm(_host(x1), _host(x2)))


bitwise_and = jnp.logical_and_or_bitwise
bitwise_or = jnp.logical_or_or_bitwise


def bitwise_xor(x1: Any, x2: Any) -> Array:
    a, b = jnp._pair(x1, x2)
    return Array(ops.ne(a, b) if a.dtype.kind == "b" else ops.bitwise_xor(a, b))


bitwise_not = bitwise_invert = jnp.invert


# -- the real and imaginary parts (the core's arrays are real) ---------------------------
def real(val: Any) -> Array:
    return asarray(val)


def imag(val: Any) -> Array:
    return jnp.zeros_like(val)


conj = conjugate = real


def angle(z: Any, deg: bool = False) -> Array:
    z = jnp._unary(lambda v: v)(z)
    out = jnp.where(z < 0, math.pi, 0.0).astype(z.dtype)
    return rad2deg(out) if deg else out


def iscomplexobj(x: Any) -> bool:
    return np.dtype(value_of(x).dtype).kind == "c"


def isrealobj(x: Any) -> bool:
    return not iscomplexobj(x)


def iscomplex(x: Any) -> Array:
    return jnp.zeros(jnp.shape(x), bool)


def isreal(x: Any) -> Array:
    return jnp.ones(jnp.shape(x), bool)


# -- searching and selecting -------------------------------------------------------------
def nonzero(a: Any, size: int | None = None, fill_value: Any = None) -> tuple[Array, ...]:
    host = np.asarray(asarray(a))
    return tuple(Array(ops.array(i.astype(default_int()))) for i in np.nonzero(host))


def unique(ar: Any, return_counts: bool = False, size: int | None = None) -> Any:
    host = np.asarray(asarray(ar))
    values, counts = np.unique(host, return_counts=True)
    if return_counts:
        return Array(ops.array(values)), Array(ops.array(counts.astype(default_int())))
    return Array(ops.array(values))


def searchsorted(
    a: Any, v: Any, side: str = "left", sorter: Any = None, *, method: str = "scan"
) -> Array:
    """Insertion points keeping ``a`` sorted: counts of elements below (left) or at most
    (right) each value, by comparison — works under jit."""
    a = asarray(a) if sorter is None else jnp.take(a, sorter)
    v = asarray(v)
    flat = v.reshape(-1)[:, None]
    cmp = (a[None, :] < flat) if side == "left" else (a[None, :] <= flat)
    return jnp.reshape(jnp.sum(cmp, axis=1).astype(default_int()), v.shape)


def interp(
    x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None
) -> Array:
    """Piecewise-linear interpolation (``xp`` increasing), constant beyond the ends."""
    x, xp, fp = jnp._unary(lambda v: v)(x), asarray(xp), asarray(fp)
    i = jnp.clip(searchsorted(xp, x, side="right"), 1, xp.shape[0] - 1)
    x0, x1, y0, y1 = xp[i - 1], xp[i], fp[i - 1], fp[i]
    dx = jnp.where(x1 == x0, 1.0, x1 - x0)
    out = y0 + (x - x0) * (y1 - y0) / dx
    out = jnp.where(x < xp[0], fp[0] if left is None else left, out)
    return jnp.where(x > xp[-1], fp[-1] if right is None else right, out)


def digitize(x: Any, bins: Any, right: bool = False) -> Array:
    bins = asarray(bins)
    increasing = bool(_host(bins)[-1] >= _host(bins)[0]) if bins.shape[0] > 1 else True
    if increasing:
        return searchsorted(bins, x, side="left" if right else "right")
    return bins.shape[0] - searchsorted(bins[::-1], x, side="right" if right else "left")


def bincount(
    x: Any, weights: Any = None, minlength: int = 0, *, length: int | None = None
) -> Array:
    x = asarray(x)
    n = length if length is not None else builtins.max(int(_host(x).max(initial=-1)) + 1, minlength)
    w = jnp.ones(x.shape, default_int()) if weights is None else asarray(weights)
    return jnp.zeros((n,), w.dtype).at[x].add(w)


def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Array:
    host = np.argwhere(_host(a))
    if size is not None:
        pad = np.full((builtins.max(size - len(host), 0), host.shape[1]), fill_value or 0)
        host = np.concatenate([host[:size], pad]) if len(host) < size else host[:size]
    return _new(host, default_int())


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Array:
    return nonzero(jnp.ravel(a), size=size, fill_value=fill_value)[0]


def compress(
    condition: Any, a: Any, axis: int | None = None, *, size: int | None = None, fill_value: Any = 0
) -> Array:
    idx = np.flatnonzero(_host(condition))
    return jnp.take(a, jnp.array(idx.astype(np.int32)), axis=axis)


def extract(condition: Any, arr: Any, *, size: int | None = None, fill_value: Any = 0) -> Array:
    return compress(jnp.ravel(condition), jnp.ravel(arr))


def choose(a: Any, choices: Sequence[Any], out: None = None, mode: str = "raise") -> Array:
    a = asarray(a)
    arrays = jnp.broadcast_arrays(a, *choices)
    index, options = arrays[0], jnp.stack(arrays[1:])
    if mode == "wrap":
        index = index % len(choices)
    elif mode == "clip":
        index = jnp.clip(index, 0, len(choices) - 1)
    return jnp.take_along_axis(options, index[None], axis=0)[0]


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Array:
    if len(condlist) != len(choicelist):
        raise ValueError("select: condlist and choicelist must have the same length")
    out = asarray(default)
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = jnp.where(cond, choice, out)
    return out


def piecewise(
    x: Any, condlist: Sequence[Any], funclist: Sequence[Any], *args: Any, **kw: Any
) -> Array:
    x = asarray(x)
    out = jnp.zeros_like(x)
    if len(funclist) == len(condlist) + 1:
        otherwise = ~builtins.sum((jnp.asarray(c) for c in condlist), jnp.zeros(x.shape, bool))
        condlist, funclist = [*condlist, otherwise], list(funclist)
    for cond, fn in zip(condlist, funclist):
        value = fn(x, *args, **kw) if callable(fn) else jnp.full_like(x, fn)
        out = jnp.where(cond, value, out)
    return out


def partition(a: Any, kth: int, axis: int = -1) -> Array:
    """JAX's order: the k smallest (sorted) first, the rest after."""
    return jnp.sort(a, axis=axis)


def argpartition(a: Any, kth: int, axis: int = -1) -> Array:
    return jnp.argsort(a, axis=axis)


def isin(
    element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False
) -> Array:
    e = asarray(element)
    t = jnp.ravel(test_elements)
    found = jnp.any(e.reshape(-1)[:, None] == t[None, :], axis=1).reshape(e.shape)
    return ~found if invert else found


def _set_op(fn: Callable[..., Any]) -> Callable[..., Array]:
    def op(ar1: Any, ar2: Any, *args: Any, **kw: Any) -> Array:
        kw.pop("size", None), kw.pop("fill_value", None)
        return _new(fn(_host(ar1), _host(ar2), *args, **kw))

    op.__name__ = fn.__name__
    return op


intersect1d = _set_op(np.intersect1d)
union1d = _set_op(np.union1d)
setdiff1d = _set_op(np.setdiff1d)
setxor1d = _set_op(np.setxor1d)


def unique_values(x: Any) -> Array:
    return unique(x)


def unique_counts(x: Any) -> Any:
    values, counts = np.unique(_host(x), return_counts=True)
    return _UniqueCounts(_new(values), _new(counts, default_int()))


class _UniqueCounts(tuple):  # type: ignore[type-arg]
    def __new__(cls, values: Array, counts: Array) -> _UniqueCounts:
        return super().__new__(cls, (values, counts))

    values = property(lambda self: self[0])
    counts = property(lambda self: self[1])


def trim_zeros(filt: Any, trim: str = "fb") -> Array:
    nz = np.flatnonzero(_host(filt))
    if nz.size == 0:
        return jnp.asarray(filt)[:0]
    start = int(nz[0]) if "f" in trim.lower() else 0
    stop = int(nz[-1]) + 1 if "b" in trim.lower() else len(nz) and _host(filt).shape[0]
    return jnp.asarray(filt)[start:stop]


# -- shapes and joining ------------------------------------------------------------------
def append(arr: Any, values: Any, axis: int | None = None) -> Array:
    if axis is None:
        return jnp.concatenate([jnp.ravel(arr), jnp.ravel(values)])
    return jnp.concatenate([asarray(arr), asarray(values)], axis=axis)


def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Array:
    a = asarray(arr)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    n = a.shape[axis]
    pos = int(obj) % (n + 1) if np.ndim(obj) == 0 else None
    if pos is None:
        return _new(np.insert(_host(arr), _host(obj), _host(values), axis))
    v = jnp.asarray(values).astype(a.dtype)
    shape = list(a.shape)
    shape[axis] = 1
    v = jnp.broadcast_to(v, shape) if v.ndim < a.ndim else v
    before = jnp.take(a, jnp.arange(0, pos), axis=axis)
    after = jnp.take(a, jnp.arange(pos, n), axis=axis)
    return jnp.concatenate([before, v, after], axis=axis)


def delete(arr: Any, obj: Any, axis: int | None = None) -> Array:
    a = asarray(arr)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    keep = np.delete(np.arange(a.shape[axis]), obj)
    return jnp.take(a, jnp.array(keep.astype(np.int32)), axis=axis)


concat = jnp.concatenate
permute_dims = jnp.transpose


def matrix_transpose(x: Any) -> Array:
    return jnp.swapaxes(x, -1, -2)


def unstack(x: Any, axis: int = 0) -> tuple[Array, ...]:
    x = asarray(x)
    return tuple(jnp.take(x, i, axis=axis) for i in range(x.shape[axis]))


def atleast_3d(*arys: Any) -> Any:
    out = []
    for a in arys:
        a = asarray(a)
        a = a.reshape(1, 1, 1) if a.ndim == 0 else a.reshape(1, -1, 1) if a.ndim == 1 else a
        out.append(a[..., None] if a.ndim == 2 else a)
    return out[0] if len(out) == 1 else out


def dstack(tup: Sequence[Any], dtype: Any = None) -> Array:
    return jnp.concatenate([atleast_3d(a) for a in tup], axis=2)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Array]:
    return jnp.split(ary, indices_or_sections, axis=1 if asarray(ary).ndim > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Array]:
    return jnp.split(ary, indices_or_sections, axis=0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Array]:
    return jnp.split(ary, indices_or_sections, axis=2)


def rollaxis(a: Any, axis: int, start: int = 0) -> Array:
    a = asarray(a)
    axis %= a.ndim
    start = normalize_axis("rollaxis", start, a.ndim + 1)
    return jnp.moveaxis(a, axis, start - 1 if axis < start else start)


def resize(a: Any, new_shape: Any) -> Array:
    flat = jnp.ravel(a)
    shape = (new_shape,) if isinstance(new_shape, int) else tuple(new_shape)
    total = int(np.prod(shape))
    reps = -(-total // builtins.max(flat.shape[0], 1))
    return jnp.reshape(jnp.tile(flat, reps)[:total], shape)


def block(arrays: Any) -> Array:
    def depth(x: Any) -> int:
        return 1 + depth(x[0]) if isinstance(x, list) else 0

    def join(x: Any, level: int, total: int) -> Array:
        if not isinstance(x, list):
            return asarray(x)
        parts = [join(p, level + 1, total) for p in x]
        nd = builtins.max(total, *(p.ndim for p in parts))
        parts = [jnp.reshape(p, (1,) * (nd - p.ndim) + p.shape) for p in parts]
        return jnp.concatenate(parts, axis=level - total)

    d = depth(arrays)
    return join(arrays, 0, d)


# -- index helpers -----------------------------------------------------------------------
def indices(dimensions: Sequence[int], dtype: Any = None, sparse: bool = False) -> Any:
    out: Any = np.indices(tuple(dimensions), canonical(dtype or default_int()), bool(sparse))  # type: ignore[call-overload]
    return tuple(_new(o) for o in out) if sparse else _new(out)


def diag_indices(n: int, ndim: int = 2) -> tuple[Array, ...]:
    return tuple(_new(i, default_int()) for i in np.diag_indices(n, ndim))


def diag_indices_from(arr: Any) -> tuple[Array, ...]:
    a = asarray(arr)
    return diag_indices(a.shape[0], a.ndim)


def _np_indices(fn: Callable[..., Any]) -> Callable[..., tuple[Array, ...]]:
    def indices_of(*args: Any, **kw: Any) -> tuple[Array, ...]:
        args = tuple(_host(a) if isinstance(a, Array) else a for a in args)
        return tuple(_new(i, default_int()) for i in fn(*args, **kw))

    indices_of.__name__ = fn.__name__
    return indices_of


tril_indices = _np_indices(np.tril_indices)
triu_indices = _np_indices(np.triu_indices)
tril_indices_from = _np_indices(np.tril_indices_from)
triu_indices_from = _np_indices(np.triu_indices_from)
unravel_index = _np_indices(np.unravel_index)


def ravel_multi_index(
    multi_index: Sequence[Any], dims: Sequence[int], mode: str = "raise", order: str = "C"
) -> Array:
    strides = np.cumprod((1, *dims[::-1]))[:-1][::-1]
    out = asarray(multi_index[0]) * int(strides[0])
    for i, s in zip(multi_index[1:], strides[1:]):
        out = out + asarray(i) * int(s)
    return out


def ix_(*args: Any) -> tuple[Array, ...]:
    n = len(args)
    return tuple(
        jnp.reshape(asarray(a), (1,) * i + (-1,) + (1,) * (n - i - 1)) for i, a in enumerate(args)
    )


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Array:
    if inplace:
        raise NotImplementedError(
            "JAX arrays are immutable, so jnp.fill_diagonal only works with inplace=False"
        )
    a = asarray(a)
    n = builtins.min(a.shape)
    idx = jnp.arange(n)
    return a.at[(idx,) * a.ndim].set(val)


def put_along_axis(
    arr: Any, indices: Any, values: Any, axis: int | None, inplace: bool = True, *, mode: Any = None
) -> Array:
    if inplace:
        raise NotImplementedError(
            "JAX arrays are immutable, so jnp.put_along_axis only works with inplace=False"
        )
    a = asarray(arr)
    idx = asarray(indices)
    axis = 0 if axis is None else normalize_axis("put_along_axis", axis, a.ndim)
    grids = np.indices(idx.shape, sparse=True)
    key = tuple(idx if d == axis else jnp.array(g) for d, g in enumerate(grids))
    return a.at[key].set(values)


s_ = np.s_
index_exp = np.index_exp


class _Grid:
    def __init__(self, sparse: bool) -> None:
        self.sparse = sparse

    def __getitem__(self, key: Any) -> Any:
        out = (np.ogrid if self.sparse else np.mgrid)[key]
        if isinstance(out, list):
            return [_new(o) for o in out]
        return _new(out)


mgrid, ogrid = _Grid(False), _Grid(True)


class _Concat:
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def __getitem__(self, key: Any) -> Array:
        keys = key if isinstance(key, tuple) else (key,)
        parts = [
            jnp.arange(k.start or 0, k.stop, k.step or 1)
            if isinstance(k, slice)
            else jnp.atleast_1d(asarray(k))
            for k in keys
        ]
        if self.axis == -1:
            parts = [p[:, None] if p.ndim == 1 else p for p in parts]
        return jnp.concatenate(parts, axis=self.axis)


r_, c_ = _Concat(0), _Concat(-1)


# -- creation ----------------------------------------------------------------------------
def empty_like(prototype: Any, dtype: Any = None, shape: Any = None) -> Array:
    return (
        jnp.zeros_like(prototype, dtype=dtype)
        if shape is None
        else jnp.zeros(shape, dtype or asarray(prototype).dtype)
    )


def copy(a: Any, order: Any = None) -> Array:
    return jnp.array(a, copy=True)


def geomspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0
) -> Array:
    return jnp.logspace(math.log10(start), math.log10(stop), num, endpoint, dtype=dtype)


def fromfunction(
    function: Callable[..., Any], shape: Sequence[int], *, dtype: Any = None, **kw: Any
) -> Any:
    grids = np.indices(tuple(shape), dtype=canonical(dtype or default_float()))
    return function(*(_new(g) for g in grids), **kw)


def frombuffer(buffer: Any, dtype: Any = float, count: int = -1, offset: int = 0) -> Array:
    return _new(np.frombuffer(buffer, dtype, count, offset))


def _window(fn: Callable[[int], np.ndarray]) -> Callable[[int], Array]:
    def window(M: int) -> Array:  # noqa: N803
        return _new(fn(M), default_float())

    window.__name__ = fn.__name__
    return window


bartlett, blackman = _window(np.bartlett), _window(np.blackman)
hamming, hanning = _window(np.hamming), _window(np.hanning)


def kaiser(M: int, beta: float) -> Array:  # noqa: N803
    return _new(np.kaiser(M, beta), default_float())


euler_gamma = np.euler_gamma


# -- vectorising Python functions ----------------------------------------------------------
def vectorize(
    pyfunc: Callable[..., Any], *, excluded: Any = frozenset(), signature: str | None = None
) -> Callable[..., Any]:
    """Broadcast a scalar function over arrays with nested ``vmap`` (JAX's approach, so it
    traces once rather than looping in Python)."""
    from workbench.functional.transforms import vmap  # noqa: PLC0415

    if signature is not None:
        raise NotImplementedError("jnp.vectorize: signature= is not supported yet")

    def wrapped(*args: Any) -> Any:
        arrays = jnp.broadcast_arrays(*(asarray(a) for a in args))
        fn = pyfunc
        for _ in range(arrays[0].ndim if arrays else 0):
            fn = vmap(fn)
        return fn(*arrays)

    return wrapped


def apply_along_axis(
    func1d: Callable[..., Any], axis: int, arr: Any, *args: Any, **kw: Any
) -> Array:
    from workbench.functional.transforms import vmap  # noqa: PLC0415

    a = asarray(arr)
    axis %= a.ndim
    moved = jnp.moveaxis(a, axis, -1)
    fn: Callable[..., Any] = lambda row: func1d(row, *args, **kw)  # noqa: E731
    for _ in range(a.ndim - 1):
        fn = vmap(fn)
    out = asarray(fn(moved))
    return (
        jnp.moveaxis(
            out,
            tuple(range(a.ndim - 1, out.ndim)),
            tuple(range(axis, axis + out.ndim - a.ndim + 1)),
        )
        if out.ndim >= a.ndim
        else out
    )


def apply_over_axes(func: Callable[..., Any], a: Any, axes: Sequence[int]) -> Array:
    out = asarray(a)
    for ax in axes:
        res = func(out, ax)
        out = res if res.ndim == out.ndim else jnp.expand_dims(res, ax)
    return out


def matvec(x1: Any, x2: Any) -> Array:
    return jnp.matmul(x1, asarray(x2)[..., None])[..., 0]


def vecmat(x1: Any, x2: Any) -> Array:
    return jnp.matmul(asarray(x1)[..., None, :], x2)[..., 0, :]


def vecdot(x1: Any, x2: Any, axis: int = -1) -> Array:
    return jnp.sum(asarray(x1) * asarray(x2), axis=axis)


# -- the dtype hierarchy -----------------------------------------------------------------
int_ = np.int64
uint = np.uint64
uint16 = np.uint16
single, double = np.float32, np.float64
generic, number, inexact, floating = np.generic, np.number, np.inexact, np.floating
integer, signedinteger, unsignedinteger = np.integer, np.signedinteger, np.unsignedinteger
complexfloating, character, flexible = np.complexfloating, np.character, np.flexible
issubdtype, can_cast, isscalar, iterable = np.issubdtype, np.can_cast, np.isscalar, np.iterable
isdtype = np.isdtype


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


# printing and files: NumPy's own, as JAX re-exports them
get_printoptions, set_printoptions, printoptions = (
    np.get_printoptions,
    np.set_printoptions,
    np.printoptions,
)
array_repr, array_str = np.array_repr, np.array_str


def save(file: Any, arr: Any, allow_pickle: bool = False) -> None:
    np.save(file, _host(arr), allow_pickle=allow_pickle)


def savez(file: Any, *args: Any, **kwds: Any) -> None:
    named: dict[str, Any] = {k: _host(v) for k, v in kwds.items()}
    np.savez(file, *(_host(a) for a in args), **named)


def load(file: Any, *args: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("allow_pickle", False)
    out = np.load(file, *args, **kwargs)
    return _new(out) if isinstance(out, np.ndarray) else out


def array_equiv(a1: Any, a2: Any) -> Array:
    try:
        x, y = jnp.broadcast_arrays(a1, a2)
    except ValueError:
        return jnp.array(False)
    return jnp.all(x == y)


globals()["bool"] = np.bool_  # jnp.bool (set this way so the name `bool` stays Python's here)
_HELPERS = {"annotations", "builtins", "math", "np", "ops", "jnp", "Any", "Callable", "Sequence"}
_HELPERS |= {"Array", "canonical", "default_float", "default_int", "value_of", "asarray"}


def result_type(*args: Any) -> np.dtype:
    out = np.dtype(value_of(args[0]).dtype)
    for a in args[1:]:
        out = dtypes.promote_types(out, np.dtype(value_of(a).dtype))
    return out


def promote_types(a: Any, b: Any) -> np.dtype:
    """The dtype two dtypes promote to (before any 64-bit narrowing, as JAX's)."""
    return dtypes.promote_types(np.dtype(a), np.dtype(b))


__all__ = [n for n in dir() if not n.startswith("_") and n not in _HELPERS]
