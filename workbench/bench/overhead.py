"""The ``overhead`` workload: per-operation cost of eager dispatch.

A chain of elementwise operations (multiply by an array, add an array, tanh, repeated)
on a 16-element float32 array, where arithmetic is negligible and dispatch is all that
is measured: forward alone, and forward + backward. Implementations: the workbench core
(``apply`` through its public functions), the raw array library (NumPy or CuPy, forward
and a hand-written backward), and PyTorch eager when installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.timing import Measurement, measure_interleaved
from workbench.core import array, ops, vjp

SIZE = 16


def _host_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SIZE).astype(np.float32)
    scale = (1.0 + 0.01 * rng.standard_normal(SIZE)).astype(np.float32)
    shift = (0.01 * rng.standard_normal(SIZE)).astype(np.float32)
    return x, scale, shift


def core_functions(n_ops: int, device: str) -> dict[str, Callable[[], object]]:
    x_h, a_h, b_h = _host_inputs()
    x, a, b = array(x_h, device=device), array(a_h, device=device), array(b_h, device=device)
    triples = n_ops // 3

    def chain(v: Any) -> Any:
        for _ in range(triples):
            v = ops.tanh(ops.add(ops.mul(v, a), b))
        return v

    def forward() -> object:
        return chain(x)

    def forward_backward() -> object:
        out, pullback = vjp(lambda v: ops.reduce_sum(chain(v)), x)
        return pullback(ops.ones_like(out))

    return {"forward": forward, "forward+backward": forward_backward}


def raw_functions(n_ops: int, xp: Any) -> dict[str, Callable[[], object]]:
    x_h, a_h, b_h = _host_inputs()
    x, a, b = xp.asarray(x_h), xp.asarray(a_h), xp.asarray(b_h)
    triples = n_ops // 3

    def forward() -> object:
        v = x
        for _ in range(triples):
            v = xp.tanh(v * a + b)
        return v

    def forward_backward() -> object:
        # The practical floor: a hand-written backward that saves what it needs.
        saved = []
        v = x
        for _ in range(triples):
            v = xp.tanh(v * a + b)
            saved.append(v)
        g = xp.ones_like(v)
        for y in reversed(saved):
            g = g * (1 - y * y) * a
        return g

    return {"forward": forward, "forward+backward": forward_backward}


def torch_functions(n_ops: int, device: str) -> dict[str, Callable[[], object]] | None:
    try:
        import torch  # noqa: PLC0415
    except ImportError:
        return None
    x_h, a_h, b_h = _host_inputs()
    dev = "cuda" if device.startswith("cuda") else "cpu"
    x = torch.tensor(x_h, device=dev)
    a, b = torch.tensor(a_h, device=dev), torch.tensor(b_h, device=dev)
    leaf = x.clone().requires_grad_(True)
    triples = n_ops // 3

    def forward() -> object:
        with torch.no_grad():
            v = x
            for _ in range(triples):
                v = torch.tanh(v * a + b)
            return v

    def forward_backward() -> object:
        v = leaf
        for _ in range(triples):
            v = torch.tanh(v * a + b)
        v.sum().backward()
        leaf.grad = None
        return v

    return {"forward": forward, "forward+backward": forward_backward}


def run(n_ops: int = 201, device: str = "cpu", rounds: int = 15) -> list[dict[str, Any]]:
    """Measure µs per operation for every implementation; one row per (mode, impl)."""
    from workbench.backend import get_device  # noqa: PLC0415

    dev = get_device(device)
    implementations: dict[str, dict[str, Callable[[], object]]] = {
        "workbench": core_functions(n_ops, dev.name),
        ("cupy" if dev.platform == "cuda" else "numpy"): raw_functions(n_ops, dev.xp),
    }
    torch_fns = torch_functions(n_ops, dev.name)
    if torch_fns is not None:
        implementations["torch"] = torch_fns
    sync = _synchronizer(dev)
    rows = []
    for mode in ("forward", "forward+backward"):
        fns = {impl: fns[mode] for impl, fns in implementations.items()}
        results: dict[str, Measurement] = measure_interleaved(fns, rounds=rounds, synchronize=sync)
        ops_count = n_ops + (n_ops // 3 if mode == "forward+backward" else 0)  # + the reduce/sum
        for impl, m in results.items():
            rows.append(
                {
                    "workload": "overhead",
                    "mode": mode,
                    "impl": impl,
                    "us_per_op": m.median / n_ops * 1e6,
                    "min_us_per_op": m.minimum / n_ops * 1e6,
                    "max_us_per_op": m.maximum / n_ops * 1e6,
                    "ops": ops_count,
                }
            )
    return rows


def _synchronizer(dev: Any) -> Callable[[], None]:
    if dev.platform != "cuda":
        return lambda: None

    def sync() -> None:
        dev.synchronize()
        try:
            import torch  # noqa: PLC0415

            torch.cuda.synchronize()
        except ImportError:
            pass

    return sync


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table with ratios to the raw array library and to PyTorch."""
    lines = [
        f"{'mode':<18} {'impl':<10} {'µs/op':>8} {'min':>8} {'max':>8} {'/raw':>7} {'/torch':>7}"
    ]
    for mode in ("forward", "forward+backward"):
        subset = {r["impl"]: r for r in rows if r["mode"] == mode}
        raw = subset.get("numpy") or subset.get("cupy")
        torch_row = subset.get("torch")
        for impl, r in subset.items():
            ratio_raw = r["us_per_op"] / raw["us_per_op"] if raw else float("nan")
            ratio_torch = r["us_per_op"] / torch_row["us_per_op"] if torch_row else float("nan")
            lines.append(
                f"{mode:<18} {impl:<10} {r['us_per_op']:8.2f} {r['min_us_per_op']:8.2f} "
                f"{r['max_us_per_op']:8.2f} {ratio_raw:7.2f} {ratio_torch:7.2f}"
            )
    return "\n".join(lines)
