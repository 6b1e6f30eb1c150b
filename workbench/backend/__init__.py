"""Array backends: NumPy on the CPU, CuPy on CUDA GPUs; devices and dtypes.

Knows arrays and devices, nothing of autodiff. The only package that imports NumPy or
CuPy for computation.
"""

from workbench.backend import dtypes, kernels
from workbench.backend.device import (
    Device,
    cuda_available,
    cuda_device_count,
    default_device,
    device_of,
    devices,
    get_device,
    using_device,
)

__all__ = [
    "Device",
    "cuda_available",
    "cuda_device_count",
    "default_device",
    "device_of",
    "devices",
    "dtypes",
    "get_device",
    "kernels",
    "using_device",
]
