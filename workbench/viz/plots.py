"""Matplotlib figures: gradient flow over training, optimiser paths on 2-d surfaces and
benchmark charts. Every function returns a ``Figure`` (no display needed)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _figure(*args: Any, **kwargs: Any) -> Any:
    from matplotlib.figure import Figure  # noqa: PLC0415 - no pyplot: works without a display

    return Figure(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# Gradient flow


class GradientFlow:
    """Per-layer gradient norms and histograms over training steps: ``record(step,
    grads)`` with a mapping of layer name -> gradient (any front end's arrays), then
    ``figure()``. Vanishing and exploding gradients show as lines falling towards 0 or
    climbing by orders of magnitude."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.norms: dict[str, list[float]] = {}
        self.latest: dict[str, np.ndarray] = {}

    def record(self, step: int, grads: dict[str, Any]) -> None:
        self.steps.append(step)
        for name, g in grads.items():
            host = np.asarray(g.detach().numpy() if hasattr(g, "detach") else g, dtype=np.float64)
            self.norms.setdefault(name, []).append(float(np.linalg.norm(host)))
            self.latest[name] = host.ravel()

    @staticmethod
    def from_eager(model: Any) -> dict[str, Any]:
        """The current ``.grad`` of every parameter of a PyTorch-style module."""
        return {n: p.grad for n, p in model.named_parameters() if p.grad is not None}

    def figure(self) -> Any:
        fig = _figure(figsize=(11, 4))
        left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        for name, values in self.norms.items():
            left.plot(self.steps[-len(values) :], values, label=name)
        left.set_yscale("log")
        left.set_xlabel("step")
        left.set_ylabel("gradient norm (log scale)")
        left.set_title("gradient norm per layer")
        if self.norms:
            left.legend(fontsize=8)
        names = list(self.latest)
        for _i, name in enumerate(names):
            values = np.abs(self.latest[name]) + 1e-30
            right.hist(np.log10(values), bins=40, alpha=0.5, label=name)
        right.set_xlabel("log10 |gradient|")
        right.set_title("gradient magnitudes, last step")
        if names:
            right.legend(fontsize=8)
        fig.tight_layout()
        return fig


# ---------------------------------------------------------------------------------------
# Optimiser paths


Box = tuple[tuple[float, float], tuple[float, float]]
# name: (f(x, y), start, ((x_min, x_max), (y_min, y_max)), minima)
SURFACES: dict[
    str, tuple[Callable[[Any, Any], Any], tuple[float, float], Box, list[tuple[float, float]]]
] = {
    # (1 - x)² + 100 (y - x²)²: a curved valley, minimum 0 at (1, 1)
    "rosenbrock": (
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        (-1.2, 1.0),
        ((-2.0, 2.0), (-1.0, 3.0)),
        [(1.0, 1.0)],
    ),
    # x² - y² + y⁴/10: a saddle at the origin, minima where 4y³/10 = 2y, y = ±√5
    "saddle": (
        lambda x, y: x**2 - y**2 + 0.1 * y**4,
        (-1.5, 0.01),
        ((-2.0, 2.0), (-3.0, 3.0)),
        [(0.0, math.sqrt(5.0)), (0.0, -math.sqrt(5.0))],
    ),
    # x²/2 + 25 y²: curvatures 1 and 50, minimum at the origin
    "ill-conditioned": (
        lambda x, y: 0.5 * x**2 + 25 * y**2,
        (-4.0, 1.0),
        ((-5.0, 5.0), (-1.5, 1.5)),
        [(0.0, 0.0)],
    ),
}

OPTIMISERS = ("sgd", "momentum", "adam", "adagrad", "rmsprop")
BLOW_UP = 1e6  # a path this far out has diverged: it stops there instead of overflowing


def optimiser_paths(
    surface: str, names: Sequence[str] = OPTIMISERS, learning_rate: float = 0.01, steps: int = 100
) -> dict[str, np.ndarray]:
    """The points each optimiser visits from the surface's start, computed by the
    workbench's own (functional, optax-style) optimisers and gradients. A path that
    diverges ends at its first point beyond ``BLOW_UP`` (or not finite)."""
    import workbench.functional as jax  # noqa: PLC0415
    import workbench.functional.numpy as jnp  # noqa: PLC0415
    from workbench.functional import optim  # noqa: PLC0415

    fn, start, _, _ = SURFACES[surface]
    make = {
        "sgd": lambda: optim.sgd(learning_rate),
        "momentum": lambda: optim.sgd(learning_rate, momentum=0.9),
        "adam": lambda: optim.adam(learning_rate),
        "adagrad": lambda: optim.adagrad(learning_rate),
        "rmsprop": lambda: optim.rmsprop(learning_rate),
    }
    loss = lambda p: fn(p[0], p[1])  # noqa: E731
    grad = jax.jit(jax.grad(loss))
    paths = {}
    for name in names:
        opt = make[name]()
        p = jnp.array(start, dtype=jnp.float32)
        state = opt.init(p)
        points = [np.asarray(p)]
        for _ in range(int(steps)):
            updates, state = opt.update(grad(p), state, p)
            p = optim.apply_updates(p, updates)
            points.append(np.asarray(p))
            if not np.all(np.abs(points[-1]) < BLOW_UP):
                break
        paths[name] = np.array(points)
    return paths


def diverged_at(surface: str, points: np.ndarray) -> int | None:
    """The first step at which a path is outside the picture and never comes back (or
    stopped early, blown up); None when it stays."""
    _, _, ((x0, x1), (y0, y1)), _ = SURFACES[surface]
    finite = np.all(np.isfinite(points), axis=1)
    inside = finite & (points[:, 0] >= x0) & (points[:, 0] <= x1)
    inside &= (points[:, 1] >= y0) & (points[:, 1] <= y1)
    if inside[-1] and finite.all():
        return None
    back = np.flatnonzero(inside)
    return int(back[-1] + 1) if back.size else 0


def optimiser_figure(surface: str, paths: dict[str, np.ndarray]) -> Any:
    """The surface's contours, each optimiser's path, the start (black star) and the
    minima (gold stars); a diverging path is marked with a cross where it leaves."""
    fn, start, ((x0, x1), (y0, y1)), minima = SURFACES[surface]
    xs, ys = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    zs = fn(xs, ys)
    fig = _figure(figsize=(6.5, 5))
    ax = fig.add_subplot(1, 1, 1)
    ax.contour(xs, ys, np.log1p(zs - zs.min()), levels=30, cmap="viridis", linewidths=0.6)
    for name, points in paths.items():
        step = diverged_at(surface, points)
        shown = points if step is None else points[: max(step, 1)]
        label = name if step is None else f"{name}: diverged at step {step}"
        (line,) = ax.plot(shown[:, 0], shown[:, 1], ".-", markersize=2, linewidth=1, label=label)
        if step is not None:
            ax.plot(*shown[-1], "x", color=line.get_color(), markersize=12, markeredgewidth=3)
    ax.plot(*start, "k*", markersize=10, label="start")
    mx, my = zip(*minima)
    ax.plot(mx, my, "*", color="gold", markeredgecolor="black", markersize=16, label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(f"{surface}: optimiser paths")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# Benchmarks


def benchmark_chart(rows: Sequence[dict[str, Any]], kind: str = "bar", x: str = "impl") -> Any:
    """Bars (one group per workload) of median ms with min-max whiskers, from the rows
    ``workbench bench --json`` writes; ``kind="line"`` plots median ms against ``x``."""
    fig = _figure(figsize=(9, 4))
    ax = fig.add_subplot(1, 1, 1)
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    if kind == "line":
        for w in workloads:
            mine = [r for r in rows if r["workload"] == w]
            ax.plot([r[x] for r in mine], [r["median_ms"] for r in mine], "o-", label=w)
        ax.set_xlabel(x)
    else:
        impls = list(dict.fromkeys(r["impl"] for r in rows))
        width = 0.8 / max(len(impls), 1)
        for j, impl in enumerate(impls):
            xs, heights, lows, highs = [], [], [], []
            for i, w in enumerate(workloads):
                found = [r for r in rows if r["workload"] == w and r["impl"] == impl]
                if found:
                    r = found[0]
                    xs.append(i + j * width)
                    heights.append(r["median_ms"])
                    lows.append(r["median_ms"] - r.get("min_ms", r["median_ms"]))
                    highs.append(r.get("max_ms", r["median_ms"]) - r["median_ms"])
            ax.bar(xs, heights, width, yerr=[lows, highs], label=impl, capsize=2)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(workloads))])
        ax.set_xticklabels(workloads)
    ax.set_ylabel("median ms")
    ax.legend(fontsize=8)
    ax.set_title("benchmarks")
    fig.tight_layout()
    return fig


def suite_chart(rows: Sequence[dict[str, Any]]) -> Any:
    """The benchmark suite's results (``workbench bench --json``'s ``results``): a panel
    per workload case with one bar per implementation (median, min-max whiskers; µs per
    operation for the overhead chains), and the scaling sweep as lines over the widths
    and over the batch sizes."""
    timed = [r for r in rows if r.get("median_ms") is not None]
    scaling = [r for r in timed if r["workload"] == "scaling"]
    cases = list(
        dict.fromkeys((r["workload"], r.get("case", "")) for r in timed if r not in scaling)
    )
    panels = len(cases) + (2 if scaling else 0)
    cols = min(3, max(panels, 1))
    grid_rows = max(1, -(-panels // cols))
    fig = _figure(figsize=(4.2 * cols, 3.2 * grid_rows))
    for k, (workload, case) in enumerate(cases):
        ax = fig.add_subplot(grid_rows, cols, k + 1)
        mine = [r for r in timed if r["workload"] == workload and r.get("case", "") == case]
        per_op = all(r.get("us_per_op") is not None for r in mine)
        scale = [(r["us_per_op"] / r["median_ms"]) if per_op else 1.0 for r in mine]
        heights = [r["median_ms"] * s for r, s in zip(mine, scale)]
        lows = [h - r["min_ms"] * s for r, s, h in zip(mine, scale, heights)]
        highs = [r["max_ms"] * s - h for r, s, h in zip(mine, scale, heights)]
        colours = ["#c44e52" if r.get("agrees") is False else "#4c72b0" for r in mine]
        ax.bar(range(len(mine)), heights, yerr=[lows, highs], color=colours, capsize=2)
        ax.set_xticks(range(len(mine)))
        ax.set_xticklabels([r["impl"] for r in mine], rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("µs per op" if per_op else "ms per step", fontsize=8)
        ax.set_title(f"{workload} {case}".strip(), fontsize=9)
    if scaling:
        for j, (axis, fixed) in enumerate((("width", "batch"), ("batch", "width"))):
            ax = fig.add_subplot(grid_rows, cols, len(cases) + j + 1)
            common = max(
                {r[fixed] for r in scaling}, key=lambda v: sum(r[fixed] == v for r in scaling)
            )
            for impl in dict.fromkeys(r["impl"] for r in scaling):
                line = sorted(
                    (r[axis], r["median_ms"])
                    for r in scaling
                    if r["impl"] == impl and r[fixed] == common
                )
                if len(line) > 1:
                    ax.plot(*zip(*line), "o-", label=impl, markersize=3)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel(f"{axis} ({fixed} {common})", fontsize=8)
            ax.set_ylabel("ms per step", fontsize=8)
            ax.set_title(f"scaling with {axis}", fontsize=9)
            ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def timing_chart(timings: dict[str, Any], title: str = "time per call") -> Any:
    """Horizontal bars of median milliseconds per call, with min-max whiskers, for
    ``bench.time_call`` results keyed by label (the faster, the shorter); each bar says
    how many times slower it is than the fastest."""
    names = list(timings)
    medians = [timings[n].median * 1e3 for n in names]
    lows = [m - timings[n].minimum * 1e3 for n, m in zip(names, medians)]
    highs = [timings[n].maximum * 1e3 - m for n, m in zip(names, medians)]
    fig = _figure(figsize=(6.5, 0.5 * len(names) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    bars = ax.barh(names[::-1], medians[::-1], xerr=[lows[::-1], highs[::-1]], capsize=3)
    fastest = min(medians)
    for bar, median in zip(bars, medians[::-1]):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f"  {median / fastest:.1f}x",
                va="center", fontsize=8)  # fmt: skip
    ax.set_xlabel("ms per call (median of rounds; whiskers: min and max)")
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


def profile_chart(rows: Sequence[dict[str, Any]], top: int = 15) -> Any:
    """Horizontal bars of total time per primitive (``Profile.rows()``), largest first,
    with each bar labelled by its number of calls."""
    rows = sorted(rows, key=lambda r: r["total_us"], reverse=True)[:top]
    fig = _figure(figsize=(7, 0.35 * len(rows) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    names = [r["name"] for r in rows][::-1]
    totals = [r["total_us"] / 1e3 for r in rows][::-1]
    bars = ax.barh(names, totals, color="#4c72b0")
    for bar, r in zip(bars, rows[::-1]):
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {r['calls']}x",
            va="center",
            fontsize=7,
        )
    ax.set_xlabel("total ms")
    ax.set_title("time per primitive")
    fig.tight_layout()
    return fig
