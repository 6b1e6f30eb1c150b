"""Weight penalties added to the training loss. Mirrors: keras.regularizers.

A layer given ``kernel_regularizer=l2(1e-4)`` reports ``1e-4 * sum(kernel ** 2)`` in its
``losses`` (recomputed from the current weights each time they are read), and ``fit`` adds
``model.losses`` to the compiled loss, as Keras does."""

from __future__ import annotations

import inspect
from typing import Any

from workbench.static import array_ops, math_ops
from workbench.static.execution import convert_to_tensor


class Regularizer:
    """A callable from a weight to a scalar penalty. Mirrors: keras.regularizers.Regularizer."""

    def __call__(self, x: Any) -> Any:
        return convert_to_tensor(0.0)

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``; both 0 by default."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = _factor(l1, "l1"), _factor(l2, "l2")

    def __call__(self, x: Any) -> Any:
        x = convert_to_tensor(x)
        total = math_ops.cast(0.0, x.dtype)
        if self.l1:
            total = total + math_ops.cast(self.l1, x.dtype) * math_ops.reduce_sum(math_ops.abs(x))
        if self.l2:
            total = total + math_ops.cast(self.l2, x.dtype) * math_ops.reduce_sum(
                math_ops.square(x)
            )
        return total

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)`` (l1 = 0.01 by default)."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x ** 2)`` (l2 = 0.01 by default; no factor 1/2, unlike ``tf.nn.l2_loss``)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """``factor / 2 * mean |off-diagonal of (normalised rows) (normalised rows)^T|`` over
    the pairs of rows (or columns, ``mode="columns"``) of a 2-d weight."""

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        if mode not in ("rows", "columns"):
            raise ValueError(f"mode must be 'rows' or 'columns', got mode={mode!r}")
        self.factor, self.mode = _factor(factor, "factor"), mode

    def __call__(self, x: Any) -> Any:
        x = convert_to_tensor(x)
        if x.shape.rank != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={tuple(x.shape.as_list())}"
            )
        if self.mode == "columns":
            x = array_ops.transpose(x)
        x = x / math_ops.maximum(
            math_ops.sqrt(math_ops.reduce_sum(math_ops.square(x), 1, keepdims=True)), 1e-12
        )
        n = int(x.shape[0])
        product = math_ops.matmul(x, x, transpose_b=True)
        off = math_ops.abs(product) * (1.0 - array_ops.eye(n, dtype=x.dtype))
        return self.factor * 0.5 * math_ops.reduce_sum(off) / (n * (n - 1.0) / 2.0)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


def _factor(value: Any, name: str) -> float:
    value = float(value)
    if value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float, "
                         f"got {name}={value}")  # fmt: skip
    return value


l1, l2, l1_l2 = L1, L2, L1L2  # Keras 3: l1_l2() is L1L2(), zero by default (Keras 2 used 0.01)
orthogonal_regularizer = OrthogonalRegularizer
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


def get(identifier: Any) -> Any:
    """``None``, a name (``"l2"``), a config dict, a class or a callable. Mirrors:
    keras.regularizers.get."""
    if identifier is None:
        return None
    obj = identifier
    if isinstance(identifier, dict):
        obj = _BY_NAME[identifier["class_name"].lower()](**identifier.get("config", {}))
    elif isinstance(identifier, str):
        obj = _BY_NAME.get(identifier.lower())
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")


def serialize(regularizer: Any) -> dict[str, Any]:
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "get", "l1", "l1_l2", "l2"]
