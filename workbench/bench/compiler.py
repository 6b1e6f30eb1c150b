"""Workloads that show what compiling buys: the 200-op elementwise chain (eager against
compiled) and a full MLP training step (784-512-512-10, batch 128, float32, SGD)
compiled by the executor against the same step written by hand in NumPy/CuPy, and
PyTorch eager and ``jax.jit`` when installed. Every implementation starts from the same
weights; their losses and updated weights are checked to agree before timing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.timing import measure_interleaved
from workbench.core import array, composites, make_graph, ops
from workbench.core.executor import Executor

LAYERS = (784, 512, 512, 10)
BATCH = 128
LR = 0.1


def _chain(v: Any, n_ops: int) -> Any:
    for _ in range(n_ops // 3):
        v = ops.tanh(ops.add(ops.mul(v, 1.01), 0.1))
    return v


def chain_functions(n_ops: int, device: str) -> dict[str, Callable[[], object]]:
    """The elementwise chain run eagerly, and compiled (fused) by the executor."""
    x = array(np.linspace(-1, 1, 16, dtype=np.float32), device=device)
    graph = make_graph(lambda v: _chain(v, n_ops), x)
    plan = Executor().plan(graph, graph.in_types)
    unfused = Executor(native_kernels=False).plan(graph, graph.in_types)
    return {
        "eager": lambda: _chain(x, n_ops),
        "compiled": lambda: plan(x),
        "compiled, no native kernels": lambda: unfused(x),
    }


def mlp_data(
    seed: int = 0, layers: tuple[int, ...] = LAYERS, batch: int = BATCH
) -> dict[str, np.ndarray]:
    """Initial weights (PyTorch's uniform fan-in rule) and one batch, as NumPy arrays."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for i, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:])):
        bound = 1 / np.sqrt(n_in)
        data[f"w{i}"] = rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32)
        data[f"b{i}"] = rng.uniform(-bound, bound, (n_out,)).astype(np.float32)
    data["x"] = rng.standard_normal((batch, layers[0])).astype(np.float32)
    data["y"] = rng.integers(0, layers[-1], batch).astype(np.int64)
    return data


def _mlp_loss(params: list[Any], x: Any, y: Any) -> Any:
    h = x
    n = len(params) // 2
    for i in range(n):
        h = ops.add(ops.matmul(h, params[2 * i]), params[2 * i + 1])
        if i < n - 1:
            h = ops.relu(h)
    return composites.softmax_cross_entropy(h, y)


def core_step(params: list[Any], x: Any, y: Any) -> list[Any]:
    """loss, and params - lr * grad: one SGD step written with the core."""
    loss, grads = _value_and_grad(params, x, y)
    return [loss] + [ops.sub(p, ops.mul(g, LR)) for p, g in zip(params, grads)]


def _value_and_grad(params: list[Any], x: Any, y: Any) -> tuple[Any, Any]:
    from workbench.core import value_and_grad  # noqa: PLC0415

    return value_and_grad(lambda p: _mlp_loss(p, x, y))(params)


def numpy_step(xp: Any, params: list[Any], x: Any, y: Any) -> list[Any]:
    """The same step by hand: forward, manual backward, SGD (new arrays, like the others)."""
    n = len(params) // 2
    acts = [x]
    pre = []
    h = x
    for i in range(n):
        z = h @ params[2 * i] + params[2 * i + 1]
        pre.append(z)
        h = xp.maximum(z, 0) if i < n - 1 else z
        acts.append(h)
    logits = h
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = xp.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    log_probs = shifted - xp.log(total)
    batch = x.shape[0]
    rows = xp.arange(batch)
    loss = -log_probs[rows, y].mean()
    g = exp / total
    g[rows, y] -= 1
    g /= batch
    grads: list[Any] = [None] * len(params)
    for i in reversed(range(n)):
        grads[2 * i] = acts[i].T @ g
        grads[2 * i + 1] = g.sum(axis=0)
        if i > 0:
            g = (g @ params[2 * i].T) * (pre[i - 1] > 0)
    return [loss] + [p - LR * gp for p, gp in zip(params, grads)]


def mlp_functions(
    device: str, layers: tuple[int, ...] = LAYERS, batch: int = BATCH
) -> tuple[dict[str, Callable[[], object]], dict[str, list[np.ndarray]]]:
    """Step functions per implementation, and each one's first step (for the check)."""
    from workbench.backend import get_device  # noqa: PLC0415

    dev = get_device(device)
    data = mlp_data(layers=layers, batch=batch)
    names = [k for k in data if k not in ("x", "y")]
    params = [array(data[k], device=device) for k in names]
    x, y = array(data["x"], device=device), array(data["y"], device=device)
    graph = make_graph(core_step, params, x, y)
    plan = Executor().plan(graph, graph.in_types)
    raw = [dev.put(data[k]) for k in names]
    raw_x, raw_y = dev.put(data["x"]), dev.put(data["y"])
    functions: dict[str, Callable[[], object]] = {
        "workbench compiled": lambda: plan(*params, x, y),
        "workbench eager": lambda: core_step(params, x, y),
        ("cupy" if dev.platform == "cuda" else "numpy") + " by hand": lambda: numpy_step(
            dev.xp, raw, raw_x, raw_y
        ),
    }
    first: dict[str, list[np.ndarray]] = {
        "workbench compiled": [np.asarray(v.numpy()) for v in plan(*params, x, y)],
        "workbench eager": [np.asarray(v.numpy()) for v in core_step(params, x, y)],
        "by hand": [np.asarray(dev.to_host(v)) for v in numpy_step(dev.xp, raw, raw_x, raw_y)],
    }
    if dev.platform == "cuda":
        replay = plan.cuda_graph(*params, x, y)
        functions["workbench cuda graph"] = lambda: replay(*params, x, y)
        first["workbench cuda graph"] = [np.asarray(v.numpy()) for v in replay(*params, x, y)]
    torch_fn = _torch_step(data, names, dev)
    if torch_fn is not None:
        functions["torch eager"] = torch_fn[0]
        first["torch eager"] = torch_fn[1]
    jax_fn = _jax_step(data, names, dev)
    if jax_fn is not None:
        functions["jax.jit"] = jax_fn[0]
        first["jax.jit"] = jax_fn[1]
    return functions, first


def _torch_step(data: dict[str, np.ndarray], names: list[str], dev: Any) -> Any:
    try:
        import torch  # noqa: PLC0415
    except ImportError:
        return None
    device = "cuda" if dev.platform == "cuda" else "cpu"
    params = [torch.tensor(data[k], device=device, requires_grad=True) for k in names]
    x, y = torch.tensor(data["x"], device=device), torch.tensor(data["y"], device=device)

    def step() -> list[Any]:
        h = x
        n = len(params) // 2
        for i in range(n):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n - 1:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            return [loss.detach()] + [p - LR * g for p, g in zip(params, grads)]

    return step, [t.detach().cpu().numpy() for t in step()]


def _jax_step(data: dict[str, np.ndarray], names: list[str], dev: Any) -> Any:
    try:
        import jax  # noqa: PLC0415
        import jax.numpy as jnp  # noqa: PLC0415
    except ImportError:
        return None
    platform = "gpu" if dev.platform == "cuda" else "cpu"
    try:
        target = jax.devices(platform)[0]
    except RuntimeError:
        return None
    params = [jax.device_put(data[k], target) for k in names]
    x, y = jax.device_put(data["x"], target), jax.device_put(data["y"].astype(np.int32), target)

    def loss_fn(p: list[Any]) -> Any:
        h = x
        n = len(p) // 2
        for i in range(n):
            h = h @ p[2 * i] + p[2 * i + 1]
            if i < n - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def step(p: list[Any]) -> list[Any]:
        loss, grads = jax.value_and_grad(loss_fn)(p)
        return [loss] + [a - LR * g for a, g in zip(p, grads)]

    def run() -> Any:
        return jax.block_until_ready(step(params))

    return run, [np.asarray(v) for v in run()]


def agreement(first: dict[str, list[np.ndarray]], tol: float = 1e-4) -> dict[str, bool]:
    """Whether each implementation's first step (loss and new weights) matches by hand."""
    reference = first["by hand"]
    return {
        name: all(np.allclose(a, b, rtol=tol, atol=tol) for a, b in zip(values, reference))
        for name, values in first.items()
    }


def run_mlp(device: str = "cpu", rounds: int = 10) -> list[dict[str, Any]]:
    from workbench.backend import get_device  # noqa: PLC0415

    functions, first = mlp_functions(device)
    agrees = agreement(first)
    dev = get_device(device)
    results = measure_interleaved(
        functions, rounds=rounds, min_seconds=0.05, synchronize=dev.synchronize
    )
    rows = []
    for name, m in results.items():
        key = "by hand" if name.endswith("by hand") else name
        rows.append(
            {
                "workload": "mlp",
                "impl": name,
                "median_ms": m.median * 1e3,
                "min_ms": m.minimum * 1e3,
                "max_ms": m.maximum * 1e3,
                "agrees": agrees.get(key, False),
            }
        )
    return rows


def run_chain(device: str = "cpu", n_ops: int = 201, rounds: int = 10) -> list[dict[str, Any]]:
    from workbench.backend import get_device  # noqa: PLC0415

    dev = get_device(device)
    results = measure_interleaved(
        chain_functions(n_ops, dev.name), rounds=rounds, synchronize=dev.synchronize
    )
    return [
        {
            "workload": "chain",
            "impl": name,
            "us_per_op": m.median / n_ops * 1e6,
            "min_us_per_op": m.minimum / n_ops * 1e6,
            "max_us_per_op": m.maximum / n_ops * 1e6,
        }
        for name, m in results.items()
    ]


def chain_table(rows: list[dict[str, Any]]) -> str:
    eager = next(r for r in rows if r["impl"] == "eager")["us_per_op"]
    lines = [f"{'impl':<30} {'µs/op':>8} {'min':>8} {'max':>8} {'speed-up':>9}"]
    for r in rows:
        lines.append(
            f"{r['impl']:<30} {r['us_per_op']:8.3f} {r['min_us_per_op']:8.3f} "
            f"{r['max_us_per_op']:8.3f} {eager / r['us_per_op']:8.1f}x"
        )
    return "\n".join(lines)


def mlp_table(rows: list[dict[str, Any]]) -> str:
    hand = next(r for r in rows if r["impl"].endswith("by hand"))
    width = max(20, *(len(r["impl"]) for r in rows))
    lines = [
        f"{'impl':<{width}} {'median ms':>10} {'min':>8} {'max':>8} {'/by hand':>9} {'agrees':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r['impl']:<{width}} {r['median_ms']:10.2f} {r['min_ms']:8.2f} {r['max_ms']:8.2f} "
            f"{r['median_ms'] / hand['median_ms']:9.2f} {str(r['agrees']):>7}"
        )
    return "\n".join(lines)


def _cheap_chain(v: Any) -> Any:
    """Ten elementwise operations of the kind activations are made of."""
    for _ in range(2):
        v = ops.maximum(ops.add(ops.mul(v, 1.01), 0.1), ops.mul(v, 0.5))
    return ops.sqrt(ops.abs(v))


def _tanh_chain(v: Any) -> Any:
    """Ten elementwise operations, five of them transcendental."""
    for _ in range(5):
        v = ops.tanh(ops.mul(v, 1.01))
    return v


def run_fusion(
    device: str = "cuda:0", size: int = 1 << 26, rounds: int = 10
) -> list[dict[str, Any]]:
    """Bandwidth of a fused 10-op chain over ``size`` float32 elements against a
    device-to-device copy (the same bytes moved) and against the unfused chain."""
    from workbench.backend import get_device  # noqa: PLC0415

    dev = get_device(device)
    x = array(np.random.default_rng(0).random(size, dtype=np.float32), device=device)
    target = dev.xp.empty_like(x.data)
    functions: dict[str, Callable[[], object]] = {"copy": lambda: dev.xp.copyto(target, x.data)}
    for name, chain in (("ten cheap ops", _cheap_chain), ("five tanh + five mul", _tanh_chain)):
        graph = make_graph(chain, x)
        fused = Executor().plan(graph, graph.in_types)
        unfused = Executor(native_kernels=False).plan(graph, graph.in_types)
        functions[f"{name}, fused"] = functools.partial(fused.fn, x.data)
        functions[f"{name}, unfused"] = functools.partial(unfused.fn, x.data)
    results = measure_interleaved(
        functions, rounds=rounds, min_seconds=0.02, synchronize=dev.synchronize
    )
    moved = 2 * 4 * size  # every implementation reads and writes each element once at best
    copy = results["copy"].median
    return [
        {
            "workload": "fusion",
            "impl": name,
            "median_ms": m.median * 1e3,
            "gb_per_s": moved / m.median / 1e9,
            "of_copy": copy / m.median,
        }
        for name, m in results.items()
    ]


def fusion_table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'impl':<30} {'ms':>8} {'GB/s':>8} {'of copy':>8}"]
    for r in rows:
        lines.append(
            f"{r['impl']:<30} {r['median_ms']:8.3f} {r['gb_per_s']:8.0f} {r['of_copy'] * 100:7.0f}%"
        )
    return "\n".join(lines)
