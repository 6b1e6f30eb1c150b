"""Advanced indexing: ``gather`` (``x[key]`` with integer index arrays), its transpose
``scatter_add`` (``out[key] += updates``, repeated indices accumulate) and ``scatter``
(``out[key] = updates``).

A key is a static ``spec`` plus the index arrays. Each spec entry is one of
``("slice", start, stop, step)``, ``("int", k)``, ``("none",)`` or ``("array",)``
(the next index array); NumPy's rules place the broadcast index dimensions.
The public :func:`index` handles every NumPy key, using slices and reshapes alone
(no gather) when the key has no arrays, and turning concrete boolean masks into
integer arrays.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes, kernels
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, type_text
from workbench.core.primitives.operands import array as make_array
from workbench.core.primitives.operands import broadcast_shapes, lift
from workbench.core.values import Array, ConcretizationError, Tracer, is_value

Spec = tuple[tuple[Any, ...], ...]


def _key(spec: Spec, arrays: Sequence[Any]) -> tuple[Any, ...]:
    """The NumPy key for ``spec`` with the index arrays put in place."""
    it = iter(arrays)
    key: list[Any] = []
    for entry in spec:
        kind = entry[0]
        if kind == "slice":
            key.append(builtins.slice(*entry[1:]))
        elif kind == "int":
            key.append(entry[1])
        elif kind == "none":
            key.append(None)
        else:
            key.append(next(it))
    return tuple(key)


def _check_forward(name: str, x: Any, entry: Any) -> None:
    """Slices of a dimension of unknown size count from its start (the slice primitive's
    bounds are static)."""
    start, stop, step = entry[1:]
    if (start or 0) < 0 or (stop is not None and stop < 0) or (step or 1) < 0:
        raise IndexError(
            f"{name}: the slice {builtins.slice(start, stop, step)} of {type_text(x)} counts "
            "from the end of a dimension whose size is known only at run time"
        )


def _indexed_shape(
    name: str, x: Any, spec: Spec, index_shapes: Sequence[tuple[int, ...]]
) -> tuple[int | None, ...]:
    """The result shape of ``x[key]`` under NumPy's advanced-indexing rules."""
    parts: list[tuple[str, tuple[int | None, ...]]] = []
    advanced: list[tuple[int, ...]] = []
    axis = 0
    shapes = iter(index_shapes)
    for entry in spec:
        kind = entry[0]
        if kind == "none":
            parts.append(("basic", (1,)))
            continue
        if axis >= x.ndim:
            raise IndexError(f"{name}: too many indices for {type_text(x)}")
        dim = x.shape[axis]
        if kind == "slice" and dim is None:  # a slice of a size known only at run time
            _check_forward(name, x, entry)
            parts.append(("basic", (None,)))
        elif kind == "slice":
            parts.append(("basic", (len(range(*builtins.slice(*entry[1:]).indices(dim))),)))
        elif kind == "int" and dim is None:
            parts.append(("advanced", ()))
            advanced.append(())
        elif kind == "int":
            if not -dim <= entry[1] < dim:
                raise IndexError(
                    f"{name}: index {entry[1]} is out of range for axis {axis} of size {dim}"
                )
            parts.append(("advanced", ()))
            advanced.append(())
        else:
            parts.append(("advanced", ()))
            advanced.append(next(shapes))
        axis += 1
    parts += [("basic", (x.shape[a],)) for a in range(axis, x.ndim)]
    broadcast = broadcast_shapes(name, *advanced) if advanced else ()
    positions = [i for i, (kind, _) in enumerate(parts) if kind == "advanced"]
    basic = [dims for kind, dims in parts if kind == "basic"]
    if positions and positions == list(range(positions[0], positions[-1] + 1)):
        before = [d for kind, d in parts[: positions[0]] if kind == "basic"]
        after = [d for kind, d in parts[positions[-1] + 1 :] if kind == "basic"]
        out = [*before, broadcast, *after]
    else:
        out = [broadcast, *basic]
    return tuple(d for dims in out for d in dims)


def _check_indices(name: str, x: Any, indices: Sequence[Any]) -> None:
    for i in indices:
        if not dtypes.is_int(i.dtype):
            raise TypeError(f"{name}: index arrays must be integers, got {type_text(i)}")
        if i.device is not x.device:
            raise ValueError(f"{name}: index {type_text(i)} on {i.device}, array on {x.device}")


# gather: y = x[key]       VJP: scatter_add the cotangent into zeros shaped like x


def _gather_shape(x: Any, *indices: Any, spec: Spec) -> Type:
    _check_indices("gather", x, indices)
    return Type(_indexed_shape("gather", x, spec, [i.shape for i in indices]), x.dtype, x.device)


def _gather_impl(xp: Any, x: Any, *indices: Any, spec: Spec) -> Any:
    try:
        return x[_key(spec, indices)]
    except IndexError as err:
        raise IndexError(f"gather: an index is out of range for shape {x.shape}: {err}") from None


gather_p = Primitive(
    "gather", impl=_gather_impl, shape=_gather_shape, nondiff_inputs=range(1, 64), family="indexing"
)


def _plain_pick(x: Any, indices: Sequence[Any], spec: Spec) -> bool:
    """The quick eager test for the common key: one integer array per leading axis, all
    of one shape (x[rows, cols]); anything else gets the full shape rule."""
    if not indices or len(spec) > x.ndim or any(entry != ("array",) for entry in spec):
        return False
    shape = indices[0].shape
    return all(i.dtype.kind in "iu" and i.shape == shape for i in indices)


def _gather_check(x: Any, *indices: Any, spec: Spec) -> None:
    if not _plain_pick(x, indices, spec):
        _gather_shape(x, *indices, spec=spec)


gather_p.check = _gather_check


def gather(x: Any, indices: Sequence[Any], spec: Spec) -> Any:
    return apply(gather_p, x, *indices, spec=spec)


@gather_p.vjp
def _gather_vjp(g: Any, x: Any, *indices: Any, out: Any, spec: Spec) -> tuple[Any, ...]:
    return (scatter_add(ops.zeros_like(x), g, indices, spec),) + (None,) * len(indices)


@gather_p.jvp
def _gather_jvp(
    primals: tuple[Any, ...], tangents: tuple[Any, ...], *, spec: Spec
) -> tuple[Any, Any]:
    x, *indices = primals
    return gather(x, indices, spec), gather(tangents[0], indices, spec)


# scatter_add: y = x; y[key] += updates (repeats accumulate)
# VJP: x gets g; updates get gather(g, key)


def _scatter_shape(name: str) -> Any:
    def shape(x: Any, updates: Any, *indices: Any, spec: Spec) -> Type:
        _check_indices(name, x, indices)
        expected = _indexed_shape(name, x, spec, [i.shape for i in indices])
        if tuple(updates.shape) != expected or updates.dtype != x.dtype:
            raise ValueError(
                f"{name}: updates {type_text(updates)} must have the indexed shape {expected} "
                f"and dtype {x.dtype}"
            )
        return Type(tuple(x.shape), x.dtype, x.device)

    return shape


def _scatter_add_impl(xp: Any, x: Any, updates: Any, *indices: Any, spec: Spec) -> Any:
    out = x.copy()
    try:
        kernels.scatter_add(xp, out, _key(spec, indices), updates)
    except IndexError as err:
        raise IndexError(
            f"scatter_add: an index is out of range for shape {x.shape}: {err}"
        ) from None
    return out


scatter_add_p = Primitive(
    "scatter_add",
    impl=_scatter_add_impl,
    shape=_scatter_shape("scatter_add"),
    nondiff_inputs=range(2, 64),
    family="indexing",
)


def _scatter_add_check(x: Any, updates: Any, *indices: Any, spec: Spec) -> None:
    picked = tuple(indices[0].shape) + tuple(x.shape[len(spec) :]) if indices else None
    if not (
        _plain_pick(x, indices, spec)
        and updates.dtype == x.dtype
        and tuple(updates.shape) == picked
    ):
        scatter_add_p.shape_rule(x, updates, *indices, spec=spec)


scatter_add_p.check = _scatter_add_check


def scatter_add(x: Any, updates: Any, indices: Sequence[Any], spec: Spec) -> Any:
    return apply(scatter_add_p, x, updates, *indices, spec=spec)


@scatter_add_p.vjp
def _scatter_add_vjp(
    g: Any, x: Any, updates: Any, *indices: Any, out: Any, spec: Spec
) -> tuple[Any, ...]:
    return (g, gather(g, indices, spec)) + (None,) * len(indices)


def _two_linear_jvp(prim: Primitive) -> None:
    @prim.jvp
    def _jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...], *, spec: Spec) -> tuple[Any, Any]:
        x, updates, *indices = primals
        out = apply(prim, x, updates, *indices, spec=spec)
        tx, tu = tangents[0], tangents[1]
        if tx is None and tu is None:
            return out, None
        tx = ops.zeros_like(x) if tx is None else tx
        tu = ops.zeros_like(updates) if tu is None else tu
        return out, apply(prim, tx, tu, *indices, spec=spec)


_two_linear_jvp(scatter_add_p)


# scatter: y = x; y[key] = updates (with repeated indices, one of the writes wins)
# VJP: x gets g with the written positions zeroed; updates get gather(g, key)


def _scatter_impl(xp: Any, x: Any, updates: Any, *indices: Any, spec: Spec) -> Any:
    out = x.copy()
    try:
        out[_key(spec, indices)] = updates
    except IndexError as err:
        raise IndexError(f"scatter: an index is out of range for shape {x.shape}: {err}") from None
    return out


scatter_p = Primitive(
    "scatter",
    impl=_scatter_impl,
    shape=_scatter_shape("scatter"),
    nondiff_inputs=range(2, 64),
    family="indexing",
)


def scatter(x: Any, updates: Any, indices: Sequence[Any], spec: Spec) -> Any:
    return apply(scatter_p, x, updates, *indices, spec=spec)


@scatter_p.vjp
def _scatter_vjp(
    g: Any, x: Any, updates: Any, *indices: Any, out: Any, spec: Spec
) -> tuple[Any, ...]:
    g_x = scatter(g, ops.zeros_like(updates), indices, spec)
    return (g_x, gather(g, indices, spec)) + (None,) * len(indices)


_two_linear_jvp(scatter_p)


# ---------------------------------------------------------------------------------------
# Batching. Shared indices: the spec gets a leading full slice for the batch axis, which
# lands first unless NumPy moves the broadcast index dims to the front. Batched indices:
# an extra index array arange(B) picks each example's own slice, so the batch axis is
# always the first of the broadcast index dims.

_FULL = ("slice", None, None, None)


def _advanced_adjacent(spec: Spec) -> bool:
    positions = [i for i, e in enumerate(spec) if e[0] in ("array", "int")]
    return not positions or positions == list(range(positions[0], positions[-1] + 1))


def _shared_index_axis(spec: Spec, indices: Sequence[Any]) -> int:
    """Where the batch axis ends up in x[(:, *spec)] with unbatched indices."""
    if _advanced_adjacent(spec) or not indices:
        return 0
    return len(broadcast_shapes("gather", *[tuple(i.shape) for i in indices], ()))


def _batched_indices(values: Sequence[Any], axes: Sequence[Any], size: int) -> list[Any]:
    """Index arrays with the batch first, plus arange(B) shaped to broadcast with them."""
    moved = [batching.moveaxis(v, a, 0) if a is not None else v for v, a in zip(values, axes)]
    rank = max([v.ndim - (a is not None) for v, a in zip(values, axes)] + [0])
    iota = make_array(np.arange(size).reshape((size,) + (1,) * rank), device=values[0].device)
    aligned = [
        v if a is not None else ops.expand_dims(v, [0]) if v.ndim else v
        for v, a in zip(moved, axes)
    ]
    return [iota, *aligned]


@gather_p.batch
def _gather_batch(values: Any, axes: Any, /, *, spec: Spec) -> tuple[Any, int]:
    x, indices = values[0], values[1:]
    size = batching.batch_size(values, axes)
    x = batching.to_axis(x, axes[0], size)
    if all(a is None for a in axes[1:]):
        return gather(x, indices, (_FULL, *spec)), _shared_index_axis(spec, indices)
    return gather(x, _batched_indices(indices, axes[1:], size), (("array",), *spec)), 0


def _scatter_batch(prim: Primitive) -> None:
    @prim.batch
    def _rule(values: Any, axes: Any, /, *, spec: Spec) -> tuple[Any, int]:
        x, updates, indices = values[0], values[1], values[2:]
        size = batching.batch_size(values, axes)
        x = batching.to_axis(x, axes[0], size)
        if all(a is None for a in axes[2:]):
            where = _shared_index_axis(spec, indices)
            updates = batching.to_axis(updates, axes[1], size, where)
            return apply(prim, x, updates, *indices, spec=(_FULL, *spec)), 0
        updates = batching.to_axis(updates, axes[1], size, 0)
        new_indices = _batched_indices(indices, axes[2:], size)
        return apply(prim, x, updates, *new_indices, spec=(("array",), *spec)), 0


_scatter_batch(scatter_add_p)
_scatter_batch(scatter_p)


# ---------------------------------------------------------------------------------------
# The public entry: any NumPy key


def parse_key(x: Any, key: Any) -> tuple[Spec, list[Any]]:
    """Split a NumPy-style key into a static spec and its index arrays.

    Lists and NumPy arrays become index arrays on ``x``'s device; concrete boolean
    masks become the integer arrays of their True positions.
    """
    if not isinstance(key, tuple):
        key = (key,)
    consumed = builtins.sum(
        1 if k is not None and k is not Ellipsis else 0 for k in key
    ) + builtins.sum(_mask_rank(k) - 1 for k in key if _is_mask(k))
    spec: list[tuple[Any, ...]] = []
    arrays: list[Any] = []
    for k in key:
        if k is Ellipsis:
            spec += [("slice", None, None, None)] * (x.ndim - consumed)
        elif k is None:
            spec.append(("none",))
        elif isinstance(k, builtins.slice):
            spec.append(("slice", _static_int(k.start), _static_int(k.stop), _static_int(k.step)))
        elif isinstance(k, int | np.integer) and not isinstance(k, bool):
            spec.append(("int", int(k)))
        else:
            value = _as_index_value(x, k)
            if value.dtype == dtypes.bool_ and value.ndim == 0 and not isinstance(value, Tracer):
                # a scalar mask (x[True]) adds an axis, as None does (NumPy's rule)
                if not bool(value.numpy()):
                    raise IndexError(
                        "index: a False scalar mask (an empty selection) is not supported; "
                        "slice an empty range instead (x[0:0])"
                    )
                spec.append(("none",))
            elif value.dtype == dtypes.bool_:
                if isinstance(value, Tracer):
                    raise ConcretizationError(
                        "indexing with a boolean mask needs concrete values: its result's "
                        "shape depends on the data. Use where/select instead while tracing."
                    )
                for positions in np.nonzero(value.numpy()):
                    spec.append(("array",))
                    arrays.append(make_array(positions.astype(np.int64), device=x.device))
            else:
                spec.append(("array",))
                arrays.append(value)
    return tuple(spec), arrays


def _static_int(v: Any) -> int | None:
    if v is None:
        return None
    if is_value(v):
        raise TypeError(
            "slice bounds must be Python integers (use dynamic_slice for traced starts)"
        )
    return int(v)


def _is_mask(k: Any) -> bool:
    dtype = getattr(k, "dtype", None)
    if dtype is None and isinstance(k, list):
        dtype = np.asarray(k).dtype
    return dtype == np.bool_


def _mask_rank(k: Any) -> int:
    return int(np.ndim(k)) if not is_value(k) else k.ndim


def _as_index_value(x: Any, k: Any) -> Any:
    if is_value(k):
        return k
    host = np.asarray(k)
    if host.dtype != np.bool_ and host.dtype.kind not in "iu":
        raise IndexError(
            "index: only integers, slices, None, Ellipsis and integer or boolean arrays "
            f"are valid indices, got {host.dtype}"
        )
    return make_array(host if host.dtype == np.bool_ else host.astype(np.int64), device=x.device)


def index(x: Any, key: Any) -> Any:
    """``x[key]`` with NumPy's semantics for basic and advanced indexing.

    Example:
        >>> from workbench.core import array
        >>> index(array([[1, 2, 3], [4, 5, 6]]), (1, slice(None, None, -1)))
        Array(i64[3] cpu:0, [6 5 4])
    """
    (x,) = lift("index", x)
    spec, arrays = parse_key(x, key)
    if arrays:
        return gather(x, arrays, spec)
    return _basic_index(x, spec)


def _basic_index(x: Any, spec: Spec) -> Any:
    """Basic indexing with slice, flip and reshape only (no gather)."""
    slices: list[tuple[Any, ...]] = []
    axis = 0
    for entry in spec:
        if entry[0] == "none":
            continue
        if axis >= x.ndim:
            raise IndexError(f"index: too many indices for {type_text(x)}")
        dim = x.shape[axis]
        if entry[0] == "int" and dim is None:  # a size known only at run time
            # Only shape inference meets such a size (a graph runs on known sizes, where
            # a negative index counts from the end): any one element has the shape.
            k = entry[1]
            slices.append((k, k + 1, 1) if k >= 0 else (0, 1, 1))
        elif entry[0] == "int":
            k = entry[1]
            if not -dim <= k < dim:
                raise IndexError(f"index: index {k} is out of range for axis {axis} of size {dim}")
            slices.append((k % dim, k % dim + 1, 1))
        else:
            slices.append(entry[1:])
        axis += 1
    sliced = ops.strided_slice(x, slices)
    shape: list[int] = []
    axis = 0
    for entry in spec:
        if entry[0] == "none":
            shape.append(1)
        elif entry[0] == "slice":
            shape.append(sliced.shape[axis])
            axis += 1
        else:  # an integer index drops its axis
            axis += 1
    return ops.reshape(sliced, shape + list(sliced.shape[axis:]))


def update_spec_value(x: Any, key: Any, updates: Any) -> tuple[Spec, list[Any], Any]:
    """The spec, index arrays and updates broadcast to the indexed shape, for
    ``x[key] = updates`` and ``x[key] += updates`` written functionally."""
    (x,) = lift("index_update", x)
    spec, arrays = parse_key(x, key)
    shape = _indexed_shape("index_update", x, spec, [a.shape for a in arrays])
    (updates,) = (
        lift("index_update", updates)
        if is_value(updates)
        else [Array(x.device.put(np.asarray(updates, dtype=x.dtype)), x.device)]
    )
    if updates.dtype != x.dtype:
        updates = ops.cast(updates, x.dtype)
    return spec, arrays, ops.broadcast_to(updates, shape)


def index_add(x: Any, key: Any, updates: Any) -> Any:
    """Functional ``x[key] += updates`` (repeated indices accumulate)."""
    spec, arrays, updates = update_spec_value(x, key, updates)
    return scatter_add(x, updates, arrays, spec)


def index_set(x: Any, key: Any, updates: Any) -> Any:
    """Functional ``x[key] = updates``."""
    spec, arrays, updates = update_spec_value(x, key, updates)
    return scatter(x, updates, arrays, spec)
