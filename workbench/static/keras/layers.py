"""Keras layers (channels last), built from ``tf`` operations so they run eagerly, inside
``tf.function`` and in Keras's compiled training step alike. Mirrors: keras.layers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from workbench.static import array_ops, math_ops, nn_ops
from workbench.static.keras import activations
from workbench.static.keras.engine import Input, KerasTensor, Layer

__all__ = [
    "Activation",
    "Add",
    "AveragePooling2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "LayerNormalization",
    "MaxPooling2D",
    "Multiply",
    "ReLU",
    "Reshape",
    "Softmax",
    "Subtract",
]


def _pair(value: Any, n: int = 2) -> tuple[int, ...]:
    return (int(value),) * n if isinstance(value, int) else tuple(int(v) for v in value)


class InputLayer(Layer):
    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        input_shape: Any = None,
        name: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.input_spec_shape = (
            batch_size,
            *tuple(shape if shape is not None else input_shape or ()),
        )


class Dense(Layer):
    """activation(x @ kernel + bias); kernel (in, units). Mirrors: keras.layers.Dense."""

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], self.units), self.kernel_initializer
        )
        self.bias = (
            self.add_weight("bias", (self.units,), self.bias_initializer) if self.use_bias else None
        )
        self.built = True

    def call(self, inputs: Any) -> Any:
        if inputs.shape.rank == 2:
            out = math_ops.matmul(inputs, self.kernel)
        else:
            out = math_ops.tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])
        if self.bias is not None:
            out = math_ops.add(out, self.bias)
        return self.activation(out)


class Activation(Layer):
    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)


class ReLU(Layer):
    def call(self, inputs: Any) -> Any:
        return nn_ops.relu(inputs)


class Softmax(Layer):
    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        return nn_ops.softmax(inputs, self.axis)


class Flatten(Layer):
    def call(self, inputs: Any) -> Any:
        rest = inputs.shape.as_list()[1:]
        return array_ops.reshape(inputs, [-1, math.prod(rest)])


class Reshape(Layer):
    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs: Any) -> Any:
        return array_ops.reshape(inputs, [-1, *self.target_shape])


class Dropout(Layer):
    """Zero inputs with probability ``rate`` while training, scale the rest by 1/(1-rate)."""

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        return nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)


class Conv2D(Layer):
    """2-d convolution over NHWC inputs; kernel (kh, kw, in, filters).

    Mirrors: keras.layers.Conv2D."""

    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("only data_format='channels_last' is supported (Keras's default)")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, self.rank)
        self.strides = _pair(strides, self.rank)
        self.dilation_rate = _pair(dilation_rate, self.rank)
        self.padding = padding.upper()
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape: Any) -> None:
        shape = (*self.kernel_size, input_shape[-1], self.filters)
        self.kernel = self.add_weight("kernel", shape, self.kernel_initializer)
        self.bias = (
            self.add_weight("bias", (self.filters,), self.bias_initializer)
            if self.use_bias
            else None
        )
        self.built = True

    def call(self, inputs: Any) -> Any:
        out = nn_ops.convolution(
            inputs, self.kernel, self.strides, self.padding, dilations=self.dilation_rate
        )
        if self.bias is not None:
            out = math_ops.add(out, self.bias)
        return self.activation(out)


class Conv1D(Conv2D):
    rank = 1


class _Pooling2D(Layer):
    kind = "max"

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pool_size = _pair(pool_size)
        self.strides = _pair(strides) if strides is not None else self.pool_size
        self.padding = padding.upper()

    def call(self, inputs: Any) -> Any:
        pool = nn_ops.max_pool if self.kind == "max" else nn_ops.avg_pool
        return pool(inputs, self.pool_size, self.strides, self.padding)


class MaxPooling2D(_Pooling2D):
    kind = "max"


class AveragePooling2D(_Pooling2D):
    kind = "avg"


MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D


class GlobalAveragePooling2D(Layer):
    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def call(self, inputs: Any) -> Any:
        return math_ops.reduce_mean(inputs, [1, 2], keepdims=self.keepdims)


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    def call(self, inputs: Any) -> Any:
        return math_ops.reduce_max(inputs, [1, 2], keepdims=self.keepdims)


class BatchNormalization(Layer):
    """Normalise by the batch's statistics while training (updating moving averages with
    ``momentum``), by the moving averages otherwise. Mirrors: keras.layers.BatchNormalization."""

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self._inits = (
            gamma_initializer,
            beta_initializer,
            moving_mean_initializer,
            moving_variance_initializer,
        )

    def build(self, input_shape: Any) -> None:
        n = (input_shape[self.axis],)
        g, b, mm, mv = self._inits
        self.gamma = self.add_weight("gamma", n, g) if self.scale else None
        self.beta = self.add_weight("beta", n, b) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", n, mm, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", n, mv, trainable=False)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        rank = inputs.shape.rank
        axes = [i for i in range(rank) if i != self.axis % rank]
        if training and self.trainable:
            mean, var = nn_ops.moments(inputs, axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + mean * (1 - m))
            self.moving_variance.assign(self.moving_variance * m + var * (1 - m))
        else:
            mean, var = self.moving_mean, self.moving_variance
        return nn_ops.batch_normalization(inputs, mean, var, self.beta, self.gamma, self.epsilon)


class LayerNormalization(Layer):
    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis, self.epsilon, self.center, self.scale = axis, float(epsilon), center, scale

    def build(self, input_shape: Any) -> None:
        n = (input_shape[-1],)
        self.gamma = self.add_weight("gamma", n, "ones") if self.scale else None
        self.beta = self.add_weight("beta", n, "zeros") if self.center else None
        self.built = True

    def call(self, inputs: Any) -> Any:
        mean, var = nn_ops.moments(inputs, [inputs.shape.rank - 1], keepdims=True)
        return nn_ops.batch_normalization(inputs, mean, var, self.beta, self.gamma, self.epsilon)


class Embedding(Layer):
    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer
        )
        self.built = True

    def call(self, inputs: Any) -> Any:
        ids = inputs if inputs.dtype.is_integer else math_ops.cast(inputs, "int32")
        return array_ops.gather(self.embeddings, ids)


class _Merge(Layer):
    def call(self, inputs: Any) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = self._combine(out, x)
        return out

    def _combine(self, a: Any, b: Any) -> Any:
        raise NotImplementedError


class Add(_Merge):
    def _combine(self, a: Any, b: Any) -> Any:
        return math_ops.add(a, b)


class Subtract(_Merge):
    def _combine(self, a: Any, b: Any) -> Any:
        return math_ops.subtract(a, b)


class Multiply(_Merge):
    def _combine(self, a: Any, b: Any) -> Any:
        return math_ops.multiply(a, b)


class Concatenate(Layer):
    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        return array_ops.concat(list(inputs), self.axis)
