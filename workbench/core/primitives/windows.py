"""Windows of an array: ``windows`` (im2col) gathers every window of the trailing axes
into new trailing axes, ``windows_transpose`` (col2im) adds them back, and pooling is
built from them (max and average over each window)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

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
    d = len(window)
    strides = tuple(int(s) for s in strides) if strides is not None else (1,) * d
    dilation = tuple(int(s) for s in dilation) if dilation is not None else (1,) * d
    pads = conv_padding(padding, x.shape[x.ndim - d :], window, strides, dilation)
    return apply(
        windows_p,
        x,
        window=tuple(int(k) for k in window),
        strides=strides,
        padding=pads,
        dilation=dilation,
        value=float(value),
    )


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


def max_pool(
    x: Any,
    window: Sequence[int],
    strides: Sequence[int] | None = None,
    padding: Sequence[Sequence[int]] | str = "VALID",
    dilation: Sequence[int] | None = None,
) -> Any:
    """Max over each window of the trailing axes.

    NOTE: the gradient goes to the first maximal element of each window only (what
    PyTorch's max_pool and XLA's select-and-scatter do), so it is written as
    argmax + select rather than reduce_max, which would share it among ties.
    """
    d = len(window)
    patches = windows(x, window, strides, padding, dilation, value=-np.inf)
    k = math.prod(window)
    flat = ops.reshape(patches, tuple(patches.shape[: patches.ndim - d]) + (k,))
    best = ops.argmax(flat, axis=-1, keepdims=True)
    positions = make_array(np.arange(k, dtype=np.int64), device=x.device)
    chosen = ops.eq(ops.broadcast_to(positions, flat.shape), ops.broadcast_to(best, flat.shape))
    picked = ops.select(chosen, flat, ops.zeros_like(flat))
    return ops.reduce_sum(picked, axes=(-1,))


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


__all__ = ["avg_pool", "max_pool", "windows", "windows_transpose"]
