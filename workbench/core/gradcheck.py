"""A public gradient checker: compare JVPs and VJPs with central finite differences.

Works on any function of workbench arrays (in any front end once unwrapped). Checks use
float64 and random directions, which catch far more than single-entry checks, and the
identity <vjp(g), t> = <g, jvp(t)>, which is exact up to rounding and catches
transposition slips. With ``order=2`` the derivatives are checked again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import autodiff, tree
from workbench.core import primitives as ops
from workbench.core.values import Array


class GradientCheckError(AssertionError):
    """A derivative disagrees with finite differences (or JVP with VJP)."""


def _random_like(x: Any, rng: np.random.Generator) -> Array:
    return ops.array(rng.standard_normal(tuple(x.shape)), dtype=x.dtype, device=x.device)


def _inner(xs: Sequence[Any], ys: Sequence[Any]) -> float:
    return float(
        sum(
            np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64))
            for a, b in zip(xs, ys)
        )
    )


def _float_leaves(out: Any) -> list[Any]:
    leaves, _ = tree.flatten(out)
    return [leaf for leaf in leaves if dtypes.is_float(leaf.dtype)]


def _axpy(alpha: float, t: Any, x: Any) -> Any:
    return ops.add(x, ops.mul(t, alpha)) if dtypes.is_float(x.dtype) else x


def numerical_jvp(
    fn: Callable[..., Any], args: Sequence[Any], tangents: Sequence[Any], eps: float
) -> list[np.ndarray]:
    """Central difference (f(x + eps t) - f(x - eps t)) / 2 eps, per float output."""
    plus = _float_leaves(fn(*[_axpy(eps, t, x) for x, t in zip(args, tangents)]))
    minus = _float_leaves(fn(*[_axpy(-eps, t, x) for x, t in zip(args, tangents)]))
    return [
        (np.asarray(p, np.float64) - np.asarray(m, np.float64)) / (2 * eps)
        for p, m in zip(plus, minus)
    ]


def _close(name: str, actual: Any, expected: Any, atol: float, rtol: float) -> None:
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if not np.allclose(actual, expected, atol=atol, rtol=rtol, equal_nan=False):
        err = np.max(np.abs(actual - expected)) if actual.size else 0.0
        raise GradientCheckError(
            f"{name}: derivative mismatch (max abs error {err:.3g}, atol={atol}, rtol={rtol})\n"
            f"  autodiff:    {np.array2string(actual, threshold=10)}\n"
            f"  finite diff: {np.array2string(expected, threshold=10)}"
        )


def check_grads(
    fn: Callable[..., Any],
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    seed: int = 0,
) -> None:
    """Check ``fn``'s derivatives at ``args`` against finite differences.

    Args:
        fn: a function of workbench arrays returning an array or a pytree of arrays.
        args: the point to check at (use float64 for tight tolerances).
        order: 1 checks first derivatives; 2 also checks derivatives of derivatives.
        modes: ``"fwd"`` (JVP) and/or ``"rev"`` (VJP).
        eps: the finite-difference step.
        atol, rtol: tolerances for the comparisons.
        seed: seeds the random directions.

    Raises:
        GradientCheckError: naming the mode and order that disagree, with both values.

    Example:
        >>> from workbench.core import array, ops
        >>> check_grads(ops.tanh, [array([0.3, -1.2], dtype="float64")], order=2)
    """
    rng = np.random.default_rng(seed)
    args = list(args)
    tangents = [
        _random_like(x, rng) if dtypes.is_float(x.dtype) else ops.zeros_like(x) for x in args
    ]
    numeric = numerical_jvp(fn, args, tangents, eps)
    if "fwd" in modes:
        _, out_t = autodiff.jvp(fn, tuple(args), tuple(tangents))
        for i, (a, e) in enumerate(zip(_float_leaves(out_t), numeric)):
            _close(f"jvp (order 1, output {i})", a, e, atol, rtol)
    if "rev" in modes:
        out, pullback = autodiff.vjp(fn, *args)
        flat_out, out_tree = tree.flatten(out)
        cotangents = [
            _random_like(o, rng) if dtypes.is_float(o.dtype) else ops.zeros_like(o)
            for o in flat_out
        ]
        grads = pullback(tree.unflatten(out_tree, cotangents))
        float_ct = [c for c, o in zip(cotangents, flat_out) if dtypes.is_float(o.dtype)]
        lhs = _inner(
            [g for g, x in zip(grads, args) if dtypes.is_float(x.dtype)],
            [t for t, x in zip(tangents, args) if dtypes.is_float(x.dtype)],
        )
        rhs = _inner(float_ct, numeric)
        _close("vjp (order 1): <vjp(g), t> vs <g, finite-difference jvp(t)>", lhs, rhs, atol, rtol)
        if "fwd" in modes:
            _, out_t = autodiff.jvp(fn, tuple(args), tuple(tangents))
            exact = _inner(float_ct, _float_leaves(out_t))
            _close(
                "vjp/jvp consistency: <vjp(g), t> vs <g, jvp(t)>",
                lhs,
                exact,
                atol * 1e-3 + 1e-12,
                rtol * 1e-3,
            )
    if order > 1:
        if "fwd" in modes:

            def fwd_derivative(*xs: Any) -> Any:
                return autodiff.jvp(fn, tuple(xs), tuple(tangents))[1]

            check_grads(fwd_derivative, args, order - 1, modes, eps, atol, rtol, seed + 1)
        if "rev" in modes:
            out = fn(*args)
            flat_out, out_tree = tree.flatten(out)
            cotangents = [
                _random_like(o, rng) if dtypes.is_float(o.dtype) else ops.zeros_like(o)
                for o in flat_out
            ]

            def rev_derivative(*xs: Any) -> Any:
                _, pullback = autodiff.vjp(fn, *xs)
                return [
                    g
                    for g, x in zip(pullback(tree.unflatten(out_tree, cotangents)), xs)
                    if dtypes.is_float(x.dtype)
                ]

            check_grads(rev_derivative, args, order - 1, modes, eps, atol, rtol, seed + 2)
