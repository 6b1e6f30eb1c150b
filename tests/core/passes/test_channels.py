"""The channels-last pass: a channels-first convolutional program keeps its activations
channels-last between layers, and means exactly what it meant."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import array, eval_graph, make_graph, ops, validate, value_and_grad
from workbench.core.passes.channels import channels_last
from workbench.core.passes.fusion import fuse_elementwise

RNG = np.random.default_rng(0)


def _conv_net(choices: dict[str, Any]) -> Any:
    """A small channels-first network whose layers the draw picks."""
    pool = choices["pool"]
    act = {"relu": ops.relu, "tanh": ops.tanh}[choices["activation"]]

    def loss(w1: Any, b1: Any, w2: Any, x: Any) -> Any:
        h = ops.conv(x, w1, padding=((1, 1), (1, 1)))
        h = act(ops.add(h, ops.reshape(b1, (1, -1, 1, 1))))
        if pool == "tiles":
            h = ops.max_pool(h, (2, 2), (2, 2))
        elif pool == "overlapping":
            h = ops.max_pool(h, (1, 1, 3, 3), (1, 1, 1, 1), ((0, 0), (0, 0), (1, 1), (1, 1)))
        h = ops.mul(ops.conv(h, w2), 0.5)
        if choices["reduce"] == "keepdims":
            h = ops.reduce_sum(ops.square(h), axes=(0, 2, 3), keepdims=True)
        elif choices["reduce"] == "middle":
            h = ops.reduce_sum(ops.tanh(h), axes=(1,))
        elif choices["reduce"] == "transposed":
            h = ops.transpose(ops.exp(ops.mul(h, 0.1)), (0, 2, 1, 3))
        return ops.reduce_sum(ops.reshape(h, (-1,)), axes=(0,))

    return loss


def _arguments() -> list[Any]:
    return [
        array(RNG.standard_normal((5, 3, 3, 3))),
        array(RNG.standard_normal(5)),
        array(RNG.standard_normal((4, 5, 2, 2))),
        array(RNG.standard_normal((2, 3, 8, 8))),
    ]


@settings(max_examples=30, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "pool": st.sampled_from(["none", "tiles", "overlapping"]),
            "activation": st.sampled_from(["relu", "tanh"]),
            "reduce": st.sampled_from(["none", "keepdims", "middle", "transposed"]),
        }
    )
)
def test_a_channels_first_network_and_its_gradient_mean_the_same_channels_last(
    choices: dict[str, Any],
) -> None:
    step = value_and_grad(_conv_net(choices), argnums=(0, 1, 2))
    args = _arguments()
    graph = make_graph(step, *args)
    rewritten, report = channels_last(graph)
    validate(rewritten)
    assert report.details["convolutions"] >= 2  # the forward ones and the input gradient
    for got, want in zip(eval_graph(rewritten, *args), eval_graph(graph, *args), strict=True):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def test_activations_and_pooling_run_channels_last_and_weight_gradients_stay() -> None:
    step = value_and_grad(
        _conv_net({"pool": "tiles", "activation": "relu", "reduce": "none"}), argnums=(0, 1, 2)
    )
    args = _arguments()
    rewritten, report = channels_last(make_graph(step, *args))
    fused, _ = fuse_elementwise(rewritten)
    shapes = {
        tuple(e.outputs[0].type.shape)
        for e in fused.equations
        if e.primitive.name in ("fused", "max_pool", "max_pool_grad")
    }
    assert (2, 8, 8, 5) in shapes and (2, 4, 4, 5) in shapes  # (N, H, W, C)
    assert (2, 5, 8, 8) not in shapes  # no activation computed channels-first
    assert report.details["operations"] > 0 and report.details["reductions"] > 0
    # the weight gradients' convolutions (results the kernel's size) are not rewritten
    assert report.details["convolutions"] == 3


def test_a_program_without_activations_is_left_alone() -> None:
    x = array(RNG.standard_normal((2, 3)))
    graph = make_graph(lambda v: ops.tanh(ops.mul(v, 2.0)), x)
    rewritten, report = channels_last(graph)
    assert rewritten.equations == graph.equations and not report.details


def test_a_compiled_channels_first_program_computes_the_same_results() -> None:
    """Compiled (the pass, fusion, native kernels), a channels-first program returns what
    it returns when evaluated step by step; results are computed in the program's own
    axis order (the pass leaves the operations that make them where they are)."""
    from workbench.core.executor import Executor

    w1, b1, _, x = _arguments()

    def f(w: Any, b: Any, x: Any) -> Any:
        bias = ops.reshape(b, (1, -1, 1, 1))
        h = ops.relu(ops.add(ops.conv(x, w, padding=((1, 1), (1, 1))), bias))
        return ops.tanh(ops.max_pool(h, (2, 2), (2, 2))), ops.reduce_sum(h, axes=(1,))

    graph = make_graph(f, w1, b1, x)
    rewritten, report = channels_last(graph)
    assert report.details["operations"] > 0
    results = {id(a) for a in rewritten.outputs}
    makers = [e for e in rewritten.equations if any(id(v) in results for v in e.outputs)]
    assert [tuple(e.outputs[0].type.shape) for e in makers] == [(2, 5, 4, 4), (2, 8, 8)]
    got = Executor().run(graph, w1, b1, x)
    for a, want in zip(got, eval_graph(graph, w1, b1, x), strict=True):
        np.testing.assert_allclose(a.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
