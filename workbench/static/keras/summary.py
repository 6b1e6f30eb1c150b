"""``Model.summary()``: Keras 3's layer table."""

from __future__ import annotations

from typing import Any

import numpy as np

_WIDTHS = (33, 24, 15)


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _row(cells: tuple[str, str, str], left: str, sep: str, right: str) -> str:
    a, b, c = cells
    w = _WIDTHS
    return f"{left} {a:<{w[0] - 2}} {sep} {b:<{w[1] - 2}} {sep} {c:>{w[2] - 2}} {right}"


def _shape(layer: Any) -> str:
    shape = getattr(layer, "output_shape_seen", None)
    return "?" if shape is None else "(" + ", ".join(str(d) for d in shape) + ")"


def _unbuilt(layer: Any) -> bool:
    """A layer that makes weights when built, not built yet (Keras prints "0 (unbuilt)")."""
    from workbench.static.keras.engine import Layer  # noqa: PLC0415

    return not layer.built and type(layer).build is not Layer.build


def summary_text(model: Any) -> str:
    rule = lambda lo, mid, hi, ch: lo + mid.join(ch * w for w in _WIDTHS) + hi  # noqa: E731
    lines = [f'Model: "{model.name}"']
    lines.append(rule("┏", "┳", "┓", "━"))
    lines.append(_row(("Layer (type)", "Output Shape", "Param #"), "┃", "┃", "┃"))
    lines.append(rule("┡", "╇", "┩", "━"))
    layers = model.layers
    for i, layer in enumerate(layers):
        name, kind = layer.name, f"({type(layer).__name__})"
        params = "0 (unbuilt)" if _unbuilt(layer) else f"{layer.count_params():,}"
        width = _WIDTHS[0] - 2
        if len(name) + 1 + len(kind) <= width:
            lines.append(_row((f"{name} {kind}", _shape(layer), params), "│", "│", "│"))
        else:  # as Keras: the name (cut with an ellipsis) over its type
            cut = name if len(name) <= width else name[: width - 1] + "…"
            lines.append(_row((cut, _shape(layer), params), "│", "│", "│"))
            lines.append(_row((kind[:width], "", ""), "│", "│", "│"))
        if i + 1 < len(layers):
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    trainable = int(sum(np.prod(w.shape.as_list()) for w in model.trainable_weights))
    total = model.count_params()
    size = lambda n: _bytes(4 * n)  # noqa: E731
    lines.append(f" Total params: {total:,} ({size(total)})")
    lines.append(f" Trainable params: {trainable:,} ({size(trainable)})")
    lines.append(f" Non-trainable params: {total - trainable:,} ({size(total - trainable)})")
    return "\n".join(lines)
