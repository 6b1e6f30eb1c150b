"""Elementwise fusion: gather chains of elementwise equations into one ``fused`` node.

An equation can join a group when its primitive has a kernel expression
(``Primitive.fusion``) and every variable it reads has its result's shape (a literal is a
constant inside a kernel, so broadcasting a scalar literal joins too). A group grows from
such an equation into the ones producing its inputs, as long as each such input is used
by nothing else (so the intermediate never needs to exist outside the group) — or, on the
CPU, when it is read outside only after the group's last equation: it is then one more
result of the group. Each group of two or more equations becomes one ``fused`` equation
whose param is the group's graph; executors run it as one kernel.
"""

from __future__ import annotations

from workbench.core import primitives
from workbench.core.ir import Atom, Equation, Graph, Literal, Var
from workbench.core.passes.base import PassReport, count_equations, map_subgraphs

# A group may hand out the results of some members besides its last (a kernel with several
# outputs, on the CPU): an LSTM cell's gates and state, and the derivatives its backward
# pass keeps, come from one pass instead of one kernel each.
MAX_EXTRA_OUTPUTS = 15


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
        device = eqn.outputs[0].type.device
        group = {last}
        extra = 0  # members whose results are needed outside the group too
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
                if out.type.device is not device:
                    continue
                outside = consumers.get(id(out), set()) - group
                if not outside and id(out) not in outputs:
                    group.add(j)
                    frontier.append(j)
                elif (  # a second result of the group's kernel, read after it
                    device.platform == "cpu"
                    and extra < MAX_EXTRA_OUTPUTS
                    and out.type.shape == eqn.outputs[0].type.shape
                    and all(k > last for k in outside)
                ):
                    group.add(j)
                    frontier.append(j)
                    extra += 1
        assigned |= group
        members[last] = sorted(group)
    _merge_readers(equations, members, consumers, outputs)

    result: list[Equation] = []
    fused_at = {last: idx for last, idx in members.items() if len(idx) > 1}
    absorbed = {k for idx in fused_at.values() for k in idx}
    for i, eqn in enumerate(equations):
        if i in fused_at:
            chosen = [equations[k] for k in fused_at[i]]
            results = _results(chosen, fused_at[i], consumers, outputs)
            result.append(_fused_equation(chosen, results))
            counts["groups"] = counts.get("groups", 0) + 1
            counts["fused equations"] = counts.get("fused equations", 0) + len(fused_at[i])
        elif i not in absorbed:
            result.append(eqn)
    return Graph(graph.inputs, tuple(result), graph.outputs, graph.constants)


def _merge_readers(
    equations: list[Equation],
    members: dict[int, list[int]],
    consumers: dict[int, set[int]],
    outputs: set[int],
) -> None:
    """On the CPU, fold a later group (or a lone elementwise equation) that reads an
    earlier group's results into the earlier group, as more results of its kernel, when
    everything else it reads is ready before the earlier group runs: the derivatives a
    backward pass keeps (1 - tanh², σ(1 - σ)) then come out of the kernel that computed
    tanh and σ. ``members`` maps where each group runs to its equations; merged groups
    run where the earlier one did."""
    ready: dict[int, int] = {}  # variable -> where it becomes available
    group_at: dict[int, int] = {}  # equation -> where its group runs
    for at, indices in members.items():
        for k in indices:
            ready[id(equations[k].outputs[0])] = at
            group_at[k] = at
    for i, eqn in enumerate(equations):
        for v in eqn.outputs:
            ready.setdefault(id(v), i)
    for a in sorted(members):
        if a not in members:
            continue
        first = equations[a].outputs[0].type
        if first.device.platform != "cpu":
            continue
        group = set(members[a])
        defined = {id(equations[k].outputs[0]) for k in group}
        tried: set[int] = set()
        while True:  # the later groups reading what this one defines, nearest first
            readers = {group_at[c] for v in defined for c in consumers.get(v, ()) if c in group_at}
            later = sorted(b for b in readers if b > a and b not in tried)
            if not later:
                break
            b = later[0]
            tried.add(b)
            other = members[b]
            if any(equations[k].outputs[0].type.shape != first.shape for k in other) or any(
                equations[k].outputs[0].type.device is not first.device for k in other
            ):
                continue
            reads = [x for k in other for x in equations[k].inputs if isinstance(x, Var)]
            own = {id(equations[k].outputs[0]) for k in other}
            if any(
                id(x) not in defined and id(x) not in own and ready.get(id(x), -1) >= a
                for x in reads
            ):
                continue  # it needs something computed after the earlier group
            union = group | set(other)
            chosen = [equations[k] for k in sorted(union)]
            if len(_results(chosen, sorted(union), consumers, outputs)) > MAX_EXTRA_OUTPUTS + 1:
                continue
            group, defined = union, defined | own
            for key in own:
                ready[key] = a
            for k in other:
                group_at[k] = a
            del members[b]
        members[a] = sorted(group)


def _results(
    group: list[Equation], indices: list[int], consumers: dict[int, set[int]], outputs: set[int]
) -> list[Var]:
    """The group's results: those of its members read outside the group (or returned by
    the graph), in equation order."""
    inside = set(indices)
    return [
        e.outputs[0]
        for e in group
        if e is group[-1]  # always a result, as before groups had several
        or consumers.get(id(e.outputs[0]), set()) - inside
        or id(e.outputs[0]) in outputs
    ]


def _fused_equation(group: list[Equation], results: list[Var]) -> Equation:
    defined = {id(v) for e in group for v in e.outputs}
    external: list[Atom] = []
    seen: set[int] = set()
    for e in group:
        for a in e.inputs:
            if isinstance(a, Var) and id(a) not in defined and id(a) not in seen:
                seen.add(id(a))
                external.append(a)
    # The sub-graph gets fresh variables: inputs, and a copy of every result. Its outputs
    # must be different Vars from the node's (single assignment holds per graph); later
    # equations keep reading the original variables, which the fused node defines.
    inner_inputs = tuple(Var(a.type) for a in external)
    rename: dict[int, Var] = {id(a): v for a, v in zip(external, inner_inputs)}
    copies = {id(v): Var(v.type, v.hint) for v in results}
    rename.update(copies)
    body = []
    for e in group:
        inputs = tuple(rename.get(id(a), a) if isinstance(a, Var) else a for a in e.inputs)
        defined_here = tuple(copies.get(id(v), v) for v in e.outputs)
        body.append(Equation(e.primitive, inputs, defined_here, e.params))
    inner = Graph(inner_inputs, tuple(body), tuple(copies[id(v)] for v in results))
    return Equation(primitives.fused_p, tuple(external), tuple(results), {"graph": inner})


def fuse_elementwise(graph: Graph) -> tuple[Graph, PassReport]:
    """Group elementwise chains into ``fused`` nodes (one kernel each)."""
    counts: dict[str, int] = {}
    result = _fuse(graph, counts)
    return result, PassReport("fusion", count_equations(graph), count_equations(result), counts)
