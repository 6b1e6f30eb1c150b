"""Reductions over any set of axes (with keepdims), argmax/argmin, and cumsum.

Composites built from them (mean, logsumexp) are at the end of the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes, kernels
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import (
    DTYPE_KINDS,
    DTYPE_SETS,
    Primitive,
    check_axes,
    check_dtype,
    normalize_axes,
    normalize_axis,
)
from workbench.core.primitives.operands import lift


def _normalize_axes(name: str, x: Any, axes: int | Sequence[int] | None) -> tuple[int, ...]:
    if axes is None:
        return tuple(range(x.ndim))
    if axes.__class__ is tuple and len(axes) == 1 and axes[0].__class__ is int:
        if 0 <= axes[0] < x.ndim:
            return axes  # one valid axis: the common case
    if isinstance(axes, int):
        axes = (axes,)
    return tuple(sorted(normalize_axes(name, axes, x.ndim)))


def _reduced_shape(shape: Sequence[int], axes: Sequence[int], keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _batch_reduction(prim: Primitive) -> None:
    """Batched: move the batch axis first and reduce the example's axes shifted by one."""

    @prim.batch
    def _rule(values: Any, axes: Any, /, **params: Any) -> tuple[Any, int]:
        x = batching.moveaxis(values[0], axes[0], 0)
        if "axes" in params:
            params = {**params, "axes": tuple(a + 1 for a in params["axes"])}
        else:
            params = {**params, "axis": params["axis"] + 1}
        return apply(prim, x, **params), 0


def _reduction(
    name: str, impl: Any, dtype_kind: str = "numeric", empty_ok: bool = True
) -> Primitive:
    def shape(x: Any, *, axes: tuple[int, ...], keepdims: bool) -> Type:
        check_dtype(name, x, dtype_kind)
        check_axes(name, axes, x.ndim)
        if not empty_ok and any(x.shape[a] == 0 for a in axes):
            raise ValueError(
                f"{name}: cannot reduce an empty axis of shape {tuple(x.shape)} (no identity)"
            )
        return Type(_reduced_shape(x.shape, axes, keepdims), x.dtype, x.device)

    allowed = frozenset(DTYPE_KINDS[dtype_kind])

    def check(x: Any, *, axes: tuple[int, ...], keepdims: bool) -> None:
        # eagerly, the public functions have normalised and checked the axes already
        if x.dtype not in allowed or (not empty_ok and any(x.shape[a] == 0 for a in axes)):
            shape(x, axes=axes, keepdims=keepdims)

    prim = Primitive(name, impl=impl, shape=shape, family="reduction")
    prim.check = check
    _batch_reduction(prim)
    return prim


def _expand_to(g: Any, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Put the reduced axes back as size 1 and broadcast a cotangent to ``x``'s shape."""
    if not keepdims and axes != tuple(range(len(axes))):  # leading axes broadcast back as-is
        g = ops.reshape(g, _reduced_shape(x.shape, axes, True))
    return ops.broadcast_to(g, x.shape)


def _public(prim: Primitive) -> Any:
    def fn(x: Any, axes: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
        (x,) = lift(prim.name, x)
        norm = _normalize_axes(prim.name, x, axes)
        return apply(prim, x, axes=norm, keepdims=bool(keepdims))

    fn.__name__ = prim.name
    fn.__doc__ = (
        f"``{prim.name}`` over ``axes`` (all when None), keeping them as size 1 if ``keepdims``."
    )
    return fn


# reduce_sum: y = Σ_axes x        VJP: broadcast g back over the axes
reduce_sum_p = _reduction(
    "reduce_sum",
    lambda xp, x, *, axes, keepdims: kernels.reduce_sum(xp, x, axes, keepdims),
)
reduce_sum = _public(reduce_sum_p)
reduce_sum_p.vjp(lambda g, x, *, out, axes, keepdims: (_expand_to(g, x, axes, keepdims),))


@reduce_sum_p.jvp
def _reduce_sum_jvp(
    primals: tuple[Any], tangents: tuple[Any], *, axes: Any, keepdims: bool
) -> tuple[Any, Any]:
    out = apply(reduce_sum_p, primals[0], axes=axes, keepdims=keepdims)
    return out, apply(reduce_sum_p, tangents[0], axes=axes, keepdims=keepdims)


# reduce_max / reduce_min: y = max_axes x    ∂y/∂x_i = [x_i = y] / #ties
# NOTE: ties share the gradient evenly (PyTorch's amax and JAX agree on this).
reduce_max_p = _reduction(
    "reduce_max",
    lambda xp, x, *, axes, keepdims: kernels.reduce_extremum(xp, x, axes, keepdims, "max"),
    empty_ok=False,
)
reduce_min_p = _reduction(
    "reduce_min",
    lambda xp, x, *, axes, keepdims: kernels.reduce_extremum(xp, x, axes, keepdims, "min"),
    empty_ok=False,
)
reduce_max, reduce_min = _public(reduce_max_p), _public(reduce_min_p)


def _chooser_locations(x: Any, out: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Weights ``[x_i = y] / #ties``, shaped like ``x``."""
    hits = ops.cast(ops.eq(x, _expand_to(out, x, axes, keepdims)), x.dtype)
    counts = reduce_sum(hits, axes, keepdims=True)
    return ops.div(hits, counts)


def _register_chooser(prim: Primitive) -> None:
    @prim.vjp
    def _vjp(g: Any, x: Any, *, out: Any, axes: Any, keepdims: bool) -> tuple[Any]:
        return (
            ops.mul(_expand_to(g, x, axes, keepdims), _chooser_locations(x, out, axes, keepdims)),
        )

    @prim.jvp
    def _jvp(
        primals: tuple[Any], tangents: tuple[Any], *, axes: Any, keepdims: bool
    ) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        out = apply(prim, x, axes=axes, keepdims=keepdims)
        weights = _chooser_locations(x, out, axes, keepdims)
        return out, reduce_sum(ops.mul(t, weights), axes, keepdims)


_register_chooser(reduce_max_p)
_register_chooser(reduce_min_p)


# reduce_prod: y = Π_axes x    ∂y/∂x_i = Π_{j≠i} x_j
# NOTE: y / x_i would divide by zero; instead the rules differentiate a pairwise
# product tree written in mul (JAX's approach), which is exact with zeros present.
reduce_prod_p = _reduction(
    "reduce_prod",
    lambda xp, x, *, axes, keepdims: xp.prod(x, axis=axes, keepdims=keepdims, dtype=x.dtype),
)
reduce_prod = _public(reduce_prod_p)


def _prod_tree(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = ops.transpose(x, kept + list(axes))
    n = math.prod([x.shape[a] for a in axes])
    flat = ops.reshape(moved, [x.shape[i] for i in kept] + [n])
    if n == 0:  # the empty product is 1, with nothing to differentiate
        return ops.full(_reduced_shape(x.shape, axes, keepdims), 1, x.dtype, x.device)
    while n > 1:
        if n % 2:
            lead = list(flat.shape[:-1])
            flat = ops.pad(flat, [(0, 0)] * len(lead) + [(0, 1)], value=1.0)
            n += 1
        rank = flat.ndim
        even = ops.slice(flat, [0] * rank, flat.shape, [1] * (rank - 1) + [2])
        odd = ops.slice(flat, [0] * (rank - 1) + [1], flat.shape, [1] * (rank - 1) + [2])
        flat = ops.mul(even, odd)
        n //= 2
    return ops.reshape(flat, _reduced_shape(x.shape, axes, keepdims))


@reduce_prod_p.vjp
def _reduce_prod_vjp(g: Any, x: Any, *, out: Any, axes: Any, keepdims: bool) -> tuple[Any]:
    from workbench.core import autodiff  # noqa: PLC0415 - autodiff builds on the primitives

    _, pullback = autodiff.vjp(lambda v: _prod_tree(v, axes, keepdims), x)
    return pullback(g)


@reduce_prod_p.jvp
def _reduce_prod_jvp(
    primals: tuple[Any], tangents: tuple[Any], *, axes: Any, keepdims: bool
) -> tuple[Any, Any]:
    from workbench.core import autodiff  # noqa: PLC0415

    _, tangent = autodiff.jvp(lambda v: _prod_tree(v, axes, keepdims), primals, tangents)
    return apply(reduce_prod_p, primals[0], axes=axes, keepdims=keepdims), tangent


# argmax / argmin along one axis: integer positions, no gradient


def _arg_reduction(name: str, method: str) -> Primitive:
    def shape(x: Any, *, axis: int, keepdims: bool, index_dtype: np.dtype) -> Type:
        check_dtype(name, x, "numeric")
        check_axes(name, (axis,), x.ndim)
        if x.shape[axis] == 0:
            raise ValueError(
                f"{name}: cannot take {name} of an empty axis of shape {tuple(x.shape)}"
            )
        return Type(_reduced_shape(x.shape, (axis,), keepdims), index_dtype, x.device)

    def impl(xp: Any, x: Any, *, axis: int, keepdims: bool, index_dtype: np.dtype) -> Any:
        return getattr(xp, method)(x, axis=axis, keepdims=keepdims).astype(index_dtype)

    prim = Primitive(name, impl=impl, shape=shape, family="reduction")
    _batch_reduction(prim)
    prim.vjp(lambda g, x, *, out, **params: (None,))
    prim.jvp(lambda primals, tangents, **params: (apply(prim, primals[0], **params), None))
    return prim


argmax_p = _arg_reduction("argmax", "argmax")
argmin_p = _arg_reduction("argmin", "argmin")


def argmax(x: Any, axis: int, keepdims: bool = False, index_dtype: Any = dtypes.int64) -> Any:
    (x,) = lift("argmax", x)
    return apply(
        argmax_p,
        x,
        axis=normalize_axis("argmax", axis, x.ndim),
        keepdims=keepdims,
        index_dtype=dtypes.canonical(index_dtype),
    )


def argmin(x: Any, axis: int, keepdims: bool = False, index_dtype: Any = dtypes.int64) -> Any:
    (x,) = lift("argmin", x)
    return apply(
        argmin_p,
        x,
        axis=normalize_axis("argmin", axis, x.ndim),
        keepdims=keepdims,
        index_dtype=dtypes.canonical(index_dtype),
    )


# cumsum: y_i = Σ_{j≤i} x_j along `axis` (from the end when reverse)
# VJP: cumsum of g in the opposite direction


def _cumsum_shape(x: Any, *, axis: int, reverse: bool) -> Type:
    check_dtype("cumsum", x, "numeric")
    check_axes("cumsum", (axis,), x.ndim)
    return Type(tuple(x.shape), x.dtype, x.device)


def _cumsum_impl(xp: Any, x: Any, *, axis: int, reverse: bool) -> Any:
    if reverse:
        return xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis, dtype=x.dtype), axis)
    return xp.cumsum(x, axis=axis, dtype=x.dtype)


cumsum_p = Primitive("cumsum", impl=_cumsum_impl, shape=_cumsum_shape, family="reduction")
_batch_reduction(cumsum_p)


def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    (x,) = lift("cumsum", x)
    return apply(cumsum_p, x, axis=normalize_axis("cumsum", axis, x.ndim), reverse=bool(reverse))


cumsum_p.vjp(lambda g, x, *, out, axis, reverse: (cumsum(g, axis, not reverse),))


# log_softmax: y = x - log Σ_axis e^x, computed as (x - m) - log Σ e^(x - m), m = max x
# VJP: g - e^y Σ_axis g        JVP: t - Σ_axis e^y t
# One primitive rather than a composite of nine: a classifier's loss is then one tape
# node eagerly (and one equation in a graph), as PyTorch's LogSoftmaxBackward0 is.


def _log_softmax_shape(x: Any, *, axis: int) -> Type:
    check_dtype("log_softmax", x, "float")
    check_axes("log_softmax", (axis,), x.ndim)
    return Type(tuple(x.shape), x.dtype, x.device)


def _log_softmax_impl(xp: Any, x: Any, *, axis: int) -> Any:
    # NOTE: a row that is all -inf gives NaN, as in PyTorch and JAX
    if x.size == 0:
        return xp.empty_like(x)
    if axis == x.ndim - 1:
        rows = kernels.log_softmax_rows(xp, x)
        if rows is not None:
            return rows
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


log_softmax_p = Primitive(
    "log_softmax", impl=_log_softmax_impl, shape=_log_softmax_shape, family="reduction"
)
_batch_reduction(log_softmax_p)


def _log_softmax_check(x: Any, *, axis: int) -> None:
    if x.dtype not in _FLOATS or not 0 <= axis < x.ndim:
        _log_softmax_shape(x, axis=axis)


log_softmax_p.check = _log_softmax_check
_FLOATS = DTYPE_SETS["float"]


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log of the softmax along ``axis``, stable for large inputs."""
    (x,) = lift("log_softmax", x)
    if axis.__class__ is not int or not 0 <= axis < x.ndim:
        check_axes("log_softmax", (axis,), x.ndim)
        axis %= x.ndim
    return apply(log_softmax_p, x, axis=axis)


@log_softmax_p.vjp
def _log_softmax_vjp(g: Any, x: Any, *, out: Any, axis: int) -> tuple[Any]:
    total = apply(reduce_sum_p, g, axes=(axis,), keepdims=True)
    return (ops.sub(g, ops.mul(ops.exp(out), ops.broadcast_to(total, out.shape))),)


@log_softmax_p.jvp
def _log_softmax_jvp(primals: tuple[Any], tangents: tuple[Any], *, axis: int) -> tuple[Any, Any]:
    out = log_softmax(primals[0], axis)
    t = tangents[0]
    return out, ops.sub(t, reduce_sum(ops.mul(ops.exp(out), t), (axis,), keepdims=True))


@cumsum_p.jvp
def _cumsum_jvp(
    primals: tuple[Any], tangents: tuple[Any], *, axis: int, reverse: bool
) -> tuple[Any, Any]:
    return cumsum(primals[0], axis, reverse), cumsum(tangents[0], axis, reverse)


# ---------------------------------------------------------------------------------------
# Composites


def mean(x: Any, axes: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over ``axes``: reduce_sum / count."""
    (x,) = lift("mean", x)
    norm = _normalize_axes("mean", x, axes)
    dims = [x.shape[a] for a in norm]
    total = reduce_sum(x, norm, keepdims)
    if None in dims:  # a size known only when the graph runs: count with a reduction too
        return ops.div(total, reduce_sum(ops.ones_like(x), norm, keepdims))
    return ops.div(total, float(math.prod(dims)))


def logsumexp(x: Any, axes: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """log Σ e^x, computed as m + log Σ e^(x - m) with m = max x (so it never overflows).

    NOTE: m is wrapped in stop_gradient (its contribution cancels exactly), and replaced
    by 0 where it is infinite, so all -inf inputs give -inf rather than NaN.
    """
    (x,) = lift("logsumexp", x)
    norm = _normalize_axes("logsumexp", x, axes)
    m = ops.stop_gradient(reduce_max(x, norm, keepdims=True))
    m = ops.select(ops.is_finite(m), m, ops.zeros_like(m))
    total = reduce_sum(ops.exp(ops.sub(x, m)), norm, keepdims=True)
    out = ops.add(ops.log(total), m)
    return out if keepdims else ops.reshape(out, _reduced_shape(x.shape, norm, False))
