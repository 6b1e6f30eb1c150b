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
# By hand, as a careful NumPy programmer writes it (issue 19's floor): NHWC inside, one
# contiguous im2col buffer and one matrix product per convolution and per gradient,
# pooling from four strided views, PyTorch's first-maximum rule for the pooling gradient.


def _conv(xp: Any, x: Any, w: Any, b: Any) -> tuple[Any, Any]:
    """x NHWC; one contiguous im2col buffer (N·H·W, C·3·3) and one GEMM."""
    n, h, wd, c = x.shape
    padded = xp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    win = xp.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))  # N,H,W,C,3,3
    cols = xp.ascontiguousarray(win).reshape(n * h * wd, c * 9)
    out = cols @ w.reshape(w.shape[0], -1).T
    out += b
    return out.reshape(n, h, wd, -1), cols


def _conv_backward(xp: Any, g: Any, cols: Any, w: Any, x_shape: tuple[int, ...]) -> Any:
    n, h, wd, c = x_shape
    g2 = g.reshape(-1, g.shape[-1])
    gw = (g2.T @ cols).reshape(w.shape)
    gb = g2.sum(0)
    gcols = (g2 @ w.reshape(w.shape[0], -1)).reshape(n, h, wd, c, 3, 3)
    gpad = xp.zeros((n, h + 2, wd + 2, c), np.float32)
    for i in range(3):
        for j in range(3):
            gpad[:, i : i + h, j : j + wd, :] += gcols[..., i, j]
    return gpad[:, 1:-1, 1:-1, :], gw, gb


def _pool(xp: Any, x: Any) -> tuple[Any, Any]:
    """2x2 max pool of NHWC from four strided views; ``first`` records which of them (in
    PyTorch's window order) held the first maximum, for the gradient."""
    views = [x[:, i::2, j::2, :] for i in (0, 1) for j in (0, 1)]
    best = views[0].copy()
    first = xp.zeros(best.shape, np.int8)
    for k in (1, 2, 3):
        better = views[k] > best
        xp.copyto(best, views[k], where=better)
        first[better] = k
    return best, first


def _pool_backward(xp: Any, g: Any, first: Any, shape: tuple[int, ...]) -> Any:
    out = xp.zeros(shape, np.float32)
    for k, (i, j) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        out[:, i::2, j::2, :] = g * (first == k)
    return out


def loss_and_grads(xp: Any, p: list[Any], x: Any, y: Any) -> tuple[Any, list[Any]]:
    w1, b1, w2, b2, w3, b3 = p
    xh = xp.ascontiguousarray(x.transpose(0, 2, 3, 1))
    z1, cols1 = _conv(xp, xh, w1, b1)
    a1 = xp.maximum(z1, 0)
    p1, first1 = _pool(xp, a1)
    z2, cols2 = _conv(xp, p1, w2, b2)
    a2 = xp.maximum(z2, 0)
    p2, first2 = _pool(xp, a2)
    flat = xp.ascontiguousarray(p2.transpose(0, 3, 1, 2)).reshape(
        len(x), -1
    )  # PyTorch's flatten order
    loss, g = hand.cross_entropy(xp, flat @ w3.T + b3, y)
    g_w3, g_b3 = g.T @ flat, g.sum(0)
    g = (g @ w3).reshape(p2.shape[0], p2.shape[3], p2.shape[1], p2.shape[2]).transpose(0, 2, 3, 1)
    g = _pool_backward(xp, g, first2, a2.shape) * (z2 > 0)
    g, g_w2, g_b2 = _conv_backward(xp, g, cols2, w2, p1.shape)
    g = _pool_backward(xp, g, first1, a1.shape) * (z1 > 0)
    _, g_w1, g_b1 = _conv_backward(xp, g, cols1, w1, xh.shape)
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
