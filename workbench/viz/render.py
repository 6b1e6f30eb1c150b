"""Rendering a diagram: SVG through Graphviz's ``dot`` when it is installed, and in the
browser otherwise (the WebAssembly Graphviz that the ``graphviz-anywidget`` package
ships, which needs no network), so graphs always show in JupyterLab. Saving to a file
needs ``dot``; without it the error says how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from workbench.backend.files import atomic_write
from workbench.viz.diagram import Diagram, to_dot

INSTALL_HINT = (
    "Graphviz's `dot` program is not installed, so the graph cannot be written to a file "
    "(it still shows in JupyterLab, drawn in the browser). Install it with "
    "`sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`, then try again."
)


def dot_available() -> bool:
    return shutil.which("dot") is not None


def run_dot(source: str, fmt: str) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(INSTALL_HINT)
    done = subprocess.run(
        [exe, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace')[:500]}")
    return done.stdout


class GraphView:
    """A drawn graph: shows itself in JupyterLab, ``.source`` is the DOT text, ``.save``
    writes SVG/PNG/PDF."""

    def __init__(
        self,
        diagram: Diagram,
        max_nodes: int = 200,
        collapse: Any = (),
        highlight: Any = (),
        rankdir: str = "TB",
    ) -> None:
        self.diagram = diagram
        self.options = {
            "max_nodes": max_nodes,
            "collapse": tuple(collapse),
            "highlight": tuple(highlight),
            "rankdir": rankdir,
        }
        self.source = to_dot(diagram, **self.options)  # type: ignore[arg-type]

    def with_options(self, **options: Any) -> GraphView:
        merged = {**self.options, **options}
        return GraphView(self.diagram, **merged)

    def svg(self) -> str:
        """The drawing as SVG, scaled down to the width of the output area when wider
        (graphviz sizes it in points, which would overflow a notebook column)."""
        svg = run_dot(self.source, "svg").decode()
        return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)

    def save(self, path: str, format: str | None = None) -> str:  # noqa: A002
        """Write the drawing to ``path`` (format from the extension: svg, png or pdf)."""
        fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
        if fmt not in ("svg", "png", "pdf", "dot", "gv"):
            raise ValueError(f"unsupported format {fmt!r}: use svg, png, pdf or dot")
        data = self.source.encode() if fmt in ("dot", "gv") else run_dot(self.source, fmt)
        with atomic_write(path) as f:
            f.write(data)
        return path

    def widget(self) -> Any:
        """The graph drawn in the browser by WebAssembly Graphviz (no ``dot`` needed).
        Its wheel zoom is off, so the mouse wheel scrolls the notebook as over any other
        output; the drawing fits the output width, and search highlights nodes."""
        from graphviz_anywidget import GraphvizAnyWidget, graphviz_widget  # noqa: PLC0415

        box = graphviz_widget(self.source, controls=["search"])
        for child in box.children:
            if isinstance(child, GraphvizAnyWidget):
                child.enable_zoom = False
        return box

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if dot_available():
            return {
                "image/svg+xml": self.svg(),
                "text/plain": f"<graph: {len(self.diagram.operations)} operations>",
            }
        try:
            return self.widget()._repr_mimebundle_(include=include, exclude=exclude)  # type: ignore[no-any-return]
        except ImportError:
            return {"text/plain": self.source}

    def __repr__(self) -> str:
        return f"<GraphView: {len(self.diagram.operations)} operations; .source has the DOT text>"
