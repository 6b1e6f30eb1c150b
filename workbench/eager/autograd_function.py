"""``torch.autograd.Function``: user-defined operations with their own backward, through
the core's ``custom_vjp`` primitive. Mirrors: torch.autograd.Function (forward(ctx, ...),
backward(ctx, *grads), ctx.save_for_backward, ctx.saved_tensors, ctx.needs_input_grad).
"""

from __future__ import annotations

from typing import Any

from workbench.core import ops
from workbench.core.primitives.control import custom_vjp_call
from workbench.eager.tensor import Tensor, wrap


class FunctionCtx:
    """What ``forward`` leaves for ``backward``."""

    def __init__(self) -> None:
        self.saved_tensors: tuple[Tensor, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()

    def save_for_backward(self, *tensors: Tensor) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        pass


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``;
    call ``YourFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the backward function for custom autograd.Function."
        )

    @classmethod
    def apply(cls, *args: Any) -> Any:
        from workbench.eager.autograd import no_grad  # noqa: PLC0415

        ctx = FunctionCtx()
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        single: list[bool] = []

        def forward(*values: Any) -> list[Any]:
            full = list(args)
            for i, v in zip(positions, values):
                full[i] = wrap(v)
            with no_grad():
                out = cls.forward(ctx, *full)
            single.append(isinstance(out, Tensor))
            outs = (out,) if isinstance(out, Tensor) else tuple(out)
            return [o._array() for o in outs]

        def backward(gs: Any, inputs: Any, outs: Any) -> list[Any]:
            with no_grad():
                grads = cls.backward(ctx, *[wrap(g) for g in gs])
            grads = (grads,) if isinstance(grads, Tensor) or grads is None else tuple(grads)
            if len(grads) != len(args):
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned an incorrect number of gradients "
                    f"(expected {len(args)}, got {len(grads)})"
                )
            result = []
            for i, value in zip(positions, inputs):
                g = grads[i]
                result.append(ops.zeros_like(value) if g is None else g._value)
            return result

        outs = custom_vjp_call(forward, backward, *[args[i]._value for i in positions])
        results = [wrap(o) for o in outs]
        return results[0] if single and single[0] else tuple(results)
