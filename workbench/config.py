"""The one place the workbench reads its environment.

Nothing else in the package reads environment variables, so what a run depends on is
visible here: the number of logical CPU devices (for teaching multi-device code on one
machine, like XLA's host-platform device count).
"""

from __future__ import annotations

import os


def cpu_device_count() -> int:
    """Number of logical CPU devices, from ``WORKBENCH_CPU_DEVICES`` (default 1)."""
    raw = os.environ.get("WORKBENCH_CPU_DEVICES", "1")
    try:
        count = int(raw)
    except ValueError as err:
        raise ValueError(f"WORKBENCH_CPU_DEVICES must be a positive integer, got {raw!r}") from err
    if count < 1:
        raise ValueError(f"WORKBENCH_CPU_DEVICES must be a positive integer, got {raw!r}")
    return count


def native_kernels() -> bool:
    """Whether compiled plans may build native kernels (``WORKBENCH_NATIVE``, default 1).

    With 0 (or without a C compiler) fused groups run as in-place ufunc chains.
    """
    return os.environ.get("WORKBENCH_NATIVE", "1") not in ("0", "false", "no")


def kernel_cache_dir() -> str:
    """Where compiled CPU kernels are cached (``WORKBENCH_CACHE``, default ~/.cache/workbench)."""
    default = os.path.join(os.path.expanduser("~"), ".cache", "workbench", "kernels")
    return os.environ.get("WORKBENCH_CACHE", default)


def malloc_tuning() -> bool:
    """Whether the workbench may tune glibc's allocator to keep freed memory for reuse
    (``WORKBENCH_MALLOC_TUNING``, default 1; see ``backend/memory.py``)."""
    return os.environ.get("WORKBENCH_MALLOC_TUNING", "1") not in ("0", "false", "no")
