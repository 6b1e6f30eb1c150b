"""``torch.save`` / ``torch.load`` / ``torch.serialization`` in a format that is never
unpickled: an uncompressed ``.npz`` archive whose arrays are the tensors and whose
``__structure__`` entry is JSON describing everything else. Saving writes a temporary
file and renames it, so a crash never leaves half a checkpoint.

Whole objects (``torch.save(model)``) are stored as pickle would describe them — the
class's import path and the instance's attributes — but as JSON. Loading them follows
PyTorch 2.6+: ``weights_only=True`` (the default) rebuilds tensors, containers, numbers,
dtypes and devices, and refuses any class or function the file names unless it was
allow-listed with :func:`add_safe_globals` or :class:`safe_globals`; ``weights_only=False``
(the user's consent: it imports the modules the file names, whose code then runs)
rebuilds them all. Even then only classes are instantiated (``cls.__new__`` and the saved
attributes) and named functions looked up; no callable from the file is ever called.
"""

from __future__ import annotations

import builtins
import collections
import copyreg
import importlib
import json
import os
import pickle
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from workbench.backend.files import CheckpointError, read_archive, write_npz
from workbench.eager import dtypes
from workbench.eager.meta import Size, device
from workbench.eager.nn.parameter import Parameter
from workbench.eager.tensor import Tensor

_SAFE_GLOBALS: list[Any] = []


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow these classes and functions in ``load(weights_only=True)``."""
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    _SAFE_GLOBALS.clear()


@contextmanager
def safe_globals(safe_globals: Iterable[Any]) -> Iterator[None]:
    """Allow these classes and functions in ``load(weights_only=True)`` inside the block."""
    before = list(_SAFE_GLOBALS)
    _SAFE_GLOBALS.extend(safe_globals)
    try:
        yield
    finally:
        _SAFE_GLOBALS[:] = before


# ---------------------------------------------------------------------------------------
# encoding


def _global_name(obj: Any) -> str | None:
    """'module:qualname' when ``obj`` can be found again by importing, else None."""
    module = getattr(obj, "__module__", None)
    for qualname in (getattr(obj, "__qualname__", None), getattr(obj, "__name__", None)):
        if not module or not isinstance(qualname, str) or "<" in qualname:
            continue
        try:
            if _resolve(f"{module}:{qualname}") is obj:
                return f"{module}:{qualname}"
        except (ImportError, AttributeError):
            continue
    return None


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj.detach()._array().numpy())
        tag = {"__tensor__": key, "requires_grad": obj.requires_grad}
        return tag | ({"parameter": True} if isinstance(obj, Parameter) else {})
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj)
        return {"__ndarray__": key}
    if isinstance(obj, bool | int | float | str) or obj is None:
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dtypes.dtype):
        return {"__dtype__": obj.name}
    if isinstance(obj, device):
        return {"__device__": str(obj)}
    if isinstance(obj, Size):
        return {"__size__": list(obj)}
    if type(obj) in (dict, collections.OrderedDict):
        kind = "__ordered__" if isinstance(obj, collections.OrderedDict) else "__dict__"
        return {kind: [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if type(obj) in (list, tuple, set, frozenset):
        return {f"__{type(obj).__name__}__": [_encode(v, arrays) for v in obj]}
    name = _global_name(obj)
    if name is not None and (isinstance(obj, type) or callable(obj)):
        return {"__global__": name}
    return _encode_object(obj, arrays)


def _encode_object(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """A plain class instance as pickle's protocol 2 reduces it: class and state."""
    try:
        reduced = obj.__reduce_ex__(2)
    except TypeError:
        reduced = None
    cls_name = _global_name(type(obj))
    if (
        not isinstance(reduced, tuple)
        or reduced[0] is not copyreg.__newobj__  # type: ignore[attr-defined]
        or cls_name is None
        or len(reduced[1]) != 1
    ):
        raise TypeError(
            f"save: cannot store an object of type {type(obj).__name__} (only what can be "
            "found again by name: importable classes rebuilt from their attributes, "
            "module-level functions); save its state_dict() instead"
        )
    state = reduced[2] if len(reduced) > 2 else None
    encoded: dict[str, Any] = {"__object__": cls_name, "state": _encode(state, arrays)}
    if len(reduced) > 3 and reduced[3] is not None:
        encoded["items"] = [_encode(v, arrays) for v in reduced[3]]
    if len(reduced) > 4 and reduced[4] is not None:
        encoded["pairs"] = [[_encode(k, arrays), _encode(v, arrays)] for k, v in reduced[4]]
    return encoded


# ---------------------------------------------------------------------------------------
# decoding


def _resolve(name: str) -> Any:
    module, _, qualname = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _refused(name: str) -> pickle.UnpicklingError:
    dotted = name.replace(":", ".")
    return pickle.UnpicklingError(
        "Weights only load failed. The file can still be loaded, but only do so if you "
        "trust where it came from:\n"
        "\t(1) Since PyTorch 2.6, `torch.load` defaults to `weights_only=True`. Loading "
        "with `weights_only=False` will likely succeed, but it can run arbitrary code "
        "(here: import the modules the file names).\n"
        "\t(2) Or keep `weights_only=True` and allow-list what the file needs.\n"
        f"\tWeightsUnpickler error: Unsupported global: GLOBAL {dotted} was not an allowed "
        "global by default. Please use "
        f"`torch.serialization.add_safe_globals([{dotted.rsplit('.', 1)[-1]}])` or the "
        f"`torch.serialization.safe_globals([{dotted.rsplit('.', 1)[-1]}])` context manager "
        "to allowlist this global if you trust this class/function."
    )


class _Decoder:
    def __init__(self, arrays: Any, device_name: str | None, weights_only: bool) -> None:
        self.arrays, self.device, self.weights_only = arrays, device_name, weights_only

    def global_(self, name: str) -> Any:
        if self.weights_only:
            allowed = {_global_name(g): g for g in _SAFE_GLOBALS}
            if name not in allowed:
                raise _refused(name)
            return allowed[name]
        return _resolve(name)

    def __call__(self, obj: Any) -> Any:  # noqa: C901 - one branch per tag
        if not isinstance(obj, dict):
            return obj
        if "__tensor__" in obj:
            t = Tensor(self.arrays[obj["__tensor__"]], device=self.device)
            if obj.get("parameter"):
                return Parameter(t, requires_grad=obj.get("requires_grad", True))
            return t.requires_grad_(True) if obj.get("requires_grad") else t
        if "__ndarray__" in obj:
            return np.array(self.arrays[obj["__ndarray__"]])
        if "__dtype__" in obj:
            return getattr(dtypes, obj["__dtype__"])
        if "__device__" in obj:
            return device(obj["__device__"])
        if "__size__" in obj:
            return Size(obj["__size__"])
        if "__dict__" in obj:
            return {self(k): self(v) for k, v in obj["__dict__"]}
        if "__ordered__" in obj:
            return collections.OrderedDict((self(k), self(v)) for k, v in obj["__ordered__"])
        for kind in ("list", "tuple", "set", "frozenset"):
            if f"__{kind}__" in obj:
                return getattr(builtins, kind)(self(v) for v in obj[f"__{kind}__"])
        if "__global__" in obj:
            return self.global_(obj["__global__"])
        if "__object__" in obj:
            return self.instance(obj)
        return obj

    def instance(self, obj: dict[str, Any]) -> Any:
        cls = self.global_(obj["__object__"])
        if not isinstance(cls, type):
            raise pickle.UnpicklingError(f"load: {obj['__object__']} is not a class")
        made = object.__new__(cls) if cls.__new__ is object.__new__ else cls.__new__(cls)  # type: ignore[call-overload]
        state = self(obj["state"])
        if state is not None:
            setstate = getattr(made, "__setstate__", None)
            if setstate is not None and not isinstance(state, tuple):
                setstate(state)
            else:
                attributes, slots = state if isinstance(state, tuple) else (state, None)
                made.__dict__.update(attributes or {})
                for key, value in (slots or {}).items():
                    setattr(made, key, value)
        for item in obj.get("items", ()):
            made.append(self(item))
        for key, value in obj.get("pairs", ()):
            made[self(key)] = self(value)
        return made


# ---------------------------------------------------------------------------------------
# the public functions


def save(obj: Any, f: Any, pickle_module: Any = None, pickle_protocol: int = 2, **_: Any) -> None:
    """Mirrors: torch.save (tensors, containers, numbers and whole objects such as
    modules; the format is never unpickled)."""
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps(_encode(obj, arrays))
    arrays["__structure__"] = np.frombuffer(structure.encode(), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)  # type: ignore[arg-type]
        return
    write_npz(f, arrays)


def load(
    f: Any,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: Any = None,
    **_: Any,
) -> Any:
    """Mirrors: torch.load. ``weights_only`` defaults to True (PyTorch 2.6+): whole
    objects load only when their classes are allow-listed, or with weights_only=False."""
    archive = read_archive(f if hasattr(f, "read") else os.fspath(f), "a workbench.eager save")
    if "__structure__" not in archive:
        raise CheckpointError(
            f"{f if not hasattr(f, 'read') else 'the file'}: a NumPy archive, but not one "
            "written by workbench.eager.save (it has no __structure__ entry)"
        )
    structure = json.loads(bytes(archive.pop("__structure__")).decode())
    arrays = archive
    device_name = None if map_location is None or callable(map_location) else str(map_location)
    return _Decoder(arrays, device_name, weights_only is not False)(structure)


__all__ = [
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]
