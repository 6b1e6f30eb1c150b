"""``jax.nn``: activations and helpers on jnp arrays, and ``jax.nn.initializers``.
Mirrors: jax.nn."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import composites, ops
from workbench.functional import numpy as jnp
from workbench.functional import random as jrandom
from workbench.functional.array import Array, canonical, default_float, value_of


def _float(x: Any) -> Any:
    v = value_of(x)
    return v if dtypes.is_float(v.dtype) else ops.cast(v, default_float())


def relu(x: Any) -> Array:
    return Array(ops.relu(_float(x)))


def relu6(x: Any) -> Array:
    return Array(ops.minimum(ops.relu(_float(x)), 6.0))


def sigmoid(x: Any) -> Array:
    return Array(ops.logistic(_float(x)))


def log_sigmoid(x: Any) -> Array:
    return -softplus(-Array(_float(x)))


def softplus(x: Any) -> Array:
    v = _float(x)
    return Array(ops.add(ops.relu(v), ops.log1p(ops.exp(ops.neg(ops.abs(v))))))


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
    return Array(ops.logsumexp(v, axes=tuple(x % max(v.ndim, 1) for x in axes), keepdims=keepdims))


def one_hot(x: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> Array:
    """Mirrors: jax.nn.one_hot (out-of-range labels give all zeros)."""
    v = value_of(x)
    out = composites.one_hot(v, int(num_classes), canonical(dtype) if dtype else default_float())
    if axis not in (-1, out.ndim - 1):
        out = jnp.moveaxis(Array(out), -1, axis)._value
    return Array(out)


def standardize(x: Any, axis: int = -1, epsilon: float = 1e-5) -> Array:
    mean = jnp.mean(x, axis, keepdims=True)
    var = jnp.var(x, axis, keepdims=True)
    return (jnp.asarray(x) - mean) / jnp.sqrt(var + epsilon)


normalize = standardize


# ---------------------------------------------------------------------------------------
# jax.nn.initializers: functions (key, shape, dtype) -> array


def _fans(shape: tuple[int, ...], in_axis: int = -2, out_axis: int = -1) -> tuple[float, float]:
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return float(n), float(n)
    receptive = math.prod(shape) / (shape[in_axis] * shape[out_axis])
    return shape[in_axis] * receptive, shape[out_axis] * receptive


def variance_scaling(
    scale: float,
    mode: str,
    distribution: str,
    in_axis: int = -2,
    out_axis: int = -1,
    dtype: Any = None,
) -> Any:
    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        dims = tuple(int(s) for s in shape)
        fan_in, fan_out = _fans(dims, in_axis, out_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / n
        if distribution == "truncated_normal":
            std = math.sqrt(variance) / 0.87962566103423978
            return jrandom.truncated_normal(key, -2, 2, dims, dtype) * std
        if distribution == "normal":
            return jrandom.normal(key, dims, dtype) * math.sqrt(variance)
        limit = math.sqrt(3 * variance)
        return jrandom.uniform(key, dims, dtype, -limit, limit)

    return init


def _constant(value: float) -> Any:
    def make(dtype: Any = None) -> Any:
        return lambda key, shape, dtype=dtype: jnp.full(
            tuple(shape), value, dtype or default_float()
        )

    return make


initializers = SimpleNamespace(
    zeros=lambda key, shape, dtype=None: jnp.zeros(tuple(shape), dtype),
    ones=lambda key, shape, dtype=None: jnp.ones(tuple(shape), dtype),
    constant=lambda value, dtype=None: (
        lambda key, shape, dtype=dtype: jnp.full(tuple(shape), value, dtype or default_float())
    ),
    normal=lambda stddev=1e-2, dtype=None: (
        lambda key, shape, dtype=dtype: jrandom.normal(key, shape, dtype) * stddev
    ),
    uniform=lambda scale=1e-2, dtype=None: (
        lambda key, shape, dtype=dtype: jrandom.uniform(key, shape, dtype, 0.0, scale)
    ),
    variance_scaling=variance_scaling,
    glorot_uniform=lambda in_axis=-2, out_axis=-1, dtype=None: variance_scaling(
        1.0, "fan_avg", "uniform", in_axis, out_axis, dtype
    ),
    glorot_normal=lambda in_axis=-2, out_axis=-1, dtype=None: variance_scaling(
        1.0, "fan_avg", "truncated_normal", in_axis, out_axis, dtype
    ),
    lecun_normal=lambda in_axis=-2, out_axis=-1, dtype=None: variance_scaling(
        1.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype
    ),
    lecun_uniform=lambda in_axis=-2, out_axis=-1, dtype=None: variance_scaling(
        1.0, "fan_in", "uniform", in_axis, out_axis, dtype
    ),
    he_normal=lambda in_axis=-2, out_axis=-1, dtype=None: variance_scaling(
        2.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype
    ),
    he_uniform=lambda in_axis=-2, out_axis=-1, dtype=None: variance_scaling(
        2.0, "fan_in", "uniform", in_axis, out_axis, dtype
    ),
)
initializers.xavier_uniform = initializers.glorot_uniform
initializers.xavier_normal = initializers.glorot_normal
initializers.kaiming_normal = initializers.he_normal
initializers.kaiming_uniform = initializers.he_uniform
_np = np
