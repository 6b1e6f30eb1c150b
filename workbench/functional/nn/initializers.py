"""``jax.nn.initializers``: functions ``(key, shape, dtype) -> array`` that make initial
parameters, drawing from ``jax.random`` so the numbers equal JAX's for the same key.
Mirrors: jax.nn.initializers."""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from workbench.functional import numpy as jnp
from workbench.functional import random as jrandom
from workbench.functional.array import Array, default_float


class Initializer(Protocol):
    def __call__(self, key: Any, shape: Any, dtype: Any = None) -> Array: ...


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


def zeros(key: Any, shape: Any, dtype: Any = None) -> Array:
    return jnp.zeros(tuple(shape), dtype)


def ones(key: Any, shape: Any, dtype: Any = None) -> Array:
    return jnp.ones(tuple(shape), dtype)


def constant(value: Any, dtype: Any = None) -> Initializer:
    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        return jnp.full(tuple(shape), value, dtype or default_float())

    return init


def normal(stddev: float = 1e-2, dtype: Any = None) -> Initializer:
    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        return jrandom.normal(key, shape, dtype) * stddev

    return init


def truncated_normal(
    stddev: float = 1e-2, dtype: Any = None, lower: float = -2.0, upper: float = 2.0
) -> Initializer:
    """Normal numbers cut to [lower, upper] standard deviations, times ``stddev``."""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        return jrandom.truncated_normal(key, lower, upper, shape, dtype) * stddev

    return init


def uniform(scale: float = 1e-2, dtype: Any = None) -> Initializer:
    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        return jrandom.uniform(key, shape, dtype, 0.0, scale)

    return init


def _scaling(scale: float, mode: str, distribution: str) -> Any:
    def make(in_axis: int = -2, out_axis: int = -1, dtype: Any = None) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, dtype)

    return make


glorot_uniform = xavier_uniform = _scaling(1.0, "fan_avg", "uniform")
glorot_normal = xavier_normal = _scaling(1.0, "fan_avg", "truncated_normal")
lecun_uniform = _scaling(1.0, "fan_in", "uniform")
lecun_normal = _scaling(1.0, "fan_in", "truncated_normal")
he_uniform = kaiming_uniform = _scaling(2.0, "fan_in", "uniform")
he_normal = kaiming_normal = _scaling(2.0, "fan_in", "truncated_normal")


def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """A matrix with orthonormal columns (or rows, if wider than tall) from the QR of a
    normal one, signs fixed by R's diagonal (JAX's construction)."""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        dims = tuple(int(s) for s in shape)
        if len(dims) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        n_cols = dims[column_axis]
        n_rows = math.prod(dims) // n_cols
        matrix = (n_cols, n_rows) if n_rows < n_cols else (n_rows, n_cols)
        q, r = jnp.linalg.qr(jrandom.normal(key, matrix, dtype))
        q = q * jnp.sign(jnp.diagonal(r))[None, :]
        if n_rows < n_cols:
            q = q.T
        rest = tuple(np.delete(np.array(dims), column_axis % len(dims)))
        q = jnp.reshape(q, rest + (n_cols,))
        return jnp.moveaxis(q, -1, column_axis) * scale

    return init


def delta_orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """A convolution kernel that is orthogonal at its centre and zero elsewhere."""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Array:
        dims = tuple(int(s) for s in shape)
        if len(dims) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if dims[-1] < dims[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        centre = orthogonal(scale, column_axis, dtype)(key, dims[-2:], dtype)
        middle = tuple(s // 2 for s in dims[:-2])
        return jnp.zeros(dims, centre.dtype).at[middle].set(centre)

    return init
