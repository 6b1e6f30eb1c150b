"""Values the dispatcher works on: concrete :class:`Array` and the :class:`Tracer` base.

An ``Array`` is a backend array plus the device it lives on (NumPy cannot tell the
logical devices ``cpu:0`` and ``cpu:1`` apart, so the device travels with the data).
A ``Tracer`` is a value owned by an interpreter (graph building, JVP, reverse mode…).
Neither defines arithmetic operators: front ends wrap them in their own classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.backend import Device, dtypes
from workbench.core.ir import Type


class Array:
    """A concrete array on a device.

    Example:
        >>> from workbench.core import array
        >>> array([1.0, 2.0])
        Array(f32[2] cpu:0, [1. 2.])
    """

    __slots__ = ("data", "device", "shape", "dtype")

    def __init__(self, data: Any, device: Device) -> None:
        self.data = data
        self.device = device
        # Stored, not computed: the dispatcher reads them several times per operation.
        self.shape: tuple[int, ...] = data.shape
        self.dtype: np.dtype = data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def type(self) -> Type:
        return Type(self.data.shape, self.data.dtype, self.device)

    def numpy(self) -> np.ndarray:
        """A NumPy copy on the host (shares memory on the CPU)."""
        return self.device.to_host(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        host = self.numpy()
        return host if dtype is None else host.astype(dtype)

    # A 0-d array is a number where Python asks for one, as in NumPy and JAX (other shapes
    # get NumPy's error).
    def __float__(self) -> float:
        return float(self.numpy())

    def __int__(self) -> int:
        return int(self.numpy())

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=" ", threshold=20, precision=5)
        if "\n" in body:
            body = "\n" + body
        return f"Array({self.type} {self.device}, {body})"


class Tracer:
    """A value owned by an interpreter. Subclasses say what they carry."""

    __slots__ = ("interpreter",)

    interpreter: Any

    @property
    def type(self) -> Type:
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int, ...]:
        # None for an unknown dimension, while a static graph infers its shapes
        return self.type.shape  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        return self.type.dtype

    @property
    def device(self) -> Device:
        return self.type.device

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    @property
    def size(self) -> int:
        return self.type.size

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.type} {self.device}, level={self.interpreter.level})"

    def __bool__(self) -> bool:
        raise ConcretizationError(
            f"the truth value of a traced value ({self.type}) is not known while tracing: "
            "Python control flow cannot depend on it here. Use a structured control-flow "
            "primitive (cond / while_loop / scan) or keep the value concrete."
        )

    def __index__(self) -> int:
        raise ConcretizationError(
            f"a traced value ({self.type}) cannot be used as a Python integer while tracing"
        )

    def __float__(self) -> float:
        raise ConcretizationError(
            f"a traced value ({self.type}) cannot be turned into a Python float while tracing"
        )

    __int__ = __index__


class ConcretizationError(TypeError):
    """A traced (abstract) value was used where a concrete one is needed."""


Value = Array | Tracer


def is_value(x: Any) -> bool:
    return isinstance(x, Array | Tracer)


def short_type(x: Any) -> str:
    """``f32[3,4]`` for a value, or its Python type name otherwise (for error messages)."""
    if is_value(x):
        return str(Type(tuple(x.shape), x.dtype, x.device))
    return type(x).__name__


__all__ = ["Array", "ConcretizationError", "Tracer", "Value", "dtypes", "is_value", "short_type"]
