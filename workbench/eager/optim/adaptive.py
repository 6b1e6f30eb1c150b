"""Adadelta, Adamax, NAdam and RAdam as PyTorch defines them (default, single-tensor
variants): PyTorch's names, defaults and state layout over the core's update rules
(``workbench.core.optimizers``). Mirrors: torch.optim.Adadelta, Adamax, NAdam, RAdam."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from workbench.core import ops
from workbench.core import optimizers as rules
from workbench.eager.optim.algorithms import (
    _gradient,
    _implementation,
    _number,
    _zeros,
    adam_start,
    moments,
)
from workbench.eager.optim.optimizer import Optimizer, descend
from workbench.eager.tensor import Tensor, wrap


class Adadelta(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = _implementation(
            foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, **flags
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"], state["acc_delta"] = _zeros(p), _zeros(p)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        g = _gradient(p, grad, group)
        s = rules.moving_average(state["square_avg"]._array(), ops.square(g), rho)
        delta = rules.adadelta_step(g, s, state["acc_delta"]._array(), eps)
        d = rules.moving_average(state["acc_delta"]._array(), ops.square(delta), rho)
        state["square_avg"], state["acc_delta"] = wrap(s), wrap(d)
        descend(p, delta, _number(group["lr"]))


class Adamax(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        flags = _implementation(
            foreach=foreach, differentiable=differentiable, capturable=capturable
        )
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, **flags
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"], state["exp_inf"] = _zeros(p), _zeros(p)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        g = _gradient(p, grad, group)
        m = rules.moving_average(state["exp_avg"]._array(), g, beta1)
        u = rules.infinity_norm(state["exp_inf"]._array(), g, beta2, group["eps"])
        state["exp_avg"], state["exp_inf"] = wrap(m), wrap(u)
        lr = _number(group["lr"]) / (1 - beta1 ** state["step"])
        descend(p, ops.div(m, u), lr)


class NAdam(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = _implementation(
            foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            **flags,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        step, g = adam_start(p, grad, group, state)
        state.setdefault("mu_product", 1.0)
        (beta1, beta2), lr = group["betas"], _number(group["lr"])
        # the momentum schedule: μ_t = β1 (1 - ½ · 0.96^(t · ψ))
        decay = group["momentum_decay"]
        mu = beta1 * (1 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * decay))
        state["mu_product"] *= mu
        product = state["mu_product"]
        m, v = moments(g, state, group["betas"])
        weights = ((1 - mu) / (1 - product), mu_next / (1 - product * mu_next))
        direction = rules.nadam_direction(g, m, v, beta2**step, group["eps"], weights)
        descend(p, direction, lr)


class RAdam(Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = _implementation(
            foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            **flags,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        step, g = adam_start(p, grad, group, state)
        (beta1, beta2), lr = group["betas"], _number(group["lr"])
        m, v = moments(g, state, group["betas"])
        direction = rules.radam_direction(
            m, v, beta1**step, beta2**step, group["eps"], _rectifier(beta2, step)
        )
        descend(p, direction, lr)


def _rectifier(beta2: float, step: int) -> float | None:
    """RAdam's variance rectification r_t, or None while the variance of the adaptive rate
    is intractable (ρ_t <= 5)."""
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * beta2**step / (1 - beta2**step)
    if rho_t <= 5:
        return None
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
