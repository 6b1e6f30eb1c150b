"""Turning a public call's operands into what a primitive accepts.

Python scalars become 0-d arrays of the other operand's dtype and device ("weak"
scalars, as in JAX and PyTorch), and operands of different shapes are broadcast with
the ``broadcast_to`` primitive. This is the one place broadcasting is inserted, so the
one place it is undone is ``broadcast_to``'s VJP.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from workbench.backend import Device, dtypes
from workbench.core import primitives as ops
from workbench.core.dispatch import building_graph
from workbench.core.values import Array, Tracer, is_value, short_type

_PY_NUMBERS = (bool, int, float, np.number, np.bool_)


def scalar(value: Any, dtype: np.dtype, device: Device) -> Array:
    """A 0-d Array holding a Python number, checked to survive the cast exactly."""
    return _constant(type(value).__name__, value, dtype, device, ())


def constant(value: Any, dtype: np.dtype, device: Device, shape: tuple[int, ...]) -> Array:
    """A read-only Array of ``shape`` filled with a Python number (memoised)."""
    return _constant(type(value).__name__, value, dtype, device, shape)


@functools.lru_cache(maxsize=4096)
def _constant(
    kind: type, value: Any, dtype: np.dtype, device: Device, shape: tuple[int, ...]
) -> Array:
    """A read-only constant of ``shape`` (a broadcast view of one number), memoised:
    eager code meets the same few constants (0, 1, 0.5, …) over and over. ``kind``
    keeps 1, 1.0 and True apart."""
    if shape:
        base = _constant(kind, value, dtype, device, ())
        return Array(device.xp.broadcast_to(base.data, shape), device)
    return _make_scalar(value, dtype, device)


def _make_scalar(value: Any, dtype: np.dtype, device: Device) -> Array:
    data = np.array(value, dtype=dtype)
    if not isinstance(value, bool) and data.item() != value and not np.isnan(data):
        if not (dtypes.is_float(dtype) and isinstance(value, float | int)):
            raise TypeError(f"the scalar {value!r} cannot be represented as {dtype}")
    if device.platform != "cpu":
        data = device.put(data)
    else:
        data.flags.writeable = False  # shared by every use of this constant
    return Array(data, device)


def array(data: Any, dtype: Any = None, device: Device | str | None = None) -> Array:
    """Make an Array from host data (a number, nested lists, a NumPy or CuPy array).

    Python floats become float32 (the default float) and ints int64, unless ``dtype``
    says otherwise; a NumPy array keeps its dtype.

    Example:
        >>> array([[1, 2], [3, 4]]).dtype
        dtype('int64')
    """
    from workbench.backend import get_device  # noqa: PLC0415

    device = get_device(device)
    if isinstance(data, Array):
        host: Any = data.numpy()
    elif hasattr(data, "__cuda_array_interface__") and not isinstance(data, np.ndarray):
        host = data.get()
    else:
        host = data
    if dtype is None and not isinstance(host, np.ndarray | np.generic):
        host = np.asarray(host)
        if host.dtype == np.float64:
            dtype = dtypes.DEFAULT_FLOAT
        elif host.dtype.kind == "i":
            dtype = dtypes.DEFAULT_INT
    dtype = dtypes.canonical(dtype if dtype is not None else np.asarray(host).dtype)
    return Array(device.put(host, dtype=dtype), device)


def lift(name: str, *xs: Any) -> list[Any]:
    """Replace Python scalars by 0-d arrays matching the first array operand."""
    for x in xs:
        if x.__class__ is not Array and not isinstance(x, Tracer):
            break
    else:
        return list(xs)  # all values already: the common case
    like = next((x for x in xs if is_value(x)), None)
    if like is None:
        shown = ", ".join(short_type(x) for x in xs)
        raise TypeError(f"{name}: expected at least one workbench array, got ({shown})")
    out = []
    for x in xs:
        if is_value(x):
            out.append(x)
        elif isinstance(x, _PY_NUMBERS):
            out.append(scalar(x, like.dtype, like.device))
        else:
            raise TypeError(
                f"{name}: expected a workbench array or a Python number, got {type(x).__name__}"
            )
    return out


def broadcast_shapes(name: str, *shapes: tuple[int | None, ...]) -> tuple[int | None, ...]:
    """NumPy's broadcasting rule, with an error that names the operation and shapes. An
    unknown dimension (None) against 1 stays unknown; against a known size it is taken to
    be that size (TensorFlow's rule: it must be, for the program to run)."""
    ndim = max(len(s) for s in shapes)
    result: list[int | None] = []
    for axis in range(ndim):
        size: int | None = 1
        for shape in shapes:
            k = axis - (ndim - len(shape))
            if k < 0:
                continue
            dim = shape[k]
            if dim is None:
                size = None if size == 1 else size
            elif dim != 1:
                if size not in (1, None, dim):
                    shown = " and ".join(str(tuple(s)) for s in shapes)
                    raise ValueError(
                        f"{name}: shapes {shown} cannot be broadcast together: "
                        f"{size} != {dim} in the {axis - ndim}-th dimension from the end"
                    )
                size = dim
        result.append(size)
    return tuple(result)


def operands(name: str, *xs: Any) -> list[Any]:
    """Lift scalars and broadcast every operand to the common shape."""
    shape = None
    uniform = True
    for x in xs:
        if x.__class__ is Array or isinstance(x, Tracer):
            if shape is None:
                shape = x.shape
            elif x.shape != shape:
                uniform = False
        else:
            uniform = False
    if uniform:
        return list(xs)
    if len(xs) == 2 and not building_graph():
        # The common eager case: an array and a Python number (x * 2.0, 1 - y).
        a, b = xs
        if isinstance(b, _PY_NUMBERS) and is_value(a):
            return [a, _constant(type(b).__name__, b, a.dtype, a.device, tuple(a.shape))]
        if isinstance(a, _PY_NUMBERS) and is_value(b):
            return [_constant(type(a).__name__, a, b.dtype, b.device, tuple(b.shape)), b]
        if is_value(a) and is_value(b):  # a bias-like operand: one broadcast
            sa, sb = tuple(a.shape), tuple(b.shape)
            if len(sa) >= len(sb) and sa[len(sa) - len(sb) :] == sb:
                return [a, ops.broadcast_to(b, sa)]
            if len(sb) > len(sa) and sb[len(sb) - len(sa) :] == sa:
                return [ops.broadcast_to(a, sb), b]
    like = next((x for x in xs if is_value(x)), None)
    if like is None:
        shown = ", ".join(short_type(x) for x in xs)
        raise TypeError(f"{name}: expected at least one workbench array, got ({shown})")
    target = broadcast_shapes(name, *(tuple(x.shape) for x in xs if is_value(x)))
    out = []
    for x in xs:
        if is_value(x):
            out.append(x if x.shape == target else ops.broadcast_to(x, target))
        elif isinstance(x, _PY_NUMBERS) and not building_graph():
            # A constant needs no equation unless a graph is being recorded.
            out.append(_constant(type(x).__name__, x, like.dtype, like.device, target))
        else:
            (value,) = lift(name, x, like)[:1]
            out.append(ops.broadcast_to(value, target))
    return out
