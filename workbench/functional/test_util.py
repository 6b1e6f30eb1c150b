"""Mirrors: jax.test_util.check_grads — derivatives of a function checked against finite
differences, in forward and reverse mode, to a given order (the core's check, with
JAX's signature)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import tree
from workbench.core.gradcheck import check_grads as _check_grads
from workbench.functional.transforms import lifted, to_values


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
) -> None:
    """Raise AssertionError (the core's GradientCheckError) where a derivative of ``f`` at
    ``args`` disagrees with finite differences. As in JAX, the step is 1e-4 and the
    tolerances follow the arguments' least precise float type (float32: 2e-3, float64:
    1e-5), so a float32 function is checked at float32's accuracy."""
    values = list(to_values(tuple(args)))
    tol = _default_tolerance(values)
    _check_grads(
        lifted(f),
        values,
        order=order,
        modes=tuple(modes),
        eps=EPS if eps is None else eps,
        atol=tol if atol is None else atol,
        rtol=tol if rtol is None else rtol,
    )


EPS = 1e-4
GRADIENT_TOLERANCE = {
    np.dtype(np.float16): 1e-2,
    dtypes.bfloat16: 1e-1,
    np.dtype(np.float32): 2e-3,
    np.dtype(np.float64): 1e-5,
}


def _default_tolerance(values: Sequence[Any]) -> float:
    floats = [v.dtype for v in tree.flatten(values)[0] if dtypes.is_float(v.dtype)]
    return max((GRADIENT_TOLERANCE.get(np.dtype(d), 1e-5) for d in floats), default=1e-5)


__all__ = ["check_grads"]
