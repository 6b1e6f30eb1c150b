"""Mirrors: torch.backends.cuda (``matmul.allow_tf32`` and friends, kept as set)."""

from __future__ import annotations

from workbench.eager import cuda as _cuda


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    return _cuda.is_available()
