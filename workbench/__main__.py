"""``python -m workbench``: small command-line tools.

``python -m workbench primitives`` prints every primitive with the rules it defines (and
``--rules NAME`` one primitive's rules, each as its formula and source);
``python -m workbench bench`` runs the benchmarks side by side and prints ratios.
"""

from __future__ import annotations

import argparse
import sys


def _primitives_table() -> str:
    from workbench.core import all_primitives  # noqa: PLC0415
    from workbench.core.primitive import RULE_KINDS  # noqa: PLC0415

    prims = all_primitives()
    width = max(len(p.name) for p in prims)
    fam_width = max(len(p.family) for p in prims)
    widths = {k: max(5, len(k)) for k in RULE_KINDS}
    header = f"{'primitive':<{width}}  {'family':<{fam_width}}  " + "  ".join(
        f"{k:<{widths[k]}}" for k in RULE_KINDS
    )
    lines = [header, "-" * len(header)]
    for p in prims:
        marks = "  ".join(f"{'yes' if k in p.rules else '-':<{widths[k]}}" for k in RULE_KINDS)
        lines.append(f"{p.name:<{width}}  {p.family:<{fam_width}}  {marks}")
    lines.append(f"\n{len(prims)} primitives")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("primitives", help="list every primitive and the rules it defines")
    listing.add_argument("--rules", metavar="NAME", help="show one primitive's rules in full")
    bench = sub.add_parser("bench", help="run the benchmark suite side by side (ratios in one run)")
    from workbench.bench.cli import add_arguments  # noqa: PLC0415

    add_arguments(bench)
    cover = sub.add_parser(
        "coverage", help="how much of a framework's API is here, weighted by real programs' use"
    )
    cover.add_argument(
        "framework", choices=["torch", "jax", "tf", "tensorflow"], help="the framework to measure"
    )
    cover.add_argument("--top", type=int, default=40, help="how many missing names to list")
    cover.add_argument(
        "--count",
        metavar="DIR",
        help="recount the uses in a folder of programs (needs the framework) and store the counts",
    )
    args = parser.parse_args(argv)
    if args.command == "primitives" and args.rules:
        return _explain(args.rules)
    if args.command == "primitives":
        print(_primitives_table())
    elif args.command == "bench":
        return _bench(args)
    elif args.command == "coverage":
        from workbench import coverage  # noqa: PLC0415

        return coverage.main(args.framework, args.top, args.count)
    return 0


def _explain(name: str) -> int:
    from workbench.core import all_primitives  # noqa: PLC0415

    found = {p.name: p for p in all_primitives()}
    if name not in found:
        print(f"no primitive named {name!r}; known: {', '.join(sorted(found))}", file=sys.stderr)
        return 2
    print(found[name].explain())
    return 0


def _bench(args: argparse.Namespace) -> int:
    from workbench.bench.cli import run  # noqa: PLC0415

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
