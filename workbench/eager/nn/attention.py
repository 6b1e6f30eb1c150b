"""Mirrors: torch.nn.attention — the choice of scaled-dot-product-attention kernel. The
workbench has one (the core's composite), so ``sdpa_kernel`` records the request and the
numbers do not change, as PyTorch's math backend would give them."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

_REQUESTED: list[Any] = []


class SDPBackend(enum.IntEnum):
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextlib.contextmanager
def sdpa_kernel(backends: Any, set_priority: bool = False) -> Iterator[None]:
    _REQUESTED.append(backends)
    try:
        yield
    finally:
        _REQUESTED.pop()


__all__ = ["SDPBackend", "sdpa_kernel"]
