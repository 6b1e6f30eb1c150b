"""Mirrors: torch.nn.Parameter — a leaf tensor that a Module registers as a weight."""

from __future__ import annotations

from typing import Any

from workbench.eager.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module's parameter (``requires_grad=True`` by default)."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        source = data if isinstance(data, Tensor) else Tensor(data if data is not None else [])
        self._value = source._array()
        self.grad = None
        self._version = 0
        self._retains = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
