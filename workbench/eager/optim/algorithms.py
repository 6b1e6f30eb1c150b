"""SGD, Adam, AdamW, Adagrad and RMSprop as PyTorch defines them (default, single-tensor
variants): PyTorch's names, defaults and state layout over the core's update rules
(``workbench.core.optimizers``), with PyTorch's choices (ε added to the root, the
momentum buffer starting at the first gradient). Mirrors: torch.optim.*."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.core import ops
from workbench.core import optimizers as rules
from workbench.eager.optim.optimizer import Optimizer, decay, descend
from workbench.eager.tensor import Tensor, wrap


def _number(x: Any) -> Any:
    """A hyperparameter as a Python number (PyTorch also accepts 0-d tensors)."""
    return x if isinstance(x, int | float) else float(x)


def _gradient(p: Tensor, grad: Tensor, group: dict[str, Any]) -> Any:
    """The gradient as a core array: negated to maximise, with L2 weight decay added."""
    g = grad._array()
    if group.get("maximize"):
        g = ops.neg(g)
    if group["weight_decay"] and not group.get("decoupled_weight_decay"):
        g = rules.with_weight_decay(g, p._array(), _number(group["weight_decay"]))
    return g


def _zeros(p: Tensor, fill: float = 0.0) -> Tensor:
    return wrap(ops.full_like(p._array(), fill))


def adam_start(
    p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any], **extra: float
) -> tuple[int, Any]:
    """What every optimiser of Adam's family does first: create the moments (and the
    ``extra`` state, filled with the given numbers) on the first step, count the step,
    apply decoupled weight decay to ``p``; returns the step and the gradient."""
    if not state:
        state["step"] = 0
        state["exp_avg"], state["exp_avg_sq"] = _zeros(p), _zeros(p)
        for name, fill in extra.items():
            state[name] = _zeros(p, fill)
    state["step"] += 1
    lr, wd = _number(group["lr"]), _number(group["weight_decay"])
    if wd and group["decoupled_weight_decay"]:
        decay(p, lr, wd)
    return state["step"], _gradient(p, grad, group)


def moments(g: Any, state: dict[str, Any], betas: tuple[float, float]) -> tuple[Any, Any]:
    """Adam's first and second moments, updated in ``state``."""
    m = rules.moving_average(state["exp_avg"]._array(), g, betas[0])
    v = rules.moving_average(state["exp_avg_sq"]._array(), ops.square(g), betas[1])
    state["exp_avg"], state["exp_avg_sq"] = wrap(m), wrap(v)
    return m, v


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
        momentum, lr = group["momentum"], _number(group["lr"])
        if grad._value.dtype != p._value.dtype:
            grad = grad.to(p.dtype)
        g = direction = _gradient(p, grad, group)
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = wrap(g).clone()  # PyTorch starts the buffer at the first gradient
            else:
                buffer = wrap(rules.momentum(buffer._array(), g, momentum, group["dampening"]))
            state["momentum_buffer"] = buffer
            direction = buffer._array()
            if group["nesterov"]:
                direction = rules.nesterov(g, direction, momentum)
        descend(p, direction, lr)


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
        beta1, beta2 = group["betas"]
        lr = _number(group["lr"])
        extra = {"max_exp_avg_sq": 0.0} if group["amsgrad"] else {}
        step, g = adam_start(p, grad, group, state, **extra)
        m, v = moments(g, state, group["betas"])
        if group["amsgrad"]:
            v = ops.maximum(state["max_exp_avg_sq"]._array(), v)
            state["max_exp_avg_sq"] = wrap(v)
        eps = _number(group["eps"])
        direction = rules.adam_direction(m, v, beta1**step, beta2**step, eps, eps_hat=False)
        descend(p, direction, lr)


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
            state["sum"] = _zeros(p, group["initial_accumulator_value"])
        state["step"] += 1
        g = _gradient(p, grad, group)
        lr = _number(group["lr"]) / (1 + (state["step"] - 1) * group["lr_decay"])
        total = ops.add(state["sum"]._array(), ops.square(g))
        state["sum"] = wrap(total)
        direction = rules.root_mean_square_scaled(g, total, group["eps"], eps_in_sqrt=False)
        descend(p, direction, lr)


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
            state["square_avg"] = _zeros(p)
            if group["momentum"]:
                state["momentum_buffer"] = _zeros(p)
            if group["centered"]:
                state["grad_avg"] = _zeros(p)
        state["step"] += 1
        alpha = group["alpha"]
        g = _gradient(p, grad, group)
        s = rules.moving_average(state["square_avg"]._array(), ops.square(g), alpha)
        state["square_avg"] = wrap(s)
        if group["centered"]:
            mean = rules.moving_average(state["grad_avg"]._array(), g, alpha)
            state["grad_avg"] = wrap(mean)
            s = rules.centred(s, mean)
        direction = rules.root_mean_square_scaled(g, s, group["eps"], eps_in_sqrt=False)
        if group["momentum"]:
            buffer = rules.momentum(state["momentum_buffer"]._array(), direction, group["momentum"])
            state["momentum_buffer"] = wrap(buffer)
            direction = buffer
        descend(p, direction, _number(group["lr"]))
