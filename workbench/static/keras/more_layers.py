"""Keras's activation layers with parameters, merges, reshaping, wrappers and noise
layers: what real Keras programs use around Dense and Conv. Mirrors: keras.layers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from workbench.static import array_ops, math_ops, nn_ops, random_ops
from workbench.static.keras import activations, constraints, regularizers
from workbench.static.keras.engine import Layer

# ---------------------------------------------------------------------------------------
# Activations with parameters


class ReLU(Layer):
    """Mirrors: keras.layers.ReLU (max_value, negative_slope, threshold)."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")  # fmt: skip
        if negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: negative_slope={negative_slope}")  # fmt: skip
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)


class LeakyReLU(Layer):
    """``x`` if positive, else ``negative_slope * x``: 0.3 by default in Keras (TensorFlow's
    ``tf.nn.leaky_relu`` uses 0.2, PyTorch 0.01). Mirrors: keras.layers.LeakyReLU."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # Keras 2's name, still accepted
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)

    def call(self, inputs: Any) -> Any:
        return nn_ops.leaky_relu(inputs, self.negative_slope)


class ELU(Layer):
    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, self.alpha)


class PReLU(Layer):
    """``relu(x) - alpha * relu(-x)`` with a learned ``alpha`` per input element (zeros at
    first), shared along ``shared_axes``. Mirrors: keras.layers.PReLU."""

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        shared = [shared_axes] if isinstance(shared_axes, int) else shared_axes
        self.shared_axes = None if shared is None else [int(a) for a in shared]

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(
            "alpha", shape, self.alpha_initializer, regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )  # fmt: skip
        self.built = True

    def call(self, inputs: Any) -> Any:
        return nn_ops.relu(inputs) - self.alpha * nn_ops.relu(-inputs)


# ---------------------------------------------------------------------------------------
# Merging


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
    keeps_integers = True

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        return array_ops.concat(list(inputs), self.axis)


class Average(_Merge):
    def call(self, inputs: Any) -> Any:
        return math_ops.add_n(list(inputs)) / float(len(inputs))


class Maximum(_Merge):
    def _combine(self, a: Any, b: Any) -> Any:
        return math_ops.maximum(a, b)


class Minimum(_Merge):
    def _combine(self, a: Any, b: Any) -> Any:
        return math_ops.minimum(a, b)


def batch_dot(x: Any, y: Any, axes: Any = None) -> Any:
    """Per example of the batch, contract axis ``axes[0]`` of ``x`` with ``axes[1]`` of
    ``y``; a rank-1 result becomes (batch, 1). Mirrors: keras.backend.batch_dot."""
    xr, yr = x.shape.rank, y.shape.rank
    if xr < 2 or yr < 2:
        raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with "
                         f"shapes {x.shape} and {y.shape}.")  # fmt: skip
    if axes is None:
        axes = [xr - 1, yr - 1 if yr == 2 else yr - 2]
    elif isinstance(axes, int):
        axes = [axes, axes]
    a0, a1 = (int(axes[0]) % xr, int(axes[1]) % yr)
    if 0 in (a0, a1):
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not "
                         "batched, add a dummy batch dimension to your inputs")  # fmt: skip
    if x.shape[a0] is not None and y.shape[a1] is not None and x.shape[a0] != y.shape[a1]:
        raise ValueError(f"Cannot do batch_dot on inputs with shapes {x.shape} and {y.shape} "
                         f"with axes={[a0, a1]}. x.shape[{a0}] != y.shape[{a1}] "
                         f"({x.shape[a0]} != {y.shape[a1]}).")  # fmt: skip
    x_rest = [d for i, d in enumerate(x.shape.as_list()) if i not in (0, a0)]
    y_rest = [d for i, d in enumerate(y.shape.as_list()) if i not in (0, a1)]
    xt = array_ops.transpose(x, [0, *[i for i in range(1, xr) if i != a0], a0])
    yt = array_ops.transpose(y, [0, a1, *[i for i in range(1, yr) if i != a1]])
    k = x.shape[a0]
    out = math_ops.matmul(
        array_ops.reshape(xt, [-1, math.prod(x_rest), k]),
        array_ops.reshape(yt, [-1, k, math.prod(y_rest)]),
    )
    return array_ops.reshape(out, [-1, *x_rest, *y_rest] if x_rest or y_rest else [-1, 1])


class Dot(_Merge):
    """Dot products between two inputs, per example, along ``axes`` (cosine similarity
    with ``normalize=True``). Mirrors: keras.layers.Dot."""

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axes, self.normalize = axes, normalize

    def call(self, inputs: Any) -> Any:
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")  # fmt: skip
        x, y = inputs
        axes = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        axes = [a % t.shape.rank for a, t in zip(axes, (x, y))]
        if self.normalize:
            x, y = nn_ops.l2_normalize(x, axes[0]), nn_ops.l2_normalize(y, axes[1])
        return batch_dot(x, y, axes)


def _merge(cls: type, doc: str) -> Callable[..., Any]:
    def fn(inputs: Any, **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    fn.__name__, fn.__doc__ = cls.__name__.lower(), doc
    return fn


add = _merge(Add, "Mirrors: keras.layers.add (the functional form of ``Add``).")
subtract = _merge(Subtract, "Mirrors: keras.layers.subtract.")
multiply = _merge(Multiply, "Mirrors: keras.layers.multiply.")
average = _merge(Average, "Mirrors: keras.layers.average.")
maximum = _merge(Maximum, "Mirrors: keras.layers.maximum.")
minimum = _merge(Minimum, "Mirrors: keras.layers.minimum.")


def concatenate(inputs: Any, axis: int = -1, **kwargs: Any) -> Any:
    """Mirrors: keras.layers.concatenate."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Any, axes: Any = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """Mirrors: keras.layers.dot."""
    return Dot(axes, normalize, **kwargs)(inputs)


# ---------------------------------------------------------------------------------------
# Reshaping


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    keeps_integers = True

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs: Any) -> Any:
        if inputs.shape.rank != 2:
            raise ValueError(f"RepeatVector expects a 2-d input (batch, features), got "
                             f"{inputs.shape}")  # fmt: skip
        return array_ops.tile(array_ops.expand_dims(inputs, 1), [1, self.n, 1])


class Permute(Layer):
    """Permute the non-batch axes; ``dims`` counts from 1. Mirrors: keras.layers.Permute."""

    keeps_integers = True

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be `{{1, 2, ..., n}}`. "
                             f"Received: dims={dims}")  # fmt: skip

    def call(self, inputs: Any) -> Any:
        return array_ops.transpose(inputs, [0, *self.dims])


class Lambda(Layer):
    """Wrap a function of tensors as a layer (it has no weights). Mirrors: keras.layers.Lambda."""

    keeps_integers = True

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, mask: Any = None,
                 arguments: dict[str, Any] | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.function, self.arguments = function, dict(arguments or {})

    def call(self, inputs: Any, training: bool = False) -> Any:
        return self.function(inputs, **self.arguments)


class Identity(Layer):
    keeps_integers = True

    def call(self, inputs: Any) -> Any:
        return inputs


class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: (batch, time, ...) is folded to
    (batch * time, ...) and back. Mirrors: keras.layers.TimeDistributed."""

    keeps_integers = True

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")  # fmt: skip
        super().__init__(**kwargs)
        self.layer = layer

    def call(self, inputs: Any, training: bool = False) -> Any:
        dims = inputs.shape.as_list()
        if len(dims) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {tuple(dims)}")  # fmt: skip
        time = dims[1] if dims[1] is not None else array_ops.shape(inputs)[1]
        folded = array_ops.reshape(inputs, [-1, *dims[2:]])
        kwargs = {"training": training} if self.layer._accepts("training") else {}
        out = self.layer(folded, **kwargs)
        return array_ops.reshape(out, [-1, time, *out.shape.as_list()[1:]])


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy of it backwards over the sequence and
    merge the two (``concat`` by default). Mirrors: keras.layers.Bidirectional."""

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Layer | None = None, **kwargs: Any) -> None:  # fmt: skip
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")  # fmt: skip
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')  # fmt: skip
        super().__init__(**kwargs)
        config = layer.get_config()
        self.forward_layer = type(layer).from_config({**config, "name": f"forward_{layer.name}"})
        if backward_layer is None:
            backward_config = {**config, "go_backwards": True, "name": f"backward_{layer.name}"}
            backward_layer = type(layer).from_config(backward_config)
        self.backward_layer = backward_layer
        if getattr(self.forward_layer, "go_backwards", False) == getattr(
            self.backward_layer, "go_backwards", False
        ):
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value.")  # fmt: skip
        self.merge_mode = merge_mode
        self.return_sequences = getattr(layer, "return_sequences", False)
        self.return_state = getattr(layer, "return_state", False)

    def call(self, inputs: Any, training: bool = False, initial_state: Any = None) -> Any:
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, training=training, initial_state=fw_state)
        y_rev = self.backward_layer(inputs, training=training, initial_state=bw_state)
        states: list[Any] = []
        if self.return_state:
            states = [*y[1:], *y_rev[1:]]
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = array_ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            out: Any = array_ops.concat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) / 2.0
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        if self.return_state:
            return [*(out if isinstance(out, list) else [out]), *states]
        return out


# ---------------------------------------------------------------------------------------
# Regularisation and noise (active only while training)


class ActivityRegularization(Layer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2


class GaussianNoise(Layer):
    """Add N(0, stddev^2) noise while training. Mirrors: keras.layers.GaussianNoise."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stddev, self.seed = float(stddev), seed

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or not self.stddev:
            return inputs
        noise = random_ops.normal(
            array_ops.shape(inputs), 0.0, self.stddev, inputs.dtype, self.seed
        )
        return inputs + noise


class GaussianDropout(Layer):
    """Multiply by N(1, rate / (1 - rate)) noise while training."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or not 0 < self.rate < 1:
            return inputs
        std = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random_ops.normal(array_ops.shape(inputs), 1.0, std, inputs.dtype, self.seed)
        return inputs * noise


class _SpatialDropout(Layer):
    """Drop whole feature maps (one draw per example and channel) while training."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or not self.rate:
            return inputs
        shape = array_ops.shape(inputs)
        rank = inputs.shape.rank
        noise = array_ops.stack([shape[0], *[1] * (rank - 2), shape[rank - 1]])
        return nn_ops.dropout(inputs, rate=self.rate, noise_shape=noise, seed=self.seed)


class SpatialDropout1D(_SpatialDropout):
    pass


class SpatialDropout2D(_SpatialDropout):
    pass


class SpatialDropout3D(_SpatialDropout):
    pass


class UnitNormalization(Layer):
    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        return nn_ops.l2_normalize(inputs, self.axis)


__all__ = [
    "ELU", "ActivityRegularization", "Add", "Average", "Bidirectional", "Concatenate", "Dot",
    "GaussianDropout", "GaussianNoise", "Identity", "Lambda", "LeakyReLU", "Maximum", "Minimum",
    "Multiply", "PReLU", "Permute", "ReLU", "RepeatVector", "SpatialDropout1D",
    "SpatialDropout2D", "SpatialDropout3D", "Subtract", "TimeDistributed", "UnitNormalization",
    "add", "average", "batch_dot", "concatenate", "dot", "maximum", "minimum", "multiply",
    "subtract",
]  # fmt: skip
