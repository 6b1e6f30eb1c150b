"""``keras.utils.plot_model`` / ``model_to_dot``: a model's layers as a Graphviz drawing
(one box per layer, an arrow per connection), written by Graphviz's ``dot`` and shown
inline in JupyterLab. Mirrors: keras.utils.plot_model."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from typing import Any

from workbench.backend.files import atomic_write
from workbench.static.keras.engine import KerasTensor, Layer


def _edges(model: Any) -> list[tuple[Layer, Layer]]:
    """(from, to) layer pairs: the functional graph's connections, or the stack's order."""
    nodes = getattr(model, "_nodes", None)
    if nodes:
        from workbench.static.keras.models import _parents  # noqa: PLC0415

        # a functional model lists one InputLayer per input first
        entry = {id(t): layer for t, layer in zip(model.inputs, model.layers)}
        out = []
        for node in nodes:
            layer, inputs, args, kwargs = node.history
            for parent in _parents((inputs, args, kwargs)):
                source = parent.history[0] if parent.history is not None else entry[id(parent)]
                if (source, layer) not in out:
                    out.append((source, layer))
        return out
    layers = list(model.layers)
    return list(zip(layers, layers[1:]))


def _shape(t: Any) -> str:
    if isinstance(t, list | tuple) and t and isinstance(t[0], KerasTensor):
        return ", ".join(_shape(x) for x in t)
    return str(tuple(t.shape)) if isinstance(t, KerasTensor) else "?"


def _record_label(text: str) -> str:
    """Escape what Graphviz's record labels treat as syntax, keeping ``|`` and braces
    that this module writes as fields."""
    for ch in ('"', "<", ">"):
        text = text.replace(ch, "\\" + ch)
    return html.escape(text, quote=False).replace("&lt;", "<").replace("&gt;", ">")


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **_: Any,
) -> str:
    """The model as Graphviz DOT source. Mirrors: keras.utils.model_to_dot (which returns
    a pydot graph; this returns its text)."""
    edges = _edges(model)
    layers = list(dict.fromkeys([*model.layers, *[a for a, _ in edges], *[b for _, b in edges]]))
    lines = [
        f'digraph "{model.name}" {{',
        f"  graph [rankdir={rankdir}, dpi={dpi}];",
        '  node [shape=record, fontname="Helvetica", fontsize=11];',
    ]
    for i, layer in enumerate(layers):
        title = type(layer).__name__
        if show_layer_names:
            title = f"{layer.name} ({title})"
        if show_layer_activations and getattr(layer, "activation", None) is not None:
            title += f" | activation: {getattr(layer.activation, '__name__', layer.activation)}"
        if show_trainable:
            title += f" | trainable: {layer.trainable}"
        if show_shapes:
            node = layer.__dict__.get("_node")
            if node is not None:
                title += f" | {{input: {_shape(node[0])} | output: {_shape(node[1])}}}"
        if show_dtype:
            title += f" | dtype: {layer.dtype.name}"
        lines.append(f'  n{i} [label="{_record_label(title)}"];')
    index = {id(layer): i for i, layer in enumerate(layers)}
    lines += [f"  n{index[id(a)]} -> n{index[id(b)]};" for a, b in edges]
    return "\n".join([*lines, "}"])


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **kwargs: Any,
) -> Any:
    """Draw the model to ``to_file`` (png, svg, pdf or dot, by extension) with Graphviz's
    ``dot``; in IPython, return the image to show. Mirrors: keras.utils.plot_model."""
    source = model_to_dot(
        model,
        show_shapes,
        show_dtype,
        show_layer_names,
        rankdir,
        dpi,
        show_layer_activations,
        show_trainable,
    )
    fmt = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if fmt in ("dot", "gv"):
        data = source.encode()
    else:
        exe = shutil.which("dot")
        if exe is None:
            raise ImportError(
                "You must install graphviz (its `dot` program, e.g. `apt-get install "
                "graphviz`) for `plot_model` to work."
            )
        done = subprocess.run(
            [exe, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False
        )
        if done.returncode != 0:
            raise ValueError(
                f"dot could not draw the model: {done.stderr.decode(errors='replace')[:300]}"
            )
        data = done.stdout
    with atomic_write(to_file) as f:
        f.write(data)
    if fmt in ("png", "svg"):
        try:
            from IPython import display  # noqa: PLC0415
        except ImportError:
            return None
        return display.Image(filename=to_file) if fmt == "png" else display.SVG(filename=to_file)
    return None
