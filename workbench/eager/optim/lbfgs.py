"""Mirrors: torch.optim.LBFGS — limited-memory BFGS over all parameters as one flat
vector, with PyTorch's closure protocol (``step(closure)`` re-evaluates the loss as often
as it needs) and its optional strong-Wolfe line search (bracketing, then zooming with
cubic interpolation, as in Nocedal & Wright, Algorithms 3.5 and 3.6).

The scalars of the algorithm (step sizes, curvature products) are NumPy scalars of the
parameters' dtype, so a float32 model rounds them as PyTorch's 0-d float32 tensors do;
the vectors are tensors on the parameters' device and dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.eager.autograd import enable_grad, no_grad
from workbench.eager.functions import cat
from workbench.eager.optim.optimizer import Optimizer
from workbench.eager.tensor import Tensor


def _scalar(t: Tensor) -> Any:
    """A 0-d tensor's value as a NumPy scalar of its dtype (float32 stays float32)."""
    return t.dtype.np.type(t.item())


def _cubic_minimum(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: Any = None
) -> float:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), kept in bounds
    (the interval's midpoint when the cubic has no minimum)."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square) if isinstance(d2_square, np.floating) else math.sqrt(d2_square)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


Evaluate = Callable[[float], tuple[float, Tensor]]


class _Bracket:
    """The interval the zoom phase shrinks: step sizes with their losses, gradients and
    directional derivatives."""

    def __init__(self, points: list[tuple[float, float, Tensor, float]]) -> None:
        self.t = [p[0] for p in points]
        self.f = [p[1] for p in points]
        self.g = [p[2] for p in points]
        self.gtd = [p[3] for p in points]

    def order(self) -> tuple[int, int]:
        return (0, 1) if self.f[0] <= self.f[-1] else (1, 0)

    def set(self, i: int, point: tuple[float, float, Tensor, float]) -> None:
        self.t[i], self.f[i], self.g[i], self.gtd[i] = point


def _strong_wolfe(
    evaluate: Evaluate,
    t: float,
    d: Tensor,
    f: float,
    g: Tensor,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Tensor, float, int]:
    """A step size satisfying the strong Wolfe conditions along ``d``; returns the loss and
    gradient there, the step and the number of evaluations."""
    d_norm = _scalar(d.abs().max())
    f_new, g_new = evaluate(t)
    evals, ls_iter, done = 1, 0, False
    gtd_new = _scalar(g_new.dot(d))
    previous = (0.0, f, g, gtd)
    bracket: _Bracket | None = None
    while ls_iter < max_ls:  # bracketing: grow the step until an interval holds a minimum
        current = (t, f_new, g_new, gtd_new)
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= previous[1]):
            bracket = _Bracket([previous, current])
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = _Bracket([current, current]), True
            break
        if gtd_new >= 0:
            bracket = _Bracket([previous, current])
            break
        low, high = t + 0.01 * (t - previous[0]), t * 10
        t_next = _cubic_minimum(
            previous[0], previous[1], previous[3], t, f_new, gtd_new, (low, high)
        )
        previous = current
        t = t_next
        f_new, g_new = evaluate(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        gtd_new = _scalar(g_new.dot(d))
    if bracket is None:  # out of iterations while growing
        bracket = _Bracket([(0.0, f, g, gtd), (t, f_new, g_new, gtd_new)])
    insufficient = False
    low_i, high_i = bracket.order()
    while not done and ls_iter < max_ls:  # zoom: shrink the interval around the minimum
        if abs(bracket.t[1] - bracket.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(
            bracket.t[0], bracket.f[0], bracket.gtd[0], bracket.t[1], bracket.f[1], bracket.gtd[1]
        )
        top, bottom = max(bracket.t), min(bracket.t)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too close to an end: move away, or note it
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        gtd_new = _scalar(g_new.dot(d))
        point = (t, f_new, g_new, gtd_new)
        if f_new > f + c1 * t * gtd or f_new >= bracket.f[low_i]:
            bracket.set(high_i, point)
            low_i, high_i = bracket.order()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket.t[high_i] - bracket.t[low_i]) >= 0:
                bracket.set(
                    high_i,
                    (bracket.t[low_i], bracket.f[low_i], bracket.g[low_i], bracket.gtd[low_i]),
                )
            bracket.set(low_i, point)
    return bracket.f[low_i], bracket.g[low_i], bracket.t[low_i], evals


class LBFGS(Optimizer):
    """Limited-memory BFGS. ``step(closure)`` runs up to ``max_iter`` iterations (and
    ``max_eval`` loss evaluations); the closure clears gradients, computes the loss,
    calls backward and returns the loss. Only one parameter group is supported, as in
    PyTorch."""

    def __init__(
        self,
        params: Any,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        super().__init__(
            params,
            dict(
                lr=lr,
                max_iter=max_iter,
                max_eval=max_eval,
                tolerance_grad=tolerance_grad,
                tolerance_change=tolerance_change,
                history_size=history_size,
                line_search_fn=line_search_fn,
            ),
        )
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # -- the parameters as one flat vector

    def _flat_grad(self) -> Tensor:
        return cat(
            [
                p.grad.reshape(-1) if p.grad is not None else p.detach().new_zeros(p.numel())
                for p in self._params
            ]
        )

    def _add(self, step: float, direction: Tensor) -> None:
        offset = 0
        with no_grad():
            for p in self._params:
                n = p.numel()
                p.add_(direction[offset : offset + n].view_as(p) * step)
                offset += n

    def _set(self, values: list[Tensor]) -> None:
        with no_grad():
            for p, v in zip(self._params, values):
                p.copy_(v)

    def _evaluate_at(self, closure: Any, start: list[Tensor], direction: Tensor) -> Evaluate:
        def evaluate(t: float) -> tuple[float, Tensor]:
            self._add(t, direction)
            with enable_grad():
                loss = float(closure())
            grad = self._flat_grad()
            self._set(start)
            return loss, grad

        return evaluate

    # -- the iteration

    def step(self, closure: Any = None) -> Any:  # noqa: C901 - PyTorch's one loop, kept whole
        if closure is None:
            raise RuntimeError("LBFGS requires a closure: step(closure)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if float(flat_grad.abs().max()) <= tol_grad:
            return orig_loss

        # what the last call left (None on the first): direction, step, curvature pairs
        d: Any = state.get("d")
        t: Any = state.get("t")
        old_dirs: Any = state.get("old_dirs")
        old_stps: Any = state.get("old_stps")
        ro: Any = state.get("ro")
        h_diag: Any = state.get("H_diag")
        prev_flat_grad: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1.0
            else:  # the two-loop recursion over the stored curvature pairs
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _scalar(y.dot(s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _scalar(y.dot(y))
                alphas = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    alphas[i] = _scalar(old_stps[i].dot(q)) * ro[i]
                    q = q - old_dirs[i] * alphas[i]
                r = q * h_diag
                for i in range(len(old_dirs)):
                    beta = _scalar(old_dirs[i].dot(r)) * ro[i]
                    r = r + old_stps[i] * (alphas[i] - beta)
                d = r
            prev_flat_grad = flat_grad.clone()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / _scalar(flat_grad.abs().sum())) * lr
            else:
                t = lr
            gtd = _scalar(flat_grad.dot(d))
            if gtd > -tol_change:  # not a descent direction
                break

            ls_func_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p.detach().clone() for p in self._params]
                evaluate = self._evaluate_at(closure, start, d)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    evaluate, t, d, loss, flat_grad, gtd
                )
                self._add(t, d)
                opt_cond = float(flat_grad.abs().max()) <= tol_grad
            else:
                self._add(t, d)
                opt_cond = False
                if n_iter != max_iter:  # re-evaluate unless this is the last iteration
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._flat_grad()
                    opt_cond = float(flat_grad.abs().max()) <= tol_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float((d * t).abs().max()) <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=h_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss
