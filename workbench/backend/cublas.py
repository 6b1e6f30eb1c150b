"""GEMM through libcublas directly (ctypes), so matrix products can be captured into a
CUDA graph: CuPy refuses every cuBLAS call during stream capture, although cuBLAS
itself supports it. Only used on CUDA devices; imported lazily.
"""

from __future__ import annotations

import ctypes
import functools
from typing import Any

import numpy as np

_OP_N, _OP_T = 0, 1
_ONE = {np.dtype("float32"): ctypes.c_float(1.0), np.dtype("float64"): ctypes.c_double(1.0)}
_ZERO = {np.dtype("float32"): ctypes.c_float(0.0), np.dtype("float64"): ctypes.c_double(0.0)}


@functools.cache
def _functions() -> dict[np.dtype, Any]:
    import cupy  # noqa: PLC0415

    cupy.cuda.device.get_cublas_handle()  # makes sure CuPy has loaded libcublas
    path = None
    with open("/proc/self/maps") as f:
        for line in f:
            if "libcublas.so" in line and "Lt" not in line.split("/")[-1]:
                path = line.split()[-1]
                break
    if path is None:
        raise RuntimeError("libcublas is not loaded in this process")
    library = ctypes.CDLL(path)
    found = {}
    for dtype, name, scalar in (
        (np.dtype("float32"), "cublasSgemm_v2", ctypes.c_float),
        (np.dtype("float64"), "cublasDgemm_v2", ctypes.c_double),
    ):
        fn = getattr(library, name)
        fn.restype = ctypes.c_int
        fn.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(scalar),
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.POINTER(scalar),
            ctypes.c_void_p,
            ctypes.c_int,
        ]
        found[dtype] = fn
    return found


def _layout(x: Any) -> tuple[Any, int, int] | None:
    """(array, op, leading dimension) describing ``x`` (r, c) to column-major cuBLAS as
    the matrix xᵀ (what a row-major product needs), or None if not expressible."""
    rows, cols = x.shape
    item = x.itemsize
    if x.strides == (cols * item, item) or rows <= 1 or cols <= 1 and x.flags.c_contiguous:
        return x, _OP_N, max(cols, 1)
    if x.strides == (item, rows * item):  # a transposed view of a C-contiguous array
        return x, _OP_T, max(rows, 1)
    return None


def gemm(a: Any, b: Any) -> Any:
    """``a @ b`` for 2-d float32/float64 CuPy arrays, capturable in a CUDA graph."""
    import cupy  # noqa: PLC0415

    m, k = a.shape
    n = b.shape[1]
    out = cupy.empty((m, n), dtype=a.dtype)
    if m == 0 or n == 0:
        return out
    if k == 0:
        out.fill(0)
        return out
    la = _layout(a) or (cupy.ascontiguousarray(a), _OP_N, k)
    lb = _layout(b) or (cupy.ascontiguousarray(b), _OP_N, n)
    (a_, op_a, ld_a), (b_, op_b, ld_b) = la, lb
    handle = cupy.cuda.device.get_cublas_handle()
    status = _functions()[a.dtype](
        handle,
        op_b,
        op_a,
        n,
        m,
        k,
        ctypes.byref(_ONE[a.dtype]),
        b_.data.ptr,
        ld_b,
        a_.data.ptr,
        ld_a,
        ctypes.byref(_ZERO[a.dtype]),
        out.data.ptr,
        n,
    )
    if status != 0:
        raise RuntimeError(f"cublas gemm failed with status {status}")
    return out


def set_stream(stream: Any) -> None:
    """Bind CuPy's cuBLAS handle to ``stream`` (outside capture)."""
    import cupy  # noqa: PLC0415
    from cupy_backends.cuda.libs import cublas  # noqa: PLC0415

    cublas.setStream(cupy.cuda.device.get_cublas_handle(), stream.ptr)
