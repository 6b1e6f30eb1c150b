"""Sharding as JAX spells it — ``Mesh``, ``PartitionSpec`` (``P``), ``NamedSharding``,
``make_mesh``, ``set_mesh``, ``reshard``, ``shard_map`` — on the logical CPU devices
(``config.update("jax_num_cpu_devices", 8)``), so a learner can lay an array over a mesh,
look at it (``jax.debug.visualize_array_sharding``, ``jax.typeof``) and write per-device
code with collectives.

What is simulated, and how: every array lives whole in this one process; its sharding is a
description (which device holds which block) that the workbench checks (a sharded
dimension must divide evenly) and reports, and that ``addressable_shards`` slices by.
``shard_map`` really runs the function once per device's block — as a ``vmap`` over each
mesh axis, named after it, so ``lax.psum``/``all_gather``/``ppermute``/``axis_index``
are the same collectives ``pmap`` uses — and reassembles the blocks by ``out_specs``.
Under an Explicit mesh, elementwise operations keep their operand's sharding (as JAX's
sharding-in-types does); other operations' results are not given one (JAX's compiler
would choose one).
"""

from __future__ import annotations

import contextlib
import enum
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from workbench.core import tree


class AxisType(enum.Enum):
    """How a mesh axis is partitioned: by the compiler (Auto), in the types (Explicit), or
    by hand inside ``shard_map`` (Manual). Mirrors: jax.sharding.AxisType."""

    Auto = "Auto"
    Explicit = "Explicit"
    Manual = "Manual"

    def __repr__(self) -> str:
        return self.value


class PartitionSpec(tuple):  # type: ignore[type-arg]
    """Which mesh axes split each array dimension: ``P('x', None)`` splits dimension 0 over
    mesh axis ``x`` and keeps dimension 1 whole; ``P(('x', 'y'))`` splits over both (``x``
    major). Mirrors: jax.sharding.PartitionSpec."""

    UNCONSTRAINED: Any = None

    def __new__(cls, *partitions: Any) -> PartitionSpec:
        return super().__new__(cls, partitions)

    def __repr__(self) -> str:
        return f"P{tuple.__repr__(self)}"

    def names(self, dim: int) -> tuple[str, ...]:
        """The mesh axes that split dimension ``dim`` (major first)."""
        if dim >= len(self) or self[dim] is None:
            return ()
        entry = self[dim]
        return tuple(entry) if isinstance(entry, tuple | list) else (entry,)


P = PartitionSpec


class Mesh:
    """Devices laid out in a named grid. Mirrors: jax.sharding.Mesh."""

    def __init__(self, devices: Any, axis_names: Sequence[str], axis_types: Any = None) -> None:
        self.devices = np.asarray(devices, dtype=object)
        self.axis_names = tuple(axis_names)
        if self.devices.ndim != len(self.axis_names):
            raise ValueError(
                f"Mesh: {self.devices.ndim}-d devices but {len(self.axis_names)} axis names "
                f"{self.axis_names}"
            )
        if axis_types is None:
            axis_types = (AxisType.Auto,) * len(self.axis_names)
        elif isinstance(axis_types, AxisType):
            axis_types = (axis_types,) * len(self.axis_names)
        self.axis_types = tuple(axis_types)
        self._entered: list[Any] = []

    @property
    def shape(self) -> OrderedDict[str, int]:
        return OrderedDict(zip(self.axis_names, self.devices.shape))

    @property
    def axis_sizes(self) -> tuple[int, ...]:
        return tuple(self.devices.shape)

    @property
    def shape_tuple(self) -> tuple[tuple[str, int], ...]:
        return tuple(self.shape.items())

    @property
    def size(self) -> int:
        return int(self.devices.size)

    @property
    def empty(self) -> bool:
        return not self.axis_names

    @property
    def device_ids(self) -> np.ndarray:
        return np.vectorize(lambda d: d.id, otypes=[int])(self.devices)

    @property
    def abstract_mesh(self) -> Mesh:
        return self

    def explicit(self, name: str) -> bool:
        return self.axis_types[self.axis_names.index(name)] == AxisType.Explicit

    def __enter__(self) -> Mesh:
        self._entered.append(set_mesh(self))
        return self

    def __exit__(self, *exc: Any) -> None:
        self._entered.pop().__exit__(*exc)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Mesh)
            and self.axis_names == other.axis_names
            and self.devices.shape == other.devices.shape
            and all(a == b for a, b in zip(self.devices.flat, other.devices.flat))
        )

    def __hash__(self) -> int:
        return hash((self.axis_names, self.devices.shape))

    def __repr__(self) -> str:
        types = ", ".join(t.value for t in self.axis_types)
        return (
            f"Mesh(axis_sizes={self.axis_sizes}, axis_names={self.axis_names}, "
            f"axis_types=({types}{',' if len(self.axis_types) == 1 else ''}))"
        )

    def _short(self) -> str:
        sizes = ", ".join(f"{n!r}: {s}" for n, s in self.shape.items())
        types = ", ".join(t.value for t in self.axis_types)
        return f"Mesh({sizes}, axis_types=({types}{',' if len(self.axis_types) == 1 else ''}))"


AbstractMesh = Mesh


class Sharding:
    """How an array's elements are laid over devices. Mirrors: jax.sharding.Sharding."""

    memory_kind = "device"

    @property
    def device_set(self) -> set[Any]:
        raise NotImplementedError

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict[Any, tuple[slice, ...]]:
        raise NotImplementedError

    def shard_shape(self, global_shape: Sequence[int]) -> tuple[int, ...]:
        return tuple(global_shape)

    @property
    def num_devices(self) -> int:
        return len(self.device_set)

    @property
    def addressable_devices(self) -> set[Any]:
        return self.device_set

    @property
    def is_fully_addressable(self) -> bool:
        return True

    @property
    def is_fully_replicated(self) -> bool:
        return True


class SingleDeviceSharding(Sharding):
    """The whole array on one device. Mirrors: jax.sharding.SingleDeviceSharding."""

    def __init__(self, device: Any, *, memory_kind: str | None = None) -> None:
        self.device = device

    @property
    def device_set(self) -> set[Any]:
        return {self.device}

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict[Any, tuple[slice, ...]]:
        return {self.device: (slice(None),) * len(global_shape)}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleDeviceSharding) and other.device == self.device

    def __hash__(self) -> int:
        return hash(self.device)

    def __repr__(self) -> str:
        return f"SingleDeviceSharding(device={self.device!r}, memory_kind=device)"


class NamedSharding(Sharding):
    """An array split over a mesh by a ``PartitionSpec``. Mirrors:
    jax.sharding.NamedSharding."""

    def __init__(self, mesh: Mesh, spec: Any, *, memory_kind: str | None = None) -> None:
        self.mesh = mesh
        self.spec = spec if isinstance(spec, PartitionSpec) else PartitionSpec(*spec)
        used = [n for d in range(len(self.spec)) for n in self.spec.names(d)]
        for name in used:
            if name not in mesh.axis_names:
                raise ValueError(
                    f"Resource axis: {name} of {self.spec} is not found in mesh: "
                    f"{tuple(mesh.axis_names)}."
                )
        if len(used) != len(set(used)):
            raise ValueError(f"A mesh axis may split only one dimension, got {self.spec}")

    @property
    def device_set(self) -> set[Any]:
        return set(self.mesh.devices.flat)

    def _splits(self, ndim: int) -> list[int]:
        return [math.prod(self.mesh.shape[n] for n in self.spec.names(d)) for d in range(ndim)]

    def check(self, shape: Sequence[int]) -> None:
        """Raise as JAX does when the spec cannot lay out an array of ``shape``."""
        if len(self.spec) > len(shape):
            raise ValueError(
                f"Sharding {self!r} is only valid for values of rank at least "
                f"{len(self.spec)}, but was applied to a value of rank {len(shape)}"
            )
        splits = self._splits(len(shape))
        for d, (size, parts) in enumerate(zip(shape, splits)):
            if not size % parts:
                continue
            if any(self.mesh.explicit(n) for n in self.spec.names(d)):
                raise ValueError(
                    f"Sharding spec {tuple(self.spec)} implies that array axis {d} is "
                    f"partitioned {parts} times, but does not evenly divide the dimension "
                    f"size {size}. Got shape: {tuple(shape)} and sharding {self!r}"
                )
            raise ValueError(
                f"Sharding {self!r} implies that array axis {d} is partitioned {parts} times, "
                f"but the dimension size is {size} (full shape: {tuple(shape)}, per-dimension "
                f"tiling factors: {splits} should evenly divide the shape)"
            )

    def shard_shape(self, global_shape: Sequence[int]) -> tuple[int, ...]:
        self.check(global_shape)
        return tuple(s // p for s, p in zip(global_shape, self._splits(len(global_shape))))

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict[Any, tuple[slice, ...]]:
        local = self.shard_shape(global_shape)
        out = {}
        for coords in np.ndindex(*self.mesh.axis_sizes):
            where = dict(zip(self.mesh.axis_names, coords))
            index = []
            for d in range(len(global_shape)):
                names = self.spec.names(d)
                if not names:
                    index.append(slice(None))
                    continue
                block = 0
                for n in names:  # major first
                    block = block * self.mesh.shape[n] + where[n]
                index.append(slice(block * local[d], (block + 1) * local[d]))
            out[self.mesh.devices[coords]] = tuple(index)
        return out

    @property
    def is_fully_replicated(self) -> bool:
        return all(not self.spec.names(d) for d in range(len(self.spec)))

    def explicit_spec(self) -> PartitionSpec:
        """The part of the spec over Explicit mesh axes (what ``jax.typeof`` shows)."""
        entries = []
        for d in range(len(self.spec)):
            names = tuple(n for n in self.spec.names(d) if self.mesh.explicit(n))
            entries.append(None if not names else names[0] if len(names) == 1 else names)
        return PartitionSpec(*entries)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, NamedSharding)
            and other.mesh == self.mesh
            and tuple(other.spec) == tuple(self.spec)
        )

    def __hash__(self) -> int:
        return hash((self.mesh, tuple(self.spec)))

    def __repr__(self) -> str:
        return f"NamedSharding(mesh={self.mesh._short()}, spec={self.spec!r}, memory_kind=device)"


class Shard:
    """One device's block of an array. Mirrors: jax.Shard."""

    def __init__(self, device: Any, index: tuple[slice, ...], replica_id: int, data: Any) -> None:
        self.device, self.index, self.replica_id, self.data = device, index, replica_id, data

    def __repr__(self) -> str:
        return (
            f"Shard(device={self.device!r}, index={self.index}, replica_id={self.replica_id}, "
            f"data={self.data})"
        )


def shards_of(array: Any) -> list[Shard]:
    """The blocks each device holds, in device order."""
    sharding = array.sharding
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    for device, index in sorted(
        sharding.devices_indices_map(array.shape).items(), key=lambda kv: kv[0].id
    ):
        key = tuple((s.start, s.stop) for s in index)
        replica = seen.get(key, 0)
        seen[key] = replica + 1
        out.append(Shard(device, index, replica, array[index] if index else array))
    return out


# ---------------------------------------------------------------------------------------
# the current mesh


_CURRENT: list[Mesh | None] = [None]


class _MeshContext:
    """What ``set_mesh`` returns: the mesh is set at once; ``with`` restores the old one."""

    def __init__(self, mesh: Mesh | None, previous: Mesh | None) -> None:
        self.mesh, self.previous = mesh, previous

    def __enter__(self) -> Mesh | None:
        return self.mesh

    def __exit__(self, *exc: Any) -> None:
        _CURRENT[0] = self.previous


def set_mesh(mesh: Mesh | None) -> _MeshContext:
    """Make ``mesh`` the current one (for ``P``-only shardings, ``shard_map`` without
    ``mesh=``); as a context manager, only inside the block. Mirrors: jax.set_mesh."""
    previous = _CURRENT[0]
    _CURRENT[0] = mesh
    return _MeshContext(mesh, previous)


use_mesh = set_mesh


def get_abstract_mesh() -> Mesh:
    """The current mesh (an empty one when none is set). Mirrors:
    jax.sharding.get_abstract_mesh."""
    return _CURRENT[0] if _CURRENT[0] is not None else Mesh(np.empty(()), ())


def get_mesh() -> Mesh:
    return get_abstract_mesh()


@contextlib.contextmanager
def use_abstract_mesh(mesh: Mesh) -> Iterator[Mesh]:
    with set_mesh(mesh):
        yield mesh


def make_mesh(
    axis_shapes: Sequence[int],
    axis_names: Sequence[str],
    axis_types: Any = None,
    *,
    devices: Sequence[Any] | None = None,
) -> Mesh:
    """A mesh of the first ``prod(axis_shapes)`` devices, every axis Explicit unless
    ``axis_types`` says otherwise (JAX's default). Mirrors: jax.make_mesh."""
    from workbench.functional.devices import devices as all_devices  # noqa: PLC0415

    shape = tuple(int(s) for s in axis_shapes)
    if len(shape) != len(tuple(axis_names)):
        raise ValueError(f"make_mesh: {len(shape)} axis sizes but axis names {axis_names}")
    pool = list(devices) if devices is not None else all_devices()
    if len(pool) < math.prod(shape):
        raise ValueError(
            f"Number of devices {len(pool)} must be >= the product of mesh_shape {shape}"
            " (ask for more CPU devices with config.update('jax_num_cpu_devices', n) "
            "before the first computation)"
        )
    grid = np.empty(len(pool), dtype=object)
    grid[:] = pool
    types = AxisType.Explicit if axis_types is None else axis_types
    return Mesh(grid[: math.prod(shape)].reshape(shape), axis_names, types)


def _sharding_for(spec_or_sharding: Any) -> Sharding:
    if isinstance(spec_or_sharding, Sharding):
        return spec_or_sharding
    mesh = _CURRENT[0]
    if mesh is None:
        raise ValueError(
            f"{spec_or_sharding!r} needs a mesh: pass a NamedSharding, or set one with "
            "jax.set_mesh(mesh)"
        )
    spec = spec_or_sharding
    return NamedSharding(mesh, spec if isinstance(spec, PartitionSpec) else P(*spec))


def with_sharding(x: Any, sharding: Any) -> Any:
    """``x`` (a pytree of arrays) described as laid out by ``sharding`` (checked)."""
    from workbench.functional.array import Array  # noqa: PLC0415
    from workbench.functional.numpy import asarray  # noqa: PLC0415

    shardings = sharding if isinstance(sharding, tuple | list | dict) else None

    def place(leaf: Any, s: Any) -> Any:
        a = asarray(leaf)
        s = _sharding_for(s)
        if isinstance(s, NamedSharding):
            s.check(a.shape)
        out = Array(a._value)
        out._sharding = s
        return out

    if shardings is None:
        return tree.tree_map(lambda leaf: place(leaf, sharding), x)
    return tree.tree_map(place, x, shardings)


def reshard(x: Any, out_shardings: Any) -> Any:
    """``x`` laid out as ``out_shardings`` (a ``P`` needs the current mesh). Mirrors:
    jax.reshard (and jax.sharding.reshard)."""
    return with_sharding(x, out_shardings)


def auto_axes(fun: Callable[..., Any], *, axes: Any = None, out_sharding: Any = None) -> Any:
    """Mirrors: jax.sharding.auto_axes (the simulated mesh needs no change of mode)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        sharding = kwargs.pop("out_sharding", out_sharding)
        out = fun(*args, **kwargs)
        return out if sharding is None else with_sharding(out, sharding)

    return run


explicit_axes = auto_axes


def typeof(x: Any) -> Any:
    """The abstract value of ``x``: ``float32[8@x,4]`` (its shape, dtype and, over an
    Explicit mesh, its sharding). Mirrors: jax.typeof."""
    from workbench.functional.numpy import asarray  # noqa: PLC0415

    a = asarray(x)
    s = getattr(a, "_sharding", None)
    spec = s.explicit_spec() if isinstance(s, NamedSharding) else PartitionSpec()
    return ShapedArray(a.shape, a.dtype, spec, s)


class ShapedArray:
    """A shape and dtype (and sharding). Mirrors: jax.core.ShapedArray."""

    def __init__(self, shape: Sequence[int], dtype: Any, spec: Any = None, sharding: Any = None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.spec = spec if spec is not None else PartitionSpec()
        self.sharding = sharding
        self.ndim = len(self.shape)
        self.size = math.prod(self.shape)

    def str_short(self) -> str:
        dims = []
        for d, size in enumerate(self.shape):
            names = self.spec.names(d) if d < len(self.spec) else ()
            dims.append(f"{size}@{names[0] if len(names) == 1 else names}" if names else str(size))
        return f"{self.dtype.name}[{','.join(dims)}]"

    def __str__(self) -> str:
        return self.str_short()

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShapedArray) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))


def propagate(result: Any, *operands: Any) -> Any:
    """An elementwise result keeps the sharding an operand of its shape has over an
    Explicit mesh (JAX's sharding in types), and is committed to a device when an operand
    was (``device_put(x, device)``)."""
    for o in operands:
        s = getattr(o, "_sharding", None)
        if isinstance(s, SingleDeviceSharding):  # a committed operand commits the result
            result._sharding = s
            break
        if (
            isinstance(s, NamedSharding)
            and o.shape == result.shape
            and any(s.mesh.explicit(n) for n in s.mesh.axis_names)
        ):
            result._sharding = s
            break
    return result


# ---------------------------------------------------------------------------------------
# looking at a layout


def visualize_array_sharding(arr: Any, *, use_color: bool = False, scale: float = 1.0) -> None:
    """Draw which device holds which block of a 1-d or 2-d array, as a box per block
    labelled with its devices. Mirrors: jax.debug.visualize_array_sharding."""
    print(sharding_picture(arr))


def sharding_picture(arr: Any) -> str:
    if len(arr.shape) not in (1, 2):
        raise ValueError(
            f"visualize_array_sharding only works for 1-d and 2-d arrays, got shape {arr.shape}"
        )
    shape = tuple(arr.shape) if len(arr.shape) == 2 else (1, arr.shape[0])
    index_map = arr.sharding.devices_indices_map(arr.shape)
    blocks: dict[tuple[int, int, int, int], list[int]] = {}
    for device, index in index_map.items():
        index = index if len(arr.shape) == 2 else (slice(None), *index)
        rows = index[0].indices(shape[0])[:2]
        cols = index[1].indices(shape[1])[:2]
        blocks.setdefault((*rows, *cols), []).append(device.id)
    row_edges = sorted({k[0] for k in blocks})
    col_edges = sorted({k[2] for k in blocks})
    label = {
        (row_edges.index(k[0]), col_edges.index(k[2])): "CPU " + ",".join(map(str, sorted(v)))
        for k, v in blocks.items()
    }
    width = max(len(t) for t in label.values()) + 2
    height = 1 if len(arr.shape) == 1 else 4
    n_rows, n_cols = len(row_edges), len(col_edges)

    def rule(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * width for _ in range(n_cols)) + right

    lines = [rule("┌", "┬", "┐")]
    for r in range(n_rows):
        for line in range(height):
            middle = line == (height - 1) // 2
            cells = [label[(r, c)].center(width) if middle else " " * width for c in range(n_cols)]
            lines.append("│" + "│".join(cells) + "│")
        lines.append(rule("├", "┼", "┤") if r < n_rows - 1 else rule("└", "┴", "┘"))
    return "\n".join(lines)
