"""Figures show as pictures in JupyterLab. The workbench draws with matplotlib's
``Figure`` directly (no pyplot, so nothing depends on a display), and IPython only knows
how to show such a figure once a notebook has run ``%matplotlib inline``; otherwise a
cell that ends in a figure prints ``<Figure size 600x300 with 1 Axes>``. Importing the
workbench inside a running IPython kernel registers a PNG formatter for ``Figure``, so
the picture shows. Outside IPython this module does nothing and imports nothing.
"""

from __future__ import annotations

import sys
from typing import Any


def figure_png(fig: Any) -> bytes:
    """The figure as PNG bytes, cropped to what is drawn (as ``%matplotlib inline`` does)."""
    import io  # noqa: PLC0415

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    return buffer.getvalue()


def show_figures_inline() -> bool:
    """Register the PNG formatter for matplotlib figures in the running IPython shell.

    Returns True when a shell was found (a notebook or console), False otherwise. The
    formatter is registered by the figure class's name, so matplotlib is not imported
    until a figure is actually shown.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "image/png" not in formatters:
        return False
    formatters["image/png"].for_type_by_name("matplotlib.figure", "Figure", figure_png)
    return True
