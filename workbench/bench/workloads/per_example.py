"""``per-example-grads``: the gradient norm of each of 64 examples for a 100-64-10 ReLU
MLP (cross-entropy), as differential privacy and data debugging need them: ``vmap`` of
``grad`` against a Python loop of per-example gradients.

The floor (``numpy``) materialises every example's gradients with batched products, as
``vmap(grad)`` does; ``numpy-norms`` uses the shortcut a dense layer allows (its
per-example gradients are outer products, so their squared norms are products of squared
norms and nothing per example is materialised)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.styles import host_only, need, to_numpy
from workbench.bench.suite import Case, Runner, Workload

FULL = {"in": 100, "hidden": 64, "out": 10, "batch": 64}
TINY = {"in": 6, "hidden": 5, "out": 3, "batch": 4}


def setup(s: dict[str, int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    weights = [
        (rng.standard_normal((s["hidden"], s["in"])) / np.sqrt(s["in"])).astype(np.float32),
        (0.1 * rng.standard_normal(s["hidden"])).astype(np.float32),
        (rng.standard_normal((s["out"], s["hidden"])) / np.sqrt(s["hidden"])).astype(np.float32),
        (0.1 * rng.standard_normal(s["out"])).astype(np.float32),
    ]
    x = rng.standard_normal((s["batch"], s["in"])).astype(np.float32)
    y = rng.integers(0, s["out"], s["batch"]).astype(np.int64)
    return weights, [x, y]


def _by_hand(norms: Callable[..., Any]) -> Callable[[Case, str], Runner]:
    """A hand-written step: the forward pass and each example's output and hidden
    cotangents (d2, d1) by hand, then ``norms(xp, x, h, d1, d2)``."""

    def build(case: Case, device: str) -> Runner:
        from workbench.backend import get_device  # noqa: PLC0415

        dev = get_device(device)
        xp = dev.xp
        weights, inputs = setup(case.sizes)
        w1, b1, w2, b2 = (dev.put(w) for w in weights)
        x, y = (dev.put(a) for a in inputs)
        rows = xp.arange(len(y))

        def step() -> Any:
            z = x @ w1.T + b1
            h = xp.maximum(z, 0)
            logits = h @ w2.T + b2
            e = xp.exp(logits - logits.max(1, keepdims=True))
            d2 = e / e.sum(1, keepdims=True)
            d2[rows, y] -= 1  # each example's own loss: no 1/batch
            d1 = (d2 @ w2) * (z > 0)
            return norms(xp, x, h, d1, d2)

        return Runner(step, lambda out: [to_numpy(out)])

    return build


def _materialised(xp: Any, x: Any, h: Any, d1: Any, d2: Any) -> Any:
    """The floor: every example's gradients materialised with batched products (what
    ``vmap(grad)`` computes), as a NumPy programmer vectorises them."""
    g_w1 = d1[:, :, None] * x[:, None, :]  # (B, hidden, in): one outer product each
    g_w2 = d2[:, :, None] * h[:, None, :]
    sq = lambda a: (a * a).reshape(len(a), -1).sum(1)  # noqa: E731
    return xp.sqrt(sq(g_w1) + sq(d1) + sq(g_w2) + sq(d2))


def _shortcut(xp: Any, x: Any, h: Any, d1: Any, d2: Any) -> Any:
    """The norms without materialising a gradient: products of squared norms."""
    sq = lambda a: (a * a).sum(1)  # noqa: E731
    return xp.sqrt(sq(d1) * sq(x) + sq(d1) + sq(d2) * sq(h) + sq(d2))


def _example_loss(jax: Any, jnp: Any) -> Callable[..., Any]:
    def loss(p: list[Any], xi: Any, yi: Any) -> Any:
        logits = jax.nn.relu(xi @ p[0].T + p[1]) @ p[2].T + p[3]
        return -jax.nn.log_softmax(logits)[yi]

    return loss


def _norms(jnp: Any, grads: list[Any]) -> Any:
    return jnp.sqrt(sum(jnp.sum(jnp.reshape(g * g, (g.shape[0], -1)), axis=1) for g in grads))


def jax_like(library: str, mode: str) -> Callable[[Case, str], Runner]:
    """``mode``: "vmap" (vmap of grad, jitted), "vmap-eager" (not jitted), "loop" (a
    Python loop over a jitted grad)."""

    def build(case: Case, device: str) -> Runner:
        jax, jnp = need(library), need(f"{library}.numpy")
        if library == "workbench.functional":
            host_only(device, "the functional front end")
        weights, (x_h, y_h) = setup(case.sizes)
        params = [jnp.asarray(w) for w in weights]
        x, y = jnp.asarray(x_h), jnp.asarray(y_h.astype(np.int32))
        grad = jax.grad(_example_loss(jax, jnp))
        if mode == "loop":
            single = jax.jit(grad)

            def step() -> Any:
                return jnp.stack(
                    [
                        _norms(jnp, [g[None] for g in single(params, x[i], y[i])])[0]
                        for i in range(len(x_h))
                    ]
                )
        else:
            batched = lambda p, xs, ys: _norms(jnp, jax.vmap(grad, in_axes=(None, 0, 0))(p, xs, ys))  # noqa: E731
            run = jax.jit(batched) if mode == "vmap" else batched

            def step() -> Any:
                return jax.block_until_ready(run(params, x, y))

        return Runner(step, lambda out: [np.asarray(out)])

    return build


def torch_like(library: str, mode: str) -> Callable[[Case, str], Runner]:
    """``mode``: "vmap" (``func.vmap(func.grad)`` over ``functional_call``) or "loop"
    (one backward per example, the classic way)."""

    def build(case: Case, device: str) -> Runner:
        lib = need(library)
        where = "cuda" if device.startswith("cuda") else "cpu"
        s = case.sizes
        model = lib.nn.Sequential(
            lib.nn.Linear(s["in"], s["hidden"]), lib.nn.ReLU(), lib.nn.Linear(s["hidden"], s["out"])
        ).to(where)
        weights, (x_h, y_h) = setup(s)
        with lib.no_grad():
            for p, w in zip(model.parameters(), weights):
                p.copy_(lib.tensor(w, device=where))
        x, y = lib.tensor(x_h, device=where), lib.tensor(y_h, device=where)
        F = lib.nn.functional

        if mode == "loop":

            def step() -> Any:
                norms = []
                for i in range(len(x_h)):
                    model.zero_grad()
                    F.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
                    norms.append(sum((p.grad * p.grad).sum() for p in model.parameters()).sqrt())
                return lib.stack(norms)
        else:
            params = {k: v.detach() for k, v in model.named_parameters()}

            def loss(p: Any, xi: Any, yi: Any) -> Any:
                logits = lib.func.functional_call(model, p, (xi[None],))
                return F.cross_entropy(logits, yi[None])

            per_example = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))

            def step() -> Any:
                grads = per_example(params, x, y)
                return sum((g * g).reshape(len(x_h), -1).sum(1) for g in grads.values()).sqrt()

        return Runner(step, lambda out: [to_numpy(out)])

    return build


def tf_function(mode: str) -> Callable[[Case, str], Runner]:
    """TensorFlow style, in a ``tf.function``: "vmap" takes every example's gradient with a
    ``GradientTape`` inside ``tf.vectorized_map``; "loop" unrolls one tape per example
    into the traced graph (what TF code without ``vectorized_map`` does)."""

    def build(case: Case, device: str) -> Runner:
        host_only(device, "the static front end")
        tf = need("workbench.static")
        weights, (x_h, y_h) = setup(case.sizes)
        params = [tf.Variable(w) for w in weights]
        x, y = tf.constant(x_h), tf.constant(y_h)
        classes = case.sizes["out"]

        def norm(example: Any) -> Any:
            xi, yi = example
            with tf.GradientTape() as tape:
                h = tf.nn.relu(tf.matmul(xi[None], params[0], transpose_b=True) + params[1])
                logits = tf.matmul(h, params[2], transpose_b=True) + params[3]
                loss = tf.reduce_sum(
                    tf.nn.softmax_cross_entropy_with_logits(
                        labels=tf.one_hot(yi[None], classes), logits=logits
                    )
                )
            grads = tape.gradient(loss, params)
            return tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in grads]))

        @tf.function
        def norms(x: Any, y: Any) -> Any:
            if mode == "vmap":
                return tf.vectorized_map(norm, (x, y))
            return tf.stack([norm((x[i], y[i])) for i in range(len(x_h))])

        return Runner(lambda: norms(x, y), lambda out: [out.numpy()])

    return build


PER_EXAMPLE = Workload(
    "per-example-grads",
    "ms for the gradient norms of 64 examples of a 100-64-10 MLP: vmap(grad) vs a loop",
    lambda quick, tiny: [Case("per-example-grads", "", dict(TINY if tiny else FULL))],
    {
        "numpy": _by_hand(_materialised),
        "numpy-norms": _by_hand(_shortcut),
        "eager": torch_like("workbench.eager", "vmap"),
        "eager-loop": torch_like("workbench.eager", "loop"),
        "static-function": tf_function("vmap"),
        "static-function-loop": tf_function("loop"),
        "functional-jit": jax_like("workbench.functional", "vmap"),
        "functional": jax_like("workbench.functional", "vmap-eager"),
        "functional-loop": jax_like("workbench.functional", "loop"),
        "torch": torch_like("torch", "vmap"),
        "torch-loop": torch_like("torch", "loop"),
        "jax-jit": jax_like("jax", "vmap"),
    },
)
