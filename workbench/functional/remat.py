"""Rematerialisation (gradient checkpointing): ``jax.checkpoint`` (``jax.remat``) makes a
function's reverse-mode derivative keep only its inputs and recompute everything else
during the backward pass — less memory for more compute. ``print_saved_residuals`` shows
what a function's backward pass keeps, so the difference can be seen.

The policies in ``checkpoint_policies`` name what may be kept; the workbench honours the
two ends (``everything_saveable``: no recomputation; any other: only the inputs kept) —
the named-value policies (``save_only_these_names`` with ``checkpoint_name``) are accepted
and behave as ``nothing_saveable``, which gives the same numbers with the least memory.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from workbench.core import autodiff, tree
from workbench.core import primitives as ops
from workbench.core.dispatch import interpreter
from workbench.core.trace import trace
from workbench.core.values import short_type
from workbench.functional.transforms import lifted, to_arrays, to_values


def _policy(name: str) -> Callable[..., bool]:
    def policy(*_: Any, **__: Any) -> bool:
        return name == "everything_saveable"

    policy.__name__ = name
    return policy


class _Policies:
    """Mirrors: jax.checkpoint_policies."""

    everything_saveable = staticmethod(_policy("everything_saveable"))
    nothing_saveable = staticmethod(_policy("nothing_saveable"))
    dots_saveable = checkpoint_dots = staticmethod(_policy("dots_saveable"))
    dots_with_no_batch_dims_saveable = staticmethod(_policy("dots_with_no_batch_dims_saveable"))
    checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable

    @staticmethod
    def save_only_these_names(*names: str) -> Callable[..., bool]:
        return _policy("save_only_these_names")

    @staticmethod
    def save_any_names_but_these(*names: str) -> Callable[..., bool]:
        return _policy("save_any_names_but_these")

    @staticmethod
    def save_and_offload_only_these_names(**_: Any) -> Callable[..., bool]:
        return _policy("save_and_offload_only_these_names")

    @staticmethod
    def offload_dot_with_no_batch_dims(*_: Any, **__: Any) -> Callable[..., bool]:
        return _policy("offload_dot_with_no_batch_dims")


checkpoint_policies = _Policies()


def checkpoint_name(x: Any, name: str) -> Any:
    """Name an intermediate value for a policy (the identity on values). Mirrors:
    jax.ad_checkpoint.checkpoint_name."""
    return x


def checkpoint(
    fun: Callable[..., Any] | None = None,
    *,
    prevent_cse: bool = True,
    policy: Callable[..., bool] | None = None,
    static_argnums: int | Sequence[int] = (),
) -> Any:
    """``fun`` whose backward pass recomputes its intermediates from its inputs instead of
    keeping them. Mirrors: jax.checkpoint (jax.remat)."""
    if fun is None:
        return functools.partial(
            checkpoint, prevent_cse=prevent_cse, policy=policy, static_argnums=static_argnums
        )
    if policy is not None and policy() is True:  # everything_saveable: an ordinary call
        return fun
    statics = {static_argnums} if isinstance(static_argnums, int) else set(static_argnums)

    @functools.wraps(fun)
    def remat(*args: Any) -> Any:
        dynamic = [a for i, a in enumerate(args) if i not in statics]
        flat, in_tree = tree.flatten(to_values(dynamic))
        out_box: list[Any] = []

        def call(values: Sequence[Any]) -> list[Any]:
            it = iter(tree.unflatten(in_tree, to_arrays(list(values))))
            full = [a if i in statics else next(it) for i, a in enumerate(args)]
            leaves, out_tree = tree.flatten(to_values(fun(*full)))
            out_box.append(out_tree)
            return leaves

        def forward(*values: Any) -> list[Any]:
            return call(values)

        def backward(gs: Sequence[Any], values: Sequence[Any], outs: Sequence[Any]) -> list[Any]:
            _, pullback = autodiff.vjp(lambda *v: call(v), *values)  # recompute, then pull
            return list(pullback(list(gs)))

        forward.differentiable = True  # type: ignore[attr-defined]  # jvp: differentiate it
        graph, _ = trace(forward, *flat)
        outs = ops.custom_vjp_call(forward, backward, *flat, out_types=graph.out_types)
        return to_arrays(tree.unflatten(out_box[-1], list(outs)))

    return remat


remat = checkpoint


def saved_residuals(fun: Callable[..., Any], *args: Any) -> list[tuple[Any, str]]:
    """What the backward pass of ``fun`` at ``args`` keeps: each value and where it came
    from (an argument, or the output of an operation)."""
    flat, in_tree = tree.flatten(to_values(args))
    try:
        names = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        names = []
    with interpreter(autodiff.VJPInterpreter) as tape:
        leaves = [autodiff.VJPTracer(tape, p, None) for p in flat]
        result = lifted(fun)(*tree.unflatten(in_tree, leaves))
    roots = [o for o in tree.flatten(result)[0] if isinstance(o, autodiff.VJPTracer)]
    argument = {id(p): i for i, p in enumerate(flat)}
    found: dict[int, tuple[Any, str]] = {}
    for node in autodiff.topological_order(roots):
        tracked = any(p is not None for p in node.parents)
        if not tracked:
            continue
        for value in node.inputs:
            if id(value) in argument and id(value) not in found:
                i = argument[id(value)]
                label = f"from the argument {names[i]}" if i < len(names) else f"argument {i}"
                found[id(value)] = (value, label)
        outs = node.outputs if isinstance(node.outputs, list | tuple) else [node.outputs]
        consumers_need = node.prim.name not in _LINEAR
        for value in outs if consumers_need else ():
            found.setdefault(id(value), (value, f"output of {node.prim.name}"))
    return list(found.values())


# operations whose derivative needs none of their values (JAX saves nothing for them)
_LINEAR = frozenset(
    {"add", "sub", "neg", "reshape", "transpose", "broadcast_to", "reduce_sum", "cast",
     "slice", "concatenate", "squeeze", "expand_dims", "custom_vjp", "call", "index"}
)  # fmt: skip


def print_saved_residuals(fun: Callable[..., Any], *args: Any) -> None:
    """Print what ``fun``'s backward pass keeps, one value per line ("f32[3] from the
    argument x", "f32[3] output of sin"). Mirrors: jax.ad_checkpoint.print_saved_residuals
    (the workbench's tape keeps each operation's inputs and outputs; operations whose
    derivative needs no values are left out, as JAX's rules leave them)."""
    for value, label in saved_residuals(fun, *args):
        print(f"{short_type(value)} {label}")
