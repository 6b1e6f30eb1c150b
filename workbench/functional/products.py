"""Products for ``jax.numpy``: ``matmul``, ``dot``, ``einsum`` (pairwise ``dot_general``
contractions), ``tensordot`` … (``jnp.linalg`` is ``linalg.py``)."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from typing import Any

from workbench.core import composites, ops
from workbench.core.primitive import normalize_axes
from workbench.functional.array import Array


def _helpers() -> Any:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp


# ---------------------------------------------------------------------------------------
# Products. A shape mismatch is a TypeError in JAX (programs catch it as one): the core's
# ValueError is re-raised so, with the core's message (einsum keeps ValueError, as JAX's).


def _jax_errors(fn: Callable[..., Array]) -> Callable[..., Array]:
    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Array:
        placement = kwargs.pop("out_sharding", None)
        kwargs.pop("precision", None)
        kwargs.pop("preferred_element_type", None)
        try:
            out = fn(*args, **kwargs)
        except ValueError as e:
            if "not aligned" in str(e) or "broadcast" in str(e):
                raise TypeError(str(e)) from None
            raise
        return out if placement is None else _placed(out, placement)

    return checked


def _placed(out: Array, sharding: Any) -> Array:
    """The result laid out as ``out_sharding`` asks (JAX's sharding in types)."""
    from workbench.functional.sharding import with_sharding  # noqa: PLC0415

    return with_sharding(out, sharding)  # type: ignore[no-any-return]


@_jax_errors
def matmul(a: Any, b: Any) -> Array:
    x, y = _helpers()._pair(a, b)
    return Array(ops.matmul(x, y))


@_jax_errors
def dot(a: Any, b: Any) -> Array:
    """Mirrors: jnp.dot (products of scalars, vectors and matrices; N-d as NumPy)."""
    x, y = _helpers()._pair(a, b)
    if x.ndim == 0 or y.ndim == 0:
        return Array(ops.mul(*_helpers()._pair(x, y)))
    if y.ndim == 1 or x.ndim <= 2 and y.ndim <= 2:
        return Array(ops.dot_general(x, y, ((x.ndim - 1,), (0 if y.ndim == 1 else y.ndim - 2,))))
    return Array(ops.dot_general(x, y, ((x.ndim - 1,), (y.ndim - 2,))))


def vdot(a: Any, b: Any) -> Array:
    return dot(_helpers().ravel(a), _helpers().ravel(b))


@_jax_errors
def inner(a: Any, b: Any) -> Array:
    x, y = _helpers()._pair(a, b)
    return Array(ops.dot_general(x, y, ((x.ndim - 1,), (y.ndim - 1,))))


def outer(a: Any, b: Any) -> Array:
    return _helpers().multiply(_helpers().reshape(a, (-1, 1)), _helpers().reshape(b, (1, -1)))


@_jax_errors
def tensordot(a: Any, b: Any, axes: Any = 2) -> Array:
    x, y = _helpers()._pair(a, b)
    if isinstance(axes, int):
        xa, ya = tuple(builtins.range(x.ndim - axes, x.ndim)), tuple(builtins.range(axes))
    else:
        xa, ya = (tuple(ax) if isinstance(ax, list | tuple) else (ax,) for ax in axes)
    return Array(
        ops.dot_general(
            x, y, (normalize_axes("tensordot", xa, x.ndim), normalize_axes("tensordot", ya, y.ndim))
        )
    )


@_jax_errors
def einsum(subscripts: str, *operands: Any, optimize: Any = None) -> Array:
    """Mirrors: jnp.einsum (explicit and implicit output; contractions are pairwise
    ``dot_general``s, other summed indices are reductions)."""
    return Array(composites.einsum(subscripts, *_helpers()._joinable(operands)))
