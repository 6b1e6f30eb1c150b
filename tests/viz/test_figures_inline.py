"""In an IPython shell, a matplotlib Figure returned by a cell shows as a picture once the
workbench is imported (not as the text ``<Figure size …>``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("IPython")
pytest.importorskip("matplotlib")

SHELL_SESSION = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
from matplotlib.figure import Figure
fig = Figure(figsize=(2, 1)); fig.add_subplot().plot([0, 1])
before = shell.display_formatter.format(fig)[0]
import workbench                                        # any workbench import will do
after = shell.display_formatter.format(fig)[0]
print("png" if "image/png" in before else "text", after["image/png"][:4] == b"\\x89PNG")
"""


def test_importing_the_workbench_makes_figures_show_as_pictures() -> None:
    # a fresh process: the formatter is registered when the workbench is first imported
    done = subprocess.run(
        [sys.executable, "-c", SHELL_SESSION], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["text", "True"]


def test_outside_ipython_nothing_is_registered() -> None:
    from workbench.notebook import show_figures_inline

    done = subprocess.run(
        [sys.executable, "-c", "import workbench, sys; print('IPython' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"  # importing the workbench imports no IPython
    assert show_figures_inline() is False  # no IPython shell runs under pytest
