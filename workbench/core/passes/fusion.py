"""Elementwise fusion: gather chains of elementwise equations into one ``fused`` node.

An equation can join a group when its primitive has a kernel expression
(``Primitive.fusion``) and every variable it reads has its result's shape (a literal is a
constant inside a kernel, so broadcasting a scalar literal joins too). A group grows from
such an equation into the ones producing its inputs, as long as each such input is used
by nothing else (so the intermediate never needs to exist outside the group). Each group
of two or more equations becomes one ``fused`` equation whose param is the group's graph;
executors run it as one kernel.
"""

from __future__ import annotations

from workbench.core import primitives
from workbench.core.ir import Atom, Equation, Graph, Literal, Var
from workbench.core.passes.base import PassReport, count_equations, map_subgraphs


def is_elementwise(eqn: Equation) -> bool:
    """Whether a kernel can compute ``eqn`` element by element."""
    if eqn.primitive.fusion is None or len(eqn.outputs) != 1:
        return False
    shape = eqn.outputs[0].type.shape
    for a in eqn.inputs:
        # a kernel reads variables of its own shape; a literal becomes one C constant
        fits = a.type.shape == shape if isinstance(a, Var) else a.type.size == 1
        if not fits:
            return False
    return True


def _is_constant(eqn: Equation) -> bool:
    """An elementwise equation of literals only (a broadcast scalar): a kernel constant."""
    return is_elementwise(eqn) and all(isinstance(a, Literal) for a in eqn.inputs)


def _private_constants(equations: list[Equation], outputs: tuple[Atom, ...]) -> list[Equation]:
    """Give every elementwise consumer its own copy of a broadcast scalar literal, so each
    group can keep the constant inside its kernel instead of reading a broadcast array."""
    constants = {id(e.outputs[0]): e for e in equations if _is_constant(e)}
    result: list[Equation] = []
    for eqn in equations:
        if is_elementwise(eqn) and not _is_constant(eqn):
            inputs = []
            for a in eqn.inputs:
                source = constants.get(id(a)) if isinstance(a, Var) else None
                if source is None:
                    inputs.append(a)
                    continue
                copy = Var(a.type, getattr(a, "hint", ""))
                result.append(Equation(source.primitive, source.inputs, (copy,), source.params))
                inputs.append(copy)
            eqn = Equation(eqn.primitive, tuple(inputs), eqn.outputs, eqn.params)
        result.append(eqn)
    used = {id(a) for e in result for a in e.inputs if isinstance(a, Var)}
    used |= {id(a) for a in outputs if isinstance(a, Var)}
    return [e for e in result if not _is_constant(e) or id(e.outputs[0]) in used]


def _fuse(graph: Graph, counts: dict[str, int]) -> Graph:
    equations = [map_subgraphs(e, lambda g: _fuse(g, counts)) for e in graph.equations]
    equations = _private_constants(equations, graph.outputs)
    # Groups grow backwards from their last equation: an elementwise producer joins when
    # every consumer of its result is already in the group (and the result is not a graph
    # output), so intermediates never need to exist outside the kernel and a value read
    # twice inside one group (x * a + x * b) does not split it.
    consumers: dict[int, set[int]] = {}
    for i, eqn in enumerate(equations):
        for a in eqn.inputs:
            if isinstance(a, Var):
                consumers.setdefault(id(a), set()).add(i)
    outputs = {id(a) for a in graph.outputs if isinstance(a, Var)}
    producer = {id(v): i for i, e in enumerate(equations) for v in e.outputs}
    assigned: set[int] = set()
    members: dict[int, list[int]] = {}
    for last in reversed(range(len(equations))):
        eqn = equations[last]
        if last in assigned or not is_elementwise(eqn) or len(eqn.outputs) != 1:
            continue
        group = {last}
        frontier = [last]
        while frontier:
            i = frontier.pop()
            for a in equations[i].inputs:
                j = producer.get(id(a)) if isinstance(a, Var) else None
                if j is None or j in group or j in assigned:
                    continue
                candidate = equations[j]
                if not is_elementwise(candidate) or len(candidate.outputs) != 1:
                    continue
                out = candidate.outputs[0]
                if id(out) in outputs or out.type.device is not eqn.outputs[0].type.device:
                    continue
                if consumers.get(id(out), set()) <= group:
                    group.add(j)
                    frontier.append(j)
        assigned |= group
        members[last] = sorted(group)

    result: list[Equation] = []
    fused_at = {last: idx for last, idx in members.items() if len(idx) > 1}
    absorbed = {k for idx in fused_at.values() for k in idx}
    for i, eqn in enumerate(equations):
        if i in fused_at:
            result.append(_fused_equation([equations[k] for k in fused_at[i]]))
            counts["groups"] = counts.get("groups", 0) + 1
            counts["fused equations"] = counts.get("fused equations", 0) + len(fused_at[i])
        elif i not in absorbed:
            result.append(eqn)
    return Graph(graph.inputs, tuple(result), graph.outputs, graph.constants)


def _fused_equation(group: list[Equation]) -> Equation:
    defined = {id(v) for e in group for v in e.outputs}
    external: list[Atom] = []
    seen: set[int] = set()
    for e in group:
        for a in e.inputs:
            if isinstance(a, Var) and id(a) not in defined and id(a) not in seen:
                seen.add(id(a))
                external.append(a)
    # The sub-graph gets fresh input variables; inside it the group's equations read them.
    inner_inputs = tuple(Var(a.type) for a in external)
    rename = {id(a): v for a, v in zip(external, inner_inputs)}
    body = []
    for e in group:
        inputs = tuple(rename.get(id(a), a) if isinstance(a, Var) else a for a in e.inputs)
        body.append(Equation(e.primitive, inputs, e.outputs, e.params))
    output = group[-1].outputs[0]
    inner = Graph(inner_inputs, tuple(body), (output,))
    outer_output = Var(output.type, output.hint)
    # The node's output must be a different Var from the sub-graph's (single assignment
    # holds per graph); later equations keep reading the original variable, so the fused
    # node defines the original and the sub-graph gets a copy of its last equation.
    last = body[-1]
    inner_last = Equation(last.primitive, last.inputs, (outer_output,), last.params)
    inner = Graph(inner_inputs, tuple(body[:-1]) + (inner_last,), (outer_output,))
    return Equation(primitives.fused_p, tuple(external), (output,), {"graph": inner})


def fuse_elementwise(graph: Graph) -> tuple[Graph, PassReport]:
    """Group elementwise chains into ``fused`` nodes (one kernel each)."""
    counts: dict[str, int] = {}
    result = _fuse(graph, counts)
    return result, PassReport("fusion", count_equations(graph), count_equations(result), counts)
