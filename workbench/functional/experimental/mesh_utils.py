"""``jax.experimental.mesh_utils``: device grids for ``Mesh``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def create_device_mesh(
    mesh_shape: Sequence[int], devices: Sequence[Any] | None = None, **_: Any
) -> np.ndarray:
    """The devices laid out in ``mesh_shape`` (in id order: the logical CPU devices have
    no physical topology to follow). Mirrors: mesh_utils.create_device_mesh."""
    from workbench.functional.devices import devices as all_devices  # noqa: PLC0415

    pool = list(devices) if devices is not None else all_devices()
    shape = tuple(int(s) for s in mesh_shape)
    if math.prod(shape) != len(pool):
        raise ValueError(
            f"create_device_mesh: mesh shape {shape} needs {math.prod(shape)} devices, "
            f"got {len(pool)}"
        )
    grid = np.empty(len(pool), dtype=object)
    grid[:] = pool
    return grid.reshape(shape)


def create_hybrid_device_mesh(
    mesh_shape: Sequence[int], dcn_mesh_shape: Sequence[int], devices: Any = None, **_: Any
) -> np.ndarray:
    """One process, so the data-centre axes are all 1: the mesh of ``mesh_shape`` times
    ``dcn_mesh_shape``."""
    shape = [a * b for a, b in zip(mesh_shape, dcn_mesh_shape)]
    return create_device_mesh(shape, devices)
