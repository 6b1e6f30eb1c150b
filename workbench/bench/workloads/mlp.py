"""``mlp``: a training step of a 784-512-512-10 ReLU MLP, softmax cross-entropy, batch
128, SGD (lr 0.1), float32; and ``scaling``: the same step over widths 64…4096 and batch
sizes 1…1024, to show how time grows with work and where overhead stops mattering.

Parameters are in PyTorch's layout (``Linear.weight`` is (out, in)) in every style."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.bench import hand, programs
from workbench.bench.styles import Optimizer, training_impls
from workbench.bench.suite import Case, Workload

OPT = Optimizer("sgd", 0.1)


def sizes_of(width: int = 512, batch: int = 128, depth: int = 2) -> dict[str, int]:
    return {"in": 784, "width": width, "depth": depth, "out": 10, "batch": batch}


def layers(sizes: dict[str, int]) -> list[int]:
    return [sizes["in"]] + [sizes["width"]] * sizes["depth"] + [sizes["out"]]


def setup(sizes: dict[str, int], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights drawn with PyTorch's uniform fan-in rule, and one batch."""
    rng = np.random.default_rng(seed)
    weights = []
    dims = layers(sizes)
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        bound = 1 / np.sqrt(n_in)
        weights.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, (n_out,)).astype(np.float32))
    x = rng.standard_normal((sizes["batch"], sizes["in"])).astype(np.float32)
    y = rng.integers(0, sizes["out"], sizes["batch"]).astype(np.int64)
    return weights, [x, y]


def loss_and_grads(xp: Any, p: list[Any], x: Any, y: Any) -> tuple[Any, list[Any]]:
    n = len(p) // 2
    acts, pre = [x], []
    h = x
    for i in range(n):
        z = h @ p[2 * i].T + p[2 * i + 1]
        pre.append(z)
        h = xp.maximum(z, 0) if i < n - 1 else z
        acts.append(h)
    loss, g = hand.cross_entropy(xp, h, y)
    grads: list[Any] = [None] * len(p)
    for i in reversed(range(n)):
        grads[2 * i] = g.T @ acts[i]
        grads[2 * i + 1] = g.sum(axis=0)
        if i > 0:
            g = (g @ p[2 * i]) * (pre[i - 1] > 0)
    return loss, grads


def torch_model(lib: Any, sizes: dict[str, int]) -> Any:
    dims = layers(sizes)
    mods: list[Any] = []
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        mods += [lib.nn.Linear(n_in, n_out), lib.nn.ReLU()]
    return lib.nn.Sequential(*mods[:-1])


def torch_loss(lib: Any, model: Any, x: Any, y: Any) -> Any:
    return lib.nn.functional.cross_entropy(model(x), y)


def tf_loss(tf: Any, p: list[Any], x: Any, y: Any) -> Any:
    h = x
    n = len(p) // 2
    for i in range(n):
        h = tf.matmul(h, p[2 * i], transpose_b=True) + p[2 * i + 1]
        h = tf.nn.relu(h) if i < n - 1 else h
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))


def jax_loss(jax: Any, jnp: Any, p: list[Any], x: Any, y: Any) -> Any:
    h = x
    n = len(p) // 2
    for i in range(n):
        h = h @ p[2 * i].T + p[2 * i + 1]
        h = jax.nn.relu(h) if i < n - 1 else h
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(h), y[:, None], axis=1))


IMPLS = training_impls(
    setup=setup,
    hand_step=lambda sizes: loss_and_grads,
    opt=OPT,
    torch_model=torch_model,
    torch_loss=torch_loss,
    tf_loss=tf_loss,
    jax_loss=jax_loss,
) | programs.impls(
    "torch_mlp",
    "jax_mlp",
    setup,
    lambda s: {"n_in": s["in"], "width": s["width"], "n_out": s["out"]},
    OPT.lr,
)


def _mlp_cases(quick: bool, tiny: bool) -> list[Case]:
    return [Case("mlp", "", sizes_of(16, 8) if tiny else sizes_of())]


def _scaling_cases(quick: bool, tiny: bool) -> list[Case]:
    if tiny:
        grid = [(8, 4), (16, 4), (8, 16)]
    elif quick:
        grid = [(64, 128), (512, 128), (2048, 128), (512, 1), (512, 1024)]
    else:
        grid = [(w, 128) for w in (64, 256, 1024, 4096)] + [(512, b) for b in (1, 16, 128, 1024)]
    return [Case("scaling", f"[width={w},batch={b}]", sizes_of(w, b)) for w, b in grid]


MLP = Workload(
    "mlp",
    "ms per training step, MLP 784-512-512-10, ReLU, cross-entropy, batch 128, SGD, float32",
    _mlp_cases,
    IMPLS,
)

SCALING = Workload(
    "scaling",
    "ms per MLP training step (784-w-w-10, SGD) as the width w and the batch grow",
    _scaling_cases,
    {
        k: v
        for k, v in IMPLS.items()
        if k not in ("functional", "static-function", "torch-compile")
        and not k.startswith("tutorial")
    },
)
