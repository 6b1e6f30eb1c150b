"""Mirrors: torch.cuda (availability, devices, synchronisation, memory statistics,
timing events, the legacy cuda tensor types)."""

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


# -- memory statistics: the bytes CuPy's pool holds (0 without a GPU, as PyTorch's CPU
# build reports)

_PEAK = [0]


def _pool_bytes(kind: str) -> int:
    if not cuda_available():
        return 0
    import cupy  # noqa: PLC0415

    pool = cupy.get_default_memory_pool()
    return int(pool.used_bytes() if kind == "used" else pool.total_bytes())


def memory_allocated(device: Any = None) -> int:
    used = _pool_bytes("used")
    _PEAK[0] = max(_PEAK[0], used)
    return used


def max_memory_allocated(device: Any = None) -> int:
    return max(_PEAK[0], memory_allocated(device))


def memory_reserved(device: Any = None) -> int:
    return _pool_bytes("total")


def reset_peak_memory_stats(device: Any = None) -> None:
    _PEAK[0] = _pool_bytes("used")


def _needs_gpu(what: str) -> None:
    if not cuda_available():
        raise RuntimeError(f"{what}: no CUDA GPU is available on this machine")


def set_device(device: Any) -> None:
    """Only device 0 exists here (the workbench uses one GPU)."""
    _needs_gpu("torch.cuda.set_device")
    index = device if isinstance(device, int) else int(str(device).rpartition(":")[2] or 0)
    if index != 0:
        raise RuntimeError(f"torch.cuda.set_device: only device 0 is used, got {device}")


def get_device_name(device: Any = None) -> str:
    _needs_gpu("torch.cuda.get_device_name")
    import cupy  # noqa: PLC0415

    return str(cupy.cuda.runtime.getDeviceProperties(0)["name"].decode())


def get_device_capability(device: Any = None) -> tuple[int, int]:
    _needs_gpu("torch.cuda.get_device_capability")
    import cupy  # noqa: PLC0415

    props = cupy.cuda.runtime.getDeviceProperties(0)
    return int(props["major"]), int(props["minor"])


def get_device_properties(device: Any = None) -> Any:
    _needs_gpu("torch.cuda.get_device_properties")
    import cupy  # noqa: PLC0415

    return cupy.cuda.runtime.getDeviceProperties(0)


class Event:
    """A timing event: ``record()``, ``synchronize()``, ``elapsed_time(other)`` in ms
    (CuPy's events on a GPU, the host clock otherwise)."""

    def __init__(
        self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False
    ) -> None:
        self._time = 0.0
        self._event = None
        if cuda_available():
            import cupy  # noqa: PLC0415

            self._event = cupy.cuda.Event()

    def record(self, stream: Any = None) -> None:
        import time  # noqa: PLC0415

        if self._event is not None:
            self._event.record()
        self._time = time.perf_counter()

    def synchronize(self) -> None:
        if self._event is not None:
            self._event.synchronize()

    def elapsed_time(self, end: Event) -> float:
        if self._event is not None and end._event is not None:
            import cupy  # noqa: PLC0415

            return float(cupy.cuda.get_elapsed_time(self._event, end._event))
        return (end._time - self._time) * 1000.0


def _legacy(name: str, dtype_name: str) -> Any:
    def make(*args: Any) -> Any:
        from workbench.eager import creation, dtypes  # noqa: PLC0415

        if not cuda_available():
            raise TypeError(f"type torch.cuda.{name} not available: no CUDA GPU on this machine")
        return getattr(creation, name)(*args).to(device="cuda", dtype=getattr(dtypes, dtype_name))

    make.__name__ = name
    return make


FloatTensor = _legacy("FloatTensor", "float32")
DoubleTensor = _legacy("DoubleTensor", "float64")
HalfTensor = _legacy("HalfTensor", "float16")
LongTensor = _legacy("LongTensor", "int64")
IntTensor = _legacy("IntTensor", "int32")
ByteTensor = _legacy("ByteTensor", "uint8")
BoolTensor = _legacy("BoolTensor", "bool")
