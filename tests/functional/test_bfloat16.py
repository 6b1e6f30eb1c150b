"""bfloat16 (from ml_dtypes, as JAX has it) in the functional front end: JAX's promotion
table, values, gradients and jit, against real JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

TYPES = ["bool", "uint8", "int8", "int16", "int32", "float16", "bfloat16", "float32", "float64"]


@pytest.mark.parametrize("a", TYPES)
@pytest.mark.parametrize("b", TYPES)
def test_promotion_table_equals_jax(a: str, b: str) -> None:
    assert wnp.promote_types(a, b) == jnp.promote_types(a, b)


def test_weak_scalars_keep_bfloat16() -> None:
    for mod in (wnp, jnp):
        x = mod.ones(3, mod.bfloat16)
        assert (x * 2).dtype == (x + 1.5).dtype == mod.bfloat16
        assert (x + mod.ones(3, mod.float32)).dtype == mod.float32
        assert (x + mod.ones(3, mod.float16)).dtype == mod.float32


def _model(mod: Any, j: Any) -> Any:
    def loss(w: Any, x: Any) -> Any:
        h = mod.tanh(x @ w)
        return mod.mean(mod.exp(-(h**2)))

    w = mod.asarray(np.linspace(-1, 1, 12).reshape(4, 3), dtype=mod.bfloat16)
    x = mod.asarray(np.linspace(0, 2, 8).reshape(2, 4), dtype=mod.bfloat16)
    value, grad = j.jit(j.value_and_grad(loss))(w, x)
    return value, grad, mod.sort(x.ravel())[::-1], mod.cumsum(w, axis=0)


def test_a_bfloat16_model_matches_jax() -> None:
    for ours, theirs in zip(_model(wnp, wjax), _model(jnp, jax)):
        assert ours.dtype == theirs.dtype == jnp.bfloat16
        # one bfloat16 rounding step is 2**-8 relative: allow two
        np.testing.assert_allclose(
            np.asarray(ours, np.float32), np.asarray(theirs, np.float32), rtol=2**-7, atol=2**-7
        )


def test_bfloat16_linear_algebra_factors_in_float32() -> None:
    # JAX's CPU backend has no bfloat16 inverse; the workbench factors in float32 and
    # rounds back, so the result is the rounded float32 inverse.
    a = np.array([[4.0, 1.0], [2.0, 3.0]], dtype=jnp.bfloat16)
    ours = wnp.linalg.inv(a)
    assert ours.dtype == jnp.bfloat16
    want = np.linalg.inv(a.astype(np.float32)).astype(jnp.bfloat16)
    np.testing.assert_array_equal(np.asarray(ours), want)


def test_bfloat16_round_trips_exactly() -> None:
    host = np.array([1.0, 1.00390625, 3.14159, -2.5e-3, 3e38], dtype=jnp.bfloat16)
    np.testing.assert_array_equal(np.asarray(wnp.asarray(host)), host)
    assert wnp.asarray(host).dtype == jnp.bfloat16
    assert str(wnp.finfo(wnp.bfloat16).eps) == str(jnp.finfo(jnp.bfloat16).eps)
