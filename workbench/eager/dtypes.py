"""PyTorch's dtype objects (``torch.float32`` …) over the backend's NumPy dtypes."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from workbench.backend import dtypes as backend_dtypes


class dtype:  # noqa: N801 - torch.dtype
    """A tensor element type. Mirrors: torch.dtype."""

    __slots__ = ("name", "np", "is_floating_point", "itemsize")

    def __init__(self, name: str, np_dtype: np.dtype) -> None:
        self.name = name
        self.np = np_dtype
        self.is_floating_point = np_dtype.kind == "f"
        self.itemsize = np_dtype.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> Any:
        return (from_numpy_dtype, (self.np.str,))


class _NotComputable(dtype):
    """A PyTorch dtype NumPy and CuPy have no arithmetic for (bfloat16): it can be named,
    printed and compared (``{"bfloat16": torch.bfloat16, ...}`` tables in training
    scripts work), and making data of it raises a clear error."""

    __slots__ = ()

    def __init__(self, name: str, itemsize: builtins.int) -> None:  # noqa: D107
        self.name = name
        self.is_floating_point = True
        self.itemsize = itemsize

    @property
    def np(self) -> np.dtype:  # type: ignore[override]
        raise TypeError(
            f"torch.{self.name}: NumPy and CuPy have no {self.name} arithmetic, so the "
            "workbench cannot compute in it; use torch.float16 or torch.float32"
        )


float16 = half = dtype("float16", backend_dtypes.float16)
bfloat16 = _NotComputable("bfloat16", 2)
float32 = float = dtype("float32", backend_dtypes.float32)  # noqa: A001
float64 = double = dtype("float64", backend_dtypes.float64)
int32 = int = dtype("int32", backend_dtypes.int32)  # noqa: A001
int64 = long = dtype("int64", backend_dtypes.int64)
bool = dtype("bool", backend_dtypes.bool_)  # noqa: A001
uint32 = dtype("uint32", backend_dtypes.uint32)
uint8 = dtype("uint8", backend_dtypes.uint8)
int8 = dtype("int8", backend_dtypes.int8)
int16 = short = dtype("int16", backend_dtypes.int16)

_BY_NUMPY = {
    d.np: d for d in (float16, float32, float64, uint8, int8, int16, int32, int64, bool, uint32)
}
_default = [float32]

# The legacy tensor-type names (x.type(), torch.FloatTensor …), one per dtype.
LEGACY_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def from_legacy_name(name: str) -> dtype:
    """The dtype of 'torch.FloatTensor' (or 'torch.cuda.FloatTensor', or 'FloatTensor')."""
    short = name.rsplit(".", 1)[-1]
    for dtype_name, legacy in LEGACY_NAMES.items():
        if legacy == short:
            return globals()[dtype_name]  # type: ignore[no-any-return]
    raise ValueError(f"invalid type: '{name}'")


def from_numpy_dtype(np_dtype: Any) -> dtype:
    found = _BY_NUMPY.get(np_dtype)  # a NumPy dtype object: one look-up
    return found if found is not None else _BY_NUMPY[np.dtype(np_dtype)]


def to_numpy(d: Any) -> np.dtype:
    """A torch-style dtype, a NumPy dtype or a Python type, as a supported NumPy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is builtins.float:
        return _default[0].np
    if d is builtins.int:
        return backend_dtypes.int64
    if d is builtins.bool:
        return backend_dtypes.bool_
    return backend_dtypes.canonical(d)


def get_default_dtype() -> dtype:
    """Mirrors: torch.get_default_dtype."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Mirrors: torch.set_default_dtype (float32 or float64)."""
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


class finfo:  # noqa: N801 - torch.finfo
    """Machine limits of a float dtype (the default dtype when none is given).
    Mirrors: torch.finfo."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002
        d = _default[0] if type is None else type
        info = np.finfo(d.np)
        self.dtype = d.name
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.tiny)
        self.resolution = 10.0**-info.precision

    def __repr__(self) -> str:
        fields = ("resolution", "min", "max", "eps", "smallest_normal", "tiny")
        values = ", ".join(f"{f}={getattr(self, f):g}" for f in fields)
        return f"finfo({values}, dtype={self.dtype})"


class iinfo:  # noqa: N801 - torch.iinfo
    """Limits of an integer dtype. Mirrors: torch.iinfo."""

    def __init__(self, type: Any) -> None:  # noqa: A002
        info = np.iinfo(type.np)
        self.dtype, self.bits = type.name, info.bits
        self.min, self.max = builtins.int(info.min), builtins.int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
