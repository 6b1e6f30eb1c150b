"""``cond``: outs = branches[clamp(index)](*operands), a switch over branch graphs whose
choice is made when the graph runs. ``cond(pred, true_fn, false_fn)`` is the two-branch
case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import batching, tree
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Graph, Type, Var
from workbench.core.primitive import Primitive
from workbench.core.primitives.control.call import call_p
from workbench.core.primitives.control.graphs import (
    RunGraph,
    backward_of,
    check_inputs,
    closed_graph,
    device_of,
    float_only,
    interpreted,
    jvp_of,
    types_of,
    zeros_for,
)
from workbench.core.trace import type_of
from workbench.core.values import Array


def _cond_shape(index: Any, *operands: Any, branches: tuple[Graph, ...]) -> tuple[Type, ...]:
    if tuple(index.shape) != () or not dtypes.is_int(index.dtype):
        raise TypeError(f"cond: the branch index must be an integer scalar, got {type_of(index)}")
    for i, branch in enumerate(branches):
        check_inputs("cond", branch, operands, f"branch {i}")
        if branch.out_types != branches[0].out_types:
            shown = ", ".join(map(str, branch.out_types))
            first = ", ".join(map(str, branches[0].out_types))
            raise TypeError(
                "cond: branches must return the same types: "
                f"branch 0 gives ({first}), branch {i} gives ({shown})"
            )
    return branches[0].out_types


def _cond_run(
    run_graph: RunGraph, xp: Any, index: Any, *operands: Any, branches: tuple[Graph, ...]
) -> Sequence[Any]:
    chosen = min(max(int(index), 0), len(branches) - 1)
    return run_graph(branches[chosen])(*operands)


cond_p = Primitive(
    "cond",
    impl=interpreted(_cond_run),
    shape=_cond_shape,
    multiple_results=True,
    nondiff_inputs=(0,),
    higher_order=True,
    family="control flow",
)
cond_p.run = _cond_run


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """Apply ``branches[index]`` to ``operands`` (index clamped into range), as one
    primitive whose params hold every branch's graph."""
    flat, in_tree = tree.flatten(operands)
    in_types = types_of(flat)
    graphs, consts, out_trees = [], [], []
    for fn in branches:
        g, c, out_tree = closed_graph(lambda *xs, fn=fn: fn(*tree.unflatten(in_tree, xs)), in_types)
        graphs.append(g)
        consts.append(c)
        out_trees.append(out_tree)
    if any(t != out_trees[0] for t in out_trees):
        raise TypeError(f"cond: branches must return the same structure, got {out_trees}")
    # One signature for every branch: (all branches' constants..., operands...); each
    # branch ignores the other branches' constants.
    const_types = [types_of(c) for c in consts]
    joined = []
    for i, g in enumerate(graphs):
        n_own = len(consts[i])
        before = tuple(Var(t) for ts in const_types[:i] for t in ts)
        after = tuple(Var(t) for ts in const_types[i + 1 :] for t in ts)
        inputs = before + g.inputs[:n_own] + after + g.inputs[n_own:]
        joined.append(Graph(inputs, g.equations, g.outputs))
    all_consts = [v for c in consts for v in c]
    if not hasattr(index, "shape"):
        index = Array(np.asarray(int(index), dtype=np.int32), device_of(operands))
    outs = apply(cond_p, ops.cast(index, dtypes.int32), *all_consts, *flat, branches=tuple(joined))
    return tree.unflatten(out_trees[0], outs)


def cond(
    pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any], *operands: Any
) -> Any:
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``, traceable: both
    branches become sub-graphs and the choice is made when the graph runs."""
    if not hasattr(pred, "shape"):
        pred = Array(np.asarray(bool(pred)), device_of(operands))
    if tuple(pred.shape) != ():
        raise TypeError(f"cond: the predicate must be a scalar, got {type_of(pred)}")
    return switch(ops.cast(pred, dtypes.int32), [false_fn, true_fn], *operands)


# tangents: the same switch over the branches' JVP graphs
@cond_p.jvp
def _cond_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, branches: tuple[Graph, ...]
) -> tuple[Any, Any]:
    index, *operands = primals
    filled = zeros_for(operands, tangents[1:])
    outs = apply(cond_p, index, *operands, *filled, branches=tuple(jvp_of(b) for b in branches))
    n = len(branches[0].outputs)
    return outs[:n], outs[n:]


# cotangents: the same switch over the branches' backward graphs (the index gets none)
@cond_p.vjp
def _cond_vjp(
    gs: Sequence[Any], index: Any, *operands: Any, out: Any, branches: tuple[Graph, ...]
) -> tuple[Any, ...]:
    backward = tuple(backward_of(b) for b in branches)
    cotangents = apply(cond_p, index, *operands, *zeros_for(out, gs), branches=backward)
    return (None, *float_only(operands, cotangents))


@cond_p.batch
def _cond_batch(values: Any, axes: Any, /, *, branches: tuple[Graph, ...]) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    index, operands = values[0], values[1:]
    n_out = len(branches[0].outputs)
    batched = tuple(batching.batch_graph(b, list(axes[1:]), [0] * n_out, size) for b in branches)
    if axes[0] is None:
        outs = apply(cond_p, index, *operands, branches=batched)
        return outs, (0,) * n_out
    # A different branch per example: run every branch on the batch, then select.
    index = batching.moveaxis(index, axes[0], 0)
    index = ops.minimum(ops.maximum(index, 0), len(branches) - 1)
    results = [apply(call_p, *operands, graph=g) for g in batched]
    chosen = list(results[0])
    for k in range(1, len(branches)):
        pick = ops.eq(index, k)
        for j, value in enumerate(results[k]):
            mask = ops.broadcast_to(
                ops.reshape(pick, (size,) + (1,) * (value.ndim - 1)), value.shape
            )
            chosen[j] = ops.select(mask, value, chosen[j])
    return tuple(chosen), (0,) * n_out
