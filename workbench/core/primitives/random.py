"""Counter-based random bits: the Threefry-2x32 block cipher (Salmon et al., 2011).

``threefry2x32(k0, k1, c0, c1)`` encrypts the 64-bit counters (c0, c1) under the key
(k0, k1); every random number in every front end comes from it, so the same key gives
the same numbers everywhere. The composites below derive bits and keys exactly as JAX's
default ("partitionable") Threefry implementation does: element i of a result is the
cipher of the counter i, split into two 32-bit words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import DTYPE_SETS, Primitive, type_text
from workbench.core.primitives.operands import array as make_array

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA


def _threefry_impl(xp: Any, k0: Any, k1: Any, c0: Any, c1: Any) -> tuple[Any, Any]:
    u32 = np.uint32
    shape = c0.shape
    if c0.ndim == 0:  # NumPy scalars warn on the wrap-around the hash relies on; arrays do not
        k0, k1, c0, c1 = (xp.reshape(v, (1,)) for v in (k0, k1, c0, c1))
    ks = (k0, k1, k0 ^ k1 ^ u32(_PARITY))
    x0 = c0 + ks[0]
    x1 = c1 + ks[1]
    for block in range(5):
        for r in _ROTATIONS[block % 2]:
            x0 = x0 + x1
            x1 = (x1 << u32(r)) | (x1 >> u32(32 - r))
            x1 = x0 ^ x1
        x0 = x0 + ks[(block + 1) % 3]
        x1 = x1 + ks[(block + 2) % 3] + u32(block + 1)
    return (
        xp.asarray(x0, dtype=np.uint32).reshape(shape),
        xp.asarray(x1, dtype=np.uint32).reshape(shape),
    )


def _threefry_shape(k0: Any, k1: Any, c0: Any, c1: Any) -> tuple[Type, Type]:
    for v in (k0, k1, c0, c1):
        if v.dtype != dtypes.uint32:
            raise TypeError(f"threefry2x32: operands must be uint32, got {type_text(v)}")
    if not k0.shape == k1.shape == c0.shape == c1.shape:
        raise ValueError(
            "threefry2x32: key words and counters must have one shape (it is elementwise), "
            f"got {type_text(k0)}, {type_text(k1)}, {type_text(c0)}, {type_text(c1)}"
        )
    out = Type(tuple(c0.shape), dtypes.uint32, c0.device)
    return out, out


threefry2x32_p = Primitive(
    "threefry2x32",
    impl=_threefry_impl,
    shape=_threefry_shape,
    multiple_results=True,
    nondiff_inputs=(0, 1, 2, 3),
    family="random",
)
threefry2x32_p.vjp(lambda g, *inputs, out: (None,) * 4)
threefry2x32_p.batch(batching.batch_elementwise(threefry2x32_p))
threefry2x32_p.jvp(lambda primals, tangents: (apply(threefry2x32_p, *primals), (None, None)))


def threefry2x32(key: Any, c0: Any, c1: Any) -> tuple[Any, Any]:
    """Encrypt counters ``(c0, c1)`` with ``key``, a uint32 array of shape (2,)."""
    k0 = ops.broadcast_to(ops.reshape(ops.slice(key, (0,), (1,)), ()), c0.shape)
    k1 = ops.broadcast_to(ops.reshape(ops.slice(key, (1,), (2,)), ()), c0.shape)
    return apply(threefry2x32_p, k0, k1, c0, c1)


# counters: (hi, lo) = the high and low 32-bit words of each element's row-major position
# in x. Only x's shape is read, so the positions of a shape known only at run time (a
# graph's unknown batch) are computed when the graph runs.
def _counters_impl(xp: Any, x: Any) -> tuple[Any, Any]:
    flat = xp.arange(x.size, dtype=xp.uint64).reshape(x.shape)
    return (flat >> np.uint64(32)).astype(np.uint32), (flat & np.uint64(0xFFFFFFFF)).astype(
        np.uint32
    )


def _counters_shape(x: Any) -> tuple[Type, Type]:
    out = Type(tuple(x.shape), dtypes.uint32, x.device)
    return out, out


counters_p = Primitive(
    "counters",
    impl=_counters_impl,
    shape=_counters_shape,
    multiple_results=True,
    nondiff_inputs=(0,),
    family="random",
)
counters_p.vjp(lambda g, x, *, out: (None,))
counters_p.jvp(lambda primals, tangents: (apply(counters_p, *primals), (None, None)))


# batched: every example counts its own elements, so one example's words, broadcast
@counters_p.batch
def _counters_batch(values: Any, axes: Any, /) -> tuple[Any, Any]:
    x = batching.moveaxis(values[0], axes[0], 0)
    first = ops.reshape(ops.slice(x, (0,) * x.ndim, (1, *x.shape[1:])), x.shape[1:])
    words = apply(counters_p, first)
    return tuple(ops.broadcast_to(w, x.shape) for w in words), (0, 0)


def counters(x: Any) -> tuple[Any, Any]:
    """The (high, low) uint32 words of each element's row-major position in ``x``."""
    return apply(counters_p, x)


def _counters(shape: Sequence[int | None], device: Any) -> tuple[Any, Any]:
    """The high and low 32-bit words of the row-major position of every element."""
    if None in shape:  # a shape known only at run time
        return counters(ops.full(shape, 0, dtypes.uint32, device))
    size = math.prod(shape)  # type: ignore[arg-type]
    flat = np.arange(size, dtype=np.uint64).reshape(tuple(shape))
    hi = make_array((flat >> np.uint64(32)).astype(np.uint32), device=device)
    lo = make_array((flat & np.uint64(0xFFFFFFFF)).astype(np.uint32), device=device)
    return hi, lo


def key(seed: int, device: Any = None) -> Any:
    """A key from an integer seed: ``[seed >> 32, seed & 0xFFFFFFFF]`` (JAX's PRNGKey)."""
    seed = int(seed)
    words = np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)
    return make_array(words, device=device)


def random_bits(key: Any, shape: Sequence[int]) -> Any:
    """Uniformly random uint32 words of ``shape``: bits0 ^ bits1 of each counter's cipher."""
    hi, lo = _counters(shape, key.device)
    bits0, bits1 = threefry2x32(key, hi, lo)
    return apply(_xor_p, bits0, bits1)


def split(key: Any, num: int = 2) -> Any:
    """``num`` new keys, shape (num, 2): the ciphers of the counters 0..num-1."""
    hi, lo = _counters((num,), key.device)
    bits0, bits1 = threefry2x32(key, hi, lo)
    return ops.concatenate([ops.reshape(bits0, (num, 1)), ops.reshape(bits1, (num, 1))], axis=1)


def fold_in(key: Any, data: Any) -> Any:
    """A new key mixing ``data`` (a 32-bit integer, or an integer array of shape () —
    traced too, as a loop counter inside ``jit``) into ``key``."""
    if isinstance(data, int | np.integer):
        seed = globals()["key"](int(data) & 0xFFFFFFFF, device=key.device)
        hi = ops.reshape(ops.slice(seed, (0,), (1,)), (1,))
        lo = ops.reshape(ops.slice(seed, (1,), (2,)), (1,))
    else:  # the seed words of a 32-bit value: [0, data mod 2**32]
        lo = ops.reshape(ops.cast(data, dtypes.uint32), (1,))
        hi = ops.zeros_like(lo)
    bits0, bits1 = threefry2x32(key, hi, lo)
    return ops.concatenate([bits0, bits1], axis=0)


def uniform(key: Any, shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0) -> Any:
    """float32 numbers uniform in [minval, maxval): the top 23 bits of random words put
    into the mantissa of a float in [1, 2), minus 1 (JAX's construction, so the numbers
    match JAX's)."""
    bits = random_bits(key, shape)
    mantissa_bits = np.finfo(np.float32).nmant
    one_bits = int(np.float32(1.0).view(np.uint32))
    float_bits = bitwise_or(shift_right(bits, 32 - mantissa_bits), one_bits)
    floats = ops.sub(bitcast_f32(float_bits), 1.0)
    scaled = ops.add(ops.mul(floats, maxval - minval), minval)
    return ops.maximum(scaled, minval)


# Bit manipulation on uint32 words, used only by the random composites above.


def _bitwise(name: str, impl: Any, kinds: Any = None, what: str = "integer or bool") -> Primitive:
    """A bitwise operation on two arrays of one dtype and shape: any integers or bools
    (the front ends' ``&``, ``|``, ``^``; the random bits use them on uint32), or only the
    ``kinds`` given."""
    allowed = DTYPE_SETS["integer_or_bool"] if kinds is None else kinds

    def shape(x: Any, y: Any) -> Type:
        if x.dtype != y.dtype or x.dtype not in allowed or x.shape != y.shape:
            raise TypeError(
                f"{name}: needs two {what} arrays of one dtype and shape, "
                f"got {type_text(x)} and {type_text(y)}"
            )
        return Type(tuple(x.shape), x.dtype, x.device)

    prim = Primitive(name, impl=impl, shape=shape, nondiff_inputs=(0, 1), family="random")
    prim.batch(batching.batch_elementwise(prim))
    prim.vjp(lambda g, x, y, *, out: (None, None))
    prim.jvp(lambda primals, tangents: (apply(prim, *primals), None))
    return prim


_xor_p = _bitwise("bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y))
_or_p = _bitwise("bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y))
_and_p = _bitwise("bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y))
_shift_right_p = _bitwise(
    "shift_right", lambda xp, x, y: xp.right_shift(x, y), (dtypes.uint32,), "uint32"
)


def _bitcast_shape(x: Any) -> Type:
    if x.dtype != dtypes.uint32:
        raise TypeError(f"bitcast_f32: needs uint32, got {type_text(x)}")
    return Type(tuple(x.shape), dtypes.float32, x.device)


_bitcast_f32_p = Primitive(
    "bitcast_f32",
    impl=lambda xp, x: x.view(np.float32),
    shape=_bitcast_shape,
    nondiff_inputs=(0,),
    family="random",
)
_bitcast_f32_p.vjp(lambda g, x, *, out: (None,))
_bitcast_f32_p.batch(batching.batch_elementwise(_bitcast_f32_p))
_bitcast_f32_p.jvp(lambda primals, tangents: (apply(_bitcast_f32_p, *primals), None))


def _bitcast_any_shape(x: Any, *, dtype: Any) -> Type:
    target = dtypes.canonical(dtype)
    if target.itemsize != x.dtype.itemsize:
        raise TypeError(
            f"bitcast: {type_text(x)} to {target} needs types of one width "
            f"({x.dtype.itemsize} bytes against {target.itemsize})"
        )
    return Type(tuple(x.shape), target, x.device)


_bitcast_p = Primitive(
    "bitcast",
    impl=lambda xp, x, *, dtype: x.view(dtype),
    shape=_bitcast_any_shape,
    nondiff_inputs=(0,),
    family="random",
)
_bitcast_p.vjp(lambda g, x, *, out, dtype: (None,))
_bitcast_p.batch(batching.batch_elementwise(_bitcast_p))
_bitcast_p.jvp(lambda primals, tangents, **p: (apply(_bitcast_p, *primals, **p), None))


def bitcast(x: Any, dtype: Any) -> Any:
    """The same bits read as ``dtype`` (of the same width): lax.bitcast_convert_type."""
    return apply(_bitcast_p, x, dtype=dtypes.canonical(dtype))


def bitwise_xor(x: Any, y: Any) -> Any:
    x, y = ops.operands("bitwise_xor", x, y)
    return apply(_xor_p, x, y)


def bitwise_or(x: Any, y: Any) -> Any:
    x, y = ops.operands("bitwise_or", x, y)
    return apply(_or_p, x, y)


def bitwise_and(x: Any, y: Any) -> Any:
    x, y = ops.operands("bitwise_and", x, y)
    return apply(_and_p, x, y)


def shift_right(x: Any, y: Any) -> Any:
    x, y = ops.operands("shift_right", x, y)
    return apply(_shift_right_p, x, y)


def bitcast_f32(x: Any) -> Any:
    return apply(_bitcast_f32_p, x)
