"""JAX's quickstart (docs.jax.dev, "Quickstart"), run with only the imports changed
(a smaller array for speed, and no %timeit)."""

from __future__ import annotations

# ruff: noqa: E731, N806
import numpy as np
import pytest

import workbench.functional as jax
import workbench.functional.numpy as jnp
from workbench.functional import grad, jacfwd, jacrev, jit, random, vmap
from workbench.functional.tree_util import register_pytree_node, tree_leaves, tree_map


def test_quickstart_runs_unchanged() -> None:
    key = random.key(1701)
    x = random.normal(key, (1_000,))

    def selu(x, alpha=1.67, lambda_=1.05):  # type: ignore[no-untyped-def]
        return lambda_ * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    selu_jit = jit(selu)
    _ = selu_jit(x)
    np.testing.assert_allclose(
        np.asarray(selu_jit(x).block_until_ready()), np.asarray(selu(x)), rtol=1e-5, atol=1e-6
    )

    def sum_logistic(x):  # type: ignore[no-untyped-def]
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    x_small = jnp.arange(3.0)
    derivative_fn = grad(sum_logistic)
    exact = np.asarray(derivative_fn(x_small))

    def first_finite_differences(f, x, eps=1e-3):  # type: ignore[no-untyped-def]
        return jnp.array([(f(x + eps * v) - f(x - eps * v)) / (2 * eps) for v in jnp.eye(len(x))])

    np.testing.assert_allclose(
        np.asarray(first_finite_differences(sum_logistic, x_small)), exact, rtol=1e-2
    )
    third = float(grad(jit(grad(jit(grad(sum_logistic)))))(1.0))
    np.testing.assert_allclose(third, -0.0353256, rtol=1e-4)

    def hessian(fun):  # type: ignore[no-untyped-def]
        return jit(jacfwd(jacrev(fun)))

    assert hessian(sum_logistic)(x_small).shape == (3, 3)

    key1, key2 = random.split(key)
    mat = random.normal(key1, (150, 100))
    batched_x = random.normal(key2, (10, 100))

    def apply_matrix(x):  # type: ignore[no-untyped-def]
        return jnp.dot(mat, x)

    def naively_batched_apply_matrix(v_batched):  # type: ignore[no-untyped-def]
        return jnp.stack([apply_matrix(v) for v in v_batched])

    @jit
    def vmap_batched_apply_matrix(batched_x):  # type: ignore[no-untyped-def]
        return vmap(apply_matrix)(batched_x)

    np.testing.assert_allclose(
        naively_batched_apply_matrix(batched_x),
        vmap_batched_apply_matrix(batched_x),
        atol=1e-4,
        rtol=1e-4,
    )


def test_registered_pytree_classes_pass_through_transformations() -> None:
    class Point:
        def __init__(self, x, y):  # type: ignore[no-untyped-def]
            self.x, self.y = x, y

    register_pytree_node(
        Point, lambda p: ((p.x, p.y), None), lambda aux, children: Point(*children)
    )
    p = Point(jnp.array(2.0), jnp.array(3.0))
    g = grad(lambda q: q.x * q.y**2)(p)
    assert isinstance(g, Point) and (float(g.x), float(g.y)) == (9.0, 12.0)
    assert [float(v) for v in tree_leaves(tree_map(lambda v: v + 1, p))] == [3.0, 4.0]


def test_integer_fori_loop_and_jax_tree_as_jax() -> None:
    """``lax.fori_loop`` with an integer carry keeps JAX's int32 index (``c + i`` stays
    int32), and the ``jax.tree`` short names exist."""
    real = pytest.importorskip("jax")
    for lib in (jax, real):
        total = lib.lax.fori_loop(0, 5, lambda i, c: c + i, 0)
        assert int(total) == 10 and str(total.dtype) == "int32"
        params = {"w": lib.numpy.ones((2, 3)), "b": lib.numpy.zeros(3)}
        assert lib.tree.map(lambda a: a.shape, params) == {"w": (2, 3), "b": (3,)}
        assert len(lib.tree.leaves(params)) == 2
        assert lib.tree.reduce(lambda a, b: a + b, lib.tree.map(lambda a: a.size, params)) == 9
        leaves, treedef = lib.tree.flatten(params)
        assert lib.tree.unflatten(treedef, leaves).keys() == params.keys()
