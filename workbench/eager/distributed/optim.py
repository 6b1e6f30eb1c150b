"""Mirrors: torch.distributed.optim.DistributedOptimizer in one process: an optimizer over
the parameters the RRefs hold, stepping with the gradients a distributed-autograd context
computed."""

from __future__ import annotations

from typing import Any

from workbench.eager.distributed import autograd as dist_autograd


class DistributedOptimizer:
    def __init__(self, optimizer_class: Any, params_rref: Any, *args: Any, **kwargs: Any) -> None:
        self.params = [r.local_value() if hasattr(r, "local_value") else r for r in params_rref]
        self.optimizer = optimizer_class(self.params, *args, **kwargs)

    def step(self, context_id: int) -> None:
        grads = dist_autograd.get_gradients(context_id)
        saved = [p.grad for p in self.params]
        for p in self.params:
            p.grad = grads.get(p)
        self.optimizer.step()
        for p, g in zip(self.params, saved):
            p.grad = g


__all__ = ["DistributedOptimizer"]
