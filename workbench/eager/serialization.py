"""``torch.save`` / ``torch.load`` in a safe format: an uncompressed ``.npz`` archive
whose arrays are the tensors and whose ``__structure__`` entry is JSON describing the
nesting (dicts, lists, numbers, strings). Loading never unpickles (``allow_pickle=False``);
saving writes a temporary file and renames it, so a crash never leaves half a checkpoint.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from typing import Any

import numpy as np

from workbench.eager.tensor import Tensor


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj.detach()._array().numpy())
        return {"__tensor__": key, "requires_grad": obj.requires_grad}
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        return {
            "__list__" if isinstance(obj, list) else "__tuple__": [_encode(v, arrays) for v in obj]
        }
    if isinstance(obj, bool | int | float | str) or obj is None:
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    hint = (
        "; save its state_dict() and load that into a freshly built model, as PyTorch "
        "recommends (torch.save(model) would pickle the class)"
        if hasattr(obj, "state_dict")
        else ""
    )
    raise TypeError(
        f"save: cannot store an object of type {type(obj).__name__} safely (no pickling){hint}"
    )


def _decode(obj: Any, arrays: Any, device: Any) -> Any:
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            t = Tensor(arrays[obj["__tensor__"]], device=device)
            return t.requires_grad_(True) if obj.get("requires_grad") else t
        if "__dict__" in obj:
            return {
                _decode(k, arrays, device): _decode(v, arrays, device) for k, v in obj["__dict__"]
            }
        if "__list__" in obj:
            return [_decode(v, arrays, device) for v in obj["__list__"]]
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays, device) for v in obj["__tuple__"])
    return obj


def save(obj: Any, f: Any) -> None:
    """Mirrors: torch.save (tensors, nested dicts/lists of tensors and plain values)."""
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps(_encode(obj, arrays))
    arrays["__structure__"] = np.frombuffer(structure.encode(), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)  # type: ignore[arg-type]
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".wb")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(f: Any, map_location: Any = None, weights_only: bool = True) -> Any:
    """Mirrors: torch.load (never executes code from the file)."""
    source = f if hasattr(f, "read") else open(os.fspath(f), "rb")
    try:
        data: bytes = source.read()
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            structure = json.loads(bytes(archive["__structure__"]).decode())
            arrays = {k: archive[k] for k in archive.files if k != "__structure__"}
    finally:
        if source is not f:
            source.close()
    device = None if map_location is None or callable(map_location) else str(map_location)
    return _decode(structure, arrays, device)
