"""The host select kernel agrees bit for bit with ``numpy.where``."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.backend import kernels


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64", "bool"])
@pytest.mark.parametrize("layout", ["vv", "vs", "sv", "strided"])
def test_select_matches_where_bit_for_bit(dtype: str, layout: str) -> None:
    rng = np.random.default_rng(0)
    shape = (96, 80)  # above the size where the kernel takes over
    pred = rng.random(shape) < 0.5
    x = rng.standard_normal(shape).astype(dtype)
    y = rng.standard_normal(shape).astype(dtype)
    if x.dtype.kind == "f":  # the values a masked blend could get wrong
        x.flat[:4] = [np.nan, -0.0, np.inf, -np.inf]
        y.flat[:4] = [-np.inf, np.nan, -0.0, 0.0]
    if layout == "vs":
        y = np.broadcast_to(y.flat[1], shape)
    elif layout == "sv":
        x = np.broadcast_to(x.flat[1], shape)
    elif layout == "strided":
        x = np.asfortranarray(x)
    got = kernels.select(np, pred, x, y)
    want = np.where(pred, x, y)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(_bits(got), _bits(want))


def test_select_small_and_disabled_fall_back_to_where(monkeypatch: pytest.MonkeyPatch) -> None:
    pred = np.array([True, False, True])
    x, y = np.array([1.0, 2.0, 3.0]), np.array([-1.0, -2.0, -3.0])
    np.testing.assert_array_equal(kernels.select(np, pred, x, y), [1.0, -2.0, 3.0])
    monkeypatch.setattr(kernels, "_select_kernel", lambda itemsize, layout: None)
    big = np.arange(10_000.0)
    np.testing.assert_array_equal(
        kernels.select(np, big > 5000, big, -big), np.where(big > 5000, big, -big)
    )


def test_a_kernels_pointer_is_the_arrays_first_element() -> None:
    """``native.pointer`` hands a kernel the address NumPy reports, for every kind of host
    array a plan passes: contiguous, read-only, a strided or broadcast view, an ml_dtypes
    type (no buffer format), a 0-d array, an empty one."""
    import cffi
    import ml_dtypes

    from workbench.backend import native

    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    read_only = base.copy()
    read_only.flags.writeable = False
    arrays = [
        base,
        read_only,
        base[:, 2:4],
        base.T,
        base[::-1],
        np.broadcast_to(np.float32(3.0), (5, 7)),
        base.astype(ml_dtypes.bfloat16),
        np.array(2.5),
        np.empty((0, 3), np.float32),
        base[1],
    ]
    ffi = cffi.FFI()
    for a in arrays:
        address = int(ffi.cast("uintptr_t", native.pointer(a)))
        assert address == a.ctypes.data or a.size == 0, a
