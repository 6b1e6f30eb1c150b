"""workbench: one autodiff core, three front ends (eager, static, functional)."""

from workbench.notebook import show_figures_inline

__version__ = "0.1.0"

# In a notebook, figures returned by a cell show as pictures (see workbench/notebook.py).
show_figures_inline()
