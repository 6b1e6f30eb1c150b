"""``torch.autograd``: backward, grad, and the grad-mode context managers.

Mirrors: torch.autograd.backward, torch.autograd.grad, torch.no_grad, enable_grad,
set_grad_enabled, inference_mode, is_grad_enabled.
"""

from __future__ import annotations

import builtins
import contextlib
import threading
from collections.abc import Sequence
from typing import Any

from workbench.core import ops
from workbench.core.values import Array
from workbench.eager import autograd_engine as engine
from workbench.eager.autograd_function import Function, FunctionCtx  # noqa: F401 - torch.autograd.Function
from workbench.eager.tensor import Tensor, wrap


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled: builtins.bool) -> None:
        self.enabled = enabled
        self._saved = threading.local()  # one decorator may run in several threads at once

    @property
    def _stack(self) -> list[builtins.bool]:
        stack = getattr(self._saved, "stack", None)
        if stack is None:
            stack = self._saved.stack = []
        return stack

    def __enter__(self) -> None:
        self._stack.append(engine.EAGER_TAPE.recording)
        engine.EAGER_TAPE.recording = self.enabled

    def __exit__(self, *exc: Any) -> None:
        engine.EAGER_TAPE.recording = self._stack.pop()


class no_grad(_GradMode):  # noqa: N801
    """Operations inside record nothing. Mirrors: torch.no_grad (also as a decorator)."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_GradMode):  # noqa: N801
    """Mirrors: torch.enable_grad."""

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_GradMode):  # noqa: N801
    """Mirrors: torch.set_grad_enabled (a function and a context manager)."""

    def __init__(self, mode: builtins.bool) -> None:
        super().__init__(mode)
        self._previous = engine.EAGER_TAPE.recording
        engine.EAGER_TAPE.recording = mode

    def __enter__(self) -> None:
        self._stack.append(self._previous)

    def __exit__(self, *exc: Any) -> None:
        engine.EAGER_TAPE.recording = self._stack.pop()


class inference_mode(_GradMode):  # noqa: N801
    """Mirrors: torch.inference_mode (here: the same as no_grad)."""

    def __init__(self, mode: builtins.bool = True) -> None:
        super().__init__(not mode)


def is_grad_enabled() -> builtins.bool:
    return engine.is_enabled()


def _gradient_values(outputs: Sequence[Tensor], grad_outputs: Sequence[Any] | None) -> list[Any]:
    values = []
    for i, out in enumerate(outputs):
        given = None if grad_outputs is None else grad_outputs[i]
        if given is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            values.append(ops.ones_like(out._array()))
        else:
            g = given if isinstance(given, Tensor) else Tensor(given)
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                    f"output[{i}] has a shape of {out.shape}."
                )
            values.append(g._value)
    return values


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: Any = None,
    create_graph: builtins.bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad``.

    Mirrors: torch.autograd.backward.
    """
    outputs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is not None and isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
    retain = create_graph if retain_graph is None else retain_graph
    values = _gradient_values(outputs, grad_tensors)
    wanted = (
        None
        if inputs is None
        else [t._value for t in ([inputs] if isinstance(inputs, Tensor) else inputs)]
    )
    leaves, grads = engine.run_backward(
        [o._value for o in outputs], values, wanted, retain, create_graph
    )
    for leaf, g in zip(leaves, grads):
        if g is None:
            continue
        tensor = getattr(leaf, "tensor", None)
        if tensor is None:
            continue
        if engine.LEAF_HOOKS:
            for hook in engine.LEAF_HOOKS.get(leaf, ()):
                g = hook(g)
        new = wrap(g if create_graph else _concrete(g))
        tensor.grad = (
            new
            if tensor.grad is None
            else (tensor.grad + new if create_graph else _accumulate(tensor.grad, new))
        )


def _concrete(g: Any) -> Any:
    return g.primal if hasattr(g, "primal") and not isinstance(g, Array) else g


def _accumulate(grad: Tensor, new: Tensor) -> Tensor:
    with no_grad():
        return grad + new


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: Any = None,
    create_graph: builtins.bool = False,
    allow_unused: builtins.bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Mirrors: torch.autograd.grad.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for out in outs:
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
    retain = create_graph if retain_graph is None else retain_graph
    values = _gradient_values(outs, grad_outputs)
    _, grads = engine.run_backward(
        [o._value for o in outs], values, [t._value for t in ins], retain, create_graph
    )
    result = []
    for g in grads:
        if g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        result.append(None if g is None else wrap(g if create_graph else _concrete(g)))
    return tuple(result)


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801
    """Within the block, the backward pass raises when a backward function returns NaN
    ("Function 'SqrtBackward0' returned nan values in its 0th output."), after a warning
    with the user's lines that ran the forward operation. A NaN the forward pass makes is
    not an error here, as in PyTorch (JAX's ``jax_debug_nans`` checks the forward).

    Mirrors: torch.autograd.detect_anomaly.
    """

    def __init__(self, check_nan: builtins.bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list[builtins.bool] = []

    def __enter__(self) -> None:
        self._previous.append(engine.ANOMALY.enabled)
        engine.ANOMALY.enabled = self.check_nan

    def __exit__(self, *exc: Any) -> None:
        engine.ANOMALY.enabled = self._previous.pop()


class set_detect_anomaly:  # noqa: N801
    """Turn anomaly detection on or off: at once when called, and back to the previous
    setting when used as ``with set_detect_anomaly(True):``.

    Mirrors: torch.autograd.set_detect_anomaly."""

    def __init__(self, mode: builtins.bool, check_nan: builtins.bool = True) -> None:
        self.previous = engine.ANOMALY.enabled
        engine.ANOMALY.enabled = builtins.bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        engine.ANOMALY.enabled = self.previous


def is_anomaly_enabled() -> builtins.bool:
    return engine.ANOMALY.enabled


def Variable(  # noqa: N802 - PyTorch's legacy class name, now a function
    data: Any, requires_grad: builtins.bool = False, volatile: builtins.bool = False
) -> Tensor:
    """The pre-0.4 wrapper, kept for old programs: a tensor of the same values, detached,
    requiring gradients when asked (PyTorch's ``Variable(t)`` no longer tracks ``t``).

    Mirrors: torch.autograd.Variable."""
    from workbench.eager.tensor_base import tensor_of  # noqa: PLC0415

    return tensor_of(data).detach().requires_grad_(requires_grad)
