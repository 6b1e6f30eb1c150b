"""Solvers on stacks of matrices (``(..., m, n)``): inverse, solve (general and
triangular) and the log-determinant, with the helpers on the last two axes that they and
the decompositions (``decompositions.py``) share.

Every front end's ``linalg`` calls these. Their VJPs and JVPs are written with the same
primitives (matrix products, solves, masks), so second derivatives come for free; the
formulas are the standard ones (Giles 2008, "An extended collection of matrix derivative
results").

A singular input raises ``LinAlgError`` (NumPy's, a ValueError) from the implementation;
the front ends translate it into their framework's error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, check_dtype, type_text
from workbench.core.primitives.operands import lift

FAMILY = "linear algebra"


# ---------------------------------------------------------------------------------------
# helpers on the last two axes


def mT(x: Any) -> Any:
    """The matrix transpose of each matrix in a stack."""
    perm = list(range(x.ndim))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    return ops.transpose(x, perm)


def constant(x: Any, host: np.ndarray) -> Any:
    return ops.array(host.astype(x.dtype), device=x.device)


def tril(x: Any, k: int = 0) -> Any:
    """``x`` with everything above diagonal ``k`` zeroed."""
    return ops.mul(x, constant(x, np.tril(np.ones(x.shape[-2:]), k)))


def diagonal(x: Any) -> Any:
    """The main diagonals of a stack of square matrices, ``(..., n)``."""
    return ops.reduce_sum(ops.mul(x, constant(x, np.eye(x.shape[-1]))), -1)


def diag_embed(v: Any) -> Any:
    """Square matrices with ``v``'s last axis on their diagonals."""
    return ops.mul(ops.expand_dims(v, [v.ndim]), constant(v, np.eye(v.shape[-1])))


def leading_columns(x: Any, count: int) -> Any:
    return ops.slice(x, (0,) * x.ndim, (*x.shape[:-1], count))


def leading_rows(x: Any, count: int) -> Any:
    return ops.slice(x, (0,) * x.ndim, (*x.shape[:-2], count, x.shape[-1]))


def off_diagonal_reciprocal(d: Any) -> Any:
    """F with F[i, j] = 1 / d[i, j] off the diagonal and 0 on it."""
    eye = constant(d, np.eye(d.shape[-1]))
    return ops.sub(ops.reciprocal(ops.add(d, eye)), eye)


def pairwise_differences(v: Any) -> Any:
    """D with D[i, j] = v[j] - v[i]."""
    return ops.sub(ops.expand_dims(v, [v.ndim - 1]), ops.expand_dims(v, [v.ndim]))


def symmetric(x: Any) -> Any:
    """(x + xᵀ) / 2: a tangent of a symmetric input, so the JVP is the VJP's transpose."""
    return ops.mul(ops.add(x, mT(x)), 0.5)


def add_or_none(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else ops.add(a, b)


# ---------------------------------------------------------------------------------------
# shape checks and the one batching rule (the implementations take stacks already)


def check_matrix(name: str, a: Any, square: bool = True) -> None:
    check_dtype(name, a, "float")
    if a.ndim < 2:
        raise ValueError(f"{name}: expected a matrix or a stack of them, got {type_text(a)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: expected square matrices, got {type_text(a)}")


def like(a: Any, shape: tuple[Any, ...], dtype: Any = None) -> Type:
    return Type(tuple(shape), a.dtype if dtype is None else dtype, a.device)


def square_like(name: str, a: Any) -> Type:
    """The type of a result shaped as the square input ``a``."""
    check_matrix(name, a)
    return like(a, a.shape)


_HALF = (dtypes.float16, dtypes.bfloat16)


def half_via_float32(prim: Primitive) -> None:
    """LAPACK has no 16-bit types: a float16 or bfloat16 matrix is factored in float32
    and the results rounded back (what XLA does on the CPU)."""
    impl = prim.impl

    def run(xp: Any, *args: Any, **params: Any) -> Any:
        half = next((a.dtype for a in args if a.dtype in _HALF), None)
        if half is None:
            return impl(xp, *args, **params)
        wide = [a.astype("float32") if a.dtype in _HALF else a for a in args]
        out = impl(xp, *wide, **params)
        back = lambda o: o.astype(half) if o.dtype == dtypes.float32 else o  # noqa: E731
        return tuple(back(o) for o in out) if prim.multiple_results else back(out)

    prim.impl = run


def stacked_batch(prim: Primitive) -> None:
    @prim.batch
    def rule(values: Any, axes: Any, /, **params: Any) -> tuple[Any, Any]:
        size = batching.batch_size(values, axes)
        moved = [batching.to_axis(v, a, size) for v, a in zip(values, axes)]
        out = apply(prim, *moved, **params)
        return out, ((0,) * len(out) if prim.multiple_results else 0)


def _solve_operands(name: str, a: Any, b: Any) -> None:
    check_matrix(name, a)
    check_dtype(name, b, "float")
    if b.dtype != a.dtype or b.device is not a.device:
        raise TypeError(
            f"{name}: operands must share dtype and device, got {type_text(a)} on {a.device} "
            f"and {type_text(b)} on {b.device}"
        )
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise ValueError(
            f"{name}: cannot solve {type_text(a)} X = {type_text(b)}: the right-hand side "
            f"must be (..., {a.shape[-1]}, k) with the same leading dimensions"
        )


# ---------------------------------------------------------------------------------------
# inv: X = A⁻¹    VJP: -Xᵀ g Xᵀ    JVP: -X dA X

inv_p = Primitive(
    "inv",
    impl=lambda xp, a: xp.linalg.inv(a),
    shape=lambda a: square_like("inv", a),
    family=FAMILY,
)
stacked_batch(inv_p)
half_via_float32(inv_p)


def inv(a: Any) -> Any:
    (a,) = lift("inv", a)
    return apply(inv_p, a)


@inv_p.vjp
def _inv_vjp(g: Any, a: Any, *, out: Any) -> tuple[Any]:
    xt = mT(out)
    return (ops.neg(ops.matmul(ops.matmul(xt, g), xt)),)


@inv_p.jvp
def _inv_jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
    x = inv(primals[0])
    if tangents[0] is None:
        return x, None
    return x, ops.neg(ops.matmul(ops.matmul(x, tangents[0]), x))


# ---------------------------------------------------------------------------------------
# solve: X = A⁻¹ B for B of shape (..., n, k)    VJP: gB = A⁻ᵀ g, gA = -gB Xᵀ
# JVP: A⁻¹ (dB - dA X)


def _solve_shape(a: Any, b: Any) -> Type:
    _solve_operands("solve", a, b)
    return like(b, b.shape)


solve_p = Primitive(
    "solve", impl=lambda xp, a, b: xp.linalg.solve(a, b), shape=_solve_shape, family=FAMILY
)
stacked_batch(solve_p)
half_via_float32(solve_p)


def solve(a: Any, b: Any) -> Any:
    a, b = lift("solve", a, b)
    return apply(solve_p, a, b)


@solve_p.vjp
def _solve_vjp(g: Any, a: Any, b: Any, *, out: Any) -> tuple[Any, Any]:
    gb = solve(mT(a), g)
    return ops.neg(ops.matmul(gb, mT(out))), gb


@solve_p.jvp
def _solve_jvp(primals: tuple[Any, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    (a, b), (da, db) = primals, tangents
    x = solve(a, b)
    rhs = db
    if da is not None:
        rhs = add_or_none(rhs, ops.neg(ops.matmul(da, x)))
    return x, None if rhs is None else solve(a, rhs)


# ---------------------------------------------------------------------------------------
# triangular_solve: X = T⁻¹ B where T is A's lower (or upper) triangle, the rest of A
# unread; with unit_diagonal its diagonal is taken as ones.
# VJP: gB = T⁻ᵀ g, gA = -(gB Xᵀ) on T's triangle    JVP: T⁻¹ (dB - tri(dA) X)


def _triangle_mask(n: int, lower: bool, unit_diagonal: bool) -> np.ndarray:
    keep = np.tril(np.ones((n, n)), -1 if unit_diagonal else 0)
    return keep if lower else keep.T


def triangle(x: Any, lower: bool, unit_diagonal: bool = False) -> Any:
    """The triangle of ``x`` that triangular_solve reads (its diagonal left out when
    unit_diagonal)."""
    return ops.mul(x, constant(x, _triangle_mask(x.shape[-1], lower, unit_diagonal)))


def _triangular_impl(xp: Any, a: Any, b: Any, *, lower: bool, unit_diagonal: bool) -> Any:
    t = xp.tril(a) if lower else xp.triu(a)
    if unit_diagonal:
        n = a.shape[-1]
        t = t * (1 - xp.eye(n, dtype=a.dtype)) + xp.eye(n, dtype=a.dtype)
    return xp.linalg.solve(t, b)


def _triangular_shape(a: Any, b: Any, *, lower: bool, unit_diagonal: bool) -> Type:
    _solve_operands("triangular_solve", a, b)
    return like(b, b.shape)


triangular_solve_p = Primitive(
    "triangular_solve", impl=_triangular_impl, shape=_triangular_shape, family=FAMILY
)
stacked_batch(triangular_solve_p)
half_via_float32(triangular_solve_p)


def triangular_solve(a: Any, b: Any, lower: bool = True, unit_diagonal: bool = False) -> Any:
    a, b = lift("triangular_solve", a, b)
    return apply(triangular_solve_p, a, b, lower=bool(lower), unit_diagonal=bool(unit_diagonal))


@triangular_solve_p.vjp
def _triangular_vjp(
    g: Any, a: Any, b: Any, *, out: Any, lower: bool, unit_diagonal: bool
) -> tuple[Any, Any]:
    gb = triangular_solve(mT(a), g, not lower, unit_diagonal)
    return ops.neg(triangle(ops.matmul(gb, mT(out)), lower, unit_diagonal)), gb


@triangular_solve_p.jvp
def _triangular_jvp(
    primals: tuple[Any, Any], tangents: tuple[Any, Any], *, lower: bool, unit_diagonal: bool
) -> tuple[Any, Any]:
    (a, b), (da, db) = primals, tangents
    x = triangular_solve(a, b, lower, unit_diagonal)
    rhs = db
    if da is not None:
        rhs = add_or_none(rhs, ops.neg(ops.matmul(triangle(da, lower, unit_diagonal), x)))
    return x, None if rhs is None else triangular_solve(a, rhs, lower, unit_diagonal)


# ---------------------------------------------------------------------------------------
# slogdet: (sign, log |det A|)    VJP: g_log A⁻ᵀ (the sign is piecewise constant)
# JVP: d log|det A| = Σ A⁻ᵀ ∘ dA


def _slogdet_shape(a: Any) -> tuple[Type, Type]:
    check_matrix("slogdet", a)
    return like(a, a.shape[:-2]), like(a, a.shape[:-2])


def _slogdet_impl(xp: Any, a: Any) -> tuple[Any, Any]:
    sign, log = xp.linalg.slogdet(a)
    return sign.astype(a.dtype), log.astype(a.dtype)


slogdet_p = Primitive(
    "slogdet", impl=_slogdet_impl, shape=_slogdet_shape, multiple_results=True, family=FAMILY
)
stacked_batch(slogdet_p)
half_via_float32(slogdet_p)


def slogdet(a: Any) -> tuple[Any, Any]:
    (a,) = lift("slogdet", a)
    return apply(slogdet_p, a)


@slogdet_p.vjp
def _slogdet_vjp(g: tuple[Any, Any], a: Any, *, out: Any) -> tuple[Any]:
    g_log = g[1]
    if g_log is None:
        return (None,)
    return (ops.mul(ops.expand_dims(g_log, [g_log.ndim, g_log.ndim + 1]), mT(inv(a))),)


@slogdet_p.jvp
def _slogdet_jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
    (a,), (da,) = primals, tangents
    sign, log = slogdet(a)
    if da is None:
        return (sign, log), (None, None)
    return (sign, log), (None, ops.reduce_sum(ops.mul(mT(inv(a)), da), (-2, -1)))
