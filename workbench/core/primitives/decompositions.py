"""Matrix decompositions: Cholesky, the symmetric eigendecomposition, SVD, QR and the
pseudo-inverse, on stacks of matrices (``(..., m, n)``), with the composites built from
them (det, lstsq, the matrix norms) at the end of the file.

The derivative formulas are the standard ones (Murray 2016 for Cholesky; Townsend 2016
for the SVD; Walter and Lehmann's for QR) in the form PyTorch and JAX use, so gradients
agree with theirs, including where a gradient of a symmetric input lands (both
triangles, symmetrised). They are written with primitives, so they differentiate again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, type_text
from workbench.core.primitives.operands import lift
from workbench.core.primitives.solvers import (
    FAMILY,
    add_or_none,
    check_matrix,
    constant,
    diag_embed,
    diagonal,
    half_via_float32,
    leading_columns,
    leading_rows,
    like,
    mT,
    off_diagonal_reciprocal,
    pairwise_differences,
    slogdet,
    square_like,
    stacked_batch,
    symmetric,
    triangular_solve,
    tril,
)

# ---------------------------------------------------------------------------------------
# cholesky: L lower-triangular with L Lᵀ = A (A's lower triangle read)
# VJP: sym(L⁻ᵀ Φ(Lᵀ g) L⁻¹), Φ = the lower triangle with its diagonal halved
# JVP: L Φ(L⁻¹ dA L⁻ᵀ)


def _phi(x: Any) -> Any:
    n = x.shape[-1]
    return ops.mul(x, constant(x, np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)))


def _cholesky_impl(xp: Any, a: Any) -> Any:
    if a.size == 0:
        return xp.zeros_like(a)
    return xp.linalg.cholesky(a)


cholesky_p = Primitive(
    "cholesky",
    impl=_cholesky_impl,
    shape=lambda a: square_like("cholesky", a),
    family=FAMILY,
)
stacked_batch(cholesky_p)
half_via_float32(cholesky_p)


def cholesky(a: Any) -> Any:
    (a,) = lift("cholesky", a)
    return apply(cholesky_p, a)


@cholesky_p.vjp
def _cholesky_vjp(g: Any, a: Any, *, out: Any) -> tuple[Any]:
    lt = mT(out)
    inner = triangular_solve(lt, _phi(ops.matmul(lt, g)), lower=False)  # L⁻ᵀ Φ(Lᵀ g)
    full = mT(triangular_solve(lt, mT(inner), lower=False))  # … L⁻¹
    return (ops.mul(ops.add(full, mT(full)), 0.5),)


@cholesky_p.jvp
def _cholesky_jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
    (a,), (da,) = primals, tangents
    low = cholesky(a)
    if da is None:
        return low, None
    da = symmetric(da)
    left = triangular_solve(low, da, lower=True)  # L⁻¹ dA
    both = mT(triangular_solve(low, mT(left), lower=True))  # … L⁻ᵀ
    return low, ops.matmul(low, _phi(both))


# ---------------------------------------------------------------------------------------
# eigh: (w, V) with A V = V diag(w), w ascending (A's lower triangle read)
# VJP: V (diag(g_w) + F ∘ sym-skew(Vᵀ g_V)) Vᵀ with F[i, j] = 1 / (w_j - w_i)
# JVP: dw = diag(Vᵀ dA V), dV = V (F ∘ Vᵀ dA V)


def _eigh_shape(a: Any) -> tuple[Type, Type]:
    check_matrix("eigh", a)
    return like(a, a.shape[:-1]), like(a, a.shape)


eigh_p = Primitive(
    "eigh",
    impl=lambda xp, a: tuple(xp.linalg.eigh(a)),
    shape=_eigh_shape,
    multiple_results=True,
    family=FAMILY,
)
stacked_batch(eigh_p)
half_via_float32(eigh_p)


def eigh(a: Any) -> tuple[Any, Any]:
    (a,) = lift("eigh", a)
    return apply(eigh_p, a)


@eigh_p.vjp
def _eigh_vjp(g: tuple[Any, Any], a: Any, *, out: Any) -> tuple[Any]:
    (gw, gv), (w, v) = g, out
    inner = None
    if gv is not None:
        vtg = ops.matmul(mT(v), gv)
        skew = ops.mul(ops.sub(vtg, mT(vtg)), 0.5)
        inner = ops.mul(off_diagonal_reciprocal(pairwise_differences(w)), skew)
    if gw is not None:
        inner = add_or_none(inner, diag_embed(gw))
    if inner is None:
        return (None,)
    return (ops.matmul(ops.matmul(v, inner), mT(v)),)


@eigh_p.jvp
def _eigh_jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
    (a,), (da,) = primals, tangents
    w, v = eigh(a)
    if da is None:
        return (w, v), (None, None)
    da = symmetric(da)
    rotated = ops.matmul(ops.matmul(mT(v), da), v)
    f = off_diagonal_reciprocal(pairwise_differences(w))
    return (w, v), (diagonal(rotated), ops.matmul(v, ops.mul(f, rotated)))


# ---------------------------------------------------------------------------------------
# svd: (U, S, Vh) with A = U diag(S) Vh, S descending; with full_matrices, U and Vh are
# square and their extra columns/rows get no gradient (any basis would do), as in PyTorch.
# VJP and JVP: Townsend's formulas, with E[i, j] = S_j² - S_i².


def _svd_shape(a: Any, *, full_matrices: bool) -> tuple[Type, Type, Type]:
    check_matrix("svd", a, square=False)
    *lead, m, n = a.shape
    k = min(m, n)
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    return like(a, (*lead, m, u_cols)), like(a, (*lead, k)), like(a, (*lead, v_rows, n))


def _svd_impl(xp: Any, a: Any, *, full_matrices: bool) -> tuple[Any, Any, Any]:
    *lead, m, n = a.shape
    if a.size == 0:  # LAPACK refuses empty matrices; their factors are identities/empty
        k = min(m, n)
        u = xp.broadcast_to(xp.eye(m, m if full_matrices else k, dtype=a.dtype), (*lead, m, -1))
        vh = xp.broadcast_to(xp.eye(n if full_matrices else k, n, dtype=a.dtype), (*lead, -1, n))
        return u.copy(), xp.zeros((*lead, k), a.dtype), vh.copy()
    return tuple(xp.linalg.svd(a, full_matrices=full_matrices))


svd_p = Primitive("svd", impl=_svd_impl, shape=_svd_shape, multiple_results=True, family=FAMILY)
stacked_batch(svd_p)
half_via_float32(svd_p)


def svd(a: Any, full_matrices: bool = False) -> tuple[Any, Any, Any]:
    (a,) = lift("svd", a)
    return apply(svd_p, a, full_matrices=bool(full_matrices))


@svd_p.vjp
def _svd_vjp(g: tuple[Any, Any, Any], a: Any, *, out: Any, full_matrices: bool) -> tuple[Any]:
    (gu, gs, gvh), (u, s, vh) = g, out
    m, n = a.shape[-2:]
    k = min(m, n)
    if full_matrices:  # only the first k singular vectors are determined
        u, vh = leading_columns(u, k), leading_rows(vh, k)
        gu = None if gu is None else leading_columns(gu, k)
        gvh = None if gvh is None else leading_rows(gvh, k)
    if gu is None and gvh is None:
        if gs is None:
            return (None,)
        return (ops.matmul(ops.mul(u, ops.expand_dims(gs, [gs.ndim - 1])), vh),)
    s_row = ops.expand_dims(s, [s.ndim - 1])  # (..., 1, k): scales columns
    s_col = ops.expand_dims(s, [s.ndim])  # (..., k, 1): scales rows
    f = off_diagonal_reciprocal(pairwise_differences(ops.mul(s, s)))
    inner = None
    if gu is not None:
        utgu = ops.matmul(mT(u), gu)
        inner = ops.mul(ops.mul(ops.sub(utgu, mT(utgu)), s_row), f)
    if gvh is not None:
        vhgv = ops.matmul(vh, mT(gvh))
        inner = add_or_none(inner, ops.mul(ops.mul(s_col, ops.sub(vhgv, mT(vhgv))), f))
    if gs is not None:
        inner = add_or_none(inner, diag_embed(gs))
    if m > n and gu is not None:  # U's columns leave A's range: project gU onto the rest
        gu_s = ops.div(gu, s_row)
        rest = ops.sub(gu_s, ops.matmul(u, ops.matmul(mT(u), gu_s)))
        return (ops.matmul(ops.add(ops.matmul(u, inner), rest), vh),)
    if n > m and gvh is not None:
        gvh_s = ops.div(gvh, s_col)
        rest = ops.sub(gvh_s, ops.matmul(ops.matmul(gvh_s, mT(vh)), vh))
        return (ops.matmul(u, ops.add(ops.matmul(inner, vh), rest)),)
    return (ops.matmul(ops.matmul(u, inner), vh),)


@svd_p.jvp
def _svd_jvp(primals: tuple[Any], tangents: tuple[Any], *, full_matrices: bool) -> tuple[Any, Any]:
    (a,), (da,) = primals, tangents
    u, s, vh = svd(a, full_matrices)
    if da is None:
        return (u, s, vh), (None, None, None)
    m, n = a.shape[-2:]
    if full_matrices and m != n:
        raise NotImplementedError(
            "svd: forward-mode derivatives of full_matrices=True with a non-square input are "
            "not defined (the extra singular vectors are any basis); use full_matrices=False"
        )
    v = mT(vh)
    p = ops.matmul(ops.matmul(mT(u), da), v)  # Uᵀ dA V
    ds = diagonal(p)
    f = off_diagonal_reciprocal(pairwise_differences(ops.mul(s, s)))
    s_row = ops.expand_dims(s, [s.ndim - 1])
    s_col = ops.expand_dims(s, [s.ndim])
    p_s, s_p = ops.mul(p, s_row), ops.mul(s_col, p)
    du = ops.matmul(u, ops.mul(f, ops.add(p_s, mT(p_s))))
    dv = ops.matmul(v, ops.mul(f, ops.add(s_p, mT(s_p))))
    if m > n:
        dav = ops.matmul(da, v)
        du = ops.add(du, ops.div(ops.sub(dav, ops.matmul(u, ops.matmul(mT(u), dav))), s_row))
    if n > m:
        datu = ops.matmul(mT(da), u)
        dv = ops.add(dv, ops.div(ops.sub(datu, ops.matmul(v, ops.matmul(vh, datu))), s_row))
    return (u, s, vh), (du, ds, mT(dv))


# ---------------------------------------------------------------------------------------
# qr: (Q, R) with A = Q R, Q's columns orthonormal, R upper-triangular; reduced unless
# complete (then Q is square; its derivative is defined only when rows <= columns).
# VJP for rows >= columns: (gQ + Q copyltu(M)) R⁻ᵀ with M = R gRᵀ - gQᵀ Q; for fewer rows
# the square left block is handled so and the rest of A gets Q gR's right part.


def _qr_shape(a: Any, *, complete: bool) -> tuple[Type, Type]:
    check_matrix("qr", a, square=False)
    *lead, m, n = a.shape
    k = m if complete else min(m, n)
    return like(a, (*lead, m, k)), like(a, (*lead, k, n))


def _qr_impl(xp: Any, a: Any, *, complete: bool) -> tuple[Any, Any]:
    *lead, m, n = a.shape
    if a.size == 0:
        k = m if complete else min(m, n)
        q = xp.broadcast_to(xp.eye(m, k, dtype=a.dtype), (*lead, m, k)).copy()
        return q, xp.zeros((*lead, k, n), a.dtype)
    return tuple(xp.linalg.qr(a, mode="complete" if complete else "reduced"))


qr_p = Primitive("qr", impl=_qr_impl, shape=_qr_shape, multiple_results=True, family=FAMILY)
stacked_batch(qr_p)
half_via_float32(qr_p)


def qr(a: Any, complete: bool = False) -> tuple[Any, Any]:
    (a,) = lift("qr", a)
    return apply(qr_p, a, complete=bool(complete))


def _qr_not_differentiable(a: Any, complete: bool) -> None:
    if complete and a.shape[-2] > a.shape[-1]:
        raise RuntimeError(
            "The QR decomposition is not differentiable when mode='complete' and "
            f"nrows > ncols (got {type_text(a)})"
        )


def _copyltu(x: Any) -> Any:
    """The symmetric matrix with ``x``'s lower triangle."""
    low = tril(x, -1)
    return ops.add(ops.add(low, mT(low)), diag_embed(diagonal(x)))


def _qr_square_vjp(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The VJP for rows >= columns: R is square and invertible."""
    m = ops.neg(ops.matmul(mT(gq), q))
    if gr is not None:
        m = ops.add(m, ops.matmul(r, mT(gr)))
    b = ops.add(gq, ops.matmul(q, _copyltu(m)))
    return mT(triangular_solve(r, mT(b), lower=False))  # b R⁻ᵀ


@qr_p.vjp
def _qr_vjp(g: tuple[Any, Any], a: Any, *, out: Any, complete: bool) -> tuple[Any]:
    (gq, gr), (q, r) = g, out
    _qr_not_differentiable(a, complete)
    if gq is None and gr is None:
        return (None,)
    gq = ops.zeros_like(q) if gq is None else gq
    m, n = a.shape[-2:]
    if m >= n:
        return (_qr_square_vjp(q, r, gq, gr),)
    # A = [X | Y] with X = Q U square: Y = Q V gives Y's gradient and feeds Q's
    y_part = ops.slice(a, (0,) * (a.ndim - 1) + (m,), a.shape)
    u = ops.slice(r, (0,) * r.ndim, (*r.shape[:-1], m))
    if gr is None:
        return (ops.concatenate([_qr_square_vjp(q, u, gq, None), ops.zeros_like(y_part)], -1),)
    gu = ops.slice(gr, (0,) * gr.ndim, (*gr.shape[:-1], m))
    gv = ops.slice(gr, (0,) * (gr.ndim - 1) + (m,), gr.shape)
    gq_all = ops.add(gq, ops.matmul(y_part, mT(gv)))
    return (ops.concatenate([_qr_square_vjp(q, u, gq_all, gu), ops.matmul(q, gv)], -1),)


def _qr_square_jvp(q: Any, r: Any, da: Any) -> tuple[Any, Any]:
    da_rinv = mT(triangular_solve(mT(r), mT(da), lower=True))  # dA R⁻¹
    qt = ops.matmul(mT(q), da_rinv)
    low = tril(qt, -1)
    omega = ops.sub(low, mT(low))
    dq = ops.add(ops.matmul(q, ops.sub(omega, qt)), da_rinv)
    dr = ops.matmul(ops.sub(qt, omega), r)
    return dq, dr


@qr_p.jvp
def _qr_jvp(primals: tuple[Any], tangents: tuple[Any], *, complete: bool) -> tuple[Any, Any]:
    (a,), (da,) = primals, tangents
    q, r = qr(a, complete)
    if da is None:
        return (q, r), (None, None)
    _qr_not_differentiable(a, complete)
    m, n = a.shape[-2:]
    if m >= n:
        return (q, r), _qr_square_jvp(q, r, da)
    u = ops.slice(r, (0,) * r.ndim, (*r.shape[:-1], m))
    dx = ops.slice(da, (0,) * da.ndim, (*da.shape[:-1], m))
    dy = ops.slice(da, (0,) * (da.ndim - 1) + (m,), da.shape)
    y = ops.slice(a, (0,) * (a.ndim - 1) + (m,), a.shape)
    dq, du = _qr_square_jvp(q, u, dx)
    dv = ops.add(ops.matmul(mT(dq), y), ops.matmul(mT(q), dy))
    return (q, r), (dq, ops.concatenate([du, dv], -1))


# ---------------------------------------------------------------------------------------
# pinv: the Moore–Penrose pseudo-inverse X (n×m) of A (m×n), singular values below
# rtol × the largest treated as zero.
# VJP (constant rank): -Xᵀ g Xᵀ + (I - A X) gᵀ X Xᵀ ... transposed: see the rule.


def _pinv_shape(a: Any, *, rtol: float) -> Type:
    check_matrix("pinv", a, square=False)
    return like(a, (*a.shape[:-2], a.shape[-1], a.shape[-2]))


def _pinv_impl(xp: Any, a: Any, *, rtol: float) -> Any:
    if a.size == 0:
        return xp.zeros((*a.shape[:-2], a.shape[-1], a.shape[-2]), a.dtype)
    return xp.linalg.pinv(a, rcond=rtol).astype(a.dtype)


pinv_p = Primitive("pinv", impl=_pinv_impl, shape=_pinv_shape, family=FAMILY)
stacked_batch(pinv_p)
half_via_float32(pinv_p)


def pinv(a: Any, rtol: float | None = None) -> Any:
    """The pseudo-inverse; ``rtol`` defaults to eps × max(m, n), PyTorch's and NumPy 2's."""
    (a,) = lift("pinv", a)
    if rtol is None:
        rtol = float(np.finfo(a.dtype).eps) * max(a.shape[-2:], default=1)
    return apply(pinv_p, a, rtol=float(rtol))


@pinv_p.vjp
def _pinv_vjp(g: Any, a: Any, *, out: Any, rtol: float) -> tuple[Any]:
    x, xt, gt = out, mT(out), mT(g)
    eye_m = constant(a, np.eye(a.shape[-2]))
    eye_n = constant(a, np.eye(a.shape[-1]))
    range_rest = ops.sub(eye_m, ops.matmul(a, x))  # I - A X
    domain_rest = ops.sub(eye_n, ops.matmul(x, a))  # I - X A
    term1 = ops.neg(ops.matmul(ops.matmul(xt, g), xt))
    term2 = ops.matmul(ops.matmul(range_rest, gt), ops.matmul(x, xt))
    term3 = ops.matmul(ops.matmul(xt, x), ops.matmul(gt, domain_rest))
    return (ops.add(ops.add(term1, term2), term3),)


@pinv_p.jvp
def _pinv_jvp(primals: tuple[Any], tangents: tuple[Any], *, rtol: float) -> tuple[Any, Any]:
    (a,), (da,) = primals, tangents
    x = apply(pinv_p, a, rtol=rtol)
    if da is None:
        return x, None
    eye_m = constant(a, np.eye(a.shape[-2]))
    eye_n = constant(a, np.eye(a.shape[-1]))
    dat = mT(da)
    term1 = ops.neg(ops.matmul(ops.matmul(x, da), x))
    term2 = ops.matmul(ops.matmul(x, mT(x)), ops.matmul(dat, ops.sub(eye_m, ops.matmul(a, x))))
    term3 = ops.matmul(ops.matmul(ops.sub(eye_n, ops.matmul(x, a)), dat), ops.matmul(mT(x), x))
    return x, ops.add(ops.add(term1, term2), term3)


# ---------------------------------------------------------------------------------------
# Composites


def det(a: Any) -> Any:
    """sign × exp(log |det|): 0 for a singular matrix."""
    sign, log = slogdet(a)
    return ops.mul(sign, ops.exp(log))


def svdvals(a: Any) -> Any:
    return svd(a)[1]


def matrix_norm(a: Any, ord: Any = "fro", keepdims: bool = False) -> Any:  # noqa: A002
    """The Frobenius ('fro'), nuclear ('nuc'), spectral (±2) or induced (±1, ±inf) norm of
    each matrix (the last two axes)."""
    (a,) = lift("matrix_norm", a)
    check_matrix("matrix_norm", a, square=False)
    if ord == "fro":
        out = ops.sqrt(ops.reduce_sum(ops.mul(a, a), (-2, -1)))
    elif ord == "nuc":
        out = ops.reduce_sum(svdvals(a), -1)
    elif ord in (2, -2):
        s = svdvals(a)
        out = ops.reduce_max(s, -1) if ord == 2 else ops.reduce_min(s, -1)
    elif ord in (1, -1, np.inf, -np.inf):
        summed_axis, picked_axis = (-2, -1) if abs(ord) == 1 else (-1, -2)
        sums = ops.reduce_sum(ops.abs(a), summed_axis, keepdims=True)
        pick = ops.reduce_max if ord > 0 else ops.reduce_min
        out = ops.squeeze(pick(sums, picked_axis, keepdims=True), [a.ndim - 2, a.ndim - 1])
    else:
        raise ValueError(
            f"matrix_norm: order {ord!r} is not one of 'fro', 'nuc', inf, -inf, 1, -1, 2, -2"
        )
    if keepdims:
        out = ops.expand_dims(out, [out.ndim, out.ndim + 1])
    return out


def lstsq(a: Any, b: Any, rtol: float | None = None) -> Any:
    """The least-squares (minimum-norm) solution X of A X ≈ B, B of shape (..., m, k)."""
    return ops.matmul(pinv(a, rtol), b)
