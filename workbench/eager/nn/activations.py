"""The rest of PyTorch's activation functions, as ``F.<name>`` functions and ``nn.<Name>``
modules (with PyTorch's constructor arguments and printed form), each written with
Tensor operations so its gradient is theirs."""

from __future__ import annotations

from typing import Any

from workbench.eager.nn import functional as F
from workbench.eager.nn.modules import Module
from workbench.eager.nn.parameter import Parameter
from workbench.eager.tensor import Tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """clamp's values, PyTorch's gradient: 0 at the edges (only inside them does the input
    pass through)."""
    from workbench.eager.functions import where  # noqa: PLC0415

    inside = (input > min_val) & (input < max_val)
    return where(inside, input, input.clamp(min_val, max_val).detach())


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return hardtanh(input, 0.0, 6.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _SELU_SCALE * F.elu(input, _SELU_ALPHA)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    return input.clamp_min(0) + (alpha * ((input / alpha).exp() - 1)).clamp_max(0)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    return input / (1 + input.abs())


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return input * F.softplus(input).tanh()


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return (input + 3).clamp(0.0, 6.0) / 6


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return input * hardsigmoid(input)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return -F.softplus(-input)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    return input - input.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    return (input - lambd).clamp_min(0) + (input + lambd).clamp_max(0)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    return input.masked_fill(input.abs() <= lambd, 0.0)


def threshold(
    input: Tensor,  # noqa: A002
    threshold: float,
    value: float,
    inplace: bool = False,
) -> Tensor:
    return input.masked_fill(input <= threshold, value)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {dim % input.ndim} is size "
            f"{input.shape[dim]}"
        )
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def softmin(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    return F.softmax(-input, dim, dtype)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    slope = weight.reshape([1, -1] + [1] * (input.ndim - 2)) if weight.numel() > 1 else weight
    return input.clamp_min(0) + slope * input.clamp_max(0)


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Leaky ReLU with a random slope in [lower, upper] per element when training, their
    mean otherwise."""
    if not training:
        return F.leaky_relu(input, (lower + upper) / 2)
    from workbench.eager.random import rand  # noqa: PLC0415

    slope = rand(*input.shape, dtype=input.dtype, device=input.device) * (upper - lower) + lower
    return input.where(input >= 0, input * slope)


def gumbel_softmax(
    logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A differentiable sample from the categorical distribution of ``logits``; with
    ``hard``, one-hot forward and soft gradients (the straight-through estimator)."""
    from workbench.eager.random import rand  # noqa: PLC0415

    uniform = rand(*logits.shape, dtype=logits.dtype, device=logits.device)
    gumbels = -(-(uniform.clamp_min(eps)).log()).log()
    soft = F.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = soft.new_zeros(tuple(soft.shape)).scatter(dim, index, 1.0)
    return one_hot - soft.detach() + soft


# ---------------------------------------------------------------------------------------
# modules


class _Elementwise(Module):
    """An activation module calling one function with its stored arguments."""

    fn: Any = None
    fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        defaults = dict(self.defaults)
        for name, value in zip(defaults, args):
            defaults[name] = value
        defaults.update(kwargs)
        for name, value in defaults.items():
            setattr(self, name, value)

    defaults: dict[str, Any] = {}

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        kwargs = {k: getattr(self, k) for k in self.fields}
        return type(self).fn(input, **kwargs)

    def extra_repr(self) -> str:
        shown = [k for k in self.defaults if k != "inplace"]
        if self.repr_values_only:
            return ", ".join(str(getattr(self, k)) for k in shown)
        parts = [f"{k}={getattr(self, k)}" for k in shown]
        if getattr(self, "inplace", False):
            parts.append("inplace=True")
        return ", ".join(parts)

    repr_values_only = False


def _activation(
    name: str,
    fn: Any,
    defaults: dict[str, Any] | None = None,
    fields: tuple[str, ...] | None = None,
    values_only: bool = False,
) -> type[Module]:
    defaults = defaults or {}
    namespace = {
        "fn": staticmethod(fn),
        "defaults": defaults,
        "fields": tuple(k for k in defaults if k != "inplace") if fields is None else fields,
        "repr_values_only": values_only,
        "__doc__": f"Mirrors: torch.nn.{name}.",
    }
    return type(name, (_Elementwise,), namespace)


Hardtanh = _activation("Hardtanh", hardtanh, {"min_val": -1.0, "max_val": 1.0, "inplace": False})
ReLU6 = _activation("ReLU6", relu6, {"inplace": False})
ELU = _activation("ELU", F.elu, {"alpha": 1.0, "inplace": False})
SELU = _activation("SELU", selu, {"inplace": False})
CELU = _activation("CELU", celu, {"alpha": 1.0, "inplace": False})
Softplus = _activation("Softplus", F.softplus, {"beta": 1.0, "threshold": 20.0})
Softsign = _activation("Softsign", softsign)
Mish = _activation("Mish", mish, {"inplace": False})
Hardsigmoid = _activation("Hardsigmoid", hardsigmoid, {"inplace": False})
Hardswish = _activation("Hardswish", hardswish, {"inplace": False})
LogSigmoid = _activation("LogSigmoid", logsigmoid)
Tanhshrink = _activation("Tanhshrink", tanhshrink)
Softshrink = _activation("Softshrink", softshrink, {"lambd": 0.5}, values_only=True)
Hardshrink = _activation("Hardshrink", hardshrink, {"lambd": 0.5}, values_only=True)
Threshold = _activation("Threshold", threshold, {"threshold": 0.0, "value": 0.0, "inplace": False})
GLU = _activation("GLU", glu, {"dim": -1})
Softmin = _activation("Softmin", softmin, {"dim": None})
RReLU = _activation(
    "RReLU", rrelu, {"lower": 1.0 / 8, "upper": 1.0 / 3, "inplace": False}, ("lower", "upper")
)


def _rrelu_forward(self: Any, input: Tensor) -> Tensor:  # noqa: A002
    return rrelu(input, self.lower, self.upper, self.training)


RReLU.forward = _rrelu_forward  # type: ignore[method-assign]


class Softmax2d(Module):
    """Softmax over the channels of each position. Mirrors: torch.nn.Softmax2d."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, -3)


class PReLU(Module):
    """Leaky ReLU with learned slopes (one, or one per channel). Mirrors: torch.nn.PReLU."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__()
        from workbench.eager.creation import full  # noqa: PLC0415

        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(full((num_parameters,), init))

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


ACTIVATIONS = [
    "CELU", "ELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid",
    "Mish", "PReLU", "ReLU6", "RReLU", "SELU", "Softmax2d", "Softmin", "Softplus", "Softshrink",
    "Softsign", "Tanhshrink", "Threshold",
]  # fmt: skip
FUNCTIONS = [
    "celu", "glu", "gumbel_softmax", "hardshrink", "hardsigmoid", "hardswish", "hardtanh",
    "logsigmoid", "mish", "prelu", "relu6", "rrelu", "selu", "softmin", "softshrink",
    "softsign", "tanhshrink", "threshold",
]  # fmt: skip
