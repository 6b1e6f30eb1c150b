"""``jax.numpy``'s matrix-structure functions (triangles, diagonals, grids), over the
rest of ``workbench.functional.numpy``."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.functional import numpy as jnp
from workbench.functional.array import Array

__all__ = ["diag", "diagonal", "meshgrid", "trace", "tril", "triu"]


def tril(m: Any, k: int = 0) -> Array:
    v = jnp._v(m)
    mask = np.tril(np.ones(v.shape[-2:], bool), k)
    return jnp.where(Array(ops.array(mask)), Array(v), 0)


def triu(m: Any, k: int = 0) -> Array:
    v = jnp._v(m)
    mask = np.triu(np.ones(v.shape[-2:], bool), k)
    return jnp.where(Array(ops.array(mask)), Array(v), 0)


def meshgrid(*xi: Any, indexing: str = "xy") -> list[Array]:
    arrays = [jnp.ravel(x) for x in xi]
    shape_ = [a.shape[0] for a in arrays]
    if indexing == "xy" and len(arrays) >= 2:
        shape_[0], shape_[1] = shape_[1], shape_[0]
    out = []
    for i, a in enumerate(arrays):
        dims = [1] * len(arrays)
        j = i
        if indexing == "xy" and len(arrays) >= 2 and i < 2:
            j = 1 - i
        dims[j] = a.shape[0]
        out.append(jnp.broadcast_to(jnp.reshape(a, dims), shape_))
    return out


def diag(v: Any, k: int = 0) -> Array:
    """A matrix with ``v`` on diagonal ``k``, or the diagonal of a matrix. Mirrors: jnp.diag."""
    x = jnp.asarray(v)
    if x.ndim != 1:
        return diagonal(x, k)
    n = x.shape[0] + builtins.abs(k)
    padded = jnp.pad(x, (0, builtins.abs(k)))
    column = jnp.reshape(padded, (n, 1) if k >= 0 else (1, n))
    return jnp.where(
        Array(ops.array(np.eye(n, k=k, dtype=bool))), jnp.broadcast_to(column, (n, n)), 0
    )


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    x = jnp.asarray(a)
    n = (
        builtins.min(x.shape[axis1], x.shape[axis2] - offset)
        if offset >= 0
        else builtins.min(x.shape[axis1] + offset, x.shape[axis2])
    )
    rows = np.arange(n) + builtins.max(-offset, 0)
    cols = np.arange(n) + builtins.max(offset, 0)
    moved = (
        jnp.moveaxis(jnp.moveaxis(x, axis1, -2), axis2 if axis2 > axis1 else axis2 + 1, -1)
        if x.ndim > 2
        else x
    )
    return Array(ops.index(jnp._v(moved), (..., ops.array(rows), ops.array(cols))))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    return jnp.sum(diagonal(a, offset, axis1, axis2), axis=-1)
