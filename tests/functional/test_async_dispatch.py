"""Asynchronous dispatch: a jitted call on enough data returns before its result is
computed (shape and dtype known at once), reading the value waits, errors surface when
the value is read; small calls, calls under a transformation and the profiler stay
synchronous."""

from __future__ import annotations

import numpy as np

import workbench.functional as jax
import workbench.functional.numpy as jnp
from workbench.functional import async_dispatch


def _big() -> jax.Array:
    data = np.random.default_rng(0).standard_normal((1500, 1500)).astype(np.float32)
    return jnp.asarray(data)


def test_a_large_call_returns_pending_and_waits_when_read() -> None:
    x = _big()
    square = jax.jit(lambda a: jnp.tanh(a @ a))
    out = square(x)
    assert isinstance(out, async_dispatch.PendingArray) and type(out).__name__ == "Array"
    assert out.shape == (1500, 1500) and out.dtype == np.float32
    want = np.tanh(np.asarray(x, np.float64) @ np.asarray(x, np.float64))
    np.testing.assert_allclose(np.asarray(out.block_until_ready()), want, atol=5e-4)
    assert out.is_ready()
    chained = square(out)  # a pending array as the next call's argument
    assert float(chained.sum()) == float(np.asarray(chained).sum())


def test_small_calls_and_transformed_calls_stay_synchronous() -> None:
    double = jax.jit(lambda a: a * 2)
    assert not isinstance(double(jnp.ones(3)), async_dispatch.PendingArray)
    x = _big()
    grads = jax.grad(lambda a: jax.jit(lambda b: (b @ b).sum())(a))(x)
    assert not isinstance(grads, async_dispatch.PendingArray)
    rows = jax.vmap(jax.jit(lambda r: r * 2))(x)
    assert not isinstance(rows, async_dispatch.PendingArray)


def test_an_error_in_the_work_surfaces_when_the_value_is_read() -> None:
    def boom(v: np.ndarray) -> np.ndarray:
        raise RuntimeError("the work failed")

    f = jax.jit(lambda a: jax.pure_callback(boom, jax.ShapeDtypeStruct(a.shape, a.dtype), a))
    out = f(_big())
    try:
        np.asarray(out)
    except RuntimeError as err:
        assert "the work failed" in str(err)
    else:
        raise AssertionError("the worker's error was lost")
