"""Neural-network kernels: N-d convolution.

``conv`` works on (N, C, *spatial) inputs and (O, C/groups, *window) kernels, with
strides, (lo, hi) padding, input dilation (``lhs_dilation``), kernel dilation
(``rhs_dilation``) and feature groups. Its VJPs are convolutions again (the formulas of
XLA's transposed convolutions). Window extraction (im2col) and pooling are in
``windows.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend import kernels
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, check_dtype, type_text
from workbench.core.primitives.linalg import _mm
from workbench.core.primitives.operands import lift
from workbench.core.primitives.slicing import _pad_impl

Pairs = tuple[tuple[int, int], ...]


def _dilate(sizes: Sequence[int], dilation: Sequence[int]) -> list[int]:
    return [0 if s == 0 else 1 + d * (s - 1) for s, d in zip(sizes, dilation)]


def _conv_out_spatial(
    in_spatial: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    padding: Pairs,
    lhs_dilation: Sequence[int],
    rhs_dilation: Sequence[int],
) -> list[int]:
    padded = [d + lo + hi for d, (lo, hi) in zip(_dilate(in_spatial, lhs_dilation), padding)]
    span = _dilate(window, rhs_dilation)
    return [(p - s) // st + 1 if p >= s else 0 for p, s, st in zip(padded, span, strides)]


def _windows_view(
    xp: Any,
    x: Any,
    window: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
    out: Sequence[int],
) -> Any:
    """A strided view (..., *out, *window) of the trailing axes of ``x``."""
    d = len(window)
    lead_strides = x.strides[: x.ndim - d]
    axis_strides = x.strides[x.ndim - d :]
    shape = tuple(x.shape[: x.ndim - d]) + tuple(out) + tuple(window)
    strides_ = (
        tuple(lead_strides)
        + tuple(s * st for s, st in zip(axis_strides, strides))
        + tuple(s * dl for s, dl in zip(axis_strides, dilation))
    )
    return kernels.as_strided(xp, x, shape, strides_)


# ---------------------------------------------------------------------------------------
# conv: y[n,o,p] = Σ_{c in group(o), k} xpad[n, c, p·stride + k·dilation] · w[o, c, k]
# VJP wrt x: a convolution of g with the flipped, regrouped kernel (input dilated by the
# strides); VJP wrt w: a convolution of x with g acting as the kernel, per group.


def _conv_shape(
    x: Any,
    w: Any,
    *,
    strides: tuple[int, ...],
    padding: Pairs,
    lhs_dilation: tuple[int, ...],
    rhs_dilation: tuple[int, ...],
    groups: int,
) -> Type:
    d = len(strides)
    check_dtype("conv", x, "float")
    if x.dtype != w.dtype or x.device is not w.device:
        raise TypeError(
            f"conv: input {type_text(x)} on {x.device} and kernel {type_text(w)} on {w.device} "
            "must share dtype and device"
        )
    if x.ndim != d + 2 or w.ndim != d + 2:
        raise ValueError(
            f"conv: a {d}-d convolution needs input (N, C, {d} spatial) and kernel "
            f"(O, C/groups, {d} window), "
            f"got {type_text(x)} and {type_text(w)}"
        )
    if x.shape[1] != w.shape[1] * groups or w.shape[0] % groups:
        raise ValueError(
            f"conv: input channels {x.shape[1]} must equal kernel in-channels {w.shape[1]} "
            f"x groups {groups}, and out-channels {w.shape[0]} must divide by groups "
            f"(input {type_text(x)}, kernel {type_text(w)})"
        )
    out = _conv_out_spatial(x.shape[2:], w.shape[2:], strides, padding, lhs_dilation, rhs_dilation)
    if any(o <= 0 for o in out):
        raise ValueError(
            f"conv: the kernel {tuple(w.shape[2:])} is larger than the padded input "
            f"{tuple(x.shape[2:])}"
        )
    return Type((x.shape[0], w.shape[0], *out), x.dtype, x.device)


def unit_windows(strides: Any, lhs_dilation: Any, rhs_dilation: Any, groups: int) -> bool:
    # one group, unit strides and dilations: where the product routes below apply
    return groups == 1 and all(v == 1 for v in (*strides, *lhs_dilation, *rhs_dilation))


def _conv_impl(
    xp: Any,
    x: Any,
    w: Any,
    *,
    strides: Any,
    padding: Pairs,
    lhs_dilation: Any,
    rhs_dilation: Any,
    groups: int,
    keep: Any = None,
) -> Any:
    """The convolution, by the cheapest of its routes for these operands' shapes and
    memory; ``keep`` (a plan's, see ``conv_plans``) receives the general route's im2col
    rows as ``keep.rows`` for the weight gradient to reuse."""
    d = len(strides)
    channels_last = _channels_last(x)
    if unit_windows(strides, lhs_dilation, rhs_dilation, groups) and xp is np:
        spatial = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding)]
        out = [n - k + 1 for n, k in zip(spatial, w.shape[2:])]
        lead = (1, *range(2, 2 + d), 0)
        gradient_last = xp.transpose(w, lead).flags.c_contiguous
        if (
            all(o > 0 for o in out)
            and math.prod(out) < math.prod(w.shape[2:])
            and x.shape[0] * math.prod(out) <= 32
            and xp.swapaxes(w, 0, 1).flags.c_contiguous
            and all(lo >= 0 and hi >= 0 for lo, hi in padding)
        ):
            return _conv_by_image_gradients(xp, x, w, padding, out)
        if (
            all(o > 0 for o in out)
            and math.prod(out) < math.prod(w.shape[2:])
            and (gradient_last or x.shape[0] >= 8)  # one input channel: the other route
        ):
            return _conv_by_output_windows(xp, x, w, padding, out)
        if (
            d == 2
            and w.shape[0] < w.shape[1]
            and math.prod(w.shape[2:]) <= math.prod(out)  # windows, not a weight gradient
            and all(0 <= p <= k - 1 for pair, k in zip(padding, w.shape[2:]) for p in pair)
        ):
            res = _conv_by_input_products(xp, x, w, padding, out, channels_last)
            if res is not None:
                return res
        if (
            not channels_last
            and w.shape[1] * math.prod(w.shape[2:]) <= 32
            and all(lo >= 0 and hi >= 0 for lo, hi in padding)
        ):
            return _conv_by_image_products(xp, x, w, padding, out)
    # Channels last, so each im2col row is made of contiguous runs of channels: one copy
    # of the input, one im2col buffer (N·out, k·C) per group, one matrix product per group.
    # (A tensordot over the (N, C, *out, *k) view gathered element by element: 2-3x slower.)
    if all(ld == 1 and lo >= 0 and hi >= 0 for (lo, hi), ld in zip(padding, lhs_dilation)):
        xl = _padded_channels_last(xp, x, padding)  # (N, *padded spatial, C)
    else:
        config = ((0, 0, 0), (0, 0, 0)) + tuple(
            (lo, hi, ld - 1) for (lo, hi), ld in zip(padding, lhs_dilation)
        )
        xl = xp.ascontiguousarray(xp.moveaxis(_pad_impl(xp, x, config=config), 1, -1))
    out = _conv_out_spatial(
        xl.shape[1:-1], w.shape[2:], strides, ((0, 0),) * d, (1,) * d, rhs_dilation
    )
    window = tuple(w.shape[2:])
    lead, sp, sc = xl.strides[0], xl.strides[1:-1], xl.strides[-1]
    patches = kernels.as_strided(
        xp,
        xl,
        (xl.shape[0], *out, *window, xl.shape[-1]),
        (
            lead,
            *(s * st for s, st in zip(sp, strides)),
            *(s * dl for s, dl in zip(sp, rhs_dilation)),
            sc,
        ),
    )  # (N, *out, *window, C)
    wl = xp.moveaxis(w, 1, -1)  # (O, *window, C/groups)
    rows = x.shape[0] * math.prod(out)
    c_group, o_group = w.shape[1], w.shape[0] // groups
    results = []
    for g in range(groups):
        p = patches if groups == 1 else patches[..., g * c_group : (g + 1) * c_group]
        k = wl if groups == 1 else wl[g * o_group : (g + 1) * o_group]
        cols = p.reshape(rows, -1)  # the im2col rows: (N·out, k·C/g)
        if keep is not None and groups == 1:
            keep.rows = cols
        results.append(_mm(xp, cols, k.reshape(o_group, -1).T))  # (N·out, O/g)
    res = results[0] if groups == 1 else xp.concatenate(results, axis=-1)
    res = xp.moveaxis(res.reshape(x.shape[0], *out, w.shape[0]), -1, 1)
    return res if channels_last else xp.ascontiguousarray(res)


def _conv_by_image_products(xp: Any, x: Any, w: Any, padding: Pairs, out: list[int]) -> Any:
    """A convolution of few input channels (a first layer: C·K of at most 32) in
    (N, C, *S) memory, as one product per image of the kernel (O, C·K) with the image's
    windows (C·K, *out): the result comes out (N, O, *out) as it is wanted. The general
    route's product gives (N·out, O) rows that must then be transposed, a copy larger
    than all the arithmetic here (64 MNIST images to 32 channels: 3.0 -> 0.7 ms)."""
    if any(lo or hi for lo, hi in padding):
        x = xp.pad(x, ((0, 0), (0, 0), *padding))
    window = tuple(w.shape[2:])
    lead, sp = x.strides[:2], x.strides[2:]
    view = kernels.as_strided(
        xp, x, (*x.shape[:2], *window, *out), (*lead, *sp, *sp)
    )  # (N, C, *K, *out)
    n, c = x.shape[:2]
    cols = view.reshape(n, c * math.prod(window), math.prod(out))
    res = xp.matmul(w.reshape(w.shape[0], -1), cols)  # (N, O, out)
    return res.reshape(n, w.shape[0], *out)


def _conv_by_image_gradients(xp: Any, x: Any, w: Any, padding: Pairs, out: list[int]) -> Any:
    """The weight gradient of a layer with few input channels (C·out of at most 32, a
    first layer's): the activations ``x`` (C, N, *S) against the output gradient ``w``
    (O, N, *S_g) in (N, O, *S_g) memory, where each image's gradient is already an
    (O, S_g) matrix. One product per image of that matrix with the image's windows
    (S_g, C·out), summed over the images. The other routes first lay the gradient out
    with the batch innermost, a transposing copy larger than all the arithmetic here
    (64 MNIST images, 32 channels: 2.6 -> 0.8 ms)."""
    if any(lo or hi for lo, hi in padding):
        x = xp.pad(x, ((0, 0), (0, 0), *padding))
    window = tuple(w.shape[2:])
    c, n = x.shape[:2]
    sp = x.strides[2:]
    view = kernels.as_strided(
        xp, x, (n, c, *out, *window), (x.strides[1], x.strides[0], *sp, *sp)
    )  # (N, C, *out, *S_g): for each kernel position, the activations it saw
    cols = view.reshape(n, c * math.prod(out), math.prod(window))
    grads = xp.swapaxes(w, 0, 1).reshape(n, w.shape[0], math.prod(window))  # a view
    res = _mm(xp, grads, xp.swapaxes(cols, 1, 2)).sum(axis=0)  # (O, C·out)
    return xp.ascontiguousarray(xp.swapaxes(res.reshape(w.shape[0], c, *out), 0, 1))


def _padded_channels_last(xp: Any, x: Any, padding: Pairs) -> Any:
    """``x`` (N, C, *S), zero-padded by the (lo, hi) pairs (none negative), as a fresh
    C-contiguous (N, *S', C) array: padding and the move to channels last in one pass
    over the data, where padding first copies it twice (the 64x32x14x14 input of a
    3x3 convolution: 0.71 -> 0.27 ms). Only the border is zeroed."""
    n, c, *size = x.shape
    res = xp.empty((n, *(s + lo + hi for s, (lo, hi) in zip(size, padding)), c), x.dtype)
    for axis, (s, (lo, _)) in enumerate(zip(size, padding), start=1):
        edge = [slice(None)] * res.ndim
        edge[axis] = slice(0, lo)
        res[tuple(edge)] = 0
        edge[axis] = slice(lo + s, None)
        res[tuple(edge)] = 0
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, padding))
    res[(slice(None),) + inner] = xp.moveaxis(x, 1, -1)
    return res


def _channels_last(x: Any) -> bool:
    """Whether ``x`` (N, C, *S) lies in memory as (N, *S, C), as TensorFlow's arrays do
    (PyTorch's channels_last). A convolution then gives its result in that layout too, as
    PyTorch does, instead of copying it to (N, C, *S) for the caller to copy back."""
    return x.ndim >= 3 and x.strides[1] == x.itemsize and np.moveaxis(x, 1, -1).flags.c_contiguous


def _conv_by_output_windows(xp: Any, x: Any, w: Any, padding: Pairs, out: list[int]) -> Any:
    """A convolution whose output is smaller than its kernel — a weight gradient: the
    activations ``x`` (C_in, N, *S) against the output gradient ``w`` (C_out, N, *K)
    give (C_in, C_out, *out) — computed as a careful NumPy programmer computes a weight
    gradient: one im2col of the activations with the *output* as the window, rows
    (n, *k), then one product with the gradient laid out (n, *k, C_out). Both are reads of
    channels-last memory: free when the activations and the gradient are NHWC already
    (TensorFlow's layout), one copy each otherwise, where the general route moves the
    contracted batch axis innermost and gathers from it element by element."""
    lead = (1, *range(2, 2 + len(out)), 0)  # (N, *S, C_in)
    if all(lo >= 0 and hi >= 0 for lo, hi in padding):
        xl = _padded_channels_last(xp, xp.swapaxes(x, 0, 1), padding)
    else:
        xl = xp.transpose(x, lead)
        pads = ((0, 0, 0), *((lo, hi, 0) for lo, hi in padding), (0, 0, 0))
        xl = xp.ascontiguousarray(_pad_impl(xp, xl, config=pads))
    window = tuple(w.shape[2:])
    n, sp, sc = xl.strides[0], xl.strides[1:-1], xl.strides[-1]
    patches = kernels.as_strided(
        xp, xl, (xl.shape[0], *window, *out, xl.shape[-1]), (n, *sp, *sp, sc)
    )  # (N, *K, *out, C_in): for each output gradient position, the activations it saw
    rows = xl.shape[0] * math.prod(window)
    return window_products(xp, patches.reshape(rows, -1), w, x.shape[0], out)


def window_products(xp: Any, cols: Any, w: Any, channels: int, out: Sequence[int]) -> Any:
    """A weight gradient from the activations' im2col rows ``cols`` (N·K, out·C), which
    are the forward convolution's own, and the output gradient ``w`` (C_out, N, *K):
    one product, (C, C_out, *out)."""
    lead = (1, *range(2, 2 + len(out)), 0)  # (N, *K, C_out)
    grads = xp.ascontiguousarray(xp.transpose(w, lead)).reshape(cols.shape[0], w.shape[0])
    res = _mm(xp, cols.T, grads).reshape(*out, channels, w.shape[0])  # (*out, C, C_out)
    return xp.ascontiguousarray(xp.moveaxis(res, (-2, -1), (0, 1)))


def _conv_by_input_products(
    xp: Any, x: Any, w: Any, padding: Pairs, out: list[int], channels_last: bool
) -> Any | None:
    """A 2-d convolution with fewer output than input channels (an input gradient, a
    transposed convolution) computed as a careful NumPy programmer computes an input
    gradient: every input position's products with the whole kernel, (N·S, C) against
    (C, K·O), then each product added back to the output position it reaches (col2im).
    Its buffer holds K·O numbers per position where im2col's holds K·C. Needs padding of
    at most the window less one on each side; None without the native col2im."""
    n, c = x.shape[:2]
    window = tuple(w.shape[2:])
    xl = xp.ascontiguousarray(xp.moveaxis(x, 1, -1)).reshape(-1, c)  # (N·S, C)
    wk = xp.ascontiguousarray(xp.moveaxis(w, 0, -1)).reshape(c, -1)  # (C, K·O)
    acc = kernels.col2im_2d(xp, _mm(xp, xl, wk), n, x.shape[2:], window, w.shape[0])
    if acc is None:
        return None
    # acc[u] gathers input s with window offset q at u = s + k - 1 - q; output p is at
    # u = p + k - 1 - lo
    index = tuple(slice(k - 1 - lo, k - 1 - lo + m) for (lo, _), k, m in zip(padding, window, out))
    cropped = acc[(slice(None),) + index]
    if channels_last:
        return xp.moveaxis(xp.ascontiguousarray(cropped), -1, 1)
    return xp.ascontiguousarray(xp.moveaxis(cropped, -1, 1))


conv_p = Primitive("conv", impl=_conv_impl, shape=_conv_shape, family="convolution")


def conv(
    x: Any,
    w: Any,
    strides: Sequence[int] | None = None,
    padding: Sequence[Sequence[int]] | str = "VALID",
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    groups: int = 1,
) -> Any:
    """N-d convolution (really cross-correlation, as in every framework).

    Args:
        x: input (N, C, *spatial).
        w: kernel (O, C // groups, *window).
        strides: window step per spatial axis (default 1).
        padding: ``"VALID"``, ``"SAME"`` or one (lo, hi) pair per spatial axis.
        lhs_dilation: input dilation (the transposed convolution's stride).
        rhs_dilation: kernel dilation.
        groups: feature groups (``groups == C`` is a depthwise convolution).
    """
    x, w = lift("conv", x, w)
    d = x.ndim - 2
    strides = tuple(strides) if strides is not None else (1,) * d
    lhs_dilation = tuple(lhs_dilation) if lhs_dilation is not None else (1,) * d
    rhs_dilation = tuple(rhs_dilation) if rhs_dilation is not None else (1,) * d
    pads = conv_padding(padding, x.shape[2:], w.shape[2:], strides, rhs_dilation)
    return apply(
        conv_p,
        x,
        w,
        strides=tuple(int(s) for s in strides),
        padding=pads,
        lhs_dilation=tuple(int(s) for s in lhs_dilation),
        rhs_dilation=tuple(int(s) for s in rhs_dilation),
        groups=int(groups),
    )


def conv_padding(
    padding: Any,
    in_spatial: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
) -> Pairs:
    """Resolve ``"VALID"``/``"SAME"`` (TensorFlow's rule: extra padding goes at the end)."""
    if isinstance(padding, str):
        if padding.upper() == "VALID":
            return ((0, 0),) * len(window)
        if padding.upper() == "SAME":
            pads = []
            for n, k, s, dl in zip(in_spatial, window, strides, dilation):
                out = -(-n // s)
                total = max((out - 1) * s + (k - 1) * dl + 1 - n, 0)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(
            f"conv: padding must be 'VALID', 'SAME' or (lo, hi) pairs, got {padding!r}"
        )
    return tuple((int(lo), int(hi)) for lo, hi in padding)


def _lhs_padding(
    in_spatial: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    out_spatial: Sequence[int],
    padding: Pairs,
    lhs_dilation: Sequence[int],
    rhs_dilation: Sequence[int],
) -> Pairs:
    lhs_d = _dilate(in_spatial, lhs_dilation)
    rhs_d = _dilate(window, rhs_dilation)
    out_d = _dilate(out_spatial, strides)
    before = [r - lo - 1 for r, (lo, _) in zip(rhs_d, padding)]
    after = [n + r - 1 - o - b for n, r, o, b in zip(lhs_d, rhs_d, out_d, before)]
    return tuple(zip(before, after))


def _rhs_padding(
    in_spatial: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    out_spatial: Sequence[int],
    padding: Pairs,
    lhs_dilation: Sequence[int],
    rhs_dilation: Sequence[int],
) -> Pairs:
    lhs_d = _dilate(in_spatial, lhs_dilation)
    rhs_d = _dilate(window, rhs_dilation)
    out_d = _dilate(out_spatial, strides)
    his = [(o - n) + (r - lo - 1) for o, n, r, (lo, _) in zip(out_d, lhs_d, rhs_d, padding)]
    return tuple((lo, hi) for (lo, _), hi in zip(padding, his))


@conv_p.vjp
def _conv_vjp(
    g: Any,
    x: Any,
    w: Any,
    *,
    out: Any,
    strides: Any,
    padding: Pairs,
    lhs_dilation: Any,
    rhs_dilation: Any,
    groups: int,
    needs: tuple[bool, ...] = (True, True),
) -> tuple[Any, Any]:
    gx = gw = None
    if needs[0]:
        gx = _conv_vjp_input(g, x, w, strides, padding, lhs_dilation, rhs_dilation, groups)
    if needs[1]:
        gw = _conv_vjp_kernel(g, x, w, strides, padding, lhs_dilation, rhs_dilation, groups)
    return gx, gw


def _conv_vjp_input(
    g: Any,
    x: Any,
    w: Any,
    strides: Any,
    padding: Pairs,
    lhs_dilation: Any,
    rhs_dilation: Any,
    groups: int,
) -> Any:
    d = len(strides)
    spatial = list(range(2, 2 + d))
    in_sp, win, out_sp = x.shape[2:], w.shape[2:], g.shape[2:]
    o_group, c_group = w.shape[0] // groups, w.shape[1]
    # x: regroup w (O, C/G, k) -> (C, O/G, k), flip the window, and convolve g with it.
    w_t = ops.reshape(w, (groups, o_group, c_group, *win))
    w_t = ops.transpose(w_t, [0, 2, 1] + [a + 1 for a in spatial])
    w_t = ops.flip(ops.reshape(w_t, (groups * c_group, o_group, *win)), spatial)
    gx = conv(
        g,
        w_t,
        strides=lhs_dilation,
        padding=_lhs_padding(in_sp, win, strides, out_sp, padding, lhs_dilation, rhs_dilation),
        lhs_dilation=strides,
        rhs_dilation=rhs_dilation,
        groups=groups,
    )
    return gx


def _conv_vjp_kernel(
    g: Any,
    x: Any,
    w: Any,
    strides: Any,
    padding: Pairs,
    lhs_dilation: Any,
    rhs_dilation: Any,
    groups: int,
) -> Any:
    d = len(strides)
    spatial = list(range(2, 2 + d))
    in_sp, win, out_sp = x.shape[2:], w.shape[2:], g.shape[2:]
    o_group, c_group = w.shape[0] // groups, w.shape[1]
    # w: per group, channels of x act as the batch and the batch as channels.
    pads = _rhs_padding(in_sp, win, strides, out_sp, padding, lhs_dilation, rhs_dilation)
    pieces = []
    swap = [1, 0] + spatial
    for k in range(groups):
        xg = ops.slice(x, [0, k * c_group] + [0] * d, [x.shape[0], (k + 1) * c_group, *in_sp])
        gg = ops.slice(g, [0, k * o_group] + [0] * d, [g.shape[0], (k + 1) * o_group, *out_sp])
        r = conv(
            ops.transpose(xg, swap),
            ops.transpose(gg, swap),
            strides=rhs_dilation,
            padding=pads,
            lhs_dilation=lhs_dilation,
            rhs_dilation=strides,
        )
        pieces.append(ops.transpose(r, swap))
    return ops.concatenate(pieces, 0)


def conv_transpose(
    x: Any,
    w: Any,
    strides: Sequence[int] | None = None,
    padding: Sequence[Sequence[int]] | None = None,
    output_padding: Sequence[int] | None = None,
    groups: int = 1,
    dilation: Sequence[int] | None = None,
) -> Any:
    """The transposed convolution (PyTorch's ``conv_transpose``): the gradient of ``conv``
    with respect to its input, used as a layer.

    Args:
        x: input (N, C_in, *spatial).
        w: kernel (C_in, C_out // groups, *window), PyTorch's layout for this layer.
        strides: the forward convolution's strides (the input is dilated by them).
        padding: (lo, hi) per axis removed from the output (default none).
        output_padding: extra size added at the high end of each axis.
        groups: feature groups.
        dilation: kernel dilation.
    """
    x, w = lift("conv_transpose", x, w)
    d = x.ndim - 2
    strides = tuple(strides) if strides is not None else (1,) * d
    dilation = tuple(dilation) if dilation is not None else (1,) * d
    padding = tuple(tuple(p) for p in padding) if padding is not None else ((0, 0),) * d
    output_padding = tuple(output_padding) if output_padding is not None else (0,) * d
    win = w.shape[2:]
    c_in, c_out_group = w.shape[0], w.shape[1]
    # Regroup (C_in, C_out/G, k) -> (C_out, C_in/G, k) and flip: the forward conv's kernel.
    k = ops.reshape(w, (groups, c_in // groups, c_out_group, *win))
    k = ops.transpose(k, [0, 2, 1] + list(range(3, 3 + d)))
    k = ops.flip(ops.reshape(k, (groups * c_out_group, c_in // groups, *win)), range(2, 2 + d))
    span = [(n - 1) * dl for n, dl in zip(win, dilation)]
    pads = [(s - lo, s - hi + op) for s, (lo, hi), op in zip(span, padding, output_padding)]
    return conv(x, k, padding=pads, lhs_dilation=strides, rhs_dilation=dilation, groups=groups)


# Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw)
@conv_p.jvp
def _conv_jvp(
    primals: tuple[Any, Any], tangents: tuple[Any, Any], **params: Any
) -> tuple[Any, Any]:
    (x, w), (tx, tw) = primals, tangents
    out = apply(conv_p, x, w, **params)
    terms = []
    if tx is not None:
        terms.append(apply(conv_p, tx, w, **params))
    if tw is not None:
        terms.append(apply(conv_p, x, tw, **params))
    return out, terms[0] if len(terms) == 1 else ops.add(*terms)


# Batched input: fold the batch into N. Batched kernels: fold the batch into the output
# channels (group-major, so groups stay contiguous). Both: fold it into the feature
# groups, one group of channels per example.
@conv_p.batch
def _conv_batch(values: Any, axes: Any, /, **params: Any) -> tuple[Any, int]:
    (x, w), (ax, aw) = values, axes
    groups = params["groups"]
    if aw is None:
        x = batching.moveaxis(x, ax, 0)
        size, n = x.shape[0], x.shape[1]
        out = apply(conv_p, ops.reshape(x, (size * n, *x.shape[2:])), w, **params)
        return ops.reshape(out, (size, n, *out.shape[1:])), 0
    w = batching.moveaxis(w, aw, 0)
    size, o = w.shape[0], w.shape[1]
    if ax is None:
        o_group = o // groups
        k = ops.reshape(w, (size, groups, o_group, *w.shape[2:]))
        k = ops.transpose(k, [1, 0, 2, *range(3, k.ndim)])
        out = apply(conv_p, x, ops.reshape(k, (groups * size * o_group, *w.shape[2:])), **params)
        sp = out.shape[2:]
        out = ops.reshape(out, (out.shape[0], groups, size, o_group, *sp))
        out = ops.transpose(out, [0, 2, 1, 3, *range(4, out.ndim)])
        return ops.reshape(out, (out.shape[0], size, o, *sp)), 1
    x = batching.moveaxis(x, ax, 1)  # (N, B, C, ...)
    x = ops.reshape(x, (x.shape[0], size * x.shape[2], *x.shape[3:]))
    k = ops.reshape(w, (size * o, *w.shape[2:]))
    out = apply(conv_p, x, k, **{**params, "groups": size * groups})
    return ops.reshape(out, (out.shape[0], size, o, *out.shape[2:])), 1
