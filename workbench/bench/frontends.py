"""Training steps in the eager front end (``import workbench.eager as torch``) against the
same step written by hand in NumPy and in PyTorch eager: the MLP 784-512-512-10 (batch
128) and a CNN (conv 1→32 3x3 pad 1, ReLU, maxpool 2, conv 32→64 3x3 pad 1, ReLU,
maxpool 2, linear 3136→10; batch 64 of 1x28x28), SGD, float32. First steps are compared
(loss and updated weights, 1e-4) before timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.compiler import LR, mlp_data, numpy_step
from workbench.bench.timing import measure_interleaved


def cnn_data(seed: int = 0, batch: int = 64) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def uniform(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    return {
        "w1": uniform((32, 1, 3, 3), 9),
        "b1": uniform((32,), 9),
        "w2": uniform((64, 32, 3, 3), 288),
        "b2": uniform((64,), 288),
        "w3": uniform((10, 3136), 3136),
        "b3": uniform((10,), 3136),
        "x": rng.standard_normal((batch, 1, 28, 28)).astype(np.float32),
        "y": rng.integers(0, 10, batch).astype(np.int64),
    }


# ---------------------------------------------------------------------------------------
# By hand in NumPy


def _conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))  # N,C,H,W,3,3
    out = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3]))  # N,H,W,O
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2)) + b[None, :, None, None], cols


def _conv_backward(
    g: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...]
) -> tuple[np.ndarray, ...]:
    gw = np.tensordot(g, cols, axes=([0, 2, 3], [0, 2, 3]))  # O,C,3,3
    gb = g.sum(axis=(0, 2, 3))
    gcols = np.tensordot(g, w, axes=([1], [0]))  # N,H,W,C,3,3
    n, c, h, wd = x_shape
    gpad = np.zeros((n, c, h + 2, wd + 2), np.float32)
    for i in range(3):
        for j in range(3):
            gpad[:, :, i : i + h, j : j + wd] += gcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return gpad[:, :, 1:-1, 1:-1], gw, gb


def _pool_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    windows = (
        x.reshape(n, c, h // 2, 2, w // 2, 2)
        .transpose(0, 1, 2, 4, 3, 5)
        .reshape(n, c, h // 2, w // 2, 4)
    )
    first = windows.argmax(axis=-1)  # the gradient goes to the first maximum, as in PyTorch
    return np.take_along_axis(windows, first[..., None], -1)[..., 0], first


def _pool_backward(g: np.ndarray, first: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, c, h, w = shape
    onehot = (np.arange(4) == first[..., None]).astype(np.float32) * g[..., None]
    return onehot.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)


def numpy_cnn_step(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> list[Any]:
    z1, cols1 = _conv_forward(x, p["w1"], p["b1"])
    a1 = np.maximum(z1, 0)
    p1, first1 = _pool_forward(a1)
    z2, cols2 = _conv_forward(p1, p["w2"], p["b2"])
    a2 = np.maximum(z2, 0)
    p2, first2 = _pool_forward(a2)
    flat = p2.reshape(len(x), -1)
    logits = flat @ p["w3"].T + p["b3"]
    shifted = logits - logits.max(1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(1, keepdims=True)
    rows = np.arange(len(x))
    loss = -(shifted[rows, y] - np.log(total[:, 0])).mean()
    g = exp / total
    g[rows, y] -= 1
    g /= len(x)
    grads = {"w3": g.T @ flat, "b3": g.sum(0)}
    g = (g @ p["w3"]).reshape(p2.shape)
    g = _pool_backward(g, first2, a2.shape) * (z2 > 0)
    g, grads["w2"], grads["b2"] = _conv_backward(g, cols2, p["w2"], p1.shape)
    g = _pool_backward(g, first1, a1.shape) * (z1 > 0)
    _, grads["w1"], grads["b1"] = _conv_backward(g, cols1, p["w1"], x.shape)
    return [loss] + [p[k] - LR * grads[k] for k in ("w1", "b1", "w2", "b2", "w3", "b3")]


# ---------------------------------------------------------------------------------------
# The eager front end and PyTorch, written identically


def build_mlp(nn: Any) -> Any:
    return nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )


def build_cnn(nn: Any) -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 10),
    )


def _load(lib: Any, model: Any, weights: list[np.ndarray], device: str) -> None:
    with lib.no_grad():
        for param, value in zip(model.parameters(), weights):
            param.copy_(lib.tensor(value, device=device))


def _step_function(lib: Any, model: Any, x: Any, y: Any) -> Callable[[], Any]:
    opt = lib.optim.SGD(model.parameters(), lr=LR)

    def step() -> Any:
        loss = lib.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def _snapshot(lib: Any, model: Any, loss: Any) -> list[np.ndarray]:
    # copies: a NumPy view of a parameter would follow the weights reloaded after this step
    return [np.asarray(loss.item())] + [p.detach().cpu().numpy().copy() for p in model.parameters()]


def functions(
    workload: str, device: str = "cpu"
) -> tuple[dict[str, Callable[[], Any]], dict[str, list[np.ndarray]]]:
    import workbench.eager as wb  # noqa: PLC0415

    if workload == "mlp":
        d = mlp_data()
        weights = [w for i in range(3) for w in (d[f"w{i}"].T.copy(), d[f"b{i}"])]
        build = build_mlp
        names = [k for k in d if k not in ("x", "y")]

        from workbench.backend import get_device  # noqa: PLC0415

        dev = get_device(device)
        raw = [dev.put(d[k]) for k in names]
        raw_x, raw_y = dev.put(d["x"]), dev.put(d["y"])

        def by_hand() -> list[Any]:
            return numpy_step(dev.xp, raw, raw_x, raw_y)
    else:
        d = cnn_data()
        weights = [d[k] for k in ("w1", "b1", "w2", "b2", "w3", "b3")]
        build = build_cnn

        def by_hand() -> list[Any]:
            return numpy_cnn_step(d, d["x"], d["y"])

    fns: dict[str, Callable[[], Any]] = {}
    first: dict[str, list[np.ndarray]] = {}
    hand = [v.get() if hasattr(v, "get") else np.asarray(v) for v in by_hand()]
    if workload == "mlp":  # the hand-written MLP keeps (in, out) weights
        hand = [hand[0]] + [h.T if h.ndim == 2 else h for h in hand[1:]]
    first["numpy by hand"] = hand
    fns["numpy by hand"] = by_hand
    libraries = [("workbench eager", wb)]
    try:
        import torch  # noqa: PLC0415

        libraries.append(("torch eager", torch))
    except ImportError:
        pass
    for name, lib in libraries:
        model = build(lib.nn)
        if device.startswith("cuda"):
            model = model.cuda()
        _load(lib, model, weights, "cuda" if device.startswith("cuda") else "cpu")
        x = lib.tensor(d["x"], device="cuda" if device.startswith("cuda") else "cpu")
        y = lib.tensor(d["y"], device="cuda" if device.startswith("cuda") else "cpu")
        step = _step_function(lib, model, x, y)
        first[name] = _snapshot(lib, model, step())
        _load(lib, model, weights, "cuda" if device.startswith("cuda") else "cpu")
        fns[name] = step
    return fns, first


def run(workload: str, device: str = "cpu", rounds: int = 10) -> list[dict[str, Any]]:
    """Rows per implementation. On a GPU the MLP's hand-written step is CuPy; the CNN's
    stays NumPy on the host (there is no hand-written CuPy CNN)."""
    fns, first = functions(workload, device)
    reference = first["numpy by hand"]
    agrees = {
        name: all(np.allclose(a, b, rtol=1e-4, atol=1e-4) for a, b in zip(values, reference))
        for name, values in first.items()
    }
    from workbench.backend import get_device  # noqa: PLC0415

    results = measure_interleaved(
        fns, rounds=rounds, min_seconds=0.05, synchronize=get_device(device).synchronize
    )
    return [
        {
            "workload": f"eager-{workload}",
            "impl": name,
            "median_ms": m.median * 1e3,
            "min_ms": m.minimum * 1e3,
            "max_ms": m.maximum * 1e3,
            "agrees": agrees[name],
        }
        for name, m in results.items()
    ]
