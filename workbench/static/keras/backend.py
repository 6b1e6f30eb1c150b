"""``keras.backend``: the settings Keras 3 keeps there (``epsilon``, ``floatx``,
``image_data_format``, ``clear_session``) and the tensor functions Keras 2 programs call
through it (``K.sum``, ``K.square``, ``K.batch_flatten`` …), on the static front end.
Mirrors: keras.backend (and tf.keras.backend of Keras 2)."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.static import array_ops, math_ops, random_ops
from workbench.static import gradients as _gradients
from workbench.static.execution import convert_to_tensor
from workbench.static.keras import ops
from workbench.static.keras.engine import KerasTensor, clear_session
from workbench.static.keras.more_layers import batch_dot as _batch_dot
from workbench.static.variables import Variable

_SETTINGS: dict[str, Any] = {
    "epsilon": 1e-7,
    "floatx": "float32",
    "image_data_format": "channels_last",
}


def epsilon() -> float:
    return float(_SETTINGS["epsilon"])


def set_epsilon(value: float) -> None:
    _SETTINGS["epsilon"] = float(value)


def floatx() -> str:
    return str(_SETTINGS["floatx"])


def set_floatx(value: str) -> None:
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"Unknown `floatx` value: {value}. Expected one of float16, bfloat16, float32, float64"
        )
    _SETTINGS["floatx"] = value


def image_data_format() -> str:
    return str(_SETTINGS["image_data_format"])


def set_image_data_format(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError(
            "only 'channels_last' is supported here (TensorFlow's CPU kernels need it)"
        )


def backend() -> str:
    return "tensorflow"


def is_keras_tensor(x: Any) -> bool:
    return isinstance(x, KerasTensor)


def int_shape(x: Any) -> tuple[Any, ...]:
    return (
        tuple(x.shape)
        if isinstance(x, KerasTensor)
        else tuple(convert_to_tensor(x).shape.as_list())
    )


def variable(
    value: Any, dtype: Any = None, name: str | None = None, constraint: Any = None
) -> Variable:
    return Variable(np.asarray(value, dtype=np.dtype(dtype or floatx())), name=name or "variable")


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Any:
    return array_ops.constant(value, dtype=dtype or floatx(), shape=shape)


def get_value(x: Any) -> np.ndarray:
    return np.asarray(x.numpy())


def set_value(x: Variable, value: Any) -> None:
    x.assign(np.asarray(value, dtype=x.dtype.np))


eval = get_value  # noqa: A001


def batch_dot(x: Any, y: Any, axes: Any = None) -> Any:
    """Mirrors: keras.backend.batch_dot (Keras 2)."""
    return _batch_dot(convert_to_tensor(x), convert_to_tensor(y), axes)


def batch_flatten(x: Any) -> Any:
    return array_ops.reshape(x, [-1, int(np.prod(convert_to_tensor(x).shape.as_list()[1:]))])


def flatten(x: Any) -> Any:
    return array_ops.reshape(x, [-1])


def permute_dimensions(x: Any, pattern: Any) -> Any:
    return array_ops.transpose(x, list(pattern))


def concatenate(tensors: Any, axis: int = -1) -> Any:
    return array_ops.concat(list(tensors), axis)


def random_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: int | None = None
) -> Any:
    return random_ops.normal(shape, mean, stddev, dtype or floatx(), seed)


def random_uniform(
    shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: int | None = None
) -> Any:
    return random_ops.uniform(shape, minval, maxval, dtype or floatx(), seed)


def gradients(loss: Any, variables: Any) -> Any:
    return _gradients.gradients(loss, variables)


sum, mean, max, min, prod = ops.sum, ops.mean, ops.max, ops.min, ops.prod  # noqa: A001
std, var, argmax, argmin = ops.std, ops.var, ops.argmax, ops.argmin
square, sqrt, exp, log, abs, pow = ops.square, ops.sqrt, ops.exp, ops.log, ops.abs, ops.power  # noqa: A001
maximum, minimum, equal, round, clip = ops.maximum, ops.minimum, ops.equal, ops.round, ops.clip  # noqa: A001
cast, shape, reshape, transpose, dot = (
    ops.cast,
    array_ops.shape,
    ops.reshape,
    ops.transpose,
    ops.dot,
)
expand_dims, squeeze, stack, zeros, ones = (
    ops.expand_dims,
    ops.squeeze,
    ops.stack,
    ops.zeros,
    ops.ones,
)
softmax, relu, sigmoid, tanh = ops.softmax, ops.relu, ops.sigmoid, ops.tanh
stop_gradient, one_hot, arange, tile = ops.stop_gradient, ops.one_hot, ops.arange, ops.tile
binary_crossentropy, categorical_crossentropy = (
    ops.binary_crossentropy,
    ops.categorical_crossentropy,
)
sparse_categorical_crossentropy = ops.sparse_categorical_crossentropy
zeros_like, ones_like, sign, l2_normalize = ops.zeros_like, ops.ones_like, ops.sign, ops.normalize
switch = ops.where
greater, less = math_ops.greater, math_ops.less

__all__ = ["batch_dot", "clear_session", "epsilon", "floatx", "image_data_format", "int_shape"]
