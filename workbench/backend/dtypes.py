"""Dtypes the workbench supports, their short names, and the one promotion table.

Dtypes are NumPy dtype objects (hashable, shared with CuPy). Primitives in the core are
strict: a binary primitive needs equal dtypes. Front ends that promote (as PyTorch and
jax.numpy do) call :func:`promote_types`, which reads the table below, and insert an
explicit ``cast``, so every dtype change is visible in a graph.
"""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

bool_ = np.dtype("bool")
uint8 = np.dtype("uint8")  # images and labels
int8 = np.dtype("int8")
int16 = np.dtype("int16")
uint32 = np.dtype("uint32")  # random bits (Threefry works on 32-bit words)
int32 = np.dtype("int32")
int64 = np.dtype("int64")
float16 = np.dtype("float16")
bfloat16 = np.dtype(ml_dtypes.bfloat16)  # fp32's range in 16 bits (TPUs, CPU autocast)
float32 = np.dtype("float32")
float64 = np.dtype("float64")

DTYPES: tuple[np.dtype, ...] = (
    bool_, uint8, int8, int16, uint32, int32, int64, float16, bfloat16, float32, float64
)  # fmt: skip
FLOAT_DTYPES: tuple[np.dtype, ...] = (float16, bfloat16, float32, float64)
INT_DTYPES: tuple[np.dtype, ...] = (uint8, int8, int16, uint32, int32, int64)
DEFAULT_FLOAT = float32
DEFAULT_INT = int64

_SHORT_NAMES = {
    bool_: "bool",
    uint8: "u8",
    int8: "i8",
    int16: "i16",
    uint32: "u32",
    int32: "i32",
    int64: "i64",
    float16: "f16",
    bfloat16: "bf16",
    float32: "f32",
    float64: "f64",
}

# The promotion rule, the lattice PyTorch and JAX share for these types:
#
#   - bool < integers < floats; any float beats any integer (int64 + float16 is float16,
#     as in both frameworks), and the wider float wins between floats — float16 and
#     bfloat16, of one width but neither holding the other, meet at float32;
#   - between integers, the narrowest type that holds both ranges: a wider type wins
#     within signed or unsigned, and an unsigned type meeting a signed one of the same or
#     smaller width needs the next signed width (uint8 + int8 is int16, uint32 + int32 is
#     int64), as NumPy, PyTorch and JAX agree.
#
# Python scalars are "weak": they take the dtype of the array they meet (see
# :func:`result_type_with_scalar`).


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """Return the dtype two operands are promoted to (the rule above).

    Raises:
        TypeError: if either dtype is not one the workbench supports.
    """
    a = canonical(a)
    b = canonical(b)
    if a == b:
        return a
    if is_float(a) or is_float(b):
        if {a, b} == {float16, bfloat16}:
            return float32
        floats = [d for d in (a, b) if is_float(d)]
        return max(floats, key=lambda d: d.itemsize)
    return np.promote_types(a, b)  # integers and bool: NumPy's table is the frameworks' one


def canonical(dtype: Any) -> np.dtype:
    """Turn anything NumPy accepts as a dtype into a supported dtype, or raise."""
    try:
        result = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"not a dtype: {dtype!r}") from err
    if result not in _SHORT_NAMES:
        supported = ", ".join(_SHORT_NAMES[d] for d in DTYPES)
        raise TypeError(
            f"dtype {result} is not supported by the workbench (supported: {supported})"
        )
    return result


def result_type_with_scalar(dtype: np.dtype, scalar: Any) -> np.dtype:
    """Dtype of ``array (op) python_scalar``: the array's, unless a float scalar meets an
    integer or bool array (then the default float), or an int scalar meets a bool array."""
    if isinstance(scalar, bool):
        return dtype
    if isinstance(scalar, float) and not is_float(dtype):
        return DEFAULT_FLOAT
    if isinstance(scalar, int) and dtype == bool_:
        return DEFAULT_INT
    return dtype


def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f" or dtype == bfloat16


def is_int(dtype: np.dtype) -> bool:
    return dtype.kind in "iu"


def short_name(dtype: np.dtype) -> str:
    """``f32``, ``i64``, ``bool``: the names the IR text form uses."""
    return _SHORT_NAMES.get(dtype, str(dtype))
