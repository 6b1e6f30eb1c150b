"""``tf.compat.v1.train``: optimizers that add update ops to the graph, the global step,
learning-rate decay and ``Saver``. The update rules are the core's
(``workbench.core.optimizers``) with TensorFlow 1's choices: Adam's bias correction folded
into the step size (ε-hat), RMSProp's ε inside the root and its mean square starting at
one, Adagrad's accumulator at 0.1 and no ε."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend.files import CheckpointError, read_archive, write_npz
from workbench.core import ops
from workbench.core import optimizers as rules
from workbench.static import array_ops, dtypes, math_ops
from workbench.static.control_flow import group
from workbench.static.execution import convert_to_tensor, make_op
from workbench.static.framework import (
    GraphKeys,
    Tensor,
    executing_eagerly,
    get_default_graph,
)
from workbench.static.gradients import gradients
from workbench.static.variables import Variable, trainable_variables


class Optimizer:
    """The TensorFlow 1 optimizer protocol. Mirrors: tf.compat.v1.train.Optimizer."""

    def __init__(self, use_locking: bool, name: str) -> None:
        self._name = name
        self._slots: dict[tuple[int, str], Variable] = {}
        self._extra: list[Variable] = []

    def get_name(self) -> str:
        return self._name

    # -- the three steps ------------------------------------------------------------------
    def compute_gradients(
        self, loss: Any, var_list: Sequence[Any] | None = None, **_: Any
    ) -> list[tuple[Any, Any]]:
        if executing_eagerly():
            raise RuntimeError(
                "tf.compat.v1 optimizers build graph ops: use them in graph mode, or use "
                "tf.keras.optimizers with tf.GradientTape eagerly"
            )
        variables = list(var_list) if var_list is not None else trainable_variables()
        if not variables:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, variables)
        return list(zip(grads, variables))

    def apply_gradients(
        self,
        grads_and_vars: Sequence[tuple[Any, Any]],
        global_step: Any = None,
        name: str | None = None,
    ) -> Any:
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError(
                "No gradients provided for any variable: "
                + str([v.name for _, v in grads_and_vars])
            )
        graph = get_default_graph()
        for _, var in pairs:
            self._create_slots(var)
        with graph.name_scope(name or self._name):
            lr = self._hyper(self._lr)
            updates = [self._apply_dense(convert_to_tensor(g), v, lr) for g, v in pairs]
            finish = self._finish(updates)
            if global_step is None:
                return finish
            with graph.control_dependencies([finish]):
                return global_step.assign_add(1).op

    def minimize(
        self,
        loss: Any,
        global_step: Any = None,
        var_list: Sequence[Any] | None = None,
        name: str | None = None,
        **kw: Any,
    ) -> Any:
        """compute_gradients then apply_gradients. Mirrors: Optimizer.minimize."""
        return self.apply_gradients(self.compute_gradients(loss, var_list), global_step, name)

    # -- slots ----------------------------------------------------------------------------
    def _slot(self, var: Variable, slot: str, fill: float) -> Variable:
        key = (id(var), slot)
        if key not in self._slots:
            base = var.name.split(":")[0]
            graph = get_default_graph()
            with graph.control_dependencies(None), graph.name_scope(base + "/"):
                self._slots[key] = Variable(
                    array_ops.constant(np.full(var.shape.as_list(), fill, var.dtype.np)),
                    trainable=False,
                    name=self._name if slot == "" else slot,
                )
        return self._slots[key]

    def _non_slot(self, name: str, value: float) -> Variable:
        for v in self._extra:
            if v.name.split(":")[0].endswith(name):
                return v
        graph = get_default_graph()
        with graph.control_dependencies(None), graph.name_scope(None):
            v = Variable(np.float32(value), trainable=False, name=name)
        self._extra.append(v)
        return v

    def get_slot(self, var: Any, name: str) -> Variable | None:
        return self._slots.get((id(var), name))

    def get_slot_names(self) -> list[str]:
        return sorted({name for _, name in self._slots})

    def variables(self) -> list[Variable]:
        return list(self._slots.values()) + list(self._extra)

    # -- per-optimizer rules --------------------------------------------------------------
    _lr: Any = 0.001

    def _hyper(self, value: Any) -> Any:
        if callable(value) and not isinstance(value, Tensor):
            value = value()
        return convert_to_tensor(value, dtype_hint=dtypes.float32)

    def _create_slots(self, var: Variable) -> None:
        pass

    def _apply_dense(self, grad: Any, var: Variable, lr: Any) -> Any:
        raise NotImplementedError

    def _finish(self, updates: list[Any]) -> Any:
        return group(*updates, name=self._name)


def _update(
    op_type: str, targets: list[Variable], inputs: list[Any], rule: Callable[..., Any]
) -> Any:
    """An op writing ``rule(*current values of targets, *inputs)`` into ``targets``."""
    out = make_op(op_type, [*targets, *inputs], rule, writes=targets, differentiable=False)
    first = out[0] if isinstance(out, tuple) else out
    return first.op


class GradientDescentOptimizer(Optimizer):
    def __init__(
        self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent"
    ) -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _apply_dense(self, grad: Any, var: Variable, lr: Any) -> Any:
        return _update(
            "ApplyGradientDescent",
            [var],
            [grad, lr],
            lambda v, g, a: rules.descend(v, g, ops.cast(a, v.dtype)),
        )


class MomentumOptimizer(Optimizer):
    def __init__(
        self,
        learning_rate: Any,
        momentum: float,
        use_locking: bool = False,
        name: str = "Momentum",
        use_nesterov: bool = False,
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, float(momentum), use_nesterov

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "Momentum", 0.0)

    def _apply_dense(self, grad: Any, var: Variable, lr: Any) -> Any:
        mu, nesterov = self._momentum, self._nesterov

        def rule(v: Any, acc: Any, g: Any, a: Any) -> Any:
            acc = rules.momentum(acc, g, mu)
            step = rules.nesterov(g, acc, mu) if nesterov else acc
            return rules.descend(v, step, ops.cast(a, v.dtype)), acc

        return _update("ApplyMomentum", [var, self.get_slot(var, "Momentum")], [grad, lr], rule)  # type: ignore[list-item]


class AdamOptimizer(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-08,
        use_locking: bool = False,
        name: str = "Adam",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._b1, self._b2, self._eps = (
            learning_rate,
            float(beta1),
            float(beta2),
            float(epsilon),
        )

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "m", 0.0)
        self._slot(var, "v", 0.0)
        self._non_slot("beta1_power", self._b1)
        self._non_slot("beta2_power", self._b2)

    def _apply_dense(self, grad: Any, var: Variable, lr: Any) -> Any:
        b1, b2, eps = self._b1, self._b2, self._eps
        p1, p2 = self._non_slot("beta1_power", b1), self._non_slot("beta2_power", b2)

        def rule(v: Any, m: Any, s: Any, g: Any, a: Any, b1p: Any, b2p: Any) -> Any:
            a, b1p, b2p = (ops.cast(x, v.dtype) for x in (a, b1p, b2p))
            m = rules.moving_average(m, g, b1)
            s = rules.moving_average(s, ops.square(g), b2)
            direction = rules.adam_direction(m, s, b1p, b2p, eps, eps_hat=True)  # TF's ε-hat
            return rules.descend(v, direction, a), m, s

        slots = [self.get_slot(var, "m"), self.get_slot(var, "v")]
        return _update("ApplyAdam", [var, *slots], [grad, lr, p1, p2], rule)  # type: ignore[list-item]

    def _finish(self, updates: list[Any]) -> Any:
        graph = get_default_graph()
        p1, p2 = self._non_slot("beta1_power", self._b1), self._non_slot("beta2_power", self._b2)
        with graph.control_dependencies(updates):
            u1 = p1.assign(math_ops.multiply(p1, self._b1))
            u2 = p2.assign(math_ops.multiply(p2, self._b2))
        return group(*updates, u1, u2, name=self._name)


class AdagradOptimizer(Optimizer):
    def __init__(
        self,
        learning_rate: Any,
        initial_accumulator_value: float = 0.1,
        use_locking: bool = False,
        name: str = "Adagrad",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._init = learning_rate, float(initial_accumulator_value)

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "Adagrad", self._init)

    def _apply_dense(self, grad: Any, var: Variable, lr: Any) -> Any:
        def rule(v: Any, acc: Any, g: Any, a: Any) -> Any:
            acc = ops.add(acc, ops.square(g))
            direction = rules.root_mean_square_scaled(g, acc, 0.0, eps_in_sqrt=True)  # no ε
            return rules.descend(v, direction, ops.cast(a, v.dtype)), acc

        return _update("ApplyAdagrad", [var, self.get_slot(var, "Adagrad")], [grad, lr], rule)  # type: ignore[list-item]


class RMSPropOptimizer(Optimizer):
    def __init__(
        self,
        learning_rate: Any,
        decay: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-10,
        use_locking: bool = False,
        centered: bool = False,
        name: str = "RMSProp",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._decay, self._mu, self._eps, self._centered = (
            learning_rate,
            float(decay),
            float(momentum),
            float(epsilon),
            centered,
        )

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "RMSProp", 1.0)
        self._slot(var, "Momentum", 0.0)
        if self._centered:
            self._slot(var, "MG", 0.0)

    def _apply_dense(self, grad: Any, var: Variable, lr: Any) -> Any:
        rho, mu, eps, centered = self._decay, self._mu, self._eps, self._centered

        def rule(v: Any, ms: Any, mom: Any, *rest: Any) -> Any:
            mg = rest[0] if centered else None
            g, a = rest[-2], ops.cast(rest[-1], v.dtype)
            ms = rules.moving_average(ms, ops.square(g), rho)
            denom = ms
            if centered:
                mg = rules.moving_average(mg, g, rho)
                denom = rules.centred(ms, mg)
            direction = rules.root_mean_square_scaled(g, denom, eps, eps_in_sqrt=True)
            mom = rules.momentum(mom, ops.mul(direction, a), mu)  # TF keeps lr in the momentum
            out = (ops.sub(v, mom), ms, mom)
            return out + (mg,) if centered else out

        slots = [self.get_slot(var, "RMSProp"), self.get_slot(var, "Momentum")]
        if centered:
            slots.append(self.get_slot(var, "MG"))
        return _update("ApplyRMSProp", [var, *slots], [grad, lr], rule)  # type: ignore[list-item]


# ---------------------------------------------------------------------------------------
# The global step and learning-rate decay


def get_global_step(graph: Any = None) -> Variable | None:
    found = (graph or get_default_graph()).get_collection(GraphKeys.GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph: Any = None) -> Variable:
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    g = graph or get_default_graph()
    with g.as_default(), g.control_dependencies(None), g.name_scope(None):
        return Variable(
            np.int64(0),
            trainable=False,
            name="global_step",
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
        )


def get_or_create_global_step(graph: Any = None) -> Variable:
    """Mirrors: tf.compat.v1.train.get_or_create_global_step."""
    return get_global_step(graph) or create_global_step(graph)


def exponential_decay(
    learning_rate: float,
    global_step: Any,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Any:
    """lr * decay_rate ** (step / decay_steps). Mirrors: tf.compat.v1.train.exponential_decay."""
    step = math_ops.cast(global_step, dtypes.float32)
    ratio = math_ops.truediv(step, float(decay_steps))
    if staircase:
        ratio = math_ops.floor(ratio)
    return math_ops.multiply(
        float(learning_rate), math_ops.pow(float(decay_rate), ratio), name=name
    )


# ---------------------------------------------------------------------------------------
# Saver: variables to a NumPy archive, never pickled, written atomically


class Saver:
    """Save and restore variables. Mirrors: tf.compat.v1.train.Saver.

    The file is ``<save_path>.npz`` (NumPy's archive, read with ``allow_pickle=False``,
    so loading never runs code), written to a temporary file and renamed; a
    ``checkpoint`` file beside it names the latest save (``latest_checkpoint``).
    """

    def __init__(self, var_list: Any = None, max_to_keep: int = 5, **_: Any) -> None:
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            variables = (
                list(var_list)
                if var_list is not None
                else get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
            )
            self._vars = {v.name.split(":")[0]: v for v in variables}
        self._max = max_to_keep
        self._saved: list[str] = []

    def save(self, sess: Any, save_path: str, global_step: Any = None, **_: Any) -> str:
        if global_step is not None:
            step = int(
                sess.run(global_step) if isinstance(global_step, Tensor | Variable) else global_step
            )
            save_path = f"{save_path}-{step}"
        arrays = {name: np.asarray(_value(sess, v).numpy()) for name, v in self._vars.items()}
        directory = os.path.dirname(os.path.abspath(save_path))
        if not os.path.isdir(directory):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        write_npz(save_path + ".npz", arrays)
        if save_path in self._saved:  # saved again under the same name: now the newest
            self._saved.remove(save_path)
        self._saved.append(save_path)
        stale = self._saved[: -self._max] if self._max else []
        self._saved = self._saved[len(stale) :]
        from workbench.static.checkpoint import _record  # noqa: PLC0415

        _record(directory, save_path, self._saved)  # the state names only kept files ...
        for old in stale:  # ... before the old ones go
            if os.path.exists(old + ".npz"):
                os.remove(old + ".npz")
        return save_path

    def restore(self, sess: Any, save_path: str) -> None:
        path = save_path if save_path.endswith(".npz") else save_path + ".npz"
        if not os.path.exists(path):
            from workbench.static.errors import NotFoundError  # noqa: PLC0415

            raise NotFoundError(None, None, f"Failed to find any matching files for {save_path}")
        try:
            data = read_archive(path)
        except CheckpointError as err:
            from workbench.static.errors import DataLossError  # noqa: PLC0415

            raise DataLossError(None, None, str(err)) from None
        for name, var in self._vars.items():
            if name not in data:
                from workbench.static.errors import NotFoundError  # noqa: PLC0415

                raise NotFoundError(None, None, f"Key {name} not found in checkpoint {save_path}")
            value = data[name]
            if tuple(value.shape) != tuple(var.shape.as_list()):
                raise ValueError(
                    f"Saver.restore: {name} has shape {value.shape} in the "
                    f"checkpoint, {var.shape} in the graph"
                )
            new = ops.array(value.astype(var.dtype.np))
            if var._eager:
                var._eager_write(new)
            else:
                sess._store[var] = new


def _value(sess: Any, var: Variable) -> Any:
    if var._eager:
        return var._value
    if sess is None or var not in sess._store:
        raise ValueError(
            f"Saver: variable {var.name} has no value in this session (initialise it first)"
        )
    return sess._store[var]


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The newest save named by the folder's ``checkpoint`` file.
    Mirrors: tf.train.latest_checkpoint."""
    from workbench.static.checkpoint import read_state  # noqa: PLC0415

    latest, _ = read_state(checkpoint_dir, latest_filename or "checkpoint")
    return None if latest is None else os.path.join(checkpoint_dir, latest)


from workbench.static.checkpoint import (  # noqa: E402  (object-based checkpoints build on this)
    Checkpoint as Checkpoint,
)
from workbench.static.checkpoint import CheckpointManager as CheckpointManager  # noqa: E402
from workbench.static.checkpoint import list_variables as list_variables  # noqa: E402
from workbench.static.checkpoint import load_checkpoint as load_checkpoint  # noqa: E402
from workbench.static.checkpoint import load_variable as load_variable  # noqa: E402
from workbench.static.example_proto import BytesList as BytesList  # noqa: E402
from workbench.static.example_proto import Example as Example  # noqa: E402
from workbench.static.example_proto import Feature as Feature  # noqa: E402
from workbench.static.example_proto import Features as Features  # noqa: E402
from workbench.static.example_proto import FloatList as FloatList  # noqa: E402
from workbench.static.example_proto import Int64List as Int64List  # noqa: E402
