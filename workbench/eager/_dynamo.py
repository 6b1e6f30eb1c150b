"""``torch._dynamo`` in the workbench: ``explain`` (what ``torch.compile`` captured and
why it broke) and ``reset``.

Mirrors: torch._dynamo.explain / torch._dynamo.reset. The graphs are core IR (print them,
or draw them with ``viz.graph``); the ops per graph are primitive names. Where TorchDynamo
splits a function's bytecode at a break and compiles the pieces on either side, the
workbench runs that function eagerly and keeps the modules it calls compiled, so a
function that breaks reports no graph of its own.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any

from workbench.core.ir import Graph
from workbench.eager.compiler import (
    CompiledFunction,
    CompiledModule,
    Unsupported,
    compile,
    counters,
)


@dataclasses.dataclass
class GraphCompileReason:
    """Why capture stopped: the reason and where in the user's code."""

    reason: str
    user_stack: list[str]
    graph_break: bool = True


@dataclasses.dataclass
class ExplainOutput:
    """What :func:`explain` returns (printed as PyTorch prints it)."""

    graphs: list[Graph]
    graph_count: int
    graph_break_count: int
    break_reasons: list[GraphCompileReason]
    op_count: int
    ops_per_graph: list[list[str]] | None = None

    def __str__(self) -> str:
        lines = [
            f"Graph Count: {self.graph_count}",
            f"Graph Break Count: {self.graph_break_count}",
            f"Op Count: {self.op_count}",
            "Break Reasons:",
        ]
        for i, reason in enumerate(self.break_reasons, 1):
            lines += [f"  Break Reason {i}:", f"    Reason: {reason.reason}", "    User Stack:"]
            lines += [f"      {frame}" for frame in reason.user_stack]
        if self.ops_per_graph is not None:
            lines.append("Ops per Graph:")
            for i, ops in enumerate(self.ops_per_graph, 1):
                lines.append(f"  Ops {i}:")
                lines += [f"    {op}" for op in ops]
        return "\n".join(lines) + "\n"


def _collect(compiled: CompiledFunction) -> tuple[list[Graph], list[GraphCompileReason]]:
    graphs = list(compiled.graphs)
    reasons = [GraphCompileReason(b.reason, [b.where]) for b in compiled.graph_breaks]
    if isinstance(compiled, CompiledModule):
        for child in compiled.children_compiled.values():
            more_graphs, more_reasons = _collect(child)
            graphs += more_graphs
            reasons += more_reasons
    return graphs, reasons


def explain(fn: Any, *extra_args: Any, **extra_kwargs: Any) -> Any:
    """``explain(fn)(*args, **kwargs)`` compiles ``fn`` afresh, calls it once and reports
    the graphs captured and the graph breaks (with their reasons and places)."""

    def inner(*args: Any, **kwargs: Any) -> ExplainOutput:
        compiled = compile(fn)
        compiled(*extra_args, *args, **extra_kwargs, **kwargs)
        graphs, reasons = _collect(compiled)
        ops = [[eqn.primitive.name for eqn in g.equations] for g in graphs]
        return ExplainOutput(
            graphs=graphs,
            graph_count=len(graphs),
            graph_break_count=len(reasons),
            break_reasons=reasons,
            op_count=sum(len(o) for o in ops),
            ops_per_graph=ops,
        )

    return inner


def reset() -> None:
    """Forget compiled code. Mirrors: torch._dynamo.reset — here every ``compile`` call
    keeps its own cache, so there is nothing global to clear."""


__all__ = ["ExplainOutput", "GraphCompileReason", "explain", "reset"]


# ``except torch._dynamo.exc.Unsupported`` (what ``fullgraph=True`` raises at a break)
exc = types.SimpleNamespace(Unsupported=Unsupported)
# ``torch._dynamo.utils.counters["stats"]["unique_graphs"]``: graphs compiled so far
utils = types.SimpleNamespace(counters=counters)
