"""Tensor creation functions. Mirrors: torch.tensor, zeros, ones, full, empty, arange,
linspace, eye, *_like, from_numpy, as_tensor."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import get_device
from workbench.core.values import Array
from workbench.eager import dtypes
from workbench.eager.tensor import Tensor, device
from workbench.eager.tensor_base import shape_args, wrap


def _core_device(d: Any) -> Any:
    if d is None:
        return get_device(None)
    return device(d).core if not hasattr(d, "core") else d.core


def _host(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._array().numpy()
    if (
        isinstance(data, Sequence)
        and not isinstance(data, str | bytes)
        and data
        and isinstance(data[0], Tensor)
    ):
        return np.stack([_host(d) for d in data])
    return data


def _numpy_leaves(data: Any) -> list[Any] | None:
    """The dtypes of a nested list's elements when every one is a NumPy scalar, else None."""
    found: list[Any] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, np.generic):
            found.append(item.dtype)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            return None
    return found or None


def as_array(data: Any, dtype: Any = None, device_: Any = None) -> Array:
    """A core Array for tensor data, with PyTorch's dtype inference: Python floats give
    the default float dtype, ints int64, bools bool; NumPy arrays keep their dtype."""
    host = _host(data)
    target = dtypes.to_numpy(dtype) if dtype is not None else None
    if target is None:
        if isinstance(host, np.ndarray | np.generic):
            target = host.dtype  # a NumPy array keeps its dtype, as in torch.tensor
        elif (scalars := _numpy_leaves(host)) is not None:
            target = np.result_type(*scalars)  # a list of NumPy scalars keeps their dtype
        else:
            inferred = np.asarray(host).dtype
            if inferred.kind == "f":
                target = dtypes.get_default_dtype().np
            elif inferred.kind in "iu":
                target = dtypes.int64.np
            else:
                target = inferred
    core_device = _core_device(device_)
    return Array(core_device.put(host, dtype=target), core_device)


def tensor(
    data: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    """A new tensor copying ``data``. Mirrors: torch.tensor."""
    t = wrap(as_array(data, dtype, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return tensor(data, dtype, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array. Mirrors: torch.from_numpy."""
    return wrap(Array(array, get_device("cpu")))


def _filled(
    size: Sequence[Any], value: Any, dtype: Any, device: Any, requires_grad: builtins.bool
) -> Tensor:
    shape = shape_args(size)
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else dtypes.get_default_dtype().np
    core_device = _core_device(device)
    data = (
        core_device.xp.full(shape, value, dtype=np_dtype) if core_device.platform == "cpu" else None
    )
    if data is None:
        with core_device.activate():
            data = core_device.xp.full(shape, value, dtype=np_dtype)
    t = wrap(Array(data, core_device))
    return t.requires_grad_(True) if requires_grad else t


def zeros(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    return _filled(size, 0, dtype, device, requires_grad)


def ones(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    return _filled(size, 1, dtype, device, requires_grad)


def empty(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    return _filled(size, 0, dtype, device, requires_grad)


def full(
    size: Any,
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    if dtype is None:
        dtype = (
            dtypes.bool
            if isinstance(fill_value, builtins.bool)
            else (
                dtypes.int64 if isinstance(fill_value, builtins.int) else dtypes.get_default_dtype()
            )
        )
    return _filled((size,), fill_value, dtype, device, requires_grad)


def _like(t: Tensor, value: Any, dtype: Any, device: Any, requires_grad: builtins.bool) -> Tensor:
    return _filled((t.shape,), value, dtype or t.dtype, device or t.device, requires_grad)


def zeros_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    return _like(t, 0, dtype, device, requires_grad)


def ones_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    return _like(t, 1, dtype, device, requires_grad)


def empty_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    return _like(t, 0, dtype, device, requires_grad)


def full_like(
    t: Tensor,
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    return _like(t, fill_value, dtype, device, requires_grad)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Mirrors: torch.arange (int64 for integer arguments, the default float otherwise)."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        dtype = (
            dtypes.int64
            if builtins.all(isinstance(v, builtins.int) for v in values)
            else dtypes.get_default_dtype()
        )
    host = np.arange(*values, dtype=np.float64 if dtypes.to_numpy(dtype).kind == "f" else np.int64)
    t = tensor(host, dtype=dtype, device=device)
    return t.requires_grad_(True) if requires_grad else t


def linspace(
    start: Any,
    end: Any,
    steps: builtins.int,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    values = np.linspace(start, end, steps)
    return tensor(values, dtype=dtype or dtypes.get_default_dtype(), device=device).requires_grad_(
        requires_grad
    )


def logspace(
    start: Any,
    end: Any,
    steps: builtins.int,
    base: builtins.float = 10.0,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)``. Mirrors: torch.logspace."""
    values = np.logspace(start, end, steps, base=base)
    return tensor(values, dtype=dtype or dtypes.get_default_dtype(), device=device).requires_grad_(
        requires_grad
    )


def eye(
    n: builtins.int,
    m: builtins.int | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    values = np.eye(n, m)
    return tensor(values, dtype=dtype or dtypes.get_default_dtype(), device=device).requires_grad_(
        requires_grad
    )


def _legacy_constructor(name: str, dtype: Any) -> Any:
    def make(*args: Any) -> Tensor:
        if len(args) == 1 and not isinstance(args[0], builtins.int):
            return tensor(args[0], dtype=dtype)  # from data
        return empty(*args, dtype=dtype)  # from sizes (contents unspecified, as in PyTorch)

    make.__name__ = name
    make.__doc__ = f"Mirrors: torch.{name} (legacy constructor): data or sizes, {dtype}."
    make.dtype = dtype  # type: ignore[attr-defined]  # x.type(torch.LongTensor) reads it
    return make


FloatTensor = _legacy_constructor("FloatTensor", dtypes.float32)
DoubleTensor = _legacy_constructor("DoubleTensor", dtypes.float64)
HalfTensor = _legacy_constructor("HalfTensor", dtypes.float16)
LongTensor = _legacy_constructor("LongTensor", dtypes.int64)
IntTensor = _legacy_constructor("IntTensor", dtypes.int32)
ShortTensor = _legacy_constructor("ShortTensor", dtypes.int16)
CharTensor = _legacy_constructor("CharTensor", dtypes.int8)
ByteTensor = _legacy_constructor("ByteTensor", dtypes.uint8)
BoolTensor = _legacy_constructor("BoolTensor", dtypes.bool)
