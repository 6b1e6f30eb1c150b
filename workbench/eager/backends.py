"""Mirrors: torch.backends — the switches PyTorch scripts set or query
(``torch.backends.cudnn.benchmark = True``, ``torch.backends.mps.is_available()``).

The workbench computes with NumPy and CuPy, which have no cuDNN autotuner, TF32 mode or
Metal backend: the flags keep what a script sets (and print back) but change nothing.
"""

from __future__ import annotations

from workbench.eager import cuda as _cuda


class _CudnnFlags:
    enabled = True
    benchmark = False
    deterministic = False
    allow_tf32 = True

    @staticmethod
    def is_available() -> bool:
        return _cuda.is_available()

    @staticmethod
    def version() -> int | None:
        return None


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


class _CudaFlags:
    matmul = _MatmulFlags()

    @staticmethod
    def is_built() -> bool:
        return _cuda.is_available()


class _MpsFlags:
    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


cudnn = _CudnnFlags()
cuda = _CudaFlags()
mps = _MpsFlags()

__all__ = ["cuda", "cudnn", "mps"]
