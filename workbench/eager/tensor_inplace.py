"""Tensor methods that update a tensor in place (``add_``, ``mul_``, ``fill_``, ``copy_``,
``uniform_`` …): each computes the new value and writes it with ``_inplace``, which
bumps the version counter the autograd engine checks.

Mirrors: the corresponding torch.Tensor methods.
"""
# ruff: noqa: A001 - methods named as torch names them (sum, max, all, …)

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.values import Array
from workbench.eager import autograd_engine as engine
from workbench.eager.tensor_base import (
    Number,
    is_tensor,
    new,
    tensor_of,
    tracked,
    wrap,
)

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def _inplace(self: Tensor, result: Tensor) -> Tensor:
    on_tape = tracked(self._value)
    grad_leaf = on_tape and self._value.node is None
    if grad_leaf and engine.is_enabled():
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    if result._value.dtype != self._value.dtype:
        result = result.to(self.dtype)
    if not on_tape and not tracked(result._value):
        target = self._array().data
        source = result._array().data
        if target.flags.writeable:
            target[...] = source
        else:
            self._value = Array(source.copy(), self._value.device)
    elif grad_leaf:  # under no_grad: update the leaf's data
        self._value.primal = result._array()
    else:
        self._value = result._value
    self._version += 1
    return self


def add_(self: Tensor, other: Any, alpha: Number = 1) -> Tensor:
    return self._inplace(self.add(other, alpha))


def sub_(self: Tensor, other: Any, alpha: Number = 1) -> Tensor:
    return self._inplace(self.sub(other, alpha))


def mul_(self: Tensor, other: Any) -> Tensor:
    return self._inplace(self * other)


def div_(self: Tensor, other: Any) -> Tensor:
    return self._inplace(self / other)


def pow_(self: Tensor, exponent: Any) -> Tensor:
    return self._inplace(self**exponent)


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return self._inplace(self.clamp(min, max))


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    return self._inplace(self.masked_fill(mask, value))


def neg_(self: Tensor) -> Tensor:
    return self._inplace(-self)


def exp_(self: Tensor) -> Tensor:
    return self._inplace(self.exp())


def sqrt_(self: Tensor) -> Tensor:
    return self._inplace(self.sqrt())


def relu_(self: Tensor) -> Tensor:
    return self._inplace(self.relu())


def zero_(self: Tensor) -> Tensor:
    return self.fill_(0)


def fill_(self: Tensor, value: Any) -> Tensor:
    filled = new(
        np.full(self.shape, value if not is_tensor(value) else value.item(), self.dtype.np),
        device=self.device,
    )
    return self._inplace(filled)


def copy_(self: Tensor, src: Tensor) -> Tensor:
    src = tensor_of(src).to(self.device)
    value = src.expand(self.shape) if tuple(src.shape) != tuple(self.shape) else src
    if tracked(self._value) and self._value.node is None:
        # a leaf keeps memory of its own (PyTorch copies), so an optimiser's in-place
        # update of the leaf never writes into ``src``
        value = wrap(Array(value._array().data.copy(), value._array().device))
    return self._inplace(value)


def addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value: Number = 1) -> Tensor:
    return self._inplace(self + t1 * t2 * value)


def addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value: Number = 1) -> Tensor:
    return self._inplace(self + t1 / t2 * value)


def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    return self._inplace(self + (end - self) * weight)


def uniform_(
    self: Tensor, a: builtins.float = 0.0, b: builtins.float = 1.0, generator: Any = None
) -> Tensor:
    from workbench.eager.random import _uniform  # noqa: PLC0415

    shape = tuple(self.shape)
    return self._inplace(_uniform(shape, generator, self.dtype, self.device, a, b))


def normal_(
    self: Tensor, mean: builtins.float = 0.0, std: builtins.float = 1.0, generator: Any = None
) -> Tensor:
    from workbench.eager.random import randn  # noqa: PLC0415

    return self._inplace(
        randn(*self.shape, generator=generator, dtype=self.dtype, device=self.device) * std + mean
    )
