"""Optimisers in the style of optax: a ``GradientTransformation`` is a pair of pure
functions, ``init(params) -> state`` and ``update(grads, state, params) -> (updates,
state)``; ``apply_updates(params, updates)`` adds them. State is an explicit pytree.
Update formulas follow optax. Mirrors: optax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from workbench.functional import numpy as jnp
from workbench.functional.tree_util import tree_leaves, tree_map

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

    def update(updates: Any, state: TraceState, params: Any = None) -> Any:
        new = tree_map(lambda g, t: g + decay * t, updates, state.trace)
        out = tree_map(lambda g, t: g + decay * t, updates, new) if nesterov else new
        return out, TraceState(new)

    return GradientTransformation(lambda p: TraceState(_zeros_like(p)), update)


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


def scale_by_adam(
    b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, eps_root: float = 0.0
) -> GradientTransformation:
    def update(updates: Any, state: ScaleByAdamState, params: Any = None) -> Any:
        mu = tree_map(lambda g, m: (1 - b1) * g + b1 * m, updates, state.mu)
        nu = tree_map(lambda g, v: (1 - b2) * jnp.square(g) + b2 * v, updates, state.nu)
        count = state.count + 1
        c1 = 1 - jnp.power(b1, count.astype(jnp.float32))
        c2 = 1 - jnp.power(b2, count.astype(jnp.float32))
        out = tree_map(lambda m, v: (m / c1) / (jnp.sqrt(v / c2 + eps_root) + eps), mu, nu)
        return out, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(
        lambda p: ScaleByAdamState(jnp.zeros([], jnp.int32), _zeros_like(p), _zeros_like(p)), update
    )


class ScaleByRssState(NamedTuple):
    sum_of_squares: Any


def scale_by_rss(
    initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    def update(updates: Any, state: ScaleByRssState, params: Any = None) -> Any:
        total = tree_map(lambda g, s: s + jnp.square(g), updates, state.sum_of_squares)
        out = tree_map(
            lambda g, s: jnp.where(s > 0, 1.0 / jnp.sqrt(s + eps), 0.0) * g, updates, total
        )
        return out, ScaleByRssState(total)

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
    def update(updates: Any, state: ScaleByRmsState, params: Any = None) -> Any:
        nu = tree_map(lambda g, v: (1 - decay) * jnp.square(g) + decay * v, updates, state.nu)
        return tree_map(lambda g, v: g / jnp.sqrt(v + eps), updates, nu), ScaleByRmsState(nu)

    return GradientTransformation(lambda p: ScaleByRmsState(_fill(p, initial_scale)), update)


def scale_by_stddev(
    decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0
) -> GradientTransformation:
    def update(updates: Any, state: ScaleByRStdDevState, params: Any = None) -> Any:
        mu = tree_map(lambda g, m: (1 - decay) * g + decay * m, updates, state.mu)
        nu = tree_map(lambda g, v: (1 - decay) * jnp.square(g) + decay * v, updates, state.nu)
        out = tree_map(lambda g, m, v: g / jnp.sqrt(v - jnp.square(m) + eps), updates, mu, nu)
        return out, ScaleByRStdDevState(mu, nu)

    return GradientTransformation(
        lambda p: ScaleByRStdDevState(_zeros_like(p), _fill(p, initial_scale)), update
    )


def add_decayed_weights(weight_decay: float = 0.0) -> GradientTransformation:
    def update(updates: Any, state: Any, params: Any = None) -> Any:
        if params is None:
            raise ValueError("add_decayed_weights needs params: call update(grads, state, params)")
        return tree_map(lambda g, p: g + weight_decay * p, updates, params), state

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
