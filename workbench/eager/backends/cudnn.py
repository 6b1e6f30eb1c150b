"""Mirrors: torch.backends.cudnn (flags kept, nothing to tune: no cuDNN here)."""

from __future__ import annotations

from workbench.eager import cuda as _cuda

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return _cuda.is_available()


def version() -> int | None:
    return None
