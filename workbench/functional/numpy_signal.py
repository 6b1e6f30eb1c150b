"""``jnp.convolve``, ``jnp.correlate`` (1-d, through the core's convolution) and
``jnp.rot90``, written with the rest of jnp."""

from __future__ import annotations

from typing import Any

from workbench.backend import dtypes
from workbench.core.primitive import normalize_axes
from workbench.functional.array import Array, default_float
from workbench.functional.numpy import asarray, flip, reshape, swapaxes
from workbench.functional.numpy_more import promote_types


def rot90(m: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Array:
    """``m`` rotated by 90° k times in the plane of ``axes`` (from the first towards the
    second)."""
    a = asarray(m)
    ax0, ax1 = normalize_axes("rot90", axes, a.ndim)
    k %= 4
    if k == 0:
        return a
    if k == 2:
        return flip(flip(a, ax0), ax1)
    if k == 1:
        return swapaxes(flip(a, ax1), ax0, ax1)
    return flip(swapaxes(a, ax0, ax1), ax1)


def _convolve_1d(a: Any, v: Any, mode: str, flip_v: bool, name: str) -> Array:
    from workbench.functional import lax  # noqa: PLC0415

    x, w = asarray(a), asarray(v)
    common = promote_types(x.dtype, w.dtype)
    common = common if dtypes.is_float(common) else default_float()  # as JAX: floats
    x, w = x.astype(common), w.astype(common)
    if x.ndim != 1 or w.ndim != 1:
        raise ValueError(f"{name}() only support 1-dimensional inputs.")
    if x.shape[0] == 0 or w.shape[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty, got shapes {x.shape} and {w.shape}.")
    if x.shape[0] < w.shape[0]:  # convolution commutes: slide the shorter one
        x, w = w, x
    if flip_v:
        w = flip(w)
    n = w.shape[0]
    pads = {"valid": (0, 0), "same": (n // 2, n - n // 2 - 1), "full": (n - 1, n - 1)}
    if mode not in pads:
        raise ValueError(f"mode must be one of ['full', 'same', 'valid'], got {mode!r}")
    out = lax.conv_general_dilated(
        reshape(x, (1, 1, -1)), reshape(w, (1, 1, -1)), (1,), [pads[mode]]
    )
    return reshape(out, (-1,))


def convolve(a: Any, v: Any, mode: str = "full", *, precision: Any = None) -> Array:
    """The discrete linear convolution of two 1-d arrays. Mirrors: jnp.convolve."""
    return _convolve_1d(a, v, mode, True, "convolve")


def correlate(a: Any, v: Any, mode: str = "valid", *, precision: Any = None) -> Array:
    """The cross-correlation of two 1-d arrays. Mirrors: jnp.correlate."""
    x, w = asarray(a), asarray(v)
    common = promote_types(x.dtype, w.dtype)
    common = common if dtypes.is_float(common) else default_float()  # as JAX: floats
    x, w = x.astype(common), w.astype(common)
    if x.shape[0] < w.shape[0]:  # NumPy reverses the result when it swaps the operands
        return flip(_convolve_1d(w, x, mode, False, "correlate"))
    return _convolve_1d(x, w, mode, False, "correlate")


__all__ = ["convolve", "correlate", "rot90"]
