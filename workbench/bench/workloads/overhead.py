"""``overhead``: what each style costs per operation when the arithmetic is negligible.

A chain of 201 elementwise operations (multiply by an array, add an array, tanh; 67
times) on a 16-element float32 array, forward alone and forward + backward (the
gradient of the sum). Results are in µs per operation of the chain. Eager styles pay
dispatch (and the tape) on every operation; compiled ones (a Session's plan, ``jit``,
``tf.function``, ``torch.compile``) run the chain as one fused program.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.styles import host_only, need, to_numpy
from workbench.bench.suite import Case, Runner, Workload

SIZE = 16
OPS = 201


def setup(sizes: dict[str, int]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    n = sizes["size"]
    return [
        rng.standard_normal(n).astype(np.float32),
        (1.0 + 0.01 * rng.standard_normal(n)).astype(np.float32),
        (0.01 * rng.standard_normal(n)).astype(np.float32),
    ]


def chain(tanh: Callable[[Any], Any], v: Any, a: Any, b: Any, n_ops: int) -> Any:
    for _ in range(n_ops // 3):
        v = tanh(v * a + b)
    return v


def by_hand(case: Case, device: str) -> Runner:
    from workbench.backend import get_device  # noqa: PLC0415

    xp = get_device(device).xp
    x, a, b = (xp.asarray(v) for v in setup(case.sizes))
    n = case.sizes["ops"]

    def forward() -> Any:
        return [chain(xp.tanh, x, a, b, n)]

    def forward_backward() -> Any:
        saved, v = [], x
        for _ in range(n // 3):
            v = xp.tanh(v * a + b)
            saved.append(v)
        g = xp.ones_like(v)
        for y in reversed(saved):
            g = g * (1 - y * y) * a
        return [v, g]

    step = forward_backward if case.sizes["backward"] else forward
    return Runner(step, lambda out: [to_numpy(o) for o in out], ops=n)


def torch_like(library: str, compiled: bool = False) -> Callable[[Case, str], Runner]:
    def build(case: Case, device: str) -> Runner:
        lib = need(library)
        where = "cuda" if device.startswith("cuda") else "cpu"
        x, a, b = (lib.tensor(v, device=where) for v in setup(case.sizes))
        n = case.sizes["ops"]

        def run(v: Any) -> Any:
            return chain(lib.tanh, v, a, b, n)

        fn = lib.compile(run) if compiled else run
        leaf = x.clone().requires_grad_(True)

        def forward() -> Any:
            with lib.no_grad():
                return [fn(x)]

        def forward_backward() -> Any:
            out = fn(leaf)
            out.sum().backward()
            grad, leaf.grad = leaf.grad, None
            return [out, grad]

        step = forward_backward if case.sizes["backward"] else forward
        return Runner(step, lambda out: [to_numpy(o) for o in out], ops=n)

    return build


def session(case: Case, device: str) -> Runner:
    host_only(device, "the static front end")
    tf = need("workbench.static")
    v1 = tf.compat.v1
    x_h, a_h, b_h = setup(case.sizes)
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [case.sizes["size"]])
        a, b = tf.constant(a_h), tf.constant(b_h)
        out = chain(tf.tanh, x, a, b, case.sizes["ops"])
        fetches = [out] + (tf.gradients(tf.reduce_sum(out), [x]) if case.sizes["backward"] else [])
        sess = v1.Session(graph=graph)
    feed = {x: x_h}
    return Runner(
        lambda: sess.run(fetches, feed), lambda out: [np.asarray(o) for o in out], case.sizes["ops"]
    )


def tf_function(case: Case, device: str) -> Runner:
    host_only(device, "the static front end")
    tf = need("workbench.static")
    x, a, b = (tf.constant(v) for v in setup(case.sizes))
    n = case.sizes["ops"]

    @tf.function
    def forward(v: Any) -> Any:
        return [chain(tf.tanh, v, a, b, n)]

    @tf.function
    def forward_backward(v: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(v)
            out = chain(tf.tanh, v, a, b, n)
            total = tf.reduce_sum(out)
        return [out, tape.gradient(total, v)]

    fn = forward_backward if case.sizes["backward"] else forward
    return Runner(lambda: fn(x), lambda out: [o.numpy() for o in out], n)


def jax_like(library: str, jit: bool) -> Callable[[Case, str], Runner]:
    def build(case: Case, device: str) -> Runner:
        jax, jnp = need(library), need(f"{library}.numpy")
        if library == "workbench.functional":
            host_only(device, "the functional front end")
        x, a, b = (jnp.asarray(v) for v in setup(case.sizes))
        n = case.sizes["ops"]

        def forward(v: Any) -> Any:
            return [chain(jnp.tanh, v, a, b, n)]

        def forward_backward(v: Any) -> Any:
            out, pullback = jax.vjp(lambda u: chain(jnp.tanh, u, a, b, n), v)
            return [out, pullback(jnp.ones_like(out))[0]]

        fn = forward_backward if case.sizes["backward"] else forward
        run = jax.jit(fn) if jit else fn
        return Runner(
            lambda: jax.block_until_ready(run(x)), lambda out: [np.asarray(o) for o in out], n
        )

    return build


def _cases(quick: bool, tiny: bool) -> list[Case]:
    n = 30 if tiny else OPS
    return [
        Case("overhead", f"[{mode}]", {"size": SIZE, "ops": n, "backward": int(mode != "forward")})
        for mode in ("forward", "forward+backward")
    ]


OVERHEAD = Workload(
    "overhead",
    "µs per operation of an elementwise chain on 16 float32 elements",
    _cases,
    {
        "numpy": by_hand,
        "eager": torch_like("workbench.eager"),
        "static-session": session,
        "static-function": tf_function,
        "functional-jit": jax_like("workbench.functional", True),
        "functional": jax_like("workbench.functional", False),
        "torch": torch_like("torch"),
        "torch-compile": torch_like("torch", compiled=True),
        "jax-jit": jax_like("jax", True),
    },
    unit="us/op",
)
