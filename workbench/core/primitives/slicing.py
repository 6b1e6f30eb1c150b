"""Slicing primitives: static slices (``slice``, ``strided_slice``), ``pad`` (the
transpose of a slice), ``flip``, and slices at indices known only at run time
(``dynamic_slice``, ``dynamic_update_slice``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from workbench.backend import Device, dtypes
from workbench.core import batching
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, check_axes, normalize_axes, type_text
from workbench.core.primitives.operands import lift, scalar
from workbench.core.primitives.structural import _linear_jvp, _type, zeros_like
from workbench.core.values import Array

to_front = batching.moveaxis


# ---------------------------------------------------------------------------------------
# slice: y = x[start:limit:stride, …] with positive strides    VJP: pad with interior zeros


def _slice_shape(
    x: Any, *, starts: tuple[int, ...], limits: tuple[int, ...], strides: tuple[int, ...]
) -> Type:
    if not len(starts) == len(limits) == len(strides) == x.ndim:
        raise ValueError(f"slice: need one start, limit and stride per axis of {type_text(x)}")
    shape: list[int | None] = []
    for dim, lo, hi, step in zip(x.shape, starts, limits, strides):
        end = dim if hi is None else hi  # a limit of None reads to the end of the axis
        fits = step >= 1 and lo >= 0 and (end is None or lo <= end)
        if not fits or (dim is not None and end is not None and end > dim):
            raise ValueError(
                f"slice: bad bounds start={starts} limit={limits} stride={strides} "
                f"for {type_text(x)}"
            )
        # a slice of a dimension known only at run time is as long as the run finds it
        shape.append(None if dim is None else -(-(end - lo) // step))
    return _type(x, shape)


def _slice_impl(xp: Any, x: Any, *, starts: Any, limits: Any, strides: Any) -> Any:
    return x[tuple(builtins.slice(lo, hi, st) for lo, hi, st in zip(starts, limits, strides))]


slice_p = Primitive("slice", impl=_slice_impl, shape=_slice_shape, family="structural")
slice_p.view = True  # its result may share memory with its input


def slice(
    x: Any, starts: Sequence[int], limits: Sequence[int], strides: Sequence[int] | None = None
) -> Any:  # noqa: A001
    (x,) = lift("slice", x)
    strides = tuple(strides) if strides is not None else (1,) * x.ndim
    starts = tuple(int(s) for s in starts)
    limits = tuple(None if s is None else int(s) for s in limits)  # type: ignore[assignment]
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
    shape: list[int | None] = []
    for dim, (lo, hi, interior) in zip(x.shape, config):
        if dim is None:  # a size known only at run time stays unknown, padded or not
            shape.append(None)
            continue
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
flip_p.view = True  # its result may share memory with its input


def flip(x: Any, axes: Sequence[int]) -> Any:
    (x,) = lift("flip", x)
    axes = tuple(sorted(normalize_axes("flip", axes, x.ndim)))
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
        if dim is None:  # a size known only at run time: forward slices from known starts
            lo, hi, st = _unknown_slice(start, stop, step, x)
            starts.append(lo)
            limits.append(hi)
            strides.append(st)
            continue
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


def _unknown_slice(start: Any, stop: Any, step: Any, x: Any) -> tuple[int, Any, int]:
    """start:stop:step of a dimension of unknown size (stop None: to its end)."""
    lo, st = start or 0, step or 1
    if lo < 0 or st < 0 or (stop is not None and stop < 0):
        raise ValueError(
            f"strided_slice: {builtins.slice(start, stop, step)} counts from the end of a "
            f"dimension whose size is known only at run time ({type_text(x)}); "
            "use non-negative bounds"
        )
    return lo, stop, st


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
dynamic_slice_p.view = True  # its result may share memory with its input


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
