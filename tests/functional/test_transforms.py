"""Transformations against real JAX and against finite differences or loops; their
compositions; jit's caching and errors; pmap data parallelism."""

# ruff: noqa: E501 - the case tables keep one case per line

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as jax
import workbench.functional.numpy as jnp
from tests.conftest import PARITY_TOL

X = np.array([0.3, -1.2, 2.0], np.float32)
M = np.array([[0.5, -1.0, 0.2], [1.5, 0.3, -0.7]], np.float32)


def f(x: Any) -> Any:
    return jnp.sum(jnp.tanh(x) * jnp.sin(x) ** 2) + jnp.max(x)


def g(w: Any, x: Any) -> Any:
    return jnp.tanh(jnp.dot(w, x)) * jnp.exp(-x[0])


def _both(real: Any, build: Any) -> tuple[np.ndarray, np.ndarray]:
    import jax.numpy as rjnp  # noqa: PLC0415

    return np.asarray(build(jax, jnp)), np.asarray(build(real, rjnp))


TRANSFORMS = {
    "grad": lambda lib, np_: lib.grad(lambda x: np_.sum(np_.tanh(x) * np_.sin(x) ** 2) + np_.max(x))(X),
    "value_and_grad_argnums": lambda lib, np_: lib.value_and_grad(lambda w, x: np_.sum(np_.tanh(np_.dot(w, x))), argnums=(0, 1))(M, X)[1][0],
    "jacrev": lambda lib, np_: lib.jacrev(lambda w, x: np_.tanh(np_.dot(w, x)) * np_.exp(-x[0]))(M, X),
    "jacfwd_argnum1": lambda lib, np_: lib.jacfwd(lambda w, x: np_.tanh(np_.dot(w, x)) * np_.exp(-x[0]), argnums=1)(M, X),
    "hessian": lambda lib, np_: lib.hessian(lambda x: np_.sum(np_.sin(x) * x**3))(X),
    "jvp": lambda lib, np_: lib.jvp(lambda x: np_.sin(x) * x, (X,), (np.ones(3, np.float32),))[1],
    "vjp": lambda lib, np_: lib.vjp(lambda x: np_.sin(x) * x, X)[1](np.arange(3, dtype=np.float32))[0],
    "vmap_in_axes": lambda lib, np_: lib.vmap(lambda w, x: np_.dot(w, x), in_axes=(None, 1))(M, np.stack([X, X * 2], 1)),
    "vmap_grad": lambda lib, np_: lib.vmap(lib.grad(lambda x: np_.sum(np_.sin(x) ** 2)))(M),
    "jit_vmap_grad": lambda lib, np_: lib.jit(lib.vmap(lib.grad(lambda w, x: np_.sum(np_.tanh(np_.dot(w, x)))), in_axes=(None, 0)))(M, np.stack([X, -X])),
    "grad_jit": lambda lib, np_: lib.grad(lib.jit(lambda x: np_.sum(np_.exp(x) * x)))(X),
    "grad_of_grad": lambda lib, np_: lib.grad(lib.grad(lambda x: np_.sin(x) * x**2))(np.float32(0.7)),
    "jacfwd_jacrev": lambda lib, np_: lib.jacfwd(lib.jacrev(lambda x: np_.prod(np_.cos(x))))(X),
    "scan_in_grad": lambda lib, np_: lib.grad(lambda x: lib.lax.scan(lambda c, v: (c * v + np_.sin(c), c), x[0], x)[0])(X),
    "fori_loop_grad": lambda lib, np_: lib.grad(lambda x: lib.lax.fori_loop(0, 4, lambda i, c: c * x + i, x))(np.float32(0.9)),
    "cond_grad": lambda lib, np_: lib.grad(lambda x: lib.lax.cond(x > 0, lambda v: v**2, lambda v: np_.sin(v), x))(np.float32(-0.4)),
    "switch": lambda lib, np_: lib.lax.switch(1, [lambda v: v + 1, lambda v: v * 3, lambda v: -v], X),
    "while_loop": lambda lib, np_: lib.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 1.5), (0, np_.asarray(X)))[1],
    "jvp_while_loop": lambda lib, np_: lib.jvp(lambda x: lib.lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, np_.sin(c[1])), (0, x))[1], (X,), (np.ones(3, np.float32),))[1],
    "dynamic_slice": lambda lib, np_: lib.grad(lambda x: np_.sum(lib.lax.dynamic_slice(x, (1,), (2,)) ** 2))(X),
    "conv_general_dilated": lambda lib, np_: lib.lax.conv_general_dilated(
        np.arange(2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3) / 50, np.ones((3, 3, 3, 4), np.float32) / 9, (1, 1), "SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC")),
    "reduce_window_max": lambda lib, np_: lib.lax.reduce_window(np.arange(16, dtype=np.float32).reshape(4, 4), -np.inf, lib.lax.max, (2, 2), (2, 2), "VALID"),
    "nn_functions": lambda lib, np_: lib.nn.gelu(X) + lib.nn.softmax(X) + lib.nn.log_softmax(X) + lib.nn.silu(X) + lib.nn.sigmoid(X) + lib.nn.logsumexp(X) + lib.nn.one_hot(np.array([0, 2, 1]), 3)[0],
    "linearize": lambda lib, np_: lib.linearize(lambda x: np_.sin(x) * x, X)[1](np.ones(3, np.float32)),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TRANSFORMS))
def test_transformations_match_jax(real_jax: Any, case: str) -> None:
    ours, theirs = _both(real_jax, TRANSFORMS[case])
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **PARITY_TOL)


def test_compositions_match_finite_differences() -> None:
    def h(x: Any) -> Any:
        return jnp.sum(jnp.sin(x) * jnp.cos(x * 2.0) + x**3)

    x = np.array([0.3, -0.8, 1.1], np.float64)
    jax.config.update("jax_enable_x64", True)
    try:
        grad = np.asarray(jax.jit(jax.grad(h))(x))
        eps = 1e-6
        numeric = [(float(h(x + eps * e)) - float(h(x - eps * e))) / (2 * eps) for e in np.eye(3)]
        np.testing.assert_allclose(grad, numeric, rtol=1e-7)
        hess = np.asarray(jax.jacfwd(jax.jacrev(h))(x))
        numeric_h = np.stack(
            [
                (np.asarray(jax.grad(h)(x + eps * e)) - np.asarray(jax.grad(h)(x - eps * e)))
                / (2 * eps)
                for e in np.eye(3)
            ]
        )
        np.testing.assert_allclose(hess, numeric_h, rtol=1e-6, atol=1e-8)
        per_example = np.asarray(jax.vmap(jax.grad(h))(np.stack([x, -x])))
        loop = np.stack([np.asarray(jax.grad(h)(v)) for v in (x, -x)])
        np.testing.assert_allclose(per_example, loop, rtol=1e-12)
    finally:
        jax.config.update("jax_enable_x64", False)


def test_pytrees_through_transformations() -> None:
    params = {"w": jnp.ones((3, 2)), "b": (jnp.zeros(2), None)}

    def loss(p: Any, x: Any) -> Any:
        return jnp.sum((x @ p["w"] + p["b"][0]) ** 2)

    grads = jax.grad(loss)(params, jnp.ones((4, 3)))
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(params)
    np.testing.assert_allclose(np.asarray(grads["b"][0]), [24.0, 24.0])
    (value, aux), g = jax.value_and_grad(lambda p: (jnp.sum(p["w"]), "aux"), has_aux=True)(params)
    assert float(value) == 6.0 and aux == "aux" and float(jnp.sum(g["b"][0])) == 0.0


def test_jit_caches_by_signature_and_static_arguments() -> None:
    traces: list[int] = []

    def scale(x: Any, n: int) -> Any:
        traces.append(n)
        return x * n

    fast = jax.jit(scale, static_argnums=1)
    for _ in range(3):
        fast(jnp.ones(3), 2)
    fast(jnp.ones(4), 2)
    fast(jnp.ones(3), 5)
    assert traces == [2, 2, 5]
    named = jax.jit(scale, static_argnames="n")
    assert float(named(jnp.ones(2), n=3)[0]) == 3.0


def test_python_control_flow_on_traced_values_points_to_lax() -> None:
    @jax.jit
    def bad(x: Any) -> Any:
        return x if x > 0 else -x

    with pytest.raises(TypeError, match=r"lax\.cond.*fori_loop"):
        bad(1.0)
    with pytest.raises(TypeError, match="lax.cond"):
        jax.vmap(lambda x: x if x > 0 else -x)(jnp.ones(2))
    # differentiation keeps concrete values, so Python control flow works under grad
    assert float(jax.grad(lambda x: x**2 if x > 0 else -x)(3.0)) == 6.0


def test_make_jaxpr_prints_the_ir() -> None:
    text = str(jax.make_jaxpr(lambda x: jnp.sum(jnp.sin(x) * 2.0))(jnp.ones(3)))
    assert "sin a" in text and "reduce_sum" in text and text.startswith("{ lambda a:f32[3]")


def test_custom_vjp_and_custom_jvp_match_jax(real_jax: Any) -> None:
    import jax.numpy as rjnp  # noqa: PLC0415

    def build(lib: Any, np_: Any) -> list[np.ndarray]:
        @lib.custom_vjp
        def clip_grad(x: Any) -> Any:
            return np_.sin(x)

        clip_grad.defvjp(
            lambda x: (np_.sin(x), np_.cos(x)), lambda res, g: (np_.clip(g * res, -0.1, 0.1),)
        )

        @lib.custom_jvp
        def softplus(x: Any) -> Any:
            return np_.log1p(np_.exp(x))

        @softplus.defjvp
        def _rule(primals: Any, tangents: Any) -> Any:
            (x,), (t,) = primals, tangents
            return softplus(x), t * lib.nn.sigmoid(x) * 2.0  # deliberately not the true derivative

        return [
            np.asarray(lib.grad(lambda x: np_.sum(clip_grad(x) * 3.0))(X)),
            np.asarray(lib.grad(lambda x: np_.sum(softplus(x)))(X)),
            np.asarray(lib.jvp(softplus, (X,), (np.ones(3, np.float32),))[1]),
            np.asarray(lib.vmap(lib.grad(lambda x: softplus(x)))(X)),
        ]

    for ours, theirs in zip(build(jax, jnp), build(real_jax, rjnp)):
        np.testing.assert_allclose(ours, theirs, **PARITY_TOL)


def test_devices_and_device_put() -> None:
    assert jax.default_backend() == "cpu"
    assert repr(jax.devices()[0]) == "CpuDevice(id=0)"
    x = jax.device_put(jnp.ones(3), jax.devices()[0])
    assert jax.block_until_ready(x) is x and x.devices() == {jax.devices()[0]}


def test_pmap_data_parallel_training_equals_full_batch() -> None:
    """Two devices, each with half the batch, averaging gradients with pmean, give the
    weights single-device training on the whole batch gives."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    w0 = rng.standard_normal((3, 1)).astype(np.float32)

    def loss(w: Any, xb: Any, yb: Any) -> Any:
        return jnp.mean((jnp.tanh(xb @ w) - yb) ** 2)

    w = jnp.asarray(w0)
    for _ in range(5):
        w = w - 0.1 * jax.grad(loss)(w, x, y)

    def step(w: Any, xb: Any, yb: Any) -> Any:
        g = jax.lax.pmean(jax.grad(loss)(w, xb, yb), "devices")
        return w - 0.1 * g

    parallel = jax.pmap(step, axis_name="devices", in_axes=(None, 0, 0))
    wp = jnp.asarray(w0)
    for _ in range(5):
        wp = parallel(wp, x.reshape(2, 4, 3), y.reshape(2, 4, 1))[0]
    np.testing.assert_allclose(np.asarray(wp), np.asarray(w), rtol=1e-5)
    with pytest.raises(ValueError, match="logical devices"):
        parallel(wp, x.reshape(4, 2, 3), y.reshape(4, 2, 1))


def test_nested_vmap_pytrees_and_out_axes() -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    out = jax.vmap(jax.vmap(lambda v: jnp.sum(v**2)))(x)
    np.testing.assert_allclose(np.asarray(out), (x**2).sum(-1))
    tree = {"a": x, "b": (x[:, 0], None)}
    summed = jax.vmap(
        lambda t: t["a"].sum() + t["b"][0].sum(), in_axes=({"a": 0, "b": (0, None)},)
    )(tree)
    np.testing.assert_allclose(np.asarray(summed), x.sum((1, 2)) + x[:, 0].sum(-1))
    moved = jax.vmap(lambda v: v * 2, out_axes=1)(x)
    assert moved.shape == (3, 2, 4)


def test_lax_map_and_dynamic_update_slice() -> None:
    np.testing.assert_allclose(
        np.asarray(jax.lax.map(lambda v: v * 2, jnp.arange(3.0))), [0.0, 2.0, 4.0]
    )
    base = jnp.zeros(5)
    out = jax.jit(lambda b, i: jax.lax.dynamic_update_slice(b, jnp.ones(2), (i,)))(base, 2)
    np.testing.assert_allclose(np.asarray(out), [0, 0, 1, 1, 0])


def test_x64_mode() -> None:
    jax.config.update("jax_enable_x64", True)
    try:
        assert jnp.array([1.0]).dtype == np.float64 and jnp.arange(2).dtype == np.int64
        assert jax.grad(lambda v: v * v)(jnp.array(1.5)).dtype == np.float64
    finally:
        jax.config.update("jax_enable_x64", False)
    assert jnp.array([1.0]).dtype == np.float32


COLLECTIVE_GRADS = {
    # a gradient taken inside vmap through a collective: the seed is the same for every
    # example, and the collective's transpose (psum) runs over the named axis
    "grad of psum": lambda j, x: j.grad(lambda w: j.lax.psum(w * x, "i"))(1.0),
    "grad of pmean": lambda j, x: j.grad(lambda w: j.lax.pmean(w * x, "i"))(1.0),
    "grad of psum of squares": lambda j, x: j.grad(lambda w: j.lax.psum((w * x) ** 2, "i"))(2.0),
}


@pytest.mark.parametrize("name", list(COLLECTIVE_GRADS))
def test_grad_through_a_collective_inside_vmap_as_jax(real_jax: Any, name: str) -> None:
    xs = np.arange(4.0, dtype=np.float32)
    fn = COLLECTIVE_GRADS[name]
    want = real_jax.vmap(lambda x: fn(real_jax, x), axis_name="i")(xs)
    got = jax.vmap(lambda x: fn(jax, x), axis_name="i")(jnp.asarray(xs))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_a_tree_structure_hashes_alike_after_pickling_and_jit_reuses_its_trace() -> None:
    """A structure's hash is worked out once and kept, but not pickled (a string's hash
    differs between processes); jit finds its trace again for equal structures and
    dtypes, and traces anew for another dtype."""
    import pickle
    import subprocess
    import sys

    params = {"w": jnp.ones((2, 3)), "b": [jnp.zeros(3), jnp.zeros(1)]}
    structure = jax.tree_util.tree_structure(params)
    hash(structure)
    again = pickle.loads(pickle.dumps(structure))
    assert again == structure and hash(again) == hash(structure)
    code = (
        "import pickle, sys; import workbench.functional as jax; "
        "s = pickle.loads(sys.stdin.buffer.read()); "
        "t = jax.tree_util.tree_structure({'w': 0, 'b': [0, 0]}); "
        "print(s == t, hash(s) == hash(t), {s: 1}.get(t))"
    )
    seen = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(structure), capture_output=True
    )
    assert seen.stdout.split() == [b"True", b"True", b"1"], seen.stderr
    f = jax.jit(lambda p: p["w"].sum() + p["b"][0].sum())
    f(params)
    f({"w": jnp.ones((2, 3)), "b": [jnp.ones(3), jnp.ones(1)]})
    assert f._cache_size() == 1
    f({"w": jnp.ones((2, 3), jnp.float16), "b": [jnp.ones(3), jnp.ones(1)]})
    assert f._cache_size() == 2
