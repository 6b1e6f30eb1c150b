"""Every lesson and notebook runs top to bottom, and what a learner then sees is right:
no traceback, no figure printed as ``<Figure size …>`` text instead of a picture, no red
exercise feedback (an exercise left with its ``...`` says "not answered yet").

Where Chromium and Playwright are installed (``make test`` installs them), the browser
test ``tests/viz/test_lessons_in_browser.py`` runs every notebook in JupyterLab and applies
these same checks to what it saved, so the kernel-only run here is skipped rather than
repeated."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("lessons/*.ipynb")) + sorted(ROOT.glob("notebooks/*.ipynb"))
PICTURES = ("image/png", "image/svg+xml", "application/vnd.jupyter.widget-view+json")
IN_BROWSER = (shutil.which("chromium") or shutil.which("chromium-browser")) is not None and all(
    importlib.util.find_spec(m) is not None for m in ("playwright", "jupyterlab")
)


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


@pytest.mark.skipif(IN_BROWSER, reason="run and checked in JupyterLab by the browser test")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    assert problems_in(notebook.cells) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_problems_a_learner_would_see_are_found() -> None:
    nbformat = pytest.importorskip("nbformat")
    v4 = nbformat.v4
    figure = v4.new_output("execute_result", {"text/plain": "<Figure size 600x300 with 1 Axes>"})
    shown = v4.new_output(
        "execute_result", {"text/plain": "<Figure size 6x3>", "image/png": "iVBOR"}
    )
    wrong = v4.new_output("execute_result", {"text/html": '<div class="wb-feedback wb-wrong">'})
    error = v4.new_output("error", ename="TypeError", evalue="bad", traceback=[])
    cells = [v4.new_code_cell(outputs=[figure, shown]), v4.new_code_cell(outputs=[wrong, error])]
    assert problems_in(cells) == [
        "cell 0: a figure shown as text (<Figure size 600x300 with 1 Axes>)",
        "cell 1: red exercise feedback after Run All",
        "cell 1: TypeError: bad",
    ]
