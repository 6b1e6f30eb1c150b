"""Pieces of the hand-written steps: forward and manual backward with NumPy (or CuPy,
through ``xp``). They are the practical floor every framework is compared with: no
dispatch, no tape, only the array library's own calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.bench.styles import Optimizer


def cross_entropy(xp: Any, logits: Any, labels: Any) -> tuple[Any, Any]:
    """Mean softmax cross-entropy over the rows and its gradient with respect to logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = xp.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)
    rows = xp.arange(len(labels))
    loss = -(shifted[rows, labels] - xp.log(total[:, 0])).mean()
    grad = exp / total
    grad[rows, labels] -= 1
    grad /= len(labels)
    return loss, grad


def layer_norm(xp: Any, x: Any, gamma: Any, beta: Any, eps: float = 1e-5) -> tuple[Any, Any]:
    """LayerNorm over the last axis; returns the output and what the backward needs."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    inv = 1 / xp.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
    normed = centred * inv
    return normed * gamma + beta, (normed, inv, gamma)


def layer_norm_backward(xp: Any, g: Any, saved: Any) -> tuple[Any, Any, Any]:
    normed, inv, gamma = saved
    axes = tuple(range(g.ndim - 1))
    g_gamma, g_beta = (g * normed).sum(axis=axes), g.sum(axis=axes)
    gn = g * gamma
    gx = inv * (
        gn - gn.mean(axis=-1, keepdims=True) - normed * (gn * normed).mean(axis=-1, keepdims=True)
    )
    return gx, g_gamma, g_beta


def softmax(xp: Any, x: Any) -> Any:
    e = xp.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Update:
    """SGD or Adam applied in place to a list of arrays, as a careful NumPy programmer
    writes it (the gradients are scratch space: they are scaled in place)."""

    def __init__(self, xp: Any, opt: Optimizer, params: Sequence[Any]) -> None:
        self.xp, self.opt, self.t = xp, opt, 0
        self.m = [xp.zeros_like(p) for p in params] if opt.kind == "adam" else []
        self.v = [xp.zeros_like(p) for p in params] if opt.kind == "adam" else []

    def __call__(self, params: Sequence[Any], grads: Sequence[Any]) -> list[Any]:
        opt, xp = self.opt, self.xp
        if opt.kind == "sgd":
            for p, g in zip(params, grads):
                g *= opt.lr
                p -= g
            return list(params)
        b1, b2 = opt.betas
        self.t += 1
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            g *= g
            g *= 1 - b2
            v += g
            # p -= lr * (m / c1) / (sqrt(v / c2) + eps), with one scratch array
            denom = xp.sqrt(v / c2)
            denom += opt.eps
            xp.divide(m, denom, out=denom)
            denom *= opt.lr / c1
            p -= denom
        return list(params)


def runner(
    device: str,
    weights: Sequence[Any],
    inputs: Sequence[Any],
    loss_and_grads: Any,
    opt: Optimizer,
) -> Any:
    """A :class:`Runner` for a hand-written step: ``loss_and_grads(xp, params, *inputs)``
    returns the loss and the gradients; the update is applied here."""
    from workbench.backend import get_device  # noqa: PLC0415
    from workbench.bench.styles import to_numpy  # noqa: PLC0415
    from workbench.bench.suite import Runner  # noqa: PLC0415

    dev = get_device(device)
    xp = dev.xp
    state = [[dev.put(w) for w in weights]]
    args = [dev.put(a) for a in inputs]
    update = Update(xp, opt, state[0])

    def step() -> Any:
        loss, grads = loss_and_grads(xp, state[0], *args)
        state[0] = update(state[0], grads)
        return loss

    def results(loss: Any) -> list[Any]:
        return [to_numpy(loss)] + [to_numpy(p) for p in state[0]]

    return Runner(step, results)
