"""``tf.linalg``: solvers, decompositions and norms over the core's primitives (the same
ones the eager and functional front ends use), as TensorFlow names and orders them —
``svd`` returns ``(s, u, v)`` with V, not Vᴴ, and reduced factors by default; a singular
or indefinite input raises ``tf.errors.InvalidArgumentError`` when the op runs.

The products and helpers tf.linalg shares with tf.math (matmul, tensordot, eye,
l2_normalize …) are the same functions.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from workbench.core import ops
from workbench.core.primitive import normalize_axes
from workbench.static import errors
from workbench.static.array_ops import eye
from workbench.static.execution import convert_to_tensor, make_op
from workbench.static.math_ops import matmul, tensordot
from workbench.static.nn_ops import l2_normalize


class Qr(NamedTuple):
    q: Any
    r: Any


class Slogdet(NamedTuple):
    sign: Any
    log_abs_determinant: Any


def _checked(op_type: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with NumPy's LinAlgError raised as TensorFlow's InvalidArgumentError."""

    def run(*values: Any) -> Any:
        try:
            return fn(*values)
        except np.linalg.LinAlgError as e:
            why = {
                "Cholesky": "Cholesky decomposition was not successful. The input might not "
                "be valid.",
            }.get(op_type, "Input is not invertible.")
            raise errors.InvalidArgumentError(None, None, f"{op_type}: {why} ({e})") from None

    return run


def _op(op_type: str, fn: Callable[..., Any], *inputs: Any, name: str | None = None) -> Any:
    tensors = [convert_to_tensor(x) for x in inputs]
    for t in tensors:
        if not t.dtype.is_floating:
            raise TypeError(f"{op_type}: expected a float tensor, got {t.dtype.name}")
    return make_op(op_type, tensors, _checked(op_type, fn), name=name)


def _mT(v: Any) -> Any:
    return ops.transpose(v, [*builtins.range(v.ndim - 2), v.ndim - 1, v.ndim - 2])


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Any:
    a = convert_to_tensor(a)
    return make_op("Transpose", [a], _mT, name=name)


adjoint = matrix_transpose


def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Any:  # noqa: A002
    return _op("MatrixInverse", lambda a: ops.inv(_mT(a) if adjoint else a), input, name=name)


def det(input: Any, name: str | None = None) -> Any:  # noqa: A002
    return _op("MatrixDeterminant", ops.det, input, name=name)


def slogdet(input: Any, name: str | None = None) -> Slogdet:  # noqa: A002
    sign, log = _op("LogMatrixDeterminant", ops.slogdet, input, name=name)
    return Slogdet(sign, log)


def logdet(matrix: Any, name: str | None = None) -> Any:
    """log det of a Hermitian positive-definite matrix, from its Cholesky factor."""

    def fn(a: Any) -> Any:
        low = ops.cholesky(a)
        diag = ops.reduce_sum(ops.mul(low, ops.array(np.eye(a.shape[-1], dtype=a.dtype))), -1)
        return ops.mul(ops.reduce_sum(ops.log(diag), -1), 2.0)

    return _op("Cholesky", fn, matrix, name=name)


def cholesky(input: Any, name: str | None = None) -> Any:  # noqa: A002
    return _op("Cholesky", ops.cholesky, input, name=name)


def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Any:
    """x with A x = rhs, given A's Cholesky factor."""

    def fn(low: Any, b: Any) -> Any:
        y = ops.triangular_solve(low, b, lower=True)
        return ops.triangular_solve(_mT(low), y, lower=False)

    return _op("CholeskySolve", fn, chol, rhs, name=name)


def eigh(tensor: Any, name: str | None = None) -> tuple[Any, Any]:
    """Eigenvalues (ascending) and eigenvectors, read from the lower triangle."""
    return _op("SelfAdjointEigV2", ops.eigh, tensor, name=name)


def eigvalsh(tensor: Any, name: str | None = None) -> Any:
    return _op("SelfAdjointEigV2", lambda a: ops.eigh(a)[0], tensor, name=name)


def svd(
    tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None
) -> Any:
    """(s, u, v) with tensor = u diag(s) vᵀ — TensorFlow's order, and V rather than Vᴴ."""

    def fn(a: Any) -> Any:
        u, s, vh = ops.svd(a, full_matrices)
        return (s, u, _mT(vh)) if compute_uv else s

    return _op("Svd", fn, tensor, name=name)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> Qr:  # noqa: A002
    return Qr(*_op("Qr", lambda a: ops.qr(a, full_matrices), input, name=name))


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Any:
    return _op(
        "MatrixSolve", lambda a, b: ops.solve(_mT(a) if adjoint else a, b), matrix, rhs, name=name
    )


def triangular_solve(
    matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: str | None = None
) -> Any:
    def fn(a: Any, b: Any) -> Any:
        if adjoint:  # the transpose of the lower triangle is upper-triangular
            return ops.triangular_solve(_mT(a), b, lower=not lower)
        return ops.triangular_solve(a, b, lower=lower)

    return _op("MatrixTriangularSolve", fn, matrix, rhs, name=name)


def lstsq(
    matrix: Any, rhs: Any, l2_regularizer: float = 0.0, fast: bool = True, name: str | None = None
) -> Any:
    """The least-squares solution; with ``l2_regularizer`` λ, (AᵀA + λI)⁻¹ Aᵀ b."""

    def fn(a: Any, b: Any) -> Any:
        if not l2_regularizer:
            return ops.lstsq(a, b)
        gram = ops.add(
            ops.matmul(_mT(a), a),
            ops.array(np.eye(a.shape[-1], dtype=a.dtype) * l2_regularizer),
        )
        return ops.solve(gram, ops.matmul(_mT(a), b))

    return _op("MatrixSolveLs", fn, matrix, rhs, name=name)


def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: str | None = None) -> Any:
    """The pseudo-inverse; rcond defaults to 10 × max(m, n) × eps, as in TensorFlow."""

    def fn(v: Any) -> Any:
        tol = rcond
        if tol is None:
            tol = 10 * builtins.max(v.shape[-2:]) * float(np.finfo(v.dtype).eps)
        return ops.pinv(v, float(tol))

    return _op("Pinv", fn, a, name=name)


def matrix_rank(
    a: Any, tol: Any = None, validate_args: bool = False, name: str | None = None
) -> Any:
    def fn(v: Any) -> Any:
        s = ops.svdvals(v)
        if tol is None:
            eps = float(np.finfo(v.dtype).eps)
            cut = ops.mul(ops.reduce_max(s, -1, keepdims=True), eps * builtins.max(v.shape[-2:]))
        else:
            cut = tol
        return ops.reduce_sum(ops.cast(ops.gt(s, cut), np.int64), -1)

    return make_op("MatrixRank", [convert_to_tensor(a)], fn, name=name, differentiable=False)


def norm(
    tensor: Any,
    ord: Any = "euclidean",  # noqa: A002
    axis: Any = None,
    keepdims: Any = None,
    name: str | None = None,
) -> Any:
    """A vector norm ('euclidean', 1, 2, inf or any p > 0) over one axis or all of them,
    or a matrix norm ('euclidean'/'fro', 1, 2, inf) over a pair of axes."""

    def fn(v: Any) -> Any:
        axes = tuple(builtins.range(v.ndim)) if axis is None else axis
        axes = (axes,) if isinstance(axes, int) else normalize_axes("tensordot", axes, v.ndim)
        if len(axes) == 2 and ord not in ("euclidean", "fro"):
            rest = [d for d in builtins.range(v.ndim) if d not in axes]
            out = ops.matrix_norm(ops.transpose(v, [*rest, *axes]), ord)
            return ops.expand_dims(out, sorted(axes)) if keepdims else out
        size = ops.abs(v)
        if ord in ("euclidean", "fro", 2):
            return ops.sqrt(ops.reduce_sum(ops.square(v), axes, bool(keepdims)))
        if ord == 1:
            return ops.reduce_sum(size, axes, bool(keepdims))
        if ord == np.inf:
            return ops.reduce_max(size, axes, bool(keepdims))
        powered = ops.reduce_sum(ops.pow(size, float(ord)), axes, bool(keepdims))
        return ops.pow(powered, 1.0 / float(ord))

    return _op("Norm", fn, tensor, name=name)


def trace(x: Any, name: str | None = None) -> Any:
    def fn(v: Any) -> Any:
        return ops.reduce_sum(ops.mul(v, ops.array(np.eye(*v.shape[-2:], dtype=v.dtype))), (-2, -1))

    return _op("Trace", fn, x, name=name)


def diag_part(input: Any, name: str = "diag_part", k: int = 0) -> Any:  # noqa: A002
    def fn(v: Any) -> Any:
        rows = np.arange(
            builtins.min(v.shape[-2] - builtins.max(-k, 0), v.shape[-1] - builtins.max(k, 0))
        )
        return ops.index(
            v, (..., ops.array(rows + builtins.max(-k, 0)), ops.array(rows + builtins.max(k, 0)))
        )

    return make_op("MatrixDiagPartV3", [convert_to_tensor(input)], fn, name=name)


def diag(diagonal: Any, name: str = "diag") -> Any:
    """Square matrices with ``diagonal``'s last axis on their diagonals."""

    def fn(v: Any) -> Any:
        eye_n = ops.array(np.eye(v.shape[-1], dtype=v.dtype))
        return ops.mul(ops.expand_dims(v, [v.ndim]), eye_n)

    return make_op("MatrixDiagV3", [convert_to_tensor(diagonal)], fn, name=name)


def band_part(input: Any, num_lower: int, num_upper: int, name: str | None = None) -> Any:  # noqa: A002
    """Zeros outside a band: ``num_lower`` diagonals below, ``num_upper`` above (-1: all)."""

    def fn(v: Any) -> Any:
        m, n = v.shape[-2:]
        i, j = np.arange(m)[:, None], np.arange(n)[None, :]
        keep = ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))
        return ops.mul(v, ops.array(keep.astype(v.dtype)))

    return make_op("MatrixBandPart", [convert_to_tensor(input)], fn, name=name)


def matvec(
    a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False, name: str | None = None
) -> Any:
    from workbench.static.array_ops import expand_dims, squeeze  # noqa: PLC0415

    product = matmul(a, expand_dims(b, -1), transpose_a=transpose_a or adjoint_a)
    return squeeze(product, -1, name=name)


def cross(a: Any, b: Any, name: str | None = None) -> Any:
    def fn(x: Any, y: Any) -> Any:
        parts = [ops.squeeze(p, [x.ndim - 1]) for p in ops.split(x, (1, 1, 1), x.ndim - 1)]
        qarts = [ops.squeeze(p, [y.ndim - 1]) for p in ops.split(y, (1, 1, 1), y.ndim - 1)]
        (a0, a1, a2), (b0, b1, b2) = parts, qarts
        out = [
            ops.sub(ops.mul(a1, b2), ops.mul(a2, b1)),
            ops.sub(ops.mul(a2, b0), ops.mul(a0, b2)),
            ops.sub(ops.mul(a0, b1), ops.mul(a1, b0)),
        ]
        return ops.concatenate([ops.expand_dims(o, [o.ndim]) for o in out], x.ndim - 1)

    return _op("Cross", fn, a, b, name=name)


__all__ = [
    "adjoint",
    "band_part",
    "cholesky",
    "cholesky_solve",
    "cross",
    "det",
    "diag",
    "diag_part",
    "eigh",
    "eigvalsh",
    "eye",
    "inv",
    "l2_normalize",
    "logdet",
    "lstsq",
    "matmul",
    "matrix_rank",
    "matrix_transpose",
    "matvec",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "tensordot",
    "trace",
    "triangular_solve",
]


# tf.linalg names written in more_ops.py
_FROM_MORE_OPS = {"einsum", "global_norm"}


def __getattr__(name: str) -> object:
    if name in _FROM_MORE_OPS:
        from workbench.static import more_ops  # noqa: PLC0415  (it builds on this module)

        return getattr(more_ops, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
