"""Structural primitives: broadcasting, reshaping, transposing, joining, slicing,
padding and flipping. All are linear, so each JVP is the primitive applied to the
tangent, and each VJP is the primitive's transpose (noted in one line per block).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import Device, dtypes
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply, building_graph
from workbench.core.ir import Literal, Type
from workbench.core.primitive import (
    Primitive,
    merged_shape,
    normalize_axes,
    normalize_axis,
    same_dim,
    type_text,
)
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


def _type(x: Any, shape: Sequence[int | None]) -> Type:
    return Type(tuple(None if d is None else int(d) for d in shape), x.dtype, x.device)


# ---------------------------------------------------------------------------------------
# Constants shaped like a value (written with broadcast_to, so they are cheap views)


def full(shape: Sequence[int | None], value: float, dtype: Any, device: Device) -> Any:
    """An array of ``shape`` filled with ``value`` (a broadcast view of one scalar).
    Evaluated now, it is the memoised read-only constant (backward passes ask for the same
    zeros again and again); while a graph is recorded, the broadcast is an equation."""
    dtype = dtypes.canonical(dtype)
    if not building_graph():  # evaluated now, so every dimension is known
        return constant(value, dtype, device, tuple(shape))  # type: ignore[arg-type]
    return broadcast_to(scalar(value, dtype, device), shape)


def full_like(x: Any, value: float) -> Any:
    return full(x.shape, value, x.dtype, x.device)


def zeros_like(x: Any) -> Any:
    return full_like(x, 0)


def ones_like(x: Any) -> Any:
    return full_like(x, 1)


# ---------------------------------------------------------------------------------------
# broadcast_to: y = x expanded to `shape` (NumPy rules)    VJP: sum back to x's shape


def _broadcast_to_shape(x: Any, *, shape: tuple[int | None, ...]) -> Type:
    if len(shape) < x.ndim or any(
        not same_dim(d, s) and d != 1
        for d, s in zip(x.shape, shape[len(shape) - x.ndim :], strict=True)
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
broadcast_to_p.view = True
broadcast_to_p.fusion = "{0}"  # inside a kernel an operand of the result's shape is itself


# In a plan, broadcasting a literal is computed once, when the plan is built.
def _broadcast_to_lower(lowering: Any, eqn: Any) -> list[Any] | None:
    (x,) = eqn.inputs
    if not isinstance(x, Literal):
        return None
    value = lowering.xp.broadcast_to(lowering.on_device(x.value), eqn.params["shape"])
    lowering.constant(eqn.outputs[0], value)
    return []


broadcast_to_p.lower = _broadcast_to_lower


def broadcast_to(x: Any, shape: Sequence[int | None]) -> Any:
    """Broadcast to ``shape`` (no equation when the shape already matches)."""
    if x.__class__ is not Array and not isinstance(x, Tracer):
        (x,) = lift("broadcast_to", x)
    try:
        target: tuple[int | None, ...] = tuple(map(int, shape))  # type: ignore[arg-type]
    except TypeError:  # a dimension known only at run time (None)
        target = tuple(None if d is None else int(d) for d in shape)
    if tuple(x.shape) == target:
        return x
    return apply(broadcast_to_p, x, shape=target)


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
    if axes == tuple(range(lead)):  # only leading dims were added: one reduction
        return apply(ops.reduce_sum_p, x, axes=axes, keepdims=False)
    summed = apply(ops.reduce_sum_p, x, axes=axes, keepdims=True) if axes else x
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


def _reshape_shape(x: Any, *, shape: tuple[int | None, ...]) -> Type:
    new, old = Type(shape, x.dtype, x.device), Type(tuple(x.shape), x.dtype, x.device)
    if new.known and old.known and new.size != old.size:
        raise ValueError(f"reshape: cannot reshape {type_text(x)} into shape {shape}")
    return _type(x, shape)


reshape_p = Primitive(
    "reshape",
    impl=lambda xp, x, *, shape: xp.reshape(x, shape),
    shape=_reshape_shape,
    family="structural",
)
reshape_p.view = True  # its result may share memory with its input


def _reshape_back(y: Any, source: tuple[int, ...], **params: Any) -> Any:
    back = y.reshape(source)  # a copy when y's strides cannot be regrouped so
    return back if _address(back) == _address(y) else None


def _address(a: Any) -> int:
    """Where an array's first element lies (NumPy or CuPy)."""
    pointer = getattr(a.data, "ptr", None)
    return int(pointer) if pointer is not None else int(a.__array_interface__["data"][0])


reshape_p.view_back = _reshape_back


def reshape(x: Any, shape: Sequence[int | None]) -> Any:
    """Reshape; one dimension may be -1 (inferred)."""
    (x,) = lift("reshape", x)
    shape = tuple(None if d is None else int(d) for d in shape)
    if -1 in shape:
        if shape.count(-1) > 1:
            raise ValueError(f"reshape: only one dimension can be -1, got {shape}")
        if None in x.shape or None in shape:  # the -1 is known only at run time
            shape = tuple(None if d == -1 else d for d in shape)
        else:
            known = math.prod([d for d in shape if d is not None and d != -1])
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
    axes = normalize_axes("squeeze", axes, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of {type_text(x)} has size {x.shape[a]}, not 1")
    return reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


def expand_dims(x: Any, axes: Sequence[int]) -> Any:
    """Insert size-1 axes at ``axes`` of the result (a reshape)."""
    ndim = x.ndim + len(axes)
    axes = sorted(normalize_axes("expand_dims", axes, ndim))
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
transpose_p.view = True  # its result may share memory with its input
transpose_p.view_back = lambda y, source, *, perm: y.transpose(tuple(np.argsort(perm)))


def transpose(x: Any, perm: Sequence[int] | None = None) -> Any:
    """Permute axes (reverse them when ``perm`` is None)."""
    (x,) = lift("transpose", x)
    perm = (
        tuple(reversed(range(x.ndim)))
        if perm is None
        else normalize_axes("transpose", perm, x.ndim)
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
        if any(
            not same_dim(a, b) for i, (a, b) in enumerate(zip(x.shape, first.shape)) if i != axis
        ):
            shown = ", ".join(str(tuple(v.shape)) for v in xs)
            raise ValueError(f"concatenate: shapes {shown} differ outside axis {axis}")
    shape = list(merged_shape([x.shape for x in xs]))
    sizes = [x.shape[axis] for x in xs]
    shape[axis] = None if None in sizes else sum(sizes)
    return _type(first, shape)


concatenate_p = Primitive(
    "concatenate",
    # ``out``: a compiled loop's body joins straight into the row of its stacked result
    impl=lambda xp, *xs, axis, out=None: xp.concatenate(xs, axis=axis, out=out),
    shape=_concatenate_shape,
    family="structural",
)


def _concatenate_parts(out: Any, types: Sequence[Any], *, axis: int) -> list[Any]:
    starts = np.cumsum([0, *(t.shape[axis] for t in types)])
    lead = (slice(None),) * axis
    return [out[lead + (slice(a, b),)] for a, b in zip(starts[:-1], starts[1:])]


concatenate_p.parts = _concatenate_parts


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    xs = lift("concatenate", *xs)
    axis = normalize_axis("concatenate", axis, xs[0].ndim)
    if len(xs) == 1:
        return xs[0]
    return apply(concatenate_p, *xs, axis=axis)


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
    # views by basic slicing: xp.split's Python-level bookkeeping cost 3 µs a call, five
    # times the slicing (an LSTM step splits its gates once per time step)
    index = [slice(None)] * x.ndim
    parts, start = [], 0
    for size in sizes:
        index[axis] = slice(start, start + size)
        parts.append(x[tuple(index)])
        start += size
    return tuple(parts)


split_p = Primitive(
    "split", impl=_split_impl, shape=_split_shape, multiple_results=True, family="structural"
)
split_p.view = True  # its result may share memory with its input


def split(x: Any, sizes: Sequence[int], axis: int = 0) -> tuple[Any, ...]:
    (x,) = lift("split", x)
    axis = normalize_axis("split", axis, x.ndim)
    return apply(split_p, x, sizes=tuple(int(s) for s in sizes), axis=axis)


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
# shape_of: y = the shape of x as integers, read when the graph runs (x's values are not
# read), for shapes with dimensions known only then (TensorFlow's tf.shape)


def _shape_of_shape(x: Any, *, dtype: np.dtype) -> Type:
    return Type((x.ndim,), dtypes.canonical(dtype), x.device)


shape_of_p = Primitive(
    "shape_of",
    impl=lambda xp, x, *, dtype: xp.asarray(x.shape, dtype=dtype),
    shape=_shape_of_shape,
    nondiff_inputs=(0,),
    family="structural",
)
shape_of_p.vjp(lambda g, x, *, out, dtype: (None,))
shape_of_p.jvp(lambda primals, tangents, *, dtype: (apply(shape_of_p, *primals, dtype=dtype), None))


# batched: the shape of one example (the batch axis left out), the same for every example
@shape_of_p.batch
def _shape_of_batch(values: Any, axes: Any, /, *, dtype: np.dtype) -> tuple[Any, None]:
    x = to_front(values[0], axes[0], 0)
    first = reshape(ops.slice(x, (0,) * x.ndim, (1, *x.shape[1:])), x.shape[1:])
    return apply(shape_of_p, first, dtype=dtype), None


def shape_of(x: Any, dtype: Any = np.int32) -> Any:
    """The shape of ``x`` as a 1-d integer array, known when the graph runs."""
    (x,) = lift("shape_of", x)
    return apply(shape_of_p, x, dtype=dtypes.canonical(dtype))


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
