"""Mirrors: torch.backends — the switches PyTorch scripts set or query
(``torch.backends.cudnn.benchmark = True``, ``torch.backends.mps.is_available()``), as
modules a script may import (``import torch.backends.cudnn as cudnn``).

The workbench computes with NumPy and CuPy, which have no cuDNN autotuner, TF32 mode or
Metal backend: the flags keep what a script sets (and print back) but change nothing.
"""

from workbench.eager.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
