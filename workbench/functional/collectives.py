"""``lax``'s collectives: communication between the examples of a named axis — the
devices of ``pmap``, the mesh axes of ``shard_map``, or a ``vmap(..., axis_name=)``.

``psum``, ``all_gather`` and ``axis_index`` are core primitives (their batching rule
reduces or moves the named batch axis); the rest are written with them: ``pmean`` divides
``psum``, ``pmax``/``pmin`` reduce an ``all_gather``, ``ppermute`` and ``all_to_all`` pick
from one, ``psum_scatter`` keeps this device's block of a ``psum``. An ``axis_name`` may
be a tuple of names (the axes together, the first one major), as in JAX.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import ops, tree
from workbench.functional.array import Array, default_int
from workbench.functional.transforms import to_arrays, to_values


def _names(axis_name: Any) -> tuple[Any, ...]:
    return tuple(axis_name) if isinstance(axis_name, tuple | list) else (axis_name,)


def _map_leaves(fn: Callable[[Any], Any], x: Any) -> Any:
    return to_arrays(tree.tree_map(fn, to_values(x)))


def axis_size(axis_name: Any) -> int:
    """How many examples (devices) the named axis has. Mirrors: lax.axis_size."""
    from workbench.core.primitives.collectives import _interpreter  # noqa: PLC0415

    return math.prod(_interpreter(n).size for n in _names(axis_name))


def _psum(v: Any, axis_name: Any) -> Any:
    for n in _names(axis_name):
        v = ops.psum(v, n)
    return v


def _gather(v: Any, axis_name: Any) -> Any:
    """Every example's ``v`` along a new leading axis (tuple names: first one major)."""
    names = _names(axis_name)
    for n in reversed(names):
        v = ops.all_gather(v, n)
    if len(names) > 1:
        v = ops.reshape(v, (-1, *v.shape[len(names) :]))
    return v


def _index(axis_name: Any) -> Any:
    index: Any = None
    for n in _names(axis_name):
        i = ops.axis_index(n)
        index = i if index is None else ops.add(ops.mul(index, axis_size(n)), i)
    return index


def psum(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The sum over the named axis. Mirrors: lax.psum."""
    return _map_leaves(lambda v: _psum(v, axis_name), x)


def pmean(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    size = float(axis_size(axis_name))
    return _map_leaves(lambda v: ops.div(_psum(v, axis_name), size), x)


def pmax(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    return _map_leaves(lambda v: ops.reduce_max(_gather(v, axis_name), axes=(0,)), x)


def pmin(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    return _map_leaves(lambda v: ops.reduce_min(_gather(v, axis_name), axes=(0,)), x)


def all_gather(
    x: Any, axis_name: Any, *, axis_index_groups: Any = None, axis: int = 0, tiled: bool = False
) -> Any:
    """Every example's ``x``, stacked along a new axis ``axis`` (or, ``tiled``,
    concatenated along it). Mirrors: lax.all_gather."""

    def gather(v: Any) -> Any:
        g = _gather(v, axis_name)
        n = g.shape[0]
        where = axis % (v.ndim + (0 if tiled else 1))
        g = ops.transpose(g, (*range(1, where + 1), 0, *range(where + 1, g.ndim)))
        if tiled:
            shape = (*v.shape[:where], n * v.shape[where], *v.shape[where + 1 :])
            g = ops.reshape(g, shape)
        return g

    return _map_leaves(gather, x)


def axis_index(axis_name: Any) -> Array:
    """Which example (device) this is along the named axis. Mirrors: lax.axis_index."""
    return Array(_index(axis_name))


def ppermute(x: Any, axis_name: Any, perm: Sequence[tuple[int, int]]) -> Any:
    """Send each device's ``x`` along the pairs ``(source, destination)`` of ``perm``; a
    device no pair sends to gets zeros. Mirrors: lax.ppermute."""
    size = axis_size(axis_name)
    pairs = [(int(s), int(d)) for s, d in perm]
    if len({s for s, _ in pairs}) != len(pairs) or len({d for _, d in pairs}) != len(pairs):
        raise ValueError(f"ppermute: perm sources and destinations must be unique, got {perm}")
    source = [size] * size  # index `size` is the row of zeros
    for s, d in pairs:
        source[d] = s

    def send(v: Any) -> Any:
        g = _gather(v, axis_name)
        g = ops.concatenate([g, ops.zeros_like(ops.index(g, (slice(0, 1),)))], 0)
        table = ops.array(np.asarray(source, dtype=default_int()))
        return ops.index(g, (ops.index(table, (_index(axis_name),)),))

    return _map_leaves(send, x)


def pshuffle(x: Any, axis_name: Any, perm: Sequence[int]) -> Any:
    """Device ``i`` receives from ``perm[i]``. Mirrors: lax.pshuffle."""
    return ppermute(x, axis_name, [(int(s), d) for d, s in enumerate(perm)])


def psum_scatter(
    x: Any,
    axis_name: Any,
    *,
    scatter_dimension: int = 0,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Any:
    """The ``psum``, of which each device keeps its own block along
    ``scatter_dimension`` (a slice of it when ``tiled``, else one index, whose size must
    be the axis size). Mirrors: lax.psum_scatter."""
    size = axis_size(axis_name)

    def scatter(v: Any) -> Any:
        total = _psum(v, axis_name)
        d = scatter_dimension % v.ndim
        n = v.shape[d]
        if not tiled and n != size:
            raise ValueError(
                f"psum_scatter: dimension {d} has size {n}, expected the axis size {size}"
            )
        block = n // size if tiled else 1
        if n % size:
            raise ValueError(f"psum_scatter: dimension {d} of size {n} does not split {size} ways")
        start = ops.mul(_index(axis_name), block)
        starts = [ops.mul(start, 0) if i != d else start for i in range(v.ndim)]
        sizes = tuple(block if i == d else s for i, s in enumerate(v.shape))
        part = ops.dynamic_slice(total, starts, sizes)
        return part if tiled else ops.reshape(part, v.shape[:d] + v.shape[d + 1 :])

    return _map_leaves(scatter, x)


def all_to_all(
    x: Any,
    axis_name: Any,
    split_axis: int,
    concat_axis: int,
    *,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Any:
    """Each device cuts ``x`` into one block per device along ``split_axis``, sends block
    ``j`` to device ``j``, and joins what it receives along ``concat_axis``. Mirrors:
    lax.all_to_all."""
    size = axis_size(axis_name)

    def exchange(v: Any) -> Any:
        s = split_axis % v.ndim
        if v.shape[s] % size:
            raise ValueError(
                f"all_to_all: dimension {s} of size {v.shape[s]} does not split {size} ways"
            )
        block = v.shape[s] // size
        g = _gather(v, axis_name)  # [source, ...]
        start = ops.mul(_index(axis_name), block)
        starts = [ops.mul(start, 0)] * g.ndim
        starts[s + 1] = start
        sizes = tuple(block if i == s + 1 else n for i, n in enumerate(g.shape))
        mine = ops.dynamic_slice(g, starts, sizes)  # every source's block for this device
        if not tiled:
            mine = ops.reshape(mine, mine.shape[: s + 1] + mine.shape[s + 2 :])
            c = concat_axis % (mine.ndim)
            return ops.transpose(mine, (*range(1, c + 1), 0, *range(c + 1, mine.ndim)))
        c = concat_axis % v.ndim
        mine = ops.transpose(mine, (*range(1, c + 1), 0, *range(c + 1, mine.ndim)))
        shape = list(mine.shape)
        merged = shape[:c] + [shape[c] * shape[c + 1]] + shape[c + 2 :]
        return ops.reshape(mine, tuple(merged))

    return _map_leaves(exchange, x)


def pcast(x: Any, axis_name: Any = None, *, to: str = "varying") -> Any:
    """Mark ``x`` as varying (or invariant) over the named axes: a change of type in
    JAX's checker, the identity on values. Mirrors: lax.pcast."""
    return x


def pvary(x: Any, axis_name: Any) -> Any:
    return x


def with_sharding_constraint(x: Any, shardings: Any) -> Any:
    """``x`` laid out as ``shardings`` (inside ``jit``, a request to the compiler).
    Mirrors: lax.with_sharding_constraint."""
    from workbench.functional.sharding import with_sharding  # noqa: PLC0415

    return with_sharding(x, shardings)
