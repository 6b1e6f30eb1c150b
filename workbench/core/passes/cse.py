"""Common-subexpression elimination: an equation identical to an earlier one (same
primitive, same inputs, same params) reuses the earlier outputs."""

from __future__ import annotations

from typing import Any

from workbench.core.ir import Equation, Graph
from workbench.core.passes.base import (
    PassReport,
    Substitution,
    atom_key,
    count_equations,
    map_subgraphs,
    params_key,
)


def _cse(graph: Graph) -> Graph:
    subst = Substitution()
    seen: dict[Any, Equation] = {}
    kept = []
    for eqn in graph.equations:
        inputs = tuple(subst(a) for a in eqn.inputs)
        eqn = map_subgraphs(Equation(eqn.primitive, inputs, eqn.outputs, eqn.params), _cse)
        key = (eqn.primitive.name, tuple(atom_key(a) for a in inputs), params_key(eqn.params))
        earlier = None if eqn.primitive.effectful else seen.get(key)
        if earlier is not None:
            for mine, theirs in zip(eqn.outputs, earlier.outputs):
                subst[mine] = theirs
            continue
        seen[key] = eqn
        kept.append(eqn)
    outputs = tuple(subst(a) for a in graph.outputs)
    return Graph(graph.inputs, tuple(kept), outputs, graph.constants)


def cse(graph: Graph) -> tuple[Graph, PassReport]:
    """Merge repeated computations."""
    result = _cse(graph)
    return result, PassReport("cse", count_equations(graph), count_equations(result))
