"""``tf.gradients``: add the backward operations to the graph.

For every operation between ``xs`` and ``ys`` (latest first) one gradient operation is
added, named ``gradients/<op>_grad``: it takes the operation's inputs and the gradients
of its outputs and returns the gradients of its inputs, computed by the core's VJP of
the operation's function. Gradients reaching a tensor from several consumers are summed
by an ``AddN``. The backward pass is therefore ordinary graph operations: it can be
fetched, drawn and optimised like the forward pass (the compiler's common-subexpression
pass merges the forward values the VJPs recompute with the forward pass itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.core import autodiff, ops
from workbench.static.execution import graph_tensor, make_op
from workbench.static.framework import Operation, Tensor, get_default_graph


def _listify(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else [x]


def _between(
    xs: Sequence[Tensor], ys: Sequence[Tensor], stops: set[int]
) -> tuple[list[Operation], set[int]]:
    """Differentiable operations on a path from some x to some y, in creation order, and
    the ids of the tensors computed from some x."""
    graph_ops = ys[0].graph.get_operations()
    reaches_y: set[int] = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if id(op) in reaches_y:
            continue
        reaches_y.add(id(op))
        stack.extend(t.op for t in op.inputs)
    from_x: set[int] = {id(x) for x in xs}
    path = []
    for op in graph_ops:
        if id(op) not in reaches_y:
            continue
        if any(id(t) in from_x for t in op.inputs) and op.differentiable and not op.writes:
            if op.fn is None or op.attrs.get("random"):
                continue
            if any(id(t) in stops for t in op.outputs):
                continue
            from_x.update(id(t) for t in op.outputs)
            path.append(op)
    return path, from_x


def _grad_fn(op: Operation, present: list[bool], wanted: list[int]) -> Any:
    n = len(op.inputs)

    def backward(*values: Any) -> Any:
        inputs = list(values[:n])
        given = iter(values[n:])

        def forward(*chosen: Any) -> Any:
            args = list(inputs)
            for i, v in zip(wanted, chosen):
                args[i] = v
            return op.fn(*args)  # type: ignore[misc]

        out, pullback = autodiff.vjp(forward, *[inputs[i] for i in wanted])
        outs = out if isinstance(out, tuple) else (out,)
        cotangents = [next(given) if p else ops.zeros_like(o) for p, o in zip(present, outs)]
        grads = pullback(tuple(cotangents) if isinstance(out, tuple) else cotangents[0])
        grads = tuple(ops.zeros_like(inputs[i]) if g is None else g for i, g in zip(wanted, grads))
        return grads if len(grads) > 1 else grads[0]

    return backward


def gradients(
    ys: Any,
    xs: Any,
    grad_ys: Any = None,
    name: str = "gradients",
    colocate_gradients_with_ops: bool = False,
    gate_gradients: bool = False,
    aggregation_method: Any = None,
    stop_gradients: Any = None,
    unconnected_gradients: str = "none",
) -> list[Any]:
    """d(sum of ys)/d(each x), as new tensors of the graph (``None`` where x does not
    affect ys). Mirrors: tf.compat.v1.gradients."""
    graph = get_default_graph()
    y_list = [graph_tensor(graph, y) for y in _listify(ys)]
    x_list = [graph_tensor(graph, x) for x in _listify(xs)]
    stops = (
        {id(graph_tensor(graph, s)) for s in _listify(stop_gradients)}
        if stop_gradients is not None
        else set()
    )
    seeds = _listify(grad_ys) if grad_ys is not None else [None] * len(y_list)
    contributions: dict[int, list[Tensor]] = {}
    with graph.name_scope(name + "/"):
        for y, g in zip(y_list, seeds):
            if g is None:
                g = make_op("Fill", [y], ops.ones_like, name="Fill", differentiable=False)
            contributions.setdefault(id(y), []).append(graph_tensor(graph, g, dtype=y.dtype))
        path, from_x = _between(x_list, y_list, stops)
        for op in reversed(path):
            out_grads = [_total(contributions.get(id(t))) for t in op.outputs]
            if all(g is None for g in out_grads):
                continue
            wanted = [
                i
                for i, t in enumerate(op.inputs)
                if t.dtype.is_floating and id(t) not in stops and id(t) in from_x
            ]
            if not wanted:
                continue
            present = [g is not None for g in out_grads]
            out = make_op(
                f"{op.type}Grad",
                [*op.inputs, *(g for g in out_grads if g is not None)],
                _grad_fn(op, present, wanted),
                name=f"{op.name.split('/')[-1]}_grad",
                # each gradient has its input's type, unknown dimensions included
                out_types=[(op.inputs[i].dtype, op.inputs[i].shape) for i in wanted],
            )
            results = list(out) if isinstance(out, tuple) else [out]
            for i, r in zip(wanted, results):
                contributions.setdefault(id(op.inputs[i]), []).append(r)
        answers = []
        for x in x_list:
            total = _total(contributions.get(id(x)))
            if total is None and unconnected_gradients == "zero":
                total = make_op("ZerosLike", [x], ops.zeros_like, differentiable=False)
            answers.append(total)
    return answers


def _total(parts: list[Tensor] | None) -> Tensor | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    from workbench.static.math_ops import add_n  # noqa: PLC0415

    return add_n(parts)
