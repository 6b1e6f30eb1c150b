"""``jax.example_libraries`` against JAX's own: stax models built from the same key start
from JAX's weights and train with each optimizer (and a schedule) to JAX's numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wf
import workbench.functional.numpy as wjnp
from workbench.functional.example_libraries import optimizers as wopt
from workbench.functional.example_libraries import stax as wstax


def _model(stax: Any, conv: bool) -> tuple[Any, tuple[int, ...]]:
    if conv:
        layers = (
            stax.Conv(4, (3, 3), padding="SAME"), stax.Relu, stax.MaxPool((2, 2), (2, 2)),
            stax.Conv(2, (3, 3)), stax.AvgPool((2, 2)), stax.Flatten, stax.Dense(3),
            stax.LogSoftmax,
        )  # fmt: skip
        return stax.serial(*layers), (2, 8, 8, 1)
    layers = (stax.Dense(8), stax.Relu, stax.Dense(8), stax.Tanh, stax.Dense(3), stax.LogSoftmax)
    return stax.serial(*layers), (4, 5)


def _train(
    jax: Any, np_: Any, stax: Any, opt: Any, conv: bool, name: str, jit: bool = False
) -> Any:
    (init, apply), shape = _model(stax, conv)
    out_shape, params = init(jax.random.PRNGKey(0), shape)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 1][: shape[0]]]

    def loss(p: Any) -> Any:
        return -np_.mean(np_.sum(apply(p, x) * y, axis=1))

    maker = {
        "sgd": lambda: opt.sgd(0.1),
        "momentum": lambda: opt.momentum(0.05, 0.9),
        "nesterov": lambda: opt.nesterov(0.05, 0.9),
        "adagrad": lambda: opt.adagrad(0.1),
        "rmsprop": lambda: opt.rmsprop(0.01),
        "adam": lambda: opt.adam(opt.exponential_decay(1e-2, 10, 0.5)),
        "adamax": lambda: opt.adamax(0.01),
    }[name]
    opt_init, opt_update, get_params = maker()
    state = opt_init(params)
    losses = []
    step = jax.value_and_grad(loss)
    step = jax.jit(step) if jit else step
    for i in range(5):
        value, grads = step(get_params(state))
        losses.append(float(value))
        state = opt_update(i, grads, state)
    return tuple(int(s) for s in out_shape), losses, jax.tree_util.tree_leaves(get_params(state))


@pytest.mark.parametrize("conv", [False, True], ids=["mlp", "conv"])
@pytest.mark.parametrize(
    "name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamax"]
)
def test_stax_models_train_to_jaxs_numbers(conv: bool, name: str, real_jax: Any) -> None:
    import jax.numpy as jnp
    from jax.example_libraries import optimizers as jopt
    from jax.example_libraries import stax as jstax

    ours = _train(wf, wjnp, wstax, wopt, conv, name)
    theirs = _train(real_jax, jnp, jstax, jopt, conv, name)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5)
    for a, b in zip(ours[2], theirs[2], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_a_jitted_stax_cnn_trains_to_jaxs_numbers(name: str, real_jax: Any) -> None:
    """Compiled, a plan shares each convolution's im2col rows with its weight gradient;
    the jitted steps still train to jax.jit's numbers."""
    import jax.numpy as jnp
    from jax.example_libraries import optimizers as jopt
    from jax.example_libraries import stax as jstax

    ours = _train(wf, wjnp, wstax, wopt, True, name, jit=True)
    theirs = _train(real_jax, jnp, jstax, jopt, True, name, jit=True)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5)
    for a, b in zip(ours[2], theirs[2], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)


def test_dropout_needs_a_key_and_schedules_and_clipping_follow_jax(real_jax: Any) -> None:
    from jax.example_libraries import optimizers as jopt

    _, apply = wstax.Dropout(0.5)
    with pytest.raises(ValueError, match="PRNG key"):
        apply((), np.ones(3, np.float32))
    for schedule in ("inverse_time_decay", "polynomial_decay"):
        ours = getattr(wopt, schedule)(0.1, 10, 0.5)
        theirs = getattr(jopt, schedule)(0.1, 10, 0.5)
        for i in (0, 3, 20):
            assert float(ours(i)) == pytest.approx(float(theirs(i)), rel=1e-6)
    grads = {"a": np.full(3, 2.0, np.float32), "b": np.full(2, -1.0, np.float32)}
    clipped, reference = wopt.clip_grads(grads, 1.0), jopt.clip_grads(grads, 1.0)
    for k in grads:
        np.testing.assert_allclose(np.asarray(clipped[k]), np.asarray(reference[k]), rtol=1e-6)
