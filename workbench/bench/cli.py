"""``python -m workbench bench``: the suite from the command line.

``--only`` takes workload and implementation names together (``--only mlp,cnn,eager,
torch``); ``--quick`` runs fewer rounds and a smaller scaling sweep; ``--tiny`` runs
tiny sizes for one round (what the test suite does: it checks that everything runs and
agrees, not how fast). ``--json PATH`` writes the results and ``--chart PATH`` (or, with
``--json``, the same path ending in ``.png``) the chart. The exit status is 1 when an
implementation disagreed with the hand-written step.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.bench import compiler, isolated, memory, report, suite
from workbench.bench.timing import synchronizer
from workbench.bench.workloads import IMPLEMENTATIONS, WORKLOADS

# Workloads of the compiler issue, reported in their own tables (not in the default run).
SPECIALIST = ("chain", "fusion", "compiled-mlp")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", help="cpu or gpu (cuda:0)")
    parser.add_argument(
        "--only",
        help="comma-separated workloads and/or implementations; workloads: "
        + ", ".join([*WORKLOADS, *SPECIALIST])
        + "; implementations: "
        + ", ".join(IMPLEMENTATIONS),
    )
    parser.add_argument("--quick", action="store_true", help="a short run (fewer rounds)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, one round (a check)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--chart", metavar="PATH", help="write a PNG chart of the results")
    parser.add_argument("--no-memory", action="store_true", help="do not report peak memory")
    parser.add_argument(
        "--shared-process",
        action="store_true",
        help="time every implementation in this one process (the default, except with "
        "--tiny, gives each a fresh process of its own, as users run them)",
    )


def run(args: argparse.Namespace) -> int:
    device = "cuda:0" if args.device in ("gpu", "cuda") else args.device
    from workbench.backend import get_device  # noqa: PLC0415

    try:
        get_device(device)
    except ValueError as err:
        print(f"workbench bench: {err}", file=sys.stderr)
        return 2
    tokens = [t.strip() for t in (args.only or "").split(",") if t.strip()]
    specialist = [t for t in tokens if t in SPECIALIST]
    rest = ",".join(t for t in tokens if t not in SPECIALIST)
    try:
        names, impls = suite.select(WORKLOADS, rest, IMPLEMENTATIONS)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    if specialist and not [t for t in tokens if t in WORKLOADS]:
        names = []
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    versions = suite.versions()
    print(f"device: {device}  " + "  ".join(f"{k} {v}" for k, v in versions.items()))
    isolate = not args.shared_process and size != "tiny"
    print(
        "each implementation in a fresh process of its own, the same allocator setting in each"
        if isolate
        else "every implementation in this one process"
    )
    rows = collect(
        names, impls, size=size, device=device, measure_memory=not args.no_memory, isolate=isolate
    )
    for name in specialist:
        _specialist(name, device, 3 if size != "full" else 10)
    doc = report.document(device, versions, rows)
    if args.json:
        report.write_json(args.json, doc)
    chart = args.chart or (str(Path(args.json).with_suffix(".png")) if args.json else None)
    if chart and rows:
        try:
            report.chart(rows, chart)
        except ImportError:
            print("no chart: it needs matplotlib (pip install 'workbench[lab]')", file=sys.stderr)
    failed = [r for r in rows if r.agrees is False]
    for r in failed:
        print(f"FAILED {r.workload}{r.case} {r.impl}: {r.note}", file=sys.stderr)
    return 1 if failed else 0


ROUNDS = {"tiny": (1, 0, 0.0), "quick": (3, 1, 0.01), "full": (10, 2, 0.05)}


def collect(
    names: list[str],
    impls: list[str] | None,
    *,
    size: str = "full",
    device: str = "cpu",
    measure_memory: bool = True,
    show: bool = True,
    rounds: int | None = None,
    warmup: int | None = None,
    isolate: bool = False,
) -> list[suite.Result]:
    """Run the chosen workloads (all their cases) with the chosen implementations (None:
    all), printing each case's table, with the sizes it ran, as it finishes when
    ``show``. ``rounds``/``warmup`` override the size's defaults. With ``isolate`` each
    implementation runs in a fresh process of its own (:mod:`workbench.bench.isolated`)."""
    default_rounds, default_warmup, min_seconds = ROUNDS[size]
    rounds = default_rounds if rounds is None else rounds
    warmup = default_warmup if warmup is None else warmup
    plan = []
    for name in names:
        spec = WORKLOADS[name]
        chosen = [i for i in spec.impls if impls is None or i in impls]
        if chosen:
            plan += [(spec, case, chosen) for case in spec.cases(size == "quick", size == "tiny")]
    per_impl = 2 if measure_memory and not isolate else 1
    steps = sum(len(chosen) * per_impl + 1 for _, _, chosen in plan)
    progress = report.Progress(steps)
    rows: list[suite.Result] = []
    sync = synchronizer(device)
    last = None
    for spec, case, chosen in plan:
        if isolate:
            found = isolated.run_case(
                spec,
                case,
                chosen,
                device=device,
                size=size,
                rounds=rounds,
                warmup=warmup,
                min_seconds=min_seconds,
                progress=progress,
            )
            if not measure_memory:
                for r in found:
                    r.peak_bytes = None
        else:
            found = _shared(
                spec,
                case,
                chosen,
                device,
                size,
                measure_memory,
                progress,
                rounds=rounds,
                warmup=warmup,
                min_seconds=min_seconds,
                synchronize=sync,
            )
        rows += found
        progress.close()
        if show:
            if spec.name != last:
                print(f"\n[{spec.name}] {spec.description}")
                last = spec.name
            sizes = ", ".join(f"{k} {v}" for k, v in case.sizes.items())
            print(f"{size} sizes: {sizes}; {rounds} rounds after {warmup} warm-up")
            if case.label:
                print(case.label)
            print(report.table(found, spec.unit, spec.reference))
            check = report.sanity(found, spec.reference)
            if check and spec.unit == "ms":
                print(check)
    progress.close()
    return rows


def _shared(
    spec: Any,
    case: Any,
    chosen: list[str],
    device: str,
    size: str,
    measure_memory: bool,
    progress: Callable[[str], None],
    **timing: Any,
) -> list[suite.Result]:
    """One case with every implementation in this process; peak memory from a child each."""
    found = suite.run_case(spec, case, chosen, device=device, progress=progress, **timing)
    if measure_memory:
        for r in found:
            progress(f"{spec.name}{case.label}: memory of {r.impl}")
            if r.median_ms is not None:
                r.peak_bytes = memory.in_child(spec.name, case.label, r.impl, device, size)
    return found


def _specialist(name: str, device: str, rounds: int) -> None:
    if name == "chain":
        print("\n[chain] µs per op, 201 elementwise ops on 16 float32 elements, forward")
        print(compiler.chain_table(compiler.run_chain(device=device, rounds=rounds)))
    elif name == "compiled-mlp":
        print("\n[compiled-mlp] ms per step, the MLP step compiled by the core's executor")
        print(compiler.mlp_table(compiler.run_mlp(device=device, rounds=rounds)))
    elif device.startswith("cuda"):
        print("\n[fusion] a 10-op elementwise chain over 64 Mi float32 elements")
        print(compiler.fusion_table(compiler.run_fusion(device=device, rounds=rounds)))
    else:
        print("\n[fusion] needs a GPU (--device gpu)")
