"""The GPT in the static style: a Keras model of Keras layers, trained with
``compile``/``fit`` on (tokens, next tokens), generating eagerly with a key/value cache
that grows by one position per token. Mirrors: transformers.TFGPT2LMHeadModel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench import static as tf
from workbench.static import keras
from workbench.transformers.configuration import GPT2Config
from workbench.transformers.gpt_training import decode
from workbench.transformers.modeling_tf_bert import TFPreTrainedModel, Weights, _norm_weights
from workbench.transformers.outputs import CausalLMOutputWithPast

ACTIVATIONS: dict[str, Any] = {
    "gelu_new": lambda x: tf.nn.gelu(x, approximate=True),
    "gelu": lambda x: tf.nn.gelu(x, approximate=False),
    "relu": tf.nn.relu,
}
NEG = float(np.finfo(np.float32).min)


def _conv1d(units: int, config: GPT2Config, name: str, scale: float = 1.0) -> Any:
    init = keras.initializers.RandomNormal(stddev=config.initializer_range * scale)
    return keras.layers.Dense(units, kernel_initializer=init, name=name)


def _conv1d_weights(layer: Any, key: str) -> Weights:  # Conv1D is (in, out) like Keras
    yield f"{key}.weight", layer.kernel, False
    yield f"{key}.bias", layer.bias, False


class TFGPT2Block(keras.layers.Layer):
    def __init__(self, config: GPT2Config, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        c, eps = config.n_embd, config.layer_norm_epsilon
        residual = 1.0 / math.sqrt(2 * config.n_layer)
        self.config, self.heads = config, config.n_head
        self.ln_1 = keras.layers.LayerNormalization(epsilon=eps, name="ln_1")
        self.c_attn = _conv1d(3 * c, config, "c_attn")
        self.attn_proj = _conv1d(c, config, "attn_c_proj", residual)
        self.ln_2 = keras.layers.LayerNormalization(epsilon=eps, name="ln_2")
        self.c_fc = _conv1d(config.n_inner or 4 * c, config, "c_fc")
        self.mlp_proj = _conv1d(c, config, "mlp_c_proj", residual)
        self.attn_dropout = keras.layers.Dropout(config.attn_pdrop)
        self.dropout = keras.layers.Dropout(config.resid_pdrop)
        self.act = ACTIVATIONS[config.activation_function]

    def call(self, x: Any, past: Any = None, training: bool = False) -> Any:
        t, c = x.shape[1], self.config.n_embd
        q, k, v = tf.split(self.c_attn(self.ln_1(x)), 3, axis=-1)

        def heads(y: Any) -> Any:  # (B, T, C) -> (B, H, T, C/H)
            return tf.transpose(tf.reshape(y, (-1, t, self.heads, c // self.heads)), (0, 2, 1, 3))

        q, k, v = heads(q), heads(k), heads(v)
        if past is not None:
            k, v = tf.concat([past[0], k], axis=2), tf.concat([past[1], v], axis=2)
        t_k = k.shape[2]
        scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(c // self.heads)
        causal = np.tril(np.ones((t, t_k), bool), k=t_k - t)  # query i sees keys up to itself
        scores = tf.where(causal, scores, NEG)
        probs = tf.nn.softmax(scores, axis=-1)
        out = tf.matmul(self.attn_dropout(probs, training=training), v)
        out = tf.reshape(tf.transpose(out, (0, 2, 1, 3)), (-1, t, c))
        x = x + self.dropout(self.attn_proj(out), training=training)
        hidden = self.mlp_proj(self.act(self.c_fc(self.ln_2(x))))
        return x + self.dropout(hidden, training=training), (k, v)

    def torch_weights(self, key: str) -> Weights:
        yield from _norm_weights(self.ln_1, f"{key}.ln_1")
        yield from _conv1d_weights(self.c_attn, f"{key}.attn.c_attn")
        yield from _conv1d_weights(self.attn_proj, f"{key}.attn.c_proj")
        yield from _norm_weights(self.ln_2, f"{key}.ln_2")
        yield from _conv1d_weights(self.c_fc, f"{key}.mlp.c_fc")
        yield from _conv1d_weights(self.mlp_proj, f"{key}.mlp.c_proj")


class TFGPT2Embeddings(keras.layers.Layer):
    keeps_integers = True

    def __init__(self, config: GPT2Config, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.dropout = keras.layers.Dropout(config.embd_pdrop)

    def build(self, input_shape: Any) -> None:
        c = self.config
        init = keras.initializers.RandomNormal(stddev=c.initializer_range)
        self.wte = self.add_weight("wte", (c.vocab_size, c.n_embd), init)
        self.wpe = self.add_weight("wpe", (c.n_positions, c.n_embd), init)
        self.built = True

    def call(self, ids: Any, start: int = 0, training: bool = False) -> Any:
        t = ids.shape[1]
        x = tf.gather(self.wte, ids) + self.wpe[start : start + t]
        return self.dropout(x, training=training)


class TFGPT2LMHeadModel(TFPreTrainedModel):
    config_class = GPT2Config  # type: ignore[assignment]
    base_model_prefix = "transformer"
    ignore_on_load = ("attn.bias", "attn.masked_bias")

    def __init__(self, config: GPT2Config, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.embeddings = TFGPT2Embeddings(config, name="embeddings")
        self.blocks = [TFGPT2Block(config, name=f"h_._{i}") for i in range(config.n_layer)]
        self.ln_f = keras.layers.LayerNormalization(epsilon=config.layer_norm_epsilon, name="ln_f")

    def call(  # type: ignore[override]
        self,
        input_ids: Any,
        past_key_values: Any = None,
        use_cache: bool = False,
        training: bool = False,
    ) -> Any:
        """Logits (B, T, vocab) — what ``fit`` trains against the next tokens; with
        ``use_cache`` a CausalLMOutputWithPast carrying the cache."""
        if isinstance(input_ids, dict):
            input_ids = input_ids["input_ids"]
        start = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        if start + input_ids.shape[1] > self.config.n_positions:
            raise ValueError(
                f"TFGPT2: {start + input_ids.shape[1]} positions, the model has "
                f"{self.config.n_positions}"
            )
        x = self.embeddings(input_ids, start, training=training)
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(
                x, None if past_key_values is None else past_key_values[i], training=training
            )
            presents.append(present)
        logits = tf.matmul(self.ln_f(x), self.embeddings.wte, transpose_b=True)  # tied
        if use_cache:
            return CausalLMOutputWithPast(logits=logits, past_key_values=tuple(presents))
        return logits

    def __call__(self, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
        if inputs is None:
            inputs = kwargs.pop("input_ids")
        return keras.Model.__call__(self, inputs, *args, **kwargs)

    def build_with_dummies(self) -> None:
        self(np.array([[1, 2]], np.int32))

    def torch_weights(self) -> Weights:
        yield "transformer.wte.weight", self.embeddings.wte, False
        yield "transformer.wpe.weight", self.embeddings.wpe, False
        for i, block in enumerate(self.blocks):
            yield from block.torch_weights(f"transformer.h.{i}")
        yield from _norm_weights(self.ln_f, "transformer.ln_f")

    def generate(
        self,
        input_ids: Any,
        max_new_tokens: int = 20,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_k: int | None = None,
        use_cache: bool = True,
        seed: int | None = None,
    ) -> Any:
        """Greedy or sampled decoding (``tf.random.categorical``), with a growing cache."""

        def forward(step: np.ndarray, cache: Any) -> tuple[Any, Any]:
            out = self(step, past_key_values=cache, use_cache=True)
            return out.logits[:, -1, :], out.past_key_values if use_cache else None

        def choose(logits: Any, i: int) -> np.ndarray:
            if not do_sample:
                return np.argmax(logits.numpy(), axis=-1)
            logits = logits / temperature
            if top_k is not None:
                kth = tf.math.top_k(logits, top_k)[0][:, -1:]  # type: ignore[operator]
                logits = tf.where(logits < kth, -np.inf, logits)
            return tf.random.categorical(logits, 1, seed=None if seed is None else seed + i).numpy()

        ids = np.asarray(input_ids.numpy() if hasattr(input_ids, "numpy") else input_ids)
        ids = decode(ids, max_new_tokens, self.config.n_positions, forward, choose)
        return tf.constant(ids)
