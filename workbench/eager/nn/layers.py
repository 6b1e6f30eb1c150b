"""More ``torch.nn`` layers: normalisation, transposed and bilinear layers, recurrent
layers and attention. Mirrors the PyTorch classes of the same names (arguments, defaults,
parameter names and initialisation)."""

from __future__ import annotations

import math
from typing import Any

from workbench.core import ops
from workbench.eager.creation import empty, ones, zeros
from workbench.eager.functions import cat, einsum, stack
from workbench.eager.nn import functional as F
from workbench.eager.nn import init
from workbench.eager.nn.modules import Linear, Module, conv_repr
from workbench.eager.nn.parameter import Parameter
from workbench.eager.tensor import Tensor, wrap

# ---------------------------------------------------------------------------------------
# normalisation


def _has_bias(m: Module) -> bool:
    return getattr(m, "bias", None) is not None


class _BatchNorm(Module):
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features))
            self.bias = Parameter(zeros(num_features))
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features))
            self.register_buffer("running_var", ones(num_features))
            self.register_buffer("num_batches_tracked", zeros((), dtype="int64"))

    def forward(self, x: Tensor) -> Tensor:
        axes = [0] + list(range(2, x.ndim))
        shape = [1, -1] + [1] * (x.ndim - 2)
        if self.training:
            from workbench.eager.nn.functional import check_batch_statistics  # noqa: PLC0415

            check_batch_statistics(x)
        if self.training or not self.track_running_stats:
            mean = x.mean(axes, keepdim=True)
            var = ((x - mean) ** 2).mean(axes, keepdim=True)
            if self.training and self.track_running_stats:
                n = x.numel() // x.shape[1]
                from workbench.eager.autograd import no_grad  # noqa: PLC0415

                with no_grad():
                    self.num_batches_tracked.add_(1)
                    m = (
                        self.momentum
                        if self.momentum is not None
                        else 1 / self.num_batches_tracked.item()
                    )
                    unbiased = var.reshape(-1) * (n / max(n - 1, 1))
                    self.running_mean.copy_(self.running_mean * (1 - m) + mean.reshape(-1) * m)
                    self.running_var.copy_(self.running_var * (1 - m) + unbiased * m)
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        out = (x - mean) / (var + self.eps).sqrt()
        if self.affine:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={_has_bias(self)}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    pass


class BatchNorm2d(_BatchNorm):
    pass


class GroupNorm(Module):
    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups,
            num_channels,
            eps,
            affine,
        )
        if affine:
            self.weight = Parameter(ones(num_channels))
            self.bias = Parameter(zeros(num_channels))

    def extra_repr(self) -> str:
        groups, channels = self.num_groups, self.num_channels
        return f"{groups}, {channels}, eps={self.eps}, affine={self.affine}, bias={_has_bias(self)}"

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[0]
        grouped = x.reshape(n, self.num_groups, -1)
        mean = grouped.mean(2, keepdim=True)
        var = ((grouped - mean) ** 2).mean(2, keepdim=True)
        out = ((grouped - mean) / (var + self.eps).sqrt()).reshape(x.shape)
        if self.affine:
            shape = [1, -1] + [1] * (x.ndim - 2)
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out


# ---------------------------------------------------------------------------------------
# transposed convolution, bilinear, adaptive pooling


class ConvTranspose2d(Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F._tuple(kernel_size, 2)
        self.stride, self.padding = F._tuple(stride, 2), F._tuple(padding, 2)
        self.output_padding, self.dilation, self.groups = (
            F._tuple(output_padding, 2),
            F._tuple(dilation, 2),
            groups,
        )
        self.weight = Parameter(empty(in_channels, out_channels // groups, *self.kernel_size))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if bias:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            self.bias = Parameter(empty(out_channels))
            init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
        else:
            self.register_parameter("bias", None)

    def extra_repr(self) -> str:
        return conv_repr(self)

    def forward(self, x: Tensor) -> Tensor:
        out = wrap(
            ops.conv_transpose(
                x._value,
                self.weight._value,
                self.stride,
                [(p, p) for p in self.padding],
                self.output_padding,
                self.groups,
                self.dilation,
            ),
            (x, self.weight),
            "ConvolutionBackward0",
        )
        return out if self.bias is None else out + self.bias.reshape(1, -1, 1, 1)


class Bilinear(Module):
    """y = x1ᵀ A x2 + b. Mirrors: torch.nn.Bilinear."""

    def __init__(
        self, in1_features: int, in2_features: int, out_features: int, bias: bool = True
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        bound = 1 / math.sqrt(in1_features)
        self.weight = Parameter(empty(out_features, in1_features, in2_features))
        init.uniform_(self.weight, -bound, bound)
        if bias:
            self.bias = Parameter(empty(out_features))
            init.uniform_(self.bias, -bound, bound)
        else:
            self.register_parameter("bias", None)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        out = einsum("ni,oij,nj->no", x1, self.weight, x2)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


# ---------------------------------------------------------------------------------------
# recurrent layers


class _RNNBase(Module):
    GATES = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional, self.nonlinearity = bidirectional, nonlinearity
        directions = 2 if bidirectional else 1
        bound = 1 / math.sqrt(hidden_size)
        gate_size = self.GATES * hidden_size
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                layer_input = input_size if layer == 0 else hidden_size * directions
                shapes: dict[str, tuple[int, ...]] = {
                    f"weight_ih{suffix}": (gate_size, layer_input),
                    f"weight_hh{suffix}": (gate_size, hidden_size),
                }
                if bias:
                    shapes[f"bias_ih{suffix}"] = (gate_size,)
                    shapes[f"bias_hh{suffix}"] = (gate_size,)
                for name, shape in shapes.items():
                    param = Parameter(empty(*shape))
                    init.uniform_(param, -bound, bound)
                    self.register_parameter(name, param)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.batch_first:
            text += ", batch_first=True"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text

    def _cell(self, gi: Tensor, state: Any, suffix: str) -> Any:
        """One step from the input's gate projection ``gi`` and the previous state."""
        raise NotImplementedError

    def _hidden_gates(self, h: Tensor, suffix: str) -> Tensor:
        return F.linear(
            h, getattr(self, f"weight_hh{suffix}"), getattr(self, f"bias_hh{suffix}", None)
        )

    def _initial(self, x: Tensor, hx: Any) -> Any:
        directions = 2 if self.bidirectional else 1
        shape = (self.num_layers * directions, x.shape[1], self.hidden_size)
        return zeros(*shape, dtype=x.dtype) if hx is None else hx

    def forward(self, x: Tensor, hx: Any = None) -> Any:
        if self.batch_first:
            x = x.transpose(0, 1)
        directions = 2 if self.bidirectional else 1
        state0 = self._initial(x, hx)
        finals = []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                index = layer * directions + direction
                state = self._select_state(state0, index)
                steps = (
                    range(layer_input.shape[0] - 1, -1, -1)
                    if direction
                    else range(layer_input.shape[0])
                )
                sequence: list[Tensor] = [None] * layer_input.shape[0]  # type: ignore[list-item]
                # the inputs' share of every gate, for all steps in one product (as
                # PyTorch's CPU kernels do); unbound into steps by one split, whose
                # backward is one concatenation
                weight = getattr(self, f"weight_ih{suffix}")
                bias = getattr(self, f"bias_ih{suffix}", None)
                projected = F.linear(layer_input, weight, bias).unbind(0)
                for t in steps:
                    state = self._cell(projected[t], state, suffix)
                    sequence[t] = self._hidden(state)
                outputs.append(stack(sequence, 0))
                finals.append(state)
            layer_input = cat(outputs, 2) if directions == 2 else outputs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout)
        output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        return output, self._stack_states(finals)

    def _select_state(self, state: Any, index: int) -> Any:
        return state[index]

    def _hidden(self, state: Any) -> Tensor:
        return state

    def _stack_states(self, finals: list[Any]) -> Any:
        return stack(finals, 0)


class RNN(_RNNBase):
    def _cell(self, gi: Tensor, h: Tensor, suffix: str) -> Tensor:
        gates = gi + self._hidden_gates(h, suffix)
        return gates.tanh() if self.nonlinearity == "tanh" else gates.relu()


class LSTM(_RNNBase):
    """Gates in PyTorch's order: input, forget, cell, output."""

    GATES = 4

    def _initial(self, x: Tensor, hx: Any) -> Any:
        if hx is not None:
            return hx
        zero = super()._initial(x, None)
        return zero, zero

    def _select_state(self, state: Any, index: int) -> Any:
        return state[0][index], state[1][index]

    def _cell(self, gi: Tensor, state: Any, suffix: str) -> Any:
        h, c = state
        i, f, g, o = (gi + self._hidden_gates(h, suffix)).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c

    def _hidden(self, state: Any) -> Tensor:
        return state[0]

    def _stack_states(self, finals: list[Any]) -> Any:
        return stack([h for h, _ in finals], 0), stack([c for _, c in finals], 0)


class GRU(_RNNBase):
    """Gates in PyTorch's order: reset, update, new."""

    GATES = 3

    def _cell(self, gi: Tensor, h: Tensor, suffix: str) -> Tensor:
        gh = self._hidden_gates(h, suffix)
        ir, iz, in_ = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
        n = (in_ + r * hn).tanh()
        return (1 - z) * n + z * h


# ---------------------------------------------------------------------------------------
# attention


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention's output projection, so
    ``print(model)`` and state_dict keys read the same. Mirrors:
    torch.nn.modules.linear.NonDynamicallyQuantizableLinear."""


class MultiheadAttention(Module):
    """Mirrors: torch.nn.MultiheadAttention (packed in_proj weights, batch_first option,
    masks, head-averaged attention weights)."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
    ) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = (
            embed_dim,
            num_heads,
            dropout,
            batch_first,
        )
        self.head_dim = embed_dim // num_heads
        self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim))
        if bias:
            self.in_proj_bias = Parameter(zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias)
        init.xavier_uniform_(self.in_proj_weight)  # after out_proj's own draws, as in PyTorch
        if self.out_proj.bias is not None:
            init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        if self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        length, batch, e = query.shape
        source = key.shape[0]
        w_q, w_k, w_v = self.in_proj_weight.chunk(3, 0)
        b_q, b_k, b_v = (
            self.in_proj_bias.chunk(3, 0) if self.in_proj_bias is not None else (None, None, None)
        )
        q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)

        def heads(t: Tensor, n: int) -> Tensor:  # (n, batch, e) -> (batch, heads, n, head_dim)
            return t.reshape(n, batch, self.num_heads, self.head_dim).permute(1, 2, 0, 3)

        q, k, v = heads(q, length), heads(k, source), heads(v, source)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
        if attn_mask is not None:
            scores = (
                scores.masked_fill(attn_mask, float("-inf"))
                if attn_mask.dtype.name == "bool"
                else scores + attn_mask
            )
        if key_padding_mask is not None:
            scores = scores.masked_fill(
                key_padding_mask.reshape(batch, 1, 1, source), float("-inf")
            )
        weights = scores.softmax(-1)
        if self.dropout and self.training:
            weights = F.dropout(weights, self.dropout)
        out = (weights @ v).permute(2, 0, 1, 3).reshape(length, batch, e)
        out = self.out_proj(out)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, weights.mean(1) if average_attn_weights else weights
