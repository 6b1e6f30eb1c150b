"""``cnn``: a training step of conv 1→32 3x3 (pad 1) + ReLU + maxpool 2, conv 32→64 3x3
(pad 1) + ReLU + maxpool 2, linear 3136→10, softmax cross-entropy, batch 64 of 1x28x28,
SGD (lr 0.1), float32.

Parameters are in PyTorch's layout (OIHW kernels, (out, in) linear weights) and images
NCHW; the TensorFlow-style step transposes to NHWC/HWIO inside its graph, as a TF user
porting these weights would."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.bench import hand, programs
from workbench.bench.styles import Optimizer, training_workload

OPT = Optimizer("sgd", 0.1)
FULL = {"batch": 64, "hw": 28, "c1": 32, "c2": 64}
TINY = {"batch": 4, "hw": 8, "c1": 4, "c2": 8}


def _flat(s: dict[str, int]) -> int:
    return s["c2"] * (s["hw"] // 4) ** 2


def setup(s: dict[str, int], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)

    def uniform(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    weights = [
        uniform((s["c1"], 1, 3, 3), 9),
        uniform((s["c1"],), 9),
        uniform((s["c2"], s["c1"], 3, 3), 9 * s["c1"]),
        uniform((s["c2"],), 9 * s["c1"]),
        uniform((10, _flat(s)), _flat(s)),
        uniform((10,), _flat(s)),
    ]
    x = rng.standard_normal((s["batch"], 1, s["hw"], s["hw"])).astype(np.float32)
    y = rng.integers(0, 10, s["batch"]).astype(np.int64)
    return weights, [x, y]


# ---------------------------------------------------------------------------------------
# By hand, as a careful NumPy programmer writes it (issue 19's floor): NHWC inside, so
# every im2col row is made of contiguous runs of channels; one contiguous im2col buffer
# and one matrix product per convolution and per gradient; pooling by reshape, its
# gradient fused with the ReLU's; no input gradient for the first layer.


def _im2col(xp: Any, x: Any) -> Any:
    """x NHWC → (N·H·W, 3·3·C), rows ordered (kh, kw, c): a 3x3 window, padding 1."""
    n, h, wd, c = x.shape
    padded = xp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    s = padded.strides
    win = xp.lib.stride_tricks.as_strided(
        padded, (n, h, wd, 3, 3, c), (s[0], s[1], s[2], s[1], s[2], s[3]), writeable=False
    )
    return win.reshape(n * h * wd, 9 * c)  # one copy


def _kernel(w: Any) -> Any:
    """OIHW → (O, kh·kw·C), matching :func:`_im2col`'s column order."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)


def _conv(xp: Any, x: Any, w: Any, b: Any) -> tuple[Any, Any]:
    n, h, wd, _ = x.shape
    cols = _im2col(xp, x)
    out = cols @ _kernel(w).T
    out += b
    return out.reshape(n, h, wd, -1), cols


def _conv_backward(
    xp: Any, g: Any, cols: Any, w: Any, x_shape: tuple[int, ...], need_input: bool = True
) -> Any:
    n, h, wd, c = x_shape
    g2 = g.reshape(-1, g.shape[-1])
    gw = (g2.T @ cols).reshape(w.shape[0], 3, 3, c).transpose(0, 3, 1, 2)
    gb = g2.sum(0)
    if not need_input:
        return None, gw, gb
    gcols = (g2 @ _kernel(w)).reshape(n, h, wd, 3, 3, c)
    gpad = xp.zeros((n, h + 2, wd + 2, c), np.float32)
    for i in range(3):
        for j in range(3):
            gpad[:, i : i + h, j : j + wd, :] += gcols[:, :, :, i, j, :]
    return gpad[:, 1:-1, 1:-1, :], gw, gb


def _pool(xp: Any, x: Any) -> tuple[Any, Any]:
    """2x2 max pool of NHWC by reshape; also the blocks, for the gradient."""
    n, h, wd, c = x.shape
    blocks = x.reshape(n, h // 2, 2, wd // 2, 2, c)
    return blocks.max(axis=(2, 4)), blocks


def _pool_relu_backward(xp: Any, g: Any, pooled: Any, blocks: Any) -> Any:
    """The gradient through ReLU then max pooling, at the pre-activation: each window's
    gradient goes to its maximum, and nowhere if that maximum is 0 (ReLU clipped it).
    Ties between positive values (which PyTorch sends to the first) have probability 0."""
    n, h2, _, w2, _, c = blocks.shape
    top = pooled[:, :, None, :, None, :]
    hit = (blocks == top) & (top > 0)
    return xp.where(hit, g[:, :, None, :, None, :], np.float32(0)).reshape(n, 2 * h2, 2 * w2, c)


def loss_and_grads(xp: Any, p: list[Any], x: Any, y: Any) -> tuple[Any, list[Any]]:
    w1, b1, w2, b2, w3, b3 = p
    xh = xp.ascontiguousarray(x.transpose(0, 2, 3, 1))
    z1, cols1 = _conv(xp, xh, w1, b1)
    p1, blocks1 = _pool(xp, xp.maximum(z1, 0, out=z1))
    z2, cols2 = _conv(xp, p1, w2, b2)
    p2, blocks2 = _pool(xp, xp.maximum(z2, 0, out=z2))
    flat = xp.ascontiguousarray(p2.transpose(0, 3, 1, 2)).reshape(len(x), -1)  # NCHW order
    loss, g = hand.cross_entropy(xp, flat @ w3.T + b3, y)
    g_w3, g_b3 = g.T @ flat, g.sum(0)
    g = (g @ w3).reshape(p2.shape[0], p2.shape[3], p2.shape[1], p2.shape[2]).transpose(0, 2, 3, 1)
    g = _pool_relu_backward(xp, g, p2, blocks2)
    g, g_w2, g_b2 = _conv_backward(xp, g, cols2, w2, p1.shape)
    g = _pool_relu_backward(xp, g, p1, blocks1)
    _, g_w1, g_b1 = _conv_backward(xp, g, cols1, w1, xh.shape, need_input=False)
    return loss, [g_w1, g_b1, g_w2, g_b2, g_w3, g_b3]


# ---------------------------------------------------------------------------------------
# The three styles


def torch_model(lib: Any, s: dict[str, int]) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, s["c1"], 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(s["c1"], s["c2"], 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(_flat(s), 10),
    )


def torch_loss(lib: Any, model: Any, x: Any, y: Any) -> Any:
    return lib.nn.functional.cross_entropy(model(x), y)


def tf_loss(tf: Any, p: list[Any], x: Any, y: Any) -> Any:
    h = tf.transpose(x, [0, 2, 3, 1])  # NCHW -> NHWC
    for w, b in ((p[0], p[1]), (p[2], p[3])):
        kernel = tf.transpose(w, [2, 3, 1, 0])  # OIHW -> HWIO
        h = tf.nn.relu(tf.nn.conv2d(h, kernel, strides=1, padding="SAME") + b)
        h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="VALID")
    flat = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [-1, p[4].shape[1]])  # PyTorch's order
    logits = tf.matmul(flat, p[4], transpose_b=True) + p[5]
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


def jax_loss(jax: Any, jnp: Any, p: list[Any], x: Any, y: Any) -> Any:
    lax = jax.lax
    h = x
    for w, b in ((p[0], p[1]), (p[2], p[3])):
        h = lax.conv_general_dilated(
            h, w, (1, 1), ((1, 1), (1, 1)), dimension_numbers=("NCHW", "OIHW", "NCHW")
        )
        h = jax.nn.relu(h + b[None, :, None, None])
        h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    logits = h.reshape(h.shape[0], -1) @ p[4].T + p[5]
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


CNN = training_workload(
    "cnn",
    "ms per training step, CNN conv32-pool-conv64-pool-linear, batch 64 of 1x28x28, SGD",
    FULL,
    TINY,
    setup=setup,
    hand_step=lambda sizes: loss_and_grads,
    opt=OPT,
    torch_model=torch_model,
    torch_loss=torch_loss,
    tf_loss=tf_loss,
    jax_loss=jax_loss,
)
CNN.impls.update(
    programs.impls(
        "torch_cnn",
        "jax_cnn",
        setup,
        lambda s: {"c1": s["c1"], "c2": s["c2"], "hw": s["hw"]},
        OPT.lr,
    )
)
