"""The optimizer base class: parameter groups, per-parameter state, ``zero_grad``,
``state_dict``. Mirrors: torch.optim.Optimizer."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from workbench.core import optimizers as rules
from workbench.core.values import Array
from workbench.eager.autograd import no_grad
from workbench.eager.tensor import Tensor, wrap
from workbench.eager.tensor_base import tracked


class Optimizer:
    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        group = dict(group)
        group["params"] = (
            list(group["params"]) if not isinstance(group["params"], Tensor) else [group["params"]]
        )
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = p.grad.detach().zero_()

    def step(self, closure: Any = None) -> Any:
        loss = None
        if closure is not None:
            from workbench.eager.autograd import enable_grad  # noqa: PLC0415

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                stateless = self._stateless(group)
                for p in group["params"]:
                    grad = p.grad
                    if grad is not None:
                        state = {} if stateless else self.state.setdefault(p, {})
                        self._update(p, grad, group, state)
        return loss

    def _stateless(self, group: dict[str, Any]) -> bool:
        """True when this group's update keeps no per-parameter state (PyTorch's state
        then stays empty, and so does ``state_dict()["state"]``)."""
        return False

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [
            {
                **{k: v for k, v in g.items() if k != "params"},
                "params": [index[id(p)] for p in g["params"]],
            }
            for g in self.param_groups
        ]
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        params = [p for g in self.param_groups for p in g["params"]]
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {params[int(i)]: dict(s) for i, s in state_dict["state"].items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def own_memory(p: Tensor) -> Array | None:
    """The array of the leaf parameter ``p`` when its memory belongs to it alone, else
    None: no other array, NumPy array or view refers to that memory (reference counts, as
    NumPy decides when it may reuse a temporary). Writing into it is then PyTorch's
    in-place update: seen by whatever shares ``p``'s storage in PyTorch too (``detach()``,
    ``state_dict()``), and by the graphs that saved ``p``, whose backward then fails on
    ``p``'s version as PyTorch's does."""
    value = p._value
    if not tracked(value) or value.node is not None:
        return None
    array = value.primal
    if array.__class__ is not Array:
        return None
    data = array.data
    if sys.getrefcount(data) != 3 or not getattr(data.flags, "writeable", True):
        return None  # held by more than array.data, `data` and getrefcount's argument
    base = data.base  # a view's memory belongs to its base: only this view may hold it
    if base is not None and (type(base) is not type(data) or sys.getrefcount(base) != 3):
        return None
    return array


def descend(p: Tensor, direction: Any, lr: Any) -> None:
    """p ← p - lr · direction, under ``no_grad``: written into ``p``'s memory as PyTorch's
    optimisers do (``p.add_(direction, alpha=-lr)``) when nothing else sees it, else a
    fresh array; ``p``'s version counts the write either way."""
    target = own_memory(p)
    if target is None:
        p._inplace(wrap(rules.descend(p._array(), direction, lr)))
    else:
        p._inplace(wrap(rules.descend_into(target, direction, lr)))


def decay(p: Tensor, lr: Any, weight_decay: Any) -> None:
    """p ← p · (1 - lr · λ) (decoupled weight decay), in place as ``descend`` writes."""
    target = own_memory(p)
    if target is None:
        p._inplace(wrap(rules.decayed(p._array(), lr, weight_decay)))
    else:
        p._inplace(wrap(rules.decayed_into(target, lr, weight_decay)))
