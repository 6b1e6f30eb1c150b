"""``jax.numpy`` over the core: ``import workbench.functional.numpy as jnp``.

Every function takes arrays (or host data, or traced values inside a transformation)
and returns new arrays; nothing is modified in place. Dtypes follow JAX: float32/int32
by default, Python numbers take the other operand's dtype.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes as core_dtypes
from workbench.core import ops
from workbench.core.primitive import normalize_axes, normalize_axis
from workbench.functional import linalg  # noqa: E402, F401  (jnp.linalg; it calls back into jnp)
from workbench.functional.array import (
    Array,
    canonical,
    concrete_shape,
    default_float,
    default_int,
    host_array,
    unwrap_index,
    value_of,
)
from workbench.functional.products import (  # noqa: F401 - part of jnp
    dot,
    einsum,
    inner,
    matmul,
    outer,
    tensordot,
    vdot,
)

ndarray = Array
float16, float32, float64 = np.float16, np.float32, np.float64
bfloat16 = core_dtypes.bfloat16.type  # from ml_dtypes, as in JAX
int32, int64, uint32 = np.int32, np.int64, np.uint32
bool_ = np.bool_
uint8, int8, int16 = np.uint8, np.int8, np.int16
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, None
finfo, iinfo, dtype = np.finfo, np.iinfo, np.dtype


def _v(x: Any) -> Any:
    _arraylike(x)
    return value_of(x)


def _arraylike(x: Any) -> None:
    """JAX does not turn lists into arrays behind one's back (a list of traced values
    would be slow to convert): jnp functions take arrays and scalars only."""
    if isinstance(x, list | tuple):
        import sys  # noqa: PLC0415

        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_name.startswith("_"):
            frame = frame.f_back
        name = frame.f_code.co_name if frame.f_code.co_name not in ("fn", "reduce") else "jnp"
        raise TypeError(
            f"{name} requires ndarray or scalar arguments, got {type(x)} at position 0. "
            "Convert it first with jnp.array(...)."
        )


def _float(v: Any) -> Any:
    """Integer and boolean values as the default float (for float-only functions)."""
    return v if core_dtypes.is_float(v.dtype) else ops.cast(v, default_float())


def _pair(x: Any, y: Any, name: str = "op") -> tuple[Any, Any]:
    """Both operands as core values of one dtype (JAX's promotion; Python numbers weak)."""
    _arraylike(x)
    _arraylike(y)
    if isinstance(x, Array) and not isinstance(y, Array):
        xv = x._value
        yv = value_of(y, like=xv)
    elif isinstance(y, Array) and not isinstance(x, Array):
        yv = y._value
        xv = value_of(x, like=yv)
    else:
        xv, yv = value_of(x), value_of(y)
    if xv.device is not yv.device:
        xv, yv = _placed(x, xv, y, yv, name)
    if xv.dtype != yv.dtype:
        target = core_dtypes.promote_types(np.dtype(xv.dtype), np.dtype(yv.dtype))
        xv, yv = ops.cast(xv, target), ops.cast(yv, target)
    return xv, yv


def _placed(x: Any, xv: Any, y: Any, yv: Any, name: str) -> tuple[Any, Any]:
    """JAX's placement rule for operands on two devices: an array committed to a device
    (``device_put(x, device)``) draws the uncommitted one to it; two arrays committed to
    different devices are an error, as in JAX."""
    from workbench.functional.sharding import SingleDeviceSharding  # noqa: PLC0415

    cx, cy = (isinstance(getattr(a, "_sharding", None), SingleDeviceSharding) for a in (x, y))
    if cx and cy:

        def arg(label: str, v: Any) -> str:
            dims = ",".join(str(d) for d in v.shape)
            return (
                f"argument {label} of {name} with shape {np.dtype(v.dtype).name}[{dims}] and "
                f"with device ids [{v.device.index}] on platform {v.device.platform.upper()}"
            )

        raise ValueError(
            "Received incompatible devices for jitted computation. Got "
            f"{arg('x', xv)} and {arg('y', yv)}"
        )
    if cx:
        return xv, ops.device_put(yv, xv.device)
    if cy:
        return ops.device_put(xv, yv.device), yv
    return xv, yv  # two uncommitted arrays: left to the core, which names both devices


def _unary(core_fn: Callable[[Any], Any], float_only: bool = True) -> Callable[..., Array]:
    def fn(x: Any) -> Array:
        v = _v(x)
        out = Array(core_fn(_float(v) if float_only else v))
        return out if getattr(x, "_sharding", None) is None else _keep_sharding(out, x)

    return fn


def _binary(core_fn: Callable[[Any, Any], Any], float_only: bool = False) -> Callable[..., Array]:
    def fn(x: Any, y: Any) -> Array:
        a, b = _pair(x, y, core_fn.__name__)
        if float_only:
            a, b = _float(a), _float(b)
        out = Array(core_fn(a, b))
        if getattr(x, "_sharding", None) is None and getattr(y, "_sharding", None) is None:
            return out
        return _keep_sharding(out, x, y)

    return fn


def _keep_sharding(out: Array, *operands: Any) -> Array:
    from workbench.functional.sharding import propagate  # noqa: PLC0415

    return propagate(out, *operands)


# ---------------------------------------------------------------------------------------
# Creation


def array(object: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Array:  # noqa: A002
    """Mirrors: jnp.array."""
    if isinstance(object, Array):
        return astype(object, dtype) if dtype is not None else object
    if isinstance(object, list | tuple) and builtins.any(
        isinstance(o, Array) for o in builtins.list(_flat(object))
    ):
        return (
            stack([array(o) for o in object])
            if dtype is None
            else astype(stack([array(o) for o in object]), dtype)
        )
    host = host_array(object, dtype)
    while host.ndim < ndmin:
        host = host[None]
    return Array(ops.array(host))


def _flat(x: Any) -> Any:
    for item in x:
        if isinstance(item, list | tuple):
            yield from _flat(item)
        else:
            yield item


def asarray(a: Any, dtype: Any = None) -> Array:
    return a if isinstance(a, Array) and dtype is None else array(a, dtype)


def _filled(shape: Any, value: Any, dtype: Any) -> Array:
    dims = concrete_shape(shape)
    d = canonical(dtype) if dtype is not None else default_float()
    return Array(ops.array(np.full(dims, value, d)))


def zeros(shape: Any, dtype: Any = None) -> Array:
    return _filled(shape, 0, dtype)


def ones(shape: Any, dtype: Any = None) -> Array:
    return _filled(shape, 1, dtype)


def empty(shape: Any, dtype: Any = None) -> Array:
    return _filled(shape, 0, dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Array:
    if dtype is None:
        dtype = host_array(fill_value).dtype
    return _filled(shape, fill_value, dtype)


def _like(value: float) -> Callable[..., Array]:
    def fn(a: Any, dtype: Any = None, shape: Any = None) -> Array:
        v = _v(a)
        d = canonical(dtype) if dtype is not None else v.dtype
        return Array(ops.full(v.shape if shape is None else tuple(shape), value, d, v.device))

    return fn


zeros_like, ones_like = _like(0), _like(1)


def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Array:
    v = _v(a)
    d = canonical(dtype) if dtype is not None else v.dtype
    return Array(
        ops.broadcast_to(
            ops.array(np.asarray(fill_value, d)), v.shape if shape is None else tuple(shape)
        )
    )


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Array:
    """Mirrors: jnp.arange (int32 for integer arguments, float32 otherwise)."""
    args = [a for a in (start, stop, step) if a is not None]
    host = np.arange(*args)
    return Array(
        ops.array(
            host_array(host.tolist() if host.dtype.kind == "i" and dtype is None else host, dtype)
        )
    )


def linspace(
    start: float, stop: float, num: int = 50, endpoint: bool = True, dtype: Any = None
) -> Array:
    return Array(
        ops.array(
            np.linspace(start, stop, num, endpoint=endpoint).astype(
                canonical(dtype or default_float())
            )
        )
    )


def logspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10.0,
    dtype: Any = None,
    axis: int = 0,
) -> Array:
    host = np.logspace(start, stop, num, endpoint=endpoint, base=base)
    return Array(ops.array(host.astype(canonical(dtype or default_float()))))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Array:  # noqa: N803
    return Array(ops.array(np.eye(N, M, k, dtype=canonical(dtype or default_float()))))


def identity(n: int, dtype: Any = None) -> Array:
    return eye(n, dtype=dtype)


def astype(x: Any, dtype: Any) -> Array:
    return Array(ops.cast(_v(x), canonical(dtype)))


# ---------------------------------------------------------------------------------------
# Elementwise

add = _binary(ops.add)
subtract = _binary(ops.sub)
multiply = _binary(ops.mul)
maximum = _binary(ops.maximum)
minimum = _binary(ops.minimum)
true_divide = divide = _binary(ops.div, float_only=True)
_power = _binary(lambda a, b: ops.pow(a, b) if core_dtypes.is_float(a.dtype) else _int_power(a, b))


def power(x: Any, y: Any) -> Array:
    """x ** y; a small Python-int exponent is repeated multiplication (JAX's integer_pow)."""
    if isinstance(y, int) and not isinstance(y, bool) and 0 < y <= 4:
        v = _v(x)
        out = v
        for _ in builtins.range(y - 1):
            out = ops.mul(out, v)
        return Array(out)
    return _power(x, y)


equal = _binary(ops.eq)
not_equal = _binary(ops.ne)
less = _binary(ops.lt)
less_equal = _binary(ops.le)
greater = _binary(ops.gt)
greater_equal = _binary(ops.ge)
logical_and = _binary(lambda a, b: ops.logical_and(_bool(a), _bool(b)))
logical_or = _binary(lambda a, b: ops.logical_or(_bool(a), _bool(b)))
logical_xor = _binary(lambda a, b: ops.ne(_bool(a), _bool(b)))
pow = power  # noqa: A001


def _bool(v: Any) -> Any:
    return v if v.dtype == np.bool_ else ops.ne(v, 0)


def _int_power(a: Any, b: Any) -> Any:
    return ops.cast(ops.round(ops.pow(ops.cast(a, "float64"), ops.cast(b, "float64"))), a.dtype)


def logical_and_or_bitwise(x: Any, y: Any) -> Array:
    """``&``: logical on booleans, bitwise on integers (as in JAX and NumPy)."""
    a, b = _pair(x, y)
    return Array(ops.logical_and(a, b) if a.dtype.kind == "b" else ops.bitwise_and(a, b))


def logical_or_or_bitwise(x: Any, y: Any) -> Array:
    """``|``: logical on booleans, bitwise on integers."""
    a, b = _pair(x, y)
    return Array(ops.logical_or(a, b) if a.dtype.kind == "b" else ops.bitwise_or(a, b))


def floor_divide(x: Any, y: Any) -> Array:
    a, b = _pair(x, y)
    if core_dtypes.is_float(a.dtype):
        return Array(ops.floor(ops.div(a, b)))
    q = ops.cast(ops.floor(ops.div(ops.cast(a, "float64"), ops.cast(b, "float64"))), a.dtype)
    return Array(q)


def mod(x: Any, y: Any) -> Array:
    """The remainder with the sign of y (Python's %). Mirrors: jnp.mod."""
    a, b = _pair(x, y)
    r = ops.rem(a, b)
    fix = ops.logical_and(ops.ne(r, 0), ops.ne(ops.lt(r, 0), ops.lt(b, 0)))
    return Array(ops.select(fix, ops.add(r, b), r))


remainder = mod


def fmod(x: Any, y: Any) -> Array:
    return Array(ops.rem(*_pair(x, y)))


negative = _unary(ops.neg, float_only=False)


def _abs_jax(v: Any) -> Any:
    """|x| with JAX's derivative: 1 at 0 (the x >= 0 side); -0.0 + 0.0 keeps |−0| = +0."""
    if v.dtype.kind not in "fc":
        return ops.abs(v)
    zero = ops.zeros_like(v)
    return ops.select(ops.ge(v, zero), ops.add(v, zero), ops.neg(v))


abs = absolute = _unary(_abs_jax, float_only=False)  # noqa: A001
exp = _unary(ops.exp)
log = _unary(ops.log)
log1p = _unary(ops.log1p)
expm1 = _unary(ops.expm1)
sqrt = _unary(ops.sqrt)
square = _unary(ops.square, float_only=False)
sin = _unary(ops.sin)
cos = _unary(ops.cos)
tanh = _unary(ops.tanh)
sign = _unary(ops.sign, float_only=False)
floor = _unary(ops.floor)
ceil = _unary(ops.ceil)
reciprocal = _unary(ops.reciprocal)
isfinite = _unary(ops.is_finite)
exp2 = _unary(lambda v: ops.exp(ops.mul(v, math.log(2))))
log2 = _unary(lambda v: ops.div(ops.log(v), math.log(2)))
log10 = _unary(lambda v: ops.div(ops.log(v), math.log(10)))
tan = _unary(lambda v: ops.div(ops.sin(v), ops.cos(v)))
sinh = _unary(lambda v: ops.mul(ops.sub(ops.exp(v), ops.exp(ops.neg(v))), 0.5))
cosh = _unary(lambda v: ops.mul(ops.add(ops.exp(v), ops.exp(ops.neg(v))), 0.5))
cbrt = _unary(lambda v: ops.mul(ops.sign(v), ops.pow(ops.abs(v), 1 / 3)))
isnan = _unary(lambda v: ops.ne(v, v))
isinf = _unary(lambda v: ops.logical_and(ops.logical_not(ops.is_finite(v)), ops.eq(v, v)))
logaddexp = _binary(lambda a, b: _logaddexp(a, b), float_only=True)


def _logaddexp(a: Any, b: Any) -> Any:
    m = ops.stop_gradient(ops.maximum(a, b))
    return ops.add(m, ops.log(ops.add(ops.exp(ops.sub(a, m)), ops.exp(ops.sub(b, m)))))


def round(a: Any, decimals: int = 0) -> Array:  # noqa: A001
    v = _v(a)
    if not core_dtypes.is_float(v.dtype):
        return Array(v)
    if decimals == 0:
        return Array(ops.round(v))
    scale = 10.0**decimals
    return Array(ops.div(ops.round(ops.mul(v, scale)), scale))


around = round


def logical_not(x: Any) -> Array:
    return Array(ops.logical_not(_bool(_v(x))))


def invert(x: Any) -> Array:
    v = _v(x)
    if v.dtype == np.bool_:
        return Array(ops.logical_not(v))
    if v.dtype.kind not in "iu":
        raise TypeError(f"jnp.invert (~) takes booleans or integers, not {v.dtype}")
    ones = np.array(-1).astype(v.dtype) if v.dtype.kind == "i" else np.iinfo(v.dtype).max
    return Array(ops.bitwise_xor(v, value_of(ones, like=v)))


def positive(x: Any) -> Array:
    return asarray(x)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """``condition ? x : y`` with broadcasting. Mirrors: jnp.where (the one-argument form
    needs concrete values)."""
    if x is None and y is None:
        return nonzero(condition)
    a, b = _pair(x, y)
    return Array(ops.select(_bool(_v(condition)), a, b))


def clip(
    a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None, max: Any = None
) -> Array:  # noqa: A002
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    out = asarray(a)
    if lo is not None:
        out = maximum(out, lo)
    if hi is not None:
        out = minimum(out, hi)
    return out


def isclose(
    a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Array:
    x, y = _pair(a, b)
    x, y = _float(x), _float(y)
    close = ops.le(ops.abs(ops.sub(x, y)), ops.add(ops.mul(ops.abs(y), rtol), atol))
    if equal_nan:
        close = ops.logical_or(close, ops.logical_and(ops.ne(x, x), ops.ne(y, y)))
    return Array(close)


def allclose(
    a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Array:
    return all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1: Any, a2: Any) -> Array:
    x, y = asarray(a1), asarray(a2)
    if x.shape != y.shape:
        return asarray(False)
    return all(equal(x, y))


# ---------------------------------------------------------------------------------------
# Reductions


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(builtins.range(ndim))
    items = axis if isinstance(axis, tuple | list) else (axis,)
    return normalize_axes("axis", items, ndim)  # NumPy's rule: a bad axis is an error


def _reduction(core_fn: Callable[..., Any], promote_int: bool = False) -> Callable[..., Array]:
    def fn(
        a: Any,
        axis: Any = None,
        dtype: Any = None,
        out: None = None,
        keepdims: bool = False,
        where: Any = None,
        **kw: Any,
    ) -> Array:
        v = _v(a)
        if where is not None:
            raise NotImplementedError("reductions with where= are not supported")
        if dtype is not None:
            v = ops.cast(v, canonical(dtype))
        elif promote_int and v.dtype.kind == "b":
            v = ops.cast(v, default_int())
        return Array(core_fn(v, axes=_axes(axis, v.ndim), keepdims=keepdims))

    return fn


sum = _reduction(ops.reduce_sum, promote_int=True)  # noqa: A001
prod = _reduction(ops.reduce_prod, promote_int=True)
max = amax = _reduction(ops.reduce_max)  # noqa: A001
min = amin = _reduction(ops.reduce_min)  # noqa: A001


def mean(
    a: Any, axis: Any = None, dtype: Any = None, out: None = None, keepdims: bool = False
) -> Array:
    v = _float(_v(a)) if dtype is None else ops.cast(_v(a), canonical(dtype))
    return Array(ops.mean(v, axes=_axes(axis, v.ndim), keepdims=keepdims))


def var(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: int = 0,
    keepdims: bool = False,
) -> Array:
    v = _float(_v(a))
    axes = _axes(axis, v.ndim)
    count = 1
    for ax in axes:
        count *= v.shape[ax]
    centred = ops.sub(v, ops.mean(v, axes=axes, keepdims=True))
    total = ops.reduce_sum(ops.square(centred), axes=axes, keepdims=keepdims)
    return Array(ops.div(total, float(builtins.max(count - ddof, 0))))


def std(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: int = 0,
    keepdims: bool = False,
) -> Array:
    return sqrt(var(a, axis, dtype, out, ddof, keepdims))


def all(a: Any, axis: Any = None, keepdims: bool = False) -> Array:  # noqa: A001
    v = _bool(_v(a))
    failures = ops.reduce_sum(
        ops.cast(ops.logical_not(v), "int32"), axes=_axes(axis, v.ndim), keepdims=keepdims
    )
    return Array(ops.eq(failures, 0))


def any(a: Any, axis: Any = None, keepdims: bool = False) -> Array:  # noqa: A001
    v = _bool(_v(a))
    hits = ops.reduce_sum(ops.cast(v, "int32"), axes=_axes(axis, v.ndim), keepdims=keepdims)
    return Array(ops.gt(hits, 0))


def count_nonzero(a: Any, axis: Any = None, keepdims: bool = False) -> Array:
    v = _v(a)
    return Array(
        ops.reduce_sum(
            ops.cast(ops.ne(v, 0), default_int()), axes=_axes(axis, v.ndim), keepdims=keepdims
        )
    )


def _arg(core_fn: Callable[..., Any]) -> Callable[..., Array]:
    def fn(a: Any, axis: int | None = None, out: None = None, keepdims: bool = False) -> Array:
        v = _v(a)
        if axis is None:
            v, axis = ops.reshape(v, (-1,)), 0
            keepdims = False
        return Array(core_fn(v, int(axis), keepdims, index_dtype=default_int()))

    return fn


argmax, argmin = _arg(ops.argmax), _arg(ops.argmin)


def cumsum(a: Any, axis: int | None = None, dtype: Any = None) -> Array:
    v = _v(a) if dtype is None else ops.cast(_v(a), canonical(dtype))
    if axis is None:
        v, axis = ops.reshape(v, (-1,)), 0
    return Array(ops.cumsum(v, int(axis)))


def sort(
    a: Any, axis: int | None = -1, kind: Any = None, stable: bool = True, descending: bool = False
) -> Array:
    v = _v(a)
    if axis is None:
        v, axis = ops.reshape(v, (-1,)), 0
    order = ops.argsort(ops.neg(v) if descending else v, int(axis))
    return take_along_axis(Array(v), Array(order), int(axis))


def argsort(
    a: Any, axis: int | None = -1, kind: Any = None, stable: bool = True, descending: bool = False
) -> Array:
    v = _v(a)
    if axis is None:
        v, axis = ops.reshape(v, (-1,)), 0
    return Array(ops.argsort(ops.neg(v) if descending else v, int(axis), index_dtype=default_int()))


# ---------------------------------------------------------------------------------------
# Shapes


def shape(a: Any) -> tuple[int, ...]:
    return tuple(_v(a).shape)


def ndim(a: Any) -> int:
    return len(shape(a))


def size(a: Any, axis: int | None = None) -> int:
    s = shape(a)
    return int(np.prod(s)) if axis is None else s[axis]


def reshape(a: Any, newshape: Any = None, order: str = "C", *, shape: Any = None) -> Array:
    target = shape if shape is not None else newshape
    dims = (target,) if isinstance(target, int) else tuple(int(d) for d in target)
    return Array(ops.reshape(_v(a), dims))


def ravel(a: Any, order: str = "C") -> Array:
    return reshape(a, (-1,))


def transpose(a: Any, axes: Any = None) -> Array:
    return Array(ops.transpose(_v(a), None if axes is None else tuple(axes)))


def swapaxes(a: Any, axis1: int, axis2: int) -> Array:
    v = _v(a)
    perm = builtins.list(builtins.range(v.ndim))
    i, j = normalize_axis("swapaxes", axis1, v.ndim), normalize_axis("swapaxes", axis2, v.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return Array(ops.transpose(v, tuple(perm)))


def moveaxis(a: Any, source: Any, destination: Any) -> Array:
    """Move axes ``source`` (an int or a sequence) to ``destination``; the others keep
    their order."""
    v = _v(a)
    src = [int(source)] if isinstance(source, int | np.integer) else [int(s) for s in source]
    dst = [int(destination)] if isinstance(destination, int | np.integer) else list(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of elements")
    src = [normalize_axis("moveaxis", s, v.ndim) for s in src]
    dst = [normalize_axis("moveaxis", d, v.ndim) for d in dst]
    rest = iter(i for i in builtins.range(v.ndim) if i not in src)
    placed = dict(zip(dst, src))
    perm = tuple(placed[i] if i in placed else next(rest) for i in builtins.range(v.ndim))
    return Array(ops.transpose(v, perm))


def squeeze(a: Any, axis: Any = None) -> Array:
    v = _v(a)
    axes = (
        [i for i, d in enumerate(v.shape) if d == 1]
        if axis is None
        else builtins.list(_axes(axis, v.ndim))
    )
    return Array(ops.squeeze(v, axes))


def expand_dims(a: Any, axis: Any) -> Array:
    items = builtins.list(axis) if isinstance(axis, tuple | list) else [axis]
    return Array(ops.expand_dims(_v(a), items))


def _joinable(arrays: Sequence[Any]) -> list[Any]:
    values = [_v(a) for a in arrays]
    target = values[0].dtype
    for v in values[1:]:
        target = core_dtypes.promote_types(np.dtype(target), np.dtype(v.dtype))
    return [ops.cast(v, target) for v in values]


def concatenate(arrays: Sequence[Any], axis: int | None = 0) -> Array:
    values = _joinable(arrays)
    if axis is None:
        values, axis = [ops.reshape(v, (-1,)) for v in values], 0
    return Array(ops.concatenate(values, normalize_axis("concatenate", axis, values[0].ndim)))


def stack(arrays: Sequence[Any], axis: int = 0) -> Array:
    values = _joinable(arrays)
    ax = normalize_axis("stack", axis, values[0].ndim + 1)
    return Array(ops.concatenate([ops.expand_dims(v, [ax]) for v in values], ax))


def vstack(tup: Sequence[Any]) -> Array:
    return concatenate([atleast_2d(t) for t in tup], 0)


def hstack(tup: Sequence[Any]) -> Array:
    arrays = [atleast_1d(t) for t in tup]
    return concatenate(arrays, 0 if arrays[0].ndim == 1 else 1)


def column_stack(tup: Sequence[Any]) -> Array:
    return concatenate([reshape(t, (-1, 1)) if ndim(t) == 1 else asarray(t) for t in tup], 1)


def atleast_1d(a: Any) -> Array:
    x = asarray(a)
    return reshape(x, (1,)) if x.ndim == 0 else x


def atleast_2d(a: Any) -> Array:
    x = atleast_1d(a)
    return reshape(x, (1, -1)) if x.ndim == 1 else x


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Array]:
    v = _v(ary)
    axis = normalize_axis("split", axis, v.ndim)
    n = v.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        step = n // indices_or_sections
        bounds = builtins.list(builtins.range(0, n + 1, step))
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), n]
    sizes = [hi - lo for lo, hi in zip(bounds[:-1], bounds[1:])]
    if builtins.all(s >= 0 for s in sizes):  # one split: its gradient is one concatenate
        return [Array(piece) for piece in ops.split(v, sizes, axis)]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        starts = [0] * v.ndim
        limits = builtins.list(v.shape)
        starts[axis], limits[axis] = lo, hi
        out.append(Array(ops.slice(v, starts, limits)))
    return out


array_split = split


def tile(A: Any, reps: Any) -> Array:  # noqa: N803
    v = _v(A)
    r = (reps,) if isinstance(reps, int) else tuple(reps)
    while v.ndim < len(r):
        v = ops.expand_dims(v, [0])
    r = (1,) * (v.ndim - len(r)) + r
    for ax, k in enumerate(r):
        if k != 1:
            v = ops.concatenate([v] * k, ax)
    return Array(v)


def repeat(a: Any, repeats: int, axis: int | None = None, total_repeat_length: Any = None) -> Array:
    v = _v(a)
    if axis is None:
        v, axis = ops.reshape(v, (-1,)), 0
    ax = normalize_axis("repeat", axis, v.ndim)
    shape_ = builtins.list(v.shape)
    expanded = ops.expand_dims(v, [ax + 1])
    tiled = ops.broadcast_to(
        expanded, tuple(shape_[: ax + 1]) + (int(repeats),) + tuple(shape_[ax + 1 :])
    )
    shape_[ax] *= int(repeats)
    return Array(ops.reshape(tiled, tuple(shape_)))


def broadcast_to(array: Any, shape: Sequence[int]) -> Array:
    return Array(ops.broadcast_to(_v(array), tuple(shape)))


def broadcast_arrays(*args: Any) -> list[Array]:
    values = [_v(a) for a in args]
    target = ops.broadcast_shapes("broadcast_arrays", *(tuple(v.shape) for v in values))
    return [Array(ops.broadcast_to(v, target)) for v in values]


def flip(m: Any, axis: Any = None) -> Array:
    v = _v(m)
    return Array(ops.flip(v, _axes(axis, v.ndim)))


def fliplr(m: Any) -> Array:
    return flip(m, 1)


def flipud(m: Any) -> Array:
    return flip(m, 0)


def roll(a: Any, shift: int, axis: int | None = None) -> Array:
    v = _v(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), v.shape)
    axis = normalize_axis("roll", axis, v.ndim)
    n = v.shape[axis]
    k = int(shift) % n if n else 0
    if k == 0:
        return Array(v)
    return concatenate(split(Array(v), [n - k], axis)[::-1], axis)


def pad(array: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Array:
    v = _v(array)
    if mode != "constant":
        raise NotImplementedError(f"jnp.pad: mode {mode!r} (constant is supported)")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (v.ndim, 2)).tolist()
    return Array(ops.pad(v, [tuple(w) for w in widths], float(constant_values)))


def take(a: Any, indices: Any, axis: int | None = None, mode: Any = None) -> Array:
    v = _v(a)
    if axis is None:
        v, axis = ops.reshape(v, (-1,)), 0
    key = (builtins.slice(None),) * normalize_axis("take", axis, v.ndim) + (_v(indices),)
    return Array(ops.index(v, key))


def take_along_axis(arr: Any, indices: Any, axis: int | None, mode: Any = None) -> Array:
    """Mirrors: jnp.take_along_axis."""
    v, idx = _v(arr), _v(indices)
    if axis is None:
        v, axis = ops.reshape(v, (-1,)), 0
    ax = normalize_axis("take_along_axis", axis, v.ndim)
    key = []
    for d in builtins.range(v.ndim):
        if d == ax:
            key.append(idx)
        else:
            shape_ = [1] * v.ndim
            shape_[d] = v.shape[d]
            positions = ops.array(np.arange(v.shape[d]).reshape(shape_), device=v.device)
            key.append(ops.broadcast_to(positions, idx.shape))
    return Array(ops.index(v, tuple(key)))


# ---------------------------------------------------------------------------------------
# Host-only helpers (data-dependent shapes: not available inside jit)


def _index(a: Any, key: Any) -> Array:
    return Array(ops.index(_v(a), unwrap_index(key)))


def __getattr__(name: str) -> Any:
    if name in ("complex64", "complex128"):
        raise AttributeError(
            f"workbench.functional.numpy has no dtype {name} (not supported by the core)"
        )
    raise AttributeError(f"module 'workbench.functional.numpy' has no attribute {name!r}")


# defined beside the rest of jnp, which they call
from workbench.functional.numpy_matrix import *  # noqa: E402, F403
from workbench.functional.numpy_more import *  # noqa: E402, F403
from workbench.functional.numpy_more import nonzero, unique  # noqa: E402, F401
from workbench.functional.numpy_signal import convolve, correlate, rot90  # noqa: E402, F401
from workbench.functional.numpy_stats import *  # noqa: E402, F403
