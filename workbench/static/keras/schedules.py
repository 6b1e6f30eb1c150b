"""Learning-rate schedules: a function of the optimizer's step count, passed as
``learning_rate=``. Formulas as Keras writes them. Mirrors: keras.optimizers.schedules."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from workbench.static import array_ops, math_ops
from workbench.static.execution import convert_to_tensor


def _f(x: Any) -> Any:
    return math_ops.cast(convert_to_tensor(x), "float32")


class LearningRateSchedule:
    """Mirrors: keras.optimizers.schedules.LearningRateSchedule."""

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """initial * decay_rate ** (step / decay_steps), floored steps with ``staircase``."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str | None = None,
    ) -> None:
        if decay_steps <= 0:
            raise ValueError(
                f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}"
            )
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase
        self.name = name or type(self).__name__

    def _progress(self, step: Any) -> Any:
        p = _f(step) / float(self.decay_steps)
        return math_ops.floor(p) if self.staircase else p

    def __call__(self, step: Any) -> Any:
        return _f(self.initial_learning_rate) * math_ops.pow(
            _f(self.decay_rate), self._progress(step)
        )


class InverseTimeDecay(ExponentialDecay):
    """initial / (1 + decay_rate * step / decay_steps)."""

    def __call__(self, step: Any) -> Any:
        return _f(self.initial_learning_rate) / (
            1.0 + float(self.decay_rate) * self._progress(step)
        )


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] for boundaries[i-1] < step <= boundaries[i]."""

    def __init__(
        self, boundaries: Sequence[Any], values: Sequence[Any], name: str = "PiecewiseConstant"
    ) -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of "
                f"length {len(values)}."
            )
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step: Any) -> Any:
        s = _f(step)
        out = _f(self.values[-1])
        for bound, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            out = array_ops.where(math_ops.less_equal(s, float(bound)), _f(value), out)
        return out


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end, the step capped (or the
    period stretched, ``cycle``)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = (
            end_learning_rate,
            power,
            cycle,
            name,
        )

    def __call__(self, step: Any) -> Any:
        s, steps = _f(step), _f(self.decay_steps)
        if self.cycle:
            times = array_ops.where(math_ops.equal(s, 0.0), _f(1.0), math_ops.ceil(s / steps))
            steps = steps * times
        else:
            s = math_ops.minimum(s, steps)
        p = s / steps
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return span * math_ops.pow(1.0 - p, _f(self.power)) + float(self.end_learning_rate)


class CosineDecay(LearningRateSchedule):
    """Half a cosine from ``initial`` (or, after a linear warm-up, ``warmup_target``) down
    to ``alpha`` times it over ``decay_steps``."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        self.initial_learning_rate, self.decay_steps, self.alpha = (
            initial_learning_rate,
            decay_steps,
            alpha,
        )
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def _decay(self, s: Any, top: Any) -> Any:
        done = s / float(self.decay_steps)
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * done))
        return top * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: Any) -> Any:
        s = _f(step)
        if self.warmup_target is None:
            return self._decay(
                math_ops.minimum(s, float(self.decay_steps)), _f(self.initial_learning_rate)
            )
        s = math_ops.minimum(s, float(self.decay_steps + self.warmup_steps))
        start, target = float(self.initial_learning_rate), float(self.warmup_target)
        warm = start + (target - start) * s / max(float(self.warmup_steps), 1e-12)
        decayed = self._decay(s - float(self.warmup_steps), _f(target))
        return array_ops.where(math_ops.less(s, float(self.warmup_steps)), warm, decayed)


__all__ = [
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
]
