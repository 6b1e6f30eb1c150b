"""How much of a real framework's surface the workbench provides, weighted by how often
real programs use each name: ``python -m workbench coverage torch`` (or ``jax``).

Two data files per framework, kept in ``workbench/data/``, make the measure reproducible
without the programs or the framework:

- ``<framework>_usage.json``: name → number of uses, counted (with :func:`count_uses`) in
  public programs; only the counts and the repositories' names are kept, no code.
- ``<framework>_names.json``: the framework's public names per namespace (a snapshot of
  the installed version), used when the framework itself is not installed.

A use is a dotted name reached from an import (``nn.Linear`` after ``from torch import
nn`` is ``torch.nn.Linear``; ``jnp.dot`` after ``import jax.numpy as jnp`` is
``jax.numpy.dot``), a name imported from the framework, or a method called on any object
when it is a method of one of the framework's object types (``Tensor.view``,
``Module.parameters``, ``Optimizer.zero_grad``; ``Array.reshape``). Names the framework does
not define (a program's own attributes) are dropped when counting.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Framework:
    """One framework measured: its import root, the workbench front end standing in for it,
    the namespaces reported (label → the framework's dotted path), and the object types
    whose methods count when called on anything (label → dotted path, first match wins)."""

    key: str
    title: str
    ours: str
    namespaces: dict[str, str]
    objects: dict[str, str]
    # unweighted comparisons with another API: label → (its module, the workbench's module)
    also: dict[str, tuple[str, str]] = field(default_factory=dict)
    # other import names of the same API: 'keras' → 'tensorflow.keras'
    aliases: dict[str, str] = field(default_factory=dict)
    # object types whose workbench path is not the translated one: label → our path
    our_objects: dict[str, str] = field(default_factory=dict)

    def roots(self) -> dict[str, str]:
        """Import name → the canonical dotted prefix it stands for."""
        return {self.key: self.key, **self.aliases}

    def translate(self, dotted: str) -> str:
        """The workbench's path for a path of the framework ('torch.nn.Linear' →
        'workbench.eager.nn.Linear')."""
        return self.ours + dotted[len(self.key) :]

    def theirs(self, name: str) -> str:
        """The framework's path for a counted name ('Tensor.view' → 'torch.Tensor.view')."""
        head, _, rest = name.partition(".")
        return f"{self.objects[head]}.{rest}" if head in self.objects else name

    def ours_of(self, name: str) -> str:
        head, _, rest = name.partition(".")
        if head in self.our_objects:
            return f"{self.our_objects[head]}.{rest}"
        return self.translate(self.theirs(name))


def _dotted(root: str, *names: str) -> dict[str, str]:
    return {n: n for n in (root, *(f"{root}.{n}" for n in names))}


FRAMEWORKS = {
    "torch": Framework(
        "torch",
        "PyTorch",
        "workbench.eager",
        _dotted(
            "torch",
            *"nn nn.functional nn.init optim optim.lr_scheduler linalg utils.data".split(),
            *"autograd distributions cuda".split(),
        ),
        {
            "Tensor": "torch.Tensor",
            "Module": "torch.nn.Module",
            "Optimizer": "torch.optim.Optimizer",
        },
    ),
    "jax": Framework(
        "jax",
        "JAX",
        "workbench.functional",
        _dotted(
            "jax",
            *"numpy numpy.linalg numpy.fft lax nn nn.initializers random".split(),
            *"scipy.special scipy.stats scipy.linalg tree_util tree".split(),
            *"example_libraries.stax example_libraries.optimizers".split(),
        ),
        {"Array": "jax.Array"},
        {"NumPy": ("numpy", "workbench.functional.numpy")},
    ),
    "tensorflow": Framework(
        "tensorflow",
        "TensorFlow",
        "workbench.static",
        _dotted(
            "tensorflow",
            *"nn math linalg random data image compat.v1 keras keras.layers".split(),
            *"keras.losses keras.metrics keras.optimizers keras.callbacks keras.utils".split(),
            *"keras.models keras.activations keras.initializers".split(),
        ),
        {  # an eager tensor is what programs call .numpy() on
            "Tensor": "tensorflow.python.framework.ops.EagerTensor",
            "Model": "tensorflow.keras.Model",
            "Layer": "tensorflow.keras.layers.Layer",
        },
        aliases={"keras": "tensorflow.keras"},
        our_objects={"Tensor": "workbench.static.execution.EagerTensor"},
    ),
}
FRAMEWORKS["tf"] = FRAMEWORKS["tensorflow"]
NAMESPACES = FRAMEWORKS["torch"].namespaces  # kept for callers of the first version


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


# ---------------------------------------------------------------------------------------
# counting uses in programs


class _Uses(ast.NodeVisitor):
    def __init__(self, roots: dict[str, str], methods: dict[str, set[str]]) -> None:
        self.roots = roots  # import name -> canonical prefix
        self.aliases: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.methods = methods

    def _ours(self, module: str) -> bool:
        return any(module == r or module.startswith(r + ".") for r in self.roots)

    def _canonical(self, module: str) -> str:
        head, dot, rest = module.partition(".")
        return self.roots[head] + dot + rest

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802
        for a in node.names:
            if self._ours(a.name):
                if a.asname:
                    self.aliases[a.asname] = self._canonical(a.name)
                else:
                    head = a.name.partition(".")[0]
                    self.aliases[head] = self.roots[head]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        module = node.module or ""
        if self._ours(module):
            module = self._canonical(module)
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
            for namespace, names in self.methods.items():
                if func.attr in names:
                    self.counts[f"{namespace}.{func.attr}"] += 1
                    break
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:  # noqa: N802
        target = self.aliases.get(node.id)
        if target is not None and isinstance(node.ctx, ast.Load) and node.id not in self.roots:
            self.counts[target] += 1

    def _module_chain(self, value: ast.expr) -> bool:
        while isinstance(value, ast.Attribute):
            value = value.value
        return isinstance(value, ast.Name) and value.id in self.aliases


def _public(obj: Any) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def count_uses(files: Iterable[Path], framework: str = "torch") -> tuple[Counter[str], int]:
    """Uses of the framework's names in the files that import it (needs the framework
    installed to tell its names from a program's own); returns the counts and the number of
    files."""
    fw = FRAMEWORKS[framework]
    methods: dict[str, set[str]] = {}
    seen: set[str] = set()
    for label, path in fw.objects.items():  # a name belongs to the first type that has it
        methods[label] = _public(resolve(path)) - seen
        seen |= methods[label]
    total: Counter[str] = Counter()
    used = 0
    for file in files:
        try:
            tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        visitor = _Uses(fw.roots(), methods)
        visitor.visit(tree)
        if not any(visitor._ours(v) for v in visitor.aliases.values()):
            continue
        used += 1
        total.update(visitor.counts)
    known = Counter({n: c for n, c in total.items() if _exists(fw.theirs(n))})
    return known, used


# ---------------------------------------------------------------------------------------
# the report


@dataclass
class Report:
    framework: Framework
    weighted: float  # share of uses whose name the workbench has
    uses: int
    files: int
    by_namespace: dict[str, tuple[int, int, int, int]]  # present/total names, uses
    missing: list[tuple[str, int]]  # by uses, most used first
    api: dict[str, tuple[int, int]]  # unweighted: public names present / total
    also: dict[str, tuple[int, int, int | None]]  # another API: ours, total, the framework's


def _namespace_of(fw: Framework, name: str) -> str:
    head = name.split(".")[0]
    if head in fw.objects:
        return head
    best = fw.key
    for ns in fw.namespaces:
        if name.startswith(ns + ".") and len(ns) > len(best):
            best = ns
    return best


def _installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _public_names(framework: str = "torch") -> dict[str, list[str]]:
    """The framework's public names per namespace: from the framework when installed, else
    the snapshot."""
    fw = FRAMEWORKS[framework]
    if not _installed(fw.key):
        return dict(json.loads((DATA / f"{fw.key}_names.json").read_text())["namespaces"])
    return {
        label: sorted(_public(resolve(path)))
        for label, path in {**fw.namespaces, **fw.objects}.items()
    }


def report(usage: dict[str, Any] | None = None, framework: str = "torch") -> Report:
    fw = FRAMEWORKS[framework]
    usage = usage or json.loads((DATA / f"{fw.key}_usage.json").read_text())
    counts: dict[str, int] = usage["counts"]
    present = {name: _exists(fw.ours_of(name)) for name in counts}
    uses = sum(counts.values())
    covered = sum(c for n, c in counts.items() if present[n])
    by_ns: dict[str, list[int]] = {}
    for name, c in counts.items():
        row = by_ns.setdefault(_namespace_of(fw, name), [0, 0, 0, 0])
        row[0] += present[name]
        row[1] += 1
        row[2] += c if present[name] else 0
        row[3] += c
    missing = sorted(((n, c) for n, c in counts.items() if not present[n]), key=lambda x: -x[1])
    paths = {**fw.namespaces, **fw.objects}
    api = {}
    for label, names in _public_names(framework).items():
        here = fw.our_objects.get(label) or fw.translate(paths[label])
        api[label] = (sum(_exists(f"{here}.{n}") for n in names), len(names))
    also: dict[str, tuple[int, int, int | None]] = {}
    for label, (other, here) in fw.also.items():
        names = sorted(_public(resolve(other)))
        theirs = fw.namespaces[fw.key + here[len(fw.ours) :]]
        has = sum(_exists(f"{theirs}.{n}") for n in names) if _installed(fw.key) else None
        also[label] = (sum(_exists(f"{here}.{n}") for n in names), len(names), has)
    return Report(
        fw,
        covered / max(uses, 1),
        uses,
        usage.get("files", 0),
        {k: (v[0], v[1], v[2], v[3]) for k, v in by_ns.items()},
        missing,
        api,
        also,
    )


def render(r: Report, top: int = 40) -> str:
    fw = r.framework
    lines = [
        f"usage-weighted coverage of {fw.title}: {100 * r.weighted:.1f}% of {r.uses} uses "
        f"in {r.files} real program files",
        "",
        f"{'namespace':<34}{'names used':>12}{'present':>9}{'uses':>8}{'covered':>9}"
        f"{'public API':>14}",
    ]
    for ns in {**fw.namespaces, **fw.objects}:
        present, total, covered, uses = r.by_namespace.get(ns, (0, 0, 0, 0))
        have, api_total = r.api.get(ns, (0, 0))
        share = f"{100 * covered / uses:.1f}%" if uses else "-"
        lines.append(
            f"{ns:<34}{total:>12}{present:>9}{uses:>8}{share:>9}{f'{have}/{api_total}':>14}"
        )
    for label, (have, total, theirs) in r.also.items():
        also = f"; {fw.title} has {theirs}" if theirs is not None else ""
        lines.append(f"\n{label}'s public names present here: {have}/{total}{also}")
    lines += ["", f"most used names not (yet) in the workbench (top {top}):"]
    lines += [f"  {c:>5}  {n}" for n, c in r.missing[:top]]
    return "\n".join(lines)


def main(framework: str, top: int = 40, count: str | None = None) -> int:
    if framework not in FRAMEWORKS:
        print(f"coverage: measured frameworks are {sorted(FRAMEWORKS)}, not {framework!r}")
        return 2
    framework = FRAMEWORKS[framework].key  # "tf" is "tensorflow"
    if count is not None:  # rebuild the usage counts from a folder of programs
        files = sorted(Path(count).rglob("*.py"))
        counts, used = count_uses(files, framework)
        sources = sorted({p.relative_to(count).parts[0] for p in files})
        payload = {"files": used, "sources": sources, "counts": dict(counts.most_common())}
        (DATA / f"{framework}_usage.json").write_text(json.dumps(payload, indent=1) + os.linesep)
        names = {ns: sorted(v) for ns, v in _public_names(framework).items()}
        version = importlib.import_module(framework).__version__
        snapshot = {framework: version, "namespaces": names}
        (DATA / f"{framework}_names.json").write_text(json.dumps(snapshot, indent=0) + os.linesep)
    print(render(report(framework=framework), top))
    return 0
