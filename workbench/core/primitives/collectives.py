"""Collectives over a named batch axis (``vmap(..., axis_name=...)``, and so ``pmap``):
``psum`` adds a value over every example of the axis, ``all_gather`` stacks them, and
``axis_index`` says which example this is. ``argsort`` (stable) also lives here, as the
other primitive whose rule needs a whole axis at once.

A collective is only defined inside a batching interpreter with its axis name: that
interpreter evaluates it (a reduction or a move over its batch axis); everywhere else it
is an error, as in JAX ("unbound axis name").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply, interpreter_stack
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, check_dtype, normalize_axis
from workbench.core.values import Tracer


def _interpreter(axis_name: Any) -> Any:
    for interp in reversed(interpreter_stack()):
        if isinstance(interp, batching.BatchInterpreter) and interp.axis_name == axis_name:
            return interp
    raise NameError(f"unbound axis name: {axis_name}")


def _bound(x: Any, interp: Any) -> Any:
    """``x`` as a value of the named axis's interpreter. A value from below it (a constant,
    or a tracer of an interpreter under the vmap) is the same for every example — e.g.
    the seed of a gradient taken inside the vmap — and enters as unbatched; a tracer of an
    interpreter above it is left to that interpreter."""
    if isinstance(x, Tracer):
        stack = interpreter_stack()
        owner = getattr(x, "interpreter", None)
        if owner is interp or (owner in stack and stack.index(owner) > stack.index(interp)):
            return x
    return batching.BatchTracer(interp, x, None)


def _unbound(*args: Any, axis_name: Any, **params: Any) -> Any:
    raise NameError(f"unbound axis name: {axis_name}")


# psum: y = Σ_examples x     (linear; its transpose is psum again)
psum_p = Primitive(
    "psum",
    impl=_unbound,
    shape=lambda x, *, axis_name, axis_size: Type(tuple(x.shape), x.dtype, x.device),
    family="collective",
)
psum_p.check = lambda x, **params: None


def psum(x: Any, axis_name: Any) -> Any:
    """Sum ``x`` over every example of the named batch axis."""
    interp = _interpreter(axis_name)
    return apply(psum_p, _bound(x, interp), axis_name=axis_name, axis_size=interp.size)


# (under a shard_map axis the transpose is the broadcast back to every device: g itself)
psum_p.vjp(
    lambda g, x, *, out, axis_name, axis_size: (
        g if _interpreter(axis_name).manual else psum(g, axis_name),
    )
)
psum_p.jvp(
    lambda primals, tangents, **p: (
        psum(primals[0], p["axis_name"]),
        psum(tangents[0], p["axis_name"]),
    )
)


# all_gather: y = stack of every example's x (a new leading axis)
def _gather_shape(x: Any, *, axis_name: Any, axis_size: int) -> Type:
    return Type((axis_size, *x.shape), x.dtype, x.device)


all_gather_p = Primitive("all_gather", impl=_unbound, shape=_gather_shape, family="collective")
all_gather_p.check = lambda x, **params: None


def all_gather(x: Any, axis_name: Any) -> Any:
    """Every example's ``x``, stacked along a new leading axis."""
    interp = _interpreter(axis_name)
    return apply(all_gather_p, _bound(x, interp), axis_name=axis_name, axis_size=interp.size)


@all_gather_p.vjp
def _all_gather_vjp(g: Any, x: Any, *, out: Any, axis_name: Any, axis_size: int) -> tuple[Any]:
    total = psum(g, axis_name)
    return (ops.index(total, (axis_index(axis_name),)),)


all_gather_p.jvp(
    lambda primals, tangents, **p: (
        all_gather(primals[0], p["axis_name"]),
        all_gather(tangents[0], p["axis_name"]),
    )
)


def axis_index(axis_name: Any) -> Any:
    """This example's position along the named batch axis (int32)."""
    interp = _interpreter(axis_name)
    positions = ops.array(np.arange(interp.size, dtype=np.int32))
    return batching.BatchTracer(interp, positions, 0)


def collective(interp: Any, prim: Primitive, value: Any, axis: int | None, size: int) -> Any:
    """How the batching interpreter named by a collective evaluates it."""
    if prim is psum_p:
        return ops.mul(value, size) if axis is None else ops.reduce_sum(value, axes=(axis,))
    if axis is None:
        return ops.broadcast_to(ops.expand_dims(value, [0]), (size, *value.shape))
    return batching.moveaxis(value, axis, 0)


# Another axis name: the collective applies per example of this interpreter's axis.
psum_p.batch(lambda values, axes, **p: (apply(psum_p, values[0], **p), axes[0]))
all_gather_p.batch(
    lambda values, axes, **p: (
        apply(all_gather_p, values[0], **p),
        None if axes[0] is None else axes[0] + 1,
    )
)
COLLECTIVES = frozenset({psum_p, all_gather_p})


# ---------------------------------------------------------------------------------------
# argsort: the stable ascending order along ``axis`` (integer output, no gradient)


def _argsort_shape(x: Any, *, axis: int, index_dtype: Any) -> Type:
    check_dtype("argsort", x, "numeric")
    return Type(tuple(x.shape), index_dtype, x.device)


argsort_p = Primitive(
    "argsort",
    impl=lambda xp, x, *, axis, index_dtype: xp.argsort(x, axis=axis, kind="stable").astype(
        index_dtype
    ),
    shape=_argsort_shape,
    family="sorting",
)
argsort_p.vjp(lambda g, x, *, out, axis, index_dtype: (None,))
argsort_p.jvp(lambda primals, tangents, **p: (apply(argsort_p, primals[0], **p), None))


@argsort_p.batch
def _argsort_batch(values: Any, axes: Any, *, axis: int, index_dtype: Any) -> Any:
    x = batching.moveaxis(values[0], axes[0], 0)
    return apply(argsort_p, x, axis=axis + 1, index_dtype=index_dtype), 0


def argsort(x: Any, axis: int = -1, index_dtype: Any = dtypes.int64) -> Any:
    """Indices that sort ``x`` along ``axis`` (stable: ties keep their order)."""
    axis = normalize_axis("argsort", axis, max(x.ndim, 1))
    return apply(argsort_p, x, axis=axis, index_dtype=np.dtype(index_dtype))


def invariant_cotangents(primals: Any, grads: Any) -> list[Any]:
    """Under ``shard_map``, the gradient of a value that does not vary over a mesh axis
    (a replicated input) is summed over that axis: each device's use of it contributed."""
    axes = batching.manual_axes()
    if not axes:
        return list(grads)
    out = []
    for p, g in zip(primals, grads):
        for interp in axes:
            if g is not None and batching.varies(g, interp) and not batching.varies(p, interp):
                g = psum(g, interp.axis_name)
        out.append(g)
    return out
