"""BERT in the eager style: ``nn.Module`` s named exactly as transformers names them, so
the checkpoint's keys (``encoder.layer.0.attention.self.query.weight`` …) load unchanged.

One layer: self-attention (12 heads of 32 for MiniLM), a residual connection and
LayerNorm, a GELU feed-forward block, another residual and LayerNorm — post-LayerNorm, as
in the original BERT. Mirrors: transformers.BertModel, BertForSequenceClassification.
"""

from __future__ import annotations

import math
from typing import Any

from workbench import eager as torch
from workbench.eager import nn
from workbench.eager.nn import functional as F
from workbench.transformers.configuration import BertConfig
from workbench.transformers.modeling_utils import ACTIVATIONS, PreTrainedModel
from workbench.transformers.outputs import BaseModelOutputWithPooling, SequenceClassifierOutput


class BertEmbeddings(nn.Module):
    """Token + position + segment embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        h = config.hidden_size
        self.word_embeddings = nn.Embedding(config.vocab_size, h, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, h)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, h)
        self.LayerNorm = nn.LayerNorm(h, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Any, token_type_ids: Any = None) -> Any:
        length = input_ids.shape[1]
        if length > self.position_embeddings.num_embeddings:
            raise ValueError(
                f"BertEmbeddings: {length} tokens, but the model has positions for "
                f"{self.position_embeddings.num_embeddings} (truncate the input)"
            )
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        positions = torch.arange(length, device=input_ids.device)
        x = (
            self.word_embeddings(input_ids)
            + self.token_type_embeddings(token_type_ids)
            + self.position_embeddings(positions)
        )
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        h = config.hidden_size
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = h // config.num_attention_heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def _heads(self, x: Any) -> Any:  # (B, T, H*D) -> (B, H, T, D)
        b, t, _ = x.shape
        return x.view(b, t, self.num_attention_heads, self.attention_head_size).transpose(1, 2)

    def forward(self, hidden: Any, mask_bias: Any) -> tuple[Any, Any]:
        q, k, v = (
            self._heads(self.query(hidden)),
            self._heads(self.key(hidden)),
            self._heads(self.value(hidden)),
        )
        # softmax(q k^T / sqrt(d) + bias): padded keys get a bias of float32's minimum
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.attention_head_size) + mask_bias
        probs = F.softmax(scores, dim=-1)
        context = self.dropout(probs) @ v
        b, _, t, _ = context.shape
        return context.transpose(1, 2).reshape(b, t, -1), probs


class BertSelfOutput(nn.Module):
    """LayerNorm(dropout(dense(x)) + residual): BERT's post-LayerNorm residual step."""

    def __init__(self, config: BertConfig, n_in: int | None = None) -> None:
        super().__init__()
        self.dense = nn.Linear(n_in or config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: Any, residual: Any) -> Any:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden: Any, mask_bias: Any) -> tuple[Any, Any]:
        context, probs = self.self(hidden, mask_bias)
        return self.output(context, hidden), probs


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACTIVATIONS[config.hidden_act]

    def forward(self, hidden: Any) -> Any:
        return self.act(self.dense(hidden))


class BertOutput(BertSelfOutput):
    """The same step after the feed-forward block (from intermediate_size)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config, config.intermediate_size)


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden: Any, mask_bias: Any) -> tuple[Any, Any]:
        attended, probs = self.attention(hidden, mask_bias)
        return self.output(self.intermediate(attended), attended), probs


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])


class BertPooler(nn.Module):
    """tanh(dense(the first token's state)): BERT's sentence vector for classification."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden: Any) -> Any:
        return self.activation(self.dense(hidden[:, 0]))


def mask_bias(attention_mask: Any, dtype: Any) -> Any:
    """(B, T) mask of 1 (attend) / 0 (padding) -> (B, 1, 1, T) additive bias: 0 or the
    dtype's most negative value, so padded keys get zero weight after the softmax."""
    bias = (1.0 - attention_mask.to(dtype))[:, None, None, :]
    return bias * torch.finfo(dtype).min


class BertModel(PreTrainedModel):
    config_class = BertConfig
    base_model_prefix = "bert"
    ignore_on_load = ("position_ids",)

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def forward(
        self,
        input_ids: Any,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        return_dict: bool = True,
    ) -> Any:
        input_ids = torch.as_tensor(input_ids)
        if input_ids.dim() != 2:
            raise ValueError(
                f"BertModel: input_ids should be (batch, length), got {tuple(input_ids.shape)}"
            )
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if token_type_ids is not None:
            token_type_ids = torch.as_tensor(token_type_ids)
        hidden = self.embeddings(input_ids, token_type_ids)
        bias = mask_bias(torch.as_tensor(attention_mask), hidden.dtype)
        states, attentions = [hidden], []
        for layer in self.encoder.layer:
            hidden, probs = layer(hidden, bias)
            states.append(hidden)
            attentions.append(probs)
        pooled = self.pooler(hidden) if self.pooler is not None else None
        out = BaseModelOutputWithPooling(
            last_hidden_state=hidden,
            pooler_output=pooled,
            hidden_states=tuple(states) if output_hidden_states else None,
            attentions=tuple(attentions) if output_attentions else None,
        )
        return out if return_dict else out.to_tuple()


class BertForSequenceClassification(PreTrainedModel):
    """BERT, its pooled first token, dropout and a linear classifier; with ``labels`` the
    loss too (cross-entropy, or mean squared error when ``num_labels == 1``)."""

    config_class = BertConfig
    base_model_prefix = "bert"
    ignore_on_load = ("position_ids",)

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        rate = config.classifier_dropout
        self.dropout = nn.Dropout(config.hidden_dropout_prob if rate is None else rate)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: Any,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        labels: Any = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        return_dict: bool = True,
    ) -> Any:
        base = self.bert(
            input_ids, attention_mask, token_type_ids, output_attentions, output_hidden_states
        )
        logits = self.classifier(self.dropout(base.pooler_output))
        loss = None
        if labels is not None:
            labels = torch.as_tensor(labels)
            if self.num_labels == 1:
                loss = F.mse_loss(logits.squeeze(-1), labels.to(logits.dtype))
            else:
                loss = F.cross_entropy(logits, labels.long())
        out = SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions
        )
        return out if return_dict else out.to_tuple()
