"""The README's Python examples run as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int) -> None:
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {})  # noqa: S102 - our own docs


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only as root")
def test_make_lab_starts_jupyterlab_as_root() -> None:
    """JupyterLab refuses root without --allow-root; `make lab` must pass it."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    plan = subprocess.run(
        ["make", "-n", "lab"], cwd=README.parent, capture_output=True, text=True, check=True
    ).stdout
    command = next(line for line in plan.splitlines() if "jupyter lab" in line)
    assert "--allow-root" in command.split()
