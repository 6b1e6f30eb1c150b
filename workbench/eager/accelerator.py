"""Mirrors: torch.accelerator (PyTorch's device-agnostic view of the current accelerator,
which its tutorials use to pick a device): here the accelerator is CUDA when CuPy sees a
GPU, and there is none otherwise."""

from __future__ import annotations

from typing import Any

from workbench.eager import cuda
from workbench.eager.meta import device


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device(type='cuda')`` when a GPU is present, else None (as PyTorch on a CPU-only
    machine)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def current_device_index() -> int:
    return cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device: Any) -> None:
    cuda.set_device(device)


set_device_idx = set_device_index


class device_index:  # noqa: N801 - a context manager, as PyTorch spells it
    """``with torch.accelerator.device_index(i):`` (only device 0 exists here)."""

    def __init__(self, device: Any) -> None:
        self.device = device

    def __enter__(self) -> None:
        if self.device not in (None, 0):
            set_device_index(self.device)

    def __exit__(self, *exc: Any) -> None:
        return None


def synchronize(device: Any = None) -> None:
    cuda.synchronize(device)


__all__ = [
    "current_accelerator",
    "current_device_idx",
    "device_index",
    "set_device_idx",
    "set_device_index",
    "current_device_index",
    "device_count",
    "is_available",
    "synchronize",
]
