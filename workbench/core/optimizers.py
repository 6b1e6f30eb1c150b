"""Optimiser update rules, written once in core operations.

Every front end's optimisers (``eager.optim``, the TF1 ``train`` optimisers, Keras
optimizers and the functional, optax-style ones) compute their updates with these
functions, so the three styles agree by construction; what differs between the real
frameworks is spelled as an argument here, never as a second copy of a rule:

- where Adam's ε goes: added to the bias-corrected root (PyTorch, optax) or to the raw
  root, with the correction folded into the step size (TensorFlow, Keras: the paper's
  "ε-hat" form), ``eps_hat``;
- whether RMSprop's and Adagrad's ε is inside the square root (TensorFlow, Keras,
  optax) or added to it (PyTorch), ``eps_in_sqrt``;
- the state a front end keeps (Keras keeps momentum with the learning rate folded in;
  PyTorch starts its momentum buffer at the first gradient): the front end decides what
  it passes in.

The functions take core values (arrays or tracers) and Python numbers or 0-d values
for hyperparameters, and return new values; they never write anything, except
``descend_into``, which writes the step into memory its caller owns.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from workbench.core import primitives as ops
from workbench.core.codegen import group_kernel
from workbench.core.dispatch import apply_into
from workbench.core.ir import Equation, Graph, Type, Var
from workbench.core.primitive import get_primitive
from workbench.core.values import Array


def _one_minus(x: Any) -> Any:
    """1 - x, for a Python number (computed now, in double precision) or a core value."""
    return 1.0 - x if isinstance(x, int | float) else ops.sub(1.0, x)


def _sqrt(x: Any) -> Any:
    return math.sqrt(x) if isinstance(x, int | float) else ops.sqrt(x)


def _numbers(*xs: Any) -> bool:
    return all(isinstance(x, int | float) for x in xs)


def _product(x: Any, y: Any) -> Any:
    return x * y if _numbers(x, y) else ops.mul(x, y)


def _quotient(x: Any, y: Any) -> Any:
    return x / y if _numbers(x, y) else ops.div(x, y)


# average ← decay · average + (1 - decay) · x, written as a step towards x (PyTorch's and
# Keras's lerp form); the moving average behind momentum, Adam and RMSprop
def moving_average(average: Any, x: Any, decay: Any) -> Any:
    return ops.add(average, ops.mul(ops.sub(x, average), _one_minus(decay)))


# buffer ← μ · buffer + (1 - dampening) · g
def momentum(buffer: Any, g: Any, mu: Any, dampening: float = 0.0) -> Any:
    step = g if dampening == 0 else ops.mul(g, 1.0 - dampening)
    return ops.add(ops.mul(buffer, mu), step)


# the Nesterov step: g + μ · buffer (with the buffer already updated)
def nesterov(g: Any, buffer: Any, mu: Any) -> Any:
    return ops.add(g, ops.mul(buffer, mu))


# Adam's direction for step t from the moments m and v (β1^t and β2^t given as powers):
#   ε outside the correction:  (m / (1 - β1^t)) / (√v / √(1 - β2^t) + ε)
#   ε-hat:                     m · √(1 - β2^t) / (1 - β1^t) / (√v + ε)
# the update is -lr times it; AMSGrad passes the running maximum of v as v
def adam_direction(
    m: Any,
    v: Any,
    beta1_power: Any,
    beta2_power: Any,
    eps: Any,
    *,
    eps_hat: bool,
    eps_root: float = 0.0,
) -> Any:
    correction1 = _one_minus(beta1_power)
    correction2 = _one_minus(beta2_power)
    if eps_hat:
        scale = _quotient(_sqrt(correction2), correction1)
        return ops.div(ops.mul(m, scale), ops.add(ops.sqrt(v), eps))
    if eps_root:  # optax's ε inside the root too: √(v / (1 - β2^t) + ε_root)
        root = ops.sqrt(ops.add(ops.div(v, correction2), eps_root))
    else:
        root = ops.div(ops.sqrt(v), _sqrt(correction2))
    return ops.div(ops.div(m, correction1), ops.add(root, eps))


# RMSprop's and Adagrad's scaled gradient g / √(s + ε) (ε inside) or g / (√s + ε);
# centred RMSprop passes s = E[g²] - E[g]²
def root_mean_square_scaled(g: Any, s: Any, eps: Any, *, eps_in_sqrt: bool) -> Any:
    if eps_in_sqrt:
        return ops.mul(g, ops.rsqrt(ops.add(s, eps)))
    return ops.div(g, ops.add(ops.sqrt(s), eps))


# the centred second moment E[g²] - E[g]²
def centred(square_average: Any, average: Any) -> Any:
    return ops.sub(square_average, ops.square(average))


# Adadelta's step from the running averages of g² (s) and of the squared steps (d):
#   Δ = √(d + ε) / √(s + ε) · g      (no learning rate inside: Zeiler's units argument)
def adadelta_step(g: Any, s: Any, d: Any, eps: Any) -> Any:
    return ops.mul(ops.div(ops.sqrt(ops.add(d, eps)), ops.sqrt(ops.add(s, eps))), g)


# Adamax's infinity norm: u ← max(β2 · u, |g| + ε)
def infinity_norm(u: Any, g: Any, beta2: Any, eps: Any) -> Any:
    return ops.maximum(ops.mul(u, beta2), ops.add(ops.abs(g), eps))


# NAdam's direction (Dozat): the gradient and the momentum, each with its own Nesterov
# weight, over the bias-corrected root: (1-μ_t)/(1-Πμ_t) · g/r + μ_{t+1}/(1-Πμ_{t+1}) · m/r
# with r = √(v / (1 - β2^t)) + ε
def nadam_direction(
    g: Any, m: Any, v: Any, beta2_power: Any, eps: Any, weights: tuple[Any, Any]
) -> Any:
    root = ops.add(ops.sqrt(ops.div(v, _one_minus(beta2_power))), eps)
    now, ahead = weights
    return ops.add(ops.mul(ops.div(g, root), now), ops.mul(ops.div(m, root), ahead))


# RAdam's direction: the bias-corrected momentum, scaled by the rectified adaptive rate
# r_t · √(1 - β2^t) / (√v + ε) once the variance is tractable (r_t given), else plain
def radam_direction(
    m: Any, v: Any, beta1_power: Any, beta2_power: Any, eps: Any, rectifier: float | None
) -> Any:
    momentum = ops.div(m, _one_minus(beta1_power))
    if rectifier is None:
        return momentum
    adaptive = ops.div(_sqrt(_one_minus(beta2_power)), ops.add(ops.sqrt(v), eps))
    return ops.mul(ops.mul(momentum, adaptive), rectifier)


# weight decay added to the gradient (L2 regularisation): g + λ · p
def with_weight_decay(g: Any, p: Any, weight_decay: Any) -> Any:
    return ops.add(g, ops.mul(p, weight_decay))


# decoupled weight decay (AdamW): p ← p · (1 - lr · λ)
def decayed(p: Any, lr: Any, weight_decay: Any) -> Any:
    return ops.mul(p, _one_minus(_product(lr, weight_decay)))


def decayed_into(p: Array, lr: Any, weight_decay: Any) -> Any:
    """``decayed`` written into ``p``'s own memory where it can be (see ``descend_into``)."""
    return apply_into(p, get_primitive("mul"), p, _one_minus(_product(lr, weight_decay)))


# the step itself: p ← p - lr · direction
def descend(p: Any, direction: Any, lr: Any) -> Any:
    return ops.sub(p, ops.mul(direction, lr))


def descend_into(p: Array, direction: Any, lr: Any) -> Any:
    """``descend`` written into ``p``'s own memory (PyTorch's ``p.add_(d, alpha=-lr)``)
    where it can be: the caller vouches that nothing else sees ``p``. Returns ``p`` when
    written in place, else ``descend``'s fresh array; the numbers are the same.

    With a Python number for ``lr``, a direction like ``p`` and at least
    ``_FUSED_MIN_SIZE`` numbers, the step is one fused group (one pass over memory, no
    temporary for ``direction · lr``)."""
    if (
        isinstance(lr, int | float)
        and p.size >= _FUSED_MIN_SIZE
        and direction.__class__ is Array
        and (direction.shape, direction.dtype, direction.device) == (p.shape, p.dtype, p.device)
    ):
        graph = _descent_group(tuple(p.shape), p.dtype, p.device)
        if group_kernel(graph, p.device) is not None:  # else the two passes below
            return apply_into(p, get_primitive("fused"), p, direction, lr, graph=graph)
    return apply_into(p, get_primitive("sub"), p, ops.mul(direction, lr))


# Below this size the two in-place passes cost less than the fused kernel's call (a 512
# bias: 5.7 against 18 µs; 65,536 numbers: 21 against 27; 262,144: 146 against 93).
_FUSED_MIN_SIZE = 1 << 17


@functools.lru_cache(maxsize=256)
def _descent_group(shape: tuple[int, ...], dtype: Any, device: Any) -> Graph:
    """``p - direction · lr`` over arrays of one type, as a fused group."""
    of_type = Type(shape, dtype, device)
    p, direction, lr, step, out = (Var(of_type) for _ in range(5))
    body = (
        Equation(get_primitive("mul"), (direction, lr), (step,)),
        Equation(get_primitive("sub"), (p, step), (out,)),
    )
    return Graph((p, direction, lr), body, (out,))


__all__ = [
    "adadelta_step",
    "adam_direction",
    "infinity_norm",
    "nadam_direction",
    "radam_direction",
    "centred",
    "decayed",
    "decayed_into",
    "descend",
    "descend_into",
    "momentum",
    "moving_average",
    "nesterov",
    "root_mean_square_scaled",
    "with_weight_decay",
]
