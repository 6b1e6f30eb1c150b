"""``jax.nn``: activations and helpers on jnp arrays, and ``jax.nn.initializers``.
Mirrors: jax.nn."""

from __future__ import annotations

import math
from typing import Any

from workbench.backend import dtypes
from workbench.core import composites, ops
from workbench.core.primitive import normalize_axes
from workbench.functional import numpy as jnp
from workbench.functional.array import Array, canonical, default_float, value_of


def _float(x: Any) -> Any:
    v = value_of(x)
    return v if dtypes.is_float(v.dtype) else ops.cast(v, default_float())


def relu(x: Any) -> Array:
    return Array(ops.relu(_float(x)))


def relu6(x: Any) -> Array:
    """min(max(x, 0), 6), with derivative 0 at both kinks (JAX's rule)."""
    v = Array(_float(x))
    return jnp.where((v > 0) & (v < 6), v, jnp.where(v >= 6, 6.0, 0.0).astype(v.dtype))


def sigmoid(x: Any) -> Array:
    return Array(ops.logistic(_float(x)))


def log_sigmoid(x: Any) -> Array:
    return -softplus(-Array(_float(x)))


def softplus(x: Any) -> Array:
    return Array(composites.softplus(_float(x)))


def silu(x: Any) -> Array:
    return Array(composites.silu(_float(x)))


swish = silu


def gelu(x: Any, approximate: bool = True) -> Array:
    """GELU; the tanh approximation by default, as in JAX."""
    return Array(composites.gelu(_float(x), approximate))


def elu(x: Any, alpha: float = 1.0) -> Array:
    v = _float(x)
    return Array(ops.select(ops.gt(v, 0), v, ops.mul(ops.expm1(ops.minimum(v, 0.0)), alpha)))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Array:
    v = _float(x)
    return Array(ops.select(ops.ge(v, 0), v, ops.mul(v, negative_slope)))


def tanh(x: Any) -> Array:
    return Array(ops.tanh(_float(x)))


def softmax(x: Any, axis: int = -1, where: Any = None) -> Array:
    return Array(composites.softmax(_float(x), axis))


def log_softmax(x: Any, axis: int = -1, where: Any = None) -> Array:
    return Array(composites.log_softmax(_float(x), axis))


def logsumexp(
    a: Any, axis: Any = None, keepdims: bool = False, b: Any = None, return_sign: bool = False
) -> Array:
    v = _float(a)
    axes = (
        tuple(range(v.ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    )
    axes = normalize_axes("logsumexp", axes, v.ndim)
    return Array(ops.logsumexp(v, axes=axes, keepdims=keepdims))


def one_hot(x: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> Array:
    """Mirrors: jax.nn.one_hot (out-of-range labels give all zeros)."""
    v = value_of(x)
    out = composites.one_hot(v, int(num_classes), canonical(dtype) if dtype else default_float())
    if axis not in (-1, out.ndim - 1):
        out = jnp.moveaxis(Array(out), -1, axis)._value
    return Array(out)


def standardize(
    x: Any,
    axis: Any = -1,
    mean: Any = None,
    variance: Any = None,
    epsilon: float = 1e-5,
    where: Any = None,
    *,
    algorithm: str = "fast",
) -> Array:
    """(x - mean) / sqrt(variance + epsilon) over ``axis``; the "fast" variance is
    E[x²] - E[x]² (one pass, JAX's default), "stable" is E[(x - E[x])²]."""
    v = Array(_float(x))
    if mean is None:
        mean = jnp.mean(v, axis, keepdims=True)
    if variance is None:
        if algorithm == "fast":
            variance = jnp.mean(jnp.square(v), axis, keepdims=True) - jnp.square(mean)
        else:
            variance = jnp.mean(jnp.square(v - mean), axis, keepdims=True)
    return (v - mean) * jnp.reciprocal(jnp.sqrt(variance + epsilon))


normalize = standardize


def selu(x: Any) -> Array:
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return elu(x, alpha) * scale


def celu(x: Any, alpha: float = 1.0) -> Array:
    v = Array(_float(x))
    return jnp.where(v > 0, v, alpha * jnp.expm1(jnp.minimum(v, 0.0) / alpha))


def glu(x: Any, axis: int = -1) -> Array:
    a, b = jnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def hard_tanh(x: Any) -> Array:
    """x clipped to [-1, 1], with derivative 1 at the kinks (JAX's rule)."""
    v = Array(_float(x))
    return jnp.where(v > 1, 1.0, jnp.where(v < -1, -1.0, v)).astype(v.dtype)


def hard_sigmoid(x: Any) -> Array:
    return relu6(Array(_float(x)) + 3.0) / 6.0


def hard_silu(x: Any) -> Array:
    return Array(_float(x)) * hard_sigmoid(x)


hard_swish = hard_silu


def identity(x: Any) -> Array:
    return jnp.asarray(x)


def mish(x: Any) -> Array:
    return Array(_float(x)) * tanh(softplus(x))


def soft_sign(x: Any) -> Array:
    v = Array(_float(x))
    return v / (jnp.abs(v) + 1)


def squareplus(x: Any, b: float = 4) -> Array:
    v = Array(_float(x))
    return (v + jnp.sqrt(v * v + b)) / 2


def sparse_plus(x: Any) -> Array:
    v = Array(_float(x))
    return jnp.where(v <= -1.0, 0.0, jnp.where(v >= 1.0, v, (v + 1.0) ** 2 / 4))


def sparse_sigmoid(x: Any) -> Array:
    return 0.5 * jnp.clip(Array(_float(x)) + 1.0, 0.0, 2.0)


def log1mexp(x: Any) -> Array:
    """log(1 - exp(-x)), accurate for small and large x."""
    v = Array(_float(x))
    return jnp.where(v > math.log(2), jnp.log1p(-jnp.exp(-v)), jnp.log(-jnp.expm1(-v)))


def logmeanexp(x: Any, axis: Any = None, where: Any = None, keepdims: bool = False) -> Array:
    v = jnp.asarray(x)
    count = (
        v.size
        if axis is None
        else math.prod(v.shape[a] for a in ((axis,) if isinstance(axis, int) else axis))
    )
    return logsumexp(v, axis=axis, keepdims=keepdims) - math.log(count)


def dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    bias: Any = None,
    mask: Any = None,
    *,
    scale: float | None = None,
    is_causal: bool = False,
    query_seq_lengths: Any = None,
    key_value_seq_lengths: Any = None,
    local_window_size: Any = None,
    implementation: Any = None,
    return_residual: bool = False,
) -> Array:
    """softmax(q·kᵀ·scale + bias, masked) · v over arrays laid out (batch, length, heads,
    head size) — or without the batch — with fewer key/value heads shared by groups of
    query heads. Mirrors: jax.nn.dot_product_attention (its "xla" implementation)."""
    q, k, v = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    unbatched = q.ndim == 3
    if unbatched:
        q, k, v = q[None], k[None], v[None]
    heads, kv_heads = q.shape[2], k.shape[2]
    if heads % kv_heads:
        raise ValueError(f"dot_product_attention: {heads} query heads over {kv_heads} kv heads")
    if kv_heads != heads:
        k = jnp.repeat(k, heads // kv_heads, axis=2)
        v = jnp.repeat(v, heads // kv_heads, axis=2)
    factor = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = jnp.einsum("BTNH,BSNH->BNTS", q, k) * factor
    if bias is not None:
        logits = logits + jnp.asarray(bias)
    keep = None
    if mask is not None:
        keep = jnp.asarray(mask).astype(bool)
    t, s = logits.shape[-2], logits.shape[-1]
    if is_causal:
        causal = jnp.tril(jnp.ones((t, s), bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = jnp.where(keep, logits, jnp.finfo(logits.dtype).min)
    weights = softmax(logits.astype(jnp.float32), axis=-1).astype(q.dtype)
    out = jnp.einsum("BNTS,BSNH->BTNH", weights, v)
    return out[0] if unbatched else out


from workbench.functional.nn import initializers  # noqa: E402, F401
