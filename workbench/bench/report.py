"""Reporting the suite: a progress bar while it runs, a table per workload, the JSON
document and a PNG chart."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from workbench.bench.suite import Result


class Progress:
    """A one-line progress bar on a terminal (nothing when output is redirected)."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 24) -> None:
        self.total, self.done, self.width = max(total, 1), 0, width
        self.stream = stream if stream is not None else sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, label: str) -> None:
        self.done = min(self.done + 1, self.total)
        if not self.live:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"\r[{bar}] {self.done}/{self.total} {label}"[:110]
        self.stream.write(line.ljust(111))
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 111 + "\r")
            self.stream.flush()


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "-"
    return f"{value / base:.2f}"


def _mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.1f}"


def table(rows: Sequence[Result], unit: str = "ms", reference: str = "numpy") -> str:
    """One case's rows: median/min/max (ms per step, or µs per operation), ratios to the
    hand-written step, to PyTorch and to ``jax.jit``, peak memory and the check."""
    per_op = unit == "us/op"

    def scaled(r: Result, value: float | None) -> float | None:
        if value is None:
            return None
        return value * 1e3 / r.ops if per_op and r.ops else value

    by_name = {r.impl: r for r in rows}
    bases = {
        key: scaled(by_name[key], by_name[key].median_ms) if key in by_name else None
        for key in (reference, "torch", "jax-jit")
    }
    width = max(16, *(len(r.impl) for r in rows))
    head = "µs/op" if per_op else "median ms"
    lines = [
        f"{'impl':<{width}} {head:>10} {'min':>9} {'max':>9} {'/' + reference:>7} "
        f"{'/torch':>7} {'/jax':>7} {'peak MiB':>9}  agrees"
    ]
    for r in rows:
        median = scaled(r, r.median_ms)
        if median is None:
            agrees = "-" if r.agrees is None else str(r.agrees)
            lines.append(
                f"{r.impl:<{width}} {'-':>10} {'':>9} {'':>9} {'':>7} {'':>7} {'':>7} "
                f"{_mib(r.peak_bytes):>9}  {agrees:<6} {r.note}"
            )
            continue
        low, high = scaled(r, r.min_ms), scaled(r, r.max_ms)
        lines.append(
            f"{r.impl:<{width}} {median:10.3f} {low:9.3f} {high:9.3f} "
            f"{_ratio(median, bases[reference]):>7} {_ratio(median, bases['torch']):>7} "
            f"{_ratio(median, bases['jax-jit']):>7} {_mib(r.peak_bytes):>9}  {r.agrees}"
            + (f"  {r.note}" if r.note else "")
        )
    return "\n".join(lines)


# A floor PyTorch's eager step beats by more than this is too weak to compare with.
FAIR_FLOOR = 1.5


def sanity(rows: Sequence[Result], reference: str = "numpy") -> str:
    """The sanity row: PyTorch eager's time over the hand-written floor's, and whether the
    floor is fair (PyTorch not more than :data:`FAIR_FLOOR` times faster)."""
    by_name = {r.impl: r for r in rows if r.median_ms}
    base = by_name.get(reference)
    torch = by_name.get("tutorial-torch") or by_name.get("torch")
    if base is None or torch is None or base.median_ms is None or torch.median_ms is None:
        return ""
    ratio = torch.median_ms / base.median_ms
    verdict = (
        "a fair floor"
        if ratio >= 1 / FAIR_FLOOR
        else f"PyTorch beats the floor by more than {FAIR_FLOOR}x: improve the floor first"
    )
    return f"sanity: PyTorch eager ({torch.impl}) / {reference} = {ratio:.2f} ({verdict})"


def document(device: str, versions: dict[str, str], rows: Sequence[Result]) -> dict[str, Any]:
    """The JSON document: ``{"device", "versions", "results": [...]}``."""
    return {"device": device, "versions": versions, "results": [r.as_json() for r in rows]}


def write_json(path: str, doc: dict[str, Any]) -> None:
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def chart(rows: Sequence[Result], path: str) -> None:
    """A PNG: a panel of bars per workload (median with min-max whiskers, one bar per
    implementation) and the scaling sweep as lines."""
    from workbench.viz.plots import suite_chart  # noqa: PLC0415

    suite_chart([r.as_json() for r in rows]).savefig(path, dpi=110)
