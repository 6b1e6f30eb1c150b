"""Keras metrics: running totals held in variables and updated with ``tf`` operations,
so they work eagerly and inside a ``tf.function`` training step. Mirrors: keras.metrics."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from workbench.static import array_ops, dtypes, math_ops
from workbench.static.execution import convert_to_tensor
from workbench.static.framework import init_scope
from workbench.static.variables import Variable


def _default_name(cls: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", cls).lower()


class Metric:
    """A weighted running mean of per-example values."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or _default_name(type(self).__name__)
        with init_scope():
            self.total = Variable(np.float32(0), trainable=False, name="total")
            self.count = Variable(np.float32(0), trainable=False, name="count")

    def reset_state(self) -> None:
        self.total.assign(np.float32(0))
        self.count.assign(np.float32(0))

    reset_states = reset_state

    def values(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError

    def _accumulate(self, values: Any, sample_weight: Any) -> None:
        v = array_ops.reshape(math_ops.cast(values, dtypes.float32), [-1])
        w = array_ops.ones_like(v)
        if sample_weight is not None:
            w = w * math_ops.cast(sample_weight, dtypes.float32)
        self.total.assign_add(math_ops.reduce_sum(v * w))
        self.count.assign_add(math_ops.reduce_sum(w))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = convert_to_tensor(y_pred)
        self._accumulate(self.values(convert_to_tensor(y_true), y_pred), sample_weight)

    def result(self) -> Any:
        count = self.count.read_value()
        return math_ops.truediv(self.total.read_value(), math_ops.maximum(count, 1e-12))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self) -> list[Variable]:
        return [self.total, self.count]


class Mean(Metric):
    """The (weighted) mean of the values given. Mirrors: keras.metrics.Mean."""

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        self._accumulate(convert_to_tensor(values), sample_weight)


class Accuracy(Metric):
    def values(self, y_true: Any, y_pred: Any) -> Any:
        return math_ops.equal(
            math_ops.cast(array_ops.reshape(y_true, [-1]), y_pred.dtype),
            array_ops.reshape(y_pred, [-1]),
        )


class SparseCategoricalAccuracy(Metric):
    def values(self, y_true: Any, y_pred: Any) -> Any:
        labels = math_ops.cast(array_ops.reshape(y_true, [-1]), dtypes.int64)
        return math_ops.equal(math_ops.argmax(y_pred, axis=-1), labels)


class CategoricalAccuracy(Metric):
    def values(self, y_true: Any, y_pred: Any) -> Any:
        return math_ops.equal(math_ops.argmax(y_pred, axis=-1), math_ops.argmax(y_true, axis=-1))


class BinaryAccuracy(Metric):
    def __init__(self, name: str | None = None, dtype: Any = None, threshold: float = 0.5) -> None:
        self.threshold = threshold
        super().__init__(name, dtype)

    def values(self, y_true: Any, y_pred: Any) -> Any:
        predicted = math_ops.greater(y_pred, self.threshold)
        actual = math_ops.greater(
            math_ops.cast(array_ops.reshape(y_true, y_pred.shape.as_list()), y_pred.dtype), 0.5
        )
        return math_ops.equal(
            math_ops.cast(predicted, dtypes.int32), math_ops.cast(actual, dtypes.int32)
        )


class MeanSquaredError(Metric):
    def values(self, y_true: Any, y_pred: Any) -> Any:
        return math_ops.reduce_mean(
            math_ops.square(y_pred - math_ops.cast(y_true, y_pred.dtype)), -1
        )


class MeanAbsoluteError(Metric):
    def values(self, y_true: Any, y_pred: Any) -> Any:
        return math_ops.reduce_mean(math_ops.abs(y_pred - math_ops.cast(y_true, y_pred.dtype)), -1)


_BY_NAME = {
    "accuracy": Accuracy, "acc": Accuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "binary_accuracy": BinaryAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
}  # fmt: skip


def get(identifier: Any, loss_name: str = "") -> Metric:
    """A metric; ``"accuracy"`` picks the variant that fits the loss, as Keras does."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type):
        return identifier()  # type: ignore[no-any-return]
    if identifier in ("accuracy", "acc"):
        if "sparse_categorical" in loss_name:
            return SparseCategoricalAccuracy(name=identifier)
        if "categorical" in loss_name:
            return CategoricalAccuracy(name=identifier)
        if "binary" in loss_name:
            return BinaryAccuracy(name=identifier)
        return Accuracy(name=identifier)
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier](name=identifier)  # type: ignore[no-any-return]
    raise ValueError(f"Unknown metric: {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
