"""The lessons' exercises: each checker explains what is wrong with a wrong answer; the
reference answers live here, not in the notebooks."""

# ruff: noqa: E501 - hints read best on one line
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
        # Say where and which way, not the expected value: the learner should find it.
        worst = np.unravel_index(np.argmax(np.abs(g - w)), g.shape) if g.ndim else ()
        where = f" at index {tuple(int(i) for i in worst)}" if g.ndim else ""
        way = "too large" if g[worst] > w[worst] else "too small"
        raise Wrong(f"{what} is off{where}: your {g[worst]:.6g} is {way}")


# ---------------------------------------------------------------------------------------
# 01 Tensors, broadcasting and devices


@exercise(
    "01.broadcast_shape",
    "What shape does an array of shape (3, 1) plus one of shape (4,) have?",
    [
        "Broadcasting compares shapes dimension by dimension, starting from the right.",
        "Write the shapes one above the other, right-aligned; a missing dimension counts as 1.",
        "In each column a 1 stretches to the other size.",
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
        "Reduce over the rows so you get one mean (and one std) per column.",
        "`x.mean(dim=0)` has shape `(columns,)` and broadcasts against every row of `x`.",
        "The population std divides by n, not n - 1: look at `std`'s `unbiased` (or `correction`) argument.",
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
    "By the chain and product rules, what is d/dx of x²·cos(x) at x = 1? (a number)",
    [
        "x²·cos(x) is a product of two functions of x.",
        "Product rule: (uv)' = u'v + uv', with u = x² (u' = 2x) and v = cos(x) (v' = -sin(x)).",
        "Evaluate 2x·cos(x) - x²·sin(x) at x = 1 (radians), or check with a central difference.",
    ],
)
def _02_derivative(answer: Any) -> None:
    want = 2 * math.cos(1) - math.sin(1)
    value = float(answer)
    if abs(value - want) < 1e-4:
        return
    if abs(value - 2 * math.cos(1)) < 1e-4 or abs(value + math.sin(1)) < 1e-4:
        raise Wrong("you have one of the two product-rule terms; add the other")
    if abs(value - (2 * math.cos(1) + math.sin(1))) < 1e-4:
        raise Wrong("almost: the derivative of cos(x) is -sin(x)")
    raise Wrong(f"{value:.5f} is not it; check it numerically: (f(1+h) - f(1-h)) / 2h")


@reference("02.derivative")
def _02_derivative_ref() -> Any:
    return 2 * math.cos(1) - math.sin(1)


@exercise(
    "02.div_backward",
    "Complete div_backward(a, b, out_grad) for z = a / b: return (dL/da, dL/db).",
    [
        "Reverse mode hands each operation the gradient of the loss with respect to its output (`out_grad`).",
        "Local derivatives of z = a/b: dz/da = 1/b, dz/db = -a/b².",
        "Chain rule: dL/da = out_grad / b, dL/db = -out_grad · a / b².",
    ],
    "def div_backward(a, b, out_grad):\n    return out_grad / b, -out_grad * a / b ** 2",
)
def _02_div_backward(fn: Any) -> None:
    ga, gb = (float(v) for v in _call(fn, 3.0, -2.0, 0.5))
    if abs(ga + 0.25) < 1e-9 and abs(gb + 0.375) < 1e-9:
        return
    if abs(ga + 0.25) < 1e-9 and abs(gb - 0.375) < 1e-9:
        raise Wrong("dL/db has the wrong sign: a/b decreases as b grows (for a, b > 0)")
    if abs(ga + 0.5) < 1e-9 and abs(gb + 0.75) < 1e-9:
        raise Wrong("you forgot to multiply by out_grad (the chain rule's upstream gradient)")
    raise Wrong(
        f"div_backward(3, -2, 0.5) gave ({ga}, {gb}): check each against the chain rule, "
        f"dL/da = out_grad · dz/da"
    )


@reference("02.div_backward")
def _02_div_backward_ref() -> Any:
    return lambda a, b, g: (g / b, -g * a / b**2)


@exercise(
    "02.jvp_primitives",
    "How many primitives does the logging interpreter print for logged(jvp(g)) with "
    "g(x) = exp(x) * x, the logger below JVP?",
    [
        "Below JVP the logger sees every primitive JVP's rules apply: primal and tangent work.",
        "exp: the primal exp, and one mul for its tangent (tangent times exp's output).",
        "mul: the primal product, then the product rule t_a*b + a*t_b: two muls and an add.",
    ],
)
def _02_jvp_primitives(answer: Any) -> None:
    n = int(answer)
    if n == 6:
        return
    if n == 2:
        raise Wrong("that is what a logger above JVP sees: below it, the tangent work shows too")
    if n in (4, 5):
        raise Wrong("count the primal operations as well as the tangent ones, for both exp and mul")
    raise Wrong(f"{n} is not it: write out each primitive's JVP rule")


@reference("02.jvp_primitives")
def _02_jvp_primitives_ref() -> Any:
    return 6


# ---------------------------------------------------------------------------------------
# 03 Eager style


@exercise(
    "03.leaf_grad",
    "For w = torch.tensor([1., 2., 3.], requires_grad=True) and loss = (w ** 2).sum() * 3, "
    "what is w.grad after loss.backward()? (a list or tensor)",
    [
        "Differentiate the loss by hand: the derivative of a sum is the sum of the derivatives.",
        "d/dw of c·Σ w² is 2c·w, one entry per element of w.",
        "Or run it: `loss.backward()`, then look at `w.grad` (once! `.grad` accumulates).",
    ],
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
    [
        "A tensor hook receives the gradient flowing into the tensor and may return a replacement.",
        "The replacement must have the same shape; limit each entry to the interval.",
        "Tensors have a method that limits values to [min, max] (NumPy calls it `clip`).",
    ],
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
        "`tf.function` traces once per new *input signature*, then reuses the graph.",
        "For tensors the signature is (shape, dtype); for Python numbers it is the value itself.",
        "Group the five calls by signature and count the groups; `f.experimental_get_tracing_count()` confirms.",
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
    "04.tape_watch",
    "Inside one tf.GradientTape(persistent=True): a = tf.constant(2.0), v = tf.Variable(5.0), "
    "y = a * v. What are tape.gradient(y, a) and tape.gradient(y, v)? Answer a tuple "
    "(None for no gradient).",
    [
        "A tape records only what it watches.",
        "Trainable variables are watched automatically; other tensors only after tape.watch.",
        "dy/dv = a; and the tape never watched a.",
    ],
)
def _04_tape_watch(answer: Any) -> None:
    try:
        da, dv = answer
    except (TypeError, ValueError):
        raise Wrong("answer with a tuple of two: (gradient for a, gradient for v)") from None
    if da is None and dv is not None and abs(float(dv) - 2.0) < 1e-6:
        return
    if da is not None and dv is not None:
        raise Wrong("a is a constant the tape never watched: its gradient is None")
    if dv is None:
        raise Wrong("v is a trainable tf.Variable: the tape watches it without being asked")
    raise Wrong(f"{answer} is not it: dy/dv = a")


@reference("04.tape_watch")
def _04_tape_watch_ref() -> Any:
    return (None, 2.0)


@exercise(
    "04.session_run",
    "In a graph with x = placeholder(float32, [None]) and y = reduce_sum(x * x), what does "
    "sess.run(y, {x: [1, 2, 3]}) return?",
    [
        "The fed list becomes the value of `x` for this one run.",
        "`y` multiplies x by itself elementwise, then adds everything up.",
    ],
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
    "05.input_grads",
    "Write input_grads(w, xs) returning the gradient of loss(w, x) = sum(tanh(x @ w)) with respect to x (not w) for each row x of xs.",
    [
        "`jax.grad` differentiates with respect to the first argument unless told otherwise.",
        "`argnums=1` picks the second argument, x; then vmap over the rows of xs.",
        "`jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0))(w, xs)`",
    ],
    "def input_grads(w, xs):\n    return jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0))(w, xs)",
)
def _05_input_grads(fn: Any) -> None:
    w = np.array([[0.5, -1.0], [0.3, 0.8], [-0.2, 0.1]], np.float32)
    xs = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    got = _host(_call(fn, w, xs))
    want = np.stack([w @ (1 - np.tanh(x @ w) ** 2) for x in xs])
    if got.shape == (4, 3, 2):
        raise Wrong(
            "those are gradients with respect to w: differentiate with respect to x (argnums=1)"
        )
    if got.shape == (3,):
        raise Wrong(
            "one gradient for the whole batch: vmap over the rows of xs (in_axes=(None, 0))"
        )
    _close(got, want, "the gradients with respect to each x")


@reference("05.input_grads")
def _05_input_grads_ref() -> Any:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    loss = lambda w, x: jnp.sum(jnp.tanh(x @ w))  # noqa: E731
    return lambda w, xs: jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0))(w, xs)


@exercise(
    "05.keys",
    "From key = jax.random.key(0), make three independent keys with split and return "
    "jax.random.normal(k) for each (a list of three numbers).",
    [
        "JAX never hides random state: the same key always gives the same numbers.",
        "`jax.random.split(key, n)` makes n new keys from one.",
        "Draw one number from each of the split keys, in order, each with `jax.random.normal`.",
    ],
)
def _05_keys(answer: Any) -> None:
    import workbench.functional as jax  # noqa: PLC0415

    values = [float(np.asarray(a)) for a in answer]
    keys = jax.random.split(jax.random.key(0), 3)
    want = [float(jax.random.normal(keys[i])) for i in range(3)]
    if len(set(np.round(values, 6))) == 1:
        raise Wrong("all three numbers are equal: you reused one key; split it first")
    if not np.allclose(values, want, atol=1e-6):
        raise Wrong(
            "independent, but not from jax.random.split(jax.random.key(0), 3) — use those "
            "three keys in order"
        )


@reference("05.keys")
def _05_keys_ref() -> Any:
    import workbench.functional as jax  # noqa: PLC0415

    keys = jax.random.split(jax.random.key(0), 3)
    return [jax.random.normal(keys[i]) for i in range(3)]


from workbench.lessons import exercises_models, exercises_more  # noqa: E402, F401 - lessons 6-16
