"""Projections applied to a weight after every optimizer update. Mirrors: keras.constraints."""

from __future__ import annotations

import inspect
from typing import Any

from workbench.static import math_ops
from workbench.static.execution import convert_to_tensor

EPSILON = 1e-7  # keras.config.epsilon()


class Constraint:
    """A callable from a weight to its projection. Mirrors: keras.constraints.Constraint."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


def _norms(w: Any, axis: Any) -> Any:
    return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(w), axis, keepdims=True))


class MinMaxNorm(Constraint):
    """Rescale each slice along ``axis`` so its L2 norm moves (by ``rate``) into
    [min_value, max_value]."""

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0
    ) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def _desired(self, norms: Any) -> Any:
        clipped = math_ops.clip_by_value(norms, self.min_value, self.max_value)
        return self.rate * clipped + (1 - self.rate) * norms

    def __call__(self, w: Any) -> Any:
        w = convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return w * (self._desired(norms) / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}  # fmt: skip


class MaxNorm(MinMaxNorm):
    """Scale slices whose norm exceeds ``max_value`` (2 by default) down to it."""

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        super().__init__(0.0, max_value, 1.0, axis)

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(MinMaxNorm):
    """Divide each slice by its norm."""

    def __init__(self, axis: Any = 0) -> None:
        super().__init__(1.0, 1.0, 1.0, axis)

    def _desired(self, norms: Any) -> Any:
        return 1.0

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class NonNeg(Constraint):
    """Clip negative weights to 0."""

    def __call__(self, w: Any) -> Any:
        return math_ops.maximum(convert_to_tensor(w), 0.0)


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
_BY_NAME = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
            "unit_norm": UnitNorm}  # fmt: skip


def get(identifier: Any) -> Any:
    """Mirrors: keras.constraints.get."""
    if identifier is None:
        return None
    obj = _BY_NAME.get(identifier.lower()) if isinstance(identifier, str) else identifier
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get"]
