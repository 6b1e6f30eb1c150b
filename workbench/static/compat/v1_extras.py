"""TensorFlow 1 names that TF1 programs still call: the ``tf.losses`` functions (mean
over the batch, ``weights``), ``arg_min``/``arg_max``, ``to_float``…, the
``tf.initializers`` namespace, ``ConfigProto`` and the tensor-equality switches.
Mirrors: tf.compat.v1."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from workbench.static import initializers, math_ops, nn_ops
from workbench.static.execution import convert_to_tensor


def _weighted_mean(per: Any, weights: Any) -> Any:
    """TF1's default reduction, SUM_BY_NONZERO_WEIGHTS: sum(w * loss) / count(w != 0)."""
    per = convert_to_tensor(per)
    if weights is None or (isinstance(weights, int | float) and weights == 1.0):
        return math_ops.reduce_mean(per)
    w = math_ops.cast(weights, per.dtype) * math_ops.cast(per * 0.0 + 1.0, per.dtype)
    total = math_ops.reduce_sum(per * w)
    nonzero = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(w, 0.0), per.dtype))
    return total / math_ops.maximum(nonzero, 1.0)


def mean_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, **_: Any) -> Any:
    p = convert_to_tensor(predictions)
    return _weighted_mean(math_ops.square(p - math_ops.cast(labels, p.dtype)), weights)


def absolute_difference(labels: Any, predictions: Any, weights: Any = 1.0, **_: Any) -> Any:
    p = convert_to_tensor(predictions)
    return _weighted_mean(math_ops.abs(p - math_ops.cast(labels, p.dtype)), weights)


def huber_loss(
    labels: Any, predictions: Any, weights: Any = 1.0, delta: float = 1.0, **_: Any
) -> Any:
    p = convert_to_tensor(predictions)
    err = math_ops.abs(p - math_ops.cast(labels, p.dtype))
    quad = math_ops.minimum(err, delta)
    return _weighted_mean(0.5 * quad * quad + delta * (err - quad), weights)


def log_loss(
    labels: Any, predictions: Any, weights: Any = 1.0, epsilon: float = 1e-7, **_: Any
) -> Any:
    p = convert_to_tensor(predictions)
    y = math_ops.cast(labels, p.dtype)
    per = -(y * math_ops.log(p + epsilon) + (1 - y) * math_ops.log(1 - p + epsilon))
    return _weighted_mean(per, weights)


def softmax_cross_entropy(
    onehot_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0, **_: Any
) -> Any:
    logits = convert_to_tensor(logits)
    labels = math_ops.cast(onehot_labels, logits.dtype)
    if label_smoothing:
        classes = logits.shape.as_list()[-1]
        labels = labels * (1 - label_smoothing) + label_smoothing / classes
    return _weighted_mean(
        nn_ops.softmax_cross_entropy_with_logits(labels=labels, logits=logits), weights
    )


def sparse_softmax_cross_entropy(labels: Any, logits: Any, weights: Any = 1.0, **_: Any) -> Any:
    per = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return _weighted_mean(per, weights)


def sigmoid_cross_entropy(
    multi_class_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0, **_: Any
) -> Any:
    logits = convert_to_tensor(logits)
    labels = math_ops.cast(multi_class_labels, logits.dtype)
    if label_smoothing:
        labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
    return _weighted_mean(
        nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), weights
    )


losses = SimpleNamespace(
    mean_squared_error=mean_squared_error,
    absolute_difference=absolute_difference,
    huber_loss=huber_loss,
    log_loss=log_loss,
    softmax_cross_entropy=softmax_cross_entropy,
    sparse_softmax_cross_entropy=sparse_softmax_cross_entropy,
    sigmoid_cross_entropy=sigmoid_cross_entropy,
)


def arg_min(input: Any, dimension: int, output_type: Any = "int64", name: str | None = None) -> Any:  # noqa: A002
    return math_ops.argmin(input, dimension, output_type=output_type)


def arg_max(input: Any, dimension: int, output_type: Any = "int64", name: str | None = None) -> Any:  # noqa: A002
    return math_ops.argmax(input, dimension, output_type=output_type)


def to_float(x: Any, name: str = "ToFloat") -> Any:
    return math_ops.cast(x, "float32")


def to_double(x: Any, name: str = "ToDouble") -> Any:
    return math_ops.cast(x, "float64")


def to_int32(x: Any, name: str = "ToInt32") -> Any:
    return math_ops.cast(x, "int32")


def to_int64(x: Any, name: str = "ToInt64") -> Any:
    return math_ops.cast(x, "int64")


initializers_namespace = SimpleNamespace(
    zeros=initializers.Zeros,
    ones=initializers.Ones,
    constant=initializers.Constant,
    random_normal=initializers.RandomNormal,
    random_uniform=initializers.RandomUniform,
    truncated_normal=initializers.TruncatedNormal,
    glorot_uniform=initializers.GlorotUniform,
    glorot_normal=initializers.GlorotNormal,
    he_normal=initializers.HeNormal,
    he_uniform=initializers.HeUniform,
    variance_scaling=initializers.VarianceScaling,
    orthogonal=initializers.Orthogonal,
    global_variables=lambda: _global_init(),
)


def _global_init() -> Any:
    from workbench.static.variables import global_variables_initializer  # noqa: PLC0415

    return global_variables_initializer()


class ConfigProto:
    """Accepted for session configuration (device counts, thread pools, growth): the
    workbench runs a graph on one device in one process. Mirrors: tf.compat.v1.ConfigProto."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)
        self.gpu_options = SimpleNamespace(allow_growth=False, per_process_gpu_memory_fraction=1.0)


GPUOptions = ConfigProto
_EQUALITY = [True]


def enable_tensor_equality() -> None:
    _EQUALITY[0] = True


def disable_tensor_equality() -> None:
    """Recorded only: tensors here compare elementwise with ``==`` (TensorFlow 2's rule)."""
    _EQUALITY[0] = False
