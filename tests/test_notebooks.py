"""Every lesson and notebook runs top to bottom, and what a learner then sees is right:
no traceback, no figure printed as ``<Figure size …>`` text instead of a picture, no red
exercise feedback (an exercise left with its ``...`` says "not answered yet")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("lessons/*.ipynb")) + sorted(ROOT.glob("notebooks/*.ipynb"))
PICTURES = ("image/png", "image/svg+xml", "application/vnd.jupyter.widget-view+json")


def problems_in(cells: list[Any]) -> list[str]:
    """What a learner would see as wrong in the executed cells' outputs."""
    found = []
    for number, cell in enumerate(cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.output_type == "error":
                found.append(f"cell {number}: {output.ename}: {output.evalue}")
                continue
            data = output.get("data", {})
            text = data.get("text/plain", "") + output.get("text", "")
            if "<Figure size" in text and not any(kind in data for kind in PICTURES):
                found.append(f"cell {number}: a figure shown as text ({text.strip()[:60]})")
            if "Traceback (most recent call last)" in text:
                found.append(f"cell {number}: a traceback printed")
            if "wb-wrong" in data.get("text/html", ""):
                found.append(f"cell {number}: red exercise feedback after Run All")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    assert problems_in(notebook.cells) == []
