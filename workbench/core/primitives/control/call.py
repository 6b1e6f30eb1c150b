"""``call``: outs = graph(*args), what jit compiles (transformations map onto the graph);
and ``fused``: a group of elementwise equations the fusion pass gathered into one node,
run as one kernel (a generated loop on the CPU, one CUDA kernel on the GPU)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.core import batching
from workbench.core.dispatch import apply
from workbench.core.ir import Graph, Type
from workbench.core.primitive import Primitive
from workbench.core.primitives.control.graphs import (
    RunGraph,
    backward_of,
    check_inputs,
    compiled,
    float_only,
    jvp_of,
    zeros_for,
)
from workbench.core.trace import eval_graph


def _call_shape(*types: Any, graph: Graph) -> tuple[Type, ...]:
    check_inputs("call", graph, types, "the graph")
    return graph.out_types


def _call_run(run_graph: RunGraph, xp: Any, *args: Any, graph: Graph) -> Sequence[Any]:
    return run_graph(graph)(*args)


call_p = Primitive(
    "call",
    impl=compiled(_call_run),
    shape=_call_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
call_p.run = _call_run


def call(graph: Graph, *args: Any) -> tuple[Any, ...]:
    return apply(call_p, *args, graph=graph)


# (args, tangents) -> jvp(graph)(args, tangents) = (outs, out tangents)
@call_p.jvp
def _call_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, graph: Graph) -> tuple[Any, Any]:
    outs = apply(call_p, *primals, *zeros_for(primals, tangents), graph=jvp_of(graph))
    n = len(graph.outputs)
    return outs[:n], outs[n:]


# gs -> backward(graph)(args, gs) = cotangents of args
@call_p.vjp
def _call_vjp(gs: Sequence[Any], *args: Any, out: Any, graph: Graph) -> tuple[Any, ...]:
    cotangents = apply(call_p, *args, *zeros_for(out, gs), graph=backward_of(graph))
    return tuple(float_only(args, cotangents))


@call_p.batch
def _call_batch(values: Any, axes: Any, /, *, graph: Graph) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    batched = batching.batch_graph(graph, list(axes), [0] * len(graph.outputs), size)
    outs = apply(call_p, *values, graph=batched)
    return outs, (0,) * len(outs)


# fused means exactly what its graph means, so every rule is call's. A plan runs it as
# one native kernel when one can be built, and as its equations otherwise.
def _fused_lower(lowering: Any, eqn: Any) -> list[Any]:
    kernel = lowering.kernel(eqn.params["graph"])
    if kernel is not None:
        return [lowering.step(eqn, kernel, "kernel")]
    return lowering.inline(eqn)


fused_p = Primitive(
    "fused",
    impl=lambda *args, graph: eval_graph(graph, *args),
    shape=_call_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
fused_p.run = _call_run
fused_p.lower = _fused_lower
fused_p.fused_group = True
fused_p.jvp(_call_jvp)
fused_p.vjp(_call_vjp)
fused_p.batch(_call_batch)
