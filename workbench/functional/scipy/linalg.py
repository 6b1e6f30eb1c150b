"""Mirrors: jax.scipy.linalg on the core's solvers and decompositions (shared with
jnp.linalg, torch.linalg and tf.linalg)."""

from __future__ import annotations

from typing import Any

from workbench.core import ops
from workbench.functional import linalg as jnp_linalg
from workbench.functional.array import Array
from workbench.functional.linalg import _float, _mT


def cholesky(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Array:
    """SciPy's default is the upper factor."""
    low = ops.cholesky(_float(a))
    return Array(low if lower else _mT(low))


def cho_factor(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Array, bool]:
    return cholesky(a, lower), lower


def cho_solve(
    c_and_lower: Any, b: Any, overwrite_b: bool = False, check_finite: bool = True
) -> Array:
    c, lower = c_and_lower
    factor = _float(c) if lower else _mT(_float(c))  # the lower factor L, A = L Lᵀ
    rhs = _float(b)
    vector = rhs.ndim == 1
    if vector:
        rhs = ops.reshape(rhs, (rhs.shape[0], 1))
    y = ops.triangular_solve(factor, rhs, lower=True)
    x = ops.triangular_solve(_mT(factor), y, lower=False)
    return Array(ops.reshape(x, (x.shape[0],)) if vector else x)


def solve_triangular(
    a: Any,
    b: Any,
    trans: Any = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    debug: Any = None,
    check_finite: bool = True,
) -> Array:
    matrix, rhs = _float(a), _float(b)
    if trans in (1, 2, "T", "C"):
        matrix, lower = _mT(matrix), not lower
    vector = rhs.ndim == 1
    if vector:
        rhs = ops.reshape(rhs, (rhs.shape[0], 1))
    x = ops.triangular_solve(matrix, rhs, lower=lower, unit_diagonal=unit_diagonal)
    return Array(ops.reshape(x, (x.shape[0],)) if vector else x)


def solve(a: Any, b: Any, lower: bool = False, assume_a: str = "gen", **_: Any) -> Array:
    return jnp_linalg.solve(a, b)


def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    return jnp_linalg.inv(a)


def det(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    return jnp_linalg.det(a)


def eigh(a: Any, lower: bool = True, eigvals_only: bool = False, **_: Any) -> Any:
    w, v = jnp_linalg.eigh(a)
    return w if eigvals_only else (w, v)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, **_: Any) -> Any:
    return jnp_linalg.svd(a, full_matrices, compute_uv)


def qr(a: Any, mode: str = "full", **_: Any) -> Any:
    q, r = jnp_linalg.qr(a, "complete" if mode == "full" else "reduced")
    return (r,) if mode == "r" else (q, r)


def expm(a: Any, *, upper_triangular: bool = False, max_squarings: int = 16) -> Array:
    """e^A by scaling and squaring with a degree-12 Taylor polynomial (differentiable: it
    is matrix products only)."""
    import numpy as np  # noqa: PLC0415

    from workbench.core.values import ConcretizationError  # noqa: PLC0415
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    m = jnp.asarray(a)
    try:  # the 1-norm decides how often to halve; traced (under jit), a safe fixed count
        norm = float(np.max(np.sum(np.abs(np.asarray(m)), axis=-2)))
        squarings = max(0, min(max_squarings, int(np.ceil(np.log2(max(norm, 1e-300)))) + 1))
    except (ConcretizationError, TypeError):
        squarings = 8
    scaled = m / (2.0**squarings)
    eye = jnp.eye(m.shape[-1], dtype=m.dtype)
    term, total = eye, eye
    for k in range(1, 13):
        term = jnp.matmul(term, scaled) / k
        total = total + term
    for _ in range(squarings):
        total = jnp.matmul(total, total)
    return total


__all__ = [
    "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv", "qr", "solve",
    "solve_triangular", "svd",
]  # fmt: skip
