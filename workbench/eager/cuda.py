"""Mirrors: torch.cuda (is_available, device_count, synchronize, current_device)."""

from __future__ import annotations

from typing import Any

from workbench.backend import cuda_available, cuda_device_count, get_device


def is_available() -> bool:
    return cuda_available()


def device_count() -> int:
    return cuda_device_count()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: the workbench has no bfloat16 arithmetic (NumPy and CuPy lack it)."""
    return False


def current_device() -> int:
    return 0


def synchronize(device: Any = None) -> None:
    if cuda_available():
        get_device("cuda:0" if device is None else str(device)).synchronize()


def empty_cache() -> None:
    """Give cached GPU memory back (CuPy's memory pools); nothing to do without a GPU."""
    if cuda_available():
        import cupy  # noqa: PLC0415

        cupy.get_default_memory_pool().free_all_blocks()
        cupy.get_default_pinned_memory_pool().free_all_blocks()


def manual_seed(seed: int) -> None:
    from workbench.eager.random import manual_seed as seed_all  # noqa: PLC0415

    seed_all(seed)


manual_seed_all = manual_seed
