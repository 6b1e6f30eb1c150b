"""``torch.func``: PyTorch's function transforms on the same core transformations the
functional front end uses — the bridge between the eager and functional styles.

Mirrors: torch.func.functional_call, grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian, vmap. Functions take and return Tensors (pytrees of them); inside, they see
Tensors wrapping the core's traced values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from workbench.core import autodiff, batching, jacobians, tree
from workbench.eager.nn.modules import Module
from workbench.eager.tensor import Tensor, wrap


def _to_values(obj: Any) -> Any:
    return tree.tree_map(lambda x: x._value if isinstance(x, Tensor) else x, obj)


def _to_tensors(obj: Any) -> Any:
    return tree.tree_map(
        lambda x: x if isinstance(x, Tensor) or not hasattr(x, "shape") else wrap(x), obj
    )


def _lifted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` on core values: wrap inputs as Tensors, unwrap results."""

    def inner(*values: Any) -> Any:
        return _to_values(fn(*_to_tensors(values)))

    return inner


def grad(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    """Mirrors: torch.func.grad."""
    transformed = autodiff.grad(_lifted(func), argnums, has_aux)
    return lambda *args: _to_tensors(transformed(*_to_values(args)))


def grad_and_value(
    func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Mirrors: torch.func.grad_and_value (returns (grad, value))."""
    transformed = autodiff.value_and_grad(_lifted(func), argnums, has_aux)

    def run(*args: Any) -> Any:
        value, grads = transformed(*_to_values(args))
        return _to_tensors(grads), _to_tensors(value)

    return run


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """Mirrors: torch.func.vjp."""
    results = autodiff.vjp(_lifted(func), *_to_values(primals), has_aux=has_aux)
    out, pullback = results[0], results[1]

    def vjp_fn(cotangents: Any) -> Any:
        return _to_tensors(pullback(_to_values(cotangents)))

    if has_aux:
        return _to_tensors(out), vjp_fn, _to_tensors(results[2])
    return _to_tensors(out), vjp_fn


def jvp(func: Callable[..., Any], primals: Any, tangents: Any) -> Any:
    """Mirrors: torch.func.jvp."""
    out, tangent = autodiff.jvp(
        _lifted(func), _to_values(tuple(primals)), _to_values(tuple(tangents))
    )
    return _to_tensors(out), _to_tensors(tangent)


def jacrev(func: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    transformed = jacobians.jacrev(_lifted(func), argnums)
    return lambda *args: _to_tensors(transformed(*_to_values(args)))


def jacfwd(func: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    transformed = jacobians.jacfwd(_lifted(func), argnums)
    return lambda *args: _to_tensors(transformed(*_to_values(args)))


def hessian(func: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    transformed = jacobians.hessian(_lifted(func), argnums)
    return lambda *args: _to_tensors(transformed(*_to_values(args)))


def vmap(
    func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error"
) -> Callable[..., Any]:
    """Mirrors: torch.func.vmap (in_dims/out_dims as torch spells them)."""
    transformed = batching.vmap(_lifted(func), in_axes=in_dims, out_axes=out_dims)
    return lambda *args: _to_tensors(transformed(*_to_values(args)))


@contextlib.contextmanager
def _swapped(module: Module, values: dict[str, Tensor]) -> Iterator[None]:
    saved: list[tuple[Module, str, str, Any]] = []
    for name, value in values.items():
        owner = module
        *path, leaf = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        store = "_parameters" if leaf in owner._parameters else "_buffers"
        saved.append((owner, store, leaf, getattr(owner, store)[leaf]))
        getattr(owner, store)[leaf] = value
    try:
        yield
    finally:
        for owner, store, leaf, old in reversed(saved):
            getattr(owner, store)[leaf] = old


def functional_call(
    module: Module, parameter_and_buffer_dicts: Any, args: Any = (), kwargs: Any = None
) -> Any:
    """Call ``module`` with the given tensors in place of its parameters and buffers.

    Mirrors: torch.func.functional_call.
    """
    dicts = parameter_and_buffer_dicts
    values: dict[str, Tensor] = {}
    for d in dicts if isinstance(dicts, tuple | list) else (dicts,):
        values.update(d)
    args = args if isinstance(args, tuple) else (args,)
    with _swapped(module, values):
        return module(*args, **(kwargs or {}))
