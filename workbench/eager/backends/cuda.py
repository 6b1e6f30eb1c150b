"""Mirrors: torch.backends.cuda (``matmul.allow_tf32`` and friends, kept as set)."""

from __future__ import annotations

from typing import Any

from workbench.eager import cuda as _cuda


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    return _cuda.is_available()


def sdp_kernel(
    enable_flash: bool = True,
    enable_math: bool = True,
    enable_mem_efficient: bool = True,
    enable_cudnn: bool = True,
) -> Any:
    """The deprecated kernel switch: the workbench has one attention implementation."""
    from workbench.eager.nn.attention import SDPBackend, sdpa_kernel  # noqa: PLC0415

    return sdpa_kernel([SDPBackend.MATH])
