"""Exercises of lessons 15 (pretrained transformers), 16 (a small GPT) and 17 (tracing)."""

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


# ---------------------------------------------------------------------------------------
# 17 Tracing and staging


@exercise(
    "17.count_traces",
    "f = tf.function(lambda x, s: x * s) and g = jax.jit(lambda x, s: x * s), called with (a, 1.0), (a, 2.0), (a, 1.0), (b, 1.0), where a = ones([3]) and b = ones([4]). How many traces does each make? Answer (tf_traces, jit_traces).",
    [
        "Each compiler traces once per new cache key; list the key of each call.",
        "tf.function's key holds a Python number's value; jax.jit's holds only its type (a weakly typed float32 scalar).",
        "Both keys hold the array's shape: ones([4]) is a new key for each.",
    ],
)
def _17_count_traces(answer: Any) -> None:
    try:
        tf_traces, jit_traces = (int(n) for n in answer)
    except (TypeError, ValueError):
        raise Wrong("answer with a tuple of two counts: (tf_traces, jit_traces)") from None
    if (tf_traces, jit_traces) == (3, 2):
        return
    if tf_traces == 4:
        raise Wrong(
            "the third call repeats the first one's signature: tf.function reuses that graph"
        )
    if tf_traces == 2:
        raise Wrong("tf.function keys Python numbers by value: 1.0 and 2.0 are two signatures")
    if jit_traces == 3:
        raise Wrong(
            "jax.jit traces a Python float as an abstract float32[]: its value never retraces"
        )
    if jit_traces == 1:
        raise Wrong("a new shape is a new key for jax.jit too: XLA compiles for fixed shapes")
    raise Wrong(f"{answer} is not it; write down each call's key for each compiler")


@reference("17.count_traces")
def _17_count_traces_ref() -> Any:
    return (3, 2)


@exercise(
    "17.stale_global",
    "OFFSET = 1.0; h(x) = x + OFFSET compiled with tf.function, jax.jit and torch.compile, each called once at x = 0.0 (a tensor); then OFFSET = 10.0 and each is called again with the same x. What do the second calls return? Answer (tf_function, jax_jit, torch_compile).",
    [
        "A global is read while tracing. Does the second call retrace?",
        "The argument's shape and dtype did not change, so tf.function and jax.jit reuse their first graph, with 1.0 inside it.",
        "TorchDynamo guards on the globals it read: a changed OFFSET fails the guard and recompiles.",
    ],
)
def _17_stale_global(answer: Any) -> None:
    try:
        got = tuple(float(v) for v in answer)
    except (TypeError, ValueError):
        raise Wrong("answer with a tuple of three numbers") from None
    if got == (1.0, 1.0, 10.0):
        return
    if got == (10.0, 10.0, 10.0):
        raise Wrong(
            "nothing retraces tf.function or jax.jit here: their graphs still hold the old value"
        )
    if got == (1.0, 1.0, 1.0):
        raise Wrong("torch.compile guards on globals: a changed value recompiles")
    raise Wrong(f"{answer} is not it")


@reference("17.stale_global")
def _17_stale_global_ref() -> Any:
    return (1.0, 1.0, 10.0)


@exercise(
    "17.branch_free",
    "Write leaky(x): x where x > 0 and 0.1 * x elsewhere, elementwise, without a Python if on the array (jax.jit must accept it).",
    [
        "Inside jit the comparison x > 0 is a traced boolean array: Python's if cannot use it.",
        "jnp.where(condition, a, b) picks from a where the condition holds and from b elsewhere.",
        "return jnp.where(x > 0, x, 0.1 * x)",
    ],
    "def leaky(x):\n    return jnp.where(x > 0, x, 0.1 * x)",
)
def _17_branch_free(fn: Any) -> None:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    if fn is None or fn is Ellipsis or not callable(fn):
        raise Wrong("expected a function: define it with def and pass it (without calling it)")
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0], dtype=np.float32)
    try:
        got = jax.jit(fn)(jnp.asarray(x))
    except jax.errors.TracerBoolConversionError:
        raise Wrong("jit refuses a Python if on a traced array: choose with jnp.where") from None
    if got is None:
        raise Wrong("your function returned None: did you forget the return statement?")
    _close(got, np.where(x > 0, x, 0.1 * x), "leaky(x)")


@reference("17.branch_free")
def _17_branch_free_ref() -> Any:
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    return lambda x: jnp.where(x > 0, x, 0.1 * x)
