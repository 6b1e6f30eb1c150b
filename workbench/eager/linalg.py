"""Mirrors: torch.linalg — norms (the decompositions and solvers are not provided: the
core has no primitives for them yet)."""

from __future__ import annotations

import math
from typing import Any

from workbench.eager.tensor import Tensor


def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A002
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
        return (x * x).sum(dim, keepdim).sqrt()
    return (magnitude**ord).sum(dim, keepdim) ** (1.0 / ord)


def norm(
    x: Tensor,
    ord: Any = None,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A002
) -> Tensor:
    """The 2-norm of the flattened tensor by default (Frobenius for a matrix), a vector
    norm of order ``ord``, or the Frobenius norm (``ord="fro"``) over two axes."""
    if ord is None or ord == "fro":
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise NotImplementedError(
            f"linalg.norm: ord={ord!r} needs a decomposition, not available here"
        )
    if x.ndim == 2 and dim is None or (isinstance(dim, tuple | list) and len(dim) == 2):
        raise NotImplementedError(
            f"linalg.norm: the matrix norm of order {ord} is not available here (vector norms are)"
        )
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)


__all__ = ["norm", "vector_norm"]
