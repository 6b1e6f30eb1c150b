"""Mirrors: torch.jit.script and torch.jit.trace as far as a program's numbers go: the
workbench has no TorchScript, so both return the module or function itself (it computes
the same); graphs are captured by ``torch.compile`` instead. Saving and loading
TorchScript archives is not available and says so."""

from __future__ import annotations

from typing import Any


def script(obj: Any, *args: Any, **kwargs: Any) -> Any:
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    return func


def ignore(fn: Any = None, **_: Any) -> Any:
    return fn if fn is not None else (lambda f: f)


unused = export = ignore


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def save(module: Any, f: Any, **_: Any) -> None:
    raise RuntimeError(
        "torch.jit.save: the workbench has no TorchScript archives; save the state_dict, "
        "or export with torch.onnx.export"
    )


def load(f: Any, map_location: Any = None, **_: Any) -> Any:
    raise RuntimeError(
        "torch.jit.load: the workbench cannot read TorchScript archives (they hold "
        "compiled code); load a state_dict into the model's class instead"
    )


__all__ = ["ignore", "is_scripting", "is_tracing", "load", "save", "script", "trace", "unused"]
