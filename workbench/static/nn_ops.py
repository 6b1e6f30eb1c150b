"""``tf.nn``: activations, losses, convolution and pooling (channels last, NHWC)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core import composites, ops
from workbench.static import array_ops, errors, math_ops, random_ops
from workbench.static.execution import convert_to_tensor, make_op


def _unary(op_type: str, core_fn: Any) -> Any:
    def fn(features: Any, name: str | None = None, **params: Any) -> Any:
        return make_op(
            op_type, [convert_to_tensor(features)], lambda v: core_fn(v, **params), name=name
        )

    fn.__name__ = op_type
    return fn


relu = _unary("Relu", ops.relu)
relu6 = _unary("Relu6", lambda v: ops.minimum(ops.relu(v), 6.0))
elu = _unary("Elu", lambda v: ops.select(ops.gt(v, 0), v, ops.expm1(ops.minimum(v, 0.0))))
selu = _unary(
    "Selu",
    lambda v: ops.mul(
        ops.select(ops.gt(v, 0), v, ops.mul(ops.expm1(ops.minimum(v, 0.0)), 1.6732632423543772)),
        1.0507009873554805,
    ),
)
sigmoid = math_ops.sigmoid
tanh = math_ops.tanh
softplus = math_ops.softplus
silu = swish = _unary("Silu", composites.silu)


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Any:
    return make_op(
        "Gelu", [convert_to_tensor(features)], lambda v: composites.gelu(v, approximate), name=name
    )


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Any:
    """Mirrors: tf.nn.leaky_relu (alpha 0.2 by default, unlike PyTorch's 0.01)."""
    return make_op(
        "LeakyRelu",
        [convert_to_tensor(features)],
        lambda v: ops.select(ops.gt(v, 0), v, ops.mul(v, float(alpha))),
        name=name,
    )


def softmax(logits: Any, axis: int = -1, name: str | None = None) -> Any:
    return make_op(
        "Softmax", [convert_to_tensor(logits)], lambda v: composites.softmax(v, axis), name=name
    )


def log_softmax(logits: Any, axis: int = -1, name: str | None = None) -> Any:
    return make_op(
        "LogSoftmax",
        [convert_to_tensor(logits)],
        lambda v: composites.log_softmax(v, axis),
        name=name,
    )


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Any:
    return math_ops.add(value, bias, name=name or "BiasAdd")


def l2_loss(t: Any, name: str | None = None) -> Any:
    """sum(t ** 2) / 2. Mirrors: tf.nn.l2_loss."""
    return make_op(
        "L2Loss",
        [convert_to_tensor(t)],
        lambda v: ops.mul(ops.reduce_sum(ops.square(v)), 0.5),
        name=name,
    )


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None) -> Any:
    t = convert_to_tensor(x)
    axes = math_ops._axes(axis, t.shape.rank)

    def run(v: Any) -> Any:
        total = ops.reduce_sum(ops.square(v), axes=axes, keepdims=True)
        return ops.mul(v, ops.rsqrt(ops.maximum(total, float(epsilon))))

    return make_op("L2Normalize", [t], run, name=name)


def moments(
    x: Any, axes: Sequence[int], shift: Any = None, keepdims: bool = False, name: str | None = None
) -> tuple[Any, Any]:
    """(mean, variance) over ``axes``. Mirrors: tf.nn.moments."""
    t = convert_to_tensor(x)
    ax = math_ops._axes(list(axes), t.shape.rank)
    mean = make_op("Mean", [t], lambda v: ops.mean(v, axes=ax, keepdims=keepdims))
    var = make_op("Variance", [t], lambda v: composites.variance(v, ax, keepdims))
    return mean, var


def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    offset: Any,
    scale: Any,
    variance_epsilon: float,
    name: str | None = None,
) -> Any:
    inv = math_ops.rsqrt(math_ops.add(variance, variance_epsilon))
    if scale is not None:
        inv = math_ops.multiply(inv, scale)
    out = math_ops.add(
        math_ops.multiply(x, inv),
        math_ops.subtract(offset if offset is not None else 0.0, math_ops.multiply(mean, inv)),
    )
    return out


def embedding_lookup(params: Any, ids: Any, name: str | None = None, **_: Any) -> Any:
    from workbench.static.array_ops import gather  # noqa: PLC0415

    return gather(params, ids, name=name)


# ---------------------------------------------------------------------------------------
# Losses


def sparse_softmax_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, name: str | None = None
) -> Any:
    """Per-example -log softmax(logits)[label].

    Mirrors: tf.nn.sparse_softmax_cross_entropy_with_logits."""
    if labels is None or logits is None:
        raise ValueError(
            "sparse_softmax_cross_entropy_with_logits: pass labels= and logits= by name"
        )
    lab, lg = convert_to_tensor(labels), convert_to_tensor(logits)
    if (
        lab.shape.rank is not None
        and lg.shape.rank is not None
        and lab.shape.rank != lg.shape.rank - 1
    ):
        raise ValueError(
            f"Rank mismatch: Rank of labels (received {lab.shape.rank}) should "
            f"equal rank of logits "
            f"minus 1 (received {lg.shape.rank})."
        )
    if lab.shape.rank is not None and lg.shape.rank is not None:
        given, full = lab.shape.as_list(), lg.shape.as_list()
        if any(a is not None and b is not None and a != b for a, b in zip(given, full[:-1])):
            raise ValueError(  # TensorFlow's words, shapes as Python tuples
                "`labels.shape` must equal `logits.shape` except for the last dimension. "
                f"Received: labels.shape={tuple(given)} and logits.shape={tuple(full)}"
            )

    def run(y: Any, z: Any) -> Any:
        classes = z.shape[-1]
        check_labels(y, classes)
        logp = composites.log_softmax(z, -1)
        if any(d is None for d in z.shape):  # unknown sizes: pick the label by a one-hot
            hits = composites.one_hot(y, classes, z.dtype)
            return ops.neg(ops.reduce_sum(ops.mul(hits, logp), axes=(-1,)))
        # one gather of each row's label (a one-hot would compare, cast and multiply
        # every logit: three more passes over the largest array of a language model)
        n = int(np.prod(z.shape[:-1]))
        rows = ops.array(np.arange(n), device=z.device)
        flat = ops.reshape(logp, (n, classes))
        picked = ops.gather(flat, [rows, ops.reshape(y, (n,))], (("array",), ("array",)))
        return ops.neg(ops.reshape(picked, tuple(z.shape[:-1])))

    return make_op("SparseSoftmaxCrossEntropyWithLogits", [lab, lg], run, name=name)


def check_labels(labels: Any, classes: int) -> None:
    """TensorFlow's run-time check of class labels (a label outside [0, classes) would
    otherwise select nothing and give a loss of 0): at once eagerly, as a host callback
    each time a graph runs."""

    def check(y: np.ndarray) -> None:
        bad = y[(y < 0) | (y >= classes)]
        if bad.size:
            shown = " ".join(str(int(v)) for v in np.asarray(y).reshape(-1)[:20])
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Received a label value of {int(bad.reshape(-1)[0])} which is "
                f"outside the valid range of [0, {classes}).  Label values: {shown}",
            )

    ops.callbacks.callback(check, [], labels, effectful=True)


def softmax_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, axis: int = -1, name: str | None = None
) -> Any:
    """Per-example -sum(labels * log softmax(logits)).

    Mirrors: tf.nn.softmax_cross_entropy_with_logits."""
    lab, lg = math_ops._pair("SoftmaxCrossEntropyWithLogits", labels, logits)
    return make_op(
        "SoftmaxCrossEntropyWithLogits",
        [lab, lg],
        lambda y, z: ops.neg(
            ops.reduce_sum(ops.mul(y, composites.log_softmax(z, axis)), axes=(axis,))
        ),
        name=name,
    )


def sigmoid_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, name: str | None = None
) -> Any:
    """max(x, 0) - x z + log(1 + e^-|x|), stable.

    Mirrors: tf.nn.sigmoid_cross_entropy_with_logits."""
    lab, lg = math_ops._pair("SigmoidCrossEntropyWithLogits", labels, logits)
    return make_op(
        "SigmoidCrossEntropyWithLogits",
        [lab, lg],
        lambda z, x: ops.sub(composites.softplus(x), ops.mul(x, z)),  # gradient σ(x) - z
        name=name,
    )


# ---------------------------------------------------------------------------------------
# Convolution and pooling (NHWC in, NHWC out)


def _spatial(value: Any, n: int, name: str) -> tuple[int, ...]:
    if value is None:
        return (1,) * n
    if isinstance(value, int):
        return (value,) * n
    v = list(value)
    if len(v) == n + 2:
        return tuple(int(s) for s in v[1:-1])
    if len(v) == 1:
        return (int(v[0]),) * n
    if len(v) == n:
        return tuple(int(s) for s in v)
    raise ValueError(f"{name} must be an int or a list of length 1, {n} or {n + 2}, got {value!r}")


def _channels_first(v: Any) -> Any:
    return ops.transpose(v, (0, v.ndim - 1) + tuple(range(1, v.ndim - 1)))


def _channels_last(v: Any) -> Any:
    return ops.transpose(v, (0,) + tuple(range(2, v.ndim)) + (1,))


def convolution(
    input: Any,
    filters: Any,
    strides: Any = None,
    padding: str = "VALID",
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    """N-d convolution, channels last; filters are (*window, in, out).

    Mirrors: tf.nn.convolution."""
    if data_format not in (None, "NHWC", "NWC", "NDHWC"):
        raise ValueError(f"data_format {data_format!r} is not supported (channels last only)")
    x, w = math_ops._pair("Conv2D", input, filters)
    n = x.shape.rank - 2
    st, dl = _spatial(strides, n, "strides"), _spatial(dilations, n, "dilations")
    c_in, per_group = x.shape[-1], w.shape[-2]
    if c_in is not None and per_group is not None and c_in % per_group:
        raise ValueError(
            f"convolution: the input's {c_in} channels are not a multiple of the filter's "
            f"{per_group} input channels (input {x.shape}, filters {w.shape})"
        )
    groups = c_in // per_group if c_in is not None and per_group else 1  # TF infers groups

    def run(v: Any, k: Any) -> Any:
        kernel = ops.transpose(k, (n + 1, n) + tuple(range(n)))  # (out, in, *window)
        pad = padding if isinstance(padding, str) else tuple(tuple(p) for p in list(padding)[1:-1])
        return _channels_last(
            ops.conv(_channels_first(v), kernel, st, pad, rhs_dilation=dl, groups=groups)
        )

    return make_op({1: "Conv1D", 2: "Conv2D", 3: "Conv3D"}.get(n, "Conv"), [x, w], run, name=name)


def conv2d(
    input: Any,
    filters: Any = None,
    strides: Any = None,
    padding: str = "VALID",
    data_format: str = "NHWC",
    dilations: Any = None,
    name: str | None = None,
    filter: Any = None,
    **_: Any,
) -> Any:  # noqa: A002
    """Mirrors: tf.nn.conv2d (``filter=`` is the v1 spelling)."""
    return convolution(
        input,
        filters if filters is not None else filter,
        strides,
        padding,
        data_format,
        dilations,
        name,
    )


def conv1d(
    input: Any,
    filters: Any,
    stride: Any = 1,
    padding: str = "VALID",
    data_format: str = "NWC",
    dilations: Any = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    return convolution(input, filters, stride, padding, data_format, dilations, name)


def conv_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    """The gradient of ``convolution`` with respect to an input of ``output_shape``;
    filters are (*window, out, in). Mirrors: tf.nn.conv_transpose."""
    if data_format not in (None, "NHWC", "NWC", "NDHWC"):
        raise ValueError(f"data_format {data_format!r} is not supported (channels last only)")
    x, w = math_ops._pair("Conv2DBackpropInput", input, filters)
    n = x.shape.rank - 2
    st, dl = _spatial(strides, n, "strides"), _spatial(dilations, n, "dilations")
    out = [
        int(d) for d in (output_shape.numpy() if hasattr(output_shape, "numpy") else output_shape)
    ]
    window = w.shape.as_list()[:n]
    if w.shape[-1] != x.shape[-1] or w.shape[-2] != out[-1]:
        raise ValueError(
            f"conv_transpose: filters {w.shape} must be (*window, {out[-1]} output channels, "
            f"{x.shape[-1]} input channels) for input {x.shape} and output_shape {out}"
        )
    if isinstance(padding, str):
        pads = ops.conv_padding(padding, out[1:-1], window, st, dl)
    else:
        pads = tuple(tuple(int(v) for v in p) for p in list(padding)[1:-1])
    extra = []
    for m, size, k, s_, d, (lo, hi) in zip(
        out[1:-1], x.shape.as_list()[1:-1], window, st, dl, pads
    ):
        if (m + lo + hi - (k - 1) * d - 1) // s_ + 1 != size:  # the forward convolution's size
            raise errors.InvalidArgumentError(
                None,
                None,
                f"conv_transpose: a convolution of output_shape {out} with strides {st} and "
                f"padding {padding!r} would not give the input's shape {x.shape}",
            )
        extra.append(m - ((size - 1) * s_ + (k - 1) * d + 1 - lo - hi))

    def run(v: Any, k: Any) -> Any:
        kernel = ops.transpose(k, (n + 1, n) + tuple(range(n)))  # (in, out, *window)
        y = ops.conv_transpose(_channels_first(v), kernel, st, pads, extra, dilation=dl)
        return _channels_last(y)

    return make_op(
        {1: "Conv1DBackpropInput", 2: "Conv2DBackpropInput"}.get(n, "Conv3DBackpropInputV2"),
        [x, w],
        run,
        name=name,
    )


def conv2d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NHWC",
    dilations: Any = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    return conv_transpose(
        input, filters, output_shape, strides, padding, data_format, dilations, name
    )


conv1d_transpose = conv3d_transpose = conv2d_transpose


def depthwise_conv2d(
    input: Any,
    filter: Any,
    strides: Any,
    padding: str,
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    """Each input channel convolved with its own ``channel_multiplier`` filters; filter
    (kh, kw, in, multiplier), output channel ``c * multiplier + m``.
    Mirrors: tf.nn.depthwise_conv2d."""
    x, w = math_ops._pair("DepthwiseConv2dNative", input, filter)
    window = w.shape.as_list()[:-2]
    c, mult = w.shape.as_list()[-2:]
    flat = array_ops.reshape(w, [*window, 1, c * mult])
    return convolution(x, flat, strides, padding, data_format, dilations, name)


def separable_conv2d(
    input: Any,
    depthwise_filter: Any,
    pointwise_filter: Any,
    strides: Any,
    padding: str,
    data_format: str | None = None,
    dilations: Any = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    """A depthwise convolution, then a 1x1 convolution mixing channels.
    Mirrors: tf.nn.separable_conv2d."""
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return convolution(depthwise, pointwise_filter, None, "VALID", data_format, None, name)


def _pool(op_type: str, core_fn: Any) -> Any:
    def fn(
        input: Any,
        ksize: Any,
        strides: Any,
        padding: str,
        data_format: str | None = None,
        name: str | None = None,
        value: Any = None,
    ) -> Any:  # noqa: A002
        x = convert_to_tensor(value if input is None else input)
        n = x.shape.rank - 2
        window, st = _spatial(ksize, n, "ksize"), _spatial(strides, n, "strides")
        if op_type == "AvgPool":
            run = lambda v: _channels_last(
                core_fn(_channels_first(v), window, st, padding, count_include_pad=False)
            )  # noqa: E731
        else:
            run = lambda v: _channels_last(core_fn(_channels_first(v), window, st, padding))  # noqa: E731
        return make_op(op_type, [x], run, name=name)

    return fn


max_pool = max_pool1d = max_pool2d = max_pool3d = _pool("MaxPool", ops.max_pool)
avg_pool = avg_pool1d = avg_pool2d = avg_pool3d = _pool("AvgPool", ops.avg_pool)


def dropout(
    x: Any,
    rate: Any = None,
    noise_shape: Any = None,
    seed: int | None = None,
    name: str | None = None,
    keep_prob: Any = None,
) -> Any:
    """Zero elements with probability ``rate`` and scale the rest by 1/(1-rate).
    Mirrors: tf.nn.dropout (``keep_prob=`` is the v1 spelling; either may be a tensor,
    such as a placeholder fed 1.0 at test time)."""
    if rate is None and keep_prob is None:
        raise ValueError("dropout: give rate (or the v1 keep_prob)")
    t = convert_to_tensor(x)
    if rate is None and not math_ops.is_tensor(keep_prob):
        rate = 1.0 - float(keep_prob)
    if rate is not None and not math_ops.is_tensor(rate):
        rate = float(rate)
        if not 0 <= rate < 1:
            raise ValueError(
                f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}"
            )
        if rate == 0:
            return t
    keep = (
        math_ops.subtract(1.0, convert_to_tensor(rate, dtype_hint=t.dtype))
        if rate is not None
        else convert_to_tensor(keep_prob, dtype_hint=t.dtype)
    )
    mask = random_ops.dropout_mask(t, keep, noise_shape, seed)
    return make_op("Dropout", [t, mask, keep], lambda v, m, k: ops.div(ops.mul(v, m), k), name=name)


def __getattr__(name: str) -> object:
    """``tf.nn.top_k`` and ``tf.nn.in_top_k`` live with the other sorting ops."""
    if name in ("top_k", "in_top_k"):
        from workbench.static import more_ops  # noqa: PLC0415

        return getattr(more_ops, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
