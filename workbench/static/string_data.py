"""What counts as string data, and its host form (a NumPy object array of ``bytes``).
Kept apart from :mod:`workbench.static.strings` so that tensor conversion can recognise
strings without importing the string tensor class."""

from __future__ import annotations

from typing import Any

import numpy as np


def _to_bytes(x: Any) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, np.bytes_ | np.str_):
        return _to_bytes(x.item())
    raise TypeError(f"Expected a string, got {x!r} of type {type(x).__name__}")


def is_string_data(value: Any) -> bool:
    """Whether ``value`` holds strings: a string tensor, ``str``/``bytes``, a NumPy array
    of strings or a (nested) list whose first leaf is a string."""
    if getattr(value, "_holds_strings", False) or isinstance(
        value, str | bytes | np.str_ | np.bytes_
    ):
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return True
        return value.dtype.kind == "O" and value.size > 0 and is_string_data(value.flat[0])
    if isinstance(value, list | tuple) and value:
        return is_string_data(value[0])
    return False


def host_strings(value: Any) -> np.ndarray:
    """``value`` as a NumPy object array of ``bytes`` (NumPy's own ``S`` type would drop
    trailing zero bytes, which binary records keep)."""
    if getattr(value, "_holds_strings", False):
        return value._data  # type: ignore[no-any-return]
    if isinstance(value, bytes | str | np.bytes_ | np.str_):
        scalar = np.empty((), dtype=object)
        scalar[()] = _to_bytes(value)
        return scalar
    arr = np.asarray(value, dtype=object)
    flat = [_to_bytes(x) for x in arr.reshape(-1)]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def host_array(value: Any) -> np.ndarray:
    """A data-set element as NumPy: strings as bytes objects, anything else as an array."""
    if is_string_data(value):
        return host_strings(value)
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)
