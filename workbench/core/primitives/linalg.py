"""Linear algebra: ``dot_general`` (contractions with batch dimensions) and the
``matmul`` composite with NumPy's broadcasting of batch dimensions.

dot_general's output is laid out as (batch dims, x's free dims, y's free dims), as in
XLA. Both VJPs are dot_generals followed by a transpose.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import (
    DTYPE_SETS,
    Primitive,
    check_dtype,
    get_primitive,
    normalize_axes,
    same_dim,
    type_text,
)
from workbench.core.primitives.operands import broadcast_shapes, lift

Dims = tuple[tuple[int, ...], tuple[int, ...]]


def _free(ndim: int, contract: Sequence[int], batch: Sequence[int]) -> list[int]:
    return [i for i in range(ndim) if i not in contract and i not in batch]


def _dot_general_shape(x: Any, y: Any, *, contracting: Dims, batch: Dims) -> Type:
    check_dtype("dot_general", x, "numeric")
    if x.dtype != y.dtype or x.device is not y.device:
        raise TypeError(
            f"dot_general: operands must share dtype and device, got {type_text(x)} on {x.device} "
            f"and {type_text(y)} on {y.device}"
        )
    (xc, yc), (xb, yb) = contracting, batch
    for xs, ys, what in ((xc, yc, "contracting"), (xb, yb, "batch")):
        if len(xs) != len(ys) or any(not same_dim(x.shape[a], y.shape[b]) for a, b in zip(xs, ys)):
            sizes_x = tuple(x.shape[a] for a in xs)
            sizes_y = tuple(y.shape[b] for b in ys)
            raise ValueError(
                f"dot_general: shapes {tuple(x.shape)} and {tuple(y.shape)} are not aligned: "
                f"{what} dimensions {sizes_x} != {sizes_y}"
            )
    shape = [x.shape[a] if x.shape[a] is not None else y.shape[b] for a, b in zip(xb, yb)]
    shape += [x.shape[a] for a in _free(x.ndim, xc, xb)]
    shape += [y.shape[a] for a in _free(y.ndim, yc, yb)]
    return Type(tuple(shape), x.dtype, x.device)


def _mm(xp: Any, a: Any, b: Any) -> Any:
    """``a @ b`` in the operands' dtype (NumPy's bfloat16 product accumulates and returns
    float32, as XLA's does internally; the result is rounded back)."""
    out = xp.matmul(a, b)
    return out if out.dtype == a.dtype else out.astype(a.dtype)


def _dot_general_impl(xp: Any, x: Any, y: Any, *, contracting: Dims, batch: Dims) -> Any:
    (xc, yc), (xb, yb) = contracting, batch
    if not xb and len(xc) == 1 and x.ndim == 2 and y.ndim == 2:  # a plain matrix product
        return _mm(xp, x if xc[0] == 1 else x.T, y if yc[0] == 0 else y.T)
    if not xb:
        return _unbatched(xp, x, y, xc, yc)
    xf, yf = _free(x.ndim, xc, xb), _free(y.ndim, yc, yb)
    batch_shape = [x.shape[a] for a in xb]
    xf_shape, yf_shape = [x.shape[a] for a in xf], [y.shape[a] for a in yf]
    size = lambda dims, shape: math.prod([shape[a] for a in dims])  # noqa: E731
    m, k, n = size(xf, x.shape), size(xc, x.shape), size(yf, y.shape)
    # Lay both out as (batch, rows, contraction) @ (batch, contraction, cols); transposes of
    # 2-d operands stay views, so BLAS reads them with its transpose flag instead of copying.
    a = xp.transpose(x, list(xb) + xf + list(xc))
    b = xp.transpose(y, list(yb) + list(yc) + yf)
    if xb and k == 1:
        # a batch of outer products (per-example gradients of a dense layer): a broadcast
        # multiply; NumPy's stacked matmul with a contraction of 1 is ~10x slower
        batch_size = size(xb, x.shape)
        out = a.reshape(batch_size, m, 1) * b.reshape(batch_size, 1, n)
    elif len(xf) == 1 and len(yf) == 1 and len(xc) == 1:
        # one free and one contracted axis each (attention's q·kᵀ and p·v over (B, T, H,
        # D) operands): a stacked matmul straight on the transposed views, whose every
        # matrix BLAS reads with a stride; flattening the batch would copy both operands
        out = _mm(xp, a, b)
    else:
        batch_size = size(xb, x.shape)
        out = _mm(xp, a.reshape(batch_size, m, k), b.reshape(batch_size, k, n))
    return out.reshape(batch_shape + xf_shape + yf_shape)


def _dot_general_into(
    xp: Any, types: Sequence[Type], *, contracting: Dims, batch: Dims
) -> Callable[..., Any] | None:
    """The matrix-product routes of ``_dot_general_impl`` whose result is the product
    itself (no reshape, no cast), writing it into a given array (a block of a
    concatenation: BLAS writes at the block's row stride); None for the others."""
    (xc, yc), (xb, yb) = contracting, batch
    x, y = types
    if x.dtype != y.dtype or x.dtype not in (np.float32, np.float64):
        return None
    if not xb and len(xc) == 1 and len(x.shape) == 2 and len(y.shape) == 2:

        def matrix(a: Any, b: Any, out: Any) -> Any:
            return xp.matmul(a if xc[0] == 1 else a.T, b if yc[0] == 0 else b.T, out=out)

        return matrix
    xf, yf = _free(len(x.shape), xc, xb), _free(len(y.shape), yc, yb)
    if xb and len(xf) == 1 and len(yf) == 1 and len(xc) == 1 and x.shape[xc[0]] != 1:
        lead_x, lead_y = [*xb, *xf, *xc], [*yb, *yc, *yf]

        def stacked(a: Any, b: Any, out: Any) -> Any:
            return xp.matmul(xp.transpose(a, lead_x), xp.transpose(b, lead_y), out=out)

        return stacked
    return None


def _matrix(xp: Any, v: Any, rows: Sequence[int], cols: Sequence[int]) -> Any:
    """``v`` as a (rows, cols) matrix: a view when its axes are already in that order, or
    in the opposite one (BLAS then reads the transpose); a copy only otherwise."""
    r, c = math.prod(v.shape[a] for a in rows), math.prod(v.shape[a] for a in cols)
    order = [*rows, *cols]
    if order == sorted(order):
        return v.reshape(r, c)
    flipped = [*cols, *rows]
    if flipped == sorted(flipped):
        return v.reshape(c, r).T
    return xp.transpose(v, order).reshape(r, c)


def _unbatched(xp: Any, x: Any, y: Any, xc: Sequence[int], yc: Sequence[int]) -> Any:
    """A product without batch dimensions as one matrix product. The contracted pairs may
    be taken in any order, and each operand's free axes too: they follow the operands'
    memory (the larger one's, for the pairs), so an operand whose axes are merely
    transposed views — a gradient contracting time and batch, ``(T, B, H)`` with
    ``(B, T, E)`` — is read without a copy where it can be; the result is then a transposed
    view in the requested axis order."""
    larger = x if x.size >= y.size else y
    pairs = sorted(zip(xc, yc), key=lambda p: -larger.strides[p[0] if larger is x else p[1]])
    xc, yc = [p[0] for p in pairs], [p[1] for p in pairs]
    xf, yf = _free(x.ndim, xc, ()), _free(y.ndim, yc, ())
    xm = sorted(xf, key=lambda a: -x.strides[a])  # free axes outermost-in-memory first
    ym = sorted(yf, key=lambda a: -y.strides[a])
    out = _mm(xp, _matrix(xp, x, xm, xc), _matrix(xp, y, yc, ym))
    out = out.reshape([x.shape[a] for a in xm] + [y.shape[a] for a in ym])
    if xm == xf and ym == yf:
        return out
    made = [("x", a) for a in xm] + [("y", a) for a in ym]
    wanted = [("x", a) for a in xf] + [("y", a) for a in yf]
    return out.transpose([made.index(axis) for axis in wanted])


dot_general_p = Primitive(
    "dot_general", impl=_dot_general_impl, shape=_dot_general_shape, family="linear algebra"
)
dot_general_p.into = _dot_general_into
_NUMERIC = DTYPE_SETS["numeric"]


def _dot_general_check(x: Any, y: Any, *, contracting: Dims, batch: Dims) -> None:
    """The eager check: one contracted dimension, no batch, equal numeric dtypes (the
    devices are checked by the dispatcher) is accepted at once; anything else gets the
    full shape rule and its errors."""
    (xc, yc), (xb, _) = contracting, batch
    if (
        not xb
        and len(xc) == 1
        and x.dtype == y.dtype
        and x.dtype in _NUMERIC
        and x.shape[xc[0]] == y.shape[yc[0]]
    ):
        return
    _dot_general_shape(x, y, contracting=contracting, batch=batch)


dot_general_p.check = _dot_general_check


# In a plan on a CUDA device, a 2-d unbatched float product calls cuBLAS's GEMM directly:
# it can be captured into a CUDA graph, which CuPy's matmul cannot always be.
def _dot_general_lower(lowering: Any, eqn: Any) -> list[Any] | None:
    x, y = eqn.inputs
    (xc, yc), batch = eqn.params["contracting"], eqn.params["batch"]
    plain = (
        x.type.ndim == 2
        and y.type.ndim == 2
        and batch == ((), ())
        and len(xc) == 1
        and x.type.dtype in (dtypes.float32, dtypes.float64)
    )
    if lowering.device.platform != "cuda" or not plain:
        return None
    from workbench.backend import cublas  # noqa: PLC0415 - CUDA only

    transpose_x, transpose_y = xc[0] == 0, yc[0] == 1

    def product(a: Any, b: Any) -> Any:
        return cublas.gemm(a.T if transpose_x else a, b.T if transpose_y else b)

    return [lowering.step(eqn, product)]


dot_general_p.lower = _dot_general_lower


def dot_general(x: Any, y: Any, contracting: Dims, batch: Dims = ((), ())) -> Any:
    """Contract ``contracting`` dims of x with y's, batching over ``batch`` dims."""
    x, y = lift("dot_general", x, y)
    contracting = (_norm(contracting[0], x.ndim), _norm(contracting[1], y.ndim))
    batch = (_norm(batch[0], x.ndim), _norm(batch[1], y.ndim)) if batch[0] or batch[1] else ((), ())
    return apply(dot_general_p, x, y, contracting=contracting, batch=batch)


def _norm(dims: Sequence[int], ndim: int) -> tuple[int, ...]:
    for d in dims:
        if d.__class__ is not int or not 0 <= d < ndim:
            return normalize_axes("dot_general", dims, max(ndim, 1))
    return dims if dims.__class__ is tuple else tuple(dims)  # already normalised


# x's cotangent: contract g's y-free dims with y's free dims, batch over batch dims;
# the result's axes are (batch, x-free, y's contracted dims in ascending order) and are
# permuted back into x's layout. y's cotangent is the mirror image.
# Each cotangent is one dot_general of g with the other operand, in whichever order puts
# the result's axes straight into that operand's layout (no transpose, no strided copy):
# for y = x @ W that is xᵀg; for PyTorch's y = x @ Wᵀ it is gᵀx.
@dot_general_p.vjp
def _dot_general_vjp(
    g: Any,
    x: Any,
    y: Any,
    *,
    out: Any,
    contracting: Dims,
    batch: Dims,
    needs: tuple[bool, ...] = (True, True),
) -> tuple[Any, Any]:
    plan_x, plan_y = _vjp_plan(x.ndim, y.ndim, contracting, batch)
    gx = _cotangent(plan_x, g, y) if needs[0] else None
    gy = _cotangent(plan_y, g, x) if needs[1] else None
    return gx, gy


# How each cotangent is computed: (g first?, contracting, batch, permutation or None).
Plan = tuple[bool, Dims, Dims, "tuple[int, ...] | None"]


@functools.lru_cache(maxsize=1024)
def _vjp_plan(x_ndim: int, y_ndim: int, contracting: Dims, batch: Dims) -> tuple[Plan, Plan]:
    """Both cotangents' recipes, worked out once per operand ranks and dimension numbers
    (a training loop asks for the same few again and again)."""
    (xc, yc), (xb, yb) = contracting, batch
    xf, yf = _free(x_ndim, xc, xb), _free(y_ndim, yc, yb)
    nb = len(xb)
    g_ndim = nb + len(xf) + len(yf)
    g_batch = tuple(range(nb))
    g_xf = tuple(range(nb, nb + len(xf)))
    g_yf = tuple(range(nb + len(xf), g_ndim))
    # result axes: (batch, g's x-free dims, y's contracted dims ascending) or, with the
    # operands swapped, (batch, y's contracted dims ascending, g's x-free dims)
    plan_x = _plan((g_yf, tuple(yf)), (g_batch, yb), x_ndim, xb, xf, xc, yc)
    plan_y = _plan((g_xf, tuple(xf)), (g_batch, xb), y_ndim, yb, yf, yc, xc)
    return plan_x, plan_y


def _plan(
    contract: Dims,
    batch: Dims,
    ndim: int,
    own_batch: Sequence[int],
    own_free: Sequence[int],
    own_contract: Sequence[int],
    other_contract: Sequence[int],
) -> Plan:
    """One operand's cotangent: contract g with the other operand so the result comes out
    in the operand's axis order when possible, and transpose otherwise."""
    nb = len(own_batch)
    ranks = {b: sorted(other_contract).index(b) for b in other_contract}
    g_first = [0] * ndim  # result of dot_general(g, other): (batch, free, contracted)
    other_first = [0] * ndim  # result of dot_general(other, g): (batch, contracted, free)
    for i, a in enumerate(own_batch):
        g_first[a] = other_first[a] = i
    for j, a in enumerate(own_free):
        g_first[a] = nb + j
        other_first[a] = nb + len(own_contract) + j
    for a, b in zip(own_contract, other_contract):
        g_first[a] = nb + len(own_free) + ranks[b]
        other_first[a] = nb + ranks[b]
    identity = list(range(ndim))
    if other_first == identity and g_first != identity:
        return False, (contract[1], contract[0]), (batch[1], batch[0]), None
    return True, contract, batch, (None if g_first == identity else tuple(g_first))


def _cotangent(plan: Plan, g: Any, other: Any) -> Any:
    # the dimension numbers are normalised already: the primitive is applied directly
    g_first, contracting, batch, perm = plan
    if g_first:
        product = apply(dot_general_p, g, other, contracting=contracting, batch=batch)
    else:
        product = apply(dot_general_p, other, g, contracting=contracting, batch=batch)
    return product if perm is None else ops.transpose(product, perm)


# Bilinear: d(x·y) = dx·y + x·dy
@dot_general_p.jvp
def _dot_general_jvp(
    primals: tuple[Any, Any], tangents: tuple[Any, Any], **params: Any
) -> tuple[Any, Any]:
    (x, y), (tx, ty) = primals, tangents
    out = apply(dot_general_p, x, y, **params)
    terms = []
    if tx is not None:
        terms.append(apply(dot_general_p, tx, y, **params))
    if ty is not None:
        terms.append(apply(dot_general_p, x, ty, **params))
    return out, terms[0] if len(terms) == 1 else ops.add(*terms)


# Batched: both operands batched -> one more dot_general batch dimension; one operand
# batched -> its batch axis is one more free dimension of that operand.
@dot_general_p.batch
def _dot_general_batch(
    values: Any, axes: Any, /, *, contracting: Dims, batch: Dims
) -> tuple[Any, int]:
    (x, y), (ax, ay) = values, axes
    (xc, yc), (xb, yb) = contracting, batch

    def shift(dims: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(d + 1 for d in dims)

    if ax is not None and ay is not None:
        x, y = batching.moveaxis(x, ax, 0), batching.moveaxis(y, ay, 0)
        out = dot_general(x, y, (shift(xc), shift(yc)), ((0, *shift(xb)), (0, *shift(yb))))
        return out, 0
    if ax is not None:
        x = batching.moveaxis(x, ax, 0)
        return dot_general(x, y, (shift(xc), yc), (shift(xb), yb)), len(xb)
    y = batching.moveaxis(y, ay, 0)
    x_free = x.ndim - len(xc) - len(xb)
    return dot_general(x, y, (xc, shift(yc)), (xb, shift(yb))), len(xb) + x_free


def matmul(x: Any, y: Any) -> Any:
    """``x @ y`` with NumPy's rules: 1-d operands are promoted, batch dims broadcast.

    Example:
        >>> from workbench.core import array
        >>> matmul(array([[1.0, 2.0]]), array([[3.0], [4.0]]))
        Array(f32[1,1] cpu:0, [[11.]])
    """
    x, y = lift("matmul", x, y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            "matmul: operands must have at least one dimension, "
            f"got {type_text(x)} and {type_text(y)}"
        )
    if x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
        raise ValueError(
            f"matmul: shapes {tuple(x.shape)} and {tuple(y.shape)} are not aligned: "
            f"{x.shape[-1]} != {y.shape[-2 if y.ndim > 1 else 0]}"
        )
    if y.ndim <= 2:
        # No batch in y: contract x's last axis directly (no broadcast copy of y).
        return dot_general(x, y, contracting=((x.ndim - 1,), (0,)))
    x_mat = x if x.ndim > 1 else ops.reshape(x, (1, x.shape[0]))
    batch_shape = broadcast_shapes("matmul", tuple(x_mat.shape[:-2]), tuple(y.shape[:-2]))
    x_b = ops.broadcast_to(x_mat, batch_shape + tuple(x_mat.shape[-2:]))
    y_b = ops.broadcast_to(y, batch_shape + tuple(y.shape[-2:]))
    nb = len(batch_shape)
    out = dot_general(
        x_b, y_b, contracting=((nb + 1,), (nb,)), batch=(tuple(range(nb)), tuple(range(nb)))
    )
    if x.ndim == 1:
        out = ops.reshape(out, out.shape[:-2] + out.shape[-1:])
    return out


# ---------------------------------------------------------------------------------------
# linear: y = x wᵀ + b over x's last axis, in one operation (PyTorch's Linear/addmm,
# ONNX's Gemm). The bias is added into the product's own buffer, and an eager tape
# records one node for a layer instead of three (dot_general, broadcast_to, add).
# VJP: gx = g w, gw = gᵀx summed over the leading axes, gb = Σ g over the leading axes.
_FLOATS = DTYPE_SETS["float"]


def _linear_shape(x: Any, w: Any, b: Any) -> Type:
    check_dtype("linear", x, "float")
    if w.dtype != x.dtype or b.dtype != x.dtype or w.device is not x.device:
        raise TypeError(
            "linear: operands must share dtype and device, got "
            f"{type_text(x)}, {type_text(w)} and {type_text(b)}"
        )
    if (
        x.ndim < 1
        or w.ndim != 2
        or b.ndim != 1
        or x.shape[-1] != w.shape[1]
        or b.shape[0] != w.shape[0]
    ):
        raise ValueError(
            f"linear: shapes {tuple(x.shape)}, {tuple(w.shape)} and {tuple(b.shape)} do not "
            "fit x wᵀ + b: expected x (..., k), w (n, k) and b (n,)"
        )
    return Type(tuple(x.shape[:-1]) + (w.shape[0],), x.dtype, x.device)


def _linear_check(x: Any, w: Any, b: Any) -> None:
    """The eager check: the common case is accepted at once (devices are the
    dispatcher's), anything else gets the shape rule and its errors."""
    xs, ws = x.shape, w.shape
    if not (
        x.dtype in _FLOATS
        and w.dtype == x.dtype
        and b.dtype == x.dtype
        and len(ws) == 2
        and xs
        and xs[-1] == ws[1]
        and b.shape == ws[:1]
    ):
        _linear_shape(x, w, b)


def _linear_impl(xp: Any, x: Any, w: Any, b: Any) -> Any:
    if x.ndim == 2:
        out = _mm(xp, x, w.T)
    else:  # leading axes as rows of one matrix product (a view when x is contiguous)
        out = _mm(xp, x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + w.shape[:1])
    out += b  # a fresh array: the bias goes straight into it
    return out


linear_p = Primitive("linear", impl=_linear_impl, shape=_linear_shape, family="linear algebra")
linear_p.check = _linear_check


def linear(x: Any, w: Any, b: Any) -> Any:
    """``x @ w.T + b`` over the last axis of ``x``: ``w`` is (out, in), ``b`` is (out,)."""
    x, w, b = lift("linear", x, w, b)
    return apply(linear_p, x, w, b)


@linear_p.vjp
def _linear_vjp(
    g: Any, x: Any, w: Any, b: Any, *, out: Any, needs: tuple[bool, ...] = (True, True, True)
) -> tuple[Any, Any, Any]:
    lead = tuple(range(g.ndim - 1))
    none = ((), ())
    gx = gw = gb = None
    if needs[0]:
        gx = apply(dot_general_p, g, w, contracting=((g.ndim - 1,), (0,)), batch=none)
    if needs[1]:
        gw = apply(dot_general_p, g, x, contracting=(lead, lead), batch=none)
    if needs[2]:
        gb = apply(get_primitive("reduce_sum"), g, axes=lead, keepdims=False) if lead else g
    return gx, gw, gb


@linear_p.jvp
def _linear_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
    (x, w, b), (tx, tw, tb) = primals, tangents
    out = apply(linear_p, x, w, b)
    terms = []
    if tx is not None:
        terms.append(dot_general(tx, w, ((tx.ndim - 1,), (1,))))
    if tw is not None:
        terms.append(dot_general(x, tw, ((x.ndim - 1,), (1,))))
    if tb is not None:
        terms.append(ops.broadcast_to(tb, out.shape))
    if not terms:
        return out, None
    total = terms[0]
    for t in terms[1:]:
        total = ops.add(total, t)
    return out, total


# Batched: only x batched -> its batch axis is one more leading axis; otherwise a batched
# contraction with w plus the bias, each example's own.
@linear_p.batch
def _linear_batch(values: Any, axes: Any, /) -> tuple[Any, int]:
    (x, w, b), (ax, aw, ab) = values, axes
    if aw is None and ab is None:
        return apply(linear_p, batching.moveaxis(x, ax, 0), w, b), 0
    size = batching.batch_size(values, axes)
    x, w, b = (batching.to_axis(v, a, size) for v, a in zip(values, axes))
    product = dot_general(x, w, contracting=((x.ndim - 1,), (2,)), batch=((0,), (0,)))
    bias = ops.reshape(b, (size,) + (1,) * (x.ndim - 2) + (b.shape[1],))
    return ops.add(product, ops.broadcast_to(bias, product.shape)), 0
