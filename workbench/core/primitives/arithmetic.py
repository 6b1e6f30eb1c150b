"""Elementwise primitives, part two: binary arithmetic, comparisons and logic, select,
cast and stop_gradient (the family itself is in ``elementwise.py``). Operands of a
primitive have equal shapes and dtypes; the public functions lift Python scalars and
broadcast (see ``operands.py``).

Each block gives the formula and its partial derivatives in one comment line, then the
primitive (with its ufunc and its kernel expression over operands ``{0} {1}``) and its
VJP. A VJP that takes ``needs`` skips the cotangents nobody asked for. The JVPs come
from the VJPs (see ``elementwise.Elementwise``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes, kernels
from workbench.core import primitives as ops
from workbench.core.batching import batch_elementwise
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive, check_same
from workbench.core.primitives.elementwise import (
    _unary,
    nary_elementwise,
    no_gradient,
    unary_elementwise,
)
from workbench.core.primitives.operands import lift, operands
from workbench.core.values import Array

BOTH = (True, True)


def _binary(prim: Primitive) -> Callable[[Any, Any], Any]:
    def fn(x: Any, y: Any) -> Any:
        if x.__class__ is Array and y.__class__ is Array and x.shape == y.shape:
            return apply(prim, x, y)  # the eager fast path
        x, y = operands(prim.name, x, y)
        return apply(prim, x, y)

    fn.__name__ = prim.name
    fn.__doc__ = (
        f"Elementwise ``{prim.name}`` with broadcasting; Python numbers take the array's dtype."
    )
    return fn


# ---------------------------------------------------------------------------------------
# Binary arithmetic

# add:  z = x + y         ∂z/∂x = 1, ∂z/∂y = 1
add_p = nary_elementwise("add", lambda xp, x, y: xp.add(x, y), ufunc="add", fusion="({0} + {1})")
add: Callable[..., Any] = _binary(add_p)
add_p.vjp(lambda g, x, y, *, out: (g, g))

# sub:  z = x - y         ∂z/∂x = 1, ∂z/∂y = -1
sub_p = nary_elementwise(
    "sub", lambda xp, x, y: xp.subtract(x, y), ufunc="subtract", fusion="({0} - {1})"
)
sub: Callable[..., Any] = _binary(sub_p)
sub_p.vjp(lambda g, x, y, *, out, needs=BOTH: (g, ops.neg(g) if needs[1] else None))

# mul:  z = x · y         ∂z/∂x = y, ∂z/∂y = x
mul_p = nary_elementwise(
    "mul", lambda xp, x, y: xp.multiply(x, y), ufunc="multiply", fusion="({0} * {1})"
)
mul: Callable[..., Any] = _binary(mul_p)
mul_p.vjp(
    lambda g, x, y, *, out, needs=BOTH: (
        mul(g, y) if needs[0] else None,
        mul(g, x) if needs[1] else None,
    )
)

# div:  z = x / y         ∂z/∂x = 1/y, ∂z/∂y = -x/y² = -z/y
div_p = nary_elementwise(
    "div",
    lambda xp, x, y: xp.true_divide(x, y),
    dtype_kind="float",
    ufunc="true_divide",
    fusion="({0} / {1})",
)
div: Callable[..., Any] = _binary(div_p)
div_p.vjp(
    lambda g, x, y, *, out, needs=BOTH: (
        div(g, y) if needs[0] else None,
        ops.neg(div(mul(g, out), y)) if needs[1] else None,
    )
)

# rem:  z = x - trunc(x / y) y (C's fmod: the sign of x)   ∂z/∂x = 1, ∂z/∂y = -trunc(x / y)
rem_p = nary_elementwise("rem", lambda xp, x, y: xp.fmod(x, y), ufunc="fmod")
rem: Callable[..., Any] = _binary(rem_p)


def _trunc(q: Any) -> Any:
    return mul(ops.sign(q), ops.floor(ops.abs(q)))


rem_p.vjp(
    lambda g, x, y, *, out, needs=BOTH: (
        g,
        ops.neg(mul(g, _trunc(div(x, y)))) if needs[1] else None,
    )
)


# pow:  z = x^y           ∂z/∂x = y x^(y-1),  ∂z/∂y = ln(x) x^y = ln(x) z
# NOTE: at x = 0 the y-derivative uses ln(1) = 0 instead of ln(0) (JAX's convention),
# and at y = 0 the x-derivative is 0, so 0^0 gives finite gradients.
def _pow_kernel(x: str, y: str, *, known: Sequence[float | None], T: str, out: Type) -> str:  # noqa: N803
    if known[1] in (2.0, 3.0):  # multiplied out, as PyTorch does (and much quicker)
        return "(" + "*".join([x] * int(known[1])) + ")"  # type: ignore[arg-type]
    return f"pow({x}, {y})"


pow_p = nary_elementwise(
    "pow", kernels.power, dtype_kind="float", ufunc="power", fusion=_pow_kernel
)  # type: ignore[arg-type]
pow: Callable[..., Any] = _binary(pow_p)  # noqa: A001


def _pow_dx(x: Any, y: Any) -> Any:
    return ops.select(eq(y, 0), ops.zeros_like(x), mul(y, pow(x, sub(y, 1))))


def _pow_dy(x: Any, z: Any) -> Any:
    safe_x = ops.select(eq(x, 0), ops.ones_like(x), x)
    return mul(ops.log(safe_x), z)


pow_p.vjp(
    lambda g, x, y, *, out, needs=BOTH: (
        mul(g, _pow_dx(x, y)) if needs[0] else None,
        mul(g, _pow_dy(x, out)) if needs[1] else None,
    )
)

# maximum: z = max(x, y)  ∂z/∂x = [x > y] + ½[x = y]   (ties split evenly, as PyTorch/JAX)
# minimum: z = min(x, y)  ∂z/∂x = [x < y] + ½[x = y]   (the kernels keep NaN, as NumPy)
maximum_p = nary_elementwise(
    "maximum",
    lambda xp, x, y: xp.maximum(x, y),
    ufunc="maximum",
    fusion="(({0} > {1} || {0} != {0}) ? {0} : {1})",
)
minimum_p = nary_elementwise(
    "minimum",
    lambda xp, x, y: xp.minimum(x, y),
    ufunc="minimum",
    fusion="(({0} < {1} || {0} != {0}) ? {0} : {1})",
)
maximum: Callable[..., Any] = _binary(maximum_p)
minimum: Callable[..., Any] = _binary(minimum_p)


def _share(wins: Any, ties: Any, like: Any) -> Any:
    """1 where an operand wins, ½ where it ties: its share of max's or min's derivative."""
    return add(ops.cast(wins, like.dtype), mul(ops.cast(ties, like.dtype), 0.5))


maximum_p.vjp(
    lambda g, x, y, *, out, needs=BOTH: (
        mul(g, _share(gt(x, y), eq(x, y), x)) if needs[0] else None,
        mul(g, _share(gt(y, x), eq(x, y), x)) if needs[1] else None,
    )
)
minimum_p.vjp(
    lambda g, x, y, *, out, needs=BOTH: (
        mul(g, _share(lt(x, y), eq(x, y), x)) if needs[0] else None,
        mul(g, _share(lt(y, x), eq(x, y), x)) if needs[1] else None,
    )
)


# ---------------------------------------------------------------------------------------
# Comparisons and logic (boolean results: no gradient)


def _comparison(
    name: str, impl: Callable[..., Any], ufunc: str, fusion: str, kind: str = "any"
) -> Primitive:
    prim = nary_elementwise(
        name,
        impl,
        dtype_kind=kind,
        out_dtype=dtypes.bool_,
        family="comparison",
        ufunc=ufunc,
        fusion=fusion,
    )
    no_gradient(prim)
    return prim


eq_p = _comparison("eq", lambda xp, x, y: xp.equal(x, y), "equal", "({0} == {1})")
ne_p = _comparison("ne", lambda xp, x, y: xp.not_equal(x, y), "not_equal", "({0} != {1})")
lt_p = _comparison("lt", lambda xp, x, y: xp.less(x, y), "less", "({0} < {1})")
le_p = _comparison("le", lambda xp, x, y: xp.less_equal(x, y), "less_equal", "({0} <= {1})")
gt_p = _comparison("gt", lambda xp, x, y: xp.greater(x, y), "greater", "({0} > {1})")
ge_p = _comparison("ge", lambda xp, x, y: xp.greater_equal(x, y), "greater_equal", "({0} >= {1})")
eq: Callable[..., Any] = _binary(eq_p)
ne: Callable[..., Any] = _binary(ne_p)
lt: Callable[..., Any] = _binary(lt_p)
le: Callable[..., Any] = _binary(le_p)
gt: Callable[..., Any] = _binary(gt_p)
ge: Callable[..., Any] = _binary(ge_p)

logical_and_p = _comparison(
    "logical_and", lambda xp, x, y: xp.logical_and(x, y), "logical_and", "({0} && {1})", "bool"
)
logical_or_p = _comparison(
    "logical_or", lambda xp, x, y: xp.logical_or(x, y), "logical_or", "({0} || {1})", "bool"
)
logical_and, logical_or = _binary(logical_and_p), _binary(logical_or_p)

logical_not_p = unary_elementwise(
    "logical_not",
    lambda xp, x: xp.logical_not(x),
    dtype_kind="bool",
    out_dtype=dtypes.bool_,
    ufunc="logical_not",
    fusion="(!{0})",
)
logical_not: Callable[..., Any] = _unary(logical_not_p)
no_gradient(logical_not_p)

is_finite_p = unary_elementwise(
    "is_finite",
    lambda xp, x: xp.isfinite(x),
    out_dtype=dtypes.bool_,
    ufunc="isfinite",
    fusion="isfinite({0})",
)
is_finite: Callable[..., Any] = _unary(is_finite_p)
no_gradient(is_finite_p)


# ---------------------------------------------------------------------------------------
# select: z = pred ? x : y      ∂z/∂x = [pred], ∂z/∂y = [not pred]


def _select_shape(pred: Any, x: Any, y: Any) -> Type:
    if pred.dtype != dtypes.bool_:
        raise TypeError(f"select: the predicate must be bool, got {pred.dtype}")
    check_same("select", (x, y))
    if tuple(pred.shape) != tuple(x.shape) or pred.device is not x.device:
        raise ValueError(
            f"select: the predicate's shape {tuple(pred.shape)} must equal "
            f"the operands' {tuple(x.shape)}"
        )
    return Type(tuple(x.shape), x.dtype, x.device)


def _select_check(pred: Any, x: Any, y: Any) -> None:
    shape = pred.shape
    if not (
        pred.dtype == dtypes.bool_ and x.dtype == y.dtype and x.shape == shape and y.shape == shape
    ):
        _select_shape(pred, x, y)


select_p = Primitive(
    "select", impl=kernels.select, shape=_select_shape, nondiff_inputs=(0,), family="select"
)
select_p.check = _select_check
select_p.fusion = "({0} ? {1} : {2})"
select_p.batch(batch_elementwise(select_p))


def select(pred: Any, on_true: Any, on_false: Any) -> Any:
    """``where(pred, on_true, on_false)``, elementwise with broadcasting."""
    # the branches first: a Python number takes a branch's dtype, never the predicate's
    on_true, on_false, pred = operands("select", on_true, on_false, pred)
    return apply(select_p, pred, on_true, on_false)


@select_p.vjp
def _select_vjp(
    g: Any, pred: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (False, True, True)
) -> tuple[None, Any, Any]:
    zeros = ops.zeros_like(g)
    g_x = select(pred, g, zeros) if needs[1] else None
    g_y = select(pred, zeros, g) if needs[2] else None
    return None, g_x, g_y


# one select of the tangents (the VJP-derived JVP would need two and an add)
@select_p.jvp
def _select_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
    pred, x, y = primals
    _, tx, ty = tangents
    out = select(pred, x, y)
    if tx is None and ty is None:
        return out, None
    tx = ops.zeros_like(x) if tx is None else tx
    ty = ops.zeros_like(y) if ty is None else ty
    return out, select(pred, tx, ty)


# ---------------------------------------------------------------------------------------
# cast: y = x as dtype      dy/dx = 1 (cotangent cast back); integers get no gradient


def _cast_shape(x: Any, *, dtype: np.dtype) -> Type:
    dtypes.canonical(dtype)
    return Type(tuple(x.shape), dtype, x.device)


def _cast_kernel(x: str, *, known: Sequence[float | None], T: str, out: Type) -> str:  # noqa: N803
    return f"({x} != 0)" if out.dtype == dtypes.bool_ else f"(({T})({x}))"


cast_p = Primitive(
    "cast", impl=lambda xp, x, *, dtype: x.astype(dtype), shape=_cast_shape, family="cast"
)
cast_p.fusion = _cast_kernel
cast_p.batch(batch_elementwise(cast_p))


def cast(x: Any, dtype: Any) -> Any:
    """Convert to ``dtype`` (a no-op, with no equation recorded, when it already is)."""
    dtype = dtypes.canonical(dtype)
    (x,) = lift("cast", x)
    if x.dtype == dtype:
        return x
    return apply(cast_p, x, dtype=dtype)


@cast_p.vjp
def _cast_vjp(g: Any, x: Any, *, out: Any, dtype: np.dtype) -> tuple[Any]:
    return (cast(g, x.dtype) if dtypes.is_float(x.dtype) else None,)


@cast_p.jvp
def _cast_jvp(primals: tuple[Any], tangents: tuple[Any], *, dtype: np.dtype) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = cast(x, dtype)
    if not (dtypes.is_float(x.dtype) and dtypes.is_float(dtype)):
        return out, None
    return out, cast(t, dtype)


# ---------------------------------------------------------------------------------------
# stop_gradient: y = x, but no derivative flows through (the result is the input itself)

stop_gradient_p = Primitive(
    "stop_gradient",
    impl=lambda xp, x: x,
    shape=lambda x: Type(tuple(x.shape), x.dtype, x.device),
    family="stop_gradient",
)
stop_gradient_p.view = True
stop_gradient: Callable[..., Any] = _unary(stop_gradient_p)
no_gradient(stop_gradient_p)
stop_gradient_p.batch(batch_elementwise(stop_gradient_p))


__all__ = [
    "add", "cast", "div", "eq", "ge", "gt", "is_finite", "le", "logical_and", "logical_not",
    "logical_or", "lt", "maximum", "minimum", "mul", "ne", "pow", "rem", "select",
    "stop_gradient", "sub",
]  # fmt: skip
