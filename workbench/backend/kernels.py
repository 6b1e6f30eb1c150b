"""Array routines whose spelling differs between NumPy and CuPy.

Primitive implementations are written against ``xp``; the few calls that are not the
same in both modules are here, each taking ``xp`` first.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np


@functools.cache
def _host_erf() -> Any:
    try:
        from scipy import special  # noqa: PLC0415 - optional accelerator

        return special.erf
    except ImportError:
        # math.erf is correctly rounded by the C library; slower, but exact.
        return np.frompyfunc(math.erf, 1, 1)


def erf(xp: Any, x: Any) -> Any:
    """The error function, elementwise, keeping the input dtype."""
    if xp is np:
        return np.asarray(_host_erf()(x), dtype=x.dtype)
    from cupyx.scipy import special  # noqa: PLC0415

    return special.erf(x)


def scatter_add(xp: Any, out: Any, key: tuple[Any, ...], updates: Any) -> None:
    """``out[key] += updates`` where repeated indices accumulate (unbuffered).

    NumPy and CuPy (13 and later) spell it the same way.
    """
    xp.add.at(out, key, updates)


def as_strided(xp: Any, x: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    """A read-only strided view of ``x`` (the window extraction under conv and pooling)."""
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)
