"""The lessons' exercises: each checker explains what is wrong with a wrong answer; the
reference answers live here, not in the notebooks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.lessons import Wrong, exercise, reference


def _host(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def _call(fn: Any, *args: Any) -> Any:
    """Call the learner's function; a missing ``return`` gets its own message."""
    if fn is None or fn is Ellipsis or not callable(fn):
        raise Wrong("expected a function: define it with def and pass it (without calling it)")
    out = fn(*args)
    if out is None:
        raise Wrong("your function returned None: did you forget the return statement?")
    return out


def _close(got: Any, want: Any, what: str, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    g, w = _host(got), _host(want)
    if g.shape != w.shape:
        raise Wrong(f"{what} has shape {g.shape}, expected {w.shape}")
    if not np.allclose(g, w, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(g - w)), g.shape) if g.ndim else ()
        raise Wrong(f"{what} is off: at {worst} you have {g[worst]:.6g}, expected {w[worst]:.6g}")


# ---------------------------------------------------------------------------------------
# 01 Tensors, broadcasting and devices


@exercise(
    "01.broadcast_shape",
    "What shape does an array of shape (3, 1) plus one of shape (4,) have?",
    [
        "Line the shapes up from the right: (3, 1) and (_, 4).",
        "A dimension of size 1 stretches to match the other.",
    ],
)
def _01_broadcast(answer: Any) -> None:
    if tuple(answer) == (3, 4):
        return
    if tuple(answer) in ((4, 3), (3, 1), (4,)):
        raise Wrong(
            f"{tuple(answer)} is not it: align the shapes from the right — (3, 1) and "
            f"(4,) become (3, 1) and (1, 4)"
        )
    raise Wrong(f"{tuple(answer)} is not the broadcast shape of (3, 1) and (4,)")


@reference("01.broadcast_shape")
def _01_broadcast_ref() -> Any:
    return (3, 4)


@exercise(
    "01.standardize",
    "Write standardize(x) that subtracts each column's mean and divides by its standard "
    "deviation (population std), using broadcasting — no loops.",
    [
        "x.mean(dim=0) has shape (columns,): it broadcasts against x's rows.",
        "Use x.std(dim=0, unbiased=False).",
    ],
    "def standardize(x):\n    return (x - x.mean(dim=0)) / x.std(dim=0, unbiased=False)",
)
def _01_standardize(fn: Any) -> None:
    import workbench.eager as torch  # noqa: PLC0415

    data = np.random.default_rng(0).standard_normal((6, 3)) * [1.0, 5.0, 0.5] + [2.0, -1.0, 0.0]
    out = _host(_call(fn, torch.tensor(data.astype(np.float32))))
    want = (data - data.mean(0)) / data.std(0)
    if out.shape != want.shape:
        raise Wrong(
            f"the result has shape {out.shape}, expected {want.shape}: did a mean or "
            f"std keep the wrong dimension?"
        )
    if np.allclose(
        out, (data - data.mean(1, keepdims=True)) / data.std(1, keepdims=True), atol=1e-4
    ):
        raise Wrong(
            "you standardised the rows: use dim=0 to reduce over rows, giving one mean per column"
        )
    if np.allclose(out, (data - data.mean(0)) / data.std(0, ddof=1), atol=1e-4):
        raise Wrong(
            "close: that is the sample std (divides by n-1); use the population std "
            "(unbiased=False)"
        )
    _close(out, want, "the result")


@reference("01.standardize")
def _01_standardize_ref() -> Any:
    return lambda x: (x - x.mean(dim=0)) / x.std(dim=0, unbiased=False)


# ---------------------------------------------------------------------------------------
# 02 Automatic differentiation from first principles


@exercise(
    "02.derivative",
    "By the chain rule, what is d/dx of x·sin(x) at x = 2? (a number)",
    ["Product rule: (uv)' = u'v + uv'.", "sin(2) + 2·cos(2)."],
)
def _02_derivative(answer: Any) -> None:
    want = math.sin(2) + 2 * math.cos(2)
    value = float(answer)
    if abs(value - want) < 1e-4:
        return
    if abs(value - 2 * math.cos(2)) < 1e-4 or abs(value - math.sin(2)) < 1e-4:
        raise Wrong("you have one of the two product-rule terms; add the other")
    raise Wrong(f"{value:.5f} is not it; check it numerically: (f(2+h) - f(2-h)) / 2h")


@reference("02.derivative")
def _02_derivative_ref() -> Any:
    return math.sin(2) + 2 * math.cos(2)


@exercise(
    "02.mul_backward",
    "Complete mul_backward(a, b, out_grad) for z = a * b: return (dL/da, dL/db).",
    [
        "dz/da = b and dz/db = a.",
        "Multiply each local derivative by the gradient arriving from above (out_grad).",
    ],
    "def mul_backward(a, b, out_grad):\n    return out_grad * b, out_grad * a",
)
def _02_mul_backward(fn: Any) -> None:
    ga, gb = _call(fn, 3.0, -2.0, 0.5)
    if (float(ga), float(gb)) == (-1.0, 1.5):
        return
    if (float(ga), float(gb)) == (1.5, -1.0):
        raise Wrong("the two gradients are swapped: dz/da is b, not a")
    if (float(ga), float(gb)) == (-2.0, 3.0):
        raise Wrong("you forgot to multiply by out_grad (the chain rule's upstream gradient)")
    raise Wrong(f"mul_backward(3, -2, 0.5) gave ({ga}, {gb}); expected (-1.0, 1.5)")


@reference("02.mul_backward")
def _02_mul_backward_ref() -> Any:
    return lambda a, b, g: (g * b, g * a)


# ---------------------------------------------------------------------------------------
# 03 Eager style


@exercise(
    "03.leaf_grad",
    "For w = torch.tensor([1., 2., 3.], requires_grad=True) and loss = (w ** 2).sum() * 3, "
    "what is w.grad after loss.backward()? (a list or tensor)",
    ["d/dw of 3 Σ w² is 6w.", "Run it: loss.backward() then look at w.grad."],
)
def _03_leaf_grad(answer: Any) -> None:
    want = np.array([6.0, 12.0, 18.0])
    got = _host(answer)
    if np.allclose(got, 2 * want):
        raise Wrong("twice the gradient: did you call backward() twice? .grad accumulates")
    _close(got, want, "w.grad")


@reference("03.leaf_grad")
def _03_leaf_grad_ref() -> Any:
    return [6.0, 12.0, 18.0]


@exercise(
    "03.clip_hook",
    "Write a tensor hook clip(grad) that clamps every gradient entry to [-1, 1].",
    ["A hook receives the gradient and returns the replacement.", "grad.clamp(-1, 1)"],
    "def clip(grad):\n    return grad.clamp(-1.0, 1.0)",
)
def _03_clip_hook(hook: Any) -> None:
    import workbench.eager as torch  # noqa: PLC0415

    w = torch.tensor([0.5, -2.0, 3.0], requires_grad=True)
    w.register_hook(hook)
    (w * torch.tensor([4.0, -4.0, 0.1])).sum().backward()
    _close(w.grad, [1.0, -1.0, 0.1], "w.grad with your hook")


@reference("03.clip_hook")
def _03_clip_hook_ref() -> Any:
    return lambda g: g.clamp(-1.0, 1.0)


# ---------------------------------------------------------------------------------------
# 04 Static style


@exercise(
    "04.traces",
    "f = tf.function(lambda x: x * 2). How many times is it traced by f(tf.constant(1.0)), "
    "f(tf.constant(2.0)), f(tf.constant([1.0, 2.0])), f(3.0), f(4.0)?",
    [
        "A new trace happens for each new input signature.",
        "Tensors of the same shape and dtype share a trace; each Python number is its "
        "own signature.",
    ],
)
def _04_traces(answer: Any) -> None:
    if int(answer) == 4:
        return
    if int(answer) == 2:
        raise Wrong("Python numbers are not tensors: f(3.0) and f(4.0) each trace anew")
    if int(answer) == 5:
        raise Wrong(
            "the two scalar tensors share one signature (shape (), float32): only one "
            "trace for them"
        )
    raise Wrong(f"{answer} traces is not it; call f.experimental_get_tracing_count() to see")


@reference("04.traces")
def _04_traces_ref() -> Any:
    return 4


@exercise(
    "04.session_run",
    "In a graph with x = placeholder(float32, [None]) and y = reduce_sum(x * x), what does "
    "sess.run(y, {x: [1, 2, 3]}) return?",
    ["The fed list becomes x; y squares and sums it.", "1 + 4 + 9"],
)
def _04_session_run(answer: Any) -> None:
    if abs(float(answer) - 14.0) < 1e-6:
        return
    if abs(float(answer) - 6.0) < 1e-6:
        raise Wrong("that is the plain sum: y squares x first")
    raise Wrong(f"{answer} is not it")


@reference("04.session_run")
def _04_session_run_ref() -> Any:
    return 14.0


# ---------------------------------------------------------------------------------------
# 05 Functional style


@exercise(
    "05.per_example_grads",
    "Write per_example_grads(w, xs) returning the gradient of loss(w, x) = sum(tanh(x @ w)) "
    "for each row x of xs (use jax.vmap and jax.grad).",
    [
        "jax.grad(loss) differentiates with respect to w.",
        "vmap it over xs only: in_axes=(None, 0).",
    ],
    "def per_example_grads(w, xs):\n    return jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, xs)",
)
def _05_per_example(fn: Any) -> None:
    w = np.array([[0.5, -1.0], [0.3, 0.8], [-0.2, 0.1]], np.float32)
    xs = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    got = _host(_call(fn, w, xs))
    want = np.stack([np.outer(x, 1 - np.tanh(x @ w) ** 2) for x in xs])
    if got.shape == (3, 2):
        raise Wrong(
            "one gradient for the whole batch: vmap over the rows of xs (in_axes=(None, 0))"
        )
    _close(got, want, "the per-example gradients")


@reference("05.per_example_grads")
def _05_per_example_ref() -> Any:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    loss = lambda w, x: jnp.sum(jnp.tanh(x @ w))  # noqa: E731
    return lambda w, xs: jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, xs)


@exercise(
    "05.keys",
    "From key = jax.random.PRNGKey(0), make three independent keys with split and return "
    "jax.random.normal(k) for each (a list of three numbers).",
    ["keys = jax.random.split(key, 3)", "Never reuse a key: each draw gets its own."],
)
def _05_keys(answer: Any) -> None:
    import workbench.functional as jax  # noqa: PLC0415

    values = [float(np.asarray(a)) for a in answer]
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    want = [float(jax.random.normal(keys[i])) for i in range(3)]
    if len(set(np.round(values, 6))) == 1:
        raise Wrong("all three numbers are equal: you reused one key; split it first")
    if not np.allclose(values, want, atol=1e-6):
        raise Wrong(
            "independent, but not from jax.random.split(PRNGKey(0), 3) — use those "
            "three keys in order"
        )


@reference("05.keys")
def _05_keys_ref() -> Any:
    import workbench.functional as jax  # noqa: PLC0415

    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    return [jax.random.normal(keys[i]) for i in range(3)]


from workbench.lessons import exercises_more  # noqa: E402, F401 - lessons 6-14
