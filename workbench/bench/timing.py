"""Timing side by side: warm up, then interleave the implementations round by round
(so a slow patch of the machine hits all of them alike) and keep median, min and max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """Seconds per call of one implementation."""

    name: str
    median: float
    minimum: float
    maximum: float
    samples: int


def measure_interleaved(
    functions: dict[str, Callable[[], object]],
    *,
    rounds: int = 15,
    min_seconds: float = 0.01,
    warmup: int = 3,
    synchronize: Callable[[], None] | None = None,
) -> dict[str, Measurement]:
    """Time each function, interleaved over ``rounds``.

    Each sample runs a function enough times to last at least ``min_seconds`` (the count
    is fixed per function after warm-up) and records the mean per call.
    """
    sync = synchronize or (lambda: None)
    counts = {}
    for name, fn in functions.items():
        for _ in range(warmup):
            fn()
        sync()
        start = time.perf_counter()
        fn()
        sync()
        once = max(time.perf_counter() - start, 1e-7)
        counts[name] = max(1, int(min_seconds / once))
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, fn in functions.items():
            n = counts[name]
            sync()
            start = time.perf_counter()
            for _ in range(n):
                fn()
            sync()
            samples[name].append((time.perf_counter() - start) / n)
    return {
        name: Measurement(name, statistics.median(s), min(s), max(s), len(s))
        for name, s in samples.items()
    }
