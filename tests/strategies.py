"""Hypothesis strategies shared by the tests: shapes (with 0- and 1-sized dims),
broadcast-compatible shape pairs (rank-changing too), axes with keepdims, arrays with
domains, and non-contiguous layouts (transposed and strided views)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from workbench.core import array


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(
        tuple
    )


@st.composite
def broadcast_pairs(draw: Any, max_dims: int = 3) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together, possibly of different ranks."""
    result = draw(shapes(0, max_dims, 0, 3))

    def operand() -> tuple[int, ...]:
        drop = draw(st.integers(0, len(result)))
        dims = list(result[drop:])
        return tuple(1 if draw(st.booleans()) and d != 0 else d for d in dims)

    return operand(), operand()


@st.composite
def axes_and_keepdims(draw: Any, ndim: int) -> tuple[tuple[int, ...] | None, bool]:
    if ndim == 0:
        return None, draw(st.booleans())
    axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    negative = draw(st.booleans())
    chosen = tuple(a - ndim if negative else a for a in axes)
    return (chosen if chosen else None), draw(st.booleans())


def host_values(
    rng: np.random.Generator, shape: tuple[int, ...], domain: str = "any"
) -> np.ndarray:
    """float64 values in a domain where the function is smooth."""
    x = rng.standard_normal(shape)
    if domain == "positive":
        return np.abs(x) + 0.5
    if domain == "unit":  # (-0.9, 0.9), e.g. log1p's neighbourhood of 0
        return np.tanh(x) * 0.9
    if domain == "above_one":  # (1.5, ∞), e.g. acosh's
        return np.abs(x) + 1.5
    if domain == "away_from_zero":
        return np.sign(x + 1e-3) * (np.abs(x) + 0.3)
    return x


@st.composite
def layouts(draw: Any, host: np.ndarray) -> np.ndarray:
    """The same values in a contiguous, transposed or strided array."""
    kind = draw(st.sampled_from(["contiguous", "transposed", "strided"]))
    if kind == "transposed" and host.ndim >= 2:
        return np.ascontiguousarray(host.T).T
    if kind == "strided":
        wide = np.repeat(host[..., None], 2, axis=-1)
        return wide[..., 0]
    return host


def to_array(host: np.ndarray, dtype: Any = None, device: Any = None) -> Any:
    return array(host, dtype=dtype or host.dtype, device=device)
