"""What real JAX programs needed first (issue 16), against JAX: ``jax.scipy`` special,
stats and linalg (values and gradients), ``jax.test_util.check_grads``, the ``lax``
in-dim slices, arguments outside ``argnums`` passed through untouched, ``custom_jvp``
under ``jit``, and JAX's exception type for a product shape mismatch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.functional as wf
import workbench.functional.numpy as wjnp

RNG = np.random.default_rng(4)
X = RNG.uniform(0.2, 3.0, (5,)).astype(np.float64)
P = RNG.uniform(0.05, 0.95, (5,)).astype(np.float64)
SPD = (lambda a: a @ a.T + 3 * np.eye(3))(RNG.standard_normal((3, 3)))


def _cases(jax_mod: Any) -> dict[str, tuple[Callable[..., Any], np.ndarray]]:
    sp = jax_mod.scipy
    return {
        "logsumexp": (lambda x: sp.special.logsumexp(x), X),
        "logsumexp axis b": (lambda x: sp.special.logsumexp(x.reshape(1, 5), axis=1, b=x).sum(), X),
        "expit": (lambda x: sp.special.expit(x).sum(), X),
        "logit": (lambda p: sp.special.logit(p).sum(), P),
        "erf": (lambda x: sp.special.erf(x).sum(), X),
        "erfc": (lambda x: sp.special.erfc(x).sum(), X),
        "ndtr": (lambda x: sp.special.ndtr(x).sum(), X),
        "ndtri": (lambda p: sp.special.ndtri(p).sum(), P),
        "xlogy": (lambda x: sp.special.xlogy(x, x + 1).sum(), X),
        "xlog1py": (lambda x: sp.special.xlog1py(x, x).sum(), X),
        "gammaln": (lambda x: sp.special.gammaln(x).sum(), X),
        "digamma": (lambda x: sp.special.digamma(x).sum(), X),
        "norm.logpdf": (lambda x: sp.stats.norm.logpdf(x, 0.5, 2.0).sum(), X),
        "norm.cdf": (lambda x: sp.stats.norm.cdf(x, 0.5, 2.0).sum(), X),
        "norm.ppf": (lambda p: sp.stats.norm.ppf(p).sum(), P),
        "bernoulli.logpmf": (
            lambda p: sp.stats.bernoulli.logpmf(np.array([0, 1, 1, 0, 1]), p).sum(),
            P,
        ),
        "gamma.logpdf": (lambda x: sp.stats.gamma.logpdf(x, 2.5).sum(), X),
        "beta.logpdf": (lambda p: sp.stats.beta.logpdf(p, 2.0, 3.0).sum(), P),
        "t.logpdf": (lambda x: sp.stats.t.logpdf(x, 4.0).sum(), X),
        "poisson.logpmf": (
            lambda x: sp.stats.poisson.logpmf(np.array([0, 1, 2, 3, 4]), x).sum(),
            X,
        ),
        "multivariate_normal": (
            lambda m: sp.stats.multivariate_normal.logpdf(np.ones(3), m[:3], SPD),
            X,
        ),
        "cho_solve": (
            lambda x: sp.linalg.cho_solve(
                sp.linalg.cho_factor(SPD + x[0] * np.eye(3)), x[:3]
            ).sum(),
            X,
        ),
        "solve_triangular": (
            lambda x: sp.linalg.solve_triangular(np.triu(SPD) + x[0], x[:3], lower=False).sum(),
            X,
        ),
        "expm": (lambda x: sp.linalg.expm(SPD * 0.1 * x[0]).sum(), X),
    }


@pytest.mark.parametrize("name", sorted(_cases(wf)))
def test_scipy_values_and_gradients_equal_jax(name: str, real_jax: Any) -> None:
    real_jax.config.update("jax_enable_x64", True)
    wf.config.update("jax_enable_x64", True)
    try:
        ours_fn, x = _cases(wf)[name]
        theirs_fn, _ = _cases(real_jax)[name]
        ours = wf.value_and_grad(ours_fn)(x)
        theirs = real_jax.value_and_grad(theirs_fn)(x)
    finally:
        real_jax.config.update("jax_enable_x64", False)
        wf.config.update("jax_enable_x64", False)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-7, atol=1e-9, err_msg=name)


def test_check_grads_accepts_right_and_rejects_wrong_derivatives() -> None:
    wf.config.update("jax_enable_x64", True)  # finite differences want float64
    try:
        wf.test_util.check_grads(lambda x: wjnp.sin(x) * x, (X,), order=2)

        @wf.custom_jvp
        def wrong(x: Any) -> Any:
            return wjnp.sin(x)

        wrong.defjvp(lambda p, t: (wrong(p[0]), 2 * wjnp.cos(p[0]) * t[0]))
        with pytest.raises(AssertionError):
            wf.test_util.check_grads(wrong, (X,), order=1)
    finally:
        wf.config.update("jax_enable_x64", False)


def test_arguments_outside_argnums_pass_through_untouched(real_jax: Any) -> None:
    def f(x: Any, n: int, y: Any) -> Any:
        assert isinstance(n, int)
        return (x**n * y).sum()

    x, y = np.full(3, 2.0, np.float32), np.arange(3.0, dtype=np.float32)
    for fn in ("grad", "jacrev", "jacfwd", "hessian"):
        ours = getattr(wf, fn)(f)(x, 3, y)
        theirs = getattr(real_jax, fn)(f)(x, 3, y)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6)
    ours_v, ours_g = wf.value_and_grad(f, argnums=(0, 2))(x, 2, y)
    theirs_v, theirs_g = real_jax.value_and_grad(f, argnums=(0, 2))(x, 2, y)
    assert float(ours_v) == float(theirs_v)
    for a, b in zip(ours_g, theirs_g, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b))


def test_custom_jvp_runs_under_jit_as_in_jax(real_jax: Any) -> None:
    import jax.numpy as jnp

    def doubled_sine(jax_mod: Any, np_mod: Any) -> Any:
        @jax_mod.custom_jvp
        def g(x: Any) -> Any:
            return np_mod.sin(x) * 2

        g.defjvp(lambda p, t: (g(p[0]), np_mod.cos(p[0]) * t[0] * 3))  # a deliberate 3
        return g

    results = []
    for jax_mod, np_mod in ((wf, wjnp), (real_jax, jnp)):
        g = doubled_sine(jax_mod, np_mod)
        x = np.linspace(0, 1, 4, dtype=np.float32)
        results.append(
            [
                jax_mod.jit(g)(x),
                jax_mod.jit(jax_mod.grad(lambda v, g=g: g(v).sum()))(x),
                jax_mod.jit(jax_mod.vmap(g))(x),
            ]
        )
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_lax_in_dim_slices_and_product_errors_follow_jax(real_jax: Any) -> None:
    import jax.numpy as jnp

    a = np.arange(24.0, dtype=np.float32).reshape(4, 6)
    for lax, np_mod in ((wf.lax, wjnp), (real_jax.lax, jnp)):
        np.testing.assert_array_equal(
            np.asarray(lax.dynamic_slice_in_dim(a, 2, 3, axis=1)), a[:, 2:5]
        )
        updated = lax.dynamic_update_slice_in_dim(a, np.zeros((4, 2), np.float32), 1, axis=1)
        assert np.asarray(updated)[:, 1:3].sum() == 0
        assert lax.Precision.HIGHEST is not None
        with pytest.raises(TypeError):
            np_mod.dot(np.ones((2, 3)), np.ones((2, 3)))
        with pytest.raises(TypeError):
            np_mod.matmul(np.ones((2, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolve_and_correlate_equal_jax(name: str, mode: str, real_jax: Any) -> None:
    import jax.numpy as jnp

    rng = np.random.default_rng(1)
    a, v = rng.standard_normal(7).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    for x, y in ((a, v), (v, a), (a[:4], a[:4])):
        ours = np.asarray(getattr(wjnp, name)(x, y, mode))
        theirs = np.asarray(getattr(jnp, name)(x, y, mode))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    ours_g = wf.grad(lambda t: getattr(wjnp, name)(t, v, mode).sum())(a)
    theirs_g = real_jax.grad(lambda t: getattr(jnp, name)(t, v, mode).sum())(a)
    np.testing.assert_allclose(np.asarray(ours_g), np.asarray(theirs_g), rtol=1e-5)


def test_rot90_and_conv_dimension_numbers_equal_jax(real_jax: Any) -> None:
    import jax.numpy as jnp

    m = np.arange(24.0).reshape(2, 3, 4)
    for k in range(-1, 5):
        for axes in ((0, 1), (1, 2), (2, 0)):
            np.testing.assert_array_equal(
                np.asarray(wjnp.rot90(m, k, axes)), np.asarray(jnp.rot90(m, k, axes))
            )
    layouts = ("NHWC", "HWIO", "NHWC")
    ours = wf.lax.conv_dimension_numbers((1, 2, 3, 3), (4, 2, 2, 2), layouts)
    theirs = real_jax.lax.conv_dimension_numbers((1, 2, 3, 3), (4, 2, 2, 2), layouts)
    assert tuple(ours) == tuple(theirs) and ours.rhs_spec == theirs.rhs_spec
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 5)).astype(np.float32)
    k = np.random.default_rng(3).standard_normal((3, 2, 3, 3)).astype(np.float32)
    args = (x, k, (1, 1), [(1, 1), (0, 2)], (1, 1), (2, 1))
    np.testing.assert_allclose(
        np.asarray(wf.lax.conv_with_general_padding(*args)),
        np.asarray(real_jax.lax.conv_with_general_padding(*args)),
        rtol=1e-5,
        atol=1e-5,
    )


def _attention_loss(jax: Any, jnp: Any, heads: int) -> Any:
    """Multi-head self-attention with one fused q, k, v projection, as tutorials write it:
    its gradient joins the three heads' gradients back into the projection's."""

    def loss(w: Any, x: Any) -> Any:
        b, t, d = x.shape
        q, k, v = jnp.split(x @ w.T, 3, axis=-1)
        split = lambda a: a.reshape(b, t, heads, d // heads).transpose(0, 2, 1, 3)  # noqa: E731
        q, k, v = split(q), split(k), split(v)
        attn = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // heads), axis=-1)
        ctx = (attn @ v).transpose(0, 2, 1, 3).reshape(b, t, d)
        return jnp.sum(jnp.tanh(ctx) * x)

    return loss


def test_a_jitted_attention_gradient_equals_jaxs(real_jax: Any) -> None:
    """Compiled, the products making the q, k and v gradients write straight into the
    joined gradient; the numbers are jax.jit's."""
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    w = rng.standard_normal((24, 8)).astype(np.float32) * 0.3
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    ours = wf.jit(wf.grad(_attention_loss(wf, wjnp, 2)))(w, x)
    theirs = real_jax.jit(real_jax.grad(_attention_loss(real_jax, jnp, 2)))(w, x)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-4, atol=1e-5)


def _lstm_language_model_loss(lib: Any, jnp: Any, hidden: int) -> Callable[..., Any]:
    """A next-token LSTM written as JAX code writes it: ``lax.scan`` over time-major
    inputs, the four gates from one product each, a linear head and mean cross-entropy."""

    def loss(params: Any, xs: Any, targets: Any) -> Any:
        w_ih, w_hh, b, w_out = params

        def cell(carry: Any, x: Any) -> Any:
            h, c = carry
            i, f, g, o = jnp.split(x @ w_ih.T + h @ w_hh.T + b, 4, axis=-1)
            c = lib.nn.sigmoid(f) * c + lib.nn.sigmoid(i) * jnp.tanh(g)
            h = lib.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((xs.shape[1], hidden), xs.dtype)
        _, hs = lib.lax.scan(cell, (zeros, zeros), xs)
        logp = lib.nn.log_softmax(hs @ w_out.T)
        return -jnp.mean(jnp.take_along_axis(logp, targets[..., None], axis=-1))

    return loss


def test_a_jitted_lstm_gradient_equals_jaxs(real_jax: Any) -> None:
    """Compiled, the recurrence's backward loop stacks each value once, recomputes the
    gates' derivatives instead of keeping them, and joins the gate gradients into their
    rows; the numbers are jax.jit's."""
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    steps, batch, width, hidden, vocab = 7, 3, 5, 6, 9
    params = tuple(
        (rng.standard_normal(shape) * 0.4).astype(np.float32)
        for shape in ((4 * hidden, width), (4 * hidden, hidden), (4 * hidden,), (vocab, hidden))
    )
    xs = rng.standard_normal((steps, batch, width)).astype(np.float32)
    targets = rng.integers(0, vocab, (steps, batch)).astype(np.int32)
    ours = wf.jit(wf.value_and_grad(_lstm_language_model_loss(wf, wjnp, hidden)))
    theirs = real_jax.jit(real_jax.value_and_grad(_lstm_language_model_loss(real_jax, jnp, hidden)))
    for _ in range(2):  # the second call runs the cached plan
        (v1, g1), (v2, g2) = ours(params, xs, targets), theirs(params, xs, targets)
        np.testing.assert_allclose(float(v1), float(v2), rtol=1e-5)
        for a, b in zip(g1, g2, strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
