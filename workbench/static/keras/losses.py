"""Keras losses, averaged over the batch ("sum_over_batch_size"). Mirrors: keras.losses.

Probabilities (``from_logits=False``) are clipped to [1e-7, 1 - 1e-7] before the log, as
Keras does, so the numbers match Keras's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from workbench.static import array_ops, math_ops, nn_ops
from workbench.static.execution import convert_to_tensor, make_op

EPSILON = 1e-7


def _mean(per_example: Any) -> Any:
    return math_ops.reduce_mean(per_example)


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, axis: int = -1
) -> Any:
    """Per-example cross-entropy of integer labels."""
    y_pred = convert_to_tensor(y_pred)
    labels = math_ops.cast(
        array_ops.reshape(y_true, [-1])
        if convert_to_tensor(y_true).shape.rank == y_pred.shape.rank
        else y_true,
        "int64",
    )
    if from_logits:
        return nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)
    probs = y_pred / math_ops.reduce_sum(y_pred, axis, keepdims=True)
    probs = math_ops.clip_by_value(probs, EPSILON, 1.0 - EPSILON)
    classes = y_pred.shape.as_list()[-1]

    def checked(y: Any) -> Any:
        nn_ops.check_labels(y, classes)
        return y

    labels = make_op("CheckLabels", [labels], checked, differentiable=False)
    hits = array_ops.one_hot(labels, classes, dtype=y_pred.dtype)
    return -math_ops.reduce_sum(hits * math_ops.log(probs), axis)


def _same_shape(target: Any, output: Any) -> None:
    """Keras's check before a cross-entropy of one-hot targets: one shape for both (a
    broadcast would give a wrong loss, or an error deep inside)."""
    a, b = target.shape, output.shape
    if a.rank is not None and b.rank is not None and not a.is_compatible_with(b):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(a.as_list())}, output.shape={tuple(b.as_list())}"
        )


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    y_pred = convert_to_tensor(y_pred)
    y_true = math_ops.cast(y_true, y_pred.dtype)
    _same_shape(y_true, y_pred)
    if label_smoothing:
        classes = y_pred.shape.as_list()[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        return nn_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    probs = y_pred / math_ops.reduce_sum(y_pred, axis, keepdims=True)
    probs = math_ops.clip_by_value(probs, EPSILON, 1.0 - EPSILON)
    return -math_ops.reduce_sum(y_true * math_ops.log(probs), axis)


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    y_pred = convert_to_tensor(y_pred)
    y_true = math_ops.cast(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per = nn_ops.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = math_ops.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        per = -(y_true * math_ops.log(p) + (1.0 - y_true) * math_ops.log(1.0 - p))
    return math_ops.reduce_mean(per, axis)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    y_pred = convert_to_tensor(y_pred)
    return math_ops.reduce_mean(math_ops.square(y_pred - math_ops.cast(y_true, y_pred.dtype)), -1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    y_pred = convert_to_tensor(y_pred)
    return math_ops.reduce_mean(math_ops.abs(y_pred - math_ops.cast(y_true, y_pred.dtype)), -1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    y_pred = convert_to_tensor(y_pred)
    err = math_ops.abs(y_pred - math_ops.cast(y_true, y_pred.dtype))
    quad = math_ops.minimum(err, delta)
    return math_ops.reduce_mean(0.5 * quad * quad + delta * (err - quad), -1)


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    y_pred = convert_to_tensor(y_pred)
    return math_ops.cast(y_true, y_pred.dtype), y_pred


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    return 100.0 * math_ops.reduce_mean(
        math_ops.abs((t - p) / math_ops.maximum(math_ops.abs(t), EPSILON)), -1
    )


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    first = math_ops.log(math_ops.maximum(p, EPSILON) + 1.0)
    second = math_ops.log(math_ops.maximum(t, EPSILON) + 1.0)
    return math_ops.reduce_mean(math_ops.square(first - second), -1)


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    t, p = math_ops.clip_by_value(t, EPSILON, 1.0), math_ops.clip_by_value(p, EPSILON, 1.0)
    return math_ops.reduce_sum(t * math_ops.log(t / p), -1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    return math_ops.reduce_mean(p - t * math_ops.log(p + EPSILON), -1)


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    d = p - t
    return math_ops.reduce_mean(d + math_ops.softplus(-2.0 * d) - math.log(2.0), -1)


def _signed(t: Any) -> Any:
    """Labels in {0, 1} become {-1, 1}, as Keras's hinge losses expect."""
    binary = math_ops.reduce_all(
        math_ops.logical_or(math_ops.equal(t, 0.0), math_ops.equal(t, 1.0))
    )
    return array_ops.where(binary, 2.0 * t - 1.0, t)


def hinge(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    return math_ops.reduce_mean(math_ops.maximum(1.0 - _signed(t) * p, 0.0), -1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    t, p = _pair(y_true, y_pred)
    return math_ops.reduce_mean(math_ops.square(math_ops.maximum(1.0 - _signed(t) * p, 0.0)), -1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Minus the cosine similarity (so that minimising it aligns the vectors)."""
    t, p = _pair(y_true, y_pred)
    t, p = nn_ops.l2_normalize(t, axis), nn_ops.l2_normalize(p, axis)
    return -math_ops.reduce_sum(t * p, axis)


mse, mae = mean_squared_error, mean_absolute_error
mape, msle = mean_absolute_percentage_error, mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
MSE, MAE, MAPE, MSLE, logcosh = mse, mae, mape, msle, log_cosh


def same_rank(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Labels of shape (n,) against predictions of shape (n, 1) (or the other way round)
    are lined up, not broadcast to (n, n): Keras 3's squeeze_or_expand_to_same_rank."""
    a, b = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    ra, rb = a.shape.rank, b.shape.rank
    if ra is None or rb is None or ra == rb:
        return a, b
    if ra == rb + 1 and a.shape[-1] == 1:
        return (a, array_ops.expand_dims(b, -1)) if rb == 1 else (array_ops.squeeze(a, [-1]), b)
    if rb == ra + 1 and b.shape[-1] == 1:
        return (array_ops.expand_dims(a, -1), b) if ra == 1 else (a, array_ops.squeeze(b, [-1]))
    return a, b


class Loss:
    """A loss object: per-example function, then the batch mean."""

    fn: Callable[..., Any] = staticmethod(mean_squared_error)

    def __init__(
        self, reduction: str = "sum_over_batch_size", name: str | None = None, **kwargs: Any
    ) -> None:
        self.reduction = reduction
        self.name = name or type(self).__name__
        self.kwargs = kwargs

    matches_ranks = True  # Keras squeezes/expands y_true or y_pred to one rank first

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if self.matches_ranks:
            y_true, y_pred = same_rank(y_true, y_pred)
        per = type(self).fn(y_true, y_pred, **self.kwargs)
        if sample_weight is not None:
            per = per * math_ops.cast(sample_weight, per.dtype)
        if self.reduction == "none":
            return per
        if self.reduction == "sum":
            return math_ops.reduce_sum(per)
        return _mean(per)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction, **self.kwargs}


def _loss_class(name: str, fn: Callable[..., Any], **defaults: Any) -> type[Loss]:
    def __init__(
        self: Loss, reduction: str = "sum_over_batch_size", name: str | None = None, **kwargs: Any
    ) -> None:
        Loss.__init__(self, reduction, name, **(defaults | kwargs))

    return type(name, (Loss,), {"fn": staticmethod(fn), "__init__": __init__})


SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, from_logits=False
)
SparseCategoricalCrossentropy.matches_ranks = False  # labels are one rank lower by design
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, from_logits=False
)
BinaryCrossentropy = _loss_class("BinaryCrossentropy", binary_crossentropy, from_logits=False)
MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error)
Huber = _loss_class("Huber", huber, delta=1.0)
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", mape)
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", msle)
KLDivergence = _loss_class("KLDivergence", kl_divergence)
Poisson = _loss_class("Poisson", poisson)
LogCosh = _loss_class("LogCosh", log_cosh)
Hinge = _loss_class("Hinge", hinge)
SquaredHinge = _loss_class("SquaredHinge", squared_hinge)
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, axis=-1)

_BY_NAME = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "huber": Huber,
    "mape": MeanAbsolutePercentageError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "poisson": Poisson,
    "log_cosh": LogCosh,
    "logcosh": LogCosh,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "cosine_similarity": CosineSimilarity,
}


class LossFunctionWrapper(Loss):
    """A function ``(y_true, y_pred) -> per-example loss`` as a Loss (ranks lined up,
    then the batch mean), as Keras wraps one given to ``compile``. Mirrors:
    keras.losses.LossFunctionWrapper."""

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(reduction, name or getattr(fn, "__name__", None), **kwargs)
        self.fn = fn  # type: ignore[method-assign]
        self.__name__ = getattr(fn, "__name__", "loss")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        y_true, y_pred = same_rank(y_true, y_pred)
        if y_pred.dtype.is_floating and y_true.dtype != y_pred.dtype:
            y_true = math_ops.cast(y_true, y_pred.dtype)  # Keras converts both to floatx
        per = convert_to_tensor(self.fn(y_true, y_pred, **self.kwargs))
        if sample_weight is not None:
            per = per * math_ops.cast(sample_weight, per.dtype)
        if self.reduction == "none":
            return per
        return math_ops.reduce_sum(per) if self.reduction == "sum" else _mean(per)


def get(identifier: Any) -> Any:
    """A loss from a name, a Loss instance or a function ``(y_true, y_pred)``."""
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(
                f"Unknown loss function: {identifier!r}; known: {', '.join(sorted(_BY_NAME))}"
            )
        return _BY_NAME[identifier]()
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier) and not isinstance(identifier, Loss):
        return LossFunctionWrapper(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def snake_name(loss: Any) -> str:
    """The snake_case name of a loss object or function (to pick the accuracy metric)."""
    if loss is None:
        return ""
    if isinstance(loss, Loss):
        from workbench.static.keras.engine import snake  # noqa: PLC0415

        return snake(type(loss).__name__)
    return str(getattr(loss, "__name__", ""))
