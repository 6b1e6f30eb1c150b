"""Random numbers bit-for-bit with JAX, optimisers against optax, an MLP trained 20
steps with adam against JAX + optax, and the Flax-style modules."""

# ruff: noqa: E501 - the case tables keep one case per line

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as jax
import workbench.functional.numpy as jnp
from tests.conftest import PARITY_TOL
from workbench.functional import linen as nn
from workbench.functional import optim

SAMPLERS = {
    "normal": lambda r, k, np_: r.normal(k, (4, 3)),
    "uniform": lambda r, k, np_: r.uniform(k, (5,), minval=-2.0, maxval=3.0),
    "split": lambda r, k, np_: r.split(k, 3),
    "fold_in": lambda r, k, np_: r.fold_in(k, 42),
    "randint": lambda r, k, np_: r.randint(k, (10,), -5, 1000),
    "bernoulli": lambda r, k, np_: r.bernoulli(k, 0.3, (12,)),
    "categorical": lambda r, k, np_: r.categorical(k, np_.array([[0.1, 1.0, 2.0], [3.0, 0.0, -1.0]]), shape=(4, 2)),
    "permutation": lambda r, k, np_: r.permutation(k, 10),
    "permutation_rows": lambda r, k, np_: r.permutation(k, np_.arange(12).reshape(4, 3)),
    "choice": lambda r, k, np_: r.choice(k, 10, (4,)),
    "choice_no_replace": lambda r, k, np_: r.choice(k, 10, (4,), replace=False),
    "choice_p": lambda r, k, np_: r.choice(k, 5, (6,), p=np_.array([0.1, 0.2, 0.3, 0.2, 0.2])),
    "truncated_normal": lambda r, k, np_: r.truncated_normal(k, -1.0, 2.0, (6,)),
    "nested_split_normal": lambda r, k, np_: r.normal(r.split(r.split(k)[1], 4)[2], (3,)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_random_matches_jax(real_jax: Any, name: str) -> None:
    import jax.numpy as rjnp  # noqa: PLC0415

    ours = np.asarray(SAMPLERS[name](jax.random, jax.random.PRNGKey(7), jnp))
    theirs = np.asarray(SAMPLERS[name](real_jax.random, real_jax.random.PRNGKey(7), rjnp))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    if ours.dtype.kind == "f":
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(ours, theirs)


def _train(
    lib: Any, np_: Any, opt: Any, make_optimizer: Any, steps: int = 20
) -> tuple[list[float], dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 5)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    params = {
        "w1": np_.asarray((rng.standard_normal((5, 8)) * 0.3).astype(np.float32)),
        "b1": np_.zeros(8),
        "w2": np_.asarray((rng.standard_normal((8, 3)) * 0.3).astype(np.float32)),
    }

    def loss(p: Any, xb: Any, yb: Any) -> Any:
        logits = lib.nn.relu(xb @ p["w1"] + p["b1"]) @ p["w2"]
        return -np_.mean(np_.take_along_axis(lib.nn.log_softmax(logits), yb[:, None], axis=1))

    optimizer = make_optimizer(opt)
    state = optimizer.init(params)

    @lib.jit
    def step(p: Any, s: Any, xb: Any, yb: Any) -> Any:
        value, grads = lib.value_and_grad(loss)(p, xb, yb)
        updates, s = optimizer.update(grads, s, p)
        return opt.apply_updates(p, updates), s, value

    losses = []
    for _ in range(steps):
        params, state, value = step(params, state, np_.asarray(x), np_.asarray(y))
        losses.append(float(value))
    return losses, {k: np.asarray(v) for k, v in params.items()}


OPTIMIZERS = {
    "adam": lambda o: o.adam(0.01),
    "sgd_nesterov": lambda o: o.sgd(0.1, momentum=0.9, nesterov=True),
    "adamw": lambda o: o.adamw(0.01, weight_decay=0.1),
    "adagrad": lambda o: o.adagrad(0.1),
    "rmsprop_momentum": lambda o: o.rmsprop(0.01, momentum=0.5),
    "rmsprop_centered": lambda o: o.rmsprop(0.01, centered=True),
    "clipped_adam": lambda o: o.chain(o.clip_by_global_norm(0.5), o.adam(0.01)),
    "adam_schedule": lambda o: o.adam(o.exponential_decay(0.01, 5, 0.5)),
    "sgd_cosine": lambda o: o.sgd(o.cosine_decay_schedule(0.1, 10)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_training_matches_jax_and_optax(real_optax: Any, name: str) -> None:
    import jax as rjax  # noqa: PLC0415
    import jax.numpy as rjnp  # noqa: PLC0415

    ours = _train(jax, jnp, optim, OPTIMIZERS[name])
    theirs = _train(rjax, rjnp, real_optax, OPTIMIZERS[name])
    np.testing.assert_allclose(ours[0], theirs[0], **PARITY_TOL)
    for k in ours[1]:
        np.testing.assert_allclose(ours[1][k], theirs[1][k], **PARITY_TOL)
    assert ours[0][-1] < ours[0][0]


class MLP(nn.Module):
    hidden: int
    out: int

    @nn.compact
    def __call__(self, x: Any) -> Any:
        x = nn.relu(nn.Dense(self.hidden)(x))
        x = nn.LayerNorm()(x)
        return nn.Dense(self.out)(x)


class Block(nn.Module):
    features: int

    def setup(self) -> None:
        self.embed = nn.Embed(10, self.features)
        self.attention = nn.MultiHeadDotProductAttention(num_heads=2)
        self.conv = nn.Conv(self.features, (3,))

    def __call__(self, tokens: Any) -> Any:
        h = self.embed(tokens)
        return self.conv(h + self.attention(h))


def test_linen_modules_init_and_apply() -> None:
    model = MLP(hidden=16, out=3)
    x = jnp.ones((4, 5))
    variables = model.init(jax.random.PRNGKey(0), x)
    params = variables["params"]
    assert sorted(params) == ["Dense_0", "Dense_1", "LayerNorm_0"]
    assert params["Dense_0"]["kernel"].shape == (5, 16) and params["LayerNorm_0"][
        "scale"
    ].shape == (16,)
    out = model.apply(variables, x)
    h = np.maximum(
        np.ones((4, 5)) @ np.asarray(params["Dense_0"]["kernel"])
        + np.asarray(params["Dense_0"]["bias"]),
        0,
    )
    h = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + 1e-6)
    h = h * np.asarray(params["LayerNorm_0"]["scale"]) + np.asarray(params["LayerNorm_0"]["bias"])
    expected = h @ np.asarray(params["Dense_1"]["kernel"]) + np.asarray(params["Dense_1"]["bias"])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-6)
    grads = jax.grad(lambda p: jnp.sum(model.apply({"params": p}, x) ** 2))(params)
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(params)
    std = float(np.asarray(params["Dense_0"]["kernel"]).std())
    assert 0.2 < std < 0.6  # lecun_normal: 1/sqrt(5)

    block = Block(features=8)
    tokens = jnp.array([[1, 2, 3, 4]])
    block_params = block.init(jax.random.PRNGKey(1), tokens)["params"]
    assert sorted(block_params) == ["attention", "conv", "embed"]
    assert block.apply({"params": block_params}, tokens).shape == (1, 4, 8)
    again = block.init(jax.random.PRNGKey(1), tokens)["params"]
    np.testing.assert_array_equal(
        np.asarray(again["embed"]["embedding"]), np.asarray(block_params["embed"]["embedding"])
    )
