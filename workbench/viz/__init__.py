"""Seeing inside: graphs, gradients and training, drawn the same way for all three front
ends. ``viz.graph(obj)`` draws an eager tensor's history, a static graph or fetch, a
``tf.function``, a functional function (with its arguments) or a ``make_jaxpr`` result;
the widgets (``GraphExplorer``, ``BackpropStepper``, ``SideBySide``,
``TrainingDashboard``, ``OptimiserPlayground``, ``ClassifierPlayground``,
``ConvolutionExplorer``) and figures (``GradientFlow``, ``feature_maps``,
``benchmark_chart``, ``suite_chart``, ``profile_chart``, ``timing_chart``) build on the
same pieces. viz reads IR and values; it never changes them.
"""

from __future__ import annotations

from typing import Any

from workbench.viz.plots import (
    GradientFlow,
    benchmark_chart,
    optimiser_figure,
    optimiser_paths,
    profile_chart,
    suite_chart,
    timing_chart,
)
from workbench.viz.render import INSTALL_HINT, GraphView, dot_available
from workbench.viz.sources import diagram_of, trace_of


def graph(
    obj: Any,
    *args: Any,
    backward: bool = False,
    optimize: bool = False,
    params: dict[str, Any] | None = None,
    max_nodes: int = 200,
    collapse: Any = (),
    title: str = "",
) -> GraphView:
    """Draw ``obj``'s graph. ``backward`` draws the reverse-mode graph, ``optimize`` the
    graph after the compiler's passes (fused groups as clusters); ``params`` names an
    eager model's parameters (``dict(model.named_parameters())``); ``collapse`` lists
    name scopes / groups drawn as one node; past ``max_nodes`` operations the rest are
    summarised."""
    diagram = diagram_of(
        obj, *args, backward=backward, optimize=optimize, params=params, title=title
    )
    return GraphView(diagram, max_nodes=max_nodes, collapse=collapse)


_WIDGETS = {
    "GraphExplorer": "widgets",
    "BackpropStepper": "widgets",
    "graph_widget": "widgets",
    "SideBySide": "training",
    "TrainingDashboard": "training",
    "OptimiserPlayground": "training",
    "ClassifierPlayground": "playground",
    "ConvolutionExplorer": "convolution",
    "feature_maps": "convolution",
}


def __getattr__(name: str) -> Any:
    # widgets import ipywidgets: only when one is asked for
    if name in _WIDGETS:
        import importlib  # noqa: PLC0415

        return getattr(importlib.import_module(f"workbench.viz.{_WIDGETS[name]}"), name)
    raise AttributeError(f"module 'workbench.viz' has no attribute {name!r}")


__all__ = [
    "INSTALL_HINT",
    "GradientFlow",
    "GraphView",
    "benchmark_chart",
    "diagram_of",
    "dot_available",
    "graph",
    "optimiser_figure",
    "optimiser_paths",
    "profile_chart",
    "suite_chart",
    "timing_chart",
    "trace_of",
]
