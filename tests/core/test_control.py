"""Control-flow primitives: cond/switch, while_loop, scan (and fori_loop, call) —
forward values, derivatives against finite differences, batching against loops, and
their graphs with nested sub-graphs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.conftest import GRAD_TOL
from workbench.core import (
    array,
    batch_graph,
    check_grads,
    eval_graph,
    grad,
    jvp,
    make_graph,
    ops,
    validate,
    vjp,
    vmap,
)


def f64(x: Any) -> Any:
    return array(np.asarray(x, dtype=np.float64))


def i64(x: Any) -> Any:
    return array(np.asarray(x, dtype=np.int64))


W = f64([[0.5, -1.0], [2.0, 0.3]])  # captured by the branches and bodies below


def branchy(x: Any) -> Any:
    return ops.cond(
        ops.gt(ops.reduce_sum(x), 0.0),
        lambda v: ops.tanh(ops.matmul(W, v)),
        lambda v: ops.mul(ops.sin(v), 3.0),
        x,
    )


def test_cond_picks_the_branch_and_differentiates_through_it() -> None:
    pos, neg = f64([1.0, 2.0]), f64([-1.0, -2.0])
    np.testing.assert_allclose(branchy(pos).numpy(), np.tanh(W.numpy() @ pos.numpy()))
    np.testing.assert_allclose(branchy(neg).numpy(), 3 * np.sin(neg.numpy()))
    for x in (pos, neg):
        check_grads(branchy, [x], order=2, **GRAD_TOL)


def test_cond_graph_holds_both_branches_and_validates() -> None:
    graph = make_graph(branchy, f64([1.0, 2.0]))
    validate(graph)
    text = str(graph)
    assert "cond[branches=(" in text and "tanh" in text and "sin" in text
    # W was captured by a branch: it became an operand of the cond equation.
    assert len(graph.constants) == 1 and graph.constants[0][1] is W


def test_switch_clamps_the_index_like_jax() -> None:
    branches = [lambda v: ops.add(v, 1.0), lambda v: ops.mul(v, 10.0), lambda v: ops.neg(v)]
    x = f64([2.0])
    for index, expected in [(-5, 3.0), (0, 3.0), (1, 20.0), (2, -2.0), (9, -2.0)]:
        np.testing.assert_allclose(ops.switch(i64(index), branches, x).numpy(), [expected])


def test_cond_with_a_batched_predicate_selects_per_example() -> None:
    xs = f64([[1.0, 2.0], [-3.0, 1.0], [0.5, -2.0]])
    out = vmap(branchy)(xs)
    expected = [branchy(ops.index(xs, i)).numpy() for i in range(3)]
    np.testing.assert_allclose(out.numpy(), expected)
    g = vmap(grad(lambda v: ops.reduce_sum(branchy(v))))(xs)
    loop = [grad(lambda v: ops.reduce_sum(branchy(v)))(ops.index(xs, i)).numpy() for i in range(3)]
    np.testing.assert_allclose(g.numpy(), loop)


def test_cond_with_a_shared_predicate_batches_the_branches() -> None:
    flag = array(np.asarray(True))
    xs = f64([[1.0, 2.0], [-3.0, 1.0]])
    out = vmap(lambda v: ops.cond(flag, lambda a: ops.mul(a, 2.0), ops.neg, v))(xs)
    np.testing.assert_allclose(out.numpy(), 2 * xs.numpy())


def test_cond_branches_must_agree() -> None:
    with pytest.raises(TypeError, match="branches must return the same types"):
        ops.cond(array(np.asarray(True)), lambda v: v, lambda v: ops.reduce_sum(v), f64([1.0, 2.0]))


def collatz_steps(n: Any) -> Any:
    def keep_going(state: Any) -> Any:
        return ops.gt(state[0], 1)

    def step(state: Any) -> Any:
        value, count = state
        half = ops.cast(ops.floor(ops.div(ops.cast(value, "float64"), 2.0)), "int64")
        odd = ops.ne(ops.mul(half, 2), value)
        return ops.select(odd, ops.add(ops.mul(value, 3), 1), half), ops.add(count, 1)

    return ops.while_loop(keep_going, step, (n, i64(0)))[1]


def test_while_loop_runs_a_data_dependent_number_of_steps() -> None:
    assert int(collatz_steps(i64(6)).numpy()) == 8
    assert int(collatz_steps(i64(27)).numpy()) == 111


def test_while_loop_batches_examples_with_different_trip_counts() -> None:
    ns = i64([6, 27, 1, 7])
    np.testing.assert_array_equal(vmap(collatz_steps)(ns).numpy(), [8, 111, 0, 16])


def newton_sqrt(a: Any) -> Any:
    def keep_going(state: Any) -> Any:
        return ops.lt(state[0], 6)

    def step(state: Any) -> Any:
        i, x = state
        return ops.add(i, 1), ops.mul(ops.add(x, ops.div(a, x)), 0.5)

    return ops.while_loop(keep_going, step, (i64(0), ops.add(ops.mul(a, 0.0), 1.0)))[1]


def test_while_loop_forward_mode_matches_finite_differences() -> None:
    a = f64([2.0, 9.0])
    np.testing.assert_allclose(newton_sqrt(a).numpy(), np.sqrt([2.0, 9.0]), rtol=1e-10)
    check_grads(newton_sqrt, [a], order=2, modes=["fwd"], **GRAD_TOL)


def test_while_loop_reverse_mode_is_refused_with_advice() -> None:
    out, pullback = vjp(newton_sqrt, f64([2.0]))
    with pytest.raises(NotImplementedError, match="Use scan"):
        pullback(ops.ones_like(out))


def rnn(h0: Any, xs: Any, reverse: bool = False) -> Any:
    def cell(h: Any, x: Any) -> Any:
        new = ops.tanh(ops.add(ops.matmul(W, h), x))
        return new, ops.reduce_sum(ops.square(new))

    return ops.scan(cell, h0, xs, reverse=reverse)


def rnn_loop(
    h0: np.ndarray, xs: np.ndarray, reverse: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    h, ys = h0, {}
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        h = np.tanh(W.numpy() @ h + xs[t])
        ys[t] = np.sum(h**2)
    return h, np.array([ys[t] for t in range(len(xs))])


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_matches_a_python_loop(reverse: bool) -> None:
    rng = np.random.default_rng(0)
    h0, xs = rng.standard_normal(2), rng.standard_normal((5, 2))
    h, ys = rnn(f64(h0), f64(xs), reverse)
    eh, eys = rnn_loop(h0, xs, reverse)
    np.testing.assert_allclose(h.numpy(), eh)
    np.testing.assert_allclose(ys.numpy(), eys)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_gradients_match_finite_differences(reverse: bool) -> None:
    rng = np.random.default_rng(1)
    check_grads(
        lambda h, x: rnn(h, x, reverse),
        [f64(rng.standard_normal(2)), f64(rng.standard_normal((4, 2)))],
        order=2,
        **GRAD_TOL,
    )


def test_scan_gradient_reaches_captured_weights() -> None:
    rng = np.random.default_rng(2)
    h0, xs = f64(rng.standard_normal(2)), f64(rng.standard_normal((3, 2)))

    def loss(w: Any) -> Any:
        _, ys = ops.scan(
            lambda h, x: (ops.tanh(ops.add(ops.matmul(w, h), x)), ops.reduce_sum(h)), h0, xs
        )
        return ops.reduce_sum(ys)

    check_grads(loss, [W], order=2, **GRAD_TOL)


def test_scan_batches_over_examples() -> None:
    rng = np.random.default_rng(3)
    h0s, xss = f64(rng.standard_normal((4, 2))), f64(rng.standard_normal((4, 5, 2)))
    hs, yss = vmap(rnn)(h0s, xss)
    for i in range(4):
        eh, eys = rnn_loop(h0s.numpy()[i], xss.numpy()[i])
        np.testing.assert_allclose(hs.numpy()[i], eh)
        np.testing.assert_allclose(yss.numpy()[i], eys)
    per_example = vmap(grad(lambda h, x: ops.reduce_sum(rnn(h, x)[1])))(h0s, xss)
    for i in range(4):
        xs_i = ops.index(xss, i)
        g = grad(lambda h, xs_i=xs_i: ops.reduce_sum(rnn(h, xs_i)[1]))(ops.index(h0s, i))
        np.testing.assert_allclose(per_example.numpy()[i], g.numpy())


def test_scan_graph_and_its_batched_and_backward_forms_validate() -> None:
    graph = make_graph(lambda h, x: rnn(h, x)[1], f64([0.1, 0.2]), f64(np.ones((3, 2))))
    validate(graph)
    assert "scan[" in str(graph)
    validate(batch_graph(graph, in_axes=[0, None], size=2))
    from workbench.core import backward_graph

    validate(backward_graph(graph))


def test_fori_loop_with_static_bounds_is_reverse_differentiable() -> None:
    power = lambda x: ops.fori_loop(0, 4, lambda i, acc: ops.mul(acc, x), ops.ones_like(x))  # noqa: E731
    np.testing.assert_allclose(power(f64([2.0])).numpy(), [16.0])
    np.testing.assert_allclose(grad(lambda x: ops.reduce_sum(power(x)))(f64([2.0])).numpy(), [32.0])


def test_call_is_transparent_to_every_transformation() -> None:
    inner = make_graph(lambda v: ops.reduce_sum(ops.exp(v)), f64([0.0, 0.0]))
    f = lambda v: ops.call(inner, v)[0]  # noqa: E731
    x = f64([0.5, -1.0])
    np.testing.assert_allclose(grad(f)(x).numpy(), np.exp(x.numpy()))
    np.testing.assert_allclose(jvp(f, (x,), (f64([1.0, 1.0]),))[1].numpy(), np.exp(x.numpy()).sum())
    np.testing.assert_allclose(
        vmap(f)(f64([[0.0, 1.0], [2.0, 3.0]])).numpy(), np.exp([[0, 1], [2, 3]]).sum(1)
    )
    outer = make_graph(f, x)
    assert "call[graph=" in str(outer)
    np.testing.assert_allclose(eval_graph(outer, x)[0].numpy(), np.exp(x.numpy()).sum())


def test_scan_parity_with_jax() -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    rng = np.random.default_rng(4)
    h0, xs = (
        rng.standard_normal(2).astype(np.float32),
        rng.standard_normal((6, 2)).astype(np.float32),
    )
    w = W.numpy().astype(np.float32)

    def jax_loss(h: Any) -> Any:
        def cell(c: Any, x: Any) -> Any:
            new = jnp.tanh(w @ c + x)
            return new, jnp.sum(new**2)

        return jnp.sum(jax.lax.scan(cell, h, xs)[1])

    w32 = array(w)

    def our_loss(h: Any) -> Any:
        def cell(c: Any, x: Any) -> Any:
            new = ops.tanh(ops.add(ops.matmul(w32, c), x))
            return new, ops.reduce_sum(ops.square(new))

        return ops.reduce_sum(ops.scan(cell, h, array(xs))[1])

    np.testing.assert_allclose(our_loss(array(h0)).numpy(), np.asarray(jax_loss(h0)), rtol=1e-5)
    np.testing.assert_allclose(
        grad(our_loss)(array(h0)).numpy(), np.asarray(jax.grad(jax_loss)(h0)), rtol=1e-5, atol=1e-6
    )
