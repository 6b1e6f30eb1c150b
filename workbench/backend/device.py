"""Devices: where arrays live and which array module (``xp``) computes on them.

One :class:`Device` object exists per device, so devices compare with ``is``. ``cpu:N``
are logical CPU devices that share NumPy (for teaching multi-device code without GPUs);
``cuda:N`` use CuPy, which is imported only when a CUDA device is first asked for.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from workbench import config


class Device:
    """A place arrays live: ``cpu:0``, ``cpu:1`` (logical), ``cuda:0``…

    Attributes:
        platform: ``"cpu"`` or ``"cuda"``.
        index: the device number on its platform.
        xp: the array module computing on it (``numpy`` or ``cupy``).
    """

    __slots__ = ("platform", "index", "xp", "ndarray")

    def __init__(self, platform: str, index: int, xp: Any) -> None:
        self.platform = platform
        self.index = index
        self.xp = xp
        self.ndarray = xp.ndarray

    @property
    def name(self) -> str:
        return f"{self.platform}:{self.index}"

    def __repr__(self) -> str:
        return f"Device({self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, ...]:
        return (get_device, (self.name,))

    def put(self, data: Any, dtype: np.dtype | None = None) -> Any:
        """Return ``data`` as an array on this device (copying across devices)."""
        if self.platform == "cpu":
            if not isinstance(data, np.ndarray) and hasattr(data, "get"):
                data = data.get()  # a CuPy array coming home
            return np.array(data, dtype=dtype, copy=True)
        with self.xp.cuda.Device(self.index):
            return self.xp.array(data, dtype=dtype, copy=True)

    def to_host(self, data: Any) -> np.ndarray:
        """Return a NumPy copy of an array that lives on this device."""
        if self.platform == "cpu":
            return np.asarray(data)
        return data.get()

    def synchronize(self) -> None:
        """Wait until all work queued on this device has finished (a no-op on CPU)."""
        if self.platform == "cuda":
            with self.xp.cuda.Device(self.index):
                self.xp.cuda.get_current_stream().synchronize()

    @contextlib.contextmanager
    def activate(self) -> Iterator[None]:
        """Make this device current for the array module (matters for ``cuda:N``, N > 0)."""
        if self.platform == "cuda":
            with self.xp.cuda.Device(self.index):
                yield
        else:
            yield


@functools.cache
def _cupy() -> Any:
    import cupy  # noqa: PLC0415 - imported only when a GPU is asked for

    return cupy


@functools.cache
def cuda_device_count() -> int:
    """Number of CUDA devices CuPy can use; 0 when CuPy or a GPU is missing."""
    try:
        cupy = _cupy()
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - no CuPy, no driver or no GPU all mean "none"
        return 0


def cuda_available() -> bool:
    return cuda_device_count() > 0


_DEVICES: dict[str, Device] = {}


def _make_device(platform: str, index: int) -> Device:
    name = f"{platform}:{index}"
    if name not in _DEVICES:
        if platform == "cpu":
            from workbench.backend.memory import tune_host_allocator  # noqa: PLC0415

            tune_host_allocator()  # decided once, for every front end and mode
        xp = np if platform == "cpu" else _cupy()
        _DEVICES[name] = Device(platform, index, xp)
    return _DEVICES[name]


def devices(platform: str | None = None) -> list[Device]:
    """All devices, or those of one platform (``"cpu"`` or ``"cuda"``)."""
    result: list[Device] = []
    if platform in (None, "cpu"):
        result += [_make_device("cpu", i) for i in range(config.cpu_device_count())]
    if platform in (None, "cuda", "gpu"):
        result += [_make_device("cuda", i) for i in range(cuda_device_count())]
    return result


def get_device(spec: Device | str | None = None) -> Device:
    """Resolve ``"cpu"``, ``"cpu:1"``, ``"cuda"``, ``"cuda:0"``, ``"gpu"`` or a Device.

    ``None`` gives the current default device.

    Raises:
        ValueError: for an unknown name or a device that is not present.
    """
    if spec is None:
        return _default_stack[-1]
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"expected a device or a device name, got {spec!r}")
    platform, _, index_text = spec.strip().lower().partition(":")
    if platform == "gpu":
        platform = "cuda"
    if platform not in ("cpu", "cuda") or (index_text and not index_text.isdigit()):
        raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cpu:N', 'cuda' or 'cuda:N'")
    index = int(index_text) if index_text else 0
    count = config.cpu_device_count() if platform == "cpu" else cuda_device_count()
    if index >= count:
        if platform == "cuda" and count == 0:
            raise ValueError(
                f"device {spec!r} is not available: no CUDA GPU (or CuPy) was found. "
                "Install the GPU extra (pip install 'workbench[gpu]') on a machine with a GPU."
            )
        hint = (
            " (set WORKBENCH_CPU_DEVICES for more logical CPU devices)" if platform == "cpu" else ""
        )
        raise ValueError(
            f"device {spec!r} is not available: {platform} has {count} device(s){hint}"
        )
    return _make_device(platform, index)


_default_stack: list[Device] = [_make_device("cpu", 0)]


def default_device() -> Device:
    """The device new arrays go to unless told otherwise."""
    return _default_stack[-1]


@contextlib.contextmanager
def using_device(spec: Device | str) -> Iterator[Device]:
    """Within the block, new arrays go to ``spec`` by default."""
    device = get_device(spec)
    _default_stack.append(device)
    try:
        yield device
    finally:
        _default_stack.pop()


def device_of(data: Any) -> Device:
    """The physical device a raw NumPy/CuPy array lives on (logical CPUs read as cpu:0)."""
    if isinstance(data, np.ndarray | np.generic):
        return _make_device("cpu", 0)
    return _make_device("cuda", int(data.device.id))
