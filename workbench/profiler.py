"""``workbench.profiler``: where the time of a step goes, primitive by primitive.

    >>> from workbench import profiler
    >>> with profiler.profile() as prof:
    ...     train_step()                                   # doctest: +SKIP
    >>> print(prof.key_averages().table(row_limit=10))     # doctest: +SKIP
    >>> prof.export_chrome_trace("trace.json")             # doctest: +SKIP

It works the same for every front end, because they all compute through the core: an
eager operation is timed where the core evaluates it, and a compiled program (a
``jit``, a ``tf.function``, a ``Session.run``, ``compile``) reports each step of its
plan — a fused group of elementwise operations shows as one ``fused[mul+add+tanh]``
row, which is what fusion buys. On a GPU each timing is bracketed by device
synchronisation, so it is the primitive's own time (and slower than an unprofiled run).

Each event records the primitive, its input shapes and dtypes, and the bytes it read
and wrote. The profile also holds the peak memory of the block — the most bytes held at
once by arrays that profiled primitives created (views, and a compiled plan's reused
buffers, are not new memory and are not counted) — and its own overhead: the time spent
in the profiler's bookkeeping, reported beside the results instead of hidden in them.
"""

from __future__ import annotations

import json
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.core import dispatch

__all__ = ["Event", "Profile", "profile", "record_function"]


@dataclass(frozen=True)
class Event:
    """One primitive (or compiled-plan step) run: times in µs from the profile's start."""

    name: str
    start_us: float
    duration_us: float
    shapes: tuple[tuple[int, ...], ...]
    dtypes: tuple[str, ...]
    bytes_in: int
    bytes_out: int
    source: str  # "eager" (the dispatcher), "plan" (a compiled step), "range" (a label)


def _nbytes(x: Any) -> int:
    return int(getattr(x, "nbytes", 0) or 0)


class KeyAverages(list):  # type: ignore[type-arg]
    """Rows of totals per primitive (dicts); ``table()`` prints them as
    ``torch.profiler``'s ``key_averages().table()`` does."""

    def __init__(self, rows: Sequence[dict[str, Any]], profile: Profile) -> None:
        super().__init__(rows)
        self.profile = profile

    def table(self, sort_by: str = "total", row_limit: int = 100) -> str:
        key = {
            "total": "total_us",
            "cpu_time_total": "total_us",
            "cuda_time_total": "total_us",
            "self_cpu_time_total": "total_us",
            "count": "calls",
            "calls": "calls",
            "mean": "mean_us",
            "cpu_time": "mean_us",
            "bytes": "bytes",
            "cpu_memory_usage": "bytes",
            "self_cpu_memory_usage": "bytes",
            "cuda_memory_usage": "bytes",
            "self_cuda_memory_usage": "bytes",
        }.get(sort_by, sort_by)
        rows = sorted(self, key=lambda r: r[key], reverse=True)[:row_limit]
        # labelled ranges (record_function) contain primitives: not part of the 100 %
        total = sum(r["total_us"] for r in self if not r.get("range")) or 1.0
        shapes = any(r.get("shapes") for r in rows)
        head = (
            f"{'name':<34} {'calls':>6} {'total ms':>9} {'%':>6} {'mean µs':>9} {'MiB moved':>10}"
            + ("  input shapes" if shapes else "")
        )
        lines = [head, "-" * len(head)]
        for r in rows:
            line = (
                f"{r['name'][:34]:<34} {r['calls']:>6} {r['total_us'] / 1e3:>9.3f} "
                f"{100 * r['total_us'] / total:>5.1f}% {r['mean_us']:>9.2f} "
                f"{r['bytes'] / 2**20:>10.2f}"
            )
            if shapes:
                line += "  " + " ".join("x".join(map(str, s)) or "()" for s in r["shapes"])
            lines.append(line)
        lines.append("-" * len(head))
        lines.append(self.profile.summary())
        return "\n".join(lines)


class Profile:
    """The record of one ``with profile():`` block."""

    def __init__(self, record_shapes: bool = False, memory: bool = True) -> None:
        self.record_shapes = record_shapes
        self.memory = memory
        self._raw: list[Any] = []
        self._events: list[Event] | None = None
        self.wall_us = 0.0
        self.overhead_us = 0.0
        self.peak_bytes: int | None = None
        self._start = 0.0
        self._live = 0
        self._refs: dict[int, Any] = {}

    # the hooks the core calls ----------------------------------------------------------
    def evaluate(
        self, prim: Any, args: Sequence[Any], params: dict[str, Any], run: Callable[..., Any]
    ) -> Any:
        entered = time.perf_counter()
        device = args[0].device
        gpu = device.platform == "cuda"
        if gpu:
            device.synchronize()
        start = time.perf_counter()
        out = run(prim, args, params)
        if gpu:
            device.synchronize()
        end = time.perf_counter()
        outs = out if isinstance(out, tuple) else (out,)
        self._add(prim.name, start, end, [a.data for a in args], [o.data for o in outs], "eager")
        self.overhead_us += ((start - entered) + (time.perf_counter() - end)) * 1e6
        return out

    def run_step(self, step: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        entered = time.perf_counter()
        gpu = any(type(a).__module__.startswith("cupy") for a in args)
        sync = _cuda_sync if gpu else None
        if sync:
            sync()
        start = time.perf_counter()
        out = step.function(*args, **kwargs)
        if sync:
            sync()
        end = time.perf_counter()
        outs = out if isinstance(out, (tuple, list)) else (out,)
        # an output written into one of the plan's buffers is not new memory
        self._add(step.name, start, end, args, () if "out" in kwargs else outs, "plan")
        self.overhead_us += ((start - entered) + (time.perf_counter() - end)) * 1e6
        return out

    def add_range(self, name: str, start: float, end: float) -> None:
        """A labelled range (``record_function``): shown in the table beside the
        primitives it contains, and in the trace as their parent."""
        self._raw.append((name, start, end, [], [], "range"))

    def _add(
        self,
        name: str,
        start: float,
        end: float,
        inputs: Sequence[Any],
        outputs: Sequence[Any],
        source: str,
    ) -> None:
        # raw now, Events on demand: the bookkeeping stays small per operation
        # (no references to the arrays: holding them would change what memory is live)
        described = [
            (getattr(a, "shape", ()), getattr(a, "dtype", None), _nbytes(a)) for a in inputs
        ]
        self._raw.append((name, start, end, described, [_nbytes(o) for o in outputs], source))
        if self.memory:
            for o in outputs:
                self._hold(o)

    def _hold(self, array: Any) -> None:
        """Count a new array's bytes until it is freed (views share their base's)."""
        if getattr(array, "base", None) is not None or id(array) in self._refs:
            return
        size = _nbytes(array)
        key = id(array)

        def freed(_ref: Any, key: int = key, size: int = size) -> None:
            self._refs.pop(key, None)
            self._live -= size

        try:
            self._refs[key] = weakref.ref(array, freed)
        except TypeError:  # an array type without weak references
            return
        self._live += size
        self.peak_bytes = max(self.peak_bytes or 0, self._live)

    # the block ------------------------------------------------------------------------
    def __enter__(self) -> Profile:
        if self.memory:
            self.peak_bytes = 0
        dispatch.PROFILERS.append(self)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall_us = (time.perf_counter() - self._start) * 1e6
        dispatch.PROFILERS.remove(self)
        self._refs.clear()  # later frees no longer count

    # results --------------------------------------------------------------------------
    @property
    def events(self) -> list[Event]:
        """Every run primitive or plan step, in order."""
        if self._events is None or len(self._events) != len(self._raw):
            self._events = [
                Event(
                    name,
                    (start - self._start) * 1e6,
                    (end - start) * 1e6,
                    tuple(tuple(shape) for shape, _, _ in inputs),
                    tuple(str(dtype) for _, dtype, _ in inputs),
                    sum(n for _, _, n in inputs),
                    sum(out_bytes),
                    source,
                )
                for name, start, end, inputs, out_bytes, source in self._raw
            ]
        return self._events

    def rows(self) -> list[dict[str, Any]]:
        """Totals per primitive (and per input shapes with ``record_shapes``)."""
        groups: dict[Any, dict[str, Any]] = {}
        for e in self.events:
            key = (e.name, e.shapes) if self.record_shapes else e.name
            row = groups.setdefault(
                key,
                {
                    "name": e.name,
                    "calls": 0,
                    "total_us": 0.0,
                    "bytes": 0,
                    "shapes": (),
                    "range": e.source == "range",
                },
            )
            row["calls"] += 1
            row["total_us"] += e.duration_us
            row["bytes"] += e.bytes_in + e.bytes_out
            if self.record_shapes:
                row["shapes"] = e.shapes
        for row in groups.values():
            row["mean_us"] = row["total_us"] / row["calls"]
        return sorted(groups.values(), key=lambda r: r["total_us"], reverse=True)

    def key_averages(self, group_by_input_shape: bool = False) -> KeyAverages:
        """Mirrors: torch.profiler.profile.key_averages (``.table(sort_by=,
        row_limit=)``)."""
        saved = self.record_shapes
        self.record_shapes = saved or group_by_input_shape
        try:
            return KeyAverages(self.rows(), self)
        finally:
            self.record_shapes = saved

    def table(self, sort_by: str = "total", row_limit: int = 20) -> str:
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit)

    def summary(self) -> str:
        work = [e for e in self.events if e.source != "range"]
        timed = sum(e.duration_us for e in work)
        per_event = self.overhead_us / len(work) if work else 0.0
        share = 100 * self.overhead_us / max(self.wall_us, 1e-9)
        peak = "-" if self.peak_bytes is None else f"{self.peak_bytes / 2**20:.2f} MiB"
        return (
            f"{len(work)} events, {timed / 1e3:.3f} ms in primitives of "
            f"{self.wall_us / 1e3:.3f} ms wall; profiler overhead {self.overhead_us / 1e3:.3f} ms "
            f"({per_event:.2f} µs per event, {share:.1f}% "
            f"of the wall time); peak memory {peak}"
        )

    def export_chrome_trace(self, path: str) -> None:
        """A Chrome trace (JSON, "X" events in µs) that opens in Perfetto or
        chrome://tracing; eager operations and compiled-plan steps on separate rows."""
        events = [
            {
                "name": e.name,
                "ph": "X",
                "ts": round(e.start_us, 3),
                "dur": round(e.duration_us, 3),
                "pid": 1,
                "tid": 1 if e.source == "eager" else 2,
                "cat": e.source,
                "args": {
                    "shapes": [list(s) for s in e.shapes],
                    "dtypes": list(e.dtypes),
                    "bytes_in": e.bytes_in,
                    "bytes_out": e.bytes_out,
                },
            }
            for e in self.events
        ]
        for event in events:
            if event["cat"] == "range":
                event["tid"] = 1
        meta = [
            {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "eager"}},
            {"name": "thread_name", "ph": "M", "pid": 1, "tid": 2, "args": {"name": "compiled"}},
        ]
        with open(path, "w") as f:
            json.dump({"traceEvents": meta + events, "displayTimeUnit": "ms"}, f)

    def chart(self, top: int = 15) -> Any:
        """A matplotlib figure of total time per primitive (``workbench.viz``)."""
        from workbench.viz.plots import profile_chart  # noqa: PLC0415

        return profile_chart(self.rows(), top=top)


class record_function:  # noqa: N801 - PyTorch's spelling
    """Label a block: ``with record_function("forward"): ...`` adds a row (and a trace
    range) with the block's time to the active profile. Mirrors:
    torch.profiler.record_function."""

    def __init__(self, name: str, args: Any = None) -> None:
        self.name = name
        self._start = 0.0

    def __enter__(self) -> record_function:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        if dispatch.PROFILERS:
            dispatch.PROFILERS[-1].add_range(self.name, self._start, time.perf_counter())


def profile(record_shapes: bool = False, memory: bool = True) -> Profile:
    """Profile the block: ``with profile() as prof: ...``; then ``prof.table()``,
    ``prof.export_chrome_trace(path)``, ``prof.chart()``. ``record_shapes`` groups the
    table by input shapes too; ``memory=False`` skips following the arrays' lifetimes."""
    return Profile(record_shapes=record_shapes, memory=memory)


def _cuda_sync() -> None:
    import cupy  # noqa: PLC0415

    cupy.cuda.get_current_stream().synchronize()
