"""A GPT (GPT-2's architecture) in the eager style: token and learned position
embeddings, pre-LayerNorm blocks of causal self-attention and a GELU MLP, a final
LayerNorm, and an output layer that shares the token embedding's matrix (weight tying).

Names and layouts are transformers' (``transformer.h.0.attn.c_attn.weight``; its
``Conv1D`` stores weights (in, out)), so the same weights run in transformers' own
GPT2LMHeadModel. ``generate`` decodes greedily or by sampling (temperature, top-k), with a
key/value cache: each new token attends to the stored keys and values of the earlier ones
instead of recomputing them. Mirrors: transformers.GPT2Model, GPT2LMHeadModel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench import eager as torch
from workbench.eager import nn
from workbench.eager.nn import functional as F
from workbench.transformers.configuration import GPT2Config
from workbench.transformers.gpt_training import decode
from workbench.transformers.modeling_utils import ACTIVATIONS, PreTrainedModel
from workbench.transformers.outputs import BaseModelOutputWithPast, CausalLMOutputWithPast


class Conv1D(nn.Module):
    """GPT-2's dense layer: ``x @ weight + bias`` with ``weight`` stored (in, out)."""

    def __init__(self, n_out: int, n_in: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x: Any) -> Any:
        return x @ self.weight + self.bias


class GPT2Attention(nn.Module):
    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = Conv1D(3 * config.n_embd, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, config.n_embd)
        self.attn_dropout = nn.Dropout(config.attn_pdrop)
        self.resid_dropout = nn.Dropout(config.resid_pdrop)

    def _heads(self, x: Any) -> Any:  # (B, T, C) -> (B, H, T, C/H)
        b, t, _ = x.shape
        return x.view(b, t, self.n_head, self.n_embd // self.n_head).transpose(1, 2)

    def forward(
        self, x: Any, past: tuple[Any, Any] | None = None
    ) -> tuple[Any, tuple[Any, Any], Any]:
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        if past is not None:  # the cache: keys and values of the earlier tokens
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        t_q, t_k = q.shape[2], k.shape[2]
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        # query i (absolute position t_k - t_q + i) sees keys 0 .. its own position
        causal = torch.ones(t_q, t_k, dtype=torch.bool).tril(diagonal=t_k - t_q)
        scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
        probs = F.softmax(scores, dim=-1)
        out = (self.attn_dropout(probs) @ v).transpose(1, 2).reshape(x.shape[0], t_q, self.n_embd)
        return self.resid_dropout(self.c_proj(out)), (k, v), probs


class GPT2MLP(nn.Module):
    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        inner = config.n_inner or 4 * config.n_embd
        self.c_fc = Conv1D(inner, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, inner)
        self.act = ACTIVATIONS[config.activation_function]
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: Any) -> Any:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class GPT2Block(nn.Module):
    """x + attention(LayerNorm(x)), then x + MLP(LayerNorm(x)): pre-LayerNorm."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = GPT2Attention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = GPT2MLP(config)

    def forward(self, x: Any, past: Any = None) -> tuple[Any, Any, Any]:
        attended, present, probs = self.attn(self.ln_1(x), past)
        x = x + attended
        return x + self.mlp(self.ln_2(x)), present, probs


class GPT2PreTrainedModel(PreTrainedModel):
    config_class = GPT2Config
    base_model_prefix = "transformer"
    ignore_on_load = ("attn.bias", "attn.masked_bias")

    def _init_weights(self, module: nn.Module) -> None:
        """normal(0, 0.02) everywhere, and the residual projections (``c_proj``) scaled
        down by sqrt(2 * n_layer) so the residual stream does not grow with depth."""
        super()._init_weights(module)
        std = self.config.initializer_range
        with torch.no_grad():
            if isinstance(module, Conv1D):
                module.weight.normal_(0.0, std)
                module.bias.zero_()
            for name, p in module.named_parameters():
                if name == "c_proj.weight":
                    p.normal_(0.0, std / math.sqrt(2 * self.config.n_layer))


class GPT2Model(GPT2PreTrainedModel):
    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList([GPT2Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.post_init()

    def forward(
        self,
        input_ids: Any,
        past_key_values: Any = None,
        use_cache: bool = False,
        output_attentions: bool = False,
    ) -> Any:
        input_ids = torch.as_tensor(input_ids)
        start = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        t = input_ids.shape[1]
        if start + t > self.config.n_positions:
            raise ValueError(
                f"GPT2: {start + t} positions, the model has {self.config.n_positions} "
                "(crop the context to the last n_positions tokens)"
            )
        positions = torch.arange(start, start + t)
        x = self.drop(self.wte(input_ids) + self.wpe(positions))
        presents, attentions = [], []
        for i, block in enumerate(self.h):
            x, present, probs = block(x, None if past_key_values is None else past_key_values[i])
            presents.append(present)
            attentions.append(probs)
        return BaseModelOutputWithPast(
            last_hidden_state=self.ln_f(x),
            past_key_values=tuple(presents) if use_cache else None,
            attentions=tuple(attentions) if output_attentions else None,
        )


class GPT2LMHeadModel(GPT2PreTrainedModel):
    """GPT2Model and a language-modelling head tied to the token embedding: logits over
    the vocabulary for the next token at every position; with ``labels`` the loss
    (cross-entropy of position t predicting label t+1, as transformers shifts them)."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied: one matrix, two uses
        self.post_init()

    def state_dict(self, prefix: str = "") -> Any:
        state = super().state_dict(prefix)
        state.pop(prefix + "lm_head.weight", None)  # tied to wte: saved once, as transformers
        return state

    def forward(
        self,
        input_ids: Any,
        labels: Any = None,
        past_key_values: Any = None,
        use_cache: bool = False,
        output_attentions: bool = False,
    ) -> Any:
        base = self.transformer(input_ids, past_key_values, use_cache, output_attentions)
        logits = self.lm_head(base.last_hidden_state)
        loss = None
        if labels is not None:
            labels = torch.as_tensor(labels)
            shifted = logits[:, :-1].reshape(-1, logits.shape[-1])
            loss = F.cross_entropy(shifted, labels[:, 1:].reshape(-1))
        return CausalLMOutputWithPast(
            loss=loss,
            logits=logits,
            past_key_values=base.past_key_values,
            attentions=base.attentions,
        )

    @torch.no_grad()
    def generate(
        self,
        input_ids: Any,
        max_new_tokens: int = 20,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_k: int | None = None,
        use_cache: bool = True,
        generator: Any = None,
    ) -> Any:
        """Append ``max_new_tokens`` tokens: the most likely each time (greedy), or drawn
        from softmax(logits / temperature) restricted to the ``top_k`` most likely."""
        was_training = self.training
        self.eval()

        def forward(step: np.ndarray, cache: Any) -> tuple[Any, Any]:
            out = self(torch.from_numpy(step), past_key_values=cache, use_cache=use_cache)
            return out.logits[:, -1, :], out.past_key_values

        def choose(logits: Any, _: int) -> np.ndarray:
            return _choose(logits, do_sample, temperature, top_k, generator).numpy()

        ids = np.asarray(input_ids.numpy() if hasattr(input_ids, "numpy") else input_ids)
        ids = decode(ids, max_new_tokens, self.config.n_positions, forward, choose)
        self.train(was_training)
        return torch.from_numpy(ids)


def _choose(
    logits: Any, do_sample: bool, temperature: float, top_k: int | None, generator: Any
) -> Any:
    if not do_sample:
        return logits.argmax(dim=-1, keepdim=True)
    if temperature <= 0:
        raise ValueError(f"generate: temperature must be positive, got {temperature}")
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]  # type: ignore[attr-defined]
        logits = logits.masked_fill(logits < kth, -np.inf)
    return torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)  # type: ignore[attr-defined]
