"""Jacobians and Hessians, built from the transformations: ``jacrev`` is one VJP per
output element, ``jacfwd`` one JVP per input element, each vectorised with ``vmap``;
``hessian`` is forward over reverse, as in JAX."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import primitives as ops
from workbench.core.autodiff import jvp, vjp
from workbench.core.batching import vmap


def _basis(x: Any) -> Any:
    """The standard basis of x's space, stacked: shape (x.size, *x.shape)."""
    n = math.prod(x.shape)
    eye = ops.array(np.eye(n, dtype=x.dtype), device=x.device)
    return ops.reshape(eye, (n, *x.shape))


def _with_arg(fn: Callable[..., Any], args: Sequence[Any], argnum: int) -> Callable[[Any], Any]:
    def partial(v: Any) -> Any:
        full = list(args)
        full[argnum] = v
        return fn(*full)

    return partial


def jacrev(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one VJP per output element, vectorised with vmap.

    Returns an array of shape ``out.shape + x.shape``.
    """

    def jacobian(*args: Any) -> Any:
        x = args[argnums]
        out, pullback = vjp(_with_arg(fn, args, argnums), x)
        rows = vmap(lambda g: pullback(g)[0])(_basis(out))
        return ops.reshape(rows, (*out.shape, *x.shape))

    return jacobian


def jacfwd(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian by forward mode: one JVP per input element, vectorised with vmap."""

    def jacobian(*args: Any) -> Any:
        x = args[argnums]
        f = _with_arg(fn, args, argnums)
        columns = vmap(lambda t: jvp(f, (x,), (t,))[1])(_basis(x))  # (x.size, *out.shape)
        out_ndim = columns.ndim - 1
        moved = ops.transpose(columns, list(range(1, out_ndim + 1)) + [0])
        return ops.reshape(moved, (*moved.shape[:out_ndim], *x.shape))

    return jacobian


def hessian(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """Second derivatives: forward over reverse (jacfwd of jacrev), as JAX does."""
    return jacfwd(jacrev(fn, argnums), argnums)
