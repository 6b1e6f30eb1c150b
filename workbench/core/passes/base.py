"""What every pass shares: the report, equation counting, substitution of variables,
applying a pass inside sub-graphs, and the pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.core.ir import Atom, Equation, Graph, Literal, Var

Pass = Callable[[Graph], tuple[Graph, "PassReport"]]


@dataclass(frozen=True)
class PassReport:
    """What one pass changed: equation counts before and after (sub-graphs included)
    and pass-specific details (rules that fired, groups formed…)."""

    name: str
    before: int
    after: int
    details: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.name}: {self.before} -> {self.after} equations"
        if self.details:
            text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(self.details.items())) + ")"
        return text


def count_equations(graph: Graph) -> int:
    """Equations in ``graph`` and, recursively, in the sub-graphs its params hold; a
    fused group counts as one (it runs as one kernel)."""
    from workbench.core.ir import subgraphs  # noqa: PLC0415

    total = 0
    pending = [graph]
    while pending:
        g = pending.pop()
        total += len(g.equations)
        for eqn in g.equations:
            if not eqn.primitive.fused_group:
                pending.extend(subgraphs(eqn))
    return total


class Substitution:
    """Variables replaced by other atoms (resolved transitively)."""

    def __init__(self) -> None:
        self._map: dict[int, Atom] = {}

    def __setitem__(self, var: Var, atom: Atom) -> None:
        self._map[id(var)] = self(atom)

    def __call__(self, atom: Atom) -> Atom:
        while isinstance(atom, Var) and id(atom) in self._map:
            atom = self._map[id(atom)]
        return atom

    def __bool__(self) -> bool:
        return bool(self._map)


def map_subgraphs(eqn: Equation, fn: Callable[[Graph], Graph]) -> Equation:
    """``eqn`` with every graph in its params replaced by ``fn(graph)``."""
    changed = False
    params: dict[str, Any] = {}
    for key, value in eqn.params.items():
        if isinstance(value, Graph):
            params[key] = fn(value)
            changed = True
        elif isinstance(value, tuple) and value and all(isinstance(v, Graph) for v in value):
            params[key] = tuple(fn(v) for v in value)
            changed = True
        else:
            params[key] = value
    return Equation(eqn.primitive, eqn.inputs, eqn.outputs, params) if changed else eqn


def atom_key(atom: Atom) -> Any:
    """A hashable identity: variables by object, literals by value and type."""
    if isinstance(atom, Literal):
        value = atom.value.numpy()
        return ("literal", value.dtype.str, value.shape, value.tobytes())
    return id(atom)


def params_key(params: dict[str, Any]) -> Any:
    def hashable(v: Any) -> Any:
        if isinstance(v, Graph):
            return ("graph", id(v))
        if isinstance(v, tuple):
            return tuple(hashable(x) for x in v)
        return v

    return tuple(sorted((k, hashable(v)) for k, v in params.items()))


@dataclass
class Pipeline:
    """Passes run in order; ``run`` returns the final graph and every pass's report.

    Example:
        >>> from workbench.core import array, make_graph, ops
        >>> g = make_graph(lambda x: ops.mul(ops.neg(ops.neg(x)), 1.0), array([1.0]))
        >>> _, reports = default_pipeline().run(g)
        >>> print(reports[0])
        simplify: 4 -> 1 equations (double_negation: 1, multiply_by_one: 1)
    """

    passes: Sequence[Pass]

    def run(self, graph: Graph) -> tuple[Graph, list[PassReport]]:
        reports = []
        for p in self.passes:
            graph, report = p(graph)
            reports.append(report)
        return graph, reports


def default_pipeline(fuse: bool = True) -> Pipeline:
    """simplify, channels-last layout, transpose folding, constant folding, CSE, loop
    merging and trimming, DCE, then elementwise fusion."""
    from workbench.core.passes.channels import channels_last  # noqa: PLC0415
    from workbench.core.passes.cse import cse  # noqa: PLC0415
    from workbench.core.passes.dce import dce  # noqa: PLC0415
    from workbench.core.passes.fold import constant_fold  # noqa: PLC0415
    from workbench.core.passes.fusion import fuse_elementwise  # noqa: PLC0415
    from workbench.core.passes.layout import fold_transposes  # noqa: PLC0415
    from workbench.core.passes.loops import merge_loops, trim_loops  # noqa: PLC0415
    from workbench.core.passes.simplify import simplify  # noqa: PLC0415

    passes: list[Pass] = [
        simplify,
        channels_last,
        fold_transposes,
        constant_fold,
        cse,
        merge_loops,
        trim_loops,
        dce,
    ]
    if fuse:
        passes.append(fuse_elementwise)
    return Pipeline(passes)
