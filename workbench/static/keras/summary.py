"""``Model.summary()``: Keras 3's layer table."""

from __future__ import annotations

from typing import Any

import numpy as np

_WIDTHS = (33, 24, 15)
# Keras 3 adds a "Connected to" column when the layers do not form one chain
_CONNECTED_WIDTHS = (21, 19, 12, 19)


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _row(cells: tuple[str, ...], widths: tuple[int, ...], bar: str) -> str:
    """One text line of the table: the Param # column is right-aligned, the rest left."""
    parts = [
        f"{c:>{w - 2}}" if i == 2 else f"{c:<{w - 2}}"
        for i, (c, w) in enumerate(zip(cells, widths))
    ]
    return f"{bar} " + f" {bar} ".join(parts) + f" {bar}"


def _wrap(text: str, width: int) -> list[str]:
    """A cell's lines: words (split after commas and before a parenthesised type) packed
    into the width, as Keras wraps them."""
    words = text.replace(", ", ",\0").replace(" (", "\0(").split("\0")
    lines = [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


def _connections(model: Any) -> dict[int, str] | None:
    """Each layer's inputs as Keras writes them (``dense[0][0], add[0][0]``), or ``None``
    when the model is one chain of single-input layers (no column then)."""
    from workbench.static.keras.models import _parents  # noqa: PLC0415

    nodes = getattr(model, "_nodes", None) if getattr(model, "_functional", False) else None
    if nodes is None:
        return None
    producer = {id(t): t.history[0].name for t in nodes}
    producer.update({id(t): t.name for t in model.inputs})
    found: dict[int, str] = {}
    chain = len(model.inputs) == 1
    previous = model.inputs[0] if chain else None
    for t in nodes:
        layer, inputs, args, kwargs = t.history
        parents = _parents((inputs, args, kwargs))
        found[id(layer)] = ", ".join(f"{producer.get(id(p), p.name)}[0][0]" for p in parents)
        chain = chain and len(parents) == 1 and parents[0] is previous
        previous = t
    return None if chain else found


def _shape(layer: Any) -> str:
    shape = getattr(layer, "output_shape_seen", None)
    return "?" if shape is None else "(" + ", ".join(str(d) for d in shape) + ")"


def _unbuilt(layer: Any) -> bool:
    """A layer that makes weights when built, not built yet (Keras prints "0 (unbuilt)")."""
    from workbench.static.keras.engine import Layer  # noqa: PLC0415

    return not layer.built and type(layer).build is not Layer.build


def summary_text(model: Any) -> str:
    connected = _connections(model)
    widths = _WIDTHS if connected is None else _CONNECTED_WIDTHS
    rule = lambda lo, mid, hi, ch: lo + mid.join(ch * w for w in widths) + hi  # noqa: E731
    header: tuple[str, ...] = ("Layer (type)", "Output Shape", "Param #")
    if connected is not None:
        header += ("Connected to",)
    lines = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━"), _row(header, widths, "┃")]
    lines.append(rule("┡", "╇", "┩", "━"))
    layers = model.layers
    for i, layer in enumerate(layers):
        name, kind = layer.name, f"({type(layer).__name__})"
        params = "0 (unbuilt)" if _unbuilt(layer) else f"{layer.count_params():,}"
        cells = [f"{name} {kind}", _shape(layer), params]
        if connected is not None:
            cells.append(connected.get(id(layer), "-"))
        wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
        for k in range(max(len(w) for w in wrapped)):
            lines.append(_row(tuple(w[k] if k < len(w) else "" for w in wrapped), widths, "│"))
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
