"""BERT in the functional style: the weights are a pytree of arrays (Flax's names —
``kernel`` for a dense matrix stored (in, out), ``scale`` for LayerNorm's gain,
``embedding`` for a table), and the model is a pure function ``bert_apply(params, ...)``
that ``jit``, ``grad`` and ``vmap`` transform like any other.

The checkpoint is PyTorch's layout; reading it here is transformers' ``from_pt=True``:
matrices are transposed, ``weight`` becomes ``kernel``/``scale``/``embedding``. Saving
writes PyTorch's layout back, so one file serves the three styles.
Mirrors: transformers.FlaxBertModel, FlaxBertForSequenceClassification.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any, ClassVar

import numpy as np

from workbench import functional as jax
from workbench.functional import numpy as jnp
from workbench.transformers import hub
from workbench.transformers.configuration import BertConfig, PretrainedConfig
from workbench.transformers.outputs import BaseModelOutputWithPooling, SequenceClassifierOutput

ACTIVATIONS: dict[str, Any] = {
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "gelu_new": lambda x: jax.nn.gelu(x, approximate=True),
    "gelu_pytorch_tanh": lambda x: jax.nn.gelu(x, approximate=True),
    "relu": jax.nn.relu,
}


# -- PyTorch keys <-> the params pytree ---------------------------------------------------
# GPT-2's Conv1D layers already store their matrices (in, out), as Flax's kernels
CONV1D = ("c_attn", "c_proj", "c_fc")


def _leaf_name(path: tuple[str, ...]) -> tuple[str, bool]:
    """The Flax leaf name for a PyTorch ``weight`` under ``path``, and whether to transpose."""
    owner = path[-1]
    if owner.endswith("embeddings") or owner in ("wte", "wpe"):
        return "embedding", False
    if owner in ("LayerNorm", "ln_1", "ln_2", "ln_f"):
        return "scale", False
    return "kernel", owner not in CONV1D


def to_pytree(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """PyTorch-layout arrays by dotted key -> a nested params dict in Flax's layout."""
    tree: dict[str, Any] = {}
    for key, value in arrays.items():
        *path, leaf = key.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        if leaf == "weight":
            leaf, transpose = _leaf_name(tuple(path))
            value = value.T if transpose else value
        node[leaf] = jnp.asarray(np.ascontiguousarray(value))
    return tree


def from_pytree(params: dict[str, Any], prefix: str = "") -> dict[str, np.ndarray]:
    """The inverse of ``to_pytree``: PyTorch-layout NumPy arrays by dotted key."""
    out: dict[str, np.ndarray] = {}
    for name, node in params.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(node, dict):
            out.update(from_pytree(node, key))
            continue
        value = np.asarray(node)
        if name in ("kernel", "scale", "embedding"):
            transpose = name == "kernel" and prefix.rsplit(".", 1)[-1] not in CONV1D
            key = f"{prefix}.weight"
            value = value.T if transpose else value
        out[key] = np.ascontiguousarray(value)
    return out


# -- the model as pure functions -----------------------------------------------------------
def dense(p: dict[str, Any], x: Any) -> Any:
    return x @ p["kernel"] + p["bias"]


def layer_norm(p: dict[str, Any], x: Any, eps: float) -> Any:
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * p["scale"] + p["bias"]


def dropout(x: Any, rate: float, key: Any) -> Any:
    """Inverted dropout when a key is given (training); the identity otherwise."""
    if key is None or rate == 0.0:
        return x
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


class _Keys:
    """Split one dropout key into as many as the forward pass asks for (None: no dropout)."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def next(self) -> Any:
        if self.key is None:
            return None
        self.key, sub = jax.random.split(self.key)
        return sub


def attention(
    p: dict[str, Any], x: Any, bias: Any, config: BertConfig, keys: _Keys
) -> tuple[Any, Any]:
    b, t, h = x.shape
    heads, size = config.num_attention_heads, h // config.num_attention_heads

    def split(y: Any) -> Any:  # (B, T, H*D) -> (B, H, T, D)
        return jnp.transpose(y.reshape(b, t, heads, size), (0, 2, 1, 3))

    q, k, v = (split(dense(p["self"][n], x)) for n in ("query", "key", "value"))
    scores = q @ jnp.swapaxes(k, -1, -2) / math.sqrt(size) + bias
    probs = jax.nn.softmax(scores, axis=-1)
    context = dropout(probs, config.attention_probs_dropout_prob, keys.next()) @ v
    context = jnp.transpose(context, (0, 2, 1, 3)).reshape(b, t, h)
    out = dropout(dense(p["output"]["dense"], context), config.hidden_dropout_prob, keys.next())
    return layer_norm(p["output"]["LayerNorm"], out + x, config.layer_norm_eps), probs


def bert_layer(
    p: dict[str, Any], x: Any, bias: Any, config: BertConfig, keys: _Keys
) -> tuple[Any, Any]:
    attended, probs = attention(p["attention"], x, bias, config, keys)
    inner = ACTIVATIONS[config.hidden_act](dense(p["intermediate"]["dense"], attended))
    out = dropout(dense(p["output"]["dense"], inner), config.hidden_dropout_prob, keys.next())
    return layer_norm(p["output"]["LayerNorm"], out + attended, config.layer_norm_eps), probs


def bert_apply(
    params: dict[str, Any],
    input_ids: Any,
    attention_mask: Any = None,
    token_type_ids: Any = None,
    *,
    config: BertConfig,
    dropout_rng: Any = None,
    output_attentions: bool = False,
) -> BaseModelOutputWithPooling:
    """BERT as one pure function of its params: (B, T) ids -> hidden states (B, T, H)
    and the pooled first token. ``dropout_rng`` turns dropout on (training)."""
    input_ids = jnp.asarray(input_ids)
    if input_ids.ndim != 2:
        raise ValueError(f"bert_apply: input_ids should be (batch, length), got {input_ids.shape}")
    b, t = input_ids.shape
    if t > config.max_position_embeddings:
        raise ValueError(
            f"bert_apply: {t} tokens, the model has {config.max_position_embeddings} positions"
        )
    mask = jnp.ones((b, t), jnp.float32) if attention_mask is None else jnp.asarray(attention_mask)
    types = jnp.zeros((b, t), jnp.int32) if token_type_ids is None else jnp.asarray(token_type_ids)
    keys = _Keys(dropout_rng)
    e = params["embeddings"]
    x = (
        jnp.take(e["word_embeddings"]["embedding"], input_ids, axis=0)
        + jnp.take(e["token_type_embeddings"]["embedding"], types, axis=0)
        + e["position_embeddings"]["embedding"][:t]
    )
    x = dropout(
        layer_norm(e["LayerNorm"], x, config.layer_norm_eps),
        config.hidden_dropout_prob,
        keys.next(),
    )
    # padded keys: an additive bias of float32's minimum before the softmax
    bias = (1.0 - mask.astype(jnp.float32))[:, None, None, :] * float(np.finfo(np.float32).min)
    layers = params["encoder"]["layer"]
    probs_all = []
    for i in range(config.num_hidden_layers):
        x, probs = bert_layer(layers[str(i)], x, bias, config, keys)
        probs_all.append(probs)
    pooled = jnp.tanh(dense(params["pooler"]["dense"], x[:, 0])) if "pooler" in params else None
    return BaseModelOutputWithPooling(
        last_hidden_state=x,
        pooler_output=pooled,
        attentions=tuple(probs_all) if output_attentions else None,
    )


def classifier_apply(
    params: dict[str, Any],
    input_ids: Any,
    attention_mask: Any = None,
    token_type_ids: Any = None,
    *,
    config: BertConfig,
    dropout_rng: Any = None,
    output_attentions: bool = False,
) -> SequenceClassifierOutput:
    """BERT's pooled output, dropout and a dense classifier: the logits (B, num_labels)."""
    keys = _Keys(dropout_rng)
    base = bert_apply(
        params["bert"],
        input_ids,
        attention_mask,
        token_type_ids,
        config=config,
        dropout_rng=keys.next(),
        output_attentions=output_attentions,
    )
    rate = (
        config.classifier_dropout
        if config.classifier_dropout is not None
        else config.hidden_dropout_prob
    )
    logits = dense(params["classifier"], dropout(base.pooler_output, rate, keys.next()))
    return SequenceClassifierOutput(logits=logits, attentions=base.attentions)


def init_params(config: BertConfig, key: Any, head: bool = False) -> dict[str, Any]:
    """Fresh weights as transformers initialises them: normal(0, initializer_range) for
    kernels and tables, zero biases, LayerNorm at identity. ``key=None``: zeros of the
    right shapes (what loading a checkpoint fills in)."""
    std, h = config.initializer_range, config.hidden_size
    counter = iter(range(10**6))

    def normal(*shape: int) -> Any:
        if key is None:
            return np.zeros(shape, np.float32)
        return jax.random.normal(jax.random.fold_in(key, next(counter)), shape) * std

    def lin(n_in: int, n_out: int) -> dict[str, Any]:
        return {"kernel": normal(n_in, n_out), "bias": jnp.zeros((n_out,))}

    def ln() -> dict[str, Any]:
        return {"scale": jnp.ones((h,)), "bias": jnp.zeros((h,))}

    def layer() -> dict[str, Any]:
        return {
            "attention": {
                "self": {n: lin(h, h) for n in ("query", "key", "value")},
                "output": {"dense": lin(h, h), "LayerNorm": ln()},
            },
            "intermediate": {"dense": lin(h, config.intermediate_size)},
            "output": {"dense": lin(config.intermediate_size, h), "LayerNorm": ln()},
        }

    words = normal(config.vocab_size, h)
    if config.pad_token_id is not None and key is not None:
        words = words.at[config.pad_token_id].set(0.0)
    bert = {
        "embeddings": {
            "word_embeddings": {"embedding": words},
            "position_embeddings": {"embedding": normal(config.max_position_embeddings, h)},
            "token_type_embeddings": {"embedding": normal(config.type_vocab_size, h)},
            "LayerNorm": ln(),
        },
        "encoder": {"layer": {str(i): layer() for i in range(config.num_hidden_layers)}},
        "pooler": {"dense": lin(h, h)},
    }
    if not head:
        return bert
    return {"bert": bert, "classifier": lin(h, config.num_labels)}


class _Module:
    """``model.module.apply({"params": params}, ...)``, as a Flax module is applied."""

    def __init__(self, fn: Any, config: BertConfig) -> None:
        self.fn, self.config = fn, config

    def apply(
        self,
        variables: dict[str, Any],
        *args: Any,
        rngs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        key = (rngs or {}).get("dropout")
        kwargs.pop("deterministic", None)
        return self.fn(variables["params"], *args, config=self.config, dropout_rng=key, **kwargs)


class FlaxPreTrainedModel:
    """A config, a params pytree and a pure function; calling the model applies the
    function jitted (once per input shape). Mirrors: transformers.FlaxPreTrainedModel."""

    config_class: ClassVar[type[PretrainedConfig]] = BertConfig
    base_model_prefix: ClassVar[str] = "bert"
    head: ClassVar[bool] = False
    init: ClassVar[Any] = staticmethod(init_params)
    ignore_on_load: ClassVar[tuple[str, ...]] = ("position_ids",)
    pure: ClassVar[Any] = staticmethod(bert_apply)

    def __init__(
        self,
        config: Any,
        params: dict[str, Any] | None = None,
        seed: int = 0,
        _do_init: bool = True,
    ) -> None:
        self.config = config
        if params is None:
            params = type(self).init(config, jax.random.key(seed) if _do_init else None, self.head)
        self.params = params
        self.module = _Module(type(self).pure, config)
        self._jitted: dict[Any, Any] = {}

    def __call__(
        self,
        input_ids: Any,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        params: dict[str, Any] | None = None,
        dropout_rng: Any = None,
        train: bool = False,
        output_attentions: bool = False,
    ) -> Any:
        if train and dropout_rng is None:
            raise ValueError("train=True needs a dropout_rng key (dropout draws from it)")
        flags = (train, output_attentions)
        if flags not in self._jitted:
            fn = functools.partial(
                type(self).pure, config=self.config, output_attentions=output_attentions
            )
            self._jitted[flags] = jax.jit(fn)
        ids = jnp.asarray(input_ids)
        mask = jnp.ones(ids.shape, jnp.int32) if attention_mask is None else attention_mask
        types = jnp.zeros(ids.shape, jnp.int32) if token_type_ids is None else token_type_ids
        rng = dropout_rng if train else None
        return self._jitted[flags](
            self.params if params is None else params, ids, mask, types, dropout_rng=rng
        )

    # -- files ------------------------------------------------------------------------
    def _torch_keys(self) -> dict[str, tuple[int, ...]]:
        tree = self.params if self.head else {self.base_model_prefix: self.params}
        return {k: v.shape for k, v in from_pytree(tree).items()}

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: Any,
        config: Any = None,
        output_loading_info: bool = False,
        seed: int = 0,
        **kwargs: Any,
    ) -> Any:
        directory = hub.resolve(name_or_path)
        if config is None:
            config = cls.config_class.from_pretrained(directory, **kwargs)
        model = cls(config, _do_init=False)  # shapes only: the checkpoint fills them
        weights, info = hub.checkpoint_for(
            directory, model._torch_keys(), cls.base_model_prefix, cls.ignore_on_load, cls.__name__
        )
        fresh: dict[str, np.ndarray] = {}
        if info.missing_keys:  # a new head: transformers' initialisation, from ``seed``
            new = cls.init(config, jax.random.key(seed), cls.head)
            fresh = from_pytree(new if cls.head else {cls.base_model_prefix: new})
            fresh = {k: v for k, v in fresh.items() if k in info.missing_keys}
        fresh.update(weights)
        tree = to_pytree(fresh)
        model.params = tree if model.head else tree[cls.base_model_prefix]
        return hub.loaded(model, info, output_loading_info)

    def save_pretrained(self, save_directory: Any, params: dict[str, Any] | None = None) -> None:
        directory = os.fspath(save_directory)
        os.makedirs(directory, exist_ok=True)
        self.config.save_pretrained(directory)
        tree = self.params if params is None else params
        hub.save_weights(
            directory, from_pytree(tree if self.head else {self.base_model_prefix: tree})
        )


class FlaxBertModel(FlaxPreTrainedModel):
    pure = staticmethod(bert_apply)


class FlaxBertForSequenceClassification(FlaxPreTrainedModel):
    head = True
    pure = staticmethod(classifier_apply)
