"""Optimisers in the style of optax: a ``GradientTransformation`` is a pair of pure
functions, ``init(params) -> state`` and ``update(grads, state, params) -> (updates,
state)``; ``apply_updates(params, updates)`` adds them. State is an explicit pytree.
The update rules are the core's (``workbench.core.optimizers``) with optax's choices (ε
added to Adam's corrected root, inside the root for RMSprop and Adagrad; updates are
directions scaled by -lr at the end of the chain). Mirrors: optax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from workbench.core import ops
from workbench.core import optimizers as rules
from workbench.functional import numpy as jnp
from workbench.functional.array import value_of, wrap
from workbench.functional.optax_losses import (  # noqa: F401 - optax exports them at the top
    cosine_similarity,
    huber_loss,
    l2_loss,
    losses,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
    softmax_cross_entropy_with_integer_labels,
    squared_error,
)
from workbench.functional.tree_util import tree_leaves, tree_map


def _rule(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A core rule applied to arrays (their core values), giving arrays back."""

    def on_arrays(*xs: Any) -> Any:
        return wrap(fn(*[value_of(x) for x in xs]))

    return on_arrays


Schedule = Callable[[Any], Any]


class GradientTransformation(NamedTuple):
    init: Callable[[Any], Any]
    update: Callable[..., Any]


class EmptyState(NamedTuple):
    pass


def apply_updates(params: Any, updates: Any) -> Any:
    """params + updates, leaf by leaf (keeping each parameter's dtype)."""
    return tree_map(lambda p, u: jnp.asarray(p + u).astype(jnp.asarray(p).dtype), params, updates)


def _zeros_like(params: Any) -> Any:
    return tree_map(lambda p: jnp.zeros_like(p), params)


def _fill(params: Any, value: float) -> Any:
    return tree_map(lambda p: jnp.full_like(p, value), params)


def global_norm(updates: Any) -> Any:
    return jnp.sqrt(sum(jnp.sum(jnp.square(u)) for u in tree_leaves(updates)))


# -- building blocks -------------------------------------------------------------------


class ScaleByScheduleState(NamedTuple):
    count: Any


def scale(step_size: float) -> GradientTransformation:
    return GradientTransformation(
        lambda p: EmptyState(), lambda u, s, p=None: (tree_map(lambda g: g * step_size, u), s)
    )


def scale_by_learning_rate(
    learning_rate: float | Schedule, flip_sign: bool = True
) -> GradientTransformation:
    sign = -1.0 if flip_sign else 1.0
    if callable(learning_rate):
        schedule = learning_rate

        def update(updates: Any, state: ScaleByScheduleState, params: Any = None) -> Any:
            factor = schedule(state.count) * sign
            return tree_map(lambda g: g * factor, updates), ScaleByScheduleState(state.count + 1)

        return GradientTransformation(
            lambda p: ScaleByScheduleState(jnp.zeros([], jnp.int32)), update
        )
    return scale(sign * float(learning_rate))


class TraceState(NamedTuple):
    trace: Any


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Momentum: t = g + decay t; the update is t (or g + decay t with Nesterov)."""

    momentum = _rule(lambda g, t: rules.momentum(t, g, decay))
    ahead = _rule(lambda g, t: rules.nesterov(g, t, decay))

    def update(updates: Any, state: TraceState, params: Any = None) -> Any:
        new = tree_map(momentum, updates, state.trace)
        out = tree_map(ahead, updates, new) if nesterov else new
        return out, TraceState(new)

    return GradientTransformation(lambda p: TraceState(_zeros_like(p)), update)


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


def scale_by_adam(
    b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, eps_root: float = 0.0
) -> GradientTransformation:
    first = _rule(lambda g, m: rules.moving_average(m, g, b1))
    second = _rule(lambda g, v: rules.moving_average(v, ops.square(g), b2))

    def update(updates: Any, state: ScaleByAdamState, params: Any = None) -> Any:
        mu = tree_map(first, updates, state.mu)
        nu = tree_map(second, updates, state.nu)
        count = state.count + 1
        b1p, b2p = (value_of(jnp.power(b, count.astype(jnp.float32))) for b in (b1, b2))
        direction = _rule(
            lambda m, v: rules.adam_direction(m, v, b1p, b2p, eps, eps_hat=False, eps_root=eps_root)
        )
        return tree_map(direction, mu, nu), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(
        lambda p: ScaleByAdamState(jnp.zeros([], jnp.int32), _zeros_like(p), _zeros_like(p)), update
    )


class ScaleByRssState(NamedTuple):
    sum_of_squares: Any


def scale_by_rss(
    initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    def scaled(g: Any, s: Any) -> Any:  # optax: no step where nothing has accumulated yet
        direction = rules.root_mean_square_scaled(g, s, eps, eps_in_sqrt=True)
        return ops.select(ops.gt(s, 0), direction, ops.zeros_like(direction))

    def update(updates: Any, state: ScaleByRssState, params: Any = None) -> Any:
        total = tree_map(lambda g, s: s + jnp.square(g), updates, state.sum_of_squares)
        return tree_map(_rule(scaled), updates, total), ScaleByRssState(total)

    return GradientTransformation(
        lambda p: ScaleByRssState(_fill(p, initial_accumulator_value)), update
    )


class ScaleByRmsState(NamedTuple):
    nu: Any


class ScaleByRStdDevState(NamedTuple):
    mu: Any
    nu: Any


def scale_by_rms(
    decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0
) -> GradientTransformation:
    average = _rule(lambda g, v: rules.moving_average(v, ops.square(g), decay))
    scaled = _rule(lambda g, v: rules.root_mean_square_scaled(g, v, eps, eps_in_sqrt=True))

    def update(updates: Any, state: ScaleByRmsState, params: Any = None) -> Any:
        nu = tree_map(average, updates, state.nu)
        return tree_map(scaled, updates, nu), ScaleByRmsState(nu)

    return GradientTransformation(lambda p: ScaleByRmsState(_fill(p, initial_scale)), update)


def scale_by_stddev(
    decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0
) -> GradientTransformation:
    mean = _rule(lambda g, m: rules.moving_average(m, g, decay))
    average = _rule(lambda g, v: rules.moving_average(v, ops.square(g), decay))
    scaled = _rule(
        lambda g, m, v: rules.root_mean_square_scaled(g, rules.centred(v, m), eps, eps_in_sqrt=True)
    )

    def update(updates: Any, state: ScaleByRStdDevState, params: Any = None) -> Any:
        mu = tree_map(mean, updates, state.mu)
        nu = tree_map(average, updates, state.nu)
        return tree_map(scaled, updates, mu, nu), ScaleByRStdDevState(mu, nu)

    return GradientTransformation(
        lambda p: ScaleByRStdDevState(_zeros_like(p), _fill(p, initial_scale)), update
    )


def add_decayed_weights(weight_decay: float = 0.0) -> GradientTransformation:
    def update(updates: Any, state: Any, params: Any = None) -> Any:
        if params is None:
            raise ValueError("add_decayed_weights needs params: call update(grads, state, params)")
        decayed = _rule(lambda g, p: rules.with_weight_decay(g, p, weight_decay))
        return tree_map(decayed, updates, params), state

    return GradientTransformation(lambda p: EmptyState(), update)


class ClipByGlobalNormState(NamedTuple):
    pass


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Scale all updates down together when their global norm exceeds ``max_norm``."""

    def update(updates: Any, state: Any, params: Any = None) -> Any:
        norm = global_norm(updates)
        return tree_map(
            lambda t: jnp.where(norm < max_norm, t, t / norm * max_norm), updates
        ), state

    return GradientTransformation(lambda p: ClipByGlobalNormState(), update)


def clip(max_delta: float) -> GradientTransformation:
    return GradientTransformation(
        lambda p: EmptyState(),
        lambda u, s, p=None: (tree_map(lambda t: jnp.clip(t, -max_delta, max_delta), u), s),
    )


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply transformations in order; the state is the tuple of their states."""

    def init(params: Any) -> Any:
        return tuple(t.init(params) for t in transforms)

    def update(updates: Any, state: Any, params: Any = None) -> Any:
        new_states = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_states.append(s)
        return updates, tuple(new_states)

    return GradientTransformation(init, update)


# -- the optimisers --------------------------------------------------------------------


def sgd(
    learning_rate: float | Schedule, momentum: float | None = None, nesterov: bool = False
) -> GradientTransformation:
    parts = [trace(momentum, nesterov)] if momentum else []
    return chain(*parts, scale_by_learning_rate(learning_rate))


def adam(
    learning_rate: float | Schedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
) -> GradientTransformation:
    return chain(scale_by_adam(b1, b2, eps, eps_root), scale_by_learning_rate(learning_rate))


def adamw(
    learning_rate: float | Schedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    weight_decay: float = 1e-4,
) -> GradientTransformation:
    return chain(
        scale_by_adam(b1, b2, eps, eps_root),
        add_decayed_weights(weight_decay),
        scale_by_learning_rate(learning_rate),
    )


def adagrad(
    learning_rate: float | Schedule, initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    return chain(
        scale_by_rss(initial_accumulator_value, eps), scale_by_learning_rate(learning_rate)
    )


def rmsprop(
    learning_rate: float | Schedule,
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    centered: bool = False,
    momentum: float | None = None,
    nesterov: bool = False,
) -> GradientTransformation:
    first = (
        scale_by_stddev(decay, eps, initial_scale)
        if centered
        else scale_by_rms(decay, eps, initial_scale)
    )
    parts = [first, scale_by_learning_rate(learning_rate)]
    if momentum:
        parts.append(trace(momentum, nesterov))
    return chain(*parts)


# -- schedules -------------------------------------------------------------------------


def constant_schedule(value: float) -> Schedule:
    return lambda count: value


def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    def schedule(count: Any) -> Any:
        steps = jnp.maximum(jnp.asarray(count).astype(jnp.float32) - transition_begin, 0.0)
        p = steps / transition_steps
        if staircase:
            p = jnp.floor(p)
        value = init_value * jnp.power(decay_rate, p)
        if end_value is not None:
            value = (
                jnp.maximum(value, end_value) if decay_rate < 1 else jnp.minimum(value, end_value)
            )
        return value

    return schedule


def linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    def schedule(count: Any) -> Any:
        frac = jnp.clip(
            (jnp.asarray(count).astype(jnp.float32) - transition_begin) / transition_steps, 0.0, 1.0
        )
        return init_value + (end_value - init_value) * frac

    return schedule


def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    def schedule(count: Any) -> Any:
        frac = jnp.minimum(jnp.asarray(count).astype(jnp.float32), decay_steps) / decay_steps
        cosine = 0.5 * (1 + jnp.cos(np.pi * frac))
        return init_value * ((1 - alpha) * jnp.power(cosine, exponent) + alpha)

    return schedule


def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
) -> Schedule:
    warm = linear_schedule(init_value, peak_value, warmup_steps)
    decay = cosine_decay_schedule(peak_value - end_value, decay_steps - warmup_steps)

    def schedule(count: Any) -> Any:
        c = jnp.asarray(count)
        return jnp.where(c < warmup_steps, warm(c), decay(c - warmup_steps) + end_value)

    return schedule
