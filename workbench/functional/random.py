"""``jax.random``: explicit keys and Threefry-2x32 bits, derived exactly as JAX's default
implementation derives them, so the same key gives JAX's numbers. Mirrors: jax.random."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.functional.array import (
    Array,
    canonical,
    config,
    default_float,
    default_int,
    value_of,
)
from workbench.functional.prng import KeyArray, key_data, wrap_key_data  # noqa: F401 - jax.random's


def _key(key: Any) -> Any:
    if isinstance(key, KeyArray):
        if key.shape:
            raise TypeError(
                f"expected a single PRNG key, got a key array of shape {key.shape}: "
                "index it (keys[0]) or vmap over it"
            )
        key = key._data
    v = value_of(key)
    if v.dtype != np.uint32 or tuple(v.shape) != (2,):
        raise TypeError(
            f"expected a PRNG key (jax.random.key, or a legacy uint32[2] from PRNGKey), "
            f"got {v.dtype}{list(v.shape)}"
        )
    return v


def _like(key: Any, raw: Any) -> Any:
    """New key data typed as ``key`` was: a key array from a key array, raw from raw."""
    return KeyArray(Array(raw)) if isinstance(key, KeyArray) else Array(raw)


def _shape(shape: Any) -> tuple[int, ...]:
    if shape is None:
        return ()
    return (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)


def PRNGKey(seed: Any) -> Array:  # noqa: N802
    """A key from an integer seed — a Python int, or an integer array (traced too, as a
    loop counter inside ``jit``): the seed's high and low 32-bit words, where without
    x64 the seed is a 32-bit integer and the high word 0. Mirrors: jax.random.PRNGKey."""
    if isinstance(seed, Array) or not isinstance(seed, int | np.integer):
        v = value_of(seed)
        if v.dtype.kind not in "iu" or v.shape != ():
            raise TypeError(
                f"PRNGKey: the seed must be a scalar integer, got {v.dtype}{list(v.shape)}"
            )
        lo = ops.reshape(ops.cast(v, np.dtype(np.uint32)), (1,))
        return Array(ops.concatenate([ops.zeros_like(lo), lo], 0))
    seed = int(seed)
    if not config.values["jax_enable_x64"]:
        if not -(2**63) <= seed < 2**64:
            raise OverflowError(f"PRNGKey: seed {seed} does not fit in 64 bits")
        seed &= 0xFFFFFFFF  # a 32-bit seed: the high word is 0
    return Array(ops.key(seed))


def key(seed: Any, *, impl: Any = None) -> KeyArray:
    """A typed key (shape ``()``, dtype ``key<fry>``) from an integer seed, with the same
    bits as ``PRNGKey(seed)``. Mirrors: jax.random.key."""
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"only the threefry2x32 implementation is provided, not {impl!r}")
    return KeyArray(PRNGKey(seed))


def split(key: Any, num: int | tuple[int, ...] = 2) -> Any:
    """``num`` new keys: a key array of shape ``(num,)`` from a typed key, raw
    ``uint32[num, 2]`` from a legacy one. Mirrors: jax.random.split."""
    shape = (num,) if not isinstance(num, tuple | list) else tuple(num)
    count = math.prod(operator.index(n) for n in shape)  # 2.5 is a TypeError
    raw = ops.split_key(_key(key), count)
    if len(shape) != 1:
        raw = ops.reshape(raw, (*shape, 2))
    return _like(key, raw)


def fold_in(key: Any, data: Any) -> Any:
    """A new key from ``key`` and an integer (a Python int, or a traced int32 such as a
    loop counter). Mirrors: jax.random.fold_in."""
    if isinstance(data, Array) or not isinstance(data, int | np.integer):
        v = value_of(data)
        if v.dtype.kind not in "iu":
            raise TypeError(f"fold_in: data must be an integer, got {v.dtype}")
        return _like(key, ops.fold_in(_key(key), v))
    return _like(key, ops.fold_in(_key(key), int(data)))


def bits(key: Any, shape: Any = (), dtype: Any = None) -> Array:
    return Array(ops.random_bits(_key(key), _shape(shape)))


def _two(key: Any) -> tuple[Any, Any]:
    keys = ops.split_key(_key(key), 2)
    return ops.reshape(ops.slice(keys, (0, 0), (1, 2)), (2,)), ops.reshape(
        ops.slice(keys, (1, 0), (2, 2)), (2,)
    )


def _uniform(key: Any, shape: tuple[int, ...], dtype: Any, minval: float, maxval: float) -> Any:
    d = canonical(dtype) if dtype is not None else default_float()
    u = ops.uniform(key, shape, float(minval), float(maxval))
    return u if d == np.float32 else ops.cast(u, d)


def uniform(
    key: Any, shape: Any = (), dtype: Any = None, minval: Any = 0.0, maxval: Any = 1.0
) -> Array:
    """Floats in [minval, maxval). Mirrors: jax.random.uniform."""
    return Array(
        _uniform(
            _key(key), _shape(shape), dtype, float(np.asarray(minval)), float(np.asarray(maxval))
        )
    )


def normal(key: Any, shape: Any = (), dtype: Any = None) -> Array:
    """Standard normal: √2 · erf⁻¹(u) for u uniform in (-1, 1), as JAX computes it."""
    lo = float(np.nextafter(np.float32(-1.0), np.float32(0.0)))
    u = _uniform(_key(key), _shape(shape), np.float32, lo, 1.0)
    out = ops.mul(ops.erf_inv(u), float(np.float32(math.sqrt(2))))
    d = canonical(dtype) if dtype is not None else default_float()
    return Array(out if d == np.float32 else ops.cast(out, d))


def truncated_normal(
    key: Any, lower: Any, upper: Any, shape: Any = None, dtype: Any = None
) -> Array:
    """Normal numbers in (lower, upper), by inverting the CDF.

    Mirrors: jax.random.truncated_normal."""
    sqrt2 = float(np.float32(math.sqrt(2)))
    lo, hi = float(np.asarray(lower)), float(np.asarray(upper))
    a = float(np.float32(math.erf(np.float32(lo / sqrt2)))) if math.isfinite(lo) else -1.0
    b = float(np.float32(math.erf(np.float32(hi / sqrt2)))) if math.isfinite(hi) else 1.0
    dims = _shape(shape)
    u = _uniform(_key(key), dims, np.float32, a, b)
    out = ops.mul(ops.erf_inv(u), sqrt2)
    bound_lo = float(np.nextafter(np.float32(lo), np.float32(np.inf)))
    bound_hi = float(np.nextafter(np.float32(hi), np.float32(-np.inf)))
    out = ops.minimum(ops.maximum(out, bound_lo), bound_hi)
    d = canonical(dtype) if dtype is not None else default_float()
    return Array(out if d == np.float32 else ops.cast(out, d))


def bernoulli(key: Any, p: Any = 0.5, shape: Any = None) -> Array:
    """True with probability ``p``. Mirrors: jax.random.bernoulli."""
    pv = value_of(p)
    dims = _shape(shape) if shape is not None else tuple(pv.shape)
    u = ops.uniform(_key(key), dims)
    return Array(ops.lt(u, ops.broadcast_to(ops.cast(pv, "float32"), dims)))


def gumbel(key: Any, shape: Any = (), dtype: Any = None) -> Array:
    tiny = float(np.finfo(np.float32).tiny)
    u = _uniform(_key(key), _shape(shape), np.float32, tiny, 1.0)
    return Array(ops.neg(ops.log(ops.neg(ops.log(u)))))


def categorical(key: Any, logits: Any, axis: int = -1, shape: Any = None) -> Array:
    """Samples from a categorical distribution (the Gumbel-max trick, as JAX).
    Mirrors: jax.random.categorical."""
    lv = value_of(logits)
    ax = axis % lv.ndim
    batch_shape = tuple(d for i, d in enumerate(lv.shape) if i != ax)
    dims = batch_shape if shape is None else _shape(shape)
    prefix = dims[: len(dims) - len(batch_shape)]
    logits_shape = list(dims[len(dims) - len(batch_shape) :])
    logits_shape.insert(ax, lv.shape[ax])
    noise = gumbel(key, (*prefix, *logits_shape))._value
    expanded = ops.reshape(lv, (1,) * len(prefix) + tuple(lv.shape))
    scores = ops.add(noise, ops.broadcast_to(ops.cast(expanded, noise.dtype), noise.shape))
    return Array(ops.argmax(scores, ax + len(prefix), index_dtype=default_int()))


def randint(key: Any, shape: Any, minval: Any, maxval: Any, dtype: Any = None) -> Array:
    """Integers in [minval, maxval), from two words of bits per number exactly as JAX
    combines them. Mirrors: jax.random.randint."""
    d = canonical(dtype) if dtype is not None else default_int()
    dims = _shape(shape)
    lo = ops.broadcast_to(ops.array(np.asarray(minval, d)), dims)
    hi = ops.broadcast_to(ops.array(np.asarray(maxval, d)), dims)
    k1, k2 = _two(key)
    higher, lower = ops.random_bits(k1, dims), ops.random_bits(k2, dims)
    span = ops.cast(ops.sub(hi, lo), "uint32")
    span = ops.select(ops.le(hi, lo), ops.full(dims, 1, np.uint32, span.device), span)
    multiplier = ops.rem(ops.full(dims, 2**16, np.uint32, span.device), span)
    multiplier = ops.rem(ops.mul(multiplier, multiplier), span)
    offset = ops.add(ops.mul(ops.rem(higher, span), multiplier), ops.rem(lower, span))
    offset = ops.rem(offset, span)
    return Array(ops.add(lo, ops.cast(offset, d)))


def _shuffle(key: Any, x: Any, axis: int) -> Any:
    rounds = int(
        np.ceil(3 * np.log(max(1, int(np.prod(x.shape)))) / np.log(np.iinfo(np.uint32).max))
    )
    k = _key(key)
    for _ in range(rounds):
        k, sub = _two(k)
        sort_keys = ops.random_bits(sub, tuple(x.shape))
        order = ops.argsort(sort_keys, axis)
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        x = jnp.take_along_axis(Array(x), Array(order), axis)._value
    return x


def permutation(key: Any, x: Any, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of ``range(x)`` or of ``x`` along ``axis``.

    Mirrors: jax.random.permutation."""
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    if isinstance(x, int) or (not isinstance(x, Array) and np.ndim(x) == 0):
        return Array(_shuffle(key, jnp.arange(int(x))._value, 0))
    xv = value_of(x)
    if independent or xv.ndim == 1:
        return Array(_shuffle(key, xv, axis))
    order = _shuffle(key, jnp.arange(xv.shape[axis])._value, 0)
    return jnp.take(Array(xv), Array(order), axis)


def choice(
    key: Any, a: Any, shape: Sequence[int] = (), replace: bool = True, p: Any = None, axis: int = 0
) -> Array:
    """Samples from ``a`` (an int n means ``arange(n)``). Mirrors: jax.random.choice."""
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    dims = _shape(shape)
    is_int = isinstance(a, int)
    n = int(a) if is_int else value_of(a).shape[axis]
    draws = int(np.prod(dims))
    if p is None:
        if replace:
            ind = randint(key, dims, 0, n)
        else:
            if draws > n:
                raise ValueError(
                    f"Cannot take a larger sample (size {draws}) than population "
                    f"(size {n}) when 'replace=False'"
                )
            ind = jnp.reshape(permutation(key, n)[:draws], dims)
    else:
        pv = value_of(p)
        if replace:
            cumulative = jnp.cumsum(Array(pv))
            r = cumulative[-1] * (1 - uniform(key, dims, dtype=pv.dtype))
            ind = jnp.sum(
                jnp.expand_dims(cumulative, tuple(range(len(dims)))) < jnp.expand_dims(r, -1),
                axis=-1,
            )
        else:
            g = gumbel(key, (n,)) + jnp.log(Array(pv))
            ind = jnp.reshape(jnp.argsort(g, descending=True)[:draws], dims)
    return ind if is_int else jnp.take(Array(value_of(a)), ind, axis)


def exponential(key: Any, shape: Any = (), dtype: Any = None) -> Array:
    u = _uniform(_key(key), _shape(shape), dtype, 0.0, 1.0)
    return Array(ops.neg(ops.log1p(ops.neg(u))))
