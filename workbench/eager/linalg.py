"""Mirrors: torch.linalg — solvers, decompositions and norms, every one computed by the
core's primitives (``core/primitives/solvers.py`` and ``decompositions.py``), so the
functional and static front ends share the same numbers and derivatives.

Results with several parts are PyTorch's named tuples (``torch.return_types.linalg_qr``
…); a singular or indefinite input raises :class:`LinAlgError`, a RuntimeError, as
PyTorch's ``torch.linalg.LinAlgError``.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import ops
from workbench.eager.meta import return_type
from workbench.eager.tensor_base import new, tensor_of, wrap

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle: singular, or not positive-definite."""


_WHY = {
    "cholesky": "The factorization could not be completed because the input is not "
    "positive-definite.",
    "eigh": "The algorithm failed to converge.",
    "svd": "The algorithm failed to converge.",
}


def _float(name: str, *tensors: Tensor) -> None:
    for t in tensors:
        if not t.dtype.is_floating_point:
            kind = str(t.dtype).removeprefix("torch.").capitalize()
            kind = {"Int64": "Long", "Int32": "Int", "Bool": "Bool"}.get(kind, kind)
            raise RuntimeError(
                f"linalg.{name}: Expected a floating point or complex tensor as input. Got {kind}"
            )
        if t.ndim < 2:
            raise RuntimeError(
                f"linalg.{name}: The input tensor A must have at least 2 dimensions."
            )


def _run(name: str, grad_name: str, fn: Callable[..., Any], *tensors: Tensor, **kw: Any) -> Any:
    """Call a core function on the tensors' values; wrap what comes back."""
    try:
        out = fn(*(t._value for t in tensors), **kw)
    except np.linalg.LinAlgError:
        why = _WHY.get(name, "The input matrix is singular, the operation could not be completed.")
        raise LinAlgError(f"linalg.{name}: {why}") from None
    if isinstance(out, tuple):
        return tuple(wrap(o, tensors, grad_name) for o in out)
    return wrap(out, tensors, grad_name)


def _square(name: str, a: Tensor) -> None:
    _float(name, a)
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"linalg.{name}: A must be batches of square matrices, but they are "
            f"{a.shape[-2]} by {a.shape[-1]} matrices"
        )


def _broadcast(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """A and B with their batch dimensions broadcast against each other."""
    lead = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    return a.expand(*lead, *a.shape[-2:]), b.expand(*lead, *b.shape[-2:])


def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


# ---------------------------------------------------------------------------------------
# solvers


def inv(A: Tensor, *, out: Any = None) -> Tensor:  # noqa: N803
    _square("inv", A)
    return _run("inv", "LinalgInvExBackward0", ops.inv, A)


def solve(A: Tensor, B: Any, *, left: bool = True, out: Any = None) -> Tensor:  # noqa: N803
    """X with A X = B (X A = B when ``left`` is False); B may be a vector or a batch of
    them, as PyTorch decides: when B has one dimension fewer than A and matches A's
    leading shape."""
    _square("solve", A)
    B = tensor_of(B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    rhs = B.unsqueeze(-1) if vector else B
    if not left:
        A, rhs = _mT(A), _mT(rhs)
    A, rhs = _broadcast(A, rhs)
    x = _run("solve", "LinalgSolveExBackward0", ops.solve, A, rhs)
    if not left:
        x = _mT(x)
    return x.squeeze(-1) if vector else x


def solve_triangular(
    A: Tensor,  # noqa: N803
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out: Any = None,
) -> Tensor:
    _square("solve_triangular", A)
    if not left:  # X A = B  ⇔  Aᵀ Xᵀ = Bᵀ, and Aᵀ's triangle is the other one
        return _mT(solve_triangular(_mT(A), _mT(B), upper=not upper, unitriangular=unitriangular))
    A, B = _broadcast(A, B)
    return _run(
        "solve_triangular",
        "LinalgSolveTriangularBackward0",
        lambda a, b: ops.triangular_solve(a, b, lower=not upper, unit_diagonal=unitriangular),
        A,
        B,
    )


def slogdet(A: Tensor, *, out: Any = None) -> Any:  # noqa: N803
    _square("slogdet", A)
    sign, log = _run("slogdet", "LinalgSlogdetBackward0", ops.slogdet, A)
    return return_type("linalg_slogdet", ("sign", "logabsdet"))(sign, log)


def det(A: Tensor, *, out: Any = None) -> Tensor:  # noqa: N803
    _square("det", A)
    return _run("det", "LinalgDetBackward0", ops.det, A)


def logdet(A: Tensor) -> Tensor:  # noqa: N803
    """log det A: NaN for a negative determinant, -inf for a singular matrix."""
    sign, log = slogdet(A)
    return log + (sign < 0).to(log.dtype).masked_fill(sign < 0, math.nan)


def lstsq(
    A: Tensor,  # noqa: N803
    B: Tensor,  # noqa: N803
    rcond: float | None = None,
    *,
    driver: str | None = None,
) -> Any:
    """The least-squares, minimum-norm solution of A X ≈ B, with PyTorch's extras: the
    rank always; the residuals and singular values only for the 'gelsd'/'gelss' drivers
    (the residuals when A has more rows than columns and full rank)."""
    _float("lstsq", A)
    B = tensor_of(B)
    vector = B.ndim == A.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    A, rhs = _broadcast(A, rhs)
    m, n = A.shape[-2:]
    rtol = rcond if rcond is not None and rcond > 0 else None
    x = _run("lstsq", "LinalgLstsqBackward0", lambda a, b: ops.lstsq(a, b, rtol), A, rhs)
    rank = matrix_rank(A.detach(), rtol=rtol)
    residuals = singular_values = new(np.zeros(0, A.dtype.np), device=A.device)
    if driver in ("gelsd", "gelss"):
        singular_values = svdvals(A.detach())
        if m > n and builtins.bool((rank == n).all()):
            residuals = ((A @ x - rhs) ** 2).sum(-2)
    solution = x.squeeze(-1) if vector else x
    fields = ("solution", "residuals", "rank", "singular_values")
    return return_type("linalg_lstsq", fields)(solution, residuals, rank, singular_values)


def matrix_power(A: Tensor, n: builtins.int) -> Tensor:  # noqa: N803
    """A multiplied by itself n times by repeated squaring; A⁻¹'s power for negative n."""
    _square("matrix_power", A)
    if n < 0:
        return matrix_power(inv(A), -n)
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    if result is None:
        from workbench.eager.creation import eye  # noqa: PLC0415

        return eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(A.shape).clone()
    return result


def multi_dot(tensors: Sequence[Tensor], *, out: Any = None) -> Tensor:
    """The product of a chain of matrices (the first may be a vector, as may the last)."""
    if len(tensors) < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got " + str(len(tensors)))
    result = tensors[0]
    for t in tensors[1:]:
        result = result @ t
    return result


# ---------------------------------------------------------------------------------------
# decompositions


def cholesky(A: Tensor, *, upper: bool = False, out: Any = None) -> Tensor:  # noqa: N803
    _square("cholesky", A)
    low = _run("cholesky", "LinalgCholeskyExBackward0", ops.cholesky, A)
    return _mT(low) if upper else low


def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Any:  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, read from its lower
    triangle (upper with UPLO='U')."""
    _square("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    source = _mT(A) if UPLO == "U" else A
    w, v = _run("eigh", "LinalgEighBackward0", ops.eigh, source)
    return return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Tensor:  # noqa: N803
    return eigh(A, UPLO).eigenvalues


def svd(
    A: Tensor,  # noqa: N803
    full_matrices: bool = True,
    *,
    driver: str | None = None,
    out: Any = None,
) -> Any:
    """U, S, Vh with A = U diag(S) Vh; U and Vh square unless full_matrices=False
    (PyTorch's default is True, unlike torch.svd's)."""
    _float("svd", A)
    u, s, vh = _run("svd", "LinalgSvdBackward0", ops.svd, A, full_matrices=full_matrices)
    return return_type("linalg_svd", ("U", "S", "Vh"))(u, s, vh)


def svdvals(A: Tensor, *, driver: str | None = None, out: Any = None) -> Tensor:  # noqa: N803
    _float("svdvals", A)
    return _run("svdvals", "LinalgSvdBackward0", ops.svdvals, A)


def qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> Any:  # noqa: N803
    """Q, R with A = Q R; mode 'complete' makes Q square, mode 'r' returns an empty Q."""
    _float("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
            "(default), 'r', or 'complete'"
        )
    q, r = _run("qr", "LinalgQrBackward0", ops.qr, A, complete=mode == "complete")
    if mode == "r":
        q = new(np.zeros(0, A.dtype.np), device=A.device)
    return return_type("linalg_qr", ("Q", "R"))(q, r)


def pinv(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Any = None,
) -> Tensor:
    """The pseudo-inverse, singular values below max(atol, rtol × the largest) dropped
    (rtol defaults to eps × max(m, n) when neither is given)."""
    _float("pinv", A)
    if atol is not None and atol > 0:
        largest = builtins.float(svdvals(A.detach()).max()) if A.numel() else 0.0
        tol = builtins.max(atol / largest if largest else 0.0, rtol or 0.0)
        rtol = tol
    return _run("pinv", "LinalgPinvBackward0", lambda a: ops.pinv(a, rtol), A)


def matrix_rank(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Any = None,
) -> Tensor:
    """The number of singular values above the tolerance (an int64 tensor)."""
    s = svdvals(A.detach())
    m, n = A.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(A.dtype.np).eps * max(m, n)
    largest = s.amax(-1, keepdim=True) if s.shape[-1] else s.sum(-1, keepdim=True)
    tol = (largest * rtol).clamp_min(atol or 0.0)
    return (s > tol).sum(-1)


def cond(A: Tensor, p: Any = None, *, out: Any = None) -> Tensor:  # noqa: N803
    """The condition number in the 2-norm (the default) or another matrix norm."""
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s.amax(-1), s.amin(-1)
        return big / small if p != -2 else small / big
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# ---------------------------------------------------------------------------------------
# norms and products


def vector_norm(
    x: Tensor,
    ord: float = 2,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """(Σ |x|^ord)^(1/ord) over ``dim`` (all elements when None); ``inf`` is the largest
    magnitude, ``-inf`` the smallest, 0 the count of nonzeros."""
    x = x if dtype is None else x.to(dtype)
    magnitude = x.abs()
    if ord == math.inf:
        return magnitude.amax(dim if dim is not None else tuple(range(x.ndim)), keepdim)
    if ord == -math.inf:
        return magnitude.amin(dim if dim is not None else tuple(range(x.ndim)), keepdim)
    if ord == 0:
        return (magnitude != 0).to(x.dtype).sum(dim, keepdim)
    if ord == 1:
        return magnitude.sum(dim, keepdim)
    if ord == 2:
        from workbench.eager.functions import where  # noqa: PLC0415

        squares = (x * x).sum(dim, keepdim)
        nonzero = squares > 0  # PyTorch's gradient at the zero vector is 0, not 0/0
        return where(nonzero, where(nonzero, squares, squares + 1).sqrt(), squares * 0)
    return (magnitude**ord).sum(dim, keepdim) ** (1.0 / ord)


def matrix_norm(
    A: Tensor,  # noqa: N803
    ord: Any = "fro",  # noqa: A002
    dim: tuple[builtins.int, builtins.int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Any = None,
) -> Tensor:
    """The Frobenius, nuclear, spectral (±2) or induced (±1, ±inf) norm over ``dim``."""
    A = A if dtype is None else A.to(dtype)
    _float("matrix_norm", A)
    d0, d1 = (d % A.ndim for d in dim)
    moved = A.permute(*(i for i in range(A.ndim) if i not in (d0, d1)), d0, d1)
    result = _run(
        "matrix_norm", "LinalgMatrixNormBackward0", lambda a: ops.matrix_norm(a, ord), moved
    )
    if keepdim:
        for d in sorted((d0, d1)):
            result = result.unsqueeze(d)
    return result


def norm(
    x: Tensor,
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """A vector norm, or a matrix norm when ``dim`` names two axes (or x is a matrix and
    ``ord`` is given); the 2-norm of the flattened tensor by default."""
    two_axes = isinstance(dim, tuple | list) and len(dim) == 2
    if ord is None:
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if two_axes or (dim is None and x.ndim == 2):
        return matrix_norm(x, ord, tuple(dim) if dim else (-2, -1), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} needs two dimensions (a matrix norm)")
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)


def vecdot(x: Tensor, y: Tensor, *, dim: builtins.int = -1, out: Any = None) -> Tensor:
    return (x * y).sum(dim)


def cross(x: Tensor, y: Tensor, *, dim: builtins.int = -1, out: Any = None) -> Tensor:
    """The cross product of 3-vectors along ``dim``."""
    if x.shape[dim] != 3 or y.shape[dim] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. "
            f"Got {x.shape[dim]} and {y.shape[dim]}"
        )
    a0, a1, a2 = x.unbind(dim)
    b0, b1, b2 = y.unbind(dim)
    from workbench.eager.functions import stack  # noqa: PLC0415

    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def matmul(x: Tensor, y: Tensor, *, out: Any = None) -> Tensor:
    return x @ y


def diagonal(
    A: Tensor,  # noqa: N803
    *,
    offset: builtins.int = 0,
    dim1: builtins.int = -2,
    dim2: builtins.int = -1,
) -> Tensor:
    return A.diagonal(offset, dim1, dim2)


# ---------------------------------------------------------------------------------------
# the same as Tensor methods and torch.* functions


def inverse(self: Tensor) -> Tensor:
    return inv(self)


def pinverse(self: Tensor, rcond: float = 1e-15) -> Tensor:
    return pinv(self, rtol=rcond)


def tensor_svd(self: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """torch.svd: U, S, V (not Vh), reduced unless some=False."""
    u, s, vh = svd(self, full_matrices=not some)
    return return_type("svd", ("U", "S", "V"))(u, s, _mT(vh))


def tensor_qr(self: Tensor, some: bool = True) -> Any:
    return return_type("qr", ("Q", "R"))(*qr(self, "reduced" if some else "complete"))


def tensor_slogdet(self: Tensor) -> Any:
    return return_type("slogdet", ("sign", "logabsdet"))(*slogdet(self))


def tensor_cholesky(self: Tensor, upper: bool = False) -> Tensor:
    return cholesky(self, upper=upper)


__all__ = [
    "LinAlgError",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
]
