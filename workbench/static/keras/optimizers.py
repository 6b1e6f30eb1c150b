"""Keras optimizers over ``tf.Variable``s: Keras 3's names, defaults and slots over the
core's update rules (``workbench.core.optimizers``) with Keras's choices (ε-hat Adam, ε
inside the root, the learning rate folded into SGD's momentum). Each variable's update
is one operation writing the variable and its slots, so it works eagerly and inside a
traced training step alike. Mirrors: keras.optimizers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.core import optimizers as rules
from workbench.static import math_ops
from workbench.static.execution import convert_to_tensor, make_op
from workbench.static.framework import init_scope
from workbench.static.variables import Variable


class Optimizer:
    """Mirrors: keras.optimizers.Optimizer."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **_: Any,
    ) -> None:
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self._schedule = learning_rate if callable(learning_rate) else None
        with init_scope():
            start = 0.0 if self._schedule is not None else float(learning_rate)
            self._learning_rate = Variable(np.float32(start), trainable=False, name="learning_rate")
            self.iterations = Variable(np.int64(0), trainable=False, name="iteration")
        self._slots: dict[int, list[Variable]] = {}
        self.built = False

    # -- the learning rate ----------------------------------------------------------------
    @property
    def learning_rate(self) -> Any:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self._learning_rate.assign(np.float32(value))

    lr = learning_rate

    def _current_lr(self) -> Any:
        if self._schedule is not None:
            return convert_to_tensor(self._schedule(self.iterations))
        return self._learning_rate

    # -- state ----------------------------------------------------------------------------
    def _slot_names(self) -> Sequence[tuple[str, float]]:
        return ()

    def build(self, var_list: Sequence[Variable]) -> None:
        with init_scope():
            for v in var_list:
                if id(v) not in self._slots:
                    base = v.name.split(":")[0]
                    self._slots[id(v)] = [
                        Variable(
                            np.full(v.shape.as_list(), fill, v.dtype.np),
                            trainable=False,
                            name=f"{base}_{slot}",
                        )
                        for slot, fill in self._slot_names()
                    ]
        self.built = True
        from workbench.static import checkpoint  # noqa: PLC0415

        with init_scope():  # values waiting from a checkpoint, assigned now even mid-trace
            checkpoint.restore_waiting()

    @property
    def variables(self) -> list[Variable]:
        return [self.iterations, self._learning_rate] + [
            s for slots in self._slots.values() for s in slots
        ]

    # -- applying -------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Any) -> Any:
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable]) -> Any:
        pairs = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        self.build([v for _, v in pairs])
        grads_list = [convert_to_tensor(g) for g, _ in pairs]
        grads_list = self._clip(grads_list)
        lr = self._current_lr()
        wd = self.weight_decay

        def decay(w: Any, a: Any) -> Any:
            return rules.decayed(w, a, wd)

        for g, v in zip(grads_list, [v for _, v in pairs]):
            a = math_ops.cast(lr, v.dtype)
            if wd:
                make_op("DecayWeights", [v, a], decay, writes=[v], differentiable=False)
            self.update_step(g, v, a)
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v))
        return self.iterations.assign_add(1)

    def _clip(self, grads: list[Any]) -> list[Any]:
        if self.clipvalue is not None:
            grads = [math_ops.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [
                g * math_ops.minimum(1.0, self.clipnorm / math_ops.sqrt(math_ops.reduce_sum(g * g)))
                for g in grads
            ]
        if self.global_clipnorm is not None:
            total = math_ops.sqrt(math_ops.add_n([math_ops.reduce_sum(g * g) for g in grads]))
            scale = math_ops.minimum(1.0, self.global_clipnorm / total)
            grads = [g * scale for g in grads]
        return grads

    def update_step(self, grad: Any, variable: Variable, learning_rate: Any) -> None:
        raise NotImplementedError

    def _update(
        self, variable: Variable, grad: Any, learning_rate: Any, rule: Any, *extra: Any
    ) -> None:
        """One operation ``rule(variable, *slots, grad, learning_rate, *extra)`` writing the
        variable and its slots (on core values)."""
        slots = self._slots[id(variable)]
        inputs = [variable, *slots, grad, learning_rate, *extra]
        make_op(
            f"{type(self).__name__}Update",
            inputs,
            rule,
            writes=[variable, *slots],
            differentiable=False,
        )

    def _step(self, dtype: Any) -> Any:
        return math_ops.cast(self.iterations + 1, dtype)


class SGD(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.momentum, self.nesterov = float(momentum), nesterov

    def _slot_names(self) -> Sequence[tuple[str, float]]:
        return [("momentum", 0.0)] if self.momentum else []

    def update_step(self, grad: Any, variable: Variable, learning_rate: Any) -> None:
        mu, nesterov = self.momentum, self.nesterov
        if not mu:
            self._update(variable, grad, learning_rate, rules.descend)
            return

        def rule(v: Any, m: Any, g: Any, a: Any) -> Any:
            step = ops.neg(ops.mul(g, a))  # Keras keeps the learning rate in the momentum
            m = rules.momentum(m, step, mu)
            return ops.add(v, rules.nesterov(step, m, mu) if nesterov else m), m

        self._update(variable, grad, learning_rate, rule)


class Adam(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = (
            float(beta_1),
            float(beta_2),
            float(epsilon),
            amsgrad,
        )

    def _slot_names(self) -> Sequence[tuple[str, float]]:
        names = [("momentum", 0.0), ("velocity", 0.0)]
        return names + [("velocity_hat", 0.0)] if self.amsgrad else names

    def update_step(self, grad: Any, variable: Variable, learning_rate: Any) -> None:
        b1, b2, eps, amsgrad = self.beta_1, self.beta_2, self.epsilon, self.amsgrad

        def rule(v: Any, m: Any, s: Any, *rest: Any) -> Any:
            *v_hat, g, a, step = rest
            m = rules.moving_average(m, g, b1)
            s = rules.moving_average(s, ops.square(g), b2)
            second = ops.maximum(v_hat[0], s) if amsgrad else s
            b1p, b2p = ops.pow(b1, step), ops.pow(b2, step)
            direction = rules.adam_direction(m, second, b1p, b2p, eps, eps_hat=True)
            return (rules.descend(v, direction, a), m, s, *([second] if amsgrad else []))

        self._update(variable, grad, learning_rate, rule, self._step(variable.dtype))


class AdamW(Adam):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs
        )


class RMSprop(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = (
            float(rho),
            float(momentum),
            float(epsilon),
            centered,
        )

    def _slot_names(self) -> Sequence[tuple[str, float]]:
        names = [("velocity", 0.0)]
        if self.momentum:
            names.append(("momentum", 0.0))
        if self.centered:
            names.append(("average_gradient", 0.0))
        return names

    def update_step(self, grad: Any, variable: Variable, learning_rate: Any) -> None:
        rho, mu, eps, centered = self.rho, self.momentum, self.epsilon, self.centered

        def rule(v: Any, velocity: Any, *rest: Any) -> Any:
            *slots, g, a = rest
            mom = slots.pop(0) if mu else None
            average = slots.pop(0) if centered else None
            velocity = rules.moving_average(velocity, ops.square(g), rho)
            denominator = velocity
            if average is not None:
                average = rules.moving_average(average, g, rho)
                denominator = rules.centred(velocity, average)
            direction = rules.root_mean_square_scaled(g, denominator, eps, eps_in_sqrt=True)
            new_slots = [velocity]
            if mom is not None:
                mom = rules.momentum(mom, ops.mul(direction, a), mu)
                v = ops.sub(v, mom)
                new_slots.append(mom)
            else:
                v = rules.descend(v, direction, a)
            if average is not None:
                new_slots.append(average)
            return (v, *new_slots)

        self._update(variable, grad, learning_rate, rule)


class Adagrad(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = (
            float(initial_accumulator_value),
            float(epsilon),
        )

    def _slot_names(self) -> Sequence[tuple[str, float]]:
        return [("accumulator", self.initial_accumulator_value)]

    def update_step(self, grad: Any, variable: Variable, learning_rate: Any) -> None:
        eps = self.epsilon

        def rule(v: Any, acc: Any, g: Any, a: Any) -> Any:
            acc = ops.add(acc, ops.square(g))
            direction = rules.root_mean_square_scaled(g, acc, eps, eps_in_sqrt=True)
            return rules.descend(v, direction, a), acc

        self._update(variable, grad, learning_rate, rule)


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier: Any) -> Optimizer:
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def __getattr__(name: str) -> Any:
    """``keras.optimizers.schedules`` and ``keras.optimizers.legacy`` (Keras 2's optimizer
    classes, the same update rules here)."""
    if name == "schedules":
        from workbench.static.keras import schedules  # noqa: PLC0415

        return schedules
    if name == "legacy":
        from types import SimpleNamespace  # noqa: PLC0415

        return SimpleNamespace(
            SGD=SGD, Adam=Adam, RMSprop=RMSprop, Adagrad=Adagrad, Optimizer=Optimizer
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
