"""Keras's convolution, pooling, padding, cropping and up-sampling layers, channels last,
for 1, 2 and 3 spatial dimensions. Mirrors: keras.layers (convolutional, pooling,
reshaping)."""

from __future__ import annotations

from typing import Any

from workbench.static import array_ops, math_ops, nn_ops
from workbench.static.keras import activations
from workbench.static.keras.engine import Layer


def _tuple(value: Any, n: int, name: str = "value") -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    out = tuple(int(v) for v in value)
    if len(out) != n:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
        )
    return out


def _channels_last(data_format: str | None) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"data_format={data_format!r}: only 'channels_last' (Keras's default) is supported; "
            "TensorFlow's CPU kernels need it too"
        )


class _Conv(Layer):
    """Shared by the plain, transposed, depthwise and separable convolutions: the options
    every Keras convolution takes and the bias/activation epilogue."""

    rank = 2

    def __init__(
        self,
        filters: int | None,
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
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _channels_last(data_format)
        self.filters = None if filters is None else int(filters)
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same", "causal"):
            raise ValueError(f"padding must be 'valid', 'same' or 'causal', got {padding!r}")
        if self.padding == "causal" and self.rank != 1:
            raise ValueError("padding='causal' is only for 1-d convolutions")
        self.groups = int(groups)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._weight_options("kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        self._weight_options("bias", bias_initializer, bias_regularizer, bias_constraint)

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        if channels % self.groups or (self.filters or 0) % self.groups:
            raise ValueError(
                f"{type(self).__name__}: groups={self.groups} must divide the input's "
                f"{channels} channels and the {self.filters} filters"
            )
        return (*self.kernel_size, channels // self.groups, int(self.filters or 0))

    def build(self, input_shape: Any) -> None:
        self.kernel = self._make_weight(
            "kernel", self._kernel_shape(int(input_shape[-1])), "kernel"
        )
        self._build_bias(int(self.filters or 0))

    def _build_bias(self, n: int) -> None:
        self.bias = self._make_weight("bias", (n,), "bias") if self.use_bias else None
        self.built = True

    def _padding(self) -> Any:
        if self.padding != "causal":
            return self.padding.upper()
        left = (self.kernel_size[0] - 1) * self.dilation_rate[0]
        return [[0, 0], [left, 0], [0, 0]]

    def convolve(self, inputs: Any) -> Any:
        return nn_ops.convolution(
            inputs, self.kernel, self.strides, self._padding(), dilations=self.dilation_rate
        )

    def call(self, inputs: Any) -> Any:
        out = self.convolve(inputs)
        if self.bias is not None:
            out = math_ops.add(out, self.bias)
        return self.activation(out)


class Conv1D(_Conv):
    """Mirrors: keras.layers.Conv1D (``padding="causal"`` pads on the left only)."""

    rank = 1


class Conv2D(_Conv):
    """2-d convolution over NHWC inputs; kernel (kh, kw, in / groups, filters).
    Mirrors: keras.layers.Conv2D."""

    rank = 2


class Conv3D(_Conv):
    rank = 3


class _ConvTranspose(_Conv):
    """The transposed convolution; kernel (*window, filters, in). With ``padding="same"``
    the output is ``input * strides``; with ``"valid"`` ``(input - 1) * strides + window``
    (Keras's rule, ``output_padding`` overriding it)."""

    def __init__(
        self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
        output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = 1,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         **kwargs)  # fmt: skip
        self.output_padding = (
            None if output_padding is None else _tuple(output_padding, self.rank, "output_padding")
        )

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, int(self.filters or 0), channels)

    def _output_size(self, i: int, size: Any) -> Any:
        k = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
        s = self.strides[i]
        pad = None if self.output_padding is None else self.output_padding[i]
        if self.padding == "valid":
            return (size - 1) * s + k + (max(k, s) - k if pad is None else pad)
        return size * s if pad is None else (size - 1) * s + k % 2 + pad

    def convolve(self, inputs: Any) -> Any:
        dims = inputs.shape.as_list()
        if None in dims:
            dynamic = array_ops.shape(inputs)
            dims = [dynamic[i] if d is None else d for i, d in enumerate(dims)]
        spatial = [self._output_size(i, d) for i, d in enumerate(dims[1:-1])]
        shape = [dims[0], *spatial, self.filters]
        if any(math_ops.is_tensor(d) for d in shape):
            shape = array_ops.stack([math_ops.cast(d, "int32") for d in shape])
        return nn_ops.conv_transpose(
            inputs, self.kernel, shape, self.strides, self.padding.upper(),
            dilations=self.dilation_rate,
        )  # fmt: skip


class Conv1DTranspose(_ConvTranspose):
    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Mirrors: keras.layers.Conv2DTranspose."""

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    rank = 3


class _DepthwiseConv(_Conv):
    """Each input channel convolved with ``depth_multiplier`` filters of its own; kernel
    (*window, in, depth_multiplier)."""

    def __init__(
        self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
        depth_multiplier: int = 1, data_format: str | None = None, dilation_rate: Any = 1,
        activation: Any = None, use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None, bias_regularizer: Any = None,
        depthwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(
            None, kernel_size, strides, padding, data_format, dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )  # fmt: skip
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape: Any) -> None:
        c = int(input_shape[-1])
        self.kernel = self._make_weight(
            "kernel", (*self.kernel_size, c, self.depth_multiplier), "kernel"
        )
        self.depthwise_kernel = self.kernel
        self._build_bias(c * self.depth_multiplier)

    def convolve(self, inputs: Any) -> Any:
        window = list(self.kernel_size)
        c, mult = (int(d or 0) for d in self.kernel.shape.as_list()[-2:])
        flat = array_ops.reshape(self.kernel, [*window, 1, c * mult])
        return nn_ops.convolution(
            inputs, flat, self.strides, self._padding(), dilations=self.dilation_rate
        )


class DepthwiseConv1D(_DepthwiseConv):
    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Mirrors: keras.layers.DepthwiseConv2D."""

    rank = 2


class _SeparableConv(_DepthwiseConv):
    """A depthwise convolution, then a 1x1 convolution to ``filters`` channels."""

    def __init__(
        self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
        data_format: str | None = None, dilation_rate: Any = 1, depth_multiplier: int = 1,
        activation: Any = None, use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
        bias_regularizer: Any = None, depthwise_constraint: Any = None,
        pointwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(
            kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
            activation, use_bias, depthwise_initializer, bias_initializer,
            depthwise_regularizer, bias_regularizer, depthwise_constraint, bias_constraint,
            **kwargs,
        )  # fmt: skip
        self.filters = int(filters)
        self._weight_options(
            "pointwise", pointwise_initializer, pointwise_regularizer, pointwise_constraint
        )

    def build(self, input_shape: Any) -> None:
        c = int(input_shape[-1])
        window = (*self.kernel_size, c, self.depth_multiplier)
        self.depthwise_kernel = self._make_weight("depthwise_kernel", window, "kernel")
        pointwise = (*(1,) * self.rank, c * self.depth_multiplier, int(self.filters or 0))
        self.pointwise_kernel = self._make_weight("pointwise_kernel", pointwise, "pointwise")
        self._build_bias(int(self.filters or 0))

    def convolve(self, inputs: Any) -> Any:
        self.kernel = self.depthwise_kernel
        depthwise = super().convolve(inputs)
        return nn_ops.convolution(depthwise, self.pointwise_kernel, None, "VALID")


class SeparableConv1D(_SeparableConv):
    rank = 1


class SeparableConv2D(_SeparableConv):
    """Mirrors: keras.layers.SeparableConv2D."""

    rank = 2


# ---------------------------------------------------------------------------------------
# Pooling


class _Pooling(Layer):
    rank, kind = 2, "max"

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.pool_size = _tuple(pool_size, self.rank, "pool_size")
        self.strides = (
            _tuple(strides, self.rank, "strides") if strides is not None else self.pool_size
        )
        self.padding = padding.upper()

    def call(self, inputs: Any) -> Any:
        pool = nn_ops.max_pool if self.kind == "max" else nn_ops.avg_pool
        return pool(inputs, self.pool_size, self.strides, self.padding)


class MaxPooling1D(_Pooling):
    rank, kind = 1, "max"


class MaxPooling2D(_Pooling):
    rank, kind = 2, "max"


class MaxPooling3D(_Pooling):
    rank, kind = 3, "max"


class AveragePooling1D(_Pooling):
    rank, kind = 1, "avg"


class AveragePooling2D(_Pooling):
    rank, kind = 2, "avg"


class AveragePooling3D(_Pooling):
    rank, kind = 3, "avg"


class _GlobalPooling(Layer):
    rank, kind = 2, "avg"

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.keepdims = keepdims

    def call(self, inputs: Any, mask: Any = None) -> Any:
        axes = list(range(1, self.rank + 1))
        if self.kind == "max":
            return math_ops.reduce_max(inputs, axes, keepdims=self.keepdims)
        if mask is None:
            return math_ops.reduce_mean(inputs, axes, keepdims=self.keepdims)
        weights = array_ops.expand_dims(math_ops.cast(mask, inputs.dtype), -1)  # 1-d: (N, T)
        total = math_ops.reduce_sum(inputs * weights, axes, keepdims=self.keepdims)
        return total / math_ops.reduce_sum(weights, axes, keepdims=self.keepdims)


class GlobalAveragePooling1D(_GlobalPooling):
    rank, kind = 1, "avg"


class GlobalAveragePooling2D(_GlobalPooling):
    rank, kind = 2, "avg"


class GlobalAveragePooling3D(_GlobalPooling):
    rank, kind = 3, "avg"


class GlobalMaxPooling1D(_GlobalPooling):
    rank, kind = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    rank, kind = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    rank, kind = 3, "max"


# ---------------------------------------------------------------------------------------
# Padding, cropping, up-sampling


def _pairs(value: Any, n: int, name: str) -> list[tuple[int, int]]:
    """1 -> ((1, 1),) * n; (1, 2) -> ((1, 1), (2, 2)); ((1, 2), (3, 4)) as given."""
    if isinstance(value, int):
        return [(value, value)] * n
    items = list(value)
    if n == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        return [(int(items[0]), int(items[1]))]
    if len(items) != n:
        raise ValueError(f"`{name}` should have {n} elements. Received: {value}")
    return [(int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1])) for v in items]


class _ZeroPadding(Layer):
    keeps_integers = True

    rank = 2

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.padding = _pairs(padding, self.rank, "padding")

    def call(self, inputs: Any) -> Any:
        return array_ops.pad(inputs, [(0, 0), *self.padding, (0, 0)])


class ZeroPadding1D(_ZeroPadding):
    rank = 1


class ZeroPadding2D(_ZeroPadding):
    rank = 2


class ZeroPadding3D(_ZeroPadding):
    rank = 3


class _Cropping(Layer):
    keeps_integers = True

    rank = 2

    def __init__(self, cropping: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.cropping = _pairs(cropping, self.rank, "cropping")

    def call(self, inputs: Any) -> Any:
        dims = inputs.shape.as_list()[1:-1]
        for size, (lo, hi) in zip(dims, self.cropping):
            if size is not None and lo + hi >= size:
                raise ValueError(
                    f"{type(self).__name__}: cropping {self.cropping} leaves nothing of an "
                    f"input of shape {inputs.shape}"
                )
        index = tuple(slice(lo, -hi if hi else None) for lo, hi in self.cropping)
        return inputs[(slice(None),) + index + (slice(None),)]


class Cropping1D(_Cropping):
    rank = 1


class Cropping2D(_Cropping):
    rank = 2


class Cropping3D(_Cropping):
    rank = 3


class _UpSampling(Layer):
    """Repeat each row/column ``size`` times (nearest neighbour); 2-d also ``"bilinear"``."""

    rank = 2

    def __init__(
        self, size: Any = 2, data_format: str | None = None, interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.size = _tuple(size, self.rank, "size")
        self.interpolation = interpolation.lower()

    def call(self, inputs: Any) -> Any:
        if self.interpolation != "nearest":
            from workbench.static import image_ops  # noqa: PLC0415

            dims = inputs.shape.as_list()[1:-1]
            target = [d * s for d, s in zip(dims, self.size)]
            return math_ops.cast(
                image_ops.resize(inputs, target, method=self.interpolation), inputs.dtype
            )
        out = inputs
        for axis, times in enumerate(self.size, start=1):
            if times != 1:
                out = array_ops.repeat(out, times, axis=axis)
        return out


class UpSampling1D(_UpSampling):
    rank = 1

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(size, **kwargs)


class UpSampling2D(_UpSampling):
    rank = 2


class UpSampling3D(_UpSampling):
    rank = 3


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
)  # fmt: skip
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
)  # fmt: skip
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Conv2DTranspose.__doc__ = _ConvTranspose.__doc__


__all__ = [
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D", "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D",
    "Conv3DTranspose", "Convolution1D", "Convolution2D", "Convolution3D", "Cropping1D",
    "Cropping2D", "Cropping3D", "DepthwiseConv1D", "DepthwiseConv2D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D",
    "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D",
    "SeparableConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D",
    "ZeroPadding2D", "ZeroPadding3D",
]  # fmt: skip
