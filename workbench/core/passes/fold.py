"""Constant folding: evaluate, at compile time, equations whose inputs are all known.

Scalar results become literals; larger ones become graph constants. Broadcasts of a
constant stay (they are free views, and folding them would store big arrays), as do
higher-order equations and results over ``MAX_FOLD_SIZE`` elements.
"""

from __future__ import annotations

from typing import Any

from workbench.core import primitives as ops
from workbench.core.dispatch import evaluate
from workbench.core.ir import Equation, Graph, Literal, Var
from workbench.core.passes.base import PassReport, Substitution, count_equations, map_subgraphs
from workbench.core.values import Array

MAX_FOLD_SIZE = 1 << 16


def _fold(graph: Graph, counts: dict[str, int]) -> Graph:
    known: dict[int, Any] = {
        id(v): value for v, value in graph.constants if isinstance(value, Array)
    }
    subst = Substitution()
    constants = list(graph.constants)
    kept = []
    for eqn in graph.equations:
        inputs = tuple(subst(a) for a in eqn.inputs)
        values = [a.value if isinstance(a, Literal) else known.get(id(a)) for a in inputs]
        foldable = (
            values
            and all(v is not None for v in values)
            and not eqn.primitive.higher_order
            and not eqn.primitive.effectful
            and eqn.primitive is not ops.broadcast_to_p  # a constant the size of its shape
            and all(v.type.size <= MAX_FOLD_SIZE for v in eqn.outputs)
        )
        if foldable:
            # Evaluate directly (not through apply): a pass may run while a trace is open.
            outs = evaluate(eqn.primitive, values, eqn.params)
            for var, value in zip(eqn.outputs, outs):
                if value.ndim == 0:
                    subst[var] = Literal(value)
                else:
                    known[id(var)] = value
                    constants.append((var, value))
            counts["folded"] = counts.get("folded", 0) + 1
            continue
        kept.append(
            map_subgraphs(
                Equation(eqn.primitive, inputs, eqn.outputs, eqn.params), lambda g: _fold(g, counts)
            )
        )
    outputs = tuple(subst(a) for a in graph.outputs)
    used = {id(a) for e in kept for a in e.inputs if isinstance(a, Var)} | {
        id(a) for a in outputs if isinstance(a, Var)
    }
    constants = [(v, value) for v, value in constants if id(v) in used]
    return Graph(graph.inputs, tuple(kept), outputs, tuple(constants))


def constant_fold(graph: Graph) -> tuple[Graph, PassReport]:
    """Compute what does not depend on the inputs once, now."""
    counts: dict[str, int] = {}
    result = _fold(graph, counts)
    return result, PassReport(
        "constant_fold", count_equations(graph), count_equations(result), counts
    )
