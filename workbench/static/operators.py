"""Python operators shared by symbolic and eager tensors (``x + y``, ``x @ w``, ``x[i]``);
each one is the same ``tf`` function a learner could call by name."""

from __future__ import annotations

from typing import Any


def _m() -> Any:
    from workbench.static import math_ops  # noqa: PLC0415

    return math_ops


class TensorOperators:
    """Mixin: arithmetic, comparisons and indexing in TensorFlow's style."""

    def __add__(self, other: Any) -> Any:
        return _m().add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _m().add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _m().subtract(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _m().subtract(other, self)

    def __mul__(self, other: Any) -> Any:
        return _m().multiply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _m().multiply(other, self)

    def __truediv__(self, other: Any) -> Any:
        return _m().truediv(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _m().truediv(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _m().floordiv(self, other)

    def __mod__(self, other: Any) -> Any:
        return _m().floormod(self, other)

    def __pow__(self, other: Any) -> Any:
        return _m().pow(self, other)

    def __rpow__(self, other: Any) -> Any:
        return _m().pow(other, self)

    def __matmul__(self, other: Any) -> Any:
        return _m().matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _m().matmul(other, self)

    def __neg__(self) -> Any:
        return _m().negative(self)

    def __abs__(self) -> Any:
        return _m().abs(self)

    def __lt__(self, other: Any) -> Any:
        return _m().less(self, other)

    def __le__(self, other: Any) -> Any:
        return _m().less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return _m().greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return _m().greater_equal(self, other)

    def __and__(self, other: Any) -> Any:
        return _m().logical_and(self, other)

    def __or__(self, other: Any) -> Any:
        return _m().logical_or(self, other)

    def __invert__(self) -> Any:
        return _m().logical_not(self)

    def __getitem__(self, key: Any) -> Any:
        from workbench.static import array_ops  # noqa: PLC0415

        return array_ops.getitem(self, key)
