"""One step of a recurrent network: RNNCell, LSTMCell, GRUCell. Each cell's step is the
same function its sequence layer (``RNN``, ``LSTM``, ``GRU``) runs at every time step,
with the parameters named without a layer suffix, as PyTorch names them.
Mirrors: torch.nn.RNNCell, LSTMCell, GRUCell."""

from __future__ import annotations

import math
from typing import Any

from workbench.eager.creation import empty, zeros
from workbench.eager.nn import functional as F
from workbench.eager.nn import init
from workbench.eager.nn.layers import GRU, LSTM, RNN, _RNNBase
from workbench.eager.nn.modules import Module
from workbench.eager.nn.parameter import Parameter
from workbench.eager.tensor import Tensor


class _CellBase(Module):
    GATES = 1

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.nonlinearity = nonlinearity
        gates, bound = self.GATES * hidden_size, 1 / math.sqrt(hidden_size)
        shapes: dict[str, tuple[int, ...]] = {
            "weight_ih": (gates, input_size),
            "weight_hh": (gates, hidden_size),
        }
        if bias:
            shapes.update(bias_ih=(gates,), bias_hh=(gates,))
        for name, shape in shapes.items():
            param = Parameter(empty(*shape))
            init.uniform_(param, -bound, bound)
            self.register_parameter(name, param)
        if not bias:
            self.bias_ih = self.bias_hh = None

    _hidden_gates = _RNNBase._hidden_gates

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _step(self, x: Tensor, state: Any) -> Any:
        return self._cell(F.linear(x, self.weight_ih, self.bias_ih), state, "")

    def _check(self, x: Tensor) -> bool:
        if x.dim() not in (1, 2):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 1D or 2D, got {x.dim()}D instead"
            )
        return x.dim() == 2

    def _zeros(self, x: Tensor) -> Tensor:
        return zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)

    # RNNCell and GRUCell: one hidden state in, one out (LSTMCell carries two)
    def forward(self, input: Tensor, hx: Tensor | None = None) -> Any:  # noqa: A002
        batched = self._check(input)
        x = input if batched else input.unsqueeze(0)
        h = self._zeros(x) if hx is None else (hx if batched else hx.unsqueeze(0))
        h = self._step(x, h)
        return h if batched else h.squeeze(0)


class RNNCell(_CellBase):
    _cell = RNN._cell


class LSTMCell(_CellBase):
    GATES = 4
    _cell = LSTM._cell

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        batched = self._check(input)
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            state = (self._zeros(x), self._zeros(x))
        else:
            state = tuple(s if batched else s.unsqueeze(0) for s in hx)
        h, c = self._step(x, state)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_CellBase):
    GATES = 3
    _cell = GRU._cell
