"""The values and gradients behind a drawing: every intermediate value of a graph on
example inputs, every intermediate's gradient, and the backward pass as the list of
steps the core's reverse mode takes (read-only: the graph is evaluated, never changed)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.core.autodiff import VJPInterpreter, VJPTracer, backward_pass
from workbench.core.dispatch import apply, interpreter
from workbench.core.ir import Equation, Graph, Literal


def _host(v: Any) -> np.ndarray:
    while isinstance(v, VJPTracer):
        v = v.primal
    return np.asarray(v.numpy())


@dataclass
class BackwardStep:
    """One node the backward pass processes: the gradient arriving at its output and
    the gradients it sends to each input."""

    index: int  # the equation's position in the forward graph
    equation: Equation
    output_gradient: np.ndarray
    input_gradients: list[np.ndarray | None]


@dataclass
class Recording:
    values: dict[int, np.ndarray]  # id(var) -> value
    gradients: dict[int, np.ndarray]  # id(var) -> d output / d var
    steps: list[BackwardStep]


def record(graph: Graph, args: list[Any], output: int = 0) -> Recording:
    """Evaluate ``graph`` on ``args`` under the core's reverse-mode interpreter, then run
    the backward pass from output ``output`` (seeded with ones), keeping everything."""
    with interpreter(VJPInterpreter) as tape:
        leaves = [VJPTracer(tape, a, None) for a in args]
        env: dict[int, Any] = {id(v): leaf for v, leaf in zip(graph.inputs, leaves)}
        for var, value in graph.constants:
            env[id(var)] = value

        def read(atom: Any) -> Any:
            return atom.value if isinstance(atom, Literal) else env[id(atom)]

        for eqn in graph.equations:
            outs = apply(eqn.primitive, *(read(a) for a in eqn.inputs), **eqn.params)
            for var, value in zip(eqn.outputs, outs if eqn.primitive.multiple_results else (outs,)):
                env[id(var)] = value
    values = {k: _host(v) for k, v in env.items()}
    target = read(graph.outputs[output])
    var_of: dict[tuple[int, int | None], int] = {}
    eqn_of: dict[int, int] = {}
    for i, eqn in enumerate(graph.equations):
        for j, var in enumerate(eqn.outputs):
            t = env[id(var)]
            if isinstance(t, VJPTracer) and t.node is not None:
                var_of[(id(t.node), j if eqn.primitive.multiple_results else None)] = id(var)
                eqn_of[id(t.node)] = i
    gradients: dict[int, np.ndarray] = {}
    steps: list[BackwardStep] = []

    def on_gradient(key: Any, g: Any) -> Any:
        node = key[0] if isinstance(key, tuple) else key
        var_id = var_of.get((id(node), key[1] if isinstance(key, tuple) else None))
        if var_id is not None:
            gradients[var_id] = _host(g)
        i = eqn_of.get(id(node))
        if i is not None and not isinstance(key, tuple):
            eqn = graph.equations[i]
            prim = node.prim
            ins: list[np.ndarray | None] = [None] * len(node.inputs)
            if prim.vjp_rule is not None:
                kwargs = (
                    {"needs": tuple(p is not None for p in node.parents)}
                    if prim.vjp_takes_needs
                    else {}
                )
                grads = prim.vjp_rule(g, *node.inputs, out=node.outputs, **kwargs, **node.params)
                ins = [None if gi is None else _host(gi) for gi in grads]
            steps.append(BackwardStep(i, eqn, _host(g), ins))
        return g

    if isinstance(target, VJPTracer):
        seed = ops.ones_like(target.primal)
        input_grads = backward_pass([target], [seed], leaves, on_gradient=on_gradient)
        for var, g in zip(graph.inputs, input_grads):
            if g is not None:
                gradients[id(var)] = _host(g)
    return Recording(values, gradients, steps)


def vjp_equations(eqn: Equation) -> str | None:
    """What the backward pass computes for this one equation, as the core's own
    equations: the primitive's VJP rule traced on the equation's types. Its inputs are
    the gradient arriving at the output, the output, then the operation's inputs; its
    outputs are the gradients sent to each input. None where it cannot be shown (no
    rule, several outputs)."""
    from workbench.core.trace import make_graph  # noqa: PLC0415

    prim = eqn.primitive
    rule = prim.vjp_rule
    if rule is None or prim.multiple_results:
        return None
    inputs = list(eqn.inputs)
    variables = [a for a in inputs if not isinstance(a, Literal)]

    def backward(g: Any, out: Any, *xs: Any) -> list[Any]:
        given = iter(xs)
        operands = [a.value if isinstance(a, Literal) else next(given) for a in inputs]
        needs = tuple(not isinstance(a, Literal) for a in inputs)
        kwargs = {"needs": needs} if prim.vjp_takes_needs else {}
        grads = rule(g, *operands, out=out, **kwargs, **eqn.params)
        return [gr for gr, need in zip(grads, needs) if need and gr is not None]

    out_type = eqn.outputs[0].type
    try:
        graph = make_graph(backward, out_type, out_type, *(a.type for a in variables))
    except Exception:  # noqa: BLE001 - a rule that needs concrete values: show its source
        return None
    return str(graph)


def vjp_rule_source(eqn: Equation) -> str:
    """The source of the primitive's VJP rule (what the backward pass applies)."""
    rule = eqn.primitive.vjp_rule
    if rule is None:
        return f"{eqn.primitive.name}: no VJP rule (not differentiable)"
    try:
        return inspect.getsource(rule)
    except (OSError, TypeError):
        return repr(rule)
