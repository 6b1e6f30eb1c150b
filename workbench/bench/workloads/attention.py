"""``attention``: a training step of one pre-LayerNorm transformer encoder block
(``nn.TransformerEncoderLayer(256, 4, 1024, dropout=0, batch_first=True,
norm_first=True)``: x + MHA(LN(x)), then + MLP(LN(·)) with ReLU), batch 16, sequence
128, mean-squared error against a fixed target, SGD (lr 0.01), float32.

Parameters follow ``TransformerEncoderLayer.parameters()``: packed in-projection
(3d, d) and its bias, out-projection, linear1, linear2, norm1, norm2."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.bench import hand
from workbench.bench.styles import Optimizer, training_workload

OPT = Optimizer("sgd", 0.01)
FULL = {"batch": 16, "seq": 128, "d": 256, "heads": 4, "ff": 1024}
TINY = {"batch": 2, "seq": 5, "d": 8, "heads": 2, "ff": 16}
EPS = 1e-5


def setup(s: dict[str, int], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    d, ff = s["d"], s["ff"]

    def uniform(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    def near(value: float, shape: tuple[int, ...]) -> np.ndarray:
        return (value + 0.1 * rng.standard_normal(shape)).astype(np.float32)

    weights = [
        uniform((3 * d, d), d),
        uniform((3 * d,), d),
        uniform((d, d), d),
        uniform((d,), d),
        uniform((ff, d), d),
        uniform((ff,), d),
        uniform((d, ff), ff),
        uniform((d,), ff),
        near(1.0, (d,)),
        near(0.0, (d,)),
        near(1.0, (d,)),
        near(0.0, (d,)),
    ]
    x = rng.standard_normal((s["batch"], s["seq"], d)).astype(np.float32)
    target = rng.standard_normal((s["batch"], s["seq"], d)).astype(np.float32)
    return weights, [x, target]


# ---------------------------------------------------------------------------------------
# By hand


def _heads(t: Any, n_heads: int) -> Any:  # (B, T, D) -> (B, H, T, dh)
    b, length, d = t.shape
    return t.reshape(b, length, n_heads, d // n_heads).transpose(0, 2, 1, 3)


def _merge(t: Any) -> Any:  # (B, H, T, dh) -> (B, T, D)
    b, n_heads, length, dh = t.shape
    return t.transpose(0, 2, 1, 3).reshape(b, length, n_heads * dh)


def make_loss_and_grads(n_heads: int) -> Any:
    def loss_and_grads(xp: Any, p: list[Any], x: Any, target: Any) -> tuple[Any, list[Any]]:
        w_in, b_in, w_o, b_o, w1, b1, w2, b2, g1, be1, g2, be2 = p
        d = x.shape[-1]
        scale = 1 / math.sqrt(d // n_heads)
        h1, saved1 = hand.layer_norm(xp, x, g1, be1, EPS)
        qkv = h1 @ w_in.T + b_in
        q, k, v = (_heads(qkv[..., i * d : (i + 1) * d], n_heads) for i in range(3))
        attn = hand.softmax(xp, (q @ k.transpose(0, 1, 3, 2)) * scale)
        ctx = _merge(attn @ v)
        x2 = x + ctx @ w_o.T + b_o
        h2, saved2 = hand.layer_norm(xp, x2, g2, be2, EPS)
        u = h2 @ w1.T + b1
        r = xp.maximum(u, 0)
        out = x2 + r @ w2.T + b2
        diff = out - target
        loss = (diff * diff).mean()
        g = diff * (2 / diff.size)

        def weight_grad(gy: Any, xin: Any) -> Any:  # sum over batch and time of gy^T xin
            return gy.reshape(-1, gy.shape[-1]).T @ xin.reshape(-1, xin.shape[-1])

        g_w2, g_b2 = weight_grad(g, r), g.sum(axis=(0, 1))
        gu = (g @ w2) * (u > 0)
        g_w1, g_b1 = weight_grad(gu, h2), gu.sum(axis=(0, 1))
        gx2, g_g2, g_be2 = hand.layer_norm_backward(xp, gu @ w1, saved2)
        gx2 = gx2 + g
        g_wo, g_bo = weight_grad(gx2, ctx), gx2.sum(axis=(0, 1))
        g_ctx = _heads(gx2 @ w_o, n_heads)
        g_attn = g_ctx @ v.transpose(0, 1, 3, 2)
        g_v = attn.transpose(0, 1, 3, 2) @ g_ctx
        g_scores = attn * (g_attn - (g_attn * attn).sum(axis=-1, keepdims=True)) * scale
        g_q, g_k = g_scores @ k, g_scores.transpose(0, 1, 3, 2) @ q
        g_qkv = xp.concatenate([_merge(g_q), _merge(g_k), _merge(g_v)], axis=-1)
        g_win, g_bin = weight_grad(g_qkv, h1), g_qkv.sum(axis=(0, 1))
        gx1, g_g1, g_be1 = hand.layer_norm_backward(xp, g_qkv @ w_in, saved1)
        grads = [g_win, g_bin, g_wo, g_bo, g_w1, g_b1, g_w2, g_b2, g_g1, g_be1, g_g2, g_be2]
        return loss, grads

    return loss_and_grads


# ---------------------------------------------------------------------------------------
# The three styles


def torch_model(lib: Any, s: dict[str, int]) -> Any:
    return lib.nn.TransformerEncoderLayer(
        s["d"], s["heads"], s["ff"], dropout=0.0, batch_first=True, norm_first=True
    )


def torch_loss(lib: Any, model: Any, x: Any, target: Any) -> Any:
    return lib.nn.functional.mse_loss(model(x), target)


def _tf_layer_norm(tf: Any, x: Any, gamma: Any, beta: Any) -> Any:
    mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(var + EPS) * gamma + beta


def tf_loss(tf: Any, p: list[Any], x: Any, target: Any, *, sizes: dict[str, int]) -> Any:
    w_in, b_in, w_o, b_o, w1, b1, w2, b2, g1, be1, g2, be2 = p
    length, d = x.shape[1], x.shape[2]
    n_heads = sizes["heads"]

    def dense(t: Any, w: Any, b: Any) -> Any:  # (B, T, i) -> (B, T, o), as a 2-d product
        flat = tf.reshape(t, [-1, t.shape[-1]])
        return tf.reshape(tf.matmul(flat, w, transpose_b=True) + b, [-1, length, w.shape[0]])

    def heads(t: Any) -> Any:
        return tf.transpose(tf.reshape(t, [-1, length, n_heads, d // n_heads]), [0, 2, 1, 3])

    q, k, v = (heads(t) for t in tf.split(dense(_tf_layer_norm(tf, x, g1, be1), w_in, b_in), 3, -1))
    scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(d // n_heads)
    ctx = tf.reshape(
        tf.transpose(tf.matmul(tf.nn.softmax(scores), v), [0, 2, 1, 3]), [-1, length, d]
    )
    x2 = x + dense(ctx, w_o, b_o)
    hidden = tf.nn.relu(dense(_tf_layer_norm(tf, x2, g2, be2), w1, b1))
    out = x2 + dense(hidden, w2, b2)
    return tf.reduce_mean(tf.square(out - target))


def jax_loss(
    jax: Any, jnp: Any, p: list[Any], x: Any, target: Any, *, sizes: dict[str, int]
) -> Any:
    w_in, b_in, w_o, b_o, w1, b1, w2, b2, g1, be1, g2, be2 = p
    b, length, d = x.shape
    n_heads = sizes["heads"]

    def layer_norm(t: Any, gamma: Any, beta: Any) -> Any:
        mean = t.mean(-1, keepdims=True)
        var = ((t - mean) ** 2).mean(-1, keepdims=True)
        return (t - mean) / jnp.sqrt(var + EPS) * gamma + beta

    def heads(t: Any) -> Any:
        return t.reshape(b, length, n_heads, d // n_heads).transpose(0, 2, 1, 3)

    qkv = layer_norm(x, g1, be1) @ w_in.T + b_in
    q, k, v = (heads(t) for t in jnp.split(qkv, 3, axis=-1))
    attn = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // n_heads), axis=-1)
    ctx = (attn @ v).transpose(0, 2, 1, 3).reshape(b, length, d)
    x2 = x + ctx @ w_o.T + b_o
    out = x2 + jax.nn.relu(layer_norm(x2, g2, be2) @ w1.T + b1) @ w2.T + b2
    return jnp.mean((out - target) ** 2)


ATTENTION = training_workload(
    "attention",
    "ms per training step, pre-LN transformer block d=256, 4 heads, MLP 1024, batch 16x128, SGD",
    FULL,
    TINY,
    setup=setup,
    hand_step=lambda sizes: make_loss_and_grads(sizes["heads"]),
    opt=OPT,
    torch_model=torch_model,
    torch_loss=torch_loss,
    tf_loss=tf_loss,
    jax_loss=jax_loss,
    sized=True,
)
