"""Mirrors: torch.onnx.export — a module (or function) run once on example inputs is
traced into the core's IR, its parameters becoming initializers, and written as an ONNX
model (opset 17) by the core's writer; ONNX Runtime then runs it.

The model is exported in eval mode (dropout off, batch norm with running statistics),
as PyTorch does by default. Shapes are the examples': ``dynamic_axes`` is accepted but
not honoured (a warning says so; the core's graphs of unknown sizes do not yet lower to
ONNX), so ONNX Runtime refuses other sizes with a clear message.
"""

from __future__ import annotations

import warnings
from typing import Any

from workbench.backend.files import atomic_write
from workbench.core import tree
from workbench.core.onnx import OPSET, graph_to_onnx
from workbench.core.trace import trace, type_of
from workbench.eager.func import functional_call
from workbench.eager.nn.modules import Module
from workbench.eager.tensor import Tensor, wrap

_EXPORTING = [False]


def is_in_onnx_export() -> bool:
    return _EXPORTING[0]


def _graph(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    flat, structure = tree.flatten((args, kwargs))
    positions = [i for i, x in enumerate(flat) if isinstance(x, Tensor)]

    def traced(*values: Any) -> list[Any]:
        filled = list(flat)
        for i, v in zip(positions, values):
            filled[i] = wrap(v)
        call_args, call_kwargs = tree.unflatten(structure, filled)
        if isinstance(model, Module):  # the weights as plain values: they become initializers
            weights = {n: t.detach() for n, t in model.named_parameters()}
            weights |= {n: t.detach() for n, t in model.named_buffers()}
            out = functional_call(model, weights, tuple(call_args), call_kwargs)
        else:
            out = model(*call_args, **call_kwargs)
        leaves = tree.flatten(out)[0]
        return [leaf._value for leaf in leaves if isinstance(leaf, Tensor)]

    graph, _ = trace(traced, *[type_of(flat[i].detach()._value) for i in positions])
    return graph


def export(
    model: Any,
    args: Any = (),
    f: Any = None,
    kwargs: dict[str, Any] | None = None,
    export_params: bool = True,
    verbose: bool = False,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: dict[str, Any] | None = None,
    do_constant_folding: bool = True,
    **_: Any,
) -> Any:
    """Write ``model`` applied to ``args`` to ``f`` (a path or a binary file) as ONNX;
    returns the ONNX ModelProto."""
    args = args if isinstance(args, tuple) else (args,)
    if dynamic_axes:
        warnings.warn(
            f"torch.onnx.export: dynamic_axes {dynamic_axes} are not supported by the "
            "workbench; the model is exported with the example inputs' fixed shapes",
            stacklevel=2,
        )
    training = getattr(model, "training", None)
    if training is not None:
        model.eval()
    _EXPORTING[0] = True
    try:
        graph = _graph(model, args, kwargs or {})
    finally:
        _EXPORTING[0] = False
        if training:
            model.train()
    onnx_model = graph_to_onnx(
        graph,
        opset_version or OPSET,
        name=type(model).__name__,
        input_names=input_names,
        output_names=output_names,
    )
    if verbose:
        print(onnx_model.graph)
    data = onnx_model.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
    elif f is not None:
        with atomic_write(f) as out:
            out.write(data)
    return onnx_model


__all__ = ["export", "is_in_onnx_export"]
