"""Mirrors: torch.nn.Transformer and its parts — the encoder and decoder layers (post-norm
by default, pre-norm with ``norm_first``), their stacks, and the whole encoder–decoder
model with PyTorch's parameter names, initialisation and causal-mask helper."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from workbench.eager import dtypes
from workbench.eager.creation import tensor
from workbench.eager.nn import functional as F
from workbench.eager.nn import init
from workbench.eager.nn.layers import MultiheadAttention
from workbench.eager.nn.modules import Dropout, LayerNorm, Linear, Module, ModuleList
from workbench.eager.tensor import Tensor


def _activation(activation: Any) -> Any:
    return activation if callable(activation) else {"relu": F.relu, "gelu": F.gelu}[activation]


def _sublayer(x: Tensor, block: Any, norm: Module, norm_first: bool) -> Tensor:
    """A residual sub-layer: x + block(norm(x)) pre-norm, norm(x + block(x)) post-norm."""
    return x + block(norm(x)) if norm_first else norm(x + block(x))


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: self-attention (and, for the decoder,
    attention to the memory), the feed-forward block, and one norm and dropout per
    residual sub-layer — registered in PyTorch's order, so names and seeded weights match."""

    attentions = 1  # 2 for the decoder: self-attention, then attention to the memory

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        attentions = type(self).attentions

        def attention() -> MultiheadAttention:
            return MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
            )

        self.self_attn = attention()
        if attentions == 2:
            self.multihead_attn = attention()
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.sublayers = attentions + 1
        for i in range(1, self.sublayers + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        for i in range(1, self.sublayers + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)

    def _sa(self, x: Tensor, mask: Any, padding: Any) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False)
        return self.dropout1(out[0])

    def _ff(self, x: Tensor) -> Tensor:
        activation: Any = self.activation
        last_dropout = getattr(self, f"dropout{self.sublayers}")
        return last_dropout(self.linear2(self.dropout(activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """Mirrors: torch.nn.TransformerEncoderLayer (post-norm by default, norm_first)."""

    def forward(
        self,
        src: Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = _sublayer(
            src, lambda y: self._sa(y, src_mask, src_key_padding_mask), self.norm1, self.norm_first
        )
        return _sublayer(x, self._ff, self.norm2, self.norm_first)


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` in sequence, then ``norm`` if given.
    Mirrors: torch.nn.TransformerEncoder (state_dict keys ``layers.0.…``)."""

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, mask, src_key_padding_mask, bool(is_causal))
        return out if self.norm is None else self.norm(out)


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention over the target, attention to the encoder's memory, then the
    feed-forward block, each residual. Mirrors: torch.nn.TransformerDecoderLayer."""

    attentions = 2

    def _mha(self, x: Tensor, memory: Tensor, mask: Any, padding: Any) -> Tensor:
        out = self.multihead_attn(
            x, memory, memory, attn_mask=mask, key_padding_mask=padding, need_weights=False
        )
        return self.dropout2(out[0])

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        first = self.norm_first
        x = _sublayer(tgt, lambda y: self._sa(y, tgt_mask, tgt_key_padding_mask), self.norm1, first)
        x = _sublayer(
            x,
            lambda y: self._mha(y, memory, memory_mask, memory_key_padding_mask),
            self.norm2,
            first,
        )
        return _sublayer(x, self._ff, self.norm3, first)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer``, then ``norm`` if given.
    Mirrors: torch.nn.TransformerDecoder."""

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        out = tgt
        for layer in self.layers:
            out = layer(
                out,
                memory,
                tgt_mask,
                memory_mask,
                tgt_key_padding_mask,
                memory_key_padding_mask,
                bool(tgt_is_causal),
                memory_is_causal,
            )
        return out if self.norm is None else self.norm(out)


class Transformer(Module):
    """The encoder–decoder of "Attention Is All You Need": an encoder stack and a decoder
    stack, each followed by a LayerNorm, every matrix initialised Xavier-uniform.
    Mirrors: torch.nn.Transformer."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        custom_encoder: Any = None,
        custom_decoder: Any = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        shared = dict(
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            layer_norm_eps=layer_norm_eps,
            batch_first=batch_first,
            norm_first=norm_first,
            bias=bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, **shared)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            dlayer = TransformerDecoderLayer(d_model, nhead, **shared)
            dnorm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.decoder = TransformerDecoder(dlayer, num_decoder_layers, dnorm)
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.dim() == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, src_mask, src_key_padding_mask, src_is_causal)
        return self.decoder(
            tgt,
            memory,
            tgt_mask,
            memory_mask,
            tgt_key_padding_mask,
            memory_key_padding_mask,
            tgt_is_causal,
            memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """A float mask with -inf above the diagonal: position i attends to j ≤ i."""
        values = np.triu(np.full((sz, sz), -np.inf), 1)
        return tensor(values, dtype=dtype or dtypes.get_default_dtype(), device=device)
