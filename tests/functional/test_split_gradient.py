"""``jnp.split`` and ``tf.split`` are one core split, whose gradient is one concatenate
(not a pad and an add per piece, which an LSTM step paid four times over)."""

from __future__ import annotations

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wjnp
import workbench.static as wtf


def _loss(jnp: object, x: object) -> object:
    n = jnp  # type: ignore[assignment]
    i, f, g, o = n.split(x, 4, axis=-1)
    return n.sum(n.tanh(i) * f + g * g - 2 * o)


def test_split_gradient_is_one_concatenate_and_matches_jax() -> None:
    x = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    text = str(wjax.make_jaxpr(wjax.grad(lambda v: _loss(wjnp, v)))(x))
    assert "concatenate" in text and " pad" not in text
    jax = pytest.importorskip("jax")
    expected = jax.grad(lambda v: _loss(jax.numpy, v))(x)
    got = wjax.grad(lambda v: _loss(wjnp, v))(wjnp.asarray(x))
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)
    uneven = wjnp.split(wjnp.arange(10), [3, 3, 7])  # an empty piece, as NumPy allows
    assert [p.shape for p in uneven] == [(3,), (0,), (4,), (3,)]


def test_tf_split_gradient_matches_tensorflow() -> None:
    tf = pytest.importorskip("tensorflow")
    x = np.random.default_rng(1).standard_normal((2, 6)).astype(np.float32)
    grads = []
    for t in (wtf, tf):
        v = t.Variable(x)
        with t.GradientTape() as tape:
            a, b, c = t.split(v, [1, 2, 3], axis=1)
            loss = t.reduce_sum(a * 3.0) + t.reduce_sum(b * b) + t.reduce_sum(t.sin(c))
        grads.append(tape.gradient(loss, v).numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
