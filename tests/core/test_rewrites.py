"""Rewrites of a plan's steps. Concatenations written in place: the products making a
concatenation's operands write into its result through the layout changes between. A
convolution's weight gradient reusing the forward step's im2col rows. The plan's numbers
equal the float64 evaluation's, call after call, whether or not a rewrite applies (an
operand with a second use, a result that escapes, a reshape that would copy, a forward
convolution taking a route without rows)."""

from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core import array, eval_graph, grad, make_graph, ops
from workbench.core.executor import Executor

# a plan's concatenation step that only hands out its already-written result
HELD = re.compile(r"= f\d+\(\)  # concatenate")


def _program(stacked: bool, flip: bool, flatten: bool, axis: int, tail: str) -> Any:
    """Three products, each optionally transposed and flattened, joined along ``axis``;
    ``tail`` says what the plan returns: a reduction of the join ("sum"), the join
    itself ("join"), a view of it ("view"), or also one product ("shared")."""

    def one(x: Any, y: Any) -> Any:
        if stacked:  # (B, H, T, K) x (B, H, K, D) -> (B, H, T, D), as attention's
            v = ops.dot_general(x, y, ((3,), (2,)), ((0, 1), (0, 1)))
            if flip:
                v = ops.transpose(v, (0, 2, 1, 3))
            if flatten:
                v = ops.reshape(v, (*v.shape[:2], v.shape[2] * v.shape[3]))
        else:  # (M, K) x (N, K) -> (M, N), as a dense layer's
            v = ops.dot_general(x, y, ((1,), (1,)), ((), ()))
            if flip:
                v = ops.transpose(v, (1, 0))
            if flatten:
                v = ops.reshape(v, (v.shape[0] * v.shape[1],))
        return v

    def program(*xs: Any) -> Any:
        parts = [one(xs[2 * i], xs[2 * i + 1]) for i in range(3)]
        joined = ops.concatenate(parts, min(axis, parts[0].ndim - 1))
        if tail == "join":
            return joined
        if tail == "view":
            return ops.reshape(joined, (-1,)), ops.reduce_sum(joined)
        if tail == "shared":
            return ops.tanh(joined), parts[1]
        return ops.tanh(joined)

    return program


def _operands(stacked: bool, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    shapes = [(2, 3, 4, 5), (2, 3, 5, 6)] if stacked else [(4, 5), (6, 5)]
    return [array(rng.standard_normal(shapes[i % 2])) for i in range(6)]


@given(
    stacked=st.booleans(),
    flip=st.booleans(),
    flatten=st.booleans(),
    axis=st.integers(0, 3),
    tail=st.sampled_from(["sum", "join", "view", "shared"]),
    optimise=st.booleans(),
)
def test_a_plan_with_a_concatenation_equals_the_evaluation_call_after_call(
    stacked: bool, flip: bool, flatten: bool, axis: int, tail: str, optimise: bool
) -> None:
    program = _program(stacked, flip, flatten, axis, tail)
    first, second = _operands(stacked, 0), _operands(stacked, 1)
    graph = make_graph(program, *first)
    executor = Executor() if optimise else Executor(pipeline=None)
    kept = executor.run(graph, *first)
    for xs in (second, first):  # the plan's buffers are reused
        got = executor.run(graph, *xs)
        for g, want in zip(got, eval_graph(graph, *xs), strict=True):
            np.testing.assert_allclose(g.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    for k, want in zip(kept, eval_graph(graph, *first), strict=True):  # nothing overwritten
        np.testing.assert_allclose(k.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attentions_gradient_join_is_written_in_place(dtype: Any) -> None:
    """The products write straight into the joined (B, T, 3·H·D) array: the plan keeps
    no transpose, reshape or copying concatenation of them."""
    program = _program(stacked=True, flip=True, flatten=True, axis=2, tail="sum")
    xs = [array(x.numpy().astype(dtype)) for x in _operands(True, 2)]
    graph = make_graph(program, *xs)
    plan = Executor(pipeline=None).plan(graph, graph.in_types)
    assert HELD.search(plan.source), plan.source
    assert "transpose" not in plan.source and "reshape" not in plan.source
    got = plan(*xs)[0].numpy()
    wide = [array(x.numpy().astype(np.float64)) for x in xs]
    want = eval_graph(make_graph(program, *wide), *wide)[0].numpy()
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("tail", ["join", "view", "shared"])
def test_a_join_that_escapes_or_an_operand_used_twice_is_left_alone(tail: str) -> None:
    program = _program(stacked=True, flip=True, flatten=True, axis=2, tail=tail)
    xs = _operands(True, 3)
    graph = make_graph(program, *xs)
    plan = Executor(pipeline=None).plan(graph, graph.in_types)
    assert not HELD.search(plan.source)


# ---------------------------------------------------------------------------------------
# A convolution's weight gradient reusing the forward step's im2col rows


def _shared_steps(plan: Any) -> list[str]:
    """The plan's convolution steps that hand over or take im2col rows."""
    names = []
    for value in plan.fn.__globals__.values():
        if isinstance(value, functools.partial) and value.func.__name__ in ("_keeping", "_reusing"):
            names.append(value.func.__name__)
    return sorted(names)


def _conv_layer_step(padding: Any, channels_last: bool) -> Any:
    """A convolution layer's loss and its gradients for the input and the kernel: the
    plan holds the forward convolution and both gradient convolutions."""

    def loss(x: Any, w: Any) -> Any:
        if channels_last:  # an NHWC array read as NCHW, as a TensorFlow-layout program
            x = ops.transpose(x, (0, 3, 1, 2))
        y = ops.conv(x, w, padding=padding)
        return ops.reduce_sum(ops.mul(ops.tanh(y), y))

    return lambda x, w: (loss(x, w), *grad(loss, argnums=(0, 1))(x, w))


@given(
    channels=st.sampled_from([1, 2, 5]),
    kernel=st.integers(1, 3),
    pad=st.integers(0, 2),
    channels_last=st.booleans(),
    optimise=st.booleans(),
)
def test_a_plan_sharing_im2col_rows_equals_the_evaluation(
    channels: int, kernel: int, pad: int, channels_last: bool, optimise: bool
) -> None:
    """Every route of the forward convolution (few channels or many, either memory
    order), call after call: the gradients equal the float64 evaluation's."""
    padding = ((pad, pad), (pad, max(0, pad - 1)))
    step = _conv_layer_step(padding, channels_last)
    rng = np.random.default_rng(channels * 10 + kernel)

    def operands(seed: int) -> list[Any]:
        r = np.random.default_rng(seed)
        shape = (3, 6, 5, channels) if channels_last else (3, channels, 6, 5)
        return [
            array(r.standard_normal(shape)),
            array(r.standard_normal((4, channels, kernel, kernel))),
        ]

    first = operands(int(rng.integers(100)))
    graph = make_graph(step, *first)
    executor = Executor() if optimise else Executor(pipeline=None)
    for xs in (first, operands(7), first):
        for got, want in zip(executor.run(graph, *xs), eval_graph(graph, *xs), strict=True):
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("channels_last", [False, True])
def test_a_conv_layers_weight_gradient_reuses_the_forward_rows(channels_last: bool) -> None:
    """The forward step keeps its rows and the kernel's gradient takes them; the numbers
    are those of the plan without the rewrite."""
    step = _conv_layer_step(((1, 1), (1, 1)), channels_last)
    rng = np.random.default_rng(4)
    shape = (4, 7, 7, 16) if channels_last else (4, 16, 7, 7)
    xs = [
        array(rng.standard_normal(shape).astype(np.float32)),
        array(rng.standard_normal((8, 16, 3, 3)).astype(np.float32)),
    ]
    graph = make_graph(step, *xs)
    plan = Executor().plan(graph, graph.in_types)
    assert _shared_steps(plan) == ["_keeping", "_reusing"]
    kept = [v.numpy() for v in plan(*xs)]
    again = [v.numpy() for v in plan(*xs)]
    wide = [array(x.numpy().astype(np.float64)) for x in xs]
    for a, b, want in zip(kept, again, eval_graph(make_graph(step, *wide), *wide), strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, want.numpy(), rtol=2e-4, atol=2e-4)
