"""Devices as JAX names them: ``devices()``, ``default_backend()``, ``device_put`` and
``block_until_ready``. On the CPU, ``config.update("jax_num_cpu_devices", n)`` (or
``WORKBENCH_CPU_DEVICES``) gives several logical devices for teaching ``pmap``."""

from __future__ import annotations

from typing import Any

from workbench.backend import Device as CoreDevice
from workbench.backend import cuda_available, default_device, get_device
from workbench.backend import devices as core_devices
from workbench.core import ops, tree


class Device:
    """Mirrors: jax.Device (``CpuDevice(id=0)``, ``CudaDevice(id=0)``)."""

    def __init__(self, core: CoreDevice) -> None:
        self.core = core
        self.id = core.index
        self.platform = "gpu" if core.platform == "cuda" else "cpu"
        self.device_kind = "cpu" if self.platform == "cpu" else "gpu"

    def __repr__(self) -> str:
        return f"{'CudaDevice' if self.platform == 'gpu' else 'CpuDevice'}(id={self.id})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and other.core is self.core

    def __hash__(self) -> int:
        return hash(self.core.name)


def device_of(core: CoreDevice) -> Device:
    return Device(core)


def default_backend() -> str:
    """``"gpu"`` when a CUDA device is present, else ``"cpu"``. Mirrors: jax.default_backend."""
    return "gpu" if cuda_available() else "cpu"


def devices(backend: str | None = None) -> list[Device]:
    """Mirrors: jax.devices (the default backend's devices)."""
    platform = backend or default_backend()
    return [Device(d) for d in core_devices("cuda" if platform in ("gpu", "cuda") else "cpu")]


def local_devices(backend: str | None = None) -> list[Device]:
    return devices(backend)


def device_count(backend: str | None = None) -> int:
    return len(devices(backend))


local_device_count = device_count


def device_put(x: Any, device: Any = None) -> Any:
    """Copy ``x`` (a pytree) to ``device`` (default: the default device).

    Mirrors: jax.device_put."""
    from workbench.functional.array import Array, value_of  # noqa: PLC0415
    from workbench.functional.sharding import NamedSharding, PartitionSpec, with_sharding  # noqa: PLC0415

    if isinstance(device, NamedSharding | PartitionSpec) or (
        isinstance(device, tuple | list | dict) and device
    ):
        return with_sharding(x, device)
    if hasattr(device, "device") and not isinstance(device, Device):  # SingleDeviceSharding
        device = device.device
    target = (
        device.core
        if isinstance(device, Device)
        else get_device(device)
        if device
        else default_device()
    )
    if device is None:  # uncommitted: the computation may move it
        return tree.tree_map(lambda v: Array(ops.device_put(value_of(v), target)), x)
    from workbench.functional.sharding import SingleDeviceSharding  # noqa: PLC0415

    def commit(v: Any) -> Array:
        out = Array(ops.device_put(value_of(v), target))
        out._sharding = SingleDeviceSharding(Device(target))  # committed to this device
        return out

    return tree.tree_map(commit, x)


def device_get(x: Any) -> Any:
    """``x`` (a pytree) copied to the host as NumPy arrays. Mirrors: jax.device_get."""
    import numpy as np  # noqa: PLC0415

    return tree.tree_map(lambda v: np.asarray(v) if hasattr(v, "__array__") else v, x)


def process_index() -> int:
    """This process's index among the hosts of a computation (always 0 here: one
    process). Mirrors: jax.process_index."""
    return 0


def process_count() -> int:
    return 1


def block_until_ready(x: Any) -> Any:
    """Wait for every array in ``x`` to be computed. Mirrors: jax.block_until_ready."""
    for leaf in tree.flatten(x)[0]:
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()
    return x
