"""Exercises of lessons 15 (pretrained transformers) and 16 (a small GPT)."""

# ruff: noqa: E501 - hints read best on one line
from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.lessons import Wrong, exercise, reference
from workbench.lessons.exercises import _call, _close, _host

# ---------------------------------------------------------------------------------------
# 15 Pretrained transformers


@exercise(
    "15.mean_pool",
    "Write mean_pool(hidden, mask): the average of hidden (B, T, H) over the tokens where mask (B, T) is 1.",
    [
        "Padding tokens have mask 0: they must not count in the sum or in the number of tokens.",
        "Multiply hidden by mask[..., None] so padded rows become zero, then sum over axis 1.",
        "Divide by mask.sum(1, keepdims=True): the number of real tokens of each sentence.",
    ],
    "def mean_pool(hidden, mask):\n    m = mask[..., None]\n    return (hidden * m).sum(1) / m.sum(1)",
)
def _15_mean_pool(fn: Any) -> None:
    rng = np.random.default_rng(15)
    hidden = rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
    got = _host(_call(fn, hidden, mask))
    want = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    if got.shape == want.shape and np.allclose(got, hidden.mean(1)):
        raise Wrong("that averages the padding too: use the mask")
    if got.shape == want.shape and np.allclose(got, (hidden * mask[..., None]).sum(1) / 5):
        raise Wrong("the sum is right, but divide by the number of real tokens, not the length")
    _close(got, want, "the pooled vectors")


@reference("15.mean_pool")
def _15_mean_pool_ref() -> Any:
    return lambda hidden, mask: (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)


@exercise(
    "15.layer_params",
    "How many parameters does one BERT layer of MiniLM have (hidden 384, feed-forward 1536)?",
    [
        "Count the four attention matrices (query, key, value, output), the two feed-forward matrices and two LayerNorms, with their biases.",
        "A Linear(n_in, n_out) has n_in * n_out + n_out parameters; a LayerNorm(n) has 2n.",
        "Or count: sum(p.numel() for p in model.encoder.layer[0].parameters()).",
    ],
)
def _15_layer_params(answer: Any) -> None:
    attention = 4 * (384 * 384 + 384)
    feed_forward = 384 * 1536 + 1536 + 1536 * 384 + 384
    want = attention + feed_forward + 2 * 2 * 384
    if int(answer) == want:
        return
    if int(answer) == attention + feed_forward:
        raise Wrong("almost: the two LayerNorms have a weight and a bias each")
    if int(answer) == 4 * 384 * 384 + 2 * 384 * 1536:
        raise Wrong("the matrices are right; add the biases and the LayerNorms")
    raise Wrong(
        f"{answer} is not it; count with sum(p.numel() for p in model.encoder.layer[0].parameters())"
    )


@reference("15.layer_params")
def _15_layer_params_ref() -> Any:
    return 1_774_464


# ---------------------------------------------------------------------------------------
# 16 A small GPT


@exercise(
    "16.causal_mask",
    "Write causal_mask(T): a (T, T) boolean array, True where query i may attend to key j.",
    [
        "A GPT predicts token i+1 from tokens 0..i: position i must not see the future.",
        "Key j is visible to query i exactly when j <= i: the lower triangle, diagonal included.",
        "np.tril(np.ones((T, T), dtype=bool)).",
    ],
    "def causal_mask(T):\n    return np.tril(np.ones((T, T), dtype=bool))",
)
def _16_causal_mask(fn: Any) -> None:
    got = np.asarray(_call(fn, 5))
    want = np.tril(np.ones((5, 5), dtype=bool))
    if got.shape != want.shape:
        raise Wrong(f"the mask has shape {got.shape}, expected (5, 5)")
    if np.array_equal(got.astype(bool), want.T):
        raise Wrong("that is the upper triangle: query i (a row) may see keys j <= i")
    if np.array_equal(got.astype(bool), np.tril(np.ones((5, 5), bool), -1)):
        raise Wrong("a token may attend to itself: keep the diagonal")
    if not np.array_equal(got.astype(bool), want):
        raise Wrong("row i should be True in columns 0..i and False after")


@reference("16.causal_mask")
def _16_causal_mask_ref() -> Any:
    return lambda t: np.tril(np.ones((t, t), dtype=bool))


@exercise(
    "16.initial_loss",
    "An untrained GPT with a vocabulary of 384 tokens predicts nearly uniformly. What cross-entropy loss (in nats) does it start at?",
    [
        "Cross-entropy is −log of the probability given to the right token.",
        "Uniform over V tokens gives each token probability 1/V.",
        "−log(1/V) = log V; use math.log(384).",
    ],
)
def _16_initial_loss(answer: Any) -> None:
    value = float(answer)
    if abs(value - math.log(384)) < 0.02:
        return
    if abs(value - math.log2(384)) < 0.02:
        raise Wrong("that is in bits: the loss uses the natural logarithm")
    if abs(value - 1 / 384) < 1e-3:
        raise Wrong("that is the probability of the right token; the loss is −log of it")
    raise Wrong(f"{value} is not it: what is −log(1/384)?")


@reference("16.initial_loss")
def _16_initial_loss_ref() -> Any:
    return math.log(384)
