"""The functional front end's workloads: the MLP training step (784-512-512-10, batch
128, SGD, float32) as ``jit(value_and_grad)`` + an optax-style update, beside the
hand-written NumPy step and ``jax.jit``; and per-example gradient norms of a 100-64-10
MLP (batch 64) with ``vmap(grad)`` against a Python loop of ``grad``s. First results are
compared before timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.compiler import LR, mlp_data, numpy_step
from workbench.bench.timing import measure_interleaved


def _weights(d: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [d[k] for i in range(3) for k in (f"w{i}", f"b{i}")]


def _mlp_step(jax: Any, jnp: Any, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    def loss(p: list[Any], x: Any, y: Any) -> Any:
        h = x
        for i in range(3):
            h = h @ p[2 * i] + p[2 * i + 1]
            h = jax.nn.relu(h) if i < 2 else h
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(h), y[:, None], axis=1))

    @jax.jit
    def step(p: list[Any], x: Any, y: Any) -> Any:
        value, grads = jax.value_and_grad(loss)(p, x, y)
        return [value] + [w - LR * g for w, g in zip(p, grads)]

    params = [jnp.asarray(w) for w in _weights(d)]
    x, y = jnp.asarray(d["x"]), jnp.asarray(d["y"].astype(np.int32))
    return lambda: jax.block_until_ready(step(params, x, y))


def mlp_functions() -> tuple[dict[str, Callable[[], Any]], dict[str, list[np.ndarray]]]:
    import workbench.functional as wjax  # noqa: PLC0415
    import workbench.functional.numpy as wjnp  # noqa: PLC0415

    d = mlp_data()
    raw = _weights(d)
    fns: dict[str, Callable[[], Any]] = {
        "numpy by hand": lambda: numpy_step(np, raw, d["x"], d["y"])
    }
    fns["workbench jit"] = _mlp_step(wjax, wjnp, d)
    try:
        import jax  # noqa: PLC0415
        import jax.numpy as jnp  # noqa: PLC0415

        fns["jax.jit"] = _mlp_step(jax, jnp, d)
    except ImportError:
        pass
    first = {name: [np.asarray(v) for v in fn()] for name, fn in fns.items()}
    return fns, first


def _small_mlp(rng: np.random.Generator) -> list[np.ndarray]:
    sizes = (100, 64, 10)
    return [
        w
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
        for w in (
            (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32),
            np.zeros(n_out, np.float32),
        )
    ]


def per_example_functions() -> tuple[dict[str, Callable[[], Any]], dict[str, np.ndarray]]:
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415

    rng = np.random.default_rng(0)
    params = [jnp.asarray(w) for w in _small_mlp(rng)]
    x = jnp.asarray(rng.standard_normal((64, 100)).astype(np.float32))
    y = jnp.asarray(rng.integers(0, 10, 64).astype(np.int32))

    def loss(p: list[Any], xi: Any, yi: Any) -> Any:
        h = jax.nn.relu(xi @ p[0] + p[1]) @ p[2] + p[3]
        return -jax.nn.log_softmax(h)[yi]

    def norms(grads: list[Any]) -> Any:
        return jnp.sqrt(sum(jnp.sum(jnp.reshape(g, (g.shape[0], -1)) ** 2, axis=1) for g in grads))

    batched = jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
    single = jax.jit(jax.grad(loss))

    def vectorised() -> Any:
        return norms(batched(params, x, y))

    def loop() -> Any:
        grads = [single(params, x[i], y[i]) for i in range(64)]
        return jnp.asarray([float(jnp.sqrt(sum(jnp.sum(g**2) for g in gs))) for gs in grads])

    fns = {"workbench vmap(grad)": vectorised, "workbench loop of grad": loop}
    first = {name: np.asarray(fn()) for name, fn in fns.items()}
    return fns, first


def run(rounds: int = 10) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    fns, first = mlp_functions()
    reference = first["numpy by hand"]
    for name, values in first.items():
        agrees = all(np.allclose(a, b, rtol=1e-4, atol=1e-4) for a, b in zip(values, reference))
        first[name] = [np.asarray(agrees)]
    results = measure_interleaved(fns, rounds=rounds, min_seconds=0.05)
    rows += [_row("functional-mlp", n, m, bool(first[n][0])) for n, m in results.items()]
    fns2, first2 = per_example_functions()
    ref = first2["workbench loop of grad"]
    results2 = measure_interleaved(fns2, rounds=max(rounds // 2, 3), min_seconds=0.05)
    rows += [
        _row("per-example-grads", n, m, bool(np.allclose(first2[n], ref, rtol=1e-4, atol=1e-5)))
        for n, m in results2.items()
    ]
    return rows


def _row(workload: str, name: str, m: Any, agrees: bool) -> dict[str, Any]:
    return {
        "workload": workload,
        "impl": name,
        "median_ms": m.median * 1e3,
        "min_ms": m.minimum * 1e3,
        "max_ms": m.maximum * 1e3,
        "agrees": agrees,
    }
