"""Keras metrics: running totals held in variables and updated with ``tf`` operations,
so they work eagerly and inside a ``tf.function`` training step. Mirrors: keras.metrics."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from workbench.static import array_ops, dtypes, math_ops
from workbench.static.execution import convert_to_tensor
from workbench.static.framework import init_scope
from workbench.static.keras import losses
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
        """Keras's rule: values are averaged down to the weights' rank (to one value per
        example without weights), weighted, summed; the count is the weights' sum."""
        v = math_ops.cast(values, dtypes.float32)
        if sample_weight is None:
            if v.shape.rank > 1:
                v = math_ops.reduce_mean(v, list(range(1, v.shape.rank)))
            v = array_ops.reshape(v, [-1])
            self.total.assign_add(math_ops.reduce_sum(v))
            self.count.assign_add(math_ops.cast(array_ops.size(v), dtypes.float32))
            return
        w = math_ops.cast(convert_to_tensor(sample_weight), dtypes.float32)
        while w.shape.rank > v.shape.rank and w.shape[-1] == 1:
            w = array_ops.squeeze(w, [-1])
        if v.shape.rank > w.shape.rank:
            v = math_ops.reduce_mean(v, list(range(w.shape.rank, v.shape.rank)))
        w = w + array_ops.zeros_like(v)
        self.total.assign_add(math_ops.reduce_sum(v * w))
        self.count.assign_add(math_ops.reduce_sum(w))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        from workbench.static.keras.losses import same_rank  # noqa: PLC0415

        y_true, y_pred = same_rank(y_true, y_pred)  # (n,) labels against (n, 1), as Keras
        self._accumulate(self.values(y_true, y_pred), sample_weight)

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


class RootMeanSquaredError(MeanSquaredError):
    """sqrt of the running mean of squared errors. Mirrors: keras.metrics.RootMeanSquaredError."""

    def values(self, y_true: Any, y_pred: Any) -> Any:
        return math_ops.square(
            y_pred - math_ops.cast(array_ops.reshape(y_true, y_pred.shape.as_list()), y_pred.dtype)
        )

    def result(self) -> Any:
        return math_ops.sqrt(super().result())


class Sum(Metric):
    """The running (weighted) sum. Mirrors: keras.metrics.Sum."""

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        self._accumulate(convert_to_tensor(values), sample_weight)

    def result(self) -> Any:
        return self.total.read_value()


def _in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether the target's score is among the k largest (ties count in its favour)."""
    hits = array_ops.one_hot(targets, predictions.shape.as_list()[-1], dtype=predictions.dtype)
    target_score = math_ops.reduce_sum(predictions * hits, -1)
    higher = math_ops.reduce_sum(
        math_ops.cast(
            math_ops.greater(predictions, array_ops.expand_dims(target_score, -1)), "int32"
        ),
        -1,
    )
    return math_ops.less(higher, k)


class SparseTopKCategoricalAccuracy(Metric):
    """How often the integer label is among the ``k`` (5) highest scores."""

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None, **_: Any) -> None:
        self.k = int(k)
        super().__init__(name, dtype)

    def values(self, y_true: Any, y_pred: Any) -> Any:
        labels = math_ops.cast(array_ops.reshape(y_true, [-1]), "int64")
        return _in_top_k(
            labels, array_ops.reshape(y_pred, [-1, y_pred.shape.as_list()[-1]]), self.k
        )


class TopKCategoricalAccuracy(SparseTopKCategoricalAccuracy):
    def values(self, y_true: Any, y_pred: Any) -> Any:
        return super().values(math_ops.argmax(y_true, -1), y_pred)


class MeanMetricWrapper(Metric):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``. Mirrors:
    keras.metrics.MeanMetricWrapper."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name, dtype)

    def values(self, y_true: Any, y_pred: Any) -> Any:
        return self._fn(y_true, y_pred, **self._fn_kwargs)


def _wrapper(name: str, fn: Any, **defaults: Any) -> type[MeanMetricWrapper]:
    def __init__(
        self: MeanMetricWrapper, name: str | None = None, dtype: Any = None, **kwargs: Any
    ) -> None:
        MeanMetricWrapper.__init__(
            self, fn, name or _default_name(type(self).__name__), dtype, **(defaults | kwargs)
        )

    return type(
        name,
        (MeanMetricWrapper,),
        {"__init__": __init__, "__doc__": f"Mirrors: keras.metrics.{name}."},
    )


BinaryCrossentropy = _wrapper("BinaryCrossentropy", losses.binary_crossentropy)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", losses.categorical_crossentropy)
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy
)
KLDivergence = _wrapper("KLDivergence", losses.kl_divergence)
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", losses.mape)
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", losses.msle)
LogCoshError = _wrapper("LogCoshError", losses.log_cosh)
Hinge = _wrapper("Hinge", losses.hinge)
SquaredHinge = _wrapper("SquaredHinge", losses.squared_hinge)
Poisson = _wrapper("Poisson", losses.poisson)
CosineSimilarity = _wrapper(
    "CosineSimilarity", lambda t, p, axis=-1: -losses.cosine_similarity(t, p, axis)
)


def _per_example(metric: type[Metric], **kwargs: Any) -> Any:
    def fn(y_true: Any, y_pred: Any) -> Any:
        return metric(**kwargs).values(convert_to_tensor(y_true), convert_to_tensor(y_pred))

    return fn


binary_accuracy = _per_example(BinaryAccuracy)
categorical_accuracy = _per_example(CategoricalAccuracy)
sparse_categorical_accuracy = _per_example(SparseCategoricalAccuracy)
binary_crossentropy, categorical_crossentropy = (
    losses.binary_crossentropy,
    losses.categorical_crossentropy,
)
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
mean_squared_error = mse = losses.mean_squared_error
mean_absolute_error = mae = losses.mean_absolute_error

from workbench.static.keras.confusion_metrics import *  # noqa: E402, F403
from workbench.static.keras.confusion_metrics import AUC, Precision, Recall  # noqa: E402

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
    "root_mean_squared_error": RootMeanSquaredError,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "auc": AUC,
    "precision": Precision,
    "recall": Recall,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
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
