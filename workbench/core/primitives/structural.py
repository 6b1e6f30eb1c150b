"""Structural primitives: broadcasting, reshaping, transposing, joining, slicing,
padding and flipping. All are linear, so each JVP is the primitive applied to the
tangent, and each VJP is the primitive's transpose (noted in one line per block).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import Device, dtypes
from workbench.core import batching
from workbench.core.dispatch import apply, building_graph
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, check_axes, get_primitive, type_text
from workbench.core.primitives.operands import constant, lift, scalar
from workbench.core.values import Array, Tracer

to_front = batching.moveaxis


def _linear_jvp(prim: Primitive) -> None:
    """JVP of a primitive linear in its (single differentiable) first input."""

    @prim.jvp
    def _jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...], **params: Any) -> tuple[Any, Any]:
        out = apply(prim, *primals, **params)
        if tangents[0] is None:
            return out, None
        return out, apply(prim, tangents[0], *primals[1:], **params)


def _type(x: Any, shape: Sequence[int]) -> Type:
    return Type(tuple(int(d) for d in shape), x.dtype, x.device)


# ---------------------------------------------------------------------------------------
# Constants shaped like a value (written with broadcast_to, so they are cheap views)


def full(shape: Sequence[int], value: float, dtype: Any, device: Device) -> Any:
    """An array of ``shape`` filled with ``value`` (a broadcast view of one scalar).
    Evaluated now, it is the memoised read-only constant (backward passes ask for the same
    zeros again and again); while a graph is recorded, the broadcast is an equation."""
    dtype = dtypes.canonical(dtype)
    shape = tuple(shape)
    if not building_graph():
        return constant(value, dtype, device, shape)
    return broadcast_to(scalar(value, dtype, device), shape)


def full_like(x: Any, value: float) -> Any:
    return full(x.shape, value, x.dtype, x.device)


def zeros_like(x: Any) -> Any:
    return full_like(x, 0)


def ones_like(x: Any) -> Any:
    return full_like(x, 1)


# ---------------------------------------------------------------------------------------
# broadcast_to: y = x expanded to `shape` (NumPy rules)    VJP: sum back to x's shape


def _broadcast_to_shape(x: Any, *, shape: tuple[int, ...]) -> Type:
    if len(shape) < x.ndim or any(
        d != s and d != 1 for d, s in zip(x.shape, shape[len(shape) - x.ndim :], strict=True)
    ):
        raise ValueError(f"broadcast_to: cannot broadcast {type_text(x)} to shape {shape}")
    return _type(x, shape)


def _broadcast_to_impl(xp: Any, x: Any, *, shape: tuple[int, ...]) -> Any:
    if xp is np and x.flags.c_contiguous:
        # the same read-only view np.broadcast_to makes, built directly (7x faster: this
        # runs for every bias added eagerly)
        lead = len(shape) - x.ndim
        strides = (0,) * lead + tuple(
            0 if d == 1 and s != 1 else st for d, s, st in zip(x.shape, shape[lead:], x.strides)
        )
        view = np.ndarray(shape, x.dtype, x, 0, strides)
        view.flags.writeable = False
        return view
    return xp.broadcast_to(x, shape)


broadcast_to_p = Primitive(
    "broadcast_to",
    impl=_broadcast_to_impl,
    shape=_broadcast_to_shape,
    family="structural",
)


def _broadcast_to_check(x: Any, *, shape: tuple[int, ...]) -> None:
    """The eager check: the full rule (and its error) only when the quick test fails."""
    lead = len(shape) - x.ndim
    if lead < 0 or any(d != s and d != 1 for d, s in zip(x.shape, shape[lead:])):
        _broadcast_to_shape(x, shape=shape)


broadcast_to_p.check = _broadcast_to_check


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    """Broadcast to ``shape`` (no equation when the shape already matches)."""
    if x.__class__ is not Array and not isinstance(x, Tracer):
        (x,) = lift("broadcast_to", x)
    shape = tuple(map(int, shape))
    if tuple(x.shape) == shape:
        return x
    return apply(broadcast_to_p, x, shape=shape)


def sum_to(x: Any, shape: Sequence[int]) -> Any:
    """Sum ``x`` down to ``shape``: the transpose of broadcasting to ``x.shape``."""
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1
    )
    # the axes are normalised and sorted already: the primitive is applied directly
    reduce_sum_p = get_primitive("reduce_sum")
    if axes == tuple(range(lead)):  # only leading dims were added: one reduction
        return apply(reduce_sum_p, x, axes=axes, keepdims=False)
    summed = apply(reduce_sum_p, x, axes=axes, keepdims=True) if axes else x
    return reshape(summed, shape)


broadcast_to_p.vjp(lambda g, x, *, out, shape: (sum_to(g, x.shape),))
_linear_jvp(broadcast_to_p)


# batched: move the batch axis first, line the example's dims up with `shape`'s tail
@broadcast_to_p.batch
def _broadcast_to_batch(values: Any, axes: Any, /, *, shape: tuple[int, ...]) -> tuple[Any, int]:
    x = to_front(values[0], axes[0], 0)
    size = x.shape[0]
    aligned = reshape(x, (size,) + (1,) * (len(shape) - (x.ndim - 1)) + tuple(x.shape[1:]))
    return broadcast_to(aligned, (size, *shape)), 0


# ---------------------------------------------------------------------------------------
# reshape: y = x with a new shape, same elements in row-major order    VJP: reshape back


def _reshape_shape(x: Any, *, shape: tuple[int, ...]) -> Type:
    if math.prod(shape) != math.prod(x.shape):
        raise ValueError(f"reshape: cannot reshape {type_text(x)} into shape {shape}")
    return _type(x, shape)


reshape_p = Primitive(
    "reshape",
    impl=lambda xp, x, *, shape: xp.reshape(x, shape),
    shape=_reshape_shape,
    family="structural",
)


def reshape(x: Any, shape: Sequence[int]) -> Any:
    """Reshape; one dimension may be -1 (inferred)."""
    (x,) = lift("reshape", x)
    shape = tuple(int(d) for d in shape)
    if -1 in shape:
        if shape.count(-1) > 1:
            raise ValueError(f"reshape: only one dimension can be -1, got {shape}")
        known = math.prod([d for d in shape if d != -1])
        total = math.prod(x.shape)
        if known == 0 or total % known:
            raise ValueError(f"reshape: cannot reshape {type_text(x)} into shape {shape}")
        shape = tuple(total // known if d == -1 else d for d in shape)
    if tuple(x.shape) == shape:
        return x
    return apply(reshape_p, x, shape=shape)


reshape_p.vjp(lambda g, x, *, out, shape: (reshape(g, x.shape),))
_linear_jvp(reshape_p)


@reshape_p.batch
def _reshape_batch(values: Any, axes: Any, /, *, shape: tuple[int, ...]) -> tuple[Any, int]:
    x = to_front(values[0], axes[0], 0)
    return reshape(x, (x.shape[0], *shape)), 0


def squeeze(x: Any, axes: Sequence[int]) -> Any:
    """Remove size-1 axes (a reshape)."""
    axes = tuple(a % x.ndim for a in axes)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of {type_text(x)} has size {x.shape[a]}, not 1")
    return reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


def expand_dims(x: Any, axes: Sequence[int]) -> Any:
    """Insert size-1 axes at ``axes`` of the result (a reshape)."""
    ndim = x.ndim + len(axes)
    axes = sorted(a % ndim for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return reshape(x, shape)


# ---------------------------------------------------------------------------------------
# transpose: y = x with axes permuted by `perm`    VJP: the inverse permutation


def _transpose_shape(x: Any, *, perm: tuple[int, ...]) -> Type:
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"transpose: {perm} is not a permutation of the axes of {type_text(x)}")
    return _type(x, [x.shape[p] for p in perm])


transpose_p = Primitive(
    "transpose",
    impl=lambda xp, x, *, perm: xp.transpose(x, perm),
    shape=_transpose_shape,
    family="structural",
)


def transpose(x: Any, perm: Sequence[int] | None = None) -> Any:
    """Permute axes (reverse them when ``perm`` is None)."""
    (x,) = lift("transpose", x)
    perm = (
        tuple(reversed(range(x.ndim)))
        if perm is None
        else tuple(int(p) % max(x.ndim, 1) for p in perm)
    )
    if perm == tuple(range(x.ndim)):
        return x
    return apply(transpose_p, x, perm=perm)


transpose_p.vjp(lambda g, x, *, out, perm: (transpose(g, tuple(np.argsort(perm))),))
_linear_jvp(transpose_p)


@transpose_p.batch
def _transpose_batch(values: Any, axes: Any, /, *, perm: tuple[int, ...]) -> tuple[Any, int]:
    x = to_front(values[0], axes[0], 0)
    return transpose(x, (0, *(p + 1 for p in perm))), 0


# ---------------------------------------------------------------------------------------
# concatenate: y = [x1 | x2 | …] along `axis`    VJP: slice the cotangent back apart


def _concatenate_shape(*xs: Any, axis: int) -> Type:
    first = xs[0]
    for x in xs:
        if x.dtype != first.dtype or x.device is not first.device or x.ndim != first.ndim:
            shown = ", ".join(type_text(v) for v in xs)
            raise TypeError(f"concatenate: operands must share rank, dtype and device, got {shown}")
        if any(a != b for i, (a, b) in enumerate(zip(x.shape, first.shape)) if i != axis):
            shown = ", ".join(str(tuple(v.shape)) for v in xs)
            raise ValueError(f"concatenate: shapes {shown} differ outside axis {axis}")
    shape = list(first.shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    return _type(first, shape)


concatenate_p = Primitive(
    "concatenate",
    impl=lambda xp, *xs, axis: xp.concatenate(xs, axis=axis),
    shape=_concatenate_shape,
    family="structural",
)


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    xs = lift("concatenate", *xs)
    check_axes("concatenate", (axis,), xs[0].ndim)
    if len(xs) == 1:
        return xs[0]
    return apply(concatenate_p, *xs, axis=axis % xs[0].ndim)


@concatenate_p.vjp
def _concatenate_vjp(g: Any, *xs: Any, out: Any, axis: int) -> tuple[Any, ...]:
    sizes = tuple(x.shape[axis] for x in xs)
    return split(g, sizes, axis)


@concatenate_p.jvp
def _concatenate_jvp(
    primals: tuple[Any, ...], tangents: tuple[Any, ...], *, axis: int
) -> tuple[Any, Any]:
    out = apply(concatenate_p, *primals, axis=axis)
    filled = [zeros_like(x) if t is None else t for x, t in zip(primals, tangents)]
    return out, apply(concatenate_p, *filled, axis=axis)


@concatenate_p.batch
def _concatenate_batch(values: Any, axes: Any, /, *, axis: int) -> tuple[Any, int]:
    size = batching.batch_size(values, axes)
    moved = [batching.to_axis(v, a, size) for v, a in zip(values, axes)]
    return apply(concatenate_p, *moved, axis=axis + 1), 0


# ---------------------------------------------------------------------------------------
# split: (y1, y2, …) = pieces of x of `sizes` along `axis`    VJP: concatenate them


def _split_shape(x: Any, *, sizes: tuple[int, ...], axis: int) -> tuple[Type, ...]:
    if sum(sizes) != x.shape[axis] or any(s < 0 for s in sizes):
        raise ValueError(f"split: sizes {sizes} do not add up to axis {axis} of {type_text(x)}")
    shapes = []
    for size in sizes:
        shape = list(x.shape)
        shape[axis] = size
        shapes.append(_type(x, shape))
    return tuple(shapes)


def _split_impl(xp: Any, x: Any, *, sizes: tuple[int, ...], axis: int) -> tuple[Any, ...]:
    bounds = np.cumsum(sizes)[:-1].tolist()
    return tuple(xp.split(x, bounds, axis=axis))


split_p = Primitive(
    "split", impl=_split_impl, shape=_split_shape, multiple_results=True, family="structural"
)


def split(x: Any, sizes: Sequence[int], axis: int = 0) -> tuple[Any, ...]:
    (x,) = lift("split", x)
    check_axes("split", (axis,), x.ndim)
    return apply(split_p, x, sizes=tuple(int(s) for s in sizes), axis=axis % x.ndim)


@split_p.vjp
def _split_vjp(
    gs: tuple[Any, ...], x: Any, *, out: Any, sizes: tuple[int, ...], axis: int
) -> tuple[Any]:
    filled = [zeros_like(o) if g is None else g for g, o in zip(gs, out)]
    return (concatenate(filled, axis),)


@split_p.jvp
def _split_jvp(primals: tuple[Any], tangents: tuple[Any], **params: Any) -> tuple[Any, Any]:
    outs = apply(split_p, primals[0], **params)
    if tangents[0] is None:
        return outs, (None,) * len(outs)
    return outs, apply(split_p, tangents[0], **params)


@split_p.batch
def _split_batch(values: Any, axes: Any, /, *, sizes: Any, axis: int) -> tuple[Any, Any]:
    outs = apply(split_p, to_front(values[0], axes[0], 0), sizes=sizes, axis=axis + 1)
    return outs, (0,) * len(outs)


# ---------------------------------------------------------------------------------------
# slice: y = x[start:limit:stride, …] with positive strides    VJP: pad with interior zeros


def _slice_shape(
    x: Any, *, starts: tuple[int, ...], limits: tuple[int, ...], strides: tuple[int, ...]
) -> Type:
    if not len(starts) == len(limits) == len(strides) == x.ndim:
        raise ValueError(f"slice: need one start, limit and stride per axis of {type_text(x)}")
    shape = []
    for dim, lo, hi, step in zip(x.shape, starts, limits, strides):
        if step < 1 or not 0 <= lo <= hi <= dim:
            raise ValueError(
                f"slice: bad bounds start={starts} limit={limits} stride={strides} "
                f"for {type_text(x)}"
            )
        shape.append(-(-(hi - lo) // step))
    return _type(x, shape)


def _slice_impl(xp: Any, x: Any, *, starts: Any, limits: Any, strides: Any) -> Any:
    return x[tuple(builtins.slice(lo, hi, st) for lo, hi, st in zip(starts, limits, strides))]


slice_p = Primitive("slice", impl=_slice_impl, shape=_slice_shape, family="structural")


def slice(
    x: Any, starts: Sequence[int], limits: Sequence[int], strides: Sequence[int] | None = None
) -> Any:  # noqa: A001
    (x,) = lift("slice", x)
    strides = tuple(strides) if strides is not None else (1,) * x.ndim
    starts, limits = tuple(int(s) for s in starts), tuple(int(s) for s in limits)
    if starts == (0,) * x.ndim and limits == tuple(x.shape) and strides == (1,) * x.ndim:
        return x
    return apply(slice_p, x, starts=starts, limits=limits, strides=tuple(int(s) for s in strides))


@slice_p.vjp
def _slice_vjp(g: Any, x: Any, *, out: Any, starts: Any, limits: Any, strides: Any) -> tuple[Any]:
    if 0 in out.shape:
        return (zeros_like(x),)
    config = []
    for dim, lo, step, n in zip(x.shape, starts, strides, out.shape):
        last = lo + (n - 1) * step
        config.append((lo, dim - 1 - last, step - 1))
    return (pad(g, tuple(config)),)


_linear_jvp(slice_p)


@slice_p.batch
def _slice_batch(
    values: Any, axes: Any, /, *, starts: Any, limits: Any, strides: Any
) -> tuple[Any, int]:
    x = to_front(values[0], axes[0], 0)
    return slice(x, (0, *starts), (x.shape[0], *limits), (1, *strides)), 0


# ---------------------------------------------------------------------------------------
# pad: y = x with `lo`/`hi` elements of `value` around and `interior` between elements
# along each axis; negative lo/hi crop.    VJP: crop, then take every (interior+1)-th


def _pad_shape(x: Any, *, config: tuple[tuple[int, int, int], ...], value: float = 0.0) -> Type:
    if len(config) != x.ndim or any(i < 0 for _, _, i in config):
        raise ValueError(
            f"pad: need one (lo, hi, interior>=0) per axis of {type_text(x)}, got {config}"
        )
    shape = []
    for dim, (lo, hi, interior) in zip(x.shape, config):
        size = lo + hi + dim + max(dim - 1, 0) * interior
        if size < 0:
            raise ValueError(f"pad: config {config} crops more than {type_text(x)} holds")
        shape.append(size)
    return _type(x, shape)


def _pad_impl(xp: Any, x: Any, *, config: Any, value: float = 0.0) -> Any:
    grown = [
        max(lo, 0) + max(hi, 0) + d + max(d - 1, 0) * i for d, (lo, hi, i) in zip(x.shape, config)
    ]
    out = xp.full(grown, value, dtype=x.dtype)
    inner = tuple(
        builtins.slice(max(lo, 0), max(lo, 0) + d + max(d - 1, 0) * i, i + 1)
        for d, (lo, _, i) in zip(x.shape, config)
    )
    out[inner] = x
    crop = tuple(
        builtins.slice(max(-lo, 0), size - max(-hi, 0)) for size, (lo, hi, _) in zip(grown, config)
    )
    return out[crop]


pad_p = Primitive("pad", impl=_pad_impl, shape=_pad_shape, family="structural")


def pad(x: Any, config: Sequence[Sequence[int]], value: float = 0.0) -> Any:
    """Pad each axis by ``(lo, hi)`` or ``(lo, hi, interior)``; negative ``lo/hi`` crop."""
    (x,) = lift("pad", x)
    full_config = tuple((int(c[0]), int(c[1]), int(c[2]) if len(c) > 2 else 0) for c in config)
    if all(c == (0, 0, 0) for c in full_config) and len(full_config) == x.ndim:
        return x
    return apply(pad_p, x, config=full_config, value=float(value))


@pad_p.vjp
def _pad_vjp(g: Any, x: Any, *, out: Any, config: Any, value: float) -> tuple[Any]:
    cropped = pad(g, [(-lo, -hi, 0) for lo, hi, _ in config])
    strides = [i + 1 for _, _, i in config]
    return (slice(cropped, [0] * g.ndim, cropped.shape, strides),)


@pad_p.jvp
def _pad_jvp(
    primals: tuple[Any], tangents: tuple[Any], *, config: Any, value: float
) -> tuple[Any, Any]:
    out = pad(primals[0], config, value)
    return out, None if tangents[0] is None else pad(tangents[0], config, 0.0)


@pad_p.batch
def _pad_batch(values: Any, axes: Any, /, *, config: Any, value: float) -> tuple[Any, int]:
    return pad(to_front(values[0], axes[0], 0), ((0, 0, 0), *config), value), 0


# ---------------------------------------------------------------------------------------
# flip: y = x reversed along `axes`    VJP: flip again


def _flip_shape(x: Any, *, axes: tuple[int, ...]) -> Type:
    check_axes("flip", axes, x.ndim)
    return _type(x, x.shape)


flip_p = Primitive(
    "flip", impl=lambda xp, x, *, axes: xp.flip(x, axes), shape=_flip_shape, family="structural"
)


def flip(x: Any, axes: Sequence[int]) -> Any:
    (x,) = lift("flip", x)
    axes = tuple(sorted(int(a) % x.ndim for a in axes))
    return x if not axes else apply(flip_p, x, axes=axes)


flip_p.vjp(lambda g, x, *, out, axes: (flip(g, axes),))
_linear_jvp(flip_p)


@flip_p.batch
def _flip_batch(values: Any, axes: Any, /, **params: Any) -> tuple[Any, int]:
    return flip(to_front(values[0], axes[0], 0), [a + 1 for a in params["axes"]]), 0


def strided_slice(x: Any, index: Sequence[tuple[int | None, int | None, int | None]]) -> Any:
    """``x[a:b:c, …]`` with Python's slice semantics, negative steps included
    (a flip followed by a positive-stride slice)."""
    starts, limits, strides, flips = [], [], [], []
    for axis, (dim, (start, stop, step)) in enumerate(zip(x.shape, index)):
        lo, hi, st = _slice_indices(start, stop, step, dim)
        if st < 0:
            flips.append(axis)
            n = len(range(lo, hi, st))
            lo = dim - 1 - lo
            hi = lo + n * -st if n else lo
            st = -st
            hi = min(hi, dim)
        starts.append(lo)
        limits.append(max(hi, lo))
        strides.append(st)
    for axis in range(len(index), x.ndim):
        starts.append(0)
        limits.append(x.shape[axis])
        strides.append(1)
    return slice(flip(x, flips), starts, limits, strides)


def _slice_indices(start: Any, stop: Any, step: Any, dim: int) -> tuple[int, int, int]:
    return builtins.slice(start, stop, step).indices(dim)


# ---------------------------------------------------------------------------------------
# dynamic_slice: y = x[s0:s0+size0, …] with start indices given as 0-d integer arrays,
# clamped so the window fits (as XLA does)    VJP: dynamic_update_slice into zeros


def _clamped_starts(
    xp: Any, starts: Sequence[Any], shape: Sequence[int], sizes: Sequence[int]
) -> list[int]:
    return [int(min(max(int(s), 0), d - n)) for s, d, n in zip(starts, shape, sizes)]


def _check_starts(name: str, x: Any, starts: Sequence[Any]) -> None:
    if len(starts) != x.ndim:
        raise ValueError(
            f"{name}: need {x.ndim} start indices for {type_text(x)}, got {len(starts)}"
        )
    for s in starts:
        if s.ndim != 0 or not dtypes.is_int(s.dtype):
            raise TypeError(f"{name}: start indices must be integer scalars, got {type_text(s)}")


def _dynamic_slice_shape(x: Any, *starts: Any, sizes: tuple[int, ...]) -> Type:
    _check_starts("dynamic_slice", x, starts)
    if len(sizes) != x.ndim or any(not 0 <= n <= d for n, d in zip(sizes, x.shape)):
        raise ValueError(f"dynamic_slice: sizes {sizes} do not fit in {type_text(x)}")
    return _type(x, sizes)


def _dynamic_slice_impl(xp: Any, x: Any, *starts: Any, sizes: tuple[int, ...]) -> Any:
    lo = _clamped_starts(xp, starts, x.shape, sizes)
    return x[tuple(builtins.slice(a, a + n) for a, n in zip(lo, sizes))]


dynamic_slice_p = Primitive(
    "dynamic_slice",
    impl=_dynamic_slice_impl,
    shape=_dynamic_slice_shape,
    nondiff_inputs=range(1, 64),
    family="structural",
)


def _index_scalars(name: str, starts: Sequence[Any], device: Device) -> list[Any]:
    out = []
    for s in starts:
        if isinstance(s, Array) or hasattr(s, "interpreter"):
            out.append(s)
        else:
            out.append(scalar(int(s), dtypes.int64, device))
    return out


def dynamic_slice(x: Any, starts: Sequence[Any], sizes: Sequence[int]) -> Any:
    (x,) = lift("dynamic_slice", x)
    starts = _index_scalars("dynamic_slice", starts, x.device)
    return apply(dynamic_slice_p, x, *starts, sizes=tuple(int(n) for n in sizes))


@dynamic_slice_p.vjp
def _dynamic_slice_vjp(g: Any, x: Any, *starts: Any, out: Any, sizes: Any) -> tuple[Any, ...]:
    return (dynamic_update_slice(zeros_like(x), g, starts),) + (None,) * len(starts)


_linear_jvp(dynamic_slice_p)


# batched operand, shared starts: one more (zero) start for the batch axis; batched
# starts (a different window per example) fall back to a loop over the examples
@dynamic_slice_p.batch
def _dynamic_slice_batch(values: Any, axes: Any, /, *, sizes: Any) -> tuple[Any, Any]:
    if any(a is not None for a in axes[1:]):
        return batching.batch_by_loop(dynamic_slice_p)(values, axes, sizes=sizes)
    x = to_front(values[0], axes[0], 0)
    zero = zeros_like(values[1]) if len(values) > 1 else scalar(0, dtypes.int64, x.device)
    return dynamic_slice(x, [zero, *values[1:]], (x.shape[0], *sizes)), 0


# dynamic_update_slice: y = x with x[s0:s0+n0, …] replaced by `update` (starts clamped)
# VJP: x gets g with that window zeroed; update gets g's window


def _dynamic_update_slice_shape(x: Any, update: Any, *starts: Any) -> Type:
    _check_starts("dynamic_update_slice", x, starts)
    if (
        update.dtype != x.dtype
        or update.ndim != x.ndim
        or any(n > d for n, d in zip(update.shape, x.shape))
    ):
        raise ValueError(
            f"dynamic_update_slice: update {type_text(update)} does not fit in {type_text(x)}"
        )
    return _type(x, x.shape)


def _dynamic_update_slice_impl(xp: Any, x: Any, update: Any, *starts: Any) -> Any:
    lo = _clamped_starts(xp, starts, x.shape, update.shape)
    out = x.copy()
    out[tuple(builtins.slice(a, a + n) for a, n in zip(lo, update.shape))] = update
    return out


dynamic_update_slice_p = Primitive(
    "dynamic_update_slice",
    impl=_dynamic_update_slice_impl,
    shape=_dynamic_update_slice_shape,
    nondiff_inputs=range(2, 64),
    family="structural",
)


def dynamic_update_slice(x: Any, update: Any, starts: Sequence[Any]) -> Any:
    x, update = lift("dynamic_update_slice", x, update)
    starts = _index_scalars("dynamic_update_slice", starts, x.device)
    return apply(dynamic_update_slice_p, x, update, *starts)


@dynamic_update_slice_p.vjp
def _dynamic_update_slice_vjp(
    g: Any, x: Any, update: Any, *starts: Any, out: Any
) -> tuple[Any, ...]:
    g_x = dynamic_update_slice(g, zeros_like(update), starts)
    g_update = dynamic_slice(g, starts, update.shape)
    return (g_x, g_update) + (None,) * len(starts)


@dynamic_update_slice_p.jvp
def _dynamic_update_slice_jvp(
    primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[Any, Any]:
    x, update, *starts = primals
    tx, tu = tangents[0], tangents[1]
    out = dynamic_update_slice(x, update, starts)
    if tx is None and tu is None:
        return out, None
    tx = zeros_like(x) if tx is None else tx
    tu = zeros_like(update) if tu is None else tu
    return out, dynamic_update_slice(tx, tu, starts)


@dynamic_update_slice_p.batch
def _dynamic_update_slice_batch(values: Any, axes: Any, /) -> tuple[Any, Any]:
    if any(a is not None for a in axes[2:]):
        return batching.batch_by_loop(dynamic_update_slice_p)(values, axes)
    size = batching.batch_size(values, axes)
    x, update = (batching.to_axis(v, a, size) for v, a in zip(values[:2], axes[:2]))
    zero = zeros_like(values[2]) if len(values) > 2 else scalar(0, dtypes.int64, x.device)
    return dynamic_update_slice(x, update, [zero, *values[2:]]), 0


# ---------------------------------------------------------------------------------------
# device_put: y = x on another device    VJP: the cotangent goes back to x's device


def _device_put_shape(x: Any, *, device: Device) -> Type:
    return Type(tuple(x.shape), x.dtype, device)


def _device_put_impl(x: Array, *, device: Device) -> Array:
    data = (
        x.data if x.device.platform == "cpu" else x.numpy() if device.platform == "cpu" else x.data
    )
    return Array(device.put(data), device)


device_put_p = Primitive(
    "device_put",
    impl=_device_put_impl,
    shape=_device_put_shape,
    higher_order=True,
    family="structural",
)
device_put_p.check = lambda x, *, device: None  # operands may be anywhere; that is the point


def device_put(x: Any, device: Device) -> Any:
    """``x`` copied to ``device`` (differentiable; a no-op when it is already there)."""
    (x,) = lift("device_put", x)
    if x.device is device:
        return x
    return apply(device_put_p, x, device=device)


device_put_p.vjp(lambda g, x, *, out, device: (device_put(g, x.device),))
_linear_jvp(device_put_p)


@device_put_p.batch
def _device_put_batch(values: Any, axes: Any, /, *, device: Device) -> tuple[Any, Any]:
    return apply(device_put_p, values[0], device=device), axes[0]
