"""The benchmark suite: workloads × implementations, checked for agreement, then timed.

A *workload* (``workbench/bench/workloads/``) is a training step (or, for ``overhead``
and ``per-example-grads``, a smaller computation) with fixed sizes and seeds. Each one
builds its initial values once as NumPy arrays and offers *implementations*: the same
step in the eager, static and functional front ends, hand-written NumPy/CuPy with a
manual backward, and PyTorch / ``jax.jit`` when they are installed. Every
implementation first runs one step from the same initial values; its results (the loss
and the updated weights) are compared with the hand-written step's (1e-4). Only those
that agree are timed, interleaved round by round, so the ratios come from one run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.bench.timing import measure_interleaved

TOLERANCE = 1e-4


class Unavailable(Exception):
    """An implementation that cannot run here (library missing, no GPU…), and why."""


@dataclass
class Runner:
    """One implementation, ready to run: ``step()`` runs a step (state lives inside), and
    ``results(out)`` turns a step's output into the values checked for agreement."""

    step: Callable[[], Any]
    results: Callable[[Any], list[np.ndarray]]
    ops: int = 0  # operations per step, where µs per operation is the natural unit


@dataclass(frozen=True)
class Case:
    """One configuration of a workload: the sizes its builders use."""

    workload: str
    label: str
    sizes: dict[str, int]


@dataclass(frozen=True)
class Workload:
    """A named computation, its sizes (full and quick) and its implementations.

    ``impls`` maps a name to a builder ``(case, device) -> Runner``; a builder raises
    :class:`Unavailable` when it cannot run here.
    """

    name: str
    description: str
    cases: Callable[[bool, bool], list[Case]]  # (quick, tiny) -> cases
    impls: dict[str, Callable[[Case, str], Runner]]
    reference: str = "numpy"
    unit: str = "ms"  # "ms" per step, or "us/op" for the overhead chains


@dataclass
class Result:
    """One row of the results (the JSON schema's fields, plus the case's sizes)."""

    workload: str
    impl: str
    case: str = ""
    sizes: dict[str, int] = field(default_factory=dict)
    median_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    peak_bytes: int | None = None
    agrees: bool | None = None
    ops: int = 0
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "workload": self.workload,
            "impl": self.impl,
            "median_ms": self.median_ms,
            "min_ms": self.min_ms,
            "max_ms": self.max_ms,
            "peak_bytes": self.peak_bytes,
            "agrees": self.agrees,
        }
        if self.case:
            row["case"] = self.case
            row.update(self.sizes)
        if self.ops:
            row["us_per_op"] = self.median_ms * 1e3 / self.ops if self.median_ms else None
        if self.note:
            row["note"] = self.note
        return row


def max_difference(values: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> float:
    """The largest difference beyond the tolerance's scale (<= 1 means they agree)."""
    if len(values) != len(reference):
        return math.inf
    worst = 0.0
    for a, b in zip(values, reference):
        a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a64.shape != b64.shape:
            return math.inf
        if a64.size:
            scale = TOLERANCE + TOLERANCE * np.abs(b64)
            worst = max(worst, float(np.max(np.abs(a64 - b64) / scale)))
    return worst


def compare(
    row: Result, values: Sequence[np.ndarray], reference: Sequence[np.ndarray] | None, by: str
) -> None:
    """Set ``row.agrees`` (and a note) from ``values`` against the reference's."""
    if reference is None:
        row.note = f"not checked: the reference ({by}) did not run"
        row.agrees = None
        return
    worst = max_difference(values, reference)
    row.agrees = worst <= 1.0
    if not row.agrees:
        row.note = f"disagrees with {by} (up to {worst:.3g}x the tolerance)"


def run_case(
    workload: Workload,
    case: Case,
    impls: Iterable[str],
    *,
    device: str = "cpu",
    rounds: int = 10,
    warmup: int = 2,
    min_seconds: float = 0.02,
    progress: Callable[[str], None] | None = None,
    synchronize: Callable[[], None] | None = None,
) -> list[Result]:
    """Check, then time, the chosen implementations of one case of a workload."""
    tick = progress or (lambda _label: None)
    runners: dict[str, Runner] = {}
    results: dict[str, Result] = {}
    reference: list[np.ndarray] | None = None
    names = list(impls)
    # the reference goes first, so the others are compared as they are built
    order = sorted(names, key=lambda n: n != workload.reference)
    for name in order:
        tick(f"{workload.name}{case.label}: checking {name}")
        row = Result(workload.name, name, case.label, case.sizes)
        try:
            runner = workload.impls[name](case, device)
            values = runner.results(runner.step())
        except Unavailable as why:
            row.note = f"not run: {why}"
            results[name] = row
            continue
        except Exception as err:  # noqa: BLE001 - one broken implementation fails alone
            row.agrees = False
            row.note = f"failed: {type(err).__name__}: {err}"[:300]
            results[name] = row
            continue
        row.ops = runner.ops
        if name == workload.reference:
            reference = values
        compare(row, values, reference, workload.reference)
        results[name] = row
        if row.agrees is not False:
            runners[name] = runner
    if runners:
        tick(f"{workload.name}{case.label}: timing {len(runners)} implementations")
        timed = measure_interleaved(
            {name: r.step for name, r in runners.items()},
            rounds=rounds,
            warmup=warmup,
            min_seconds=min_seconds,
            synchronize=synchronize,
        )
        for name, m in timed.items():
            row = results[name]
            row.median_ms, row.min_ms, row.max_ms = m.median * 1e3, m.minimum * 1e3, m.maximum * 1e3
    return [results[name] for name in names if name in results]


def select(
    workloads: dict[str, Workload], only: str | None, impl_names: Iterable[str]
) -> tuple[list[str], list[str] | None]:
    """Split ``--only``'s comma-separated names into workloads and implementations.

    Names of workloads pick workloads, names of implementations pick implementations;
    if no name of one kind is given, all of that kind run. Unknown names raise.
    """
    tokens = [t.strip() for t in (only or "").split(",") if t.strip()]
    known_impls = set(impl_names)
    unknown = [t for t in tokens if t not in workloads and t not in known_impls]
    if unknown:
        raise ValueError(
            f"unknown name(s) for --only: {', '.join(unknown)}; workloads: "
            f"{', '.join(workloads)}; implementations: {', '.join(sorted(known_impls))}"
        )
    chosen_workloads = [t for t in tokens if t in workloads] or list(workloads)
    chosen_impls = [t for t in tokens if t in known_impls] or None
    return chosen_workloads, chosen_impls


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries compared (those importable)."""
    import importlib.metadata  # noqa: PLC0415
    import platform  # noqa: PLC0415

    found = {"python": platform.python_version()}
    for dist in ("numpy", "cupy-cuda12x", "torch", "jax", "jaxlib", "tensorflow-cpu"):
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    import workbench  # noqa: PLC0415

    found["workbench"] = getattr(workbench, "__version__", "dev")
    return found
