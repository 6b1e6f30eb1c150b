"""``python -m workbench``: small command-line tools.

``python -m workbench primitives`` prints every primitive with the rules it defines;
``python -m workbench bench`` runs the benchmarks side by side and prints ratios.
"""

from __future__ import annotations

import argparse
import sys


def _primitives_table() -> str:
    from workbench.core import primitives  # noqa: PLC0415
    from workbench.core.primitive import RULE_KINDS  # noqa: PLC0415

    prims = primitives()
    width = max(len(p.name) for p in prims)
    fam_width = max(len(p.family) for p in prims)
    header = f"{'primitive':<{width}}  {'family':<{fam_width}}  " + "  ".join(
        f"{k:<5}" for k in RULE_KINDS
    )
    lines = [header, "-" * len(header)]
    for p in prims:
        marks = "  ".join(f"{'yes' if k in p.rules else '-':<5}" for k in RULE_KINDS)
        lines.append(f"{p.name:<{width}}  {p.family:<{fam_width}}  {marks}")
    lines.append(f"\n{len(prims)} primitives")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("primitives", help="list every primitive and the rules it defines")
    bench = sub.add_parser("bench", help="run benchmarks side by side (ratios in one run)")
    bench.add_argument("--device", default="cpu", help="cpu or gpu (cuda:0)")
    bench.add_argument(
        "--only",
        default="overhead,chain,mlp,fusion,eager-mlp,eager-cnn,static-mlp,functional",
        help="comma-separated workloads (fusion: GPU only)",
    )
    bench.add_argument("--quick", action="store_true", help="a short run (fewer rounds)")
    bench.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.command == "primitives":
        print(_primitives_table())
    elif args.command == "bench":
        return _bench(args)
    return 0


WORKLOADS = (
    "overhead",
    "chain",
    "mlp",
    "fusion",
    "eager-mlp",
    "eager-cnn",
    "static-mlp",
    "functional",
)


def _bench(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415
    import platform  # noqa: PLC0415

    import numpy  # noqa: PLC0415

    from workbench.bench import compiler, overhead  # noqa: PLC0415

    device = "cuda:0" if args.device in ("gpu", "cuda") else args.device
    workloads = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(workloads) - set(WORKLOADS)
    if unknown:
        print(
            f"unknown workload(s): {', '.join(sorted(unknown))}; available: {', '.join(WORKLOADS)}",
            file=sys.stderr,
        )
        return 2
    rounds = 5 if args.quick else 15
    print(f"device: {device}  python {platform.python_version()}  numpy {numpy.__version__}")
    rows: list[dict[str, object]] = []
    if "overhead" in workloads:
        found = overhead.run(device=device, rounds=rounds)
        print("\n[overhead] µs per elementwise op, 16 float32 elements, 201-op chain")
        print(overhead.table(found))
        rows += found
    if "chain" in workloads:
        found = compiler.run_chain(device=device, rounds=rounds)
        print("\n[chain] µs per op, 201 elementwise ops on 16 float32 elements, forward")
        print(compiler.chain_table(found))
        rows += found
    if "mlp" in workloads:
        found = compiler.run_mlp(device=device, rounds=max(rounds // 2, 3))
        print("\n[mlp] ms per training step, 784-512-512-10, batch 128, float32, SGD")
        print(compiler.mlp_table(found))
        rows += found
    for name in ("eager-mlp", "eager-cnn"):
        if name in workloads:
            from workbench.bench import frontends  # noqa: PLC0415

            found = frontends.run(name.split("-")[1], device=device, rounds=max(rounds // 3, 3))
            print(f"\n[{name}] ms per training step in the eager front end, SGD, float32")
            print(compiler.mlp_table(found))
            rows += found
    if "static-mlp" in workloads and not device.startswith("cuda"):
        from workbench.bench import static_steps  # noqa: PLC0415

        found, report = static_steps.run(rounds=max(rounds // 3, 3))
        print("\n[static-mlp] ms per training step, 784-512-512-10, batch 128, SGD, float32")
        print(compiler.mlp_table(found))
        print("Session.run's training program after the compiler's passes:\n" + report)
        rows += found
    if "functional" in workloads and not device.startswith("cuda"):
        from workbench.bench import functional_steps  # noqa: PLC0415

        found = functional_steps.run(rounds=max(rounds // 3, 3))
        mlp_rows = [r for r in found if r["workload"] == "functional-mlp"]
        print("\n[functional-mlp] ms per jitted training step, 784-512-512-10, batch 128, SGD")
        print(compiler.mlp_table(mlp_rows))
        print("\n[per-example-grads] ms for the gradient norms of 64 examples, 100-64-10 MLP")
        for r in found:
            if r["workload"] == "per-example-grads":
                print(f"{r['impl']:<24} {r['median_ms']:9.2f} ms  agrees {r['agrees']}")
        rows += found
    if "fusion" in workloads and device.startswith("cuda"):
        found = compiler.run_fusion(device=device, rounds=max(rounds // 2, 3))
        print("\n[fusion] a 10-op elementwise chain over 64 Mi float32 elements")
        print(compiler.fusion_table(found))
        rows += found
    if args.json:
        versions = {"python": platform.python_version(), "numpy": numpy.__version__}
        for name in ("torch", "jax", "cupy"):
            try:
                versions[name] = __import__(name).__version__
            except ImportError:
                pass
        with open(args.json, "w") as f:
            json.dump({"device": device, "versions": versions, "results": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
