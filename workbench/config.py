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
