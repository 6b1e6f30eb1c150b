"""Array routines whose spelling differs between NumPy and CuPy.

Primitive implementations are written against ``xp``; the few calls that are not the
same in both modules are here, each taking ``xp`` first.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np


@functools.cache
def _host_erf() -> Any:
    try:
        from scipy import special  # noqa: PLC0415 - optional accelerator

        return special.erf
    except ImportError:
        # math.erf is correctly rounded by the C library; slower, but exact.
        return np.frompyfunc(math.erf, 1, 1)


def erf(xp: Any, x: Any) -> Any:
    """The error function, elementwise, keeping the input dtype."""
    if xp is np:
        return np.asarray(_host_erf()(x), dtype=x.dtype)
    from cupyx.scipy import special  # noqa: PLC0415

    return special.erf(x)


@functools.cache
def _host_erf_inv() -> Any:
    try:
        from scipy import special  # noqa: PLC0415 - optional accelerator

        return special.erfinv
    except ImportError:
        return None


def erf_inv(xp: Any, x: Any) -> Any:
    """The inverse error function on (-1, 1) (±inf at ±1), keeping the input dtype."""
    if xp is not np:
        from cupyx.scipy import special  # noqa: PLC0415

        return special.erfinv(x)
    exact = _host_erf_inv()
    if exact is not None:
        return np.asarray(exact(x), dtype=x.dtype)
    # Winitzki's closed-form approximation, refined by Newton steps on erf in float64.
    y = np.asarray(x, np.float64)
    a = 0.147
    log_term = np.log1p(-np.minimum(y * y, 1.0 - 1e-300))
    first = 2 / (math.pi * a) + log_term / 2
    out = np.sign(y) * np.sqrt(np.sqrt(first * first - log_term / a) - first)
    erf = np.frompyfunc(math.erf, 1, 1)
    for _ in range(4):
        residual = erf(out).astype(np.float64) - y
        out = out - residual / (2 / math.sqrt(math.pi) * np.exp(-out * out))
    out = np.where(np.abs(y) >= 1, np.sign(y) * np.inf, out)
    return np.asarray(out, dtype=x.dtype)


def power(xp: Any, x: Any, y: Any) -> Any:
    """``x ** y``. A constant exponent of 2 or 3 is multiplied out on the host, as PyTorch's
    CPU kernel does (the general power function is ten times slower, and x·x·x is what
    PyTorch computes for ``x ** 3``, to the last bit)."""
    if xp is np and y.size and not any(y.strides):  # one number, broadcast
        exponent = y.flat[0]
        if exponent == 2:
            return np.multiply(x, x)
        if exponent == 3:
            return np.multiply(np.multiply(x, x), x)
    return xp.power(x, y)


def scatter_add(xp: Any, out: Any, key: tuple[Any, ...], updates: Any) -> None:
    """``out[key] += updates`` where repeated indices accumulate (unbuffered).

    NumPy and CuPy (13 and later) spell it the same way.
    """
    xp.add.at(out, key, updates)


def as_strided(xp: Any, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    """A read-only strided view of ``x`` (the window extraction under conv and pooling)."""
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


# select on the host: NumPy's ``where`` branches on every element, which on an
# unpredictable mask (a ReLU's, a dropout's) costs a mispredicted branch per element —
# about ten times a multiply. The native kernel blends bit patterns with a mask instead
# (exact for every dtype, NaN payloads and signed zeros included). An operand broadcast
# from one value (stride 0, as ``zeros_like`` makes) is read as that value.
_SELECT_SOURCE = """
#include <stdint.h>
#define SELECT(NAME, T, AI, BI) \\
void NAME(long long n, const unsigned char* p, const T* a, const T* b, T* o) { \\
    for (long long i = 0; i < n; ++i) { \\
        T m = (T)0 - (T)(p[i] != 0); \\
        o[i] = (a[AI] & m) | (b[BI] & ~m); \\
    } \\
}
#define ALL(T, S) SELECT(select_##S##_vv, T, i, i) SELECT(select_##S##_vs, T, i, 0) \\
    SELECT(select_##S##_sv, T, 0, i)
ALL(uint8_t, 1) ALL(uint16_t, 2) ALL(uint32_t, 4) ALL(uint64_t, 8)
"""
_SELECT_MIN_SIZE = 4096  # below this NumPy's own call is as quick as a ctypes call


@functools.cache
def _select_kernel(itemsize: int, layout: str) -> Any:
    from workbench.backend import native  # noqa: PLC0415

    function = native.load(_SELECT_SOURCE, f"select_{itemsize}_{layout}")
    if function is not None:
        import ctypes  # noqa: PLC0415

        function.argtypes = [ctypes.c_longlong] + [ctypes.c_void_p] * 4
    return function


def _layout(x: Any) -> str | None:
    if x.flags.c_contiguous:
        return "v"
    if not any(x.strides):
        return "s"
    return None


def select(xp: Any, pred: Any, x: Any, y: Any) -> Any:
    """``pred ? x : y`` elementwise on equal shapes (the core's select)."""
    if xp is np and x.size >= _SELECT_MIN_SIZE and pred.flags.c_contiguous:
        layout = (_layout(x) or "") + (_layout(y) or "")
        if layout in ("vv", "vs", "sv") and x.dtype.itemsize in (1, 2, 4, 8):
            kernel = _select_kernel(x.dtype.itemsize, layout)
            if kernel is not None:
                out = np.empty(x.shape, x.dtype)
                kernel(x.size, pred.ctypes.data, x.ctypes.data, y.ctypes.data, out.ctypes.data)
                return out
    return xp.where(pred, x, y)
