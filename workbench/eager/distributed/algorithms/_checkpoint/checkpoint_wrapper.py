"""Mirrors: torch.distributed.algorithms._checkpoint.checkpoint_wrapper — activation
checkpointing (recompute instead of store). The eager tape here keeps what each backward
rule reads, so a wrapped module computes the same numbers; the memory trade is not made."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any


class CheckpointImpl(enum.Enum):
    REENTRANT = enum.auto()
    NO_REENTRANT = enum.auto()


def checkpoint_wrapper(module: Any, checkpoint_impl: Any = None, **_: Any) -> Any:
    return module


def apply_activation_checkpointing(
    model: Any,
    checkpoint_wrapper_fn: Callable[..., Any] = checkpoint_wrapper,
    check_fn: Callable[[Any], bool] = lambda _: True,
    auto_wrap_policy: Any = None,
) -> None:
    for child in model.modules():
        if check_fn(child):
            checkpoint_wrapper_fn(child)
