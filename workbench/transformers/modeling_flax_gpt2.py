"""The GPT in the functional style: a params pytree (transformers' names, Flax's leaves)
and pure functions. Generation keeps a key/value cache of fixed size — one slot per
position, filled with ``dynamic_update_slice`` — so the jitted decoding step has the same
shapes every token and compiles once (what Flax models do; a cache that grew would
recompile at every length). Mirrors: transformers.FlaxGPT2LMHeadModel.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from workbench import functional as jax
from workbench.functional import lax
from workbench.functional import numpy as jnp
from workbench.transformers.configuration import GPT2Config
from workbench.transformers.modeling_flax_bert import (
    FlaxPreTrainedModel,
    _Keys,
    dense,
    dropout,
    layer_norm,
)
from workbench.transformers.outputs import CausalLMOutputWithPast

ACTIVATIONS: dict[str, Any] = {
    "gelu_new": lambda x: jax.nn.gelu(x, approximate=True),
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "relu": jax.nn.relu,
}
NEG = float(np.finfo(np.float32).min)


def _attention(
    p: Any, x: Any, config: GPT2Config, cache: Any, index: Any, keys: _Keys
) -> tuple[Any, Any]:
    b, t, c = x.shape
    h = config.n_head
    q, k, v = jnp.split(dense(p["c_attn"], x), 3, axis=-1)
    q, k, v = (jnp.transpose(y.reshape(b, t, h, c // h), (0, 2, 1, 3)) for y in (q, k, v))
    if cache is None:  # the whole sequence at once: query i sees keys 0..i
        query_pos, key_pos = jnp.arange(t), jnp.arange(t)
    else:  # write this step's keys/values at ``index``; attend to every filled slot
        k = lax.dynamic_update_slice(cache["k"], k, (0, 0, index, 0))
        v = lax.dynamic_update_slice(cache["v"], v, (0, 0, index, 0))
        cache = {"k": k, "v": v}
        query_pos, key_pos = index + jnp.arange(t), jnp.arange(k.shape[2])
    scores = q @ jnp.swapaxes(k, -1, -2) / math.sqrt(c // h)
    scores = jnp.where(key_pos[None, :] <= query_pos[:, None], scores, NEG)
    probs = jax.nn.softmax(scores, axis=-1)
    out = dropout(probs, config.attn_pdrop, keys.next()) @ v
    out = jnp.transpose(out, (0, 2, 1, 3)).reshape(b, t, c)
    return dropout(dense(p["c_proj"], out), config.resid_pdrop, keys.next()), cache


def gpt_apply(
    params: dict[str, Any],
    input_ids: Any,
    *,
    config: GPT2Config,
    cache: Any = None,
    index: Any = 0,
    dropout_rng: Any = None,
) -> CausalLMOutputWithPast:
    """Logits (B, T, vocab) for tokens at positions ``index .. index+T-1``; with a
    ``cache`` (one {"k", "v"} per layer) also the cache with these tokens written in."""
    tr = params["transformer"]
    ids = jnp.asarray(input_ids)
    t = ids.shape[1]
    keys = _Keys(dropout_rng)
    positions = lax.dynamic_slice(tr["wpe"]["embedding"], (index, 0), (t, config.n_embd))
    x = jnp.take(tr["wte"]["embedding"], ids, axis=0) + positions
    x = dropout(x, config.embd_pdrop, keys.next())
    act = ACTIVATIONS[config.activation_function]
    eps = config.layer_norm_epsilon
    new_cache = []
    for i in range(config.n_layer):
        p = tr["h"][str(i)]
        attended, layer_cache = _attention(
            p["attn"],
            layer_norm(p["ln_1"], x, eps),
            config,
            None if cache is None else cache[i],
            index,
            keys,
        )
        x = x + attended
        hidden = dense(
            p["mlp"]["c_proj"], act(dense(p["mlp"]["c_fc"], layer_norm(p["ln_2"], x, eps)))
        )
        x = x + dropout(hidden, config.resid_pdrop, keys.next())
        new_cache.append(layer_cache)
    x = layer_norm(tr["ln_f"], x, eps)
    logits = x @ tr["wte"]["embedding"].T  # tied: the token table is the output layer
    return CausalLMOutputWithPast(
        logits=logits, past_key_values=None if cache is None else tuple(new_cache)
    )


def lm_loss(
    params: dict[str, Any], ids: Any, *, config: GPT2Config, dropout_rng: Any = None
) -> Any:
    """Mean cross-entropy of position t predicting token t+1."""
    logits = gpt_apply(params, ids[:, :-1], config=config, dropout_rng=dropout_rng).logits
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, ids[:, 1:, None], axis=-1))


def init_gpt_params(config: GPT2Config, key: Any, head: bool = True) -> dict[str, Any]:
    """transformers' initialisation: normal(0, 0.02); residual projections scaled by
    1/sqrt(2 n_layer); LayerNorm at identity. ``key=None``: zeros of the right shapes."""
    std, c = config.initializer_range, config.n_embd
    inner = config.n_inner or 4 * c
    counter = iter(range(10**6))

    def normal(*shape: int, scale: float = 1.0) -> Any:
        if key is None:
            return np.zeros(shape, np.float32)
        return jax.random.normal(jax.random.fold_in(key, next(counter)), shape) * (std * scale)

    def ln() -> dict[str, Any]:
        return {"scale": jnp.ones((c,)), "bias": jnp.zeros((c,))}

    residual = 1.0 / math.sqrt(2 * config.n_layer)

    def block() -> dict[str, Any]:
        return {
            "ln_1": ln(),
            "attn": {
                "c_attn": {"kernel": normal(c, 3 * c), "bias": jnp.zeros((3 * c,))},
                "c_proj": {"kernel": normal(c, c, scale=residual), "bias": jnp.zeros((c,))},
            },
            "ln_2": ln(),
            "mlp": {
                "c_fc": {"kernel": normal(c, inner), "bias": jnp.zeros((inner,))},
                "c_proj": {"kernel": normal(inner, c, scale=residual), "bias": jnp.zeros((c,))},
            },
        }

    return {
        "transformer": {
            "wte": {"embedding": normal(config.vocab_size, c)},
            "wpe": {"embedding": normal(config.n_positions, c)},
            "h": {str(i): block() for i in range(config.n_layer)},
            "ln_f": ln(),
        }
    }


def empty_cache(config: GPT2Config, batch: int) -> list[dict[str, Any]]:
    shape = (batch, config.n_head, config.n_positions, config.n_embd // config.n_head)
    return [{"k": jnp.zeros(shape), "v": jnp.zeros(shape)} for _ in range(config.n_layer)]


def _choose(logits: Any, do_sample: bool, temperature: float, top_k: int | None, key: Any) -> Any:
    if not do_sample:
        return jnp.argmax(logits, axis=-1)
    logits = logits / temperature
    if top_k is not None:
        kth = lax.top_k(logits, top_k)[0][:, -1:]
        logits = jnp.where(logits < kth, -jnp.inf, logits)
    return jax.random.categorical(key, logits, axis=-1)


class FlaxGPT2LMHeadModel(FlaxPreTrainedModel):
    config_class = GPT2Config  # type: ignore[assignment]
    base_model_prefix = "transformer"
    head = True
    init = staticmethod(init_gpt_params)
    ignore_on_load = ("attn.bias", "attn.masked_bias", "lm_head.weight")

    def __call__(  # type: ignore[override]
        self, input_ids: Any, params: Any = None, dropout_rng: Any = None, train: bool = False
    ) -> Any:
        if train and dropout_rng is None:
            raise ValueError("train=True needs a dropout_rng key (dropout draws from it)")
        if train not in self._jitted:
            self._jitted[train] = jax.jit(functools.partial(gpt_apply, config=self.config))
        return self._jitted[train](
            self.params if params is None else params,
            input_ids,
            dropout_rng=dropout_rng if train else None,
        )

    def generate(
        self,
        input_ids: Any,
        max_new_tokens: int = 20,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_k: int | None = None,
        use_cache: bool = True,
        prng_key: Any = None,
        params: Any = None,
    ) -> Any:
        """Greedy or sampled decoding; with ``use_cache`` one jitted step per token over a
        fixed-size cache, without it the whole (cropped) context is recomputed each time."""
        if do_sample and prng_key is None:
            raise ValueError("sampling needs prng_key= (JAX draws from explicit keys)")
        params = self.params if params is None else params
        config, limit = self.config, self.config.n_positions
        ids = np.asarray(input_ids)
        # without a cache: the context right-padded to n_positions (one shape, one
        # compilation; causal attention keeps the padding out of earlier positions)
        full = self._jit(
            "full", lambda p, x, last: jnp.take(gpt_apply(p, x, config=config).logits, last, axis=1)
        )
        step = self._jit(
            "step",
            lambda p, x, cache, index: gpt_apply(p, x, config=config, cache=cache, index=index),
        )
        cache, index = None, 0
        for i in range(max_new_tokens):
            key = None if prng_key is None else jax.random.fold_in(prng_key, i)
            if use_cache and ids.shape[1] <= limit and cache is None:  # prefill the prompt
                out = step(params, ids, empty_cache(config, ids.shape[0]), 0)
                cache, index, logits = out.past_key_values, ids.shape[1], out.logits[:, -1]
            elif use_cache and cache is not None and index < limit:
                out = step(params, ids[:, -1:], cache, index)
                cache, index, logits = out.past_key_values, index + 1, out.logits[:, -1]
            else:  # no cache, or it is full: the last n_positions tokens from scratch
                context = ids[:, -limit:]
                padded = np.zeros((ids.shape[0], limit), ids.dtype)
                padded[:, : context.shape[1]] = context
                logits = full(params, padded, context.shape[1] - 1)
            following = np.asarray(_choose(logits, do_sample, temperature, top_k, key))
            ids = np.concatenate([ids, following[:, None].astype(ids.dtype)], axis=1)
        return jnp.asarray(ids)

    def _jit(self, name: str, fn: Any) -> Any:
        if name not in self._jitted:
            self._jitted[name] = jax.jit(fn)
        return self._jitted[name]
