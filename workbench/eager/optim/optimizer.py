"""The optimizer base class: parameter groups, per-parameter state, ``zero_grad``,
``state_dict``. Mirrors: torch.optim.Optimizer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.eager.autograd import no_grad
from workbench.eager.tensor import Tensor


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
