"""Array routines whose spelling differs between NumPy and CuPy.

Primitive implementations are written against ``xp``; the few calls that are not the
same in both modules are here, each taking ``xp`` first.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from workbench.backend import native
from workbench.backend.native import pointer


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
_SELECT_MIN_SIZE = 4096  # below this NumPy's own call is as quick as a native call


def _native(source: str, name: str, sizes: int, pointers: int) -> Any:
    """The native function ``name`` of ``source`` taking ``sizes`` counts and then
    ``pointers`` array addresses (``native.pointer``), or None (no compiler)."""
    return native.load(source, name, "n" * sizes + "p" * pointers)


@functools.cache
def _select_kernel(itemsize: int, layout: str) -> Any:
    return _native(_SELECT_SOURCE, f"select_{itemsize}_{layout}", sizes=1, pointers=4)


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
                kernel(x.size, pointer(pred), pointer(x), pointer(y), pointer(out))
                return out
    return xp.where(pred, x, y)


# Max pooling on the host when the windows tile the last two axes (stride = window, no
# padding): one pass over the input for the pooled maxima, one for the gradient, where
# NumPy needs a strided pass per window offset (several for the gradient). The same rules
# as the NumPy route: a NaN is the maximum of its window; each window's cotangent goes to
# its first element (in window order) equal to the maximum, its first NaN if it has one;
# a cotangent is written, never multiplied, so inf and NaN stay in their windows.
_POOL_SOURCE = """
/* Rows of a few windows (7 of a 14-wide plane) leave a loop vectorised 8 wide entirely to
   its branchy scalar remainder: 4 wide, the 2x2 gradient takes 0.8 ms, not 3 ms. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WB_NARROW __attribute__((target("prefer-vector-width=128")))
#else
#define WB_NARROW
#endif
#define POOL(T, S) \\
WB_NARROW void max_pool_##S(long long planes, long long oh, long long ow, long long kh, \\
                  long long kw, const T* x, T* y) { \\
    long long w = ow * kw; \\
    for (long long p = 0; p < planes * oh; ++p) { \\
        const T* rows = x + p * kh * w; \\
        T* out = y + p * ow; \\
        for (long long j = 0; j < ow; ++j) out[j] = rows[j * kw]; \\
        for (long long a = 0; a < kh; ++a) \\
            for (long long b = (a == 0); b < kw; ++b) \\
                for (long long j = 0; j < ow; ++j) { \\
                    T m = out[j], v = rows[a * w + j * kw + b]; \\
                    out[j] = (m != m) ? m : ((v != v || v > m) ? v : m); \\
                } \\
    } \\
} \\
WB_NARROW void max_pool_grad_##S(long long planes, long long oh, long long ow, long long kh, \\
                       long long kw, const T* x, const T* y, const T* g, T* out) { \\
    long long w = ow * kw; \\
    for (long long p = 0; p < planes * oh; ++p) { \\
        const T* rows = x + p * kh * w; \\
        const T* m = y + p * ow; \\
        const T* gp = g + p * ow; \\
        T* grads = out + p * kh * w; \\
        if (kh == 2 && kw == 2) { /* the usual window, without branches */ \\
            const T *r0 = rows, *r1 = rows + w; \\
            T *o0 = grads, *o1 = grads + w; \\
            for (long long j = 0; j < ow; ++j) { \\
                T top = m[j], gv = gp[j]; \\
                int nan = top != top; \\
                T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1]; \\
                int ea = (a == top) | (nan & (a != a)), eb = (b == top) | (nan & (b != b)); \\
                int ec = (c == top) | (nan & (c != c)), ed = (d == top) | (nan & (d != d)); \\
                int hb = eb & !ea, hc = ec & !(ea | eb), hd = ed & !(ea | eb | ec); \\
                o0[2 * j] = ea ? gv : (T)0; \\
                o0[2 * j + 1] = hb ? gv : (T)0; \\
                o1[2 * j] = hc ? gv : (T)0; \\
                o1[2 * j + 1] = hd ? gv : (T)0; \\
            } \\
            continue; \\
        } \\
        for (long long k = 0; k < kh * w; ++k) grads[k] = (T)0; \\
        for (long long j = 0; j < ow; ++j) { \\
            T top = m[j]; \\
            int nan = top != top; \\
            for (long long o = 0; o < kh * kw; ++o) { \\
                long long k = (o / kw) * w + j * kw + o % kw; \\
                T v = rows[k]; \\
                if (v == top || (nan && v != v)) { grads[k] = gp[j]; break; } \\
            } \\
        } \\
    } \\
} \\
/* channels last: (planes, H, W, C), windows over H and W, every channel at once */ \\
void max_pool_cl_##S(long long planes, long long oh, long long ow, long long kh, \\
                     long long kw, long long c, const T* x, T* y) { \\
    long long w = ow * kw; \\
    for (long long p = 0; p < planes * oh; ++p) \\
        for (long long j = 0; j < ow; ++j) { \\
            T* out = y + (p * ow + j) * c; \\
            const T* first = x + (p * kh * w + j * kw) * c; \\
            for (long long q = 0; q < c; ++q) out[q] = first[q]; \\
            for (long long o = 1; o < kh * kw; ++o) { \\
                const T* v = x + ((p * kh + o / kw) * w + j * kw + o % kw) * c; \\
                for (long long q = 0; q < c; ++q) { \\
                    T m = out[q]; \\
                    out[q] = (m != m) ? m : ((v[q] != v[q] || v[q] > m) ? v[q] : m); \\
                } \\
            } \\
        } \\
} \\
void max_pool_grad_cl_##S(long long planes, long long oh, long long ow, long long kh, \\
                          long long kw, long long c, const T* x, const T* y, \\
                          const T* g, T* out, unsigned char* taken) { \\
    long long w = ow * kw; \\
    for (long long p = 0; p < planes * oh; ++p) \\
        for (long long j = 0; j < ow; ++j) { \\
            const T* top = y + (p * ow + j) * c; \\
            const T* gv = g + (p * ow + j) * c; \\
            for (long long q = 0; q < c; ++q) taken[q] = 0; \\
            for (long long o = 0; o < kh * kw; ++o) { \\
                long long at = ((p * kh + o / kw) * w + j * kw + o % kw) * c; \\
                const T* v = x + at; \\
                T* d = out + at; \\
                for (long long q = 0; q < c; ++q) { \\
                    T t = top[q], u = v[q]; \\
                    int hit = !taken[q] & ((u == t) | ((t != t) & (u != u))); \\
                    d[q] = hit ? gv[q] : (T)0; \\
                    taken[q] |= hit; \\
                } \\
            } \\
        } \\
}
POOL(float, f4) POOL(double, f8)
"""


@functools.cache
def _pool_kernel(name: str) -> Any:
    sizes = 6 if "_cl_" in name else 5  # channels last: the channel count too
    pointers = 2 + 2 * ("grad" in name) + ("grad_cl" in name)  # its scratch flags
    return _native(_POOL_SOURCE, name, sizes, pointers)


def _pool_layout(xp: Any, x: Any, window: Any) -> tuple[Any, tuple[int, ...], int, int, int] | None:
    """When the native kernels apply: ``x`` as a C-contiguous view with its two pooled
    axes last (channels 1), or with them followed by one channel axis (channels last: an
    NCHW-shaped view of NHWC memory, as TensorFlow-layout code hands over), that
    permutation, the window's two sizes and the channel count. The window covers ``x``'s
    last ``len(window)`` axes and is 1 along all but two of them (as JAX's
    ``reduce_window`` spells pooling). Else None."""
    window = tuple(window)
    if xp is not np or x.dtype not in (np.float32, np.float64) or x.size < _SELECT_MIN_SIZE:
        return None
    if len(window) < 2 or x.ndim < len(window):
        return None
    lead = x.ndim - len(window)
    pooled = [lead + i for i, k in enumerate(window) if k != 1]
    if len(pooled) != 2:
        if len(pooled) > 2 or any(k != 1 for k in window[:-2]):
            return None
        pooled = [x.ndim - 2, x.ndim - 1]  # windows of 1 along the last axes too
    kh, kw = window[pooled[0] - lead], window[pooled[1] - lead]
    others = [i for i in range(x.ndim) if i not in pooled]
    layouts = [(tuple(others + pooled), 1)]
    if others:
        layouts.append((tuple(others[:-1] + pooled + others[-1:]), x.shape[others[-1]]))
    for perm, channels in layouts:
        moved = x.transpose(perm)
        if moved.flags.c_contiguous and (channels == 1 or channels >= 8):
            return moved, perm, kh, kw, channels
    return None


def _back(moved: Any, perm: tuple[int, ...]) -> Any:
    """``moved`` (axes in ``perm`` order) with the original axis order again, as a view."""
    return moved.transpose(np.argsort(perm))


def _pooled(moved: Any, kh: int, kw: int, channels: int) -> tuple[tuple[int, ...], int, int, int]:
    """The pooled array's shape (in ``moved``'s axis order), planes, and the input's
    pooled sizes."""
    tail = 2 if channels == 1 else 3
    h, w = moved.shape[-tail : moved.ndim - tail + 2]
    shape = (*moved.shape[:-tail], h // kh, w // kw) + (() if channels == 1 else (channels,))
    return shape, moved.size // (h * w * channels), h, w


def max_pool_tiled(xp: Any, x: Any, window: Any) -> Any:
    """The maxima of the 2-d windows tiling two of ``x``'s axes, or None (no kernel)."""
    layout = _pool_layout(xp, x, window)
    if layout is None:
        return None
    moved, perm, kh, kw, channels = layout
    kernel = _pool_kernel(f"max_pool{'_cl' if channels > 1 else ''}_f{x.dtype.itemsize}")
    if kernel is None:
        return None
    shape, planes, h, w = _pooled(moved, kh, kw, channels)
    y = np.empty(shape, x.dtype)
    counts = (planes, h // kh, w // kw, kh, kw) + ((channels,) if channels > 1 else ())
    kernel(*counts, pointer(moved), pointer(y))
    return _back(y, perm)


def max_pool_grad_tiled(xp: Any, x: Any, y: Any, g: Any, window: Any) -> Any:
    """The gradient of ``max_pool_tiled`` (first maximum rule), or None (no kernel)."""
    layout = _pool_layout(xp, x, window)
    if layout is None:
        return None
    moved, perm, kh, kw, channels = layout
    shape, planes, h, w = _pooled(moved, kh, kw, channels)
    kernel = _pool_kernel(f"max_pool_grad{'_cl' if channels > 1 else ''}_f{x.dtype.itemsize}")
    if kernel is None:
        return None
    y_moved = np.ascontiguousarray(y.transpose(perm), x.dtype)
    g_moved = np.ascontiguousarray(g.transpose(perm), x.dtype)
    out = np.empty(moved.shape, x.dtype)
    counts = (planes, h // kh, w // kw, kh, kw) + ((channels,) if channels > 1 else ())
    pointers = [pointer(moved), pointer(y_moved), pointer(g_moved), pointer(out)]
    if channels > 1:
        scratch = np.empty(channels, np.uint8)  # the kernel's per-channel "taken" flags
        pointers.append(pointer(scratch))
    kernel(*counts, *pointers)
    return _back(out, perm)


# Sums over a C-contiguous float array's trailing axes or leading axes on the host, as a
# matrix-vector product with a vector of ones: BLAS's gemv is vectorised and threaded,
# where NumPy reduces a short trailing axis row by row (2048 rows of 256: 128 µs against
# 17 µs here) and leading axes one row at a time. gemv adds in the same order as NumPy's
# reduction over leading axes; over trailing axes it keeps several running sums where
# NumPy sums pairwise, so rows stop at ``_SUM_MAX_ROW`` numbers to keep the rounding
# error of the same size.
_SUM_MIN_SIZE = 16384
_SUM_MAX_ROW = 4096


@functools.cache
def _ones(n: int, dtype: Any) -> Any:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def reduce_sum(xp: Any, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """``x.sum(axes)`` in ``x``'s dtype (the core's reduce_sum)."""
    if (
        xp is np
        and x.size >= _SUM_MIN_SIZE
        and len(axes) < x.ndim
        and x.dtype.char in "fd"
        and x.flags.c_contiguous
    ):
        n, k = x.ndim, len(axes)
        kept = [d for i, d in enumerate(x.shape) if i not in axes]
        out = None
        if axes == tuple(range(n - k, n)):  # trailing: one sum per row
            row = math.prod(x.shape[n - k :])
            if row <= _SUM_MAX_ROW:
                out = x.reshape(-1, row) @ _ones(row, x.dtype)
        elif axes == tuple(range(k)):  # leading: rows added together
            rows = math.prod(x.shape[:k])
            out = _ones(rows, x.dtype) @ x.reshape(rows, -1)
        if out is not None:
            shape = [1 if i in axes else d for i, d in enumerate(x.shape)] if keepdims else kept
            return out.reshape(shape)
    return x.sum(axis=axes, keepdims=keepdims, dtype=x.dtype)


# The maximum (minimum) of each row of a C-contiguous float array on the host: NumPy's
# reduction over a short trailing axis goes row by row (8192 rows of 128: 0.9 ms, about
# eight times a pass over the data). A NaN is the row's maximum, as in NumPy.
_SIMD_ROWS = """
typedef float vf __attribute__((vector_size(32)));
typedef int vfi __attribute__((vector_size(32)));
typedef float vf_u __attribute__((vector_size(32), aligned(4)));
typedef double vd __attribute__((vector_size(32)));
typedef long long vdi __attribute__((vector_size(32)));
typedef double vd_u __attribute__((vector_size(32), aligned(8)));
#define TAKE(v, m, OP) (((v) OP (m)) | ((v) != (v)))
/* m = the extremum of row[0..k), a NaN if the row has one; w lanes at once */
#define ROW_EXTREMUM(T, V, VI, VU, OP, row, k, m) { \\
    const int w = sizeof(V) / sizeof(T); \\
    long long j = 1; \\
    m = row[0]; \\
    if (k >= 2 * w) { \\
        V lanes = *(const VU*)row; \\
        for (j = w; j + w <= k; j += w) { \\
            V v = *(const VU*)(row + j); \\
            VI take = TAKE(v, lanes, OP); \\
            lanes = (V)(((VI)v & take) | ((VI)lanes & ~take)); \\
        } \\
        m = lanes[0]; \\
        for (int l = 1; l < w; ++l) m = TAKE(lanes[l], m, OP) ? lanes[l] : m; \\
    } \\
    for (; j < k; ++j) m = TAKE(row[j], m, OP) ? row[j] : m; \\
}
"""
_EXTREMUM_SOURCE = (
    _SIMD_ROWS
    + """
#define EXTREMUM(NAME, T, V, VI, VU, OP) \\
void NAME(long long rows, long long k, const T* x, T* out) { \\
    for (long long r = 0; r < rows; ++r) { \\
        T m; \\
        ROW_EXTREMUM(T, V, VI, VU, OP, (x + r * k), k, m) \\
        out[r] = m; \\
    } \\
}
EXTREMUM(row_max_f4, float, vf, vfi, vf_u, >) EXTREMUM(row_max_f8, double, vd, vdi, vd_u, >)
EXTREMUM(row_min_f4, float, vf, vfi, vf_u, <) EXTREMUM(row_min_f8, double, vd, vdi, vd_u, <)
"""
)


@functools.cache
def _extremum_kernel(name: str) -> Any:
    return _native(_EXTREMUM_SOURCE, name, sizes=2, pointers=2)


def reduce_extremum(xp: Any, x: Any, axes: tuple[int, ...], keepdims: bool, kind: str) -> Any:
    """``x.max(axes)`` (``kind`` "max") or ``x.min(axes)`` (the core's reductions)."""
    n = x.ndim
    if (
        xp is np
        and x.size >= _SUM_MIN_SIZE
        and axes == (n - 1,)
        and x.shape[-1] > 1
        and x.dtype.char in "fd"
        and x.flags.c_contiguous
    ):
        kernel = _extremum_kernel(f"row_{kind}_f{x.dtype.itemsize}")
        if kernel is not None:
            out = np.empty(x.shape[:-1] + ((1,) if keepdims else ()), x.dtype)
            kernel(x.size // x.shape[-1], x.shape[-1], pointer(x), pointer(out))
            return out
    return (xp.max if kind == "max" else xp.min)(x, axis=axes, keepdims=keepdims)


# log_softmax over the last axis of a C-contiguous float array on the host, row by row:
# a row (a classifier's logits) stays in the cache for its three passes (the maximum,
# the exponentials summed, the result), where NumPy's route makes six passes over the
# whole array and two temporaries (32x64 rows of 1000: 10 ms against about 1 ms).
# The same formula as the NumPy route, (x - m) - log Σ e^(x - m); a NaN or an infinity
# in a row makes the row NaN there as well.
def _log_softmax_source() -> str:
    from workbench.backend import native  # noqa: PLC0415

    return (
        "#include <math.h>\n"
        + native.VECTOR_MATH
        + _SIMD_ROWS
        + """
#define LOG_SOFTMAX(NAME, T, V, VI, VU, EXP, LOG) \\
void NAME(long long rows, long long k, const T* x, T* out) { \\
    const int w = sizeof(V) / sizeof(T); \\
    for (long long r = 0; r < rows; ++r) { \\
        const T* row = x + r * k; \\
        T* o = out + r * k; \\
        T m; \\
        ROW_EXTREMUM(T, V, VI, VU, >, row, k, m) \\
        long long j; \\
        for (j = 0; j < k; ++j) o[j] = EXP(row[j] - m); \\
        V sums = {0}; \\
        for (j = 0; j + w <= k; j += w) sums += *(VU*)(o + j); \\
        T s = 0; \\
        for (int l = 0; l < w; ++l) s += sums[l]; \\
        for (; j < k; ++j) s += o[j]; \\
        T lse = LOG(s); \\
        for (j = 0; j < k; ++j) o[j] = (row[j] - m) - lse; \\
    } \\
}
LOG_SOFTMAX(log_softmax_f4, float, vf, vfi, vf_u, expf, logf)
LOG_SOFTMAX(log_softmax_f8, double, vd, vdi, vd_u, exp, log)
"""
    )


@functools.cache
def _log_softmax_kernel(name: str) -> Any:
    return _native(_log_softmax_source(), name, sizes=2, pointers=2)


def log_softmax_rows(xp: Any, x: Any) -> Any:
    """``log_softmax`` over the last axis by the native kernel, or None (not applicable).
    Small arrays too: NumPy's five passes (max, subtract, exp, sum, log) cost about 20 µs
    on a classifier's 128x10 logits, the kernel's one call 5.5."""
    if xp is np and x.size and x.shape[-1] > 0 and x.dtype.char in "fd" and x.flags.c_contiguous:
        kernel = _log_softmax_kernel(f"log_softmax_f{x.dtype.itemsize}")
        if kernel is not None:
            out = np.empty(x.shape, x.dtype)
            kernel(x.size // x.shape[-1], x.shape[-1], pointer(x), pointer(out))
            return out
    return None


# col2im for 2-d windows on the host: ``z`` (N, H, W, kh, kw, O) holds, for every input
# position, its products with every window offset; each is added to the output position
# it reaches, in an (N, H + kh - 1, W + kw - 1, O) accumulator. A convolution with fewer
# output than input channels (a transposed convolution, an input gradient) is one matrix
# product and this, where im2col would copy the larger input windows. NumPy needs a
# strided pass per window offset (nine for 3x3: 4 ms for 64 images of 14x14x32, against
# about 0.5 ms here).
_COL2IM_SOURCE = """
#define COL2IM(NAME, T) \\
void NAME(long long n, long long h, long long w, long long kh, long long kw, \\
          long long o, const T* z, T* acc) { \\
    long long ah = h + kh - 1, aw = w + kw - 1; \\
    for (long long i = 0; i < n * ah * aw * o; ++i) acc[i] = 0; \\
    for (long long b = 0; b < n; ++b) \\
        for (long long y = 0; y < h; ++y) \\
            for (long long x = 0; x < w; ++x) \\
                for (long long p = 0; p < kh; ++p) \\
                    for (long long q = 0; q < kw; ++q) { \\
                        const T* src = z + ((((b * h + y) * w + x) * kh + p) * kw + q) * o; \\
                        T* dst = acc + ((b * ah + y + kh - 1 - p) * aw + x + kw - 1 - q) * o; \\
                        for (long long c = 0; c < o; ++c) dst[c] += src[c]; \\
                    } \\
}
COL2IM(col2im_f4, float) COL2IM(col2im_f8, double)
"""


@functools.cache
def _col2im_kernel(name: str) -> Any:
    return _native(_COL2IM_SOURCE, name, sizes=6, pointers=2)


def col2im_2d(xp: Any, z: Any, n: int, size: Any, window: Any, channels: int) -> Any:
    """The window products ``z`` (N·H·W, kh·kw·O), C-contiguous, added back to the
    positions they reach: (N, H + kh - 1, W + kw - 1, O); None without a native kernel."""
    if xp is not np or z.dtype.char not in "fd" or not z.flags.c_contiguous:
        return None
    kernel = _col2im_kernel(f"col2im_f{z.dtype.itemsize}")
    if kernel is None:
        return None
    (h, w), (kh, kw) = size, window
    acc = np.empty((n, h + kh - 1, w + kw - 1, channels), z.dtype)
    kernel(n, h, w, kh, kw, channels, pointer(z), pointer(acc))
    return acc
