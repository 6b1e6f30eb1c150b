"""BERT in the static style: a Keras model built from Keras layers (``Dense`` kernels
stored (in, out), ``LayerNormalization`` gamma/beta), called eagerly as TF2 does, traced by
``tf.function`` and trained by ``compile``/``fit``.

Each layer knows which PyTorch key each of its variables holds, so the one safetensors
checkpoint loads here too (transformers' TF classes read PyTorch files the same way,
transposing dense matrices). Mirrors: transformers.TFBertModel,
TFBertForSequenceClassification.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from workbench import static as tf
from workbench.static import keras
from workbench.transformers import hub
from workbench.transformers.configuration import BertConfig, PretrainedConfig
from workbench.transformers.outputs import BaseModelOutputWithPooling, SequenceClassifierOutput

Weights = Iterator[tuple[str, Any, bool]]  # (PyTorch key, variable, transpose?)

ACTIVATIONS: dict[str, Any] = {
    "gelu": lambda x: tf.nn.gelu(x, approximate=False),
    "gelu_new": lambda x: tf.nn.gelu(x, approximate=True),
    "gelu_pytorch_tanh": lambda x: tf.nn.gelu(x, approximate=True),
    "relu": tf.nn.relu,
}


_LOADING = [False]  # while a checkpoint is loaded, weights start as zeros (no random draws)


def _init(config: BertConfig) -> Any:
    if _LOADING[0]:
        return "zeros"
    return keras.initializers.TruncatedNormal(stddev=config.initializer_range)


def _dense(units: int, config: BertConfig, name: str) -> Any:
    return keras.layers.Dense(units, kernel_initializer=_init(config), name=name)


def _dense_weights(layer: Any, key: str) -> Weights:
    yield f"{key}.weight", layer.kernel, True
    yield f"{key}.bias", layer.bias, False


def _norm_weights(layer: Any, key: str) -> Weights:
    yield f"{key}.weight", layer.gamma, False
    yield f"{key}.bias", layer.beta, False


class TFBertEmbeddings(keras.layers.Layer):
    keeps_integers = True  # token ids stay integers (Keras casts other inputs to floats)

    def __init__(self, config: BertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.LayerNorm = keras.layers.LayerNormalization(
            epsilon=config.layer_norm_eps, name="LayerNorm"
        )
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob)

    def build(self, input_shape: Any) -> None:
        c, init = self.config, _init(self.config)
        self.word_embeddings = self.add_weight(
            "word_embeddings", (c.vocab_size, c.hidden_size), init
        )
        self.token_type_embeddings = self.add_weight(
            "token_type_embeddings", (c.type_vocab_size, c.hidden_size), init
        )
        self.position_embeddings = self.add_weight(
            "position_embeddings", (c.max_position_embeddings, c.hidden_size), init
        )
        self.built = True

    def call(self, input_ids: Any, token_type_ids: Any, training: bool = False) -> Any:
        length = input_ids.shape[1]
        x = (
            tf.gather(self.word_embeddings, input_ids)
            + tf.gather(self.token_type_embeddings, token_type_ids)
            + self.position_embeddings[:length]
        )
        return self.dropout(self.LayerNorm(x), training=training)

    def torch_weights(self, key: str) -> Weights:
        yield f"{key}.word_embeddings.weight", self.word_embeddings, False
        yield f"{key}.position_embeddings.weight", self.position_embeddings, False
        yield f"{key}.token_type_embeddings.weight", self.token_type_embeddings, False
        yield from _norm_weights(self.LayerNorm, f"{key}.LayerNorm")


class TFBertLayer(keras.layers.Layer):
    """Self-attention + residual + LayerNorm, then feed-forward + residual + LayerNorm."""

    def __init__(self, config: BertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        h = config.hidden_size
        self.heads, self.size = config.num_attention_heads, h // config.num_attention_heads
        self.query, self.key, self.value = (_dense(h, config, n) for n in ("query", "key", "value"))
        self.attention_dense = _dense(h, config, "attention_output")
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=config.layer_norm_eps, name="attention_LayerNorm"
        )
        self.intermediate = _dense(config.intermediate_size, config, "intermediate")
        self.output_dense = _dense(h, config, "output")
        self.output_norm = keras.layers.LayerNormalization(
            epsilon=config.layer_norm_eps, name="output_LayerNorm"
        )
        self.attention_dropout = keras.layers.Dropout(config.attention_probs_dropout_prob)
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob)
        self.act = ACTIVATIONS[config.hidden_act]

    def _split(self, x: Any, length: int) -> Any:  # (B, T, H*D) -> (B, H, T, D)
        return tf.transpose(tf.reshape(x, (-1, length, self.heads, self.size)), (0, 2, 1, 3))

    def call(self, hidden: Any, bias: Any, training: bool = False) -> Any:
        t = hidden.shape[1]  # known: tf.function and fit trace once per batch shape
        q, k, v = (self._split(layer(hidden), t) for layer in (self.query, self.key, self.value))
        scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(self.size) + bias
        probs = tf.nn.softmax(scores, axis=-1)
        context = tf.matmul(self.attention_dropout(probs, training=training), v)
        context = tf.reshape(tf.transpose(context, (0, 2, 1, 3)), (-1, t, self.heads * self.size))
        attended = self.attention_norm(
            self.dropout(self.attention_dense(context), training=training) + hidden
        )
        inner = self.act(self.intermediate(attended))
        out = self.output_norm(self.dropout(self.output_dense(inner), training=training) + attended)
        return out, probs

    def torch_weights(self, key: str) -> Weights:
        for name in ("query", "key", "value"):
            yield from _dense_weights(getattr(self, name), f"{key}.attention.self.{name}")
        yield from _dense_weights(self.attention_dense, f"{key}.attention.output.dense")
        yield from _norm_weights(self.attention_norm, f"{key}.attention.output.LayerNorm")
        yield from _dense_weights(self.intermediate, f"{key}.intermediate.dense")
        yield from _dense_weights(self.output_dense, f"{key}.output.dense")
        yield from _norm_weights(self.output_norm, f"{key}.output.LayerNorm")


class TFBertMainLayer(keras.layers.Layer):
    def __init__(self, config: BertConfig, add_pooling_layer: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.embeddings = TFBertEmbeddings(config, name="embeddings")
        self.encoder = [
            TFBertLayer(config, name=f"layer_._{i}") for i in range(config.num_hidden_layers)
        ]
        self.pooler = _dense(config.hidden_size, config, "pooler") if add_pooling_layer else None

    def call(
        self, inputs: dict[str, Any], training: bool = False, output_attentions: bool = False
    ) -> Any:
        ids = inputs["input_ids"]
        if ids.shape.rank != 2:
            raise ValueError(f"TFBertModel: input_ids should be (batch, length), got {ids.shape}")
        mask = inputs.get("attention_mask")
        mask = tf.ones_like(ids) if mask is None else mask
        types = inputs.get("token_type_ids")
        types = tf.zeros_like(ids) if types is None else types
        hidden = self.embeddings(ids, types, training=training)
        # padded keys: an additive bias of float32's minimum before the softmax
        bias = (1.0 - tf.cast(mask, tf.float32))[:, None, None, :] * float(np.finfo(np.float32).min)
        attentions = []
        for layer in self.encoder:
            hidden, probs = layer(hidden, bias, training=training)
            attentions.append(probs)
        pooled = tf.tanh(self.pooler(hidden[:, 0])) if self.pooler is not None else None
        return BaseModelOutputWithPooling(
            last_hidden_state=hidden,
            pooler_output=pooled,
            attentions=tuple(attentions) if output_attentions else None,
        )

    def torch_weights(self, key: str) -> Weights:
        yield from self.embeddings.torch_weights(f"{key}.embeddings")
        for i, layer in enumerate(self.encoder):
            yield from layer.torch_weights(f"{key}.encoder.layer.{i}")
        if self.pooler is not None:
            yield from _dense_weights(self.pooler, f"{key}.pooler.dense")


def _named_inputs(input_ids: Any, attention_mask: Any, token_type_ids: Any) -> dict[str, Any]:
    """transformers' TF models take a dict (as Keras's fit passes it) or keyword arrays."""
    if isinstance(input_ids, dict):
        return dict(input_ids)
    named = {"input_ids": input_ids}
    if attention_mask is not None:
        named["attention_mask"] = attention_mask
    if token_type_ids is not None:
        named["token_type_ids"] = token_type_ids
    return named


class TFPreTrainedModel(keras.Model):
    config_class: ClassVar[type[PretrainedConfig]] = BertConfig
    base_model_prefix: ClassVar[str] = "bert"
    keeps_integers = True  # token ids stay integers
    ignore_on_load: ClassVar[tuple[str, ...]] = ("position_ids",)

    def __init__(self, config: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config

    def __call__(self, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
        """``model(batch)`` with the tokenizer's dict, or ``model(input_ids=..., ...)``."""
        if inputs is None:
            names = ("input_ids", "attention_mask", "token_type_ids")
            inputs = {k: kwargs.pop(k) for k in names if kwargs.get(k) is not None}
            for k in names:
                kwargs.pop(k, None)
        return super().__call__(inputs, *args, **kwargs)

    def build_with_dummies(self) -> None:
        self({"input_ids": np.array([[1, 2]], np.int32)})

    def torch_weights(self) -> Weights:
        raise NotImplementedError

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: Any,
        config: Any = None,
        output_loading_info: bool = False,
        **kwargs: Any,
    ) -> Any:
        directory = hub.resolve(name_or_path)
        if config is None:
            config = cls.config_class.from_pretrained(directory, **kwargs)
        _LOADING[0] = True
        try:
            model = cls(config)
            model.build_with_dummies()
        finally:
            _LOADING[0] = False
        variables = {k: (v, t) for k, v, t in model.torch_weights()}
        expected = {
            k: tuple(np.shape(v.numpy().T if t else v.numpy())) for k, (v, t) in variables.items()
        }
        weights, info = hub.checkpoint_for(
            directory, expected, cls.base_model_prefix, cls.ignore_on_load, cls.__name__
        )
        for key, value in weights.items():
            var, transpose = variables[key]
            var.assign(value.T if transpose else value)
        for key in info.missing_keys:  # a new head: Keras's initialisation (biases stay 0)
            var, _ = variables[key]
            if key.endswith(".weight"):
                var.assign(_init(config)(var.shape.as_list()))
        return hub.loaded(model, info, output_loading_info)

    def save_pretrained(self, save_directory: Any) -> None:
        directory = os.fspath(save_directory)
        os.makedirs(directory, exist_ok=True)
        self.config.save_pretrained(directory)
        hub.save_weights(
            directory, {k: (v.numpy().T if t else v.numpy()) for k, v, t in self.torch_weights()}
        )


class TFBertModel(TFPreTrainedModel):
    def __init__(self, config: BertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.bert = TFBertMainLayer(config, name="bert")

    def call(  # type: ignore[override]
        self,
        input_ids: Any,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        training: bool = False,
        output_attentions: bool = False,
    ) -> Any:
        inputs = _named_inputs(input_ids, attention_mask, token_type_ids)
        return self.bert(inputs, training=training, output_attentions=output_attentions)

    def torch_weights(self) -> Weights:
        yield from self.bert.torch_weights("bert")


class TFBertForSequenceClassification(TFPreTrainedModel):
    """Returns the logits (B, num_labels); compile with
    ``SparseCategoricalCrossentropy(from_logits=True)`` and ``fit`` as any Keras model."""

    def __init__(self, config: BertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.bert = TFBertMainLayer(config, name="bert")
        rate = config.classifier_dropout
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob if rate is None else rate)
        self.classifier = _dense(config.num_labels, config, "classifier")

    def call(  # type: ignore[override]
        self,
        input_ids: Any,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        training: bool = False,
        output_attentions: bool = False,
    ) -> Any:
        inputs = _named_inputs(input_ids, attention_mask, token_type_ids)
        base = self.bert(inputs, training=training, output_attentions=output_attentions)
        logits = self.classifier(self.dropout(base.pooler_output, training=training))
        if output_attentions:
            return SequenceClassifierOutput(logits=logits, attentions=base.attentions)
        return logits

    def torch_weights(self) -> Weights:
        yield from self.bert.torch_weights("bert")
        yield from _dense_weights(self.classifier, "classifier")
