"""How much of a real framework's surface the workbench provides, weighted by how often
real programs use each name: ``python -m workbench coverage torch``.

Two data files, kept in ``workbench/data/``, make the measure reproducible without the
programs or the framework:

- ``torch_usage.json``: name → number of uses, counted (with :func:`count_uses`) in
  public PyTorch programs; only the counts and the repositories' names are kept, no code.
- ``torch_names.json``: PyTorch's public names per namespace (a snapshot of torch 2.13),
  used when torch itself is not installed.

A use is a dotted name reached from an import (``nn.Linear`` after ``from torch import
nn`` is ``torch.nn.Linear``), a name imported from torch, or a method called on any
object when it is a method of ``torch.Tensor`` (``Tensor.view``), else of ``nn.Module``
(``Module.parameters``) or of an optimizer (``Optimizer.zero_grad``). Names the framework
does not define (a program's own attributes) are dropped when counting.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"

# namespace -> (what it is in PyTorch, what it is in the workbench)
NAMESPACES = {
    "torch": ("torch", "workbench.eager"),
    "torch.nn": ("torch.nn", "workbench.eager.nn"),
    "torch.nn.functional": ("torch.nn.functional", "workbench.eager.nn.functional"),
    "torch.nn.init": ("torch.nn.init", "workbench.eager.nn.init"),
    "torch.optim": ("torch.optim", "workbench.eager.optim"),
    "torch.optim.lr_scheduler": ("torch.optim.lr_scheduler", "workbench.eager.optim.lr_scheduler"),
    "torch.linalg": ("torch.linalg", "workbench.eager.linalg"),
    "torch.utils.data": ("torch.utils.data", "workbench.eager.utils.data"),
    "torch.autograd": ("torch.autograd", "workbench.eager.autograd"),
    "torch.distributions": ("torch.distributions", "workbench.eager.distributions"),
    "torch.cuda": ("torch.cuda", "workbench.eager.cuda"),
    "Tensor": ("torch.Tensor", "workbench.eager.Tensor"),
    "Module": ("torch.nn.Module", "workbench.eager.nn.Module"),
    "Optimizer": ("torch.optim.Optimizer", "workbench.eager.optim.Optimizer"),
}
_OBJECT_NAMESPACES = ("Tensor", "Module", "Optimizer")  # methods called on any object


# ---------------------------------------------------------------------------------------
# resolving dotted names


def resolve(dotted: str) -> Any:
    """The object a dotted path names (modules imported as needed), or raise
    AttributeError/ImportError."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


def _exists(dotted: str) -> bool:
    try:
        resolve(dotted)
    except (ImportError, AttributeError):
        return False
    except Exception:  # noqa: BLE001 - some lazy attributes raise their own errors
        return False
    return True


def ours(name: str) -> str:
    """The workbench's dotted path for a counted name ('torch.nn.Linear' →
    'workbench.eager.nn.Linear', 'Tensor.view' → 'workbench.eager.Tensor.view')."""
    head, _, rest = name.partition(".")
    if head in _OBJECT_NAMESPACES:
        return f"{NAMESPACES[head][1]}.{rest}"
    return "workbench.eager" + name[len("torch") :]


def theirs(name: str) -> str:
    head, _, rest = name.partition(".")
    if head in _OBJECT_NAMESPACES:
        return f"{NAMESPACES[head][0]}.{rest}"
    return name


# ---------------------------------------------------------------------------------------
# counting uses in programs


class _Uses(ast.NodeVisitor):
    def __init__(self, methods: dict[str, set[str]]) -> None:
        self.aliases: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.methods = methods

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802
        for a in node.names:
            if a.name == "torch" or a.name.startswith("torch."):
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    self.aliases["torch"] = "torch"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        module = node.module or ""
        if module == "torch" or module.startswith("torch."):
            for a in node.names:
                if a.name != "*":
                    self.aliases[a.asname or a.name] = f"{module}.{a.name}"
                    self.counts[f"{module}.{a.name}"] += 1

    def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802
        chain: list[str] = []
        value: ast.expr = node
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in self.aliases:
            self.counts[".".join([self.aliases[value.id], *reversed(chain)])] += 1
            return  # the whole chain counted once, not its prefixes
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        func = node.func
        if isinstance(func, ast.Attribute) and not self._module_chain(func.value):
            for namespace in _OBJECT_NAMESPACES:
                if func.attr in self.methods[namespace]:
                    self.counts[f"{namespace}.{func.attr}"] += 1
                    break
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:  # noqa: N802
        target = self.aliases.get(node.id)
        if target is not None and isinstance(node.ctx, ast.Load) and node.id != "torch":
            self.counts[target] += 1

    def _module_chain(self, value: ast.expr) -> bool:
        while isinstance(value, ast.Attribute):
            value = value.value
        return isinstance(value, ast.Name) and value.id in self.aliases


def _method_names(namespace: str) -> set[str]:
    return {n for n in dir(resolve(NAMESPACES[namespace][0])) if not n.startswith("_")}


def count_uses(files: Iterable[Path]) -> tuple[Counter[str], int]:
    """Uses of PyTorch's names in the files that import torch (needs torch installed to
    tell its names from a program's own); returns the counts and the number of files."""
    methods = {ns: _method_names(ns) for ns in _OBJECT_NAMESPACES}
    methods["Module"] -= methods["Tensor"]
    methods["Optimizer"] -= methods["Tensor"] | methods["Module"]
    total: Counter[str] = Counter()
    used = 0
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        visitor = _Uses(methods)
        visitor.visit(tree)
        if not any(v == "torch" or v.startswith("torch.") for v in visitor.aliases.values()):
            continue
        used += 1
        total.update(visitor.counts)
    known = Counter({n: c for n, c in total.items() if _exists(theirs(n))})
    return known, used


# ---------------------------------------------------------------------------------------
# the report


@dataclass
class Report:
    weighted: float  # share of uses whose name the workbench has
    uses: int
    files: int
    by_namespace: dict[str, tuple[int, int, int, int]]  # present/total names, uses
    missing: list[tuple[str, int]]  # by uses, most used first
    api: dict[str, tuple[int, int]]  # unweighted: public names present / total


def _namespace_of(name: str) -> str:
    head = name.split(".")[0]
    if head in _OBJECT_NAMESPACES:
        return head
    best = "torch"
    for ns in NAMESPACES:
        if ns not in _OBJECT_NAMESPACES and name.startswith(ns + ".") and len(ns) > len(best):
            best = ns
    return best


def _public_names() -> dict[str, list[str]]:
    """PyTorch's public names per namespace: from torch when installed, else the snapshot."""
    try:
        importlib.import_module("torch")
    except ImportError:
        return dict(json.loads((DATA / "torch_names.json").read_text())["namespaces"])
    names = {}
    for ns, (path, _) in NAMESPACES.items():
        obj = resolve(path)
        names[ns] = sorted(n for n in dir(obj) if not n.startswith("_"))
    return names


def report(usage: dict[str, Any] | None = None) -> Report:
    usage = usage or json.loads((DATA / "torch_usage.json").read_text())
    counts: dict[str, int] = usage["counts"]
    present = {name: _exists(ours(name)) for name in counts}
    uses = sum(counts.values())
    covered = sum(c for n, c in counts.items() if present[n])
    by_ns: dict[str, list[int]] = {}
    for name, c in counts.items():
        row = by_ns.setdefault(_namespace_of(name), [0, 0, 0, 0])
        row[0] += present[name]
        row[1] += 1
        row[2] += c if present[name] else 0
        row[3] += c
    missing = sorted(((n, c) for n, c in counts.items() if not present[n]), key=lambda x: -x[1])
    api = {}
    for ns, names in _public_names().items():
        here = NAMESPACES[ns][1]
        api[ns] = (sum(_exists(f"{here}.{n}") for n in names), len(names))
    return Report(
        covered / max(uses, 1),
        uses,
        usage.get("files", 0),
        {k: (v[0], v[1], v[2], v[3]) for k, v in by_ns.items()},
        missing,
        api,
    )


def render(r: Report, top: int = 40) -> str:
    lines = [
        f"usage-weighted coverage of PyTorch: {100 * r.weighted:.1f}% of {r.uses} uses "
        f"in {r.files} real program files",
        "",
        f"{'namespace':<26}{'names used':>12}{'present':>9}{'uses':>8}{'covered':>9}"
        f"{'public API':>14}",
    ]
    for ns in NAMESPACES:
        present, total, covered, uses = r.by_namespace.get(ns, (0, 0, 0, 0))
        have, api_total = r.api.get(ns, (0, 0))
        share = f"{100 * covered / uses:.1f}%" if uses else "-"
        lines.append(
            f"{ns:<26}{total:>12}{present:>9}{uses:>8}{share:>9}{f'{have}/{api_total}':>14}"
        )
    lines += ["", f"most used names not (yet) in the workbench (top {top}):"]
    lines += [f"  {c:>5}  {n}" for n, c in r.missing[:top]]
    return "\n".join(lines)


def main(framework: str, top: int = 40, count: str | None = None) -> int:
    if framework != "torch":
        print(f"coverage: only 'torch' is measured so far, not {framework!r}")
        return 2
    if count is not None:  # rebuild the usage counts from a folder of programs
        files = sorted(Path(count).rglob("*.py"))
        counts, used = count_uses(files)
        sources = sorted({p.relative_to(count).parts[0] for p in files})
        payload = {"files": used, "sources": sources, "counts": dict(counts.most_common())}
        (DATA / "torch_usage.json").write_text(json.dumps(payload, indent=1) + os.linesep)
        names = {ns: sorted(v) for ns, v in _public_names().items()}
        torch_version = importlib.import_module("torch").__version__
        snapshot = {"torch": torch_version, "namespaces": names}
        (DATA / "torch_names.json").write_text(json.dumps(snapshot, indent=0) + os.linesep)
    print(render(report(), top))
    return 0
