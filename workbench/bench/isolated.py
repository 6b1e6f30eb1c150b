"""Each implementation in a fresh process of its own, as users run them.

In one shared process the implementations disturb each other: one library's allocator
settings speed up another's arrays, and PyTorch's, NumPy's and JAX's thread pools compete.
So :func:`run_case` starts one child per implementation (``python -m
workbench.bench.isolated``). Every child applies the same allocator setting (the
workbench's glibc tuning, or none with ``WORKBENCH_MALLOC_TUNING=0``), imports its
library, builds the implementation, runs one step and hands its results back for the
agreement check; its peak memory is measured in the same process. The parent then
schedules the timing: warm-up, then rounds in which each child in turn runs its steps
while the others wait on their pipes, so a slow patch of the machine hits all of them.

The children speak JSON lines on a private copy of their stdout (what libraries print
goes to stderr, kept in a file shown when a child fails).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np

from workbench.bench.suite import Case, Result, Unavailable, Workload, compare

# ---------------------------------------------------------------------------------------
# The child


def _case(workload: str, label: str, size: str) -> tuple[Workload, Case]:
    from workbench.bench.workloads import WORKLOADS  # noqa: PLC0415

    spec = WORKLOADS[workload]
    return spec, next(c for c in spec.cases(size == "quick", size == "tiny") if c.label == label)


def serve(workload: str, label: str, impl: str, device: str, size: str, outdir: str) -> None:
    """The child's side: build, check, then answer the parent's commands on stdin."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever the libraries print goes to stderr, not into the protocol

    def send(**message: Any) -> None:
        channel.write(json.dumps(message) + "\n")

    from workbench.backend.memory import tune_host_allocator  # noqa: PLC0415
    from workbench.bench import memory  # noqa: PLC0415
    from workbench.bench.timing import synchronizer  # noqa: PLC0415

    tune_host_allocator()  # the same setting in every implementation's process
    spec, case = _case(workload, label, size)
    memory.import_library(impl)
    memory.reset_peak()
    base = memory.status("VmRSS") or 0
    try:
        runner = spec.impls[impl](case, device)
        values = runner.results(runner.step())
    except Unavailable as why:
        send(status="unavailable", why=str(why))
        return
    except Exception as err:  # noqa: BLE001 - reported to the parent
        send(status="failed", why=f"{type(err).__name__}: {err}"[:300])
        return
    path = Path(outdir) / f"{impl}.npz"
    np.savez(path, *[np.asarray(v) for v in values])
    send(status="ready", ops=runner.ops, results=str(path))
    sync = synchronizer(device) or (lambda: None)
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "warmup":
            for _ in range(command["warmup"]):
                runner.step()
            sync()
            start = time.perf_counter()
            runner.step()
            sync()
            once = max(time.perf_counter() - start, 1e-7)
            peak = memory.peak_since(base, device, impl)
            send(count=max(1, int(command["min_seconds"] / once)), peak_bytes=peak)
        elif command["cmd"] == "run":
            sync()
            start = time.perf_counter()
            for _ in range(command["n"]):
                runner.step()
            sync()
            send(seconds=time.perf_counter() - start)
        else:
            return


# ---------------------------------------------------------------------------------------
# The parent


def _cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


def wait_until_quiet(pid: int, limit: float = 1.0) -> None:
    """Wait until process ``pid`` stops using the CPU (at most ``limit`` seconds).

    After their last task, thread pools (OpenBLAS, OpenMP, Eigen) spin for up to a tenth
    of a second before they sleep (an idle NumPy process used 0.13 CPU-seconds here); the
    next child timed meanwhile would lose cores to them."""
    deadline = time.perf_counter() + limit
    last = _cpu_ticks(pid)
    while last is not None and time.perf_counter() < deadline:
        time.sleep(0.02)
        now = _cpu_ticks(pid)
        if now == last:
            return
        last = now
    if last is None:
        time.sleep(0.1)


class Child:
    """One implementation's process and its pipes."""

    def __init__(self, spec: Workload, case: Case, impl: str, device: str, size: str, tmp: str):
        self.log: IO[str] = tempfile.TemporaryFile("w+")
        # the child imports the same workbench as this process, installed or not
        home = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (home, os.environ.get("PYTHONPATH", "")) if p)
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=path)
        args = [spec.name, case.label, impl, device, size, tmp]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.bench.isolated", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.log.seek(0)
            lines = [line.strip() for line in self.log.read().splitlines() if line.strip()]
            tail = lines[-1] if lines else "it printed nothing"  # the exception, if one
            raise RuntimeError(f"the process ended (exit {self.proc.returncode}): {tail}")
        return dict(json.loads(line))

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self.receive()

    def close(self) -> None:
        try:
            if self.proc.poll() is None and self.proc.stdin is not None:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run_case(
    workload: Workload,
    case: Case,
    impls: Iterable[str],
    *,
    device: str = "cpu",
    size: str = "full",
    rounds: int = 10,
    warmup: int = 2,
    min_seconds: float = 0.02,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """:func:`workbench.bench.suite.run_case` with every implementation in a process of
    its own; the rows also carry each one's peak memory."""
    tick = progress or (lambda _label: None)
    names = list(impls)
    order = sorted(names, key=lambda n: n != workload.reference)
    rows = {n: Result(workload.name, n, case.label, case.sizes) for n in names}
    live: dict[str, Child] = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = {n: Child(workload, case, n, device, size, tmp) for n in order}
        try:
            reference: list[np.ndarray] | None = None
            for name in order:
                tick(f"{workload.name}{case.label}: checking {name} (own process)")
                child, row = started[name], rows[name]
                try:
                    hello = child.receive()
                except RuntimeError as err:
                    row.agrees, row.note = False, f"failed: {err}"[:300]
                    continue
                if hello["status"] == "unavailable":
                    row.note = f"not run: {hello['why']}"
                    continue
                if hello["status"] == "failed":
                    row.agrees, row.note = False, f"failed: {hello['why']}"
                    continue
                with np.load(hello["results"], allow_pickle=False) as saved:
                    values = [saved[f"arr_{i}"] for i in range(len(saved.files))]
                row.ops = int(hello["ops"])
                if name == workload.reference:
                    reference = values
                compare(row, values, reference, workload.reference)
                if row.agrees is not False:
                    live[name] = child
            tick(f"{workload.name}{case.label}: timing {len(live)} processes")
            counts: dict[str, int] = {}
            samples: dict[str, list[float]] = {name: [] for name in live}
            for round_ in range(-1, rounds):
                for name, child in list(live.items()):
                    try:
                        if round_ < 0:
                            found = child.ask(cmd="warmup", warmup=warmup, min_seconds=min_seconds)
                            counts[name] = int(found["count"])
                            rows[name].peak_bytes = found["peak_bytes"]
                        else:
                            seconds = child.ask(cmd="run", n=counts[name])["seconds"]
                            samples[name].append(seconds / counts[name])
                        wait_until_quiet(child.proc.pid)
                    except RuntimeError as err:  # a crash while timing fails that one alone
                        rows[name].agrees, rows[name].note = False, f"failed: {err}"[:300]
                        del live[name], samples[name]
            for name, s in samples.items():
                row = rows[name]
                row.median_ms = statistics.median(s) * 1e3
                row.min_ms, row.max_ms = min(s) * 1e3, max(s) * 1e3
        finally:
            for child in started.values():
                child.close()
    return [rows[n] for n in names]


if __name__ == "__main__":
    serve(*sys.argv[1:7])
