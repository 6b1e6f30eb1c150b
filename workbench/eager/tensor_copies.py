"""Tensor methods that make new tensors from an existing one: ``new_zeros`` and friends
(the template's dtype and device), ``copy.deepcopy`` of a leaf, ``pin_memory``.
Mirrors: the corresponding torch.Tensor methods."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from workbench.core.values import Array
from workbench.eager.tensor_base import (
    new,
)

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None) -> Tensor:
    from workbench.eager.creation import zeros  # noqa: PLC0415

    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None) -> Tensor:
    from workbench.eager.creation import ones  # noqa: PLC0415

    return ones(*size, dtype=dtype or self.dtype, device=device or self.device)


def new_full(
    self: Tensor, size: Any, fill_value: Any, dtype: Any = None, device: Any = None
) -> Tensor:
    from workbench.eager.creation import full  # noqa: PLC0415

    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None) -> Tensor:
    from workbench.eager.creation import empty  # noqa: PLC0415

    return empty(*size, dtype=dtype or self.dtype, device=device or self.device)


def new_tensor(self: Tensor, data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    return new(data, dtype=dtype or self.dtype, device=device or self.device)


def deepcopy(self: Tensor, memo: dict[builtins.int, Any]) -> Tensor:
    """A copy with its own data (and grad), requiring grad as this one does; only a leaf
    can be copied, as in PyTorch. ``copy.deepcopy(module)`` relies on it."""
    if not self.is_leaf:
        raise RuntimeError(
            "deepcopy: only leaf tensors (made by the user, not computed by an operation "
            "that is being recorded) can be deep-copied, as in PyTorch"
        )
    array = self._array()
    copied = type(self).__new__(type(self))
    copied._value = Array(array.data.copy(), array.device)
    copied.grad = None if self.grad is None else deepcopy(self.grad, memo)
    copied._version = 0
    copied._retains = False
    memo[id(self)] = copied
    return copied.requires_grad_(True) if self.requires_grad else copied


def pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """Page-locked host memory for faster copies to a GPU (a copy here; CuPy manages its
    own staging). An error without an accelerator, as in PyTorch."""
    from workbench.eager import cuda  # noqa: PLC0415

    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return self.clone()


def is_pinned(self: Tensor, device: Any = None) -> builtins.bool:
    return False
