"""TensorFlow's dtype objects (``tf.float32`` …) over the backend's NumPy dtypes."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from workbench.backend import dtypes as backend_dtypes


class DType:
    """A tensor element type. Mirrors: tf.dtypes.DType."""

    __slots__ = ("name", "np")

    def __init__(self, name: str, np_dtype: np.dtype) -> None:
        self.name = name
        self.np = np_dtype

    @property
    def as_numpy_dtype(self) -> type:
        return self.np.type

    @property
    def is_floating(self) -> builtins.bool:
        return self.np.kind == "f"

    @property
    def is_integer(self) -> builtins.bool:
        return self.np.kind in "iu"

    @property
    def is_bool(self) -> builtins.bool:
        return self.np.kind == "b"

    @property
    def size(self) -> builtins.int:
        return self.np.itemsize

    @property
    def base_dtype(self) -> DType:
        return self

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"  # as print(tensor.dtype) shows in TensorFlow

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, DType):
            return self.np == other.np
        try:
            return self.np == as_dtype(other).np
        except TypeError:
            return False

    def __hash__(self) -> builtins.int:
        return hash(self.np)


float16 = half = DType("float16", backend_dtypes.float16)
float32 = DType("float32", backend_dtypes.float32)
float64 = double = DType("float64", backend_dtypes.float64)
int32 = DType("int32", backend_dtypes.int32)
int64 = DType("int64", backend_dtypes.int64)
uint32 = DType("uint32", backend_dtypes.uint32)
uint8 = DType("uint8", backend_dtypes.uint8)
int8 = DType("int8", backend_dtypes.int8)
int16 = DType("int16", backend_dtypes.int16)
bool = DType("bool", backend_dtypes.bool_)  # noqa: A001
string = DType("string", np.dtype(object))  # bytes on the host (workbench.static.strings)

_BY_NUMPY = {
    d.np: d for d in (float16, float32, float64, uint8, int8, int16, int32, int64, uint32, bool)
}
_BY_NAME = {d.name: d for d in _BY_NUMPY.values()} | {
    "float": float32,
    "double": float64,
    "string": string,
}


def as_dtype(value: Any) -> DType:
    """A DType from a DType, a NumPy dtype or type, a name, or a Python type (TensorFlow's
    rules: ``float`` is float32 in tensors, ``int`` int32). Mirrors: tf.as_dtype."""
    if isinstance(value, DType):
        return value
    if value is builtins.float:
        return float32
    if value is builtins.int:
        return int32
    if value is builtins.bool:
        return bool
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value in (builtins.str, builtins.bytes):
        return string
    try:
        if np.dtype(value).kind in "OSU":
            return string
        return _BY_NUMPY[np.dtype(value)]
    except (TypeError, KeyError):
        raise TypeError(
            f"Cannot convert {value!r} to a workbench.static dtype; supported: "
            + ", ".join(sorted(_BY_NAME))
        ) from None
