"""Mirrors: torch.version — what this build was made with (no CUDA or HIP toolkit: the
GPU path is CuPy's)."""

from workbench import __version__

cuda = None
hip = None
git_version = "workbench"

__all__ = ["__version__", "cuda", "git_version", "hip"]
