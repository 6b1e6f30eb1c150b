"""Mirrors: torch.nn.utils (gradient clipping, parameters as one vector; ``rnn`` pads
sequences)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from workbench.eager.autograd import no_grad
from workbench.eager.nn.utils import rnn as rnn  # noqa: E402 - torch.nn.utils.rnn
from workbench.eager.tensor import Tensor


def clip_grad_norm_(
    parameters: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale gradients in place so their joint norm is at most ``max_norm``; returns the
    norm before clipping."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    with no_grad():
        if norm_type == math.inf:
            total = max(g.abs().max() for g in grads)
        else:
            total = sum((g.abs() ** norm_type).sum() for g in grads) ** (1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients is non-finite")
        scale = min(max_norm / (total.item() + 1e-6), 1.0)
        if scale < 1.0:
            for p in params:
                if p.grad is not None:
                    p.grad = p.grad * scale
    return total


def clip_grad_value_(parameters: Iterable[Tensor], clip_value: float) -> None:
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad = p.grad.clamp(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    from workbench.eager.functions import cat  # noqa: PLC0415

    return cat([p.reshape(-1) for p in parameters])
