"""``jax.scipy.signal``: N-dimensional convolution and correlation (``convolve``,
``correlate``, ``convolve2d``, ``correlate2d``) with SciPy's modes, through the core's
convolution — so they differentiate and run under ``jit``. Mirrors: jax.scipy.signal."""

from __future__ import annotations

from typing import Any

from workbench.backend import dtypes
from workbench.functional import lax
from workbench.functional import numpy as jnp
from workbench.functional.array import Array, default_float


def _correlate_nd(in1: Any, in2: Any, mode: str, flip: bool, name: str) -> Array:
    a, k = jnp.asarray(in1), jnp.asarray(in2)
    if a.ndim != k.ndim:
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be one of ['full', 'same', 'valid'], got {mode!r}")
    common = jnp.promote_types(a.dtype, k.dtype)
    common = common if dtypes.is_float(common) else default_float()
    a, k = a.astype(common), k.astype(common)
    swap = mode == "valid" and all(x <= y for x, y in zip(a.shape, k.shape)) and a.shape != k.shape
    if mode == "valid" and not swap and not all(x >= y for x, y in zip(a.shape, k.shape)):
        raise ValueError(
            f"{name}: for 'valid' mode, one must be at least as large as the other in every "
            "dimension"
        )
    if swap:  # SciPy slides the smaller over the larger
        a, k = k, a
        flip_back = not flip  # correlate(a, k) with roles swapped is reversed
    else:
        flip_back = False
    if flip:
        k = jnp.flip(k)
    if mode == "full":
        padding = [(s - 1, s - 1) for s in k.shape]
    elif mode == "same":  # the centre of the full result, as SciPy cuts it
        padding = [(s // 2, s - 1 - s // 2) for s in k.shape]
    else:
        padding = [(0, 0)] * k.ndim
    out = lax.conv_general_dilated(a[None, None], k[None, None], (1,) * a.ndim, padding)[0, 0]
    return jnp.flip(out) if flip_back else out


def convolve(
    in1: Any, in2: Any, mode: str = "full", method: str = "auto", precision: Any = None
) -> Array:  # noqa: E501
    """The N-d convolution of ``in1`` with ``in2``. Mirrors: jax.scipy.signal.convolve."""
    return _correlate_nd(in1, in2, mode, True, "convolve")


def correlate(
    in1: Any, in2: Any, mode: str = "full", method: str = "auto", precision: Any = None
) -> Array:  # noqa: E501
    """The N-d cross-correlation. Mirrors: jax.scipy.signal.correlate."""
    return _correlate_nd(in1, in2, mode, False, "correlate")


def _two_d(nd: Any, name: str) -> Any:
    def fn(
        in1: Any,
        in2: Any,
        mode: str = "full",
        boundary: str = "fill",
        fillvalue: float = 0,
        precision: Any = None,
    ) -> Array:
        if boundary != "fill" or fillvalue != 0:
            raise NotImplementedError(f"{name}: only boundary='fill' with fillvalue=0")
        if jnp.ndim(in1) != 2 or jnp.ndim(in2) != 2:
            raise ValueError(f"{name}() only supports 2-dimensional inputs.")
        return nd(in1, in2, mode)  # type: ignore[no-any-return]

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"The 2-d {nd.__name__} (zero fill beyond the edges). Mirrors: jax.scipy.signal.{name}."  # noqa: E501
    )
    return fn


convolve2d = _two_d(convolve, "convolve2d")
correlate2d = _two_d(correlate, "correlate2d")


__all__ = ["convolve", "convolve2d", "correlate", "correlate2d"]
