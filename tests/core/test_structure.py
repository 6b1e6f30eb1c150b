"""The core's shape, checked: one home per primitive, small files, no import cycles.

These read the source (with ``ast``), as a reviewer would: behaviour chosen by comparing
a primitive's name outside its own file, a core file past 600 lines, or two core modules
importing each other would each pull the design apart.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import workbench
from workbench.core import all_primitives, get_primitive
from workbench.core.primitive import RULE_KINDS

PACKAGE = Path(workbench.__file__).parent
CORE = PACKAGE / "core"
PRIMITIVES = CORE / "primitives"


def _names_a_primitive(node: ast.AST, aliases: set[str]) -> bool:
    """``eqn.primitive.name``, ``prim.name``, or a local variable holding one."""
    if isinstance(node, ast.Name):
        return node.id in aliases
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "name"
        and "prim" in ast.unparse(node.value).lower()
    )


def _strings(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_strings(e) for e in node.elts)
    return False


def name_tests(source: str) -> list[str]:
    """Every place ``source`` decides something by a primitive's name."""
    tree = ast.parse(source)
    found = []
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.Module):
            continue
        # a function's local variables that hold a primitive's name
        aliases = set()
        if isinstance(scope, ast.FunctionDef):
            aliases = {
                target.id
                for node in ast.walk(scope)
                if isinstance(node, ast.Assign) and _names_a_primitive(node.value, set())
                for target in node.targets
                if isinstance(target, ast.Name)
            }
        for node in ast.walk(scope):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(_names_a_primitive(s, aliases) for s in sides) and any(
                    _strings(s) for s in sides
                ):
                    found.append(f"line {node.lineno}: {ast.unparse(node)}")
            elif isinstance(node, ast.Subscript) and _names_a_primitive(node.slice, aliases):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return sorted(set(found))


def test_the_name_check_finds_name_tests() -> None:
    code = (
        "def f(eqn, table):\n"
        "    if eqn.primitive.name == 'fused': pass\n"
        "    name = eqn.primitive.name\n"
        "    if name in ('cond', 'scan'): pass\n"
        "    return table[prim.name]\n"
    )
    assert len(name_tests(code)) == 3
    assert name_tests("def f(eqn):\n    return eqn.primitive is fused_p\n") == []


def test_no_module_outside_the_primitives_tests_a_primitive_name() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if PRIMITIVES in path.parents:
            continue
        found = name_tests(path.read_text())
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}


def test_no_core_file_is_over_600_lines() -> None:
    sizes = {str(p.relative_to(CORE)): len(p.read_text().splitlines()) for p in CORE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 600} == {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, known: set[str]) -> set[str]:
    """Modules of ``known`` that ``path`` imports when it is loaded (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found & known


def import_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The cycles of a module graph (its strongly connected parts of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    cycles.append(sorted(part))
    return cycles


def test_the_cycle_finder_finds_cycles() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def _cycles_in(folder: Path) -> list[list[str]]:
    # A package's __init__ re-exports its modules (the primitives' namespace), and the
    # families refer to each other through it by attribute at call time; every other
    # module-level import points one way.
    paths = {_module_name(p): p for p in folder.rglob("*.py") if p.name != "__init__.py"}
    known = set(paths)
    edges = {name: _module_imports(path, known) - {name} for name, path in paths.items()}
    return import_cycles(edges)


def test_no_import_cycle_inside_the_core_beyond_package_inits() -> None:
    assert _cycles_in(CORE) == []


def test_the_tensor_method_families_import_no_cycle() -> None:
    assert _cycles_in(PACKAGE / "eager") == []


def test_primitives_command_shows_each_rule_kind_and_the_formula() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "primitives"], capture_output=True, text=True
    ).stdout
    assert out.splitlines()[0].split()[2:] == list(RULE_KINDS)
    rules = subprocess.run(
        [sys.executable, "-m", "workbench", "primitives", "--rules", "tanh"],
        capture_output=True,
        text=True,
    ).stdout
    assert "dy/dx = 1 - y²" in rules  # the formula comment above the definition
    assert "ops.mul(g, ops.sub(1, square(out)))" in rules  # the VJP, as written
    assert "fusion: tanh({0})" in rules and "ufunc:  xp.tanh" in rules


def test_every_compiler_fact_is_an_attribute_of_the_primitive() -> None:
    kinds = {kind for p in all_primitives() for kind in p.rules}
    assert kinds == set(RULE_KINDS)
    assert get_primitive("scan").run is not None and get_primitive("cond").run is not None
    assert get_primitive("fused").lower is not None
    assert get_primitive("reshape").view and not get_primitive("add").view
    assert get_primitive("add").ufunc == "add" and get_primitive("mul").fusion == "({0} * {1})"


def test_every_optimiser_family_is_a_skin_over_the_core_update_rules() -> None:
    families = [
        "eager/optim/algorithms.py",
        "static/train.py",
        "static/keras/optimizers.py",
        "functional/optim.py",
    ]
    for family in families:
        tree = ast.parse((PACKAGE / family).read_text())
        imported = {
            (node.module, alias.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert ("workbench.core", "optimizers") in imported, family
