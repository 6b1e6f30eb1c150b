"""Mirrors: torch.multiprocessing — Python's multiprocessing, plus ``spawn(fn, args,
nprocs)`` that starts ``nprocs`` processes running ``fn(rank, *args)`` and joins them,
raising if any failed."""

from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import (  # noqa: F401 - part of torch.multiprocessing
    Event,
    Lock,
    Manager,
    Pipe,
    Pool,
    Process,
    Queue,
    Value,
    cpu_count,
    current_process,
    get_all_start_methods,
    get_context,
    get_start_method,
    set_start_method,
)
from typing import Any


class ProcessRaisedException(Exception):
    """A spawned process exited with an error."""


def spawn(
    fn: Any,
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> Any:
    context: Any = _mp.get_context(start_method)
    processes = [
        context.Process(target=fn, args=(rank, *args), daemon=daemon) for rank in range(nprocs)
    ]
    for p in processes:
        p.start()
    if not join:
        return processes
    for p in processes:
        p.join()
    failed = [(rank, p.exitcode) for rank, p in enumerate(processes) if p.exitcode != 0]
    if failed:
        raise ProcessRaisedException(
            "spawn: process(es) failed: "
            + ", ".join(f"rank {r} exited with code {c}" for r, c in failed)
        )
    return None
