"""A graph drawing whose nodes can be clicked: the SVG that ``dot`` draws, shown by a
small anywidget whose browser side reports the clicked node's id (graphviz writes each
node's id as the ``<title>`` of its ``<g class="node">``). Zooming is left to the
notebook: the picture scales to the output width, so the mouse wheel scrolls the page.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const draw = () => {
    el.innerHTML = model.get("svg");
    el.classList.add("wb-clickable-graph");
    const svg = el.querySelector("svg");
    if (svg) { svg.style.maxWidth = "100%"; svg.style.height = "auto"; }
    el.querySelectorAll("g.node").forEach((node) => {
      const title = node.querySelector("title");
      if (!title) { return; }
      const id = title.textContent;
      node.style.cursor = "pointer";
      node.setAttribute("data-node", id);
      if (id === model.get("selected")) { node.classList.add("wb-selected"); }
      node.addEventListener("click", () => {
        model.set("selected", id);
        model.save_changes();
      });
    });
  };
  model.on("change:svg", draw);
  model.on("change:selected", draw);
  draw();
}
export default { render };
"""

_CSS = """
.wb-clickable-graph g.node:hover polygon, .wb-clickable-graph g.node:hover ellipse,
.wb-clickable-graph g.node:hover path { stroke-width: 2.5; }
.wb-clickable-graph g.wb-selected polygon, .wb-clickable-graph g.wb-selected ellipse,
.wb-clickable-graph g.wb-selected path { stroke: #d69e2e; stroke-width: 3; }
"""


class ClickableGraph(anywidget.AnyWidget):  # type: ignore[misc]
    """``svg``: the drawing; ``selected``: the id of the node last clicked (``""``)."""

    _esm = _ESM
    _css = _CSS
    svg = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(self, svg: str = "", **kwargs: Any) -> None:
        super().__init__(svg=svg, **kwargs)
