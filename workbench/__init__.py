"""workbench: one autodiff core, three front ends (eager, static, functional)."""

import warnings

from workbench.notebook import show_figures_inline

__version__ = "0.1.0"

# In a notebook, figures returned by a cell show as pictures (see workbench/notebook.py).
show_figures_inline()

# A NaN or an infinity made by an operation is a value, not an event: PyTorch, TensorFlow
# and JAX print nothing (their NaN tools are opt-in: detect_anomaly, check_numerics,
# jax_debug_nans). NumPy would print "RuntimeWarning: invalid value encountered in log"
# from inside the primitives; only warnings raised in the workbench's own modules are
# hidden, never those of a learner's NumPy code.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"workbench\.")
