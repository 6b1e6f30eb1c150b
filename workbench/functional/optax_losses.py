"""optax's loss functions: per-example losses of logits or predictions (average them
yourself, as optax expects). Mirrors: optax.losses (also exported at optax's top level)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from workbench.functional import nn
from workbench.functional import numpy as jnp


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1) -> Any:
    """Cross-entropy against a probability distribution (one-hot or soft) per example."""
    return -jnp.sum(jnp.asarray(labels) * nn.log_softmax(logits, axis=axis), axis=axis)


def softmax_cross_entropy_with_integer_labels(logits: Any, labels: Any, axis: int = -1) -> Any:
    """Cross-entropy against integer class labels, one per example."""
    log_p = nn.log_softmax(logits, axis=axis)
    picked = jnp.take_along_axis(log_p, jnp.expand_dims(jnp.asarray(labels), axis), axis=axis)
    return -jnp.squeeze(picked, axis)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """Binary cross-entropy of logits against labels in [0, 1], elementwise."""
    labels = jnp.asarray(labels, dtype=jnp.asarray(logits).dtype)
    return -labels * nn.log_sigmoid(logits) - (1 - labels) * nn.log_sigmoid(-logits)


def squared_error(predictions: Any, targets: Any = None) -> Any:
    errors = predictions if targets is None else predictions - targets
    return errors**2


def l2_loss(predictions: Any, targets: Any = None) -> Any:
    """Half the squared error (optax's convention)."""
    return 0.5 * squared_error(predictions, targets)


def huber_loss(predictions: Any, targets: Any = None, delta: float = 1.0) -> Any:
    """Quadratic within ``delta`` of the target, linear beyond."""
    errors = predictions if targets is None else predictions - targets
    absolute = jnp.abs(errors)
    quadratic = jnp.minimum(absolute, delta)
    return 0.5 * quadratic**2 + delta * (absolute - quadratic)


def cosine_similarity(predictions: Any, targets: Any, epsilon: float = 0.0) -> Any:
    """Cosine of the angle between each prediction and its target (last axis)."""
    unit = lambda v: v / jnp.maximum(jnp.linalg.norm(v, axis=-1, keepdims=True), epsilon)  # noqa: E731
    return jnp.sum(unit(predictions) * unit(targets), axis=-1)


NAMES = (
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "sigmoid_binary_cross_entropy",
    "squared_error",
    "l2_loss",
    "huber_loss",
    "cosine_similarity",
)
losses = SimpleNamespace(**{name: globals()[name] for name in NAMES})
