"""Seeing inside a transformer: which tokens each token attends to, per layer and head.

``AttentionView`` is a small anywidget: the tokens twice (queries left, keys right) and a
line from each query to each key, as thick and dark as the attention weight; pick the
layer and head from the menus, hover a token on the left to see only its row of weights.
Its ``layer``, ``head`` and ``hovered`` are synced traits, so Python (or a test) can set
them. ``attention_heatmap`` draws one head as a matrix with matplotlib, and
``word_pieces_html`` shows how the tokenizer cut a text (``##`` marks a continuation).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import anywidget
import numpy as np
import traitlets

_ESM = """
function render({ model, el }) {
  el.classList.add("wb-attention");
  const bar = document.createElement("div");
  bar.className = "wb-attention-bar";
  const pick = (label, count, trait) => {
    const span = document.createElement("label");
    span.textContent = label + " ";
    const select = document.createElement("select");
    for (let i = 0; i < count; i++) {
      const option = document.createElement("option");
      option.value = String(i); option.textContent = String(i);
      select.appendChild(option);
    }
    select.value = String(model.get(trait));
    select.addEventListener("change", () => {
      model.set(trait, Number(select.value));
      model.save_changes();
    });
    model.on("change:" + trait, () => { select.value = String(model.get(trait)); });
    span.appendChild(select);
    return span;
  };
  const weights = () => model.get("weights");
  bar.appendChild(pick("layer", weights().length, "layer"));
  bar.appendChild(pick("head", weights()[0].length, "head"));
  const info = document.createElement("span");
  info.className = "wb-attention-info";
  bar.appendChild(info);
  el.appendChild(bar);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  el.appendChild(svg);
  const draw = () => {
    const tokens = model.get("tokens");
    const matrix = weights()[model.get("layer")][model.get("head")];
    const hovered = model.get("hovered");
    const row = 22, left = 120, right = 380, top = 14;
    svg.setAttribute("width", 500);
    svg.setAttribute("height", top + row * tokens.length);
    svg.innerHTML = "";
    for (let i = 0; i < tokens.length; i++) {
      for (let j = 0; j < tokens.length; j++) {
        const w = matrix[i][j];
        if (w < 0.01 || (hovered >= 0 && hovered !== i)) { continue; }
        const line = document.createElementNS(ns, "line");
        line.setAttribute("x1", left + 6); line.setAttribute("y1", top + row * i - 4);
        line.setAttribute("x2", right - 6); line.setAttribute("y2", top + row * j - 4);
        line.setAttribute("stroke", "#2b6cb0");
        line.setAttribute("stroke-opacity", Math.min(1, w * (hovered >= 0 ? 1.5 : 1)));
        line.setAttribute("stroke-width", 1 + 4 * w);
        svg.appendChild(line);
      }
    }
    const label = (x, y, text, anchor, index) => {
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", x); t.setAttribute("y", y);
      t.setAttribute("text-anchor", anchor);
      t.textContent = text;
      if (index !== null) {
        t.style.cursor = "pointer";
        if (index === hovered) { t.setAttribute("font-weight", "bold"); }
        const hover = (value) => () => { model.set("hovered", value); model.save_changes(); };
        t.addEventListener("mouseenter", hover(index));
        t.addEventListener("mouseleave", hover(-1));
      }
      svg.appendChild(t);
    };
    tokens.forEach((tok, i) => {
      label(left, top + row * i, tok, "end", i);
      let text = tok;
      if (hovered >= 0) { text = tok + "  " + matrix[hovered][i].toFixed(2); }
      label(right, top + row * i, text, "start", null);
    });
    info.textContent = hovered >= 0
      ? "  weights of '" + tokens[hovered] + "' over the tokens (they sum to 1)"
      : "  hover a token on the left";
  };
  ["change:layer", "change:head", "change:hovered", "change:weights", "change:tokens"]
    .forEach((e) => model.on(e, draw));
  draw();
}
export default { render };
"""

_CSS = """
.wb-attention { font-family: var(--jp-code-font-family, monospace); font-size: 13px; }
.wb-attention-bar { margin-bottom: 6px; }
.wb-attention-bar label { margin-right: 12px; }
.wb-attention svg text { fill: var(--jp-ui-font-color1, #222); }
"""


class AttentionView(anywidget.AnyWidget):  # type: ignore[misc]
    """``tokens``: the word pieces; ``weights``: (layers, heads, tokens, tokens) rows of
    softmax weights; ``layer``/``head``: which one is drawn; ``hovered``: the query token
    under the mouse (-1: none)."""

    _esm = _ESM
    _css = _CSS
    tokens = traitlets.List(traitlets.Unicode()).tag(sync=True)
    weights: Any = traitlets.List().tag(sync=True)
    layer = traitlets.Int(0).tag(sync=True)
    head = traitlets.Int(0).tag(sync=True)
    hovered = traitlets.Int(-1).tag(sync=True)

    def __init__(self, tokens: Sequence[str], weights: Any, layer: int = 0, head: int = 0) -> None:
        array = np.asarray(weights, dtype=np.float64)
        if array.ndim != 4 or array.shape[2:] != (len(tokens), len(tokens)):
            raise ValueError(
                f"AttentionView: weights should be (layers, heads, {len(tokens)}, "
                f"{len(tokens)}) for {len(tokens)} tokens, got {array.shape}"
            )
        if not (0 <= layer < array.shape[0] and 0 <= head < array.shape[1]):
            raise ValueError(f"AttentionView: layer {layer}/head {head} out of {array.shape[:2]}")
        super().__init__(
            tokens=list(tokens), weights=np.round(array, 4).tolist(), layer=layer, head=head
        )

    @traitlets.validate("layer", "head")
    def _in_range(self, proposal: Any) -> int:
        value, name = int(proposal["value"]), proposal["trait"].name
        count = (
            len(self.weights) if name == "layer" else len(self.weights[0]) if self.weights else 1
        )
        if self.weights and not 0 <= value < count:
            raise traitlets.TraitError(f"{name} {value} is out of range 0..{count - 1}")
        return value

    def row(self) -> np.ndarray:
        """The weights the picture shows for the hovered token (all rows if none)."""
        matrix = np.asarray(self.weights[self.layer][self.head])
        return matrix if self.hovered < 0 else matrix[self.hovered]


def attention_heatmap(
    tokens: Sequence[str], weights: Any, layer: int = 0, head: int = 0, ax: Any = None
) -> Any:
    """One head's weights as a matrix: row = the attending token, column = attended."""
    import matplotlib.pyplot as plt  # noqa: PLC0415

    matrix = np.asarray(weights)[layer, head]
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.2 + 0.35 * len(tokens), 1 + 0.35 * len(tokens)))
    else:
        fig = ax.figure
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(tokens)), tokens, rotation=90)
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_xlabel("attended token (key)")
    ax.set_ylabel("attending token (query)")
    ax.set_title(f"layer {layer}, head {head}")
    fig.tight_layout()
    return fig


def word_pieces_html(tokens: Sequence[str]) -> str:
    """Tokens as chips: special tokens grey, continuations (``##…``) joined to the left."""
    chips = []
    for tok in tokens:
        special = tok.startswith("[") and tok.endswith("]")
        continued = tok.startswith("##")
        colour = "#e2e8f0" if special else "#fefcbf" if continued else "#c6f6d5"
        margin = "0 1px 0 0" if continued else "0 1px 0 6px"
        chips.append(
            f'<span style="background:{colour};color:#1a202c;padding:1px 4px;'
            f'border-radius:3px;margin:{margin};font-family:monospace">{html.escape(tok)}</span>'
        )
    return '<div style="line-height:2">' + "".join(chips) + "</div>"
