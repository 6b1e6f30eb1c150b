"""Mirrors: jax.test_util.check_grads — derivatives of a function checked against finite
differences, in forward and reverse mode, to a given order (the core's check, with
JAX's signature)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
    ``args`` disagrees with finite differences."""
    _check_grads(
        lifted(f),
        list(to_values(tuple(args))),
        order=order,
        modes=tuple(modes),
        eps=1e-6 if eps is None else eps,
        atol=1e-5 if atol is None else atol,
        rtol=1e-5 if rtol is None else rtol,
    )


__all__ = ["check_grads"]
