"""``GradientTape``: TensorFlow 2's way of asking for gradients of eager code.

While a tape is open, eager operations run under one of the core's reverse-mode
interpreters, so they are recorded; trainable variables read inside are watched
automatically. ``tape.gradient`` runs the core's backward pass over that record. In a
graph (inside ``tf.function``) there is nothing to record: ``gradient`` adds the
backward operations to the graph with ``tf.gradients``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from workbench.core import autodiff, ops, tree
from workbench.core.autodiff import VJPInterpreter, VJPTracer
from workbench.core.dispatch import interpreter
from workbench.static.execution import EagerTensor, convert_to_tensor
from workbench.static.framework import executing_eagerly
from workbench.static.variables import READ_HOOKS, Variable

_OPEN: list[GradientTape] = []


class GradientTape:
    """Mirrors: tf.GradientTape."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._leaves: dict[int, tuple[Any, Any]] = {}
        self._watched_vars: set[int] = set()
        self._used = False
        self._graph_mode = False
        self._context: Any = None
        self._interp: Any = None

    def __enter__(self) -> GradientTape:
        self._graph_mode = not executing_eagerly()
        if not self._graph_mode:
            self._context = interpreter(VJPInterpreter)
            self._interp = self._context.__enter__()
            READ_HOOKS.append(self)
            _OPEN.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._graph_mode:
            READ_HOOKS.remove(self)
            _OPEN.remove(self)
            self._context.__exit__(*exc)

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Operations inside are not recorded. Mirrors: GradientTape.stop_recording."""
        if self._graph_mode:
            yield
            return
        self._interp.recording = False
        try:
            yield
        finally:
            self._interp.recording = True

    def reset(self) -> None:
        self._leaves.clear()

    # -- watching -------------------------------------------------------------------------
    def _watched_read(self, var: Variable, value: Any) -> Any:
        if not self._interp.active:
            return value
        if not ((self.watch_accessed_variables and var.trainable) or id(var) in self._watched_vars):
            return value
        found = self._leaves.get(id(var))
        if found is None or found[1] is not value:
            leaf = VJPTracer(self._interp, value, None)
            found = (leaf, value)
            self._leaves[id(var)] = found
        return found[0]

    def watch(self, tensor: Any) -> None:
        """Record operations on ``tensor`` (constants are not watched by default)."""
        if self._graph_mode:
            return
        for t in tree.flatten(tensor)[0]:
            if isinstance(t, Variable):
                self._watched_vars.add(id(t))
            elif isinstance(t, EagerTensor):
                t._value = VJPTracer(self._interp, t.value, None)

    def watched_variables(self) -> list[Any]:
        return []

    def _variable_leaf(self, var: Variable) -> Any:
        """A watched variable as a target (``result = v0`` on the tape): its own leaf, so
        d v0 / d v0 is one, as in TensorFlow."""
        found = self._leaves.get(id(var))
        if found is not None:
            return found[0]
        if (self.watch_accessed_variables and var.trainable) or id(var) in self._watched_vars:
            leaf = VJPTracer(self._interp, var._value, None)
            self._leaves[id(var)] = (leaf, var._value)
            return leaf
        return var._value

    # -- gradients ------------------------------------------------------------------------
    def _own(self, value: Any) -> Any:
        """``value`` as this tape's tracer (unwrapping inner tapes' tracers)."""
        while isinstance(value, VJPTracer) and value.interpreter is not self._interp:
            value = value.primal
        return value

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: str = "none",
    ) -> Any:
        """d target / d sources, in the structure of ``sources``."""
        flat_sources, structure = tree.flatten(
            sources, is_leaf=lambda x: isinstance(x, Variable | EagerTensor)
        )
        if self._graph_mode:
            from workbench.static.gradients import gradients  # noqa: PLC0415

            grads = gradients(
                target,
                flat_sources,
                grad_ys=output_gradients,
                unconnected_gradients=unconnected_gradients,
            )
            return tree.unflatten(structure, grads)
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians)"
            )
        self._used = True
        targets = tree.flatten(target, is_leaf=lambda x: isinstance(x, EagerTensor | Variable))[0]
        outputs = [
            self._variable_leaf(t)
            if isinstance(t, Variable)
            else self._own(convert_to_tensor(t)._value)
            for t in targets
        ]
        if output_gradients is None:
            cotangents = [ops.ones_like(_primal(o)) for o in outputs]
        else:
            cotangents = [convert_to_tensor(g).value for g in tree.flatten(output_gradients)[0]]
        wrt = []
        for s in flat_sources:
            if isinstance(s, Variable):
                found = self._leaves.get(id(s))
                wrt.append(found[0] if found is not None else None)
            else:
                wrt.append(self._own(s._value))
        # The recorded primals are values of the enclosing tapes, so an outer tape that is
        # still open records this backward pass too (gradients of gradients).
        grads = autodiff.backward_pass(outputs, cotangents, wrt)
        result = []
        for g, s in zip(grads, flat_sources):
            if g is None and unconnected_gradients == "zero":
                g = ops.zeros_like(s._value if isinstance(s, Variable) else _primal(s._value))
            result.append(None if g is None else EagerTensor(g))
        return tree.unflatten(structure, result)

    def jacobian(self, target: Any, sources: Any, **_: Any) -> Any:
        raise NotImplementedError(
            "GradientTape.jacobian: use workbench.functional's jacrev for Jacobians"
        )


def _primal(v: Any) -> Any:
    while isinstance(v, VJPTracer) and not v.interpreter.active:
        v = v.primal
    return v
