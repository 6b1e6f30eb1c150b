"""Against JAX: ``jax_debug_nans`` raises FloatingPointError naming the primitive (eager,
under jit and under grad), ``random.split`` refuses a fractional count, and gradients at
kinks follow JAX (|x|' = 1 at 0, softplus' = 1/2 at 0, the norm of the zero vector NaN)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wjnp

jax = pytest.importorskip("jax")


@pytest.fixture
def debug_nans() -> Any:
    for lib in (jax, wjax):
        lib.config.update("jax_debug_nans", True)
    yield
    for lib in (jax, wjax):
        lib.config.update("jax_debug_nans", False)


def test_debug_nans_names_the_primitive(debug_nans: Any) -> None:
    cases = [
        ("log", lambda j, jnp: jnp.log(-1.0)),
        ("sqrt", lambda j, jnp: j.jit(lambda x: jnp.sqrt(x) * 2)(-1.0)),
        ("sqrt", lambda j, jnp: j.grad(lambda x: jnp.sqrt(x))(-1.0)),
    ]
    for primitive, call in cases:
        with pytest.raises(
            FloatingPointError, match=f"invalid value \\(nan\\) encountered in {primitive}"
        ):
            call(jax, jax.numpy)
        with pytest.raises(
            FloatingPointError, match=f"invalid value \\(nan\\) encountered in {primitive}"
        ):
            call(wjax, wjnp)
    assert float(wjax.jit(lambda x: wjnp.sqrt(x) * 2)(4.0)) == 4.0  # no NaN: runs as usual


def test_debug_nans_off_by_default() -> None:
    with np.errstate(invalid="ignore"):
        assert np.isnan(float(wjnp.log(-1.0)))


def test_split_refuses_a_fraction() -> None:
    for lib in (jax, wjax):
        with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
            lib.random.split(lib.random.PRNGKey(0), 2.5)
    assert wjax.random.split(wjax.random.PRNGKey(0), np.int64(3)).shape == (3, 2)


KINKS: list[tuple[str, Callable[[Any, Any], Any], Any]] = [
    ("abs", lambda j, x: j.numpy.abs(x), 0.0),
    ("abs_negative", lambda j, x: j.numpy.abs(x), -2.0),
    ("softplus", lambda j, x: j.nn.softplus(x), 0.0),
    ("softplus_far", lambda j, x: j.nn.softplus(x), -100.0),
    ("log_sigmoid", lambda j, x: j.nn.log_sigmoid(x), 0.0),
    ("relu", lambda j, x: j.nn.relu(x), 0.0),
    ("norm_zero", lambda j, x: j.numpy.linalg.norm(x), np.zeros(3, np.float32)),
]


@pytest.mark.parametrize("case", KINKS, ids=[c[0] for c in KINKS])
def test_gradients_at_kinks_as_jax(case: Any) -> None:
    _, fn, point = case
    theirs = np.asarray(jax.grad(lambda x: fn(jax, x))(point))
    ours = np.asarray(wjax.grad(lambda x: fn(wjax, x))(point))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-30, equal_nan=True)
    assert float(np.abs(wjnp.abs(np.float32(-0.0)))) == 0.0 and not np.signbit(
        np.asarray(wjnp.abs(np.float32(-0.0)))
    )


def test_clear_errors_as_jax() -> None:
    for lib, jnp in ((jax, jax.numpy), (wjax, wjnp)):
        with pytest.raises(ValueError, match="rank should be at least 2, but is only 1"):
            lib.vmap(lambda x: x * 2, in_axes=1)(jnp.ones(3))
        with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values"):
            lib.jit(lambda k, n=jnp: n.zeros(k))(3)
        assert lib.jit(lambda k, n=jnp: n.zeros(k), static_argnums=0)(3).shape == (3,)
