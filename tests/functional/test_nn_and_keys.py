"""What JAX's example programs reached for: the rest of ``jax.nn`` and its initializers,
stax's ``BatchNorm``/``Selu`` and re-exports, distributions as modules, keys from
negative and traced seeds, ``fold_in`` of a loop counter, an optimizer state through
``jit``, and ``f"{x}"`` of a scalar — each against real JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

X = np.linspace(-3, 3, 13).astype(np.float32)
ACTIVATIONS = [
    "selu", "celu", "hard_tanh", "hard_sigmoid", "hard_silu", "hard_swish", "identity",
    "mish", "soft_sign", "squareplus", "sparse_plus", "sparse_sigmoid",
]  # fmt: skip


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_and_their_gradients_equal_jax(name: str) -> None:
    ours, theirs = getattr(wjax.nn, name), getattr(jax.nn, name)
    np.testing.assert_allclose(ours(X), theirs(X), rtol=1e-6, atol=1e-7)
    g_ours = wjax.grad(lambda x: wnp.sum(ours(x) ** 2))(X)
    g_theirs = jax.grad(lambda x: jnp.sum(theirs(x) ** 2))(X)
    np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-5, atol=1e-6)


def test_glu_log1mexp_logmeanexp_standardize_equal_jax() -> None:
    m = X[:12].reshape(3, 4)
    pos = np.abs(X) + 0.01
    for f in (
        lambda nn: nn.glu(m, axis=1),
        lambda nn: nn.log1mexp(pos),
        lambda nn: nn.logmeanexp(m, axis=0),
        lambda nn: nn.standardize(m, axis=1),
        lambda nn: nn.standardize(m, axis=(0, 1), epsilon=1e-3),
    ):
        np.testing.assert_allclose(f(wjax.nn), f(jax.nn), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("kv_heads", [4, 2])
def test_dot_product_attention_equals_jax(causal: bool, kv_heads: int) -> None:
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 5, 4, 8)).astype(np.float32)
    k = rng.normal(size=(2, 6, kv_heads, 8)).astype(np.float32)
    v = rng.normal(size=(2, 6, kv_heads, 8)).astype(np.float32)
    bias = rng.normal(size=(1, 4, 5, 6)).astype(np.float32)
    mask = rng.random((2, 1, 5, 6)) > 0.2
    if causal:  # a square score matrix, masked above its diagonal
        k, v, bias, mask = k[:, :5], v[:, :5], bias[..., :5], mask[..., :5]
    for kw in ({}, {"bias": bias, "mask": mask, "scale": 0.5}):
        kw = {**kw, "is_causal": True} if causal else kw
        ours = wjax.nn.dot_product_attention(q, k, v, **kw)
        theirs = jax.nn.dot_product_attention(q, k, v, **kw)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("truncated_normal", (0.5,), (3, 4)),
        ("orthogonal", (), (3, 5)),
        ("orthogonal", (2.0,), (6, 2)),
        ("delta_orthogonal", (), (3, 3, 2, 4)),
        ("glorot_normal", (), (4, 3)),
        ("he_uniform", (), (2, 3, 4)),
        ("lecun_normal", (), (5, 2)),
    ],
)
def test_initializers_draw_jax_numbers(name: str, args: tuple[Any, ...], shape: Any) -> None:
    from workbench.functional.nn import initializers

    ours = getattr(initializers, name)(*args)(wjax.random.PRNGKey(3), shape)
    theirs = getattr(jax.nn.initializers, name)(*args)(jax.random.PRNGKey(3), shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_stax_batchnorm_selu_and_reexports_equal_jax() -> None:
    from jax.example_libraries import stax as theirs

    from workbench.functional.example_libraries import stax as ours

    x = np.random.default_rng(1).random((4, 6, 6, 3)).astype(np.float32)
    outs = []
    for stax, j in ((ours, wjax), (theirs, jax)):
        init, apply = stax.serial(
            stax.Conv(4, (3, 3)), stax.BatchNorm(), stax.Selu, stax.Flatten, stax.Dense(2)
        )
        _, params = init(j.random.PRNGKey(0), x.shape)
        outs.append(np.asarray(apply(params, x)))
        assert stax.logsoftmax is stax.log_softmax and stax.glorot is stax.glorot_normal
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-5)


def test_distributions_are_modules_too() -> None:
    import workbench.functional.scipy.stats.norm as norm

    from workbench.functional.scipy.stats import t  # noqa: I001

    np.testing.assert_allclose(norm.logpdf(X), jax.scipy.stats.norm.logpdf(X), rtol=1e-6)
    np.testing.assert_allclose(t.logpdf(X, 3.0), jax.scipy.stats.t.logpdf(X, 3.0), rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 7, -1, -3, 2**31, 2**32 - 1, 2**33 + 5])
def test_keys_from_any_seed_equal_jax(seed: int) -> None:
    np.testing.assert_array_equal(wjax.random.PRNGKey(seed), jax.random.PRNGKey(seed))


def test_keys_and_fold_in_from_traced_integers_equal_jax() -> None:
    ours = wjax.jit(lambda t: wjax.random.fold_in(wjax.random.key(t), t * 3))(-5)
    theirs = jax.jit(lambda t: jax.random.fold_in(jax.random.PRNGKey(t), t * 3))(-5)
    np.testing.assert_array_equal(wjax.random.key_data(ours), theirs)  # a typed key vs raw


def test_an_optimizer_state_passes_through_jit() -> None:
    from workbench.functional.example_libraries import optimizers

    init, update, get_params = optimizers.momentum(0.1, mass=0.9)
    state = init({"w": wnp.ones(3), "b": [wnp.zeros(2)]})
    step = wjax.jit(lambda i, s: update(i, {"w": wnp.ones(3), "b": [wnp.ones(2)]}, s))
    for i in range(3):
        state = step(i, state)
    np.testing.assert_allclose(get_params(state)["w"], 1 - 0.1 * (1 + 1.9 + 2.71), rtol=1e-6)
    assert step._cache_size() == 1  # the tree's structure is static: one compilation


def test_a_scalar_formats_as_jax_does() -> None:
    ours, theirs = wnp.mean(wnp.array([1, 0, 0])), jnp.mean(jnp.array([1, 0, 0]))
    for spec in ("", ".3f", "8.2e"):
        assert format(ours, spec) == format(theirs, spec)
    assert f"{wnp.arange(3.0)}" == f"{jnp.arange(3.0)}"
