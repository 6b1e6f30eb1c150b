"""Keras layers (channels last), built from ``tf`` operations so they run eagerly, inside
``tf.function`` and in Keras's compiled training step alike. Mirrors: keras.layers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from workbench.static import array_ops, math_ops, nn_ops
from workbench.static.framework import GraphKeys, executing_eagerly, get_default_graph
from workbench.static.keras import activations, constraints, regularizers
from workbench.static.keras.conv_layers import *  # noqa: F403
from workbench.static.keras.conv_layers import __all__ as _conv_names
from workbench.static.keras.engine import Input, KerasTensor, Layer
from workbench.static.keras.feature_layers import DenseFeatures
from workbench.static.keras.more_layers import *  # noqa: F403
from workbench.static.keras.more_layers import __all__ as _more_names
from workbench.static.keras.preprocessing_layers import *  # noqa: F403
from workbench.static.keras.preprocessing_layers import __all__ as _preprocessing_names
from workbench.static.keras.sequence import GRU, LSTM, MultiHeadAttention, SimpleRNN
from workbench.static.keras.text_layers import StringLookup, TextVectorization

__all__ = [
    "Activation", "BatchNormalization", "Dense", "Dropout", "Embedding", "Flatten", "GRU",
    "Input", "InputLayer", "KerasTensor", "LSTM", "Layer", "LayerNormalization",
    "MultiHeadAttention", "Reshape", "SimpleRNN", "Softmax", "StringLookup", "TextVectorization",
    "DenseFeatures",
    *_conv_names, *_more_names, *_preprocessing_names,
]  # fmt: skip


class InputLayer(Layer):
    keeps_integers = True

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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._weight_options("kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        self._weight_options("bias", bias_initializer, bias_regularizer, bias_constraint)

    def build(self, input_shape: Any) -> None:
        self.kernel = self._make_weight("kernel", (input_shape[-1], self.units), "kernel")
        self.bias = self._make_weight("bias", (self.units,), "bias") if self.use_bias else None
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


class Softmax(Layer):
    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        return nn_ops.softmax(inputs, self.axis)


class Flatten(Layer):
    keeps_integers = True

    def call(self, inputs: Any) -> Any:
        rest = inputs.shape.as_list()[1:]
        return array_ops.reshape(inputs, [-1, math.prod(rest)])


class Reshape(Layer):
    keeps_integers = True

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

    def call(self, inputs: Any, training: Any = False) -> Any:
        if self.rate == 0 or not (training if not math_ops.is_tensor(training) else True):
            return inputs
        out = nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        if math_ops.is_tensor(training):  # a boolean tensor picks, as tf.cond would
            out = array_ops.where(math_ops.cast(training, "bool"), out, inputs)
        return out


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

    def call(self, inputs: Any, training: Any = False) -> Any:
        """``training`` may be a boolean tensor (TF1's ``tf.layers`` with a placeholder):
        both statistics are then computed and the tensor picks, as ``tf.cond`` would."""
        rank = inputs.shape.rank
        axes = [i for i in range(rank) if i != self.axis % rank]
        dynamic = math_ops.is_tensor(training)
        if not (dynamic or training) or not self.trainable:
            return self._normalise(inputs, self.moving_mean, self.moving_variance)
        mean, var = nn_ops.moments(inputs, axes)
        m = self.momentum
        new_mean = self.moving_mean * m + mean * (1 - m)
        new_var = self.moving_variance * m + var * (1 - m)
        if dynamic:
            flag = math_ops.cast(training, "bool")
            new_mean = array_ops.where(flag, new_mean, self.moving_mean)
            new_var = array_ops.where(flag, new_var, self.moving_variance)
        updates = [self.moving_mean.assign(new_mean), self.moving_variance.assign(new_var)]
        if not executing_eagerly():  # TF1 graphs run these through UPDATE_OPS
            for update in updates:
                get_default_graph().add_to_collection(GraphKeys.UPDATE_OPS, update)
        out = self._normalise(inputs, mean, var)
        if dynamic:
            moving = self._normalise(inputs, self.moving_mean, self.moving_variance)
            out = array_ops.where(math_ops.cast(training, "bool"), out, moving)
        return out

    def _normalise(self, inputs: Any, mean: Any, var: Any) -> Any:
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
    keeps_integers = True

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(
            "embeddings",
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return math_ops.not_equal(inputs, 0) if self.mask_zero else None

    def call(self, inputs: Any) -> Any:
        ids = inputs if inputs.dtype.is_integer else math_ops.cast(inputs, "int32")
        return array_ops.gather(self.embeddings, ids)
