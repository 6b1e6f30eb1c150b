"""Windows of an array: ``windows`` (im2col) gathers every window of the trailing axes
into new trailing axes, ``windows_transpose`` (col2im) adds them back, and pooling is
built from them (max and average over each window)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import kernels
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, type_text
from workbench.core.primitives.conv import _conv_out_spatial, _windows_view, conv_padding
from workbench.core.primitives.operands import array as make_array
from workbench.core.primitives.operands import lift
from workbench.core.primitives.slicing import _pad_impl

Pairs = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------------------------
# windows (im2col): y[..., p, k] = xpad[..., p·stride + k·dilation]   (linear)
# VJP: windows_transpose (col2im) adds each window's cotangent back where it came from


def _windows_shape(
    x: Any,
    *,
    window: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
    value: float,
) -> Type:
    d = len(window)
    if x.ndim < d:
        raise ValueError(f"windows: a {d}-d window needs at least {d} axes, got {type_text(x)}")
    out = _conv_out_spatial(x.shape[x.ndim - d :], window, strides, padding, (1,) * d, dilation)
    if any(o <= 0 for o in out):
        raise ValueError(f"windows: window {window} is larger than the padded input {type_text(x)}")
    return Type((*x.shape[: x.ndim - d], *out, *window), x.dtype, x.device)


def _windows_impl(
    xp: Any, x: Any, *, window: Any, strides: Any, padding: Pairs, dilation: Any, value: float
) -> Any:
    d = len(window)
    lead = ((0, 0, 0),) * (x.ndim - d)
    config = lead + tuple((lo, hi, 0) for lo, hi in padding)
    if any(c != (0, 0, 0) for c in config):
        x = _pad_impl(xp, x, config=config, value=value)
    out = _conv_out_spatial(
        x.shape[x.ndim - d :], window, strides, ((0, 0),) * d, (1,) * d, dilation
    )
    return _windows_view(xp, x, window, strides, dilation, out)


windows_p = Primitive("windows", impl=_windows_impl, shape=_windows_shape, family="convolution")
windows_p.view = True  # its result may share memory with its input


def windows(
    x: Any,
    window: Sequence[int],
    strides: Sequence[int] | None = None,
    padding: Sequence[Sequence[int]] | str = "VALID",
    dilation: Sequence[int] | None = None,
    value: float = 0.0,
) -> Any:
    """Every window of the trailing ``len(window)`` axes, as new trailing axes.

    Padding positions hold ``value`` (``-inf`` for max pooling).
    """
    (x,) = lift("windows", x)
    return apply(
        windows_p, x, **_geometry(x, window, strides, padding, dilation), value=float(value)
    )


def _geometry(
    x: Any, window: Sequence[int], strides: Any, padding: Any, dilation: Any
) -> dict[str, Any]:
    """The window parameters as the primitives take them: ints, (lo, hi) padding pairs
    ("SAME"/"VALID" resolved), strides and dilation defaulting to 1."""
    d = len(window)
    strides = tuple(int(s) for s in strides) if strides is not None else (1,) * d
    dilation = tuple(int(s) for s in dilation) if dilation is not None else (1,) * d
    pads = conv_padding(padding, x.shape[x.ndim - d :], window, strides, dilation)
    window = tuple(int(k) for k in window)
    return {"window": window, "strides": strides, "padding": pads, "dilation": dilation}


def _windows_transpose_shape(
    g: Any, *, in_shape: tuple[int, ...], window: Any, strides: Any, padding: Pairs, dilation: Any
) -> Type:
    return Type(tuple(in_shape), g.dtype, g.device)


def _windows_transpose_impl(
    xp: Any, g: Any, *, in_shape: Any, window: Any, strides: Any, padding: Pairs, dilation: Any
) -> Any:
    d = len(window)
    lead = tuple(in_shape[: len(in_shape) - d])
    padded = [n + lo + hi for n, (lo, hi) in zip(in_shape[len(in_shape) - d :], padding)]
    out_sp = g.shape[len(lead) : len(lead) + d]
    acc = xp.zeros(lead + tuple(padded), dtype=g.dtype)
    for offset in itertools.product(*(range(k) for k in window)):
        target = tuple(
            slice(o * dl, o * dl + (n - 1) * st + 1, st)
            for o, dl, n, st in zip(offset, dilation, out_sp, strides)
        )
        acc[(Ellipsis,) + target] += g[(Ellipsis,) + tuple(offset)]
    crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(padding, in_shape[len(in_shape) - d :]))
    return acc[(Ellipsis,) + crop]


windows_transpose_p = Primitive(
    "windows_transpose",
    impl=_windows_transpose_impl,
    shape=_windows_transpose_shape,
    family="convolution",
)


def windows_transpose(
    g: Any, in_shape: Sequence[int], window: Any, strides: Any, padding: Pairs, dilation: Any
) -> Any:
    return apply(
        windows_transpose_p,
        g,
        in_shape=tuple(in_shape),
        window=tuple(window),
        strides=tuple(strides),
        padding=tuple(padding),
        dilation=tuple(dilation),
    )


@windows_p.vjp
def _windows_vjp(
    g: Any,
    x: Any,
    *,
    out: Any,
    window: Any,
    strides: Any,
    padding: Pairs,
    dilation: Any,
    value: float,
) -> tuple[Any]:
    return (windows_transpose(g, x.shape, window, strides, padding, dilation),)


@windows_p.jvp
def _windows_jvp(
    primals: tuple[Any], tangents: tuple[Any], *, value: float, **params: Any
) -> tuple[Any, Any]:
    out = apply(windows_p, primals[0], value=value, **params)
    return out, apply(windows_p, tangents[0], value=0.0, **params)


@windows_transpose_p.vjp
def _windows_transpose_vjp(g: Any, y: Any, *, out: Any, in_shape: Any, **params: Any) -> tuple[Any]:
    return (apply(windows_p, g, value=0.0, **params),)


@windows_p.batch
def _windows_batch(values: Any, axes: Any, /, **params: Any) -> tuple[Any, int]:
    return apply(windows_p, batching.moveaxis(values[0], axes[0], 0), **params), 0


@windows_transpose_p.batch
def _windows_transpose_batch(
    values: Any, axes: Any, /, *, in_shape: Any, **params: Any
) -> tuple[Any, int]:
    g = batching.moveaxis(values[0], axes[0], 0)
    return apply(windows_transpose_p, g, in_shape=(g.shape[0], *in_shape), **params), 0


@windows_transpose_p.jvp
def _windows_transpose_jvp(
    primals: tuple[Any], tangents: tuple[Any], **params: Any
) -> tuple[Any, Any]:
    return apply(windows_transpose_p, primals[0], **params), apply(
        windows_transpose_p, tangents[0], **params
    )


# ---------------------------------------------------------------------------------------
# Pooling (composites)


# ---------------------------------------------------------------------------------------
# max_pool: y[..., p] = max_k xpad[..., p·stride + k·dilation]   (padding holds -inf)
# VJP: max_pool_grad sends each window's cotangent to its *first* maximal element (what
# PyTorch's max_pool and XLA's select-and-scatter do), not shared among ties as
# reduce_max's would be. Both are primitives so a pooling step is one or two passes over
# the array, not the seven of windows → argmax → eq → select → reduce_sum and back.

PoolParams = dict[str, Any]


def _lowest(dtype: Any) -> Any:
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind == "f" or dtype.kind == "V" else np.iinfo(dtype).min


def _blocks(x: Any, window: Any, strides: Any, padding: Pairs, dilation: Any) -> Any:
    """The window axes as a reshape (..., o1, k1, o2, k2, ...) when the windows tile the
    trailing axes exactly (stride = window, no padding or dilation); else None."""
    d = len(window)
    sizes = x.shape[x.ndim - d :]
    if tuple(strides) != tuple(window) or any(dl != 1 for dl in dilation):
        return None
    if any(lo or hi for lo, hi in padding) or any(n % k for n, k in zip(sizes, window)):
        return None
    split = [part for n, k in zip(sizes, window) for part in (n // k, k)]
    return x.reshape(*x.shape[: x.ndim - d], *split)


def _pool_shape(x: Any, *, window: Any, strides: Any, padding: Pairs, dilation: Any) -> Type:
    t = _windows_shape(
        x, window=window, strides=strides, padding=padding, dilation=dilation, value=0.0
    )
    return Type(t.shape[: x.ndim], x.dtype, x.device)


def _max_pool_impl(
    xp: Any, x: Any, *, window: Any, strides: Any, padding: Pairs, dilation: Any
) -> Any:
    geometry = {"window": window, "strides": strides, "padding": padding, "dilation": dilation}
    d = len(window)
    blocks = _blocks(x, window, strides, padding, dilation)
    if blocks is not None:
        native = kernels.max_pool_tiled(xp, x, window)
        if native is not None:
            return native
        # elementwise maxima of strided views: NumPy's max over interleaved axes of the
        # reshape is several times slower
        offsets = itertools.product(*(range(k) for k in window))
        at = [(Ellipsis,) + tuple(i for o in off for i in (slice(None), o)) for off in offsets]
        out = blocks[at[0]].copy()
        for index in at[1:]:
            xp.maximum(out, blocks[index], out=out)
        return out
    patches = _windows_impl(xp, x, **geometry, value=_lowest(x.dtype))
    return patches.max(axis=tuple(range(x.ndim, x.ndim + d)))


max_pool_p = Primitive("max_pool", impl=_max_pool_impl, shape=_pool_shape, family="convolution")


def _max_pool_grad_shape(x: Any, y: Any, g: Any, **params: Any) -> Type:
    expected = _pool_shape(x, **params)
    for name, t in (("pooled", y), ("cotangent", g)):
        if tuple(t.shape) != tuple(expected.shape) or t.dtype != x.dtype:
            raise ValueError(
                f"max_pool_grad: the {name} {type_text(t)} must match the pooled "
                f"{type_text(expected)}"
            )
    return Type(x.shape, x.dtype, x.device)


def _max_pool_grad_impl(
    xp: Any, x: Any, y: Any, g: Any, *, window: Any, strides: Any, padding: Pairs, dilation: Any
) -> Any:
    geometry = {"window": window, "strides": strides, "padding": padding, "dilation": dilation}
    blocks = _blocks(x, window, strides, padding, dilation)
    if blocks is not None:
        native = kernels.max_pool_grad_tiled(xp, x, y, g, window)
        if native is not None:
            return native
    if blocks is not None and not bool(xp.isnan(y).any()):
        # Windows tile the input: visit the offsets in order, each window's gradient goes
        # to the first element equal to its maximum.
        # g·hit is the fastest way to write each offset's share, but inf·0 and nan·0 would
        # leak non-finite gradients into other elements: those take copyto's slower route
        finite = bool(xp.isfinite(g).all())
        out = xp.empty(blocks.shape, dtype=g.dtype) if finite else xp.zeros(blocks.shape, g.dtype)
        offsets = list(itertools.product(*(range(k) for k in window)))
        taken = None
        for n, offset in enumerate(offsets):
            at = (Ellipsis,) + tuple(i for o in offset for i in (slice(None), o))
            hit = xp.equal(blocks[at], y)
            if taken is not None:
                xp.greater(hit, taken, out=hit)  # a maximum not taken by an earlier offset
            if finite:
                xp.multiply(g, hit, out=out[at])
            else:
                xp.copyto(out[at], g, where=hit)
            if n + 1 < len(offsets):
                taken = hit if taken is None else xp.logical_or(taken, hit, out=taken)
        return out.reshape(x.shape)
    patches = _windows_impl(xp, x, **geometry, value=_lowest(x.dtype))
    k = math.prod(window)
    best = patches.reshape(*y.shape, k).argmax(axis=-1)  # the first maximum (NaN counts)
    chosen = xp.arange(k) == best[..., None]
    contrib = xp.where(chosen, g[..., None], xp.zeros((), g.dtype)).reshape(*y.shape, *window)
    return _windows_transpose_impl(xp, contrib, in_shape=x.shape, **geometry)


max_pool_grad_p = Primitive(
    "max_pool_grad", impl=_max_pool_grad_impl, shape=_max_pool_grad_shape, family="convolution"
)


def _pick_first_max(x: Any, t: Any, params: PoolParams) -> Any:
    """``t`` at each window's first maximum of ``x`` (the pooling's tangent map, and the
    adjoint of max_pool_grad in its cotangent), from general primitives."""
    d = len(params["window"])
    lowest = _lowest(x.dtype)
    px = apply(windows_p, x, value=float(lowest), **params)
    pt = apply(windows_p, t, value=0.0, **params)
    k = math.prod(params["window"])
    lead = tuple(px.shape[: px.ndim - d])
    flat_x, flat_t = ops.reshape(px, lead + (k,)), ops.reshape(pt, lead + (k,))
    best = ops.argmax(flat_x, axis=-1, keepdims=True)
    positions = make_array(np.arange(k, dtype=np.int64), device=x.device)
    chosen = ops.eq(ops.broadcast_to(positions, flat_x.shape), ops.broadcast_to(best, flat_x.shape))
    return ops.reduce_sum(ops.select(chosen, flat_t, ops.zeros_like(flat_t)), axes=(-1,))


@max_pool_p.vjp
def _max_pool_vjp(g: Any, x: Any, *, out: Any, **params: Any) -> tuple[Any]:
    return (apply(max_pool_grad_p, x, out, g, **params),)


@max_pool_p.jvp
def _max_pool_jvp(primals: tuple[Any], tangents: tuple[Any], **params: Any) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    return apply(max_pool_p, x, **params), _pick_first_max(x, t, params)


@max_pool_grad_p.vjp
def _max_pool_grad_vjp(
    c: Any, x: Any, y: Any, g: Any, *, out: Any, needs: Any = (True, True, True), **params: Any
) -> tuple[Any, Any, Any]:
    # linear in g; the choice of element is piecewise constant in x (zero derivative)
    return None, None, _pick_first_max(x, c, params) if needs[2] else None


@max_pool_grad_p.jvp
def _max_pool_grad_jvp(
    primals: tuple[Any, Any, Any], tangents: tuple[Any, Any, Any], **params: Any
) -> tuple[Any, Any]:
    x, y, g = primals
    out = apply(max_pool_grad_p, x, y, g, **params)
    tg = tangents[2]
    return out, ops.zeros_like(out) if tg is None else apply(max_pool_grad_p, x, y, tg, **params)


@max_pool_p.batch
def _max_pool_batch(values: Any, axes: Any, /, **params: Any) -> tuple[Any, int]:
    return apply(max_pool_p, batching.moveaxis(values[0], axes[0], 0), **params), 0


@max_pool_grad_p.batch
def _max_pool_grad_batch(values: Any, axes: Any, /, **params: Any) -> tuple[Any, int]:
    size = batching.batch_size(values, axes)
    x, y, g = (batching.to_axis(v, a, size, 0) for v, a in zip(values, axes))
    return apply(max_pool_grad_p, x, y, g, **params), 0


def max_pool(
    x: Any,
    window: Sequence[int],
    strides: Sequence[int] | None = None,
    padding: Sequence[Sequence[int]] | str = "VALID",
    dilation: Sequence[int] | None = None,
) -> Any:
    """Max over each window of the trailing axes (padding never wins: it holds -inf).

    The gradient goes to the first maximal element of each window only (what PyTorch's
    max_pool and XLA's select-and-scatter do), not shared among ties.
    """
    (x,) = lift("max_pool", x)
    return apply(max_pool_p, x, **_geometry(x, window, strides, padding, dilation))


def avg_pool(
    x: Any,
    window: Sequence[int],
    strides: Sequence[int] | None = None,
    padding: Sequence[Sequence[int]] | str = "VALID",
    count_include_pad: bool = True,
) -> Any:
    """Mean over each window of the trailing axes (padding counts as zeros by default,
    as in PyTorch; ``count_include_pad=False`` divides by the real elements only)."""
    d = len(window)
    patches = windows(x, window, strides, padding, value=0.0)
    axes = tuple(range(patches.ndim - d, patches.ndim))
    total = ops.reduce_sum(patches, axes=axes)
    if count_include_pad:
        return ops.div(total, float(math.prod(window)))
    ones = ops.full(x.shape[x.ndim - d :], 1, x.dtype, x.device)
    counts = ops.reduce_sum(
        ops.stop_gradient(windows(ones, window, strides, padding)), axes=tuple(range(d, 2 * d))
    )
    return ops.div(total, counts)


__all__ = ["avg_pool", "max_pool", "max_pool_grad_p", "max_pool_p", "windows", "windows_transpose"]
