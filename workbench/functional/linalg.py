"""``jax.numpy.linalg`` over the core's solvers and decompositions (the primitives every
front end shares): ``jnp.linalg.solve``, ``eigh``, ``svd`` … with JAX's result types
(``SlogdetResult``, ``EighResult``, ``SVDResult``, ``QRResult``) and defaults.

One difference: a singular or indefinite input raises NumPy's ``LinAlgError`` here,
where JAX returns arrays of NaN.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from workbench.backend import dtypes
from workbench.core import ops
from workbench.core.primitive import normalize_axes
from workbench.functional.array import Array, value_of


class SlogdetResult(NamedTuple):
    sign: Array
    logabsdet: Array


class EighResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class SVDResult(NamedTuple):
    U: Array
    S: Array
    Vh: Array


class QRResult(NamedTuple):
    Q: Array
    R: Array


def _float(x: Any) -> Any:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp._float(value_of(x))


def _mT(v: Any) -> Any:
    return ops.transpose(v, [*builtins.range(v.ndim - 2), v.ndim - 1, v.ndim - 2])


def _symmetrised(v: Any) -> Any:
    return ops.mul(ops.add(v, _mT(v)), 0.5)


def _lead(a: Any, b: Any) -> tuple[Any, Any]:
    """Both with their batch dimensions (all but the last two) broadcast together."""
    lead = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    return (
        ops.broadcast_to(a, (*lead, *a.shape[-2:])),
        ops.broadcast_to(b, (*lead, *b.shape[-2:])),
    )


def inv(a: Any) -> Array:
    return Array(ops.inv(_float(a)))


def solve(a: Any, b: Any) -> Array:
    """x with a x = b; b is a vector when it has one dimension (JAX's rule)."""
    av, bv = _float(a), _float(b)
    if bv.ndim == 1:
        return Array(ops.reshape(solve(av, ops.reshape(bv, (bv.shape[0], 1)))._value, bv.shape))
    av, bv = _lead(av, bv)
    return Array(ops.solve(av, bv))


def det(a: Any) -> Array:
    return Array(ops.det(_float(a)))


def slogdet(a: Any) -> SlogdetResult:
    sign, log = ops.slogdet(_float(a))
    return SlogdetResult(Array(sign), Array(log))


def cholesky(a: Any, *, upper: bool = False, symmetrize_input: bool = True) -> Array:
    v = _float(a)
    low = ops.cholesky(_symmetrised(v) if symmetrize_input else v)
    return Array(_mT(low) if upper else low)


def eigh(a: Any, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors; the input is symmetrised first, as JAX
    does by default (else its lower triangle is read, its upper with UPLO='U')."""
    v = _float(a)
    if symmetrize_input:
        v = _symmetrised(v)
    elif UPLO == "U":
        v = _mT(v)
    w, vecs = ops.eigh(v)
    return EighResult(Array(w), Array(vecs))


def eigvalsh(a: Any, UPLO: str | None = "L", *, symmetrize_input: bool = True) -> Array:  # noqa: N803
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    u, s, vh = ops.svd(_float(a), full_matrices)
    if not compute_uv:
        return Array(s)
    return SVDResult(Array(u), Array(s), Array(vh))


def svdvals(x: Any) -> Array:
    return Array(ops.svdvals(_float(x)))


def qr(a: Any, mode: str = "reduced") -> Any:
    """Q, R; mode 'complete' makes Q square, mode 'r' returns R alone."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    q, r = ops.qr(_float(a), mode == "complete")
    return Array(r) if mode == "r" else QRResult(Array(q), Array(r))


def pinv(a: Any, rtol: Any = None, hermitian: bool = False, *, rcond: Any = None) -> Array:
    """The pseudo-inverse; singular values below rtol × the largest dropped (JAX's default
    rtol is 10 × max(m, n) × eps)."""
    v = _float(a)
    tol = rtol if rtol is not None else rcond
    if tol is None:
        tol = 10 * builtins.max(v.shape[-2:], default=1) * float(np.finfo(v.dtype).eps)
    return Array(ops.pinv(v, float(tol)))


def lstsq(a: Any, b: Any, rcond: Any = None, *, numpy_resid: bool = False) -> tuple[Array, ...]:
    """(x, residuals, rank, singular values) as NumPy returns them."""
    av, bv = _float(a), _float(b)
    vector = bv.ndim == 1
    rhs = ops.reshape(bv, (bv.shape[0], 1)) if vector else bv
    m, n = av.shape[-2:]
    eps = float(np.finfo(av.dtype).eps)
    tol = builtins.max(m, n) * eps if rcond is None else rcond
    x = ops.lstsq(av, rhs, tol)
    s = ops.svdvals(ops.stop_gradient(av))
    rank = ops.reduce_sum(
        ops.cast(ops.gt(s, ops.mul(ops.reduce_max(s, -1, keepdims=True), tol)), np.int32), -1
    )
    residual = ops.reduce_sum(ops.square(ops.sub(ops.matmul(av, x), rhs)), -2)
    if vector:
        x = ops.reshape(x, (n,))
    return Array(x), Array(residual), Array(rank), Array(s)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Array:  # noqa: A002
    return Array(ops.matrix_norm(_float(x), ord, keepdims))


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Array:  # noqa: A002
    v = _float(x)
    axes = tuple(builtins.range(v.ndim)) if axis is None else _axes(axis, v.ndim)
    size = ops.abs(v)
    if ord == np.inf:
        return Array(ops.reduce_max(size, axes, keepdims))
    if ord == -np.inf:
        return Array(ops.reduce_min(size, axes, keepdims))
    if ord == 0:
        return Array(ops.reduce_sum(ops.cast(ops.ne(v, 0), v.dtype), axes, keepdims))
    if ord == 1:
        return Array(ops.reduce_sum(size, axes, keepdims))
    if ord == 2:
        return Array(ops.sqrt(ops.reduce_sum(ops.square(v), axes, keepdims)))
    powered = ops.reduce_sum(ops.pow(size, float(ord)), axes, keepdims)
    return Array(ops.pow(powered, 1.0 / float(ord)))


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    items = axis if isinstance(axis, tuple | list) else (axis,)
    return normalize_axes("norm", items, ndim)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Array:  # noqa: A002
    """A vector norm (one axis, or a 1-d input), a matrix norm (two axes, or a 2-d input
    with no axis given); the 2-norm of the flattened input when neither ord nor axis is."""
    v = _float(x)
    if axis is None and ord is None:
        flat = ops.reshape(v, (-1,) if v.ndim else (1,))
        out = ops.sqrt(ops.reduce_sum(ops.square(flat)))
        if keepdims:
            out = ops.reshape(out, (1,) * v.ndim)
        return Array(out)
    axes = tuple(builtins.range(v.ndim)) if axis is None else _axes(axis, v.ndim)
    if len(axes) == 1:
        return vector_norm(v, axis=axes, keepdims=keepdims, ord=2 if ord is None else ord)
    if len(axes) != 2:
        raise ValueError(f"Improper number of axes for norm: {axes}")
    rest = [d for d in builtins.range(v.ndim) if d not in axes]
    moved = ops.transpose(v, [*rest, *axes])
    out = ops.matrix_norm(moved, "fro" if ord is None else ord)
    if keepdims:
        out = ops.expand_dims(out, sorted(axes))
    return Array(out)


def matrix_rank(m: Any, rtol: Any = None, *, tol: Any = None) -> Array:
    v = _float(m)
    s = ops.svdvals(v)
    cut = rtol if rtol is not None else tol
    if cut is None:
        cut = builtins.max(v.shape[-2:]) * float(np.finfo(v.dtype).eps)
    big = ops.mul(ops.reduce_max(s, -1, keepdims=True), cut)
    return Array(ops.reduce_sum(ops.cast(ops.gt(s, big), np.int32), -1))


def matrix_power(a: Any, n: int) -> Array:
    v = _float(a)
    if n < 0:
        return matrix_power(inv(v), -n)
    result, base = None, v
    while n:
        if n & 1:
            result = base if result is None else ops.matmul(result, base)
        n >>= 1
        if n:
            base = ops.matmul(base, base)
    if result is None:
        eye = ops.array(np.eye(v.shape[-1], dtype=v.dtype))
        return Array(ops.broadcast_to(eye, v.shape))
    return Array(result)


def multi_dot(arrays: Sequence[Any]) -> Array:
    out = _float(arrays[0])
    for a in arrays[1:]:
        out = ops.matmul(out, _float(a))
    return Array(out)


def cond(x: Any, p: Any = None) -> Array:
    if p in (None, 2, -2):
        s = ops.svdvals(_float(x))
        big, small = ops.reduce_max(s, -1), ops.reduce_min(s, -1)
        return Array(ops.div(small, big) if p == -2 else ops.div(big, small))
    return Array(ops.mul(matrix_norm(x, ord=p)._value, matrix_norm(inv(x), ord=p)._value))


def matrix_transpose(x: Any, /) -> Array:
    return Array(_mT(_float(x)) if dtypes.is_float(value_of(x).dtype) else _mT(value_of(x)))


def diagonal(x: Any, /, *, offset: int = 0) -> Array:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp.diagonal(x, offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0) -> Array:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp.sum(diagonal(x, offset=offset), axis=-1)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Array:
    return Array(ops.reduce_sum(ops.mul(_float(x1), _float(x2)), axis))


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Array:
    """The cross product of 3-vectors along ``axis``."""
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    a, b = jnp.moveaxis(jnp.asarray(x1), axis, -1), jnp.moveaxis(jnp.asarray(x2), axis, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(f"cross: both inputs must have 3 entries along axis {axis}")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = jnp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)
    return jnp.moveaxis(out, -1, axis)


def matmul(x1: Any, x2: Any, /) -> Array:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp.matmul(x1, x2)


def outer(x1: Any, x2: Any, /) -> Array:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp.outer(x1, x2)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Array:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp.tensordot(x1, x2, axes)
