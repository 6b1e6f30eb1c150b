"""Timing side by side: warm up, then interleave the implementations round by round
(so a slow patch of the machine hits all of them alike) and keep median, min and max."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """Seconds per call of one implementation."""

    name: str
    median: float
    minimum: float
    maximum: float
    samples: int

    def __str__(self) -> str:
        ms = 1e3
        return (
            f"{self.median * ms:.3g} ms per call (median of {self.samples} rounds after a "
            f"warm-up; min {self.minimum * ms:.3g}, max {self.maximum * ms:.3g})"
        )


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


def time_call(
    fn: Callable[..., Any], *args: Any, rounds: int = 5, min_seconds: float = 0.05
) -> Measurement:
    """Time one call of ``fn(*args)`` as a lesson should: a warm-up call first (tracing,
    compiling and caches are not timed), then ``rounds`` rounds of as many calls as fill
    ``min_seconds``; asynchronous results (``block_until_ready``) are waited for.

    Example:
        >>> from workbench.bench import time_call
        >>> timing = time_call(sum, range(100), rounds=3)
        >>> timing.samples, timing.minimum <= timing.median <= timing.maximum
        (3, True)
    """

    def call() -> None:
        result = fn(*args)
        ready = getattr(result, "block_until_ready", None)
        if callable(ready):
            ready()

    name = getattr(fn, "__name__", "call")
    found = measure_interleaved({name: call}, rounds=rounds, min_seconds=min_seconds, warmup=1)
    return found[name]


def synchronizer(device: str) -> Callable[[], None] | None:
    """What waits for a GPU's queued work (the workbench's and PyTorch's); None on the
    CPU."""
    if not device.startswith("cuda"):
        return None
    from workbench.backend import get_device  # noqa: PLC0415

    dev = get_device(device)

    def sync() -> None:
        dev.synchronize()
        if "torch" in sys.modules:
            sys.modules["torch"].cuda.synchronize()

    return sync
