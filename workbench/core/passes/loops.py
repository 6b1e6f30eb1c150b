"""Loop merging: two ``scan``s over the same operands become one loop.

Reverse mode through a ``scan`` leaves two forward loops in a training step's graph: the
primal loop (its final carry and ys) and the loop that records, step by step, what the
backward pass needs (gates, activations, the carry it saw). Both run the same body on the
same constants, initial carry and scanned inputs, so one loop can produce everything:
the merged body computes both bodies, common subexpressions eliminated, and the forward
step runs once per iteration instead of twice (JAX gets the same by linearising the
body before it stages the loop).

The merge is only made when it is provably the same computation: equal operands and loop
parameters, no effects in either body (their number would change), and the second loop's
final carry computed, after CSE, by exactly the same equations as the first's.

Loop trimming (``trim_loops``): a loop stacks each of its per-step results (ys) into an
array of its own, a copy per step. The backward loop returns the same per-step value
twice (the gate gradient is both the scanned input's cotangent and a factor of the
recurrent weight's product) and hands a saved activation back unchanged (the other
factor). Such a y is dropped from the loop: a repeated one is read from its first
stack, one that is a scanned input's slice is that input itself (row ``t`` of both is
step ``t``'s slice, in either direction), and one nothing reads is not stacked at all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from workbench.core.ir import Equation, Graph, Var
from workbench.core.passes.base import (
    PassReport,
    Substitution,
    atom_key,
    count_equations,
    map_subgraphs,
)


def _effectful(graph: Graph) -> bool:
    for eqn in graph.equations:
        if eqn.primitive.effectful:
            return True
        for value in eqn.params.values():
            inner = value if isinstance(value, tuple) else (value,)
            if any(isinstance(g, Graph) and _effectful(g) for g in inner):
                return True
    return False


def _loop_key(eqn: Equation) -> Any:
    p = eqn.params
    return (
        tuple(atom_key(a) for a in eqn.inputs),
        p["n_consts"],
        p["n_carry"],
        p["length"],
        p["reverse"],
    )


def _merged_body(first: Graph, second: Graph, n_carry: int) -> Graph | None:
    """One body computing ``first``'s carry and ys and ``second``'s ys, or None when the
    two bodies' new carries are not the same computation."""
    from workbench.core.passes.cse import _cse  # noqa: PLC0415
    from workbench.core.passes.dce import _dce  # noqa: PLC0415
    from workbench.core.trace import eval_graph, make_graph  # noqa: PLC0415

    def both(*args: Any) -> list[Any]:
        return list(eval_graph(first, *args)) + list(eval_graph(second, *args))

    joined = _cse(make_graph(both, *first.in_types))
    n_first = len(first.outputs)
    outs = joined.outputs
    if any(a is not b for a, b in zip(outs[:n_carry], outs[n_first : n_first + n_carry])):
        return None
    kept = outs[:n_first] + outs[n_first + n_carry :]
    return _dce(Graph(joined.inputs, joined.equations, kept, joined.constants))


def _renamed(eqn: Equation, subst: Substitution) -> Equation:
    """``eqn`` reading the substituted atoms."""
    return Equation(eqn.primitive, tuple(subst(a) for a in eqn.inputs), eqn.outputs, eqn.params)


def _merge(graph: Graph, counts: Counter[str]) -> Graph:
    # here, not at the top: the primitives' package imports the passes
    from workbench.core.primitives.control.scan import scan_p  # noqa: PLC0415

    equations = [map_subgraphs(e, lambda g: _merge(g, counts)) for e in graph.equations]
    subst = Substitution()
    first_of: dict[Any, int] = {}  # loop key -> index in `kept` of the first such scan
    kept: list[Equation | None] = []
    for original in equations:
        eqn = _renamed(original, subst)
        if eqn.primitive is not scan_p or _effectful(eqn.params["body"]):
            kept.append(eqn)
            continue
        key = _loop_key(eqn)
        where = first_of.get(key)
        if where is None:
            first_of[key] = len(kept)
            kept.append(eqn)
            continue
        earlier = kept[where]
        assert earlier is not None
        n_carry = eqn.params["n_carry"]
        body = _merged_body(earlier.params["body"], eqn.params["body"], n_carry)
        if body is None:
            kept.append(eqn)
            continue
        for mine, theirs in zip(eqn.outputs[:n_carry], earlier.outputs[:n_carry]):
            subst[mine] = theirs
        kept[where] = Equation(
            earlier.primitive,
            earlier.inputs,
            earlier.outputs + eqn.outputs[n_carry:],
            dict(earlier.params, body=body),
        )
        counts["merged loops"] += 1
    outputs = tuple(subst(a) for a in graph.outputs)
    return Graph(graph.inputs, tuple(e for e in kept if e is not None), outputs, graph.constants)


def _trim(graph: Graph, counts: Counter[str]) -> Graph:
    from workbench.core.primitives.control.scan import scan_p  # noqa: PLC0415

    equations = [map_subgraphs(e, lambda g: _trim(g, counts)) for e in graph.equations]
    subst = Substitution()
    trimmed = []
    for original in equations:
        eqn = _renamed(original, subst)
        trimmed.append(_repeats_dropped(eqn, subst, counts) if eqn.primitive is scan_p else eqn)
    outputs = tuple(subst(a) for a in graph.outputs)
    read = {id(a) for a in outputs} | {id(a) for e in trimmed for a in e.inputs}
    kept = [
        _kept_ys(e, [id(v) in read for v in e.outputs], counts, "ys unused")
        if e.primitive is scan_p
        else e
        for e in trimmed
    ]
    return Graph(graph.inputs, tuple(kept), outputs, graph.constants)


def _repeats_dropped(eqn: Equation, subst: Substitution, counts: Counter[str]) -> Equation:
    """``eqn`` (a scan) without the ys that repeat an earlier y or a scanned input's slice;
    their stacks are replaced, in ``subst``, by the first y's stack or by that input."""
    body, n_carry = eqn.params["body"], eqn.params["n_carry"]
    start = eqn.params["n_consts"] + n_carry
    scanned = {
        id(v): outer
        for v, outer in zip(body.inputs[start:], eqn.inputs[start:])
        if outer.type.shape == (eqn.params["length"], *v.type.shape)
    }
    first: dict[int, Any] = {}
    keep = [True] * len(eqn.outputs)
    for k in range(n_carry, len(eqn.outputs)):
        y, stacked = body.outputs[k], eqn.outputs[k]
        if not isinstance(y, Var):
            continue
        if id(y) in scanned:
            subst[stacked] = scanned[id(y)]
            counts["ys passed through"] += 1
        elif id(y) in first:
            subst[stacked] = first[id(y)]
            counts["ys repeated"] += 1
        else:
            first[id(y)] = stacked
            continue
        keep[k] = False
    return _kept_ys(eqn, keep, counts, None)


def _kept_ys(eqn: Equation, keep: list[bool], counts: Counter[str], why: str | None) -> Equation:
    """``eqn`` (a scan) with the ys where ``keep`` is False removed (carries always stay)."""
    n_carry = eqn.params["n_carry"]
    keep = [True] * n_carry + keep[n_carry:]
    if all(keep):
        return eqn
    if why is not None:
        counts[why] += keep.count(False)
    body = eqn.params["body"]
    outputs = tuple(v for v, k in zip(body.outputs, keep) if k)
    return Equation(
        eqn.primitive,
        eqn.inputs,
        tuple(v for v, k in zip(eqn.outputs, keep) if k),
        dict(eqn.params, body=Graph(body.inputs, body.equations, outputs, body.constants)),
    )


def trim_loops(graph: Graph) -> tuple[Graph, PassReport]:
    """Drop the ys of ``scan``s that repeat another y, repeat a scanned input, or are not
    read (run DCE after it: the equations that made them go then)."""
    counts: Counter[str] = Counter()
    result = _trim(graph, counts)
    return result, PassReport(
        "trim_loops", count_equations(graph), count_equations(result), dict(counts)
    )


def merge_loops(graph: Graph) -> tuple[Graph, PassReport]:
    """Merge ``scan``s that loop over the same operands (run CSE first, so equal operands
    are the same variables)."""
    counts: Counter[str] = Counter()
    result = _merge(graph, counts)
    return result, PassReport(
        "merge_loops", count_equations(graph), count_equations(result), dict(counts)
    )
