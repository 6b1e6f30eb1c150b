"""Dead-code elimination: drop equations (and constants) no output depends on.

Every primitive is pure (random bits come from explicit keys), so anything unused can go —
except the effectful ones (host callbacks, ``debug.print``), which stay.
"""

from __future__ import annotations

from workbench.core.ir import Graph, Var
from workbench.core.passes.base import PassReport, count_equations, map_subgraphs


def _dce(graph: Graph) -> Graph:
    live = {id(a) for a in graph.outputs if isinstance(a, Var)}
    kept = []
    for eqn in reversed(graph.equations):
        if eqn.primitive.effectful or any(id(v) in live for v in eqn.outputs):
            kept.append(map_subgraphs(eqn, _dce))
            live.update(id(a) for a in eqn.inputs if isinstance(a, Var))
    kept.reverse()
    constants = tuple((v, value) for v, value in graph.constants if id(v) in live)
    return Graph(graph.inputs, tuple(kept), graph.outputs, constants)


def dce(graph: Graph) -> tuple[Graph, PassReport]:
    """Remove dead equations, in sub-graphs too (their signatures stay)."""
    result = _dce(graph)
    return result, PassReport("dce", count_equations(graph), count_equations(result))
