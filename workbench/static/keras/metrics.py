"""Keras metrics, accumulated over batches on the host (they are not differentiated).
Mirrors: keras.metrics."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.static.execution import EagerTensor, constant_value


def _host(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


class Metric:
    """A running mean of per-example values."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or _default_name(type(self).__name__)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        v = self.values(_host(y_true), _host(y_pred)).astype(np.float64).reshape(-1)
        w = (
            np.ones_like(v)
            if sample_weight is None
            else _host(sample_weight).reshape(-1).astype(np.float64)
        )
        self.total += float((v * w).sum())
        self.count += float(w.sum())

    def result(self) -> EagerTensor:
        return EagerTensor(
            constant_value(np.float32(self.total / self.count if self.count else 0.0))
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> EagerTensor:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()


def _default_name(cls: str) -> str:
    import re  # noqa: PLC0415

    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", cls).lower()


class Accuracy(Metric):
    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return (y_true.reshape(y_pred.shape) == y_pred).astype(np.float64)


class SparseCategoricalAccuracy(Metric):
    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        labels = y_true.reshape(-1).astype(np.int64)
        return (np.argmax(y_pred.reshape(len(labels), -1), -1) == labels).astype(np.float64)


class CategoricalAccuracy(Metric):
    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return (np.argmax(y_pred, -1) == np.argmax(y_true, -1)).astype(np.float64)


class BinaryAccuracy(Metric):
    def __init__(self, name: str | None = None, dtype: Any = None, threshold: float = 0.5) -> None:
        self.threshold = threshold
        super().__init__(name, dtype)

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return ((y_pred > self.threshold) == (y_true.reshape(y_pred.shape) > 0.5)).astype(
            np.float64
        )


class MeanSquaredError(Metric):
    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.mean(np.square(y_pred - y_true.reshape(y_pred.shape)), -1)


class MeanAbsoluteError(Metric):
    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(y_pred - y_true.reshape(y_pred.shape)), -1)


class Mean(Metric):
    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        v = _host(values).astype(np.float64).reshape(-1)
        w = (
            np.ones_like(v)
            if sample_weight is None
            else np.broadcast_to(_host(sample_weight), v.shape).astype(np.float64)
        )
        self.total += float((v * w).sum())
        self.count += float(w.sum())


_BY_NAME = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "binary_accuracy": BinaryAccuracy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
}


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
