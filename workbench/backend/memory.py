"""Host memory: keep freed large blocks for reuse instead of returning them to the OS.

glibc hands out large arrays (over 128 KiB) with mmap and trims freed memory back to the
OS; every new large array then starts with one page fault per 4 KiB when it is first
written (about 1 ms for a 784x512 float32 array here, ten times the arithmetic on it).
Every training step allocates its activations and gradients afresh, in every front end,
so each step pays this again. ``tune_host_allocator`` asks glibc to serve blocks up to
32 MiB from its heap and to keep freed memory, so a training loop's arrays reuse
already-mapped pages. The workbench decides this once, when it makes its first CPU device
(on import), for eager, static and functional code alike — not per compiled plan. It
changes the process's allocator (memory is kept until exit); ``WORKBENCH_MALLOC_TUNING=0``
turns it off. Elsewhere than glibc it does nothing. The benchmark applies the same setting
in the process of every implementation it times (NumPy, PyTorch and JAX included).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

from workbench import config

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


@functools.cache
def tune_host_allocator() -> bool:
    """Apply the tuning once; True when it took effect."""
    if not config.malloc_tuning():
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(_M_MMAP_THRESHOLD, 32 << 20) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, 1 << 30) == 1 and ok
    ok = mallopt(_M_TOP_PAD, 64 << 20) == 1 and ok
    return ok
