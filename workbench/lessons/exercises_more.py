"""Exercises of lessons 6-14."""

from __future__ import annotations

# ruff: noqa: E501 - prompts and hints read best on one line
import math
from typing import Any

import numpy as np

from workbench.lessons import Wrong, exercise, reference
from workbench.lessons.exercises import _call, _close, _host

# ---------------------------------------------------------------------------------------
# 06 One model, three styles


@exercise(
    "06.port_step",
    "Port torch.optim.SGD(params, lr=0.1, momentum=0.9) to the optax style: write sgd_momentum(grads, buf, params) returning (new_params, new_buf), pure (no mutation), for arrays. Before the first step buf is None.",
    [
        "PyTorch's momentum buffer starts as the first gradient itself (not 0.9 * 0 + grad scaled by anything).",
        "After that: buf = 0.9 * buf + grad; then params - 0.1 * buf.",
        "def sgd_momentum(grads, buf, params):\n    buf = grads if buf is None else 0.9 * buf + grads\n    return params - 0.1 * buf, buf",
    ],
    "def sgd_momentum(grads, buf, params):\n    buf = grads if buf is None else 0.9 * buf + grads\n    return params - 0.1 * buf, buf",
)
def _06_port_step(fn: Any) -> None:
    import workbench.eager as torch  # noqa: PLC0415

    if not callable(fn):
        raise Wrong("pass the function sgd_momentum itself")
    grads = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 3.0])]
    w = torch.nn.Parameter(torch.tensor([1.0, 1.0], dtype=torch.float64))
    sgd = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    params, buf = np.array([1.0, 1.0]), None
    for step, g in enumerate(grads):
        before = params.copy()
        w.grad = torch.tensor(g, dtype=torch.float64)
        sgd.step()
        out = fn(g, buf, params)
        if not isinstance(out, tuple) or len(out) != 2:
            raise Wrong("return a pair (new_params, new_buf)")
        params, buf = np.asarray(out[0], np.float64), np.asarray(out[1], np.float64)
        if not np.array_equal(before, np.array([1.0, 1.0]) if step == 0 else before):
            raise Wrong("the function changed the params it was given: return new arrays instead")
        if not np.allclose(params, w.detach().numpy(), atol=1e-9):
            if step == 0:
                raise Wrong("the first step is off: PyTorch's buffer starts as the first gradient")
            raise Wrong(f"step {step + 1} is off: buf = 0.9 * buf + grad, then params - 0.1 * buf")


@reference("06.port_step")
def _06_port_step_ref() -> Any:
    def sgd_momentum(grads: Any, buf: Any, params: Any) -> Any:
        buf = grads if buf is None else 0.9 * buf + grads
        return params - 0.1 * buf, buf

    return sgd_momentum


@exercise(
    "06.epsilon_hat",
    "Keras's Adam adds epsilon after scaling the step by the bias corrections, PyTorch's before. Write keras_epsilon(torch_eps, t): the epsilon to give Keras at step t (beta2 = 0.999) so its update equals PyTorch's exactly.",
    [
        "PyTorch: w -= lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps).",
        "Keras: w -= lr·sqrt(1-b2^t)/(1-b1^t) · m / (sqrt(v) + eps_hat).",
        "Multiply PyTorch's denominator by sqrt(1-b2^t): eps_hat = eps · sqrt(1 - 0.999**t).",
    ],
    "def keras_epsilon(torch_eps, t):\n    return torch_eps * (1 - 0.999 ** t) ** 0.5",
)
def _06_epsilon_hat(fn: Any) -> None:
    if not callable(fn):
        raise Wrong("pass the function keras_epsilon itself")
    for eps, t in ((1e-8, 1), (1e-3, 10), (0.5, 1000)):
        got, want = float(fn(eps, t)), eps * math.sqrt(1 - 0.999**t)
        if abs(got - eps) < 1e-15 and abs(want - eps) > 1e-12:
            raise Wrong(
                "the same value is not enough: the two formulas put epsilon in different places"
            )
        if abs(got - eps / math.sqrt(1 - 0.999**t)) < 1e-9 * max(1.0, eps * 100):
            raise Wrong(
                "the other way round: Keras's epsilon sits beside sqrt(v) before the correction"
            )
        if abs(got - want) > 1e-12 * max(1.0, eps):
            raise Wrong(f"keras_epsilon({eps}, {t}) = {got:.6g} is off")


@reference("06.epsilon_hat")
def _06_epsilon_hat_ref() -> Any:
    return lambda eps, t: eps * (1 - 0.999**t) ** 0.5


@exercise(
    "06.graph_ops",
    "How many matrix products (dot_general equations) does one forward pass of an MLP with three Linear/Dense layers contain?",
    [
        "A Linear (Dense) layer computes x @ W + b.",
        "Draw one forward pass (`viz.graph`) and count the matrix-product nodes (`matmul`/`linear`).",
        "Activations and bias additions are not matrix products.",
    ],
)
def _06_graph_ops(answer: Any) -> None:
    if int(answer) != 3:
        raise Wrong(
            f"{answer} is not it: a Linear layer does exactly one x @ W; count the layers "
            "that have a weight matrix"
        )


@reference("06.graph_ops")
def _06_graph_ops_ref() -> Any:
    return 3


# ---------------------------------------------------------------------------------------
# 07 Convolutional networks


@exercise(
    "07.output_size",
    "A 3x3 convolution with stride 2 and padding 1 on a 28x28 image: what is the output height?",
    [
        "Padding adds rows on both sides; the kernel then fits fewer positions than the padded size; the stride skips positions.",
        "out = floor((n + 2·pad - kernel) / stride) + 1",
        "Plug in n = 28, pad = 1, kernel = 3, stride = 2 (integer division).",
    ],
)
def _07_output_size(answer: Any) -> None:
    if int(answer) == 14:
        return
    if int(answer) == 13:
        raise Wrong("you left out the padding: n + 2·pad, then subtract the kernel size")
    raise Wrong(f"{answer} is not it; use out = floor((n + 2·pad - k) / stride) + 1")


@reference("07.output_size")
def _07_output_size_ref() -> Any:
    return 14


@exercise(
    "07.im2col",
    "Write conv_im2col(x, w) for x of shape (H, W) and w of shape (kh, kw), 'valid' cross-correlation: gather every kh x kw patch into a row, then one matrix product.",
    [
        "im2col turns each kh×kw patch of the image into one row of a matrix.",
        "There are (H-kh+1)·(W-kw+1) patches; the row for output (i, j) is `x[i:i+kh, j:j+kw].ravel()`.",
        "Multiply the patch matrix by the flattened kernel (`w.ravel()`), then reshape to (out_h, out_w). Do not flip w.",
    ],
    "def conv_im2col(x, w):\n    kh, kw = w.shape\n    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1\n    patches = np.stack([x[i:i+kh, j:j+kw].ravel() for i in range(oh) for j in range(ow)])\n    return (patches @ w.ravel()).reshape(oh, ow)",
)
def _07_im2col(fn: Any) -> None:
    x = np.arange(30, dtype=np.float64).reshape(5, 6) / 10
    w = np.array([[1.0, -1.0], [0.5, 2.0]])
    want = np.array([[np.sum(x[i : i + 2, j : j + 2] * w) for j in range(5)] for i in range(4)])
    got = _host(_call(fn, x, w))
    if got.shape == want.shape and np.allclose(
        got,
        np.array(
            [[np.sum(x[i : i + 2, j : j + 2] * w[::-1, ::-1]) for j in range(5)] for i in range(4)]
        ),
    ):
        raise Wrong(
            "that is a true convolution (kernel flipped); frameworks compute cross-correlation — do not flip w"
        )
    _close(got, want, "conv_im2col(x, w)")


@reference("07.im2col")
def _07_im2col_ref() -> Any:
    def conv(x: Any, w: Any) -> Any:
        kh, kw = w.shape
        oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
        patches = np.stack(
            [x[i : i + kh, j : j + kw].ravel() for i in range(oh) for j in range(ow)]
        )
        return (patches @ w.ravel()).reshape(oh, ow)

    return conv


# ---------------------------------------------------------------------------------------
# 08 Sequences


@exercise(
    "08.attention_weights",
    "Write attention_weights(q, k) = softmax(q kᵀ / √d) over the last axis, for q (T, d) and k (S, d).",
    [
        "Each query gets one weight per key, and each query's weights sum to 1.",
        "scores = q @ k.T / sqrt(d), shape (T, S).",
        "Softmax over the last axis; subtract the row max before `exp` for stability.",
    ],
    "def attention_weights(q, k):\n    s = q @ k.T / np.sqrt(q.shape[-1])\n    e = np.exp(s - s.max(-1, keepdims=True))\n    return e / e.sum(-1, keepdims=True)",
)
def _08_attention(fn: Any) -> None:
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((4, 8)), rng.standard_normal((6, 8))
    s = q @ k.T / math.sqrt(8)
    want = np.exp(s - s.max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    got = _host(_call(fn, q, k))
    if got.shape == want.shape and np.allclose(got.sum(0), 1):
        raise Wrong("the softmax runs over the wrong axis: each query's row should sum to 1")
    unscaled = np.exp(q @ k.T - (q @ k.T).max(-1, keepdims=True))
    if got.shape == want.shape and np.allclose(got, unscaled / unscaled.sum(-1, keepdims=True)):
        raise Wrong("divide the scores by √d before the softmax")
    _close(got, want, "the attention weights")


@reference("08.attention_weights")
def _08_attention_ref() -> Any:
    def weights(q: Any, k: Any) -> Any:
        s = q @ k.T / np.sqrt(q.shape[-1])
        e = np.exp(s - s.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    return weights


@exercise(
    "08.lstm_params",
    "How many parameters does torch.nn.LSTM(input_size=10, hidden_size=20) have?",
    [
        "An LSTM has four gates (input, forget, cell, output), each with its own weights.",
        "Per gate: an input-to-hidden matrix, a hidden-to-hidden matrix and biases.",
        "PyTorch keeps two bias vectors per gate (b_ih and b_hh); or count with `sum(p.numel() for p in lstm.parameters())`.",
    ],
)
def _08_lstm_params(answer: Any) -> None:
    if int(answer) == 4 * (200 + 400 + 40):
        return
    if int(answer) == 4 * (200 + 400 + 20):
        raise Wrong("close: PyTorch's LSTM has two bias vectors per gate (b_ih and b_hh)")
    raise Wrong(f"{answer} is not it; count: sum(p.numel() for p in lstm.parameters())")


@reference("08.lstm_params")
def _08_lstm_params_ref() -> Any:
    return 2560


# ---------------------------------------------------------------------------------------
# 09 Optimisers


@exercise(
    "09.adam_first_step",
    "Adam's first step with lr=0.1 on a parameter whose gradient is 4.0: by how much does the parameter change? (default betas, eps)",
    [
        "Adam's moment estimates start at zero and are bias-corrected.",
        "After bias correction on step 1, m̂ = g and v̂ = g².",
        "step = -lr · m̂ / (√v̂ + ε): what is m̂ / √v̂ when m̂ = g and v̂ = g²?",
    ],
)
def _09_adam(answer: Any) -> None:
    want = -0.1 * 4.0 / (4.0 + 1e-8)
    if abs(float(answer) - want) < 1e-6:
        return
    if abs(float(answer) + want) < 1e-6:
        raise Wrong("right size, wrong sign: the parameter moves against the gradient")
    if abs(float(answer) - (-0.1 * 4.0)) < 1e-6:
        raise Wrong("that is SGD's step; Adam divides by √v̂, so the first step is about lr in size")
    raise Wrong(f"{answer} is not it")


@reference("09.adam_first_step")
def _09_adam_ref() -> Any:
    return -0.1 * 4.0 / (4.0 + 1e-8)


@exercise(
    "09.best_optimiser",
    "On the ill-conditioned quadratic with learning rate 0.03 and 100 steps, which optimiser ends closest to the minimum (0, 0)? (a name)",
    [
        "Look at the playground above on the ill-conditioned surface with these settings.",
        "`viz.optimiser_paths('ill-conditioned', learning_rate=0.03, steps=100)` gives the points each visits.",
        "Compare each path's last point's distance from (0, 0).",
    ],
)
def _09_best(answer: Any) -> None:
    from workbench.viz.plots import optimiser_paths  # noqa: PLC0415

    paths = optimiser_paths("ill-conditioned", learning_rate=0.03, steps=100)
    best = min(paths, key=lambda n: float(np.linalg.norm(paths[n][-1])))
    if str(answer) != best:
        raise Wrong(
            f"{answer!r} ends at distance {np.linalg.norm(paths[str(answer)][-1]) if str(answer) in paths else float('nan'):.3g}; another one gets closer"
        )


@reference("09.best_optimiser")
def _09_best_ref() -> Any:
    from workbench.viz.plots import optimiser_paths  # noqa: PLC0415

    paths = optimiser_paths("ill-conditioned", learning_rate=0.03, steps=100)
    return min(paths, key=lambda n: float(np.linalg.norm(paths[n][-1])))


# ---------------------------------------------------------------------------------------
# 10 Performance


@exercise(
    "10.fused_groups",
    "Predict, then check: after the compiler's passes, how many fused groups does the graph of g(x, W) = maximum(tanh(x * 2 + 1) @ W - 0.5, 0) contain? (count 'fused' equations)",
    [
        "Fusion merges a connected chain of elementwise operations into one kernel.",
        "A matrix product is not elementwise: it ends one chain and starts another.",
        "Before the product: mul, add, tanh; after it: sub, maximum. Then run the passes (`default_pipeline().run(graph)`) to check.",
    ],
)
def _10_fused(answer: Any) -> None:
    if int(answer) == 2:
        return
    if int(answer) == 1:
        raise Wrong(
            "the matrix product is not elementwise: the chains before and after it fuse separately"
        )
    if int(answer) == 0:
        raise Wrong("elementwise chains do fuse: each becomes one kernel")
    raise Wrong(f"{answer} groups is not it: one group per connected elementwise chain")


@reference("10.fused_groups")
def _10_fused_ref() -> Any:
    return 2


@exercise(
    "10.overhead_share",
    "A step takes 5 ms eagerly and 3 ms compiled; its matrix products take 2.8 ms either way. What fraction of the eager step is overhead outside the products? (0-1)",
    [
        "The compiled step removes overhead, not arithmetic: the products take the same time in both.",
        "Overhead = eager time - time in the products.",
        "Divide the overhead by the whole eager step.",
    ],
)
def _10_overhead(answer: Any) -> None:
    if abs(float(answer) - 0.44) > 1e-3:
        raise Wrong(f"{answer} is not it: the share of the 5 ms that is not products")


@reference("10.overhead_share")
def _10_overhead_ref() -> Any:
    return 0.44


# ---------------------------------------------------------------------------------------
# 11 Mixed precision


@exercise(
    "11.fp16_spacing",
    "Predict, then check with numpy: what is np.float16(2048) + np.float16(1) in float16?",
    [
        "float16 keeps 11 significant bits (10 stored, one implicit).",
        "Between 2048 = 2**11 and 4096 the representable numbers are 2 apart.",
        "2049 lies exactly between 2048 and 2050: IEEE rounds ties to the even mantissa.",
    ],
)
def _11_spacing(answer: Any) -> None:
    value = float(answer)
    if value == 2048.0:
        return
    if value == 2049.0:
        raise Wrong("float16 cannot hold 2049: above 2048 its numbers are 2 apart")
    if value == 2050.0:
        raise Wrong("2049 is a tie between 2048 and 2050: ties round to the even mantissa")
    raise Wrong(f"{answer} is not it")


@reference("11.fp16_spacing")
def _11_spacing_ref() -> Any:
    return 2048.0


@exercise(
    "11.loss_scale",
    "A gradient of 1e-8 underflows to 0 in float16. What is the smallest power of two loss scale (2**k) that keeps it representable as a normal float16 number (≥ 6.1e-5)?",
    [
        "Multiplying the loss by 2**k multiplies every gradient by 2**k too.",
        "The smallest normal float16 is `numpy.finfo(numpy.float16).tiny` (about 6.1e-5).",
        "Find the smallest k with 1e-8 · 2**k ≥ that number (`math.log2` helps).",
    ],
)
def _11_scale(answer: Any) -> None:
    tiny = float(np.finfo(np.float16).tiny)
    k = math.ceil(math.log2(tiny / 1e-8))
    if float(answer) == 2.0**k:
        return
    if float(answer) > 2.0**k:
        raise Wrong(
            "that works, but a smaller scale does too (and leaves more headroom before overflow)"
        )
    raise Wrong(
        f"{answer} is too small: 1e-8 · {answer} is still below float16's smallest normal number"
    )


@reference("11.loss_scale")
def _11_scale_ref() -> Any:
    return 2.0 ** math.ceil(math.log2(float(np.finfo(np.float16).tiny) / 1e-8))


# ---------------------------------------------------------------------------------------
# 12 Parallelism


@exercise(
    "12.per_example_norms",
    "Write grad_norms(w, xs, ys): the gradient norm of loss(w, x, y) = (x @ w - y)² for each example, with vmap.",
    [
        "First get one gradient per example, then one norm per gradient.",
        "`jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))` gives per-example gradients.",
        "The norm of each row: the square root of the sum of squares along axis 1.",
    ],
)
def _12_norms(fn: Any) -> None:
    rng = np.random.default_rng(5)
    w, xs, ys = (
        rng.standard_normal(3).astype(np.float32),
        rng.standard_normal((6, 3)).astype(np.float32),
        rng.standard_normal(6).astype(np.float32),
    )
    want = np.abs(2 * (xs @ w - ys)) * np.linalg.norm(xs, axis=1)
    got = _host(_call(fn, w, xs, ys))
    if got.shape == ():
        raise Wrong("one number for the batch: vmap over the examples so each gets its own norm")
    _close(got, want, "the per-example norms")


@reference("12.per_example_norms")
def _12_norms_ref() -> Any:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    loss = lambda w, x, y: (x @ w - y) ** 2  # noqa: E731
    return lambda w, xs, ys: jnp.sqrt(
        jnp.sum(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(w, xs, ys) ** 2, axis=1)
    )


@exercise(
    "12.psum_grad",
    "Inside shard_map over 2 devices, each device's loss is the mean over its half of the batch and the weight w is replicated (P()). jax.grad of lax.psum(loss, 'data') with respect to w is what multiple of the full-batch gradient?",
    [
        "psum adds the two half-batch means: compare with the mean over the whole batch.",
        "The gradient of a replicated weight is summed over the devices (JAX's varying-axes rule), which is exactly the gradient of the psum.",
        "Two equal halves: mean_0 + mean_1 = 2 * full mean.",
    ],
)
def _12_psum_grad(answer: Any) -> None:
    value = float(answer)
    if value == 2.0:
        return
    if value == 1.0:
        raise Wrong("that is grad of pmean(loss): psum adds the two means instead of averaging")
    if value == 4.0:
        raise Wrong("the sum over devices happens once: it is the gradient of the psum itself")
    raise Wrong(f"{answer} is not it")


@reference("12.psum_grad")
def _12_psum_grad_ref() -> Any:
    return 2.0


# ---------------------------------------------------------------------------------------
# 13 Deployment


@exercise(
    "13.onnx_matches",
    "Export a Keras model to an ONNX file with model.export(path, format='onnx') and pass (model, path): the check runs the file with ONNX Runtime on inputs of its own and compares with the model.",
    [
        "Build any Keras model with a known input shape (keras.Input(shape=...)).",
        "model.export(path, format='onnx') writes the file; the batch is fixed at 1 unless input_signature says otherwise.",
        "Pass the model itself and the path you exported to, as a tuple.",
    ],
)
def _13_onnx(answer: Any) -> None:
    import os  # noqa: PLC0415

    import onnxruntime  # noqa: PLC0415

    try:
        model, path = answer
    except (TypeError, ValueError):
        raise Wrong("pass a tuple (model, path)") from None
    if not isinstance(path, str | os.PathLike) or not os.path.exists(path):
        raise Wrong(f"no exported file at {path!r}: call model.export(path, format='onnx') first")
    session = onnxruntime.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    spec = session.get_inputs()[0]
    x = np.random.default_rng(13).standard_normal([int(d) for d in spec.shape]).astype(np.float32)
    (outputs,) = session.run(None, {spec.name: x})[:1]
    _close(outputs, model.predict(x, verbose=0), "ONNX Runtime's output", rtol=1e-4, atol=1e-5)


@reference("13.onnx_matches")
def _13_onnx_ref() -> Any:
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from workbench.static import keras  # noqa: PLC0415

    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    model.export(path, format="onnx", verbose=False)
    return model, path


@exercise(
    "13.export_roundtrip",
    "With jax.export, export jax.jit(lambda x: 2 * jnp.tanh(x)) for float32[3] arrays, serialize it, and pass the bytes: the check deserializes and calls them.",
    [
        "jax.export.export(jitted) returns a function; call it with jax.ShapeDtypeStruct((3,), jnp.float32).",
        "The Exported object's serialize() gives the bytes to store.",
        "jax.export.export(jax.jit(f))(jax.ShapeDtypeStruct((3,), jnp.float32)).serialize()",
    ],
)
def _13_export_roundtrip(answer: Any) -> None:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    if not isinstance(answer, bytes | bytearray):
        raise Wrong(
            "pass the bytes from exported.serialize(), not the Exported object or a function"
        )
    exported = jax.export.deserialize(answer)
    if [a.str_short() for a in exported.in_avals] != ["float32[3]"]:
        raise Wrong(f"exported for {exported.in_avals}: export it for float32[3]")
    x = jnp.array([-1.0, 0.5, 2.0])
    _close(exported.call(x), 2 * np.tanh(np.array([-1.0, 0.5, 2.0])), "the deserialized function")


@reference("13.export_roundtrip")
def _13_export_roundtrip_ref() -> Any:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    spec = jax.ShapeDtypeStruct((3,), jnp.float32)
    return jax.export.export(jax.jit(lambda x: 2 * jnp.tanh(x)))(spec).serialize()


# ---------------------------------------------------------------------------------------
# 14 Debugging


@exercise(
    "14.nan_source",
    "With torch.autograd.detect_anomaly(), which backward function does the error name for torch.sqrt(x ** 2).sum().backward() at x = [0.0, 3.0]? (its grad_fn name, e.g. 'ExpBackward0')",
    [
        "Anomaly mode checks what each backward function returns, in the order the backward pass runs: from the loss back to x.",
        "At x = 0, sqrt's derivative 1/(2·sqrt(0)) is inf — not NaN. What does the next backward function do with that inf?",
        "x ** 2's backward multiplies the incoming gradient by 2x = 0: inf · 0 is NaN. Its grad_fn is `(x ** 2).grad_fn`.",
    ],
)
def _14_nan(answer: Any) -> None:
    text = str(answer).strip().lower()
    if text in ("powbackward0", "pow"):
        return
    if text.startswith("sqrt"):
        raise Wrong(
            "sqrt's backward returns inf at 0, not NaN: the NaN appears one step later, where "
            "that inf is multiplied by the 0 in 2x"
        )
    raise Wrong(f"{answer!r} is not it: run the line under detect_anomaly and read the error")


@reference("14.nan_source")
def _14_nan_ref() -> Any:
    return "PowBackward0"


@exercise(
    "14.gradcheck",
    "A custom square op with a wrong backward: pass the gradient check's verdict as True (passes) or False (fails) for backward = lambda g, x: g * x.",
    [
        "The derivative of x² is 2x.",
        "The backward must return g times the derivative; compare `g * x` with that.",
        "`workbench.core.check_grads` raises when the VJP disagrees with finite differences.",
    ],
)
def _14_gradcheck(answer: Any) -> None:
    if answer is not False:
        raise Wrong("g·x is half of the true gradient 2x·g: the check fails")


@reference("14.gradcheck")
def _14_gradcheck_ref() -> Any:
    return False
