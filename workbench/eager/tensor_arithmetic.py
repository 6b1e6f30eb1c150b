"""PyTorch's arithmetic rules that the Tensor's operators follow: true and floor division
(integers divide as the default float; ``//`` exactly, in the promoted integer type),
power, bitwise operations on integers, and the operations PyTorch refuses on bools."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import ops
from workbench.eager import dtypes
from workbench.eager.tensor_base import binary, is_tensor, promote, wrap

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def true_divide(a: Any, b: Any) -> Tensor:
    """PyTorch's ``/``: integer tensors are divided as the default float (unless the other
    operand is a float tensor, whose dtype then wins: int / float16 is float16)."""
    if (is_tensor(a) and a._value.dtype.kind == "f") or (
        is_tensor(b) and b._value.dtype.kind == "f"
    ):
        return binary(ops.div, a, b, "DivBackward0")

    def as_float(x: Any) -> Any:
        if is_tensor(x) and not x.dtype.is_floating_point:
            return x.to(dtypes.get_default_dtype())
        return x

    return binary(ops.div, as_float(a), as_float(b), "DivBackward0")


def floor_divide(a: Any, b: Any) -> Tensor:
    """``//``: floats floor their quotient; integers divide exactly (through float64) in
    the dtype the two promote to."""
    x, y = ops.operands("floor_divide", *promote(a, b))
    if x.dtype.kind in "iu":
        quotient = ops.floor(ops.div(ops.cast(x, np.float64), ops.cast(y, np.float64)))
        return wrap(ops.cast(quotient, x.dtype), (a, b), "FloorDivide")
    q = true_divide(a, b)
    result = wrap(ops.floor(q._value), (q,), "FloorDivide")
    return to_dtype_of(result, a, b)


def no_bool_subtraction(a: Any, b: Any) -> None:
    # on every subtraction: checks of the dtypes' kind only (no generator, no dtype objects)
    if (
        (a.__class__ is builtins.bool or b.__class__ is builtins.bool)
        or (is_tensor(a) and a._value.dtype.kind == "b")
        or (is_tensor(b) and b._value.dtype.kind == "b")
    ):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def integer_only(name: str, *operands: Any) -> None:
    for x in operands:
        if is_tensor(x) and x.dtype.is_floating_point:
            kind = {"float32": "Float", "float64": "Double", "float16": "Half"}[x.dtype.name]
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{kind}'")
        if isinstance(x, builtins.float):
            raise TypeError(f"{name}: a float operand is not supported (integers and bools are)")


def bitwise(fn: Callable[[Any, Any], Any], name: str, a: Any, b: Any) -> Tensor:
    """``&``, ``|``, ``^`` on integer or bool tensors, with PyTorch's promotion."""
    integer_only(name, a, b)
    return wrap(fn(*ops.operands(name, *promote(a, b))), (a, b), name)


def to_dtype_of(result: Tensor, a: Any, b: Any) -> Tensor:
    kinds = [x.dtype for x in (a, b) if is_tensor(x)]
    if (
        kinds
        and builtins.all(not k.is_floating_point for k in kinds)
        and not builtins.any(isinstance(x, builtins.float) for x in (a, b))
    ):
        return result.to(kinds[0])
    return result


def pow(base: Any, exponent: Any) -> Tensor:
    tb = base if is_tensor(base) else None
    if (
        tb is not None
        and not tb.dtype.is_floating_point
        and not isinstance(exponent, builtins.float)
        and not (is_tensor(exponent) and exponent.dtype.is_floating_point)
    ):
        return pow(tb.to(dtypes.float64), exponent).round().to(tb.dtype)
    if isinstance(exponent, builtins.int | builtins.float) and tb is not None:
        if exponent == 2:
            return tb.square()
        if exponent == 1:
            return tb
    if tb is not None and not tb.dtype.is_floating_point:
        base = tb.to(dtypes.get_default_dtype())
    if is_tensor(exponent) and not exponent.dtype.is_floating_point:
        exponent = exponent.to(base.dtype if is_tensor(base) else dtypes.get_default_dtype())
    return binary(ops.pow, base, exponent, "PowBackward0")
