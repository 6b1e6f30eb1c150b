"""User-defined derivatives: ``custom_vjp`` (PyTorch's autograd.Function, JAX's
custom_vjp: a forward and a backward written by the user) and ``custom_jvp`` (JAX's
custom_jvp: a forward and a forward-mode rule, transposed for reverse mode). Both
callables live in params (compared by identity); ``out_types`` lets a trace know the
results' types without running ``forward`` (None: the call can only be evaluated)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workbench.core import autodiff
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive
from workbench.core.primitives.control.graphs import zeros_for
from workbench.core.trace import trace, type_of


def _custom_vjp_shape(*types: Any, forward: Any, backward: Any, out_types: Any) -> tuple[Type, ...]:
    if out_types is None:
        from workbench.core.values import ConcretizationError  # noqa: PLC0415

        raise ConcretizationError(
            "custom_vjp: a function with a user-defined backward runs its forward in Python, "
            "so it cannot be captured into a graph without its output types"
        )
    return tuple(out_types)


custom_vjp_p = Primitive(
    "custom_vjp",
    impl=lambda *args, forward, backward, out_types: list(forward(*args)),
    shape=_custom_vjp_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
custom_vjp_p.check = lambda *args, **params: None  # evaluation runs forward itself


@custom_vjp_p.vjp
def _custom_vjp_vjp(
    gs: Sequence[Any], *args: Any, out: Any, forward: Any, backward: Any, out_types: Any
) -> tuple[Any, ...]:
    return tuple(backward(zeros_for(out, gs), args, out))


@custom_vjp_p.jvp
def _custom_vjp_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], **params: Any
) -> tuple[Any, Any]:
    forward = params["forward"]
    if getattr(forward, "differentiable", False):  # jax.checkpoint: forward is ordinary code
        filled = [ops.zeros_like(p) if t is None else t for p, t in zip(primals, tangents)]
        return autodiff.jvp(lambda *a: list(forward(*a)), list(primals), filled)
    raise ForwardModeError(
        "can't apply forward-mode autodiff (jvp) to a custom_vjp function. It defines only a "
        "backward (reverse-mode) rule; forward mode (jvp, jacfwd) needs a forward-mode rule"
    )


class ForwardModeError(TypeError, NotImplementedError):
    """Forward mode through a function with only a reverse-mode rule: a TypeError as JAX
    raises, a NotImplementedError as PyTorch raises."""


def _forward_run(
    run_graph: Any, xp: Any, *args: Any, forward: Any, out_types: Any, **_: Any
) -> Any:
    """In a compiled plan, the forward traced once per argument types and run as a graph
    (the derivative rules were applied when the graph was made)."""
    device = out_types[0].device
    types = tuple(Type(tuple(a.shape), a.dtype, device) for a in args)
    graph = _forward_graphs(forward).get(types)
    if graph is None:
        graph = trace(lambda *xs: list(forward(*xs)), *types)[0]
        _forward_graphs(forward)[types] = graph
    return run_graph(graph)(*args)


def _forward_graphs(forward: Any) -> dict[Any, Any]:
    """The graphs traced from ``forward``, per argument types, kept on the function itself
    (so they go when it goes)."""
    graphs: dict[Any, Any] = forward.__dict__.setdefault("_traced_graphs", {})
    return graphs


custom_vjp_p.run = _forward_run


def custom_vjp_call(
    forward: Callable[..., Any], backward: Callable[..., Any], *args: Any, out_types: Any = None
) -> tuple[Any, ...]:
    """Apply ``forward`` with ``backward(cotangents, args, outs)`` as its VJP."""
    return apply(custom_vjp_p, *args, forward=forward, backward=backward, out_types=out_types)


# ---------------------------------------------------------------------------------------
# custom_jvp: outs = forward(*args), with rule(primals, tangents) -> (outs, tangents_out)
# JAX's custom_jvp. Reverse mode transposes the rule: the rule's tangent map is linear in
# the tangents, so its VJP (taken at zero tangents) is the transposed map.


def _custom_jvp_shape(*types: Any, forward: Any, rule: Any, out_types: Any) -> tuple[Type, ...]:
    return _custom_vjp_shape(*types, forward=forward, backward=rule, out_types=out_types)


custom_jvp_p = Primitive(
    "custom_jvp",
    impl=lambda *args, forward, rule, out_types: list(forward(*args)),
    shape=_custom_jvp_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
custom_jvp_p.check = lambda *args, **params: None
custom_jvp_p.run = _forward_run


@custom_jvp_p.jvp
def _custom_jvp_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, forward: Any, rule: Any, out_types: Any
) -> tuple[Any, Any]:
    filled = zeros_for(primals, tangents)
    outs, tangents_out = rule(list(primals), filled)
    return list(outs), list(tangents_out)


@custom_jvp_p.vjp
def _custom_jvp_vjp(
    gs: Sequence[Any], *args: Any, out: Any, forward: Any, rule: Any, out_types: Any
) -> tuple[Any, ...]:
    zeros = [ops.zeros_like(a) for a in args]
    _, pullback = autodiff.vjp(lambda *ts: list(rule(list(args), list(ts))[1]), *zeros)
    return tuple(pullback(zeros_for(out, gs)))


def custom_jvp_call(
    forward: Callable[..., Any], rule: Callable[..., Any], *args: Any, out_types: Any = None
) -> tuple[Any, ...]:
    """Apply ``forward`` with ``rule(primals, tangents) -> (outs, out_tangents)`` as its JVP.
    Inside a graph being built (``jit``), ``forward`` is traced once for its output types;
    elsewhere it runs on the values themselves, so Python control flow on them works (as
    in JAX outside ``jit``)."""
    if out_types is None and building_graph():
        out_types = traced_out_types(forward, args)
    return apply(
        custom_jvp_p,
        *args,
        forward=forward,
        rule=rule,
        out_types=None if out_types is None else tuple(out_types),
    )


def building_graph() -> bool:
    """Whether a graph is being traced (jit, make_jaxpr): only then are output types
    needed before the values exist."""
    from workbench.core.dispatch import interpreter_stack  # noqa: PLC0415
    from workbench.core.trace import GraphBuilder  # noqa: PLC0415

    return any(isinstance(i, GraphBuilder) for i in interpreter_stack())


def traced_out_types(forward: Callable[..., Any], args: Sequence[Any]) -> tuple[Type, ...]:
    """``forward``'s output types, by tracing it; the graph is kept for the compiled plan,
    so ``forward`` runs once per argument types (JAX traces a custom function once)."""
    types = tuple(type_of(a) for a in args)
    graph, _ = trace(lambda *xs: list(forward(*xs)), *types)
    _forward_graphs(forward)[types] = graph
    return tuple(graph.out_types)
