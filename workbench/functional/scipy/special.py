"""Mirrors: jax.scipy.special — the functions machine-learning code reaches for, each
written with jnp so it differentiates, vectorises and compiles like the rest."""

from __future__ import annotations

import math
from typing import Any

from workbench.core import ops
from workbench.functional import numpy as jnp
from workbench.functional.array import Array


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """log Σ b·eᵃ over ``axis`` without overflow (with the sign when asked)."""
    a = jnp.asarray(a)
    top = jnp.max(a, axis=axis, keepdims=True)
    top = jnp.where(jnp.isfinite(top), top, 0)
    top = ops.stop_gradient(top._value)
    scaled = jnp.exp(a - Array(top))
    if b is not None:
        scaled = scaled * b
    total = jnp.sum(scaled, axis=axis, keepdims=True)
    sign = jnp.sign(total)
    out = jnp.log(jnp.abs(total)) + Array(top)
    if not keepdims:
        out = jnp.squeeze(out, axis=axis) if axis is not None else jnp.reshape(out, ())
        sign = jnp.squeeze(sign, axis=axis) if axis is not None else jnp.reshape(sign, ())
    return (out, sign) if return_sign else out


def expit(x: Any) -> Array:
    return jnp.asarray(1.0) / (1.0 + jnp.exp(-jnp.asarray(x)))


def logit(x: Any) -> Array:
    x = jnp.asarray(x)
    return jnp.log(x / (1 - x))


def erf(x: Any) -> Array:
    return Array(ops.erf(jnp._float(jnp.asarray(x)._value)))


def erfc(x: Any) -> Array:
    return 1.0 - erf(x)


def erfinv(x: Any) -> Array:
    return Array(ops.erf_inv(jnp._float(jnp.asarray(x)._value)))


def ndtr(x: Any) -> Array:
    """The standard normal CDF."""
    return 0.5 * (1.0 + erf(jnp.asarray(x) / math.sqrt(2.0)))


def ndtri(p: Any) -> Array:
    """The standard normal quantile (the inverse of ndtr)."""
    return math.sqrt(2.0) * erfinv(2.0 * jnp.asarray(p) - 1.0)


def log_ndtr(x: Any) -> Array:
    return jnp.log(ndtr(x))


def xlogy(x: Any, y: Any) -> Array:
    x, y = jnp.asarray(x), jnp.asarray(y)
    return jnp.where(x == 0, 0.0, x * jnp.log(jnp.where(x == 0, 1.0, y)))


def xlog1py(x: Any, y: Any) -> Array:
    x, y = jnp.asarray(x), jnp.asarray(y)
    return jnp.where(x == 0, 0.0, x * jnp.log1p(jnp.where(x == 0, 0.0, y)))


def entr(x: Any) -> Array:
    x = jnp.asarray(x)
    return jnp.where(x > 0, -xlogy(x, x), jnp.where(x == 0, 0.0, -jnp.inf))


def softmax(x: Any, axis: int = -1) -> Array:
    from workbench.functional import nn  # noqa: PLC0415

    return nn.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Array:
    from workbench.functional import nn  # noqa: PLC0415

    return nn.log_softmax(x, axis=axis)


def gammaln(x: Any) -> Array:
    """log Γ(x) for x > 0 (Lanczos, g = 7, nine terms: float64-accurate to ~1e-15)."""
    x = jnp.asarray(x)
    coefficients = (
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012,
        9.9843695780195716e-6, 1.5056327351493116e-7,
    )  # fmt: skip
    z = x - 1.0
    series = coefficients[0] + sum(c / (z + i) for i, c in enumerate(coefficients[1:], start=1))
    t = z + 7.5
    return 0.5 * math.log(2 * math.pi) + (z + 0.5) * jnp.log(t) - t + jnp.log(series)


def digamma(x: Any) -> Array:
    """ψ(x) = d/dx log Γ(x) for x > 0: the recurrence up to x ≥ 6, then the asymptotic
    series."""
    x = jnp.asarray(x)
    shift = 0.0
    for _ in range(6):
        small = x < 6
        shift = shift - jnp.where(small, 1.0 / x, 0.0)
        x = jnp.where(small, x + 1.0, x)
    inv2 = 1.0 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
    return shift + jnp.log(x) - 0.5 / x - series


__all__ = [
    "digamma", "entr", "erf", "erfc", "erfinv", "expit", "gammaln", "log_ndtr",
    "log_softmax", "logit", "logsumexp", "ndtr", "ndtri", "softmax", "xlog1py", "xlogy",
]  # fmt: skip
