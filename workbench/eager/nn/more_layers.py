"""Layers real programs reach for beyond the core set: padding in every mode, 1-d and 3-d
pooling and convolution, adaptive pooling of any output size, instance and RMS
normalisation, parameter containers, distance modules and the remaining losses — as
``F.<name>`` functions and ``nn.<Name>`` modules with PyTorch's arguments and printing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.eager.creation import ones, tensor, zeros
from workbench.eager.nn import functional as F
from workbench.eager.nn.layers import _BatchNorm
from workbench.eager.nn.modules import Module, _ConvNd
from workbench.eager.nn.parameter import Parameter
from workbench.eager.tensor import Tensor, wrap

# ---------------------------------------------------------------------------------------
# padding


def _edge_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    numpy_mode: Any = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    if mode == "reflect" and (before >= n or after >= n):
        raise RuntimeError(
            f"Argument #4: Padding size should be less than the corresponding input dimension, "
            f"but got: padding ({before}, {after}) at dimension of input {n}"
        )
    return np.pad(np.arange(n), (before, after), mode=numpy_mode)


def pad_edges(input: Tensor, pad: Any, mode: str) -> Tensor:  # noqa: A002
    """Padding that copies values from the input: reflect, replicate or circular; one
    gather along each padded dimension (so gradients add back into the copied cells)."""
    out = input
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        before, after = int(pad[2 * i]), int(pad[2 * i + 1])
        if before or after:
            index = _edge_index(out.shape[dim], before, after, mode)
            out = out.index_select(dim, tensor(index, device=input.device))
    return out


def _pad_repr(padding: Any, d: int) -> tuple[int, ...]:
    return tuple(padding) if isinstance(padding, tuple | list) else (int(padding),) * (2 * d)


class _Pad(Module):
    mode = "constant"
    d = 2

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        self.padding = _pad_repr(padding, self.d)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, self.mode, self.value)

    def extra_repr(self) -> str:
        if type(self).__name__.startswith("Constant"):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


def _pad_class(name: str, mode: str, d: int) -> type[Module]:
    if name.startswith("Zero"):

        def init(self: Any, padding: Any) -> None:
            _Pad.__init__(self, padding, 0.0)

        return type(name, (_Pad,), {"mode": mode, "d": d, "__init__": init})
    return type(name, (_Pad,), {"mode": mode, "d": d, "__doc__": f"Mirrors: torch.nn.{name}."})


PADS = {
    f"{prefix}Pad{d}d": _pad_class(f"{prefix}Pad{d}d", mode, d)
    for prefix, mode in (
        ("Zero", "constant"),
        ("Constant", "constant"),
        ("Reflection", "reflect"),
        ("Replication", "replicate"),
        ("Circular", "circular"),
    )
    for d in (1, 2, 3)
}


# ---------------------------------------------------------------------------------------
# pooling and convolution in 1 and 3 dimensions, adaptive pooling of any size


def _tuple(v: Any, n: int) -> tuple[int, ...]:
    return F._tuple(v, n)


def _window(kernel_size: Any, stride: Any, padding: Any, d: int) -> tuple[Any, Any, Any]:
    """A pool's window, strides (the window's when None) and padding, per dimension."""
    k = _tuple(kernel_size, d)
    s = _tuple(stride, d) if stride is not None else k
    return k, s, tuple((q, q) for q in _tuple(padding, d))


def _max_pool(d: int) -> Any:
    def pool(
        input: Tensor,  # noqa: A002
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: bool = False,
        return_indices: bool = False,
    ) -> Tensor:
        k, s, p = _window(kernel_size, stride, padding, d)
        out = ops.max_pool(input._value, k, s, p, _tuple(dilation, d))
        return wrap(out, (input,), f"MaxPool{d}DWithIndicesBackward0")

    return pool


def _avg_pool(d: int) -> Any:
    def pool(
        input: Tensor,  # noqa: A002
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Any = None,
    ) -> Tensor:
        k, s, p = _window(kernel_size, stride, padding, d)
        out = ops.avg_pool(input._value, k, s, p, count_include_pad)
        return wrap(out, (input,), f"AvgPool{d}DBackward0")

    return pool


max_pool1d, max_pool2d, max_pool3d = _max_pool(1), _max_pool(2), _max_pool(3)
avg_pool1d, avg_pool2d, avg_pool3d = _avg_pool(1), _avg_pool(2), _avg_pool(3)


def _bins(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: [floor(i·n/o), ceil((i+1)·n/o))."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def _adaptive_avg(input: Tensor, output_size: Any, d: int) -> Tensor:  # noqa: A002
    """Averages over PyTorch's windows, as a product with an averaging matrix per axis."""
    sizes = _tuple(output_size, d)
    out = input
    for i, target in enumerate(sizes):
        axis = input.ndim - d + i
        n = input.shape[axis]
        target = n if target is None else target
        weights = np.zeros((target, n), np.float64)
        for row, (lo, hi) in enumerate(_bins(n, target)):
            weights[row, lo:hi] = 1.0 / (hi - lo)
        matrix = tensor(weights, dtype=input.dtype, device=input.device)
        out = (out.movedim(axis, -1) @ matrix.t()).movedim(-1, axis)
    return out


def _adaptive_max(input: Tensor, output_size: Any, d: int) -> Tensor:  # noqa: A002
    from workbench.eager.functions import stack  # noqa: PLC0415

    sizes = _tuple(output_size, d)
    out = input
    for i, target in enumerate(sizes):
        axis = input.ndim - d + i
        n = out.shape[axis]
        target = n if target is None else target
        pieces = [out.narrow(axis, lo, hi - lo).amax(axis) for lo, hi in _bins(n, target)]
        out = stack(pieces, axis)
    return out


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    return _adaptive_avg(input, output_size, 3)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:  # noqa: A002
    return _adaptive_max(input, output_size, 1)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:  # noqa: A002
    return _adaptive_max(input, output_size, 2)


def conv3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    return F._conv(input, weight, bias, stride, padding, dilation, groups, 3)


class Conv3d(_ConvNd):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(3, *args, **kwargs)


class _MaxPool(Module):
    fn: Any = None

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        if return_indices or ceil_mode:
            raise NotImplementedError(
                f"{type(self).__name__}: return_indices and ceil_mode are not supported"
            )
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride  # as PyTorch stores it
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).fn(input, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class _AvgPool(Module):
    fn: Any = None

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Any = None,
    ) -> None:
        super().__init__()
        if ceil_mode or divisor_override is not None:
            raise NotImplementedError(
                f"{type(self).__name__}: ceil_mode and divisor_override are not supported"
            )
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride  # as PyTorch stores it
        if type(self).__name__ == "AvgPool1d":  # PyTorch stores these three as 1-tuples
            self.kernel_size, self.stride, self.padding = (
                _tuple(v, 1) for v in (self.kernel_size, self.stride, self.padding)
            )
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).fn(
            input, self.kernel_size, self.stride, self.padding,
            count_include_pad=self.count_include_pad,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _pool_class(name: str, fn: Any) -> type[Module]:
    base = _MaxPool if name.startswith("Max") else _AvgPool
    return type(name, (base,), {"fn": staticmethod(fn), "__doc__": f"Mirrors: torch.nn.{name}."})


MaxPool1d = _pool_class("MaxPool1d", max_pool1d)
MaxPool2d = _pool_class("MaxPool2d", max_pool2d)
MaxPool3d = _pool_class("MaxPool3d", max_pool3d)
AvgPool1d = _pool_class("AvgPool1d", avg_pool1d)
AvgPool2d = _pool_class("AvgPool2d", avg_pool2d)
AvgPool3d = _pool_class("AvgPool3d", avg_pool3d)


class _Adaptive(Module):
    fn: Any = None

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


def _adaptive_class(name: str, fn: Any) -> type[Module]:
    return type(
        name, (_Adaptive,), {"fn": staticmethod(fn), "__doc__": f"Mirrors: torch.nn.{name}."}
    )


AdaptiveAvgPool1d = _adaptive_class("AdaptiveAvgPool1d", adaptive_avg_pool1d)
AdaptiveAvgPool2d = _adaptive_class("AdaptiveAvgPool2d", adaptive_avg_pool2d)
AdaptiveAvgPool3d = _adaptive_class("AdaptiveAvgPool3d", adaptive_avg_pool3d)
AdaptiveMaxPool1d = _adaptive_class("AdaptiveMaxPool1d", adaptive_max_pool1d)
AdaptiveMaxPool2d = _adaptive_class("AdaptiveMaxPool2d", adaptive_max_pool2d)


# ---------------------------------------------------------------------------------------
# normalisation


def instance_norm(
    input: Tensor,  # noqa: A002
    running_mean: Any = None,
    running_var: Any = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Each (example, channel) normalised over its own positions."""
    axes = tuple(range(2, input.ndim))
    mean = input.mean(axes, keepdim=True)
    var = ((input - mean) ** 2).mean(axes, keepdim=True)
    out = (input - mean) / (var + eps).sqrt()
    shape = [1, -1] + [1] * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def rms_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Any,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """x / sqrt(mean(x²) + eps) over the last len(normalized_shape) dimensions, times
    weight; eps defaults to the dtype's machine epsilon, as in PyTorch."""
    dims = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(input.ndim - len(dims), input.ndim))
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    out = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    n, c = input.shape[0], input.shape[1]
    grouped = input.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = ((grouped - mean) ** 2).mean(-1, keepdim=True)
    out = ((grouped - mean) / (var + eps).sqrt()).reshape(input.shape)
    shape = [1, c] + [1] * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


class _InstanceNorm(Module):
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
    ) -> None:
        super().__init__()
        if track_running_stats:
            raise NotImplementedError(
                f"{type(self).__name__}: track_running_stats=True is not supported"
            )
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features))
            self.bias = Parameter(zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return instance_norm(input, weight=self.weight, bias=self.bias, eps=self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


InstanceNorm1d = type("InstanceNorm1d", (_InstanceNorm,), {})
InstanceNorm2d = type("InstanceNorm2d", (_InstanceNorm,), {})
InstanceNorm3d = type("InstanceNorm3d", (_InstanceNorm,), {})
BatchNorm3d = type("BatchNorm3d", (_BatchNorm,), {"__doc__": "Mirrors: torch.nn.BatchNorm3d."})


class RMSNorm(Module):
    """Mirrors: torch.nn.RMSNorm."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float | None = None,
        elementwise_affine: bool = True,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*shape))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


# ---------------------------------------------------------------------------------------
# containers of parameters


class ParameterList(Module):
    """Mirrors: torch.nn.ParameterList (parameters registered as '0', '1', …)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        for v in values or ():
            self.append(v)

    def append(self, value: Any) -> ParameterList:
        p = value if isinstance(value, Parameter) else Parameter(value)
        self.register_parameter(str(self._size), p)
        self._size += 1
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def __getitem__(self, index: int) -> Parameter:
        return self._parameters[str(range(self._size)[index])]

    def __setitem__(self, index: int, value: Any) -> None:
        self.register_parameter(str(range(self._size)[index]), value)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Parameter]:
        return (self._parameters[str(i)] for i in range(self._size))

    def extra_repr(self) -> str:
        return "\n".join(
            f"({i}): Parameter containing: [torch.{p.dtype.name} of size "
            f"{'x'.join(str(s) for s in p.shape)}]"
            for i, p in enumerate(self)
        )


class ParameterDict(Module):
    """Mirrors: torch.nn.ParameterDict."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        for k, v in dict(parameters or {}).items():
            self[k] = v

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def keys(self) -> Any:
        return self._parameters.keys()

    def values(self) -> Any:
        return self._parameters.values()

    def items(self) -> Any:
        return self._parameters.items()

    def update(self, values: Any) -> None:
        for k, v in dict(values).items():
            self[k] = v


class Unflatten(Module):
    """Mirrors: torch.nn.Unflatten."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


# ---------------------------------------------------------------------------------------
# distances and losses


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    return ((x1 - x2 + eps).abs() ** p).sum(-1, keepdim=keepdim) ** (1.0 / p)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    n = input.shape[0]
    rows, cols = np.triu_indices(n, 1)
    diff = input[tensor(rows)] - input[tensor(cols)]
    return (diff.abs() ** p).sum(-1) ** (1.0 / p)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return F._reduce(loss, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    reduction: str = "mean",
    **_: Any,
) -> Tensor:
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    reduction: str = "mean",
    **_: Any,  # noqa: A002
) -> Tensor:
    loss = input.where(target == 1, (margin - input).clamp_min(0))
    return _reduce(loss.where((target == 1) | (target == -1), 0.0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean", **_: Any) -> Tensor:  # noqa: A002
    return _reduce((-target * input).exp().log1p(), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    **_: Any,  # noqa: A002
) -> Tensor:
    from workbench.eager.nn.activations import logsigmoid  # noqa: PLC0415

    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(-1), reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    reduction: str = "mean",
    **_: Any,
) -> Tensor:
    cos = F.cosine_similarity(input1, input2, -1)
    loss = (1 - cos).where(target == 1, (cos - margin).clamp_min(0))
    return _reduce(loss, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
    **_: Any,
) -> Tensor:
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
    **_: Any,
) -> Tensor:
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * np.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    var = var.clamp_min(eps) if isinstance(var, Tensor) else max(float(var), eps)
    var_t = var if isinstance(var, Tensor) else input.new_full((), var)
    loss = 0.5 * (var_t.log() + (input - target) ** 2 / var_t)
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, reduction)


def _loss_module(name: str, fn: Any, arity: int, options: dict[str, Any]) -> type[Module]:
    def __init__(self: Any, *args: Any, reduction: str = "mean", **kwargs: Any) -> None:  # noqa: N807
        Module.__init__(self)
        values = dict(options)
        values.update(zip(options, args))
        values.update(kwargs)
        for k, v in values.items():
            setattr(self, k, v)
        self.reduction = reduction

    def forward(self: Any, *inputs: Any) -> Tensor:
        kwargs = {k: getattr(self, k) for k in options}
        return fn(*inputs[:arity], reduction=self.reduction, **kwargs)

    return type(
        name,
        (Module,),
        {"__init__": __init__, "forward": forward, "__doc__": f"Mirrors: torch.nn.{name}."},
    )


MarginRankingLoss = _loss_module("MarginRankingLoss", margin_ranking_loss, 3, {"margin": 0.0})
HingeEmbeddingLoss = _loss_module("HingeEmbeddingLoss", hinge_embedding_loss, 2, {"margin": 1.0})
SoftMarginLoss = _loss_module("SoftMarginLoss", soft_margin_loss, 2, {})
MultiLabelSoftMarginLoss = _loss_module(
    "MultiLabelSoftMarginLoss", multilabel_soft_margin_loss, 2, {"weight": None}
)
CosineEmbeddingLoss = _loss_module("CosineEmbeddingLoss", cosine_embedding_loss, 3, {"margin": 0.0})
TripletMarginLoss = _loss_module(
    "TripletMarginLoss",
    triplet_margin_loss,
    3,
    {"margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False},
)
PoissonNLLLoss = _loss_module(
    "PoissonNLLLoss", poisson_nll_loss, 2, {"log_input": True, "full": False, "eps": 1e-8}
)
GaussianNLLLoss = _loss_module(
    "GaussianNLLLoss", gaussian_nll_loss, 3, {"full": False, "eps": 1e-6}
)


class CosineSimilarity(Module):
    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


MODULES = [
    *PADS, "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "Conv3d", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d", "BatchNorm3d", "RMSNorm", "ParameterList",
    "ParameterDict", "Unflatten", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss",
    "GaussianNLLLoss", "CosineSimilarity", "PairwiseDistance",
]  # fmt: skip
FUNCTIONS = [
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "conv3d", "instance_norm", "rms_norm", "group_norm", "pairwise_distance", "pdist",
    "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
    "poisson_nll_loss", "gaussian_nll_loss",
]  # fmt: skip
globals().update(PADS)
