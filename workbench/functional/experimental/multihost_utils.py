"""``jax.experimental.multihost_utils`` for the one process the workbench runs in."""

from __future__ import annotations

from typing import Any

from workbench.functional.devices import device_get


def process_allgather(in_tree: Any, tiled: bool = False) -> Any:
    """Every process's values, gathered to NumPy (one process: its own)."""
    return device_get(in_tree)


def sync_global_devices(name: str) -> None:
    """Wait until every process reaches this point (one process: at once)."""


def broadcast_one_to_all(in_tree: Any, is_source: bool | None = None) -> Any:
    return device_get(in_tree)
