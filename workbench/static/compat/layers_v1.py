"""TensorFlow 1's functional layers, ``tf.compat.v1.layers.dense(x, 10)`` and friends: each
call makes (or, with ``reuse``, finds again by name) the Keras layer of the same kind and
applies it. Batch normalisation's moving-average updates go to ``UPDATE_OPS``, which TF1
programs run with ``tf.control_dependencies``. Mirrors: tf.compat.v1.layers."""

from __future__ import annotations

from typing import Any

from workbench.static import variables
from workbench.static.framework import get_default_graph
from workbench.static.keras import layers as keras_layers
from workbench.static.keras.engine import snake


def _store() -> dict[str, Any]:
    graph = get_default_graph()
    return graph.__dict__.setdefault("_v1_layers", {})  # type: ignore[no-any-return]


def _layer(cls: type, name: str | None, reuse: Any, **kwargs: Any) -> Any:
    """The layer ``scope/name`` of this graph: an existing one when reusing, else a new one
    (named ``dense``, ``dense_1``, … as TensorFlow 1 numbered them)."""
    store = _store()
    scope, scope_reuse = variables._SCOPES[-1] if variables._SCOPES else ("", None)
    reuse = scope_reuse if reuse is None else reuse
    base = name or snake(cls.__name__)
    full = f"{scope}/{base}" if scope else base
    if name is None:
        n = 0
        while full in store:
            n += 1
            full = f"{scope}/{base}_{n}" if scope else f"{base}_{n}"
    if full in store:
        if reuse in (True, variables.AUTO_REUSE):
            return store[full]
        raise ValueError(
            f"Variable {full}/kernel already exists, disallowed. Did you mean to set reuse=True "
            "or reuse=tf.AUTO_REUSE in VarScope?"
        )
    if reuse is True:
        raise ValueError(f"Variable {full}/kernel does not exist. Did you mean to set "
                         "reuse=tf.AUTO_REUSE in VarScope?")  # fmt: skip
    store[full] = layer = cls(name=full, **kwargs)
    return layer


def _init(value: Any) -> Any:
    return "glorot_uniform" if value is None else value  # TF1's variable-scope default


def dense(inputs: Any, units: int, activation: Any = None, use_bias: bool = True,
          kernel_initializer: Any = None, bias_initializer: Any = "zeros",
          kernel_regularizer: Any = None, bias_regularizer: Any = None,
          activity_regularizer: Any = None, kernel_constraint: Any = None,
          bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
          reuse: Any = None) -> Any:  # fmt: skip
    layer = _layer(
        keras_layers.Dense, name, reuse, units=units, activation=activation, use_bias=use_bias,
        kernel_initializer=_init(kernel_initializer), bias_initializer=bias_initializer or "zeros",
        kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint, trainable=trainable,
    )  # fmt: skip
    return _apply(layer, inputs)


def _conv(cls: type) -> Any:
    def conv(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1,
             padding: str = "valid", data_format: str = "channels_last", dilation_rate: Any = 1,
             activation: Any = None, use_bias: bool = True, kernel_initializer: Any = None,
             bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
             bias_regularizer: Any = None, activity_regularizer: Any = None,
             kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
             name: str | None = None, reuse: Any = None) -> Any:  # fmt: skip
        extra = {} if cls is keras_layers.Conv2DTranspose else {"dilation_rate": dilation_rate}
        layer = _layer(
            cls, name, reuse, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, activation=activation,
            use_bias=use_bias, kernel_initializer=_init(kernel_initializer),
            bias_initializer=bias_initializer or "zeros", kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            trainable=trainable, **extra,
        )  # fmt: skip
        return _apply(layer, inputs)

    conv.__name__ = snake(cls.__name__)
    return conv


conv1d = _conv(keras_layers.Conv1D)
conv2d = _conv(keras_layers.Conv2D)
conv3d = _conv(keras_layers.Conv3D)
conv2d_transpose = _conv(keras_layers.Conv2DTranspose)


def _pool(cls: type) -> Any:
    def pool(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
             data_format: str = "channels_last", name: str | None = None) -> Any:  # fmt: skip
        layer = _layer(cls, name, None, pool_size=pool_size, strides=strides, padding=padding,
                       data_format=data_format)  # fmt: skip
        return _apply(layer, inputs)

    pool.__name__ = snake(cls.__name__)
    return pool


max_pooling1d = _pool(keras_layers.MaxPooling1D)
max_pooling2d = _pool(keras_layers.MaxPooling2D)
max_pooling3d = _pool(keras_layers.MaxPooling3D)
average_pooling1d = _pool(keras_layers.AveragePooling1D)
average_pooling2d = _pool(keras_layers.AveragePooling2D)
average_pooling3d = _pool(keras_layers.AveragePooling3D)


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Any:
    return _apply(_layer(keras_layers.Flatten, name, None), inputs)


def dropout(inputs: Any, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None,
            training: Any = False, name: str | None = None) -> Any:  # fmt: skip
    """Dropout while ``training`` (False by default, as in TensorFlow 1)."""
    layer = _layer(keras_layers.Dropout, name, None, rate=rate, noise_shape=noise_shape, seed=seed)
    return _apply(layer, inputs, training=training)


def batch_normalization(inputs: Any, axis: int = -1, momentum: float = 0.99,
                        epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                        beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                        moving_mean_initializer: Any = "zeros",
                        moving_variance_initializer: Any = "ones", training: Any = False,
                        trainable: bool = True, name: str | None = None, reuse: Any = None,
                        **_: Any) -> Any:  # fmt: skip
    """Batch normalisation; in a graph the moving-average updates of a training call are
    added to ``tf.GraphKeys.UPDATE_OPS`` (run them with the train op, as TF1 programs do)."""
    layer = _layer(
        keras_layers.BatchNormalization, name, reuse, axis=axis, momentum=momentum,
        epsilon=epsilon, center=center, scale=scale, beta_initializer=beta_initializer,
        gamma_initializer=gamma_initializer, moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer, trainable=trainable,
    )  # fmt: skip
    return _apply(layer, inputs, training=training)


def _apply(layer: Any, inputs: Any, **kwargs: Any) -> Any:
    """Call ``layer`` in a name scope of its own, so its variables are ``dense/kernel:0``,
    ``conv2d_1/bias:0`` … as in TensorFlow 1."""
    with get_default_graph().name_scope(layer.name + "/"):
        return layer(inputs, **kwargs)


Dense, Conv2D, MaxPooling2D, Flatten, Dropout = (
    keras_layers.Dense, keras_layers.Conv2D, keras_layers.MaxPooling2D, keras_layers.Flatten,
    keras_layers.Dropout,
)  # fmt: skip

__all__ = [
    "average_pooling1d", "average_pooling2d", "average_pooling3d", "batch_normalization",
    "conv1d", "conv2d", "conv2d_transpose", "conv3d", "dense", "dropout", "flatten",
    "max_pooling1d", "max_pooling2d", "max_pooling3d",
]  # fmt: skip
