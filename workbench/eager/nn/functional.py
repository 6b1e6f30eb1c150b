"""``torch.nn.functional``: stateless layers and losses built from core composites.

Mirrors: torch.nn.functional (names, arguments and defaults).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from workbench.core import composites, ops
from workbench.core.values import Array
from workbench.eager import amp as _amp
from workbench.eager import dtypes
from workbench.eager.tensor import Tensor, wrap


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x Wᵀ + b. Mirrors: torch.nn.functional.linear."""
    if _amp.STATE.dtype is not None:
        low = _amp.low_precision_product(lambda x, w: linear(x, w), input, weight)
        if low is not None:
            return low if bias is None else low + bias.to(low.dtype)
    x, w = input._value, weight._value
    matrix = input.ndim == 2  # PyTorch runs other ranks as a matrix product and a view
    if bias is not None and x.dtype == w.dtype == bias._value.dtype and x.dtype.kind == "f":
        # x Wᵀ + b as one operation and one recorded node, named as PyTorch names it
        name = "AddmmBackward0" if matrix else "ViewBackward0"
        return wrap(ops.linear(x, w, bias._value), (input, weight, bias), name)
    name = (
        "MmBackward0"
        if matrix
        else ("SqueezeBackward4" if input.ndim == 1 else "UnsafeViewBackward0")
    )
    product = wrap(ops.dot_general(x, w, ((input.ndim - 1,), (1,))), (input, weight), name)
    return product if bias is None else product + bias  # mixed dtypes: PyTorch's errors


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    from workbench.eager.functions import where  # noqa: PLC0415

    return where(input > 0, input, input * negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    return wrap(composites.gelu(input._value, approximate == "tanh"), (input,), "GeluBackward0")


def _core_softplus(x: Tensor) -> Tensor:
    return wrap(composites.softplus(x._value), (x,), "SoftplusBackward0")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(composites.silu(input._value), (input,), "SiluBackward0")


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return input.tanh()


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    return input.softmax(-1 if dim is None else dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    return input.log_softmax(-1 if dim is None else dim, dtype)


def _channel_dropout(input: Tensor, p: float, training: bool, spatial: int, name: str) -> Tensor:  # noqa: A002
    """Zero whole channels (each with probability p), scaling the rest by 1/(1-p)."""
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a "
            f"{input.dim()}D input"
        )
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    from workbench.eager.random import rand  # noqa: PLC0415

    channels = input.shape[: input.dim() - spatial]  # (N, C) or (C,)
    keep = (rand(*channels, *([1] * spatial), device=input.device) >= p).to(input.dtype)
    return input * keep / (1 - p)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:  # noqa: A002
    """Channel dropout of (N, C, L) or (C, L) inputs. Mirrors: torch.nn.functional.dropout1d."""
    return _channel_dropout(input, p, training, 1, "dropout1d")


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:  # noqa: A002
    """Channel dropout of (N, C, H, W) or (C, H, W). Mirrors: torch.nn.functional.dropout2d."""
    return _channel_dropout(input, p, training, 2, "dropout2d")


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:  # noqa: A002
    """Channel dropout of (N, C, D, H, W) or (C, D, H, W). Mirrors: F.dropout3d."""
    return _channel_dropout(input, p, training, 3, "dropout3d")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C·r², H, W) -> (*, C, H·r, W·r). Mirrors: torch.nn.functional.pixel_shuffle."""
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H·r, W·r) -> (*, C·r², H, W). Mirrors: torch.nn.functional.pixel_unshuffle."""
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(
            "pixel_unshuffle expects height and width to be divisible by downscale_factor, "
            f"but got {h} and {w} for downscale_factor={r}"
        )
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    if not training or p == 0:
        return input
    from workbench.eager.random import rand  # noqa: PLC0415

    keep = (rand(*input.shape, device=input.device) >= p).to(input.dtype)
    return input * keep / (1 - p)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    n = int(tensor.max().item()) + 1 if num_classes < 0 else num_classes
    return wrap(composites.one_hot(tensor._array(), n, dtypes.int64.np))


def _named(out: Tensor, name: str, *inputs: Any) -> Tensor:
    """Give the operation that produced a loss PyTorch's name for it (``loss.grad_fn``):
    PyTorch computes most losses as one operation, the workbench as several, whose last
    one would otherwise name it (MeanBackward0 for every mean-reduced loss)."""
    node = getattr(out._value, "node", None)
    if node is not None and node.record is not None:
        if all(getattr(getattr(t, "_value", None), "node", None) is not node for t in inputs):
            node.record.name = name
    return out


def _reduce(loss: Tensor, reduction: str, weight_sum: Tensor | None = None) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight_sum if weight_sum is not None else loss.mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _host_labels(target: Tensor) -> np.ndarray | None:
    """Integer targets' values where they already are on the host; None on a GPU (reading
    them would wait for the device) and while a graph is captured (they are unknown)."""
    labels = target._array()
    if isinstance(labels, Array) and labels.device.platform == "cpu":
        return labels.data
    return None


@functools.lru_cache(maxsize=64)
def _rows(n: int, device: Any) -> Array:
    """The row numbers 0..n-1 that pick each row's target (the same few batch sizes)."""
    return ops.array(np.arange(n), device=device)


def _check_targets(labels: np.ndarray | None, classes: int, ignore_index: int) -> None:
    """PyTorch's error for a class index outside [0, classes) (other than ignore_index)."""
    if labels is None:
        return
    bad = (labels != ignore_index) & ((labels < 0) | (labels >= classes))
    if bad.any():
        raise IndexError(f"Target {labels[bad].flat[0]} is out of bounds.")


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:
    """Mirrors: torch.nn.functional.nll_loss (class dim 1, any trailing dims; an
    unbatched (C,) input with a 0-d target)."""
    if input.ndim == 1:
        loss = nll_loss(input.unsqueeze(0), target.unsqueeze(0), weight, ignore_index, reduction)
        return _named(loss.squeeze(0) if reduction == "none" else loss, "NllLossBackward0", input)
    _check_targets(_host_labels(target), input.shape[1], ignore_index)
    logp = input if input.ndim == 2 else input.movedim(1, -1).reshape(-1, input.shape[1])
    tgt = target.reshape(-1)
    valid = tgt != ignore_index
    safe = tgt * valid.long()
    picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = valid.to(logp.dtype)
    if weight is not None:
        w = w * weight[safe]
    loss = -picked * w
    if reduction == "none":
        return _named(loss.reshape(target.shape), "NllLossBackward0", input)
    return _named(_reduce(loss, reduction, w.sum()), "NllLossBackward0", input)


def _check_cross_entropy_target(input: Tensor, target: Tensor) -> None:  # noqa: A002
    """PyTorch's two readings of a target — class probabilities of the input's shape, or
    class indices without the class axis — and its errors for anything else."""
    indices_shape = tuple(input.shape[:1]) + tuple(input.shape[2:])
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(
                f"expected target dtype to be Long or Byte, but got {_type_name(target)} "
                f"(class indices need shape {indices_shape}; "
                f"class probabilities need the input's shape {tuple(input.shape)})"
            )
        return
    if target.ndim != input.ndim - 1:
        if target.ndim == 2 and input.ndim == 2:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(
            f"cross_entropy: expected target of shape {indices_shape} "
            f"(class indices) for input of shape {tuple(input.shape)}, got {tuple(target.shape)}"
        )


def _type_name(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}.get(
        str(t.dtype).replace("torch.", ""), str(t.dtype)
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,  # noqa: A002
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Mirrors: torch.nn.functional.cross_entropy — class indices or class probabilities,
    label smoothing, ignore_index and class weights; an unbatched (C,) input too."""
    if input.ndim == 1:
        loss = cross_entropy(
            input.unsqueeze(0),
            target.unsqueeze(0),
            weight,
            ignore_index,
            reduction,
            label_smoothing,
        )
        if reduction != "none":
            return loss
        name = loss.grad_fn.name() if loss.grad_fn is not None else ""
        return _named(loss.squeeze(0), name, input) if name else loss.squeeze(0)
    _check_cross_entropy_target(input, target)
    plain = weight is None and label_smoothing == 0 and reduction == "mean" and input.ndim == 2
    labels = None if target.dtype.is_floating_point else _host_labels(target)
    n, classes = input.shape[0], input.shape[1]
    if (
        plain
        and labels is not None
        and n
        and 0 <= labels.min()
        and labels.max() < classes
        and not (0 <= ignore_index < classes and (labels == ignore_index).any())
    ):
        # the common case in four operations: Σ log_softmax(x)[i, target_i] / -n (every
        # label is a valid class and none is ignored)
        logp = input.log_softmax(1)
        rows = _rows(n, logp._array().device)
        picked = ops.gather(logp._value, [rows, target._array()], (("array",), ("array",)))
        total = ops.reduce_sum(picked, (0,))
        return wrap(ops.div(total, -float(n)), (logp,), "NllLossBackward0")
    logp = input.log_softmax(1)
    if target.dtype.is_floating_point:  # probabilities
        probs = target * (1 - label_smoothing) + label_smoothing / classes
        w = 1 if weight is None else weight.reshape([classes] + [1] * (input.ndim - 2))
        loss = -(probs * logp * w).sum(1)
        # PyTorch's names: the mean divides last, the sum and none negate last
        name = "DivBackward1" if reduction == "mean" else "NegBackward0"
        return _named(_reduce(loss, reduction), name, input)
    nll = nll_loss(logp, target, weight, ignore_index, "none")
    if label_smoothing == 0:
        if reduction != "mean":
            return _named(_reduce(nll, reduction), "NllLossBackward0", input)
        valid = (target != ignore_index).to(input.dtype)
        denom = (
            valid.sum()
            if weight is None
            else (valid * weight[target * (target != ignore_index).long()]).sum()
        )
        return _named(nll.sum() / denom, "NllLossBackward0", input)
    flat = logp if logp.ndim == 2 else logp.movedim(1, -1).reshape(-1, classes)
    valid = (target.reshape(-1) != ignore_index).to(input.dtype)
    w = 1 if weight is None else weight
    smooth = -(flat * w).sum(1) * valid / classes
    loss = nll.reshape(-1) * (1 - label_smoothing) + smooth * label_smoothing
    if reduction == "mean":
        denom = (
            valid.sum()
            if weight is None
            else (valid * weight[target.reshape(-1) * valid.long()]).sum()
        )
        return _named(loss.sum() / denom, "AddBackward0", input)
    return _named(_reduce(loss.reshape(target.shape), reduction), "AddBackward0", input)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    return _named(_reduce((input - target).square(), reduction), "MseLossBackward0", input)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    return _reduce((input - target).abs(), reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:  # noqa: A002
    from workbench.eager.functions import where  # noqa: PLC0415

    diff = (input - target).abs()
    loss = where(diff < delta, diff.square() * 0.5, (diff - 0.5 * delta) * delta)
    return _named(_reduce(loss, reduction), "HuberLossBackward0", input)


def smooth_l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0
) -> Tensor:  # noqa: A002
    return _named(huber_loss(input, target, reduction, beta) / beta, "SmoothL1LossBackward0", input)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:
    # PyTorch clamps the logs at -100 so that 0 and 1 probabilities stay finite
    log_p = input.log().clamp(min=-100)
    log_q = (1 - input).log().clamp(min=-100)
    loss = -(target * log_p + (1 - target) * log_q)
    loss = _reduce(loss if weight is None else loss * weight, reduction)
    return _named(loss, "BinaryCrossEntropyBackward0", input)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,  # noqa: A002
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    # -log σ(x) = softplus(-x), the core's stable form (its gradient is right at 0 too)
    softplus_neg = _core_softplus(-input)
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input + log_weight * softplus_neg
    loss = _reduce(loss if weight is None else loss * weight, reduction)
    return _named(loss, "BinaryCrossEntropyWithLogitsBackward0", input)


def kl_div(
    input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False
) -> Tensor:  # noqa: A002
    if log_target:
        loss = target.exp() * (target - input)
    else:
        from workbench.eager.functions import where  # noqa: PLC0415

        # PyTorch's form: xlogy(target, target) - target * input (0 log 0 is 0)
        entropy = where(target > 0, target * target.clamp(min=1e-45).log(), target * 0)
        loss = entropy - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0]
    return _reduce(loss, reduction)


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    n = len(normalized_shape) if not isinstance(normalized_shape, int) else 1
    axes = tuple(range(input.ndim - n, input.ndim))
    out = composites.layer_norm(
        input._value,
        None if weight is None else weight._value,
        None if bias is None else bias._value,
        axes,
        eps,
    )
    return wrap(out, (input, weight, bias), "NativeLayerNormBackward0")


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,  # noqa: A002
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,  # noqa: A002
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def _tuple(v: Any, n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, tuple | list) else (int(v),) * n


def _conv(
    x: Tensor,
    w: Tensor,
    b: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    d: int,
) -> Tensor:
    strides, dil = _tuple(stride, d), _tuple(dilation, d)
    if isinstance(padding, str):
        pads: Any = padding.upper()
    else:
        pads = tuple((p, p) for p in _tuple(padding, d))
    out = wrap(
        ops.conv(x._value, w._value, strides, pads, rhs_dilation=dil, groups=groups),
        (x, w),
        "ConvolutionBackward0",
    )
    return out if b is None else out + b.reshape([1, -1] + [1] * d)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float = 0.0) -> Tensor:  # noqa: A002
    if mode in ("reflect", "replicate", "circular"):
        from workbench.eager.nn.more_layers import pad_edges  # noqa: PLC0415

        return pad_edges(input, pad, mode)
    if mode != "constant":
        raise NotImplementedError(
            f"pad: mode {mode!r} is not one of 'constant', 'reflect', 'replicate', 'circular'"
        )
    config = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        config[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return wrap(ops.pad(input._value, config, value), (input,), "ConstantPadNdBackward0")


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if is_causal:
        from workbench.eager.creation import ones  # noqa: PLC0415

        causal = ones(scores.shape[-2], scores.shape[-1], dtype=dtypes.bool).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        scores = (
            scores.masked_fill(~attn_mask, float("-inf"))
            if attn_mask.dtype is dtypes.bool
            else scores + attn_mask
        )
    weights = scores.softmax(-1)
    if dropout_p:
        weights = dropout(weights, dropout_p)
    return weights @ value


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Rows of ``weight`` picked by ``input``; the ``padding_idx`` row gets no gradient
    (its value is still read). Mirrors: torch.nn.functional.embedding."""
    rows = weight[input]
    if padding_idx is None or not rows.requires_grad:
        return rows
    from workbench.eager.functions import where  # noqa: PLC0415

    keep = (input != padding_idx % weight.shape[0]).unsqueeze(-1)
    return where(keep, rows, rows.detach())


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """x / max(‖x‖_p, eps) along ``dim``. Mirrors: torch.nn.functional.normalize."""
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    return (x1 * x2).sum(dim) / (x1.norm(2, dim) * x2.norm(2, dim)).clamp(min=eps)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    from workbench.eager.functions import where  # noqa: PLC0415

    scaled = input * beta
    return where(scaled > threshold, input, _core_softplus(scaled) / beta)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    from workbench.eager.functions import where  # noqa: PLC0415

    return where(input > 0, input, (input.clamp(max=0).exp() - 1) * alpha)


def check_batch_statistics(x: Tensor) -> None:
    """Batch statistics of one value per channel are that value (every output would be
    0): PyTorch refuses to train on them, and so do we."""
    if math.prod(x.shape[i] for i in [0, *range(2, x.ndim)]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {x.shape}"
        )


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,  # noqa: A002
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    axes = [0] + list(range(2, input.ndim))
    shape = [1, -1] + [1] * (input.ndim - 2)
    if training:
        check_batch_statistics(input)
    if training or running_mean is None or running_var is None:
        mean = input.mean(axes, keepdim=True)
        var = ((input - mean) ** 2).mean(axes, keepdim=True)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def interpolate(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial axes (everything after batch and channels). Mirrors:
    torch.nn.functional.interpolate for ``nearest`` and the (bi/tri)``linear`` modes, with
    PyTorch's source-index rules; other modes raise."""
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError(
            f"interpolate: expected a batch, channels and spatial axes, got {input.ndim}-D"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    linear_modes = {1: "linear", 2: "bilinear", 3: "trilinear"}
    if mode not in ("nearest", linear_modes[spatial] if spatial in linear_modes else ""):
        raise NotImplementedError(
            f"interpolate: mode {mode!r} for {spatial} spatial axes is not available here "
            f"(nearest and {linear_modes.get(spatial, 'linear')} are)"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes")
    sizes_in = list(input.shape[2:])
    if size is not None:
        sizes_out = [size] * spatial if isinstance(size, int) else list(size)
        scales: list[float | None] = [None] * spatial
    else:
        factors = (
            [scale_factor] * spatial
            if not isinstance(scale_factor, list | tuple)
            else list(scale_factor)
        )
        sizes_out = [int(math.floor(n * f)) for n, f in zip(sizes_in, factors)]
        scales = [None if recompute_scale_factor else float(f) for f in factors]
    out = input
    for axis, (n_in, n_out, factor) in enumerate(zip(sizes_in, sizes_out, scales)):
        dim = axis + 2
        if mode == "nearest":
            ratio = np.float32(1.0 / factor if factor else n_in / n_out)
            source = np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * ratio), n_in - 1)
            out = out.index_select(dim, Tensor(source.astype(np.int64), device=input.device))
            continue
        if align_corners:
            ratio = np.float32((n_in - 1) / (n_out - 1)) if n_out > 1 else np.float32(0)
            source = np.arange(n_out, dtype=np.float32) * ratio
        else:
            ratio = np.float32(1.0 / factor if factor else n_in / n_out)
            source = np.maximum((np.arange(n_out, dtype=np.float32) + 0.5) * ratio - 0.5, 0)
        low = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
        high = np.minimum(low + 1, n_in - 1)
        shape = [1] * input.ndim
        shape[dim] = n_out
        weight = Tensor((source - low).astype(np.float32).reshape(shape), device=input.device)
        weight = weight.to(input.dtype)
        near = out.index_select(dim, Tensor(low, device=input.device))
        far = out.index_select(dim, Tensor(high, device=input.device))
        out = near + (far - near) * weight
    return out


# The rest of PyTorch's functions (activations.py, more_layers.py) are added to this
# module by the nn package, beside their modules.
