"""Benchmarks: workloads run side by side, reported as ratios.

Each implementation runs in a fresh process of its own (``workbench.bench.isolated``),
timed in rounds interleaved across the processes; tiny sizes (a check that everything
runs and agrees) run in the caller's process. ``python -m workbench bench`` runs the
suite from a terminal; in a notebook,
``bench.run("mlp,eager,numpy,torch", size="quick")`` runs the chosen workloads and
implementations, prints their tables and returns the rows (``viz.suite_chart`` draws
them). Never imported by the engine; reads the front ends and, when installed, PyTorch
and JAX.
"""

from __future__ import annotations

from workbench.bench.suite import Result
from workbench.bench.timing import Measurement, measure_interleaved, time_call

__all__ = ["Measurement", "Result", "measure_interleaved", "run", "time_call"]


def run(
    only: str | None = None,
    *,
    size: str = "quick",
    device: str = "cpu",
    memory: bool = False,
    show: bool = True,
    rounds: int | None = None,
    warmup: int | None = None,
    isolate: bool | None = None,
) -> list[Result]:
    """Run workloads and implementations named in ``only`` (comma-separated, as the
    command's ``--only``; None: everything) at ``size`` "full", "quick" or "tiny".
    ``memory`` measures each implementation's peak in a process of its own; ``rounds``
    and ``warmup`` override the size's defaults (tiny: one round, no warm-up). ``isolate``
    (default: every size but tiny) gives each implementation a process of its own, which
    also measures its peak memory."""
    from workbench.bench import cli, suite  # noqa: PLC0415
    from workbench.bench.workloads import IMPLEMENTATIONS, WORKLOADS  # noqa: PLC0415

    names, impls = suite.select(WORKLOADS, only, IMPLEMENTATIONS)
    return cli.collect(
        names,
        impls,
        size=size,
        device=device,
        measure_memory=memory,
        show=show,
        rounds=rounds,
        warmup=warmup,
        isolate=size != "tiny" if isolate is None else isolate,
    )
