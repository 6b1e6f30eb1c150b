"""Export to ONNX: a graph run by a ``Session``, a ``tf.function`` (or any function of
tensors) or a Keras model becomes an ONNX model (opset 17) that ONNX Runtime can run.

Whatever is exported is first traced into the core's IR (variables become initializers),
simplified by the compiler's passes (without fusion), and then each core primitive is
written as one or a few ONNX nodes. Shapes are those of the example inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend.files import atomic_write
from workbench.core.ir import Graph, Type
from workbench.core.onnx import OPSET, graph_to_onnx, run
from workbench.core.trace import trace

# ---------------------------------------------------------------------------------------
# Getting a core graph out of each kind of object


def _types(examples: Sequence[Any]) -> list[Type]:
    from workbench.backend import default_device  # noqa: PLC0415

    out = []
    for e in examples:
        host = np.asarray(e.numpy() if hasattr(e, "numpy") else e)
        if host.dtype == np.float64:
            host = host.astype(np.float32)
        out.append(Type(tuple(host.shape), host.dtype, default_device()))
    return out


def _function_graph(fn: Callable[..., Any], examples: Sequence[Any]) -> Graph:
    from workbench.core import tree  # noqa: PLC0415
    from workbench.static.execution import EagerTensor, value_of  # noqa: PLC0415

    def run(*values: Any) -> Any:
        out = fn(*[EagerTensor(v) for v in values])
        return [
            value_of(o) for o in tree.flatten(out, is_leaf=lambda t: isinstance(t, EagerTensor))[0]
        ]

    graph, _ = trace(run, *_types(examples))
    return graph


def _session_graph(sess: Any, outputs: Sequence[Any], feeds: dict[Any, Any]) -> Graph:
    from workbench.static.session import Store, evaluate, needed_ops  # noqa: PLC0415

    tensors = list(outputs)
    placeholders = list(feeds)
    op_list = needed_ops([t.op for t in tensors], set(placeholders))
    store = Store(sess._store)

    def run(*values: Any) -> Any:
        env = dict(zip(placeholders, values))
        state = {op.variable: store.get(op.variable) for op in op_list if op.kind == "variable"}
        read = evaluate(op_list, env, state, {})
        return [read(t) for t in tensors]

    graph, _ = trace(run, *_types(list(feeds.values())))
    return graph


def core_graph(obj: Any, *examples: Any, outputs: Any = None, feed_dict: Any = None) -> Graph:
    """The core IR graph of ``obj``: a Keras model or layer, a ``tf.function`` or any
    function of tensors (with ``examples``), or a ``Session`` (with ``outputs`` and a
    ``feed_dict`` of example values)."""
    from workbench.static.keras.engine import Layer  # noqa: PLC0415
    from workbench.static.session import Session  # noqa: PLC0415

    if isinstance(obj, Session):
        if outputs is None or feed_dict is None:
            raise TypeError(
                "exporting a Session needs outputs=[tensors] and feed_dict={placeholder: example}"
            )
        outs = list(outputs) if isinstance(outputs, list | tuple) else [outputs]
        return _session_graph(obj, outs, dict(feed_dict))
    if isinstance(obj, Layer):
        return _function_graph(
            lambda *xs: obj(xs[0] if len(xs) == 1 else list(xs), training=False), examples
        )
    if callable(obj):
        return _function_graph(obj, examples)
    raise TypeError(
        f"cannot export {type(obj).__name__}: give a Keras model, a function or a Session"
    )


def export(
    obj: Any,
    *examples: Any,
    path: str | None = None,
    opset: int = OPSET,
    outputs: Any = None,
    feed_dict: Any = None,
) -> Any:
    """Export ``obj`` to ONNX (checked with ``onnx.checker``); write it to ``path`` when
    given. ``examples`` fix the input shapes and dtypes."""
    model = graph_to_onnx(core_graph(obj, *examples, outputs=outputs, feed_dict=feed_dict), opset)
    if path is not None:
        with atomic_write(path) as f:
            f.write(model.SerializeToString())
    return model


__all__ = ["OPSET", "core_graph", "export", "graph_to_onnx", "run"]
