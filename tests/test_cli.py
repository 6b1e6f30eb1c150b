"""``python -m workbench``."""

from __future__ import annotations

import subprocess
import sys

from workbench.core import all_primitives


def test_primitives_command_lists_every_primitive_with_its_rules() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "primitives"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["primitive", "family", "impl"]
    for p in all_primitives():
        assert any(line.split()[0] == p.name for line in lines[2:] if line.strip()), p.name
    assert f"{len(all_primitives())} primitives" in out.stdout


def test_importing_workbench_prints_nothing() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import workbench, workbench.core"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "" and out.stderr == ""
