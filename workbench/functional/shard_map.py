"""``shard_map``: write the program one device sees, with collectives between devices.
Mirrors: jax.shard_map (and jax.experimental.shard_map.shard_map).

Each input is cut into the blocks its ``in_specs`` name (``P('x')`` gives every device
along mesh axis ``x`` one slice of dimension 0; an axis the spec does not name sees the
whole input), the function runs once per device on its block — a ``vmap`` per mesh axis,
named after it, so ``lax.psum(v, 'x')`` sums over the devices of ``x`` — and the results
are put back together by ``out_specs``: blocks along the axes a spec names are
concatenated; along the others every device is taken to hold the same value (JAX checks
this with ``check_vma``; here the first device's block is returned, unchecked).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from workbench.core import tree
from workbench.functional.sharding import (
    _CURRENT,
    Mesh,
    NamedSharding,
    PartitionSpec,
    with_sharding,
)


def _specs_for(specs: Any, values: Any, what: str) -> list[PartitionSpec]:
    """One spec per leaf of ``values`` (``specs`` is a pytree prefix of them)."""
    leaves, structure = tree.flatten(values)
    if isinstance(specs, PartitionSpec) or specs is None:
        return [specs or PartitionSpec()] * len(leaves)
    out: list[PartitionSpec] = []

    def expand(spec: Any, value: Any) -> None:
        if isinstance(spec, PartitionSpec) or spec is None:
            out.extend([spec or PartitionSpec()] * len(tree.flatten(value)[0]))
        elif isinstance(spec, tuple | list) and isinstance(value, tuple | list):
            if len(spec) != len(value):
                raise ValueError(
                    f"shard_map {what}: {len(spec)} specs for {len(value)} values ({spec})"
                )
            for s, v in zip(spec, value):
                expand(s, v)
        elif isinstance(spec, dict) and isinstance(value, dict):
            for k in value:
                expand(spec[k], value[k])
        else:
            raise ValueError(f"shard_map {what}: {spec!r} does not match the values' structure")

    expand(specs, values)
    return out


def _split(x: Any, spec: PartitionSpec, mesh: Mesh) -> tuple[Any, set[str]]:
    """``x`` with one leading axis per mesh axis its spec names (mesh order), its
    dimensions cut to the local block."""
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    x = jnp.asarray(x)
    NamedSharding(mesh, spec).check(x.shape)
    shape: list[int] = []
    axis_of: dict[str, int] = {}
    for d, size in enumerate(x.shape):
        names = spec.names(d)
        for n in names:
            axis_of[n] = len(shape)
            shape.append(mesh.shape[n])
        shape.append(size // math.prod(mesh.shape[n] for n in names))
    x = jnp.reshape(x, tuple(shape))
    used = [n for n in mesh.axis_names if n in axis_of]
    x = jnp.moveaxis(x, [axis_of[n] for n in used], list(range(len(used))))
    return x, set(used)


def _join(y: Any, spec: PartitionSpec, mesh: Mesh, names: tuple[str, ...]) -> Any:
    """The global array from ``y``, which has one leading axis per mesh axis in ``names``
    (mesh order) and the local block after them."""
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    y = jnp.asarray(y)
    named = {n for d in range(len(spec)) for n in spec.names(d)}
    for n in reversed(names):  # replicated along n: every device holds the same block
        if n not in named:
            y = jnp.take(y, 0, axis=names.index(n))
    kept = [n for n in names if n in named]
    local = y.shape[len(kept) :]
    order: list[int] = []
    final: list[int] = []
    for d, size in enumerate(local):
        dim_names = spec.names(d)
        order += [kept.index(n) for n in dim_names] + [len(kept) + d]
        final.append(size * math.prod(mesh.shape[n] for n in dim_names))
    return jnp.reshape(jnp.transpose(y, order), tuple(final))


def _padded(spec: PartitionSpec, ndim: int, keep: Callable[[str], bool]) -> PartitionSpec:
    entries = []
    for d in range(ndim):
        names = tuple(n for n in spec.names(d) if keep(n))
        entries.append(None if not names else names[0] if len(names) == 1 else names)
    return PartitionSpec(*entries)


def _check_explicit(x: Any, spec: PartitionSpec, mesh: Mesh) -> None:
    """Over Explicit mesh axes an argument's type carries its sharding, and ``in_specs``
    must agree with it (JAX's rule; reshard first to change it)."""
    from workbench.functional.sharding import typeof  # noqa: PLC0415

    if not any(mesh.explicit(n) for n in mesh.axis_names):
        return
    aval = typeof(x)
    wanted = _padded(spec, aval.ndim, mesh.explicit)
    have = _padded(aval.spec, aval.ndim, lambda n: True)
    if tuple(wanted) != tuple(have):
        raise ValueError(
            f"in_specs passed to shard_map: {spec!r} does not match the specs of the input: "
            f"{have!r} for arg: {aval}. `in_specs` is an optional argument so you can omit "
            "specifying it and shard_map will infer the in_specs from the arguments. If you "
            "want to reshard your inputs, you can use `jax.reshard` on the arguments and then "
            "pass those args to shard_map."
        )


def shard_map(
    f: Callable[..., Any] | None = None,
    /,
    *,
    out_specs: Any,
    in_specs: Any = None,
    mesh: Mesh | None = None,
    axis_names: Any = frozenset(),
    check_vma: bool = True,
    check_rep: Any = None,
    auto: Any = frozenset(),
) -> Any:
    """Run ``f`` on every device's block of the inputs (see the module's description)."""
    if f is None:
        return functools.partial(
            shard_map, out_specs=out_specs, in_specs=in_specs, mesh=mesh, axis_names=axis_names
        )
    from workbench.core import batching  # noqa: PLC0415
    from workbench.functional.transforms import lifted, to_arrays, to_values  # noqa: PLC0415

    @functools.wraps(f)
    def run(*args: Any) -> Any:
        m = mesh if mesh is not None else _CURRENT[0]
        if m is None:
            raise ValueError(
                "shard_map needs a mesh: pass mesh=..., or set one with jax.set_mesh(mesh)"
            )
        specs = _specs_for(in_specs if in_specs is not None else PartitionSpec(), args, "in_specs")
        leaves, structure = tree.flatten(args)
        for x, s in zip(leaves, specs):
            _check_explicit(x, s, m)
        split = [_split(x, s, m) for x, s in zip(leaves, specs)]
        names = tuple(n for n in m.axis_names if not axis_names or n in axis_names)
        fn: Callable[..., Any] = lambda *xs: f(*tree.unflatten(structure, list(xs)))  # noqa: E731
        fn = lifted(fn)
        for name in reversed(names):  # the innermost vmap is the last mesh axis
            in_axes = tuple(0 if name in used else None for _, used in split)
            fn = batching.vmap(
                fn, in_axes=in_axes, axis_name=name, axis_size=m.shape[name], manual=check_vma
            )
        out = to_arrays(fn(*to_values([x for x, _ in split])))
        out_leaves, out_structure = tree.flatten(out)
        ospecs = _specs_for(out_specs, out, "out_specs")
        joined = [_join(y, s, m, names) for y, s in zip(out_leaves, ospecs)]
        placed = [with_sharding(y, NamedSharding(m, s)) for y, s in zip(joined, ospecs)]
        return tree.unflatten(out_structure, placed)

    return run
