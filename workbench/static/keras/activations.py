"""Activation functions by name. Mirrors: keras.activations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.static import array_ops, math_ops, nn_ops


def linear(x: Any) -> Any:
    return x


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Any:
    """``x`` above ``threshold`` (clipped at ``max_value``), ``negative_slope`` times the
    distance below it. Mirrors: keras.activations.relu."""
    negative = None
    if negative_slope:
        if max_value is None and not threshold:
            return nn_ops.leaky_relu(x, negative_slope)
        negative = nn_ops.relu(threshold - x) if threshold else nn_ops.relu(-x)
    if threshold:
        x = x * math_ops.cast(math_ops.greater(x, threshold), x.dtype)
    else:
        x = nn_ops.relu(x)
    if max_value is not None:
        x = math_ops.clip_by_value(x, 0.0, max_value)
    return x - negative_slope * negative if negative is not None else x


def sigmoid(x: Any) -> Any:
    return math_ops.sigmoid(x)


def tanh(x: Any) -> Any:
    return math_ops.tanh(x)


def softmax(x: Any, axis: int = -1) -> Any:
    return nn_ops.softmax(x, axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return nn_ops.log_softmax(x, axis)


def elu(x: Any, alpha: float = 1.0) -> Any:
    out = nn_ops.elu(x)
    return out if alpha == 1.0 else array_ops.where(math_ops.greater(x, 0.0), out, alpha * out)


def selu(x: Any) -> Any:
    return nn_ops.selu(x)


def gelu(x: Any, approximate: bool = False) -> Any:
    return nn_ops.gelu(x, approximate)


def softplus(x: Any) -> Any:
    return math_ops.softplus(x)


def silu(x: Any) -> Any:
    return nn_ops.silu(x)


def relu6(x: Any) -> Any:
    return nn_ops.relu6(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    return nn_ops.leaky_relu(x, negative_slope)


def exponential(x: Any) -> Any:
    return math_ops.exp(x)


swish = silu

_BY_NAME: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        linear,
        relu,
        sigmoid,
        tanh,
        softmax,
        log_softmax,
        elu,
        selu,
        gelu,
        softplus,
        silu,
        relu6,
        leaky_relu,
        exponential,
    )
} | {"swish": silu}


def get(identifier: Any) -> Callable[..., Any]:
    """An activation from a name, a function or None (linear). Mirrors: keras.activations.get."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(
                f"Unknown activation function: {identifier!r}; known: {', '.join(sorted(_BY_NAME))}"
            )
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier  # type: ignore[no-any-return]
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")
