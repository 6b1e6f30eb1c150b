"""Module backward hooks, PyTorch's way: the module's tensor inputs and outputs pass
through identity functions whose backward records ``grad_output`` and ``grad_input`` and
calls the hooks (which may replace ``grad_input``)."""

from __future__ import annotations

from typing import Any

from workbench.eager.autograd_function import Function, FunctionCtx
from workbench.eager.tensor import Tensor


class _State:
    def __init__(self, module: Any) -> None:
        self.module = module
        self.grad_output: tuple[Any, ...] | None = None


def call_with_backward_hooks(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    state = _State(module)
    tracked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]

    class InputGate(Function):
        @staticmethod
        def forward(ctx: FunctionCtx, *tensors: Tensor) -> Any:
            return tuple(t.detach() for t in tensors)

        @staticmethod
        def backward(ctx: FunctionCtx, *grads: Any) -> Any:
            grad_input = tuple(grads)
            for hook in list(module._backward_hooks):
                replaced = hook(module, grad_input, state.grad_output or ())
                if replaced is not None:
                    grad_input = tuple(replaced)
            return grad_input

    class OutputGate(Function):
        @staticmethod
        def forward(ctx: FunctionCtx, *tensors: Tensor) -> Any:
            return tuple(t.detach() for t in tensors)

        @staticmethod
        def backward(ctx: FunctionCtx, *grads: Any) -> Any:
            state.grad_output = tuple(grads)
            return grads

    call_args = list(args)
    if tracked:
        gated = InputGate.apply(*[args[i] for i in tracked])
        for i, g in zip(tracked, gated):
            call_args[i] = g
    out = module.forward(*call_args, **kwargs)
    for hook in module._forward_hooks:
        result = hook(module, tuple(call_args), out)
        if result is not None:
            out = result
    if isinstance(out, Tensor) and out.requires_grad:
        (out,) = OutputGate.apply(out)
    return out
