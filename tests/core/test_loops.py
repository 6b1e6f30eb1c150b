"""Reverse mode through ``scan`` as a compiled graph runs it: the loop that records the
backward pass's residuals merges with the primal loop (``passes.merge_loops``), and a
recurrent weight's gradient is one product over the stacked steps instead of a sum
carried through the loop. Both must leave every number as it was."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.core import array, check_grads, eval_graph, make_graph, ops, value_and_grad
from workbench.core.passes import default_pipeline, merge_loops, trim_loops
from workbench.core.primitives import scan

RNG = np.random.default_rng(0)
STEPS, BATCH, WIDTH = 5, 3, 4


def _zeros(xs: Any) -> Any:
    return ops.full(tuple(xs.shape[1:]), 0.0, xs.dtype, xs.device)


def _rnn_loss(w: Any, u: Any, xs: Any) -> Any:
    """A tanh RNN: h ← tanh(h wᵀ + x_t u), loss = Σ_t Σ h_t²."""

    def cell(h: Any, x: Any) -> Any:
        wt = ops.transpose(w, (1, 0))
        h = ops.tanh(ops.add(ops.matmul(h, wt), ops.matmul(x, u)))
        return h, h

    h0 = _zeros(xs)
    _, hs = scan(cell, h0, xs)
    return ops.reduce_sum(ops.mul(hs, hs))


def _operands(dtype: Any = np.float64) -> list[Any]:
    return [
        array((0.5 * RNG.standard_normal((WIDTH, WIDTH))).astype(dtype)),
        array((0.5 * RNG.standard_normal((WIDTH, WIDTH))).astype(dtype)),
        array(RNG.standard_normal((STEPS, BATCH, WIDTH)).astype(dtype)),
    ]


def _scans(graph: Any) -> list[Any]:
    return [e for e in graph.equations if e.primitive.name == "scan"]


def test_gradients_through_scan_match_finite_differences() -> None:
    check_grads(_rnn_loss, _operands(), modes=("rev",))


def test_the_recording_loop_merges_with_the_primal_loop_with_the_same_numbers() -> None:
    args = _operands()
    graph = make_graph(value_and_grad(_rnn_loss, argnums=(0, 1, 2)), *args)
    assert len(_scans(graph)) == 3  # primal, recording, backward
    merged, report = merge_loops(graph)
    assert report.details == {"merged loops": 1}
    assert len(_scans(merged)) == 2
    for got, want in zip(eval_graph(merged, *args), eval_graph(graph, *args)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    optimised, reports = default_pipeline().run(graph)
    assert len(_scans(optimised)) == 2
    assert "merge_loops" in [r.name for r in reports]


def test_loops_with_effects_or_other_operands_are_not_merged() -> None:
    w, u, xs = _operands()

    def two_loops(w: Any, xs: Any) -> Any:
        step = lambda h, x: (ops.tanh(ops.add(ops.matmul(h, w), x)),) * 2  # noqa: E731
        a = scan(step, _zeros(xs), xs)[1]
        b = scan(step, _zeros(xs), ops.neg(xs))[1]  # other scanned inputs
        return ops.add(a, b)

    assert merge_loops(make_graph(two_loops, w, xs))[1].details == {}

    from workbench.functional import debug  # noqa: PLC0415 - an effect inside the body

    def printing(w: Any, xs: Any) -> Any:
        def step(h: Any, x: Any) -> Any:
            debug.print("step {}", ops.reduce_sum(h))
            return (ops.tanh(ops.add(ops.matmul(h, w), x)),) * 2

        return scan(step, _zeros(xs), xs)[1]

    graph = make_graph(
        lambda w, xs: value_and_grad(lambda w: ops.reduce_sum(printing(w, xs)))(w), w, xs
    )
    assert merge_loops(graph)[1].details == {}


def test_a_recurrent_weights_gradient_is_one_product_over_the_steps() -> None:
    args = _operands()
    graph = make_graph(value_and_grad(_rnn_loss, argnums=(0, 1)), *args)
    backward = _scans(graph)[-1]
    # the backward loop carries the state's cotangent only: neither weight's gradient
    # (both are products of per-step values) is accumulated through it
    assert backward.params["n_carry"] == 1
    products = [e for e in graph.equations if e.primitive.name == "dot_general"]
    assert any(0 in e.params["contracting"][0] for e in products)  # time contracted


def test_rnn_gradients_equal_jax() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    args = _operands(np.float32)

    def theirs(w: Any, u: Any, xs: Any) -> Any:
        def cell(h: Any, x: Any) -> Any:
            h = jnp.tanh(h @ w.T + x @ u)
            return h, h

        _, hs = jax.lax.scan(cell, jnp.zeros_like(xs[0]), xs)
        return jnp.sum(hs * hs)

    want = jax.grad(theirs, argnums=(0, 1, 2))(*[jnp.asarray(a.numpy()) for a in args])
    graph = make_graph(value_and_grad(_rnn_loss, argnums=(0, 1, 2)), *args)
    optimised, _ = default_pipeline().run(graph)
    _, *got = eval_graph(optimised, *args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), np.asarray(w), rtol=1e-5, atol=1e-5)


def _lstm_loss(w: Any, xs: Any) -> Any:
    """An LSTM cell (gates i, f, g, o from h wᵀ + x_t), loss = Σ_t Σ h_t²."""

    def cell(carry: Any, x: Any) -> Any:
        h, c = carry
        gates = ops.add(ops.matmul(h, ops.transpose(w, (1, 0))), x)
        i, f, g, o = ops.split(gates, (WIDTH,) * 4, 1)
        c = ops.add(ops.mul(ops.logistic(f), c), ops.mul(ops.logistic(i), ops.tanh(g)))
        h = ops.mul(ops.logistic(o), ops.tanh(c))
        return (h, c), h

    zeros = ops.full((BATCH, WIDTH), 0.0, xs.dtype, xs.device)
    _, hs = scan(cell, (zeros, zeros), xs)
    return ops.reduce_sum(ops.mul(hs, hs))


def _lstm_operands(dtype: Any = np.float64) -> list[Any]:
    return [
        array((0.5 * RNG.standard_normal((4 * WIDTH, WIDTH))).astype(dtype)),
        array(RNG.standard_normal((STEPS, BATCH, 4 * WIDTH)).astype(dtype)),
    ]


def test_lstm_gradients_through_scan_match_finite_differences_and_jax() -> None:
    args = _lstm_operands()
    check_grads(_lstm_loss, args, modes=("rev",))
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def theirs(w: Any, xs: Any) -> Any:
        def cell(carry: Any, x: Any) -> Any:
            h, c = carry
            i, f, g, o = jnp.split(h @ w.T + x, 4, axis=1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((BATCH, WIDTH), xs.dtype)
        return jnp.sum(jax.lax.scan(cell, (zeros, zeros), xs)[1] ** 2)

    args32 = [array(a.numpy().astype(np.float32)) for a in args]
    want = jax.grad(theirs, argnums=(0, 1))(*[jnp.asarray(a.numpy()) for a in args32])
    graph = make_graph(value_and_grad(_lstm_loss, argnums=(0, 1)), *args32)
    _, *got = eval_graph(default_pipeline().run(graph)[0], *args32)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), np.asarray(w), rtol=1e-5, atol=1e-5)


def test_the_recording_loop_keeps_no_residual_that_arithmetic_remakes() -> None:
    """σ'(x) = σ(x)·(1 - σ(x)) and tanh'(x) = 1 - tanh(x)² are not stored beside σ(x) and
    tanh(x): the backward step computes them again. What is kept per step: the four
    activated gates, tanh(c), the carry the step saw (h and c): seven arrays."""
    graph = make_graph(value_and_grad(_lstm_loss), *_lstm_operands())
    recording = _scans(graph)[1]
    n_carry = recording.params["n_carry"]
    assert len(recording.outputs) - n_carry == 7
    backward = _scans(graph)[2].params["body"]
    assert {e.primitive.name for e in backward.equations} >= {"square", "sub"}  # remade


def test_trimmed_loops_stack_each_value_once_with_the_same_numbers() -> None:
    """A repeated y reads the first one's stack, a y that is a scanned input's slice is that
    input, a y nothing reads is not stacked; the backward loop of a recurrent weight
    returns its gate gradient twice (the input's cotangent and the weight's factor)."""
    w, xs = _lstm_operands()

    def loops(w: Any, xs: Any) -> Any:
        def step(h: Any, x: Any) -> Any:
            h = ops.tanh(ops.add(ops.matmul(h, ops.transpose(w, (1, 0))), x))
            return h, (h, x, h, ops.neg(h))

        _, ys = scan(step, ops.full((BATCH, 4 * WIDTH), 0.0, xs.dtype, xs.device), xs)
        return ops.add(ys[0], ys[1]), ys[2]

    w = array(0.3 * RNG.standard_normal((4 * WIDTH, 4 * WIDTH)))
    graph = make_graph(loops, w, xs)
    trimmed, report = trim_loops(graph)
    assert report.details == {"ys passed through": 1, "ys repeated": 1, "ys unused": 1}
    (loop,) = _scans(trimmed)
    assert len(loop.outputs) == 2  # the carry and one stack of h
    for got, want in zip(eval_graph(trimmed, w, xs), eval_graph(graph, w, xs), strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    lstm = default_pipeline().run(make_graph(value_and_grad(_lstm_loss), *_lstm_operands()))
    backward = _scans(lstm[0])[-1].params["body"]
    ys = backward.outputs[_scans(lstm[0])[-1].params["n_carry"] :]
    assert len({id(y) for y in ys}) == len(ys)
    assert "trim_loops" in [r.name for r in lstm[1]]
