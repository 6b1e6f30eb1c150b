"""The host routes for reductions: sums over trailing or leading axes as a product with a
vector of ones (BLAS), and the maximum or minimum of each row by a native kernel. They
must give what NumPy gives — the extrema exactly, NaN included; the sums within float32
rounding of a float64 reference — and leave every other case to NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.backend import kernels
from workbench.core import array
from workbench.core import primitives as ops


def _shapes(min_size: int) -> Any:
    """Shapes big enough for the fast routes (and a few that are not)."""
    return st.lists(st.integers(1, 40), min_size=1, max_size=4).filter(
        lambda s: int(np.prod(s)) >= min_size
    )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_sums_over_trailing_or_leading_axes_match_a_float64_reference(data: Any) -> None:
    shape = tuple(data.draw(_shapes(kernels._SUM_MIN_SIZE // 4)))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    cut = data.draw(st.integers(0, len(shape)))
    axes = tuple(range(cut, len(shape))) if data.draw(st.booleans()) else tuple(range(cut))
    keepdims = data.draw(st.booleans())
    x = np.random.default_rng(len(shape) * 7 + cut).standard_normal(shape).astype(dtype)
    got = ops.reduce_sum(array(x), axes, keepdims=keepdims).numpy()
    want = x.astype(np.float64).sum(axis=axes, keepdims=keepdims)
    assert got.dtype == dtype and got.shape == want.shape
    length = int(np.prod([shape[a] for a in axes])) if axes else 1
    eps = float(np.finfo(dtype).eps)
    bound = (
        4 * eps * np.sqrt(length) * np.abs(x).astype(np.float64).sum(axis=axes, keepdims=keepdims)
    )
    assert np.all(np.abs(got - want) <= bound + eps)


def test_the_sum_routes_and_their_fallbacks() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32, 16)).astype(np.float32)
    for axes in [(2,), (1, 2), (0,), (0, 1)]:  # the product routes
        np.testing.assert_allclose(
            kernels.reduce_sum(np, x, axes, False), x.sum(axis=axes), rtol=1e-5, atol=1e-4
        )
    for axes in [(1,), (0, 2), (0, 1, 2)]:  # a middle axis, a gap, everything: NumPy's
        got = kernels.reduce_sum(np, x, axes, False)
        np.testing.assert_array_equal(got, x.sum(axis=axes, dtype=np.float32))
    long_rows = rng.standard_normal((4, kernels._SUM_MAX_ROW * 2)).astype(np.float32)
    np.testing.assert_array_equal(  # rows too long for the product keep NumPy's pairwise sum
        kernels.reduce_sum(np, long_rows, (1,), False), long_rows.sum(axis=1, dtype=np.float32)
    )
    transposed = x.transpose(2, 1, 0)
    np.testing.assert_array_equal(
        kernels.reduce_sum(np, transposed, (2,), True), transposed.sum(axis=2, keepdims=True)
    )
    ints = rng.integers(0, 9, (64, 512)).astype(np.int32)
    assert kernels.reduce_sum(np, ints, (1,), False).dtype == np.int32
    inf = x.copy()
    inf[3, 4, 5], inf[7, 1, 2] = np.inf, np.nan
    got = kernels.reduce_sum(np, inf, (2,), False)
    assert got[3, 4] == np.inf and np.isnan(got[7, 1]) and np.isfinite(got[0, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["max", "min"])
@pytest.mark.parametrize("row", [2, 7, 15, 16, 17, 33, 128, 1000])
def test_row_extrema_equal_numpy_nan_and_infinities_included(
    dtype: type, kind: str, row: int
) -> None:
    rng = np.random.default_rng(row)
    x = rng.standard_normal((kernels._SUM_MIN_SIZE // row + 5, row)).astype(dtype)
    x[1, row // 2] = np.inf
    x[2, -1] = -np.inf
    x[3, :] = -np.inf if kind == "max" else np.inf
    for r, pos in enumerate({0, 1, row // 2, row - 1}):  # a NaN anywhere wins its row
        x[4 + r, pos] = np.nan
    want = getattr(np, kind)(x, axis=-1, keepdims=True)
    got = kernels.reduce_extremum(np, x, (1,), True, kind)
    np.testing.assert_array_equal(got, want)
    through_core = getattr(ops, f"reduce_{kind}")(array(x), (1,)).numpy()
    np.testing.assert_array_equal(through_core, want[:, 0])


def test_row_extrema_of_other_layouts_are_numpys() -> None:
    x = np.random.default_rng(1).standard_normal((128, 256)).astype(np.float32)
    for y, axes in [(x.T, (1,)), (x, (0,)), (x.astype(np.int32), (1,)), (x, (0, 1))]:
        np.testing.assert_array_equal(
            kernels.reduce_extremum(np, y, axes, False, "max"), y.max(axis=axes)
        )


def _log_softmax_by_numpy(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("row", [1, 3, 8, 17, 100, 1000])
def test_log_softmax_by_rows_matches_a_float64_reference(dtype: type, row: int) -> None:
    x = (np.random.default_rng(row).standard_normal((40000 // row + 3, row)) * 5).astype(dtype)
    got = ops.log_softmax(array(x)).numpy()
    assert got.dtype == dtype
    want = _log_softmax_by_numpy(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=0, atol=20 * np.finfo(dtype).eps * 10)
    np.testing.assert_allclose(np.exp(got.astype(np.float64)).sum(-1), 1, rtol=1e-5)


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (3, 2), (128, 10), (2, 3, 7)])
def test_small_logits_take_the_kernel_too(shape: tuple[int, ...]) -> None:
    """A classifier's logits (128x10) are far below the size where sums go native; the
    row kernel still takes them (one call where NumPy makes five passes)."""
    x = (np.random.default_rng(3).standard_normal(shape) * 4).astype(np.float32)
    got = kernels.log_softmax_rows(np, x)
    assert got is not None and got.dtype == np.float32
    want = _log_softmax_by_numpy(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=0, atol=8 * np.finfo(np.float32).eps * 4)
    np.testing.assert_array_equal(ops.log_softmax(array(x)).numpy(), got)


def test_log_softmax_rows_with_nan_and_infinities_are_numpys() -> None:
    x = np.random.default_rng(2).standard_normal((32, 64, 100)).astype(np.float32)
    x[0, 0, 5] = np.nan
    x[0, 1, :] = -np.inf  # all -inf: NaN, as in PyTorch and JAX
    x[0, 2, 7] = np.inf
    x[0, 3, :] = np.inf
    x[0, 4, 9] = -np.inf  # one -inf: -inf there, the rest finite
    got = kernels.log_softmax_rows(np, x)
    with np.errstate(invalid="ignore"):
        want = _log_softmax_by_numpy(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert got[0, 4, 9] == -np.inf and np.isfinite(np.delete(got[0, 4], 9)).all()
    np.testing.assert_allclose(got[1:], want[1:], atol=1e-5)
    assert kernels.log_softmax_rows(np, x.transpose(0, 2, 1)) is None  # not rows in memory
