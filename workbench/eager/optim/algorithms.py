"""SGD, Adam, AdamW, Adagrad and RMSprop with PyTorch's update formulas (default,
single-tensor variants). Mirrors: torch.optim.*."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from workbench.core import ops
from workbench.eager.optim.optimizer import Optimizer
from workbench.eager.tensor import Tensor, wrap


def _implementation(**flags: Any) -> dict[str, Any]:
    """PyTorch's implementation switches (foreach, fused, capturable, differentiable):
    accepted and kept in the param groups so code that passes them runs and state_dicts
    match; the workbench has one implementation, so they change nothing here."""
    return flags


class SGD(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
                **_implementation(foreach=foreach, differentiable=differentiable, fused=fused),
            ),
        )

    def _stateless(self, group: dict[str, Any]) -> bool:
        return not group["momentum"]

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        momentum = group["momentum"]
        lr = group["lr"]
        plain = not (momentum or group["weight_decay"] or group["maximize"])
        if plain and grad._value.dtype == p._value.dtype and isinstance(lr, int | float):
            # plain SGD, p -= lr * g, computed on the arrays (the tensor layer's casts,
            # wrappers and tape checks would cost more than the arithmetic on small layers)
            update = ops.mul(grad._array(), lr)
            p._inplace(wrap(ops.sub(p._array(), update)))
            return
        g = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            g = g + p.detach() * group["weight_decay"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.clone()
            else:
                buf = buf * momentum + g * (1 - group["dampening"])
            state["momentum_buffer"] = buf
            g = g + buf * momentum if group["nesterov"] else buf
        p.sub_(g * group["lr"])


class Adam(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=betas,
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
                decoupled_weight_decay=decoupled_weight_decay,
                **_implementation(
                    foreach=foreach,
                    capturable=capturable,
                    differentiable=differentiable,
                    fused=fused,
                ),
            ),
        )

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        g = -grad if group["maximize"] else grad
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = p.detach() * 0
            state["exp_avg_sq"] = p.detach() * 0
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = p.detach() * 0
        state["step"] += 1
        step = state["step"]
        if wd:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = g + p.detach() * wd
        exp_avg = state["exp_avg"] + (g - state["exp_avg"]) * (1 - beta1)  # lerp, as PyTorch
        exp_avg_sq = state["exp_avg_sq"] * beta2 + g * g * (1 - beta2)
        state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        second = exp_avg_sq
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"] = state["max_exp_avg_sq"].maximum(exp_avg_sq)
        denom = second.sqrt() / math.sqrt(bias_correction2) + group["eps"]
        p.sub_(exp_avg / denom * (lr / bias_correction1))


class AdamW(Adam):
    """Adam with the weight decay applied to the weights, not the gradient."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )


class Adagrad(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                eps=eps,
                initial_accumulator_value=initial_accumulator_value,
                maximize=maximize,
                **_implementation(foreach=foreach, differentiable=differentiable, fused=fused),
            ),
        )

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = p.detach() * 0 + group["initial_accumulator_value"]
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        g = g + p.detach() * group["weight_decay"] if group["weight_decay"] else g
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = state["sum"] + g * g
        p.sub_(g / (state["sum"].sqrt() + group["eps"]) * clr)


class RMSprop(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
                **_implementation(
                    capturable=capturable, foreach=foreach, differentiable=differentiable
                ),
            ),
        )

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = p.detach() * 0
            if group["momentum"]:
                state["momentum_buffer"] = p.detach() * 0
            if group["centered"]:
                state["grad_avg"] = p.detach() * 0
        state["step"] += 1
        alpha = group["alpha"]
        g = -grad if group["maximize"] else grad
        g = g + p.detach() * group["weight_decay"] if group["weight_decay"] else g
        square_avg = state["square_avg"] = state["square_avg"] * alpha + g * g * (1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"] = state["grad_avg"] + (g - state["grad_avg"]) * (1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt() + group["eps"]
        else:
            avg = square_avg.sqrt() + group["eps"]
        if group["momentum"]:
            buf = state["momentum_buffer"] = state["momentum_buffer"] * group["momentum"] + g / avg
            p.sub_(buf * group["lr"])
        else:
            p.sub_(g / avg * group["lr"])
