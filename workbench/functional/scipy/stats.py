"""Mirrors: jax.scipy.stats — log densities, densities and distribution functions of the
distributions models use, written with jnp (differentiable in every argument)."""

from __future__ import annotations

import math
import types
from typing import Any

from workbench.functional import numpy as jnp
from workbench.functional.array import Array
from workbench.functional.scipy import special

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _norm_logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Array:
    z = (jnp.asarray(x) - loc) / scale
    return -0.5 * z * z - _LOG_SQRT_2PI - jnp.log(jnp.asarray(scale, dtype=z.dtype))


def _norm_cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Array:
    return special.ndtr((jnp.asarray(x) - loc) / scale)


def _norm_ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Array:
    return special.ndtri(q) * scale + loc


norm = types.SimpleNamespace(
    logpdf=_norm_logpdf,
    pdf=lambda x, loc=0, scale=1: jnp.exp(_norm_logpdf(x, loc, scale)),
    cdf=_norm_cdf,
    logcdf=lambda x, loc=0, scale=1: jnp.log(_norm_cdf(x, loc, scale)),
    ppf=_norm_ppf,
    sf=lambda x, loc=0, scale=1: 1.0 - _norm_cdf(x, loc, scale),
)


def _mvn_logpdf(x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Array:
    from workbench.functional import linalg  # noqa: PLC0415
    from workbench.functional.scipy import linalg as sp_linalg  # noqa: PLC0415

    x, mean, cov = jnp.asarray(x), jnp.asarray(mean), jnp.asarray(cov)
    d = x.shape[-1]
    low = linalg.cholesky(cov)
    diff = x - mean
    solved = sp_linalg.solve_triangular(low, jnp.reshape(diff, (-1, d)).T, lower=True)
    maha = jnp.sum(solved * solved, axis=0)
    log_det = 2 * jnp.sum(jnp.log(jnp.diagonal(low)))
    out = -0.5 * (maha + log_det + d * math.log(2 * math.pi))
    return jnp.reshape(out, diff.shape[:-1])


multivariate_normal = types.SimpleNamespace(
    logpdf=_mvn_logpdf, pdf=lambda x, mean, cov: jnp.exp(_mvn_logpdf(x, mean, cov))
)


def _bernoulli_logpmf(k: Any, p: Any, loc: Any = 0) -> Array:
    k = jnp.asarray(k) - loc
    return special.xlogy(k, p) + special.xlog1py(1 - k, -jnp.asarray(p))


bernoulli = types.SimpleNamespace(
    logpmf=_bernoulli_logpmf, pmf=lambda k, p, loc=0: jnp.exp(_bernoulli_logpmf(k, p, loc))
)


def _uniform_logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Array:
    x = jnp.asarray(x)
    inside = (x >= loc) & (x <= loc + scale)
    return jnp.where(
        inside, -jnp.log(jnp.asarray(scale, dtype=x.dtype) * jnp.ones_like(x)), -jnp.inf
    )


uniform = types.SimpleNamespace(
    logpdf=_uniform_logpdf, pdf=lambda x, loc=0, scale=1: jnp.exp(_uniform_logpdf(x, loc, scale))
)


def _gamma_logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Array:
    y = (jnp.asarray(x) - loc) / scale
    return special.xlogy(a - 1.0, y) - y - special.gammaln(a) - jnp.log(jnp.asarray(scale * 1.0))


gamma = types.SimpleNamespace(
    logpdf=_gamma_logpdf,
    pdf=lambda x, a, loc=0, scale=1: jnp.exp(_gamma_logpdf(x, a, loc, scale)),
)


def _beta_logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Array:
    y = (jnp.asarray(x) - loc) / scale
    log_beta = special.gammaln(a) + special.gammaln(b) - special.gammaln(jnp.asarray(a) + b)
    return (
        special.xlogy(a - 1.0, y)
        + special.xlog1py(b - 1.0, -y)
        - log_beta
        - jnp.log(jnp.asarray(scale * 1.0))
    )


beta = types.SimpleNamespace(
    logpdf=_beta_logpdf,
    pdf=lambda x, a, b, loc=0, scale=1: jnp.exp(_beta_logpdf(x, a, b, loc, scale)),
)


def _t_logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Array:
    y = (jnp.asarray(x) - loc) / scale
    df = jnp.asarray(df * 1.0)
    half = (df + 1.0) / 2.0
    norm_const = special.gammaln(half) - special.gammaln(df / 2.0) - 0.5 * jnp.log(df * math.pi)
    return norm_const - half * jnp.log1p(y * y / df) - jnp.log(jnp.asarray(scale * 1.0))


t = types.SimpleNamespace(
    logpdf=_t_logpdf, pdf=lambda x, df, loc=0, scale=1: jnp.exp(_t_logpdf(x, df, loc, scale))
)


def _poisson_logpmf(k: Any, mu: Any, loc: Any = 0) -> Array:
    k = jnp.asarray(k) - loc
    return special.xlogy(k, mu) - mu - special.gammaln(k + 1.0)


poisson = types.SimpleNamespace(
    logpmf=_poisson_logpmf, pmf=lambda k, mu, loc=0: jnp.exp(_poisson_logpmf(k, mu, loc))
)

__all__ = ["bernoulli", "beta", "gamma", "multivariate_normal", "norm", "poisson", "t", "uniform"]


def _as_modules() -> None:
    """Each distribution is also a module, as in JAX: ``import jax.scipy.stats.norm as
    norm`` and ``from jax.scipy.stats import norm`` give the same functions."""
    import sys  # noqa: PLC0415

    for name in __all__:
        module = types.ModuleType(f"{__name__}.{name}", f"Mirrors: jax.scipy.stats.{name}.")
        module.__dict__.update(vars(globals()[name]))
        sys.modules[module.__name__] = module
        globals()[name] = module


_as_modules()
