"""Elementwise primitives: unary math, binary arithmetic, comparisons, logic, select,
cast and stop_gradient. Operands of a primitive have equal shapes and dtypes; the
public functions lift Python scalars and broadcast (see ``operands.py``).

Each block gives the formula and its derivative in one comment line, then the rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.backend import dtypes, kernels
from workbench.core import batching, ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import (
    Primitive,
    check_dtype,
    nary_elementwise,
    unary_elementwise,
)
from workbench.core.primitives.operands import lift, operands
from workbench.core.values import Array


def _with_derivative(prim: Primitive, derivative: Callable[[Any, Any], Any]) -> None:
    """Register VJP ``g * f'(x)`` and JVP ``t * f'(x)`` from ``f'(x)`` given as
    ``derivative(x, y)`` (``y = f(x)`` is handed in so rules can reuse it)."""

    @prim.vjp
    def _vjp(g: Any, x: Any, *, out: Any) -> tuple[Any]:
        return (ops.mul(g, derivative(x, out)),)

    @prim.jvp
    def _jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        y = apply(prim, x)
        return y, ops.mul(t, derivative(x, y))


def _no_gradient(prim: Primitive) -> None:
    """Declare that no input gets a gradient through ``prim`` (its outputs are integers,
    booleans or piecewise constant)."""

    @prim.vjp
    def _vjp(g: Any, *inputs: Any, out: Any, **params: Any) -> tuple[None, ...]:
        return (None,) * len(inputs)

    @prim.jvp
    def _jvp(
        primals: tuple[Any, ...], tangents: tuple[Any, ...], **params: Any
    ) -> tuple[Any, None]:
        return apply(prim, *primals, **params), None


def _unary(prim: Primitive) -> Callable[[Any], Any]:
    def fn(x: Any) -> Any:
        return apply(prim, x)

    fn.__name__ = prim.name
    fn.__doc__ = f"Elementwise ``{prim.name}`` (the ``{prim.name}`` primitive)."
    return fn


# ---------------------------------------------------------------------------------------
# Unary math

# neg:  y = -x            linear: dy = -dx
neg_p = unary_elementwise("neg", lambda xp, x: xp.negative(x), dtype_kind="numeric")
neg: Callable[..., Any] = _unary(neg_p)
neg_p.vjp(lambda g, x, *, out: (neg(g),))
neg_p.jvp(lambda primals, tangents: (neg(primals[0]), neg(tangents[0])))

# abs:  y = |x|           dy/dx = sign(x)   (0 at 0, as PyTorch and JAX)
abs_p = unary_elementwise("abs", lambda xp, x: xp.abs(x), dtype_kind="numeric")
abs: Callable[..., Any] = _unary(abs_p)  # noqa: A001 - the primitive's name

# sign: y = sign(x)       piecewise constant: no gradient
sign_p = unary_elementwise("sign", lambda xp, x: xp.sign(x), dtype_kind="numeric")
sign: Callable[..., Any] = _unary(sign_p)
_no_gradient(sign_p)
_with_derivative(abs_p, lambda x, y: sign(x))

# floor, ceil, round: piecewise constant: no gradient (round: half to even, as NumPy)
floor_p = unary_elementwise("floor", lambda xp, x: xp.floor(x))
ceil_p = unary_elementwise("ceil", lambda xp, x: xp.ceil(x))
round_p = unary_elementwise("round", lambda xp, x: xp.round(x))
floor, ceil, round = _unary(floor_p), _unary(ceil_p), _unary(round_p)  # noqa: A001
for _p in (floor_p, ceil_p, round_p):
    _no_gradient(_p)

# exp:  y = e^x           dy/dx = e^x = y
exp_p = unary_elementwise("exp", lambda xp, x: xp.exp(x))
exp: Callable[..., Any] = _unary(exp_p)
_with_derivative(exp_p, lambda x, y: y)

# log:  y = ln x          dy/dx = 1/x
log_p = unary_elementwise("log", lambda xp, x: xp.log(x))
log: Callable[..., Any] = _unary(log_p)
log_p.vjp(lambda g, x, *, out: (ops.div(g, x),))
log_p.jvp(lambda primals, tangents: (log(primals[0]), ops.div(tangents[0], primals[0])))

# log1p: y = ln(1 + x)    dy/dx = 1/(1 + x)
log1p_p = unary_elementwise("log1p", lambda xp, x: xp.log1p(x))
log1p: Callable[..., Any] = _unary(log1p_p)
log1p_p.vjp(lambda g, x, *, out: (ops.div(g, ops.add(x, 1)),))
log1p_p.jvp(
    lambda primals, tangents: (log1p(primals[0]), ops.div(tangents[0], ops.add(primals[0], 1)))
)

# expm1: y = e^x - 1      dy/dx = e^x = y + 1
expm1_p = unary_elementwise("expm1", lambda xp, x: xp.expm1(x))
expm1: Callable[..., Any] = _unary(expm1_p)
_with_derivative(expm1_p, lambda x, y: ops.add(y, 1))

# sqrt: y = √x            dy/dx = 1 / (2y)
sqrt_p = unary_elementwise("sqrt", lambda xp, x: xp.sqrt(x))
sqrt: Callable[..., Any] = _unary(sqrt_p)
sqrt_p.vjp(lambda g, x, *, out: (ops.div(g, ops.mul(out, 2)),))
sqrt_p.jvp(lambda primals, tangents: _div_jvp_shared(sqrt(primals[0]), tangents[0], 2))


def _div_jvp_shared(y: Any, t: Any, factor: float) -> tuple[Any, Any]:
    return y, ops.div(t, ops.mul(y, factor))


# rsqrt: y = x^(-1/2)     dy/dx = -y / (2x)
def _rsqrt_impl(xp: Any, x: Any) -> Any:
    return xp.reciprocal(xp.sqrt(x))


rsqrt_p = unary_elementwise("rsqrt", _rsqrt_impl)
rsqrt: Callable[..., Any] = _unary(rsqrt_p)
_with_derivative(rsqrt_p, lambda x, y: ops.mul(ops.div(y, x), -0.5))

# square: y = x²          dy/dx = 2x
square_p = unary_elementwise("square", lambda xp, x: xp.square(x), dtype_kind="numeric")
square: Callable[..., Any] = _unary(square_p)
_with_derivative(square_p, lambda x, y: ops.mul(x, 2))

# reciprocal: y = 1/x     dy/dx = -1/x² = -y²
reciprocal_p = unary_elementwise("reciprocal", lambda xp, x: xp.reciprocal(x))
reciprocal: Callable[..., Any] = _unary(reciprocal_p)
_with_derivative(reciprocal_p, lambda x, y: neg(square(y)))

# sin:  y = sin x         dy/dx = cos x
sin_p = unary_elementwise("sin", lambda xp, x: xp.sin(x))
sin: Callable[..., Any] = _unary(sin_p)

# cos:  y = cos x         dy/dx = -sin x
cos_p = unary_elementwise("cos", lambda xp, x: xp.cos(x))
cos: Callable[..., Any] = _unary(cos_p)
_with_derivative(sin_p, lambda x, y: cos(x))
_with_derivative(cos_p, lambda x, y: neg(sin(x)))

# tanh: y = tanh x        dy/dx = 1 - y²
tanh_p = unary_elementwise("tanh", lambda xp, x: xp.tanh(x))
tanh: Callable[..., Any] = _unary(tanh_p)
_with_derivative(tanh_p, lambda x, y: ops.sub(1, square(y)))


# logistic: y = 1/(1 + e^-x)   dy/dx = y (1 - y)
def _logistic_impl(xp: Any, x: Any) -> Any:
    # NOTE: written through tanh so large |x| never overflows exp (σ(x) = (1 + tanh(x/2))/2).
    half = x.dtype.type(0.5)
    return half * xp.tanh(half * x) + half


logistic_p = unary_elementwise("logistic", _logistic_impl)
logistic: Callable[..., Any] = _unary(logistic_p)
_with_derivative(logistic_p, lambda x, y: ops.mul(y, ops.sub(1, y)))

# erf:  y = erf x         dy/dx = 2/√π · e^(-x²)
erf_p = unary_elementwise("erf", kernels.erf)
erf: Callable[..., Any] = _unary(erf_p)
_with_derivative(erf_p, lambda x, y: ops.mul(exp(neg(square(x))), 2 / math.sqrt(math.pi)))

# erf_inv: y = erf⁻¹(x)   dy/dx = √π/2 · e^(y²)
erf_inv_p = unary_elementwise("erf_inv", kernels.erf_inv)
erf_inv: Callable[..., Any] = _unary(erf_inv_p)
_with_derivative(erf_inv_p, lambda x, y: ops.mul(exp(square(y)), math.sqrt(math.pi) / 2))


# relu: y = max(x, 0)     dy/dx = 1 if x > 0 else 0
# NOTE: the gradient at exactly 0 is 0 (PyTorch's and JAX's choice); it is decided here,
# by the comparison x > 0, not by how max breaks ties.
def _relu_impl(xp: Any, x: Any) -> Any:
    return xp.maximum(x, x.dtype.type(0))


relu_p = unary_elementwise("relu", _relu_impl, dtype_kind="numeric")
relu: Callable[..., Any] = _unary(relu_p)


# written as a select (two passes over the data) rather than g * cast(x > 0) (three)
@relu_p.vjp
def _relu_vjp(g: Any, x: Any, *, out: Any) -> tuple[Any]:
    zeros = ops.zeros_like(g)  # g and x share shape and dtype: one constant serves both
    return (apply(select_p, apply(gt_p, x, zeros), g, zeros),)


@relu_p.jvp
def _relu_jvp(primals: tuple[Any], tangents: tuple[Any]) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    return relu(x), select(ops.gt(x, 0), t, ops.zeros_like(t))


# ---------------------------------------------------------------------------------------
# Binary arithmetic (operands of one shape and dtype)


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


def _sum_tangents(*terms: Any) -> Any:
    """Add the tangent terms that are not known zeros (``None``)."""
    present = [t for t in terms if t is not None]
    if not present:
        return None
    total = present[0]
    for t in present[1:]:
        total = add(total, t)
    return total


def _scale(t: Any, factor: Any) -> Any:
    return None if t is None else mul(t, factor)


# add:  z = x + y         dz = dx + dy
add_p = nary_elementwise("add", lambda xp, x, y: xp.add(x, y))
add: Callable[..., Any] = _binary(add_p)
add_p.vjp(lambda g, x, y, *, out: (g, g))
add_p.jvp(lambda primals, tangents: (add(*primals), _sum_tangents(*tangents)))

# sub:  z = x - y         dz = dx - dy
sub_p = nary_elementwise("sub", lambda xp, x, y: xp.subtract(x, y))
sub: Callable[..., Any] = _binary(sub_p)


@sub_p.vjp
def _sub_vjp(
    g: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (True, True)
) -> tuple[Any, Any]:
    return g, (neg(g) if needs[1] else None)


sub_p.jvp(
    lambda primals, tangents: (
        sub(*primals),
        _sum_tangents(tangents[0], None if tangents[1] is None else neg(tangents[1])),
    )
)

# mul:  z = x · y         dz = y dx + x dy
mul_p = nary_elementwise("mul", lambda xp, x, y: xp.multiply(x, y))
mul: Callable[..., Any] = _binary(mul_p)


@mul_p.vjp
def _mul_vjp(
    g: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (True, True)
) -> tuple[Any, Any]:
    return (mul(g, y) if needs[0] else None), (mul(g, x) if needs[1] else None)


mul_p.jvp(
    lambda primals, tangents: (
        mul(*primals),
        _sum_tangents(_scale(tangents[0], primals[1]), _scale(tangents[1], primals[0])),
    )
)

# div:  z = x / y         dz = dx / y - z dy / y
div_p = nary_elementwise("div", lambda xp, x, y: xp.true_divide(x, y), dtype_kind="float")
div: Callable[..., Any] = _binary(div_p)


@div_p.vjp
def _div_vjp(
    g: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (True, True)
) -> tuple[Any, Any]:
    g_x = div(g, y) if needs[0] else None
    g_y = neg(div(mul(g, out), y)) if needs[1] else None
    return g_x, g_y


@div_p.jvp
def _div_jvp(primals: tuple[Any, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    (x, y), (tx, ty) = primals, tangents
    z = div(x, y)
    term_x = None if tx is None else div(tx, y)
    term_y = None if ty is None else neg(div(mul(ty, z), y))
    return z, _sum_tangents(term_x, term_y)


# rem:  z = x - trunc(x / y) y (C's fmod: the sign of x)   dz = dx - trunc(x / y) dy
rem_p = nary_elementwise("rem", lambda xp, x, y: xp.fmod(x, y))
rem: Callable[..., Any] = _binary(rem_p)


def _trunc(q: Any) -> Any:
    return mul(sign(q), floor(abs(q)))


@rem_p.vjp
def _rem_vjp(
    g: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (True, True)
) -> tuple[Any, Any]:
    return g, (neg(mul(g, _trunc(div(x, y)))) if needs[1] else None)


@rem_p.jvp
def _rem_jvp(primals: tuple[Any, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    (x, y), (tx, ty) = primals, tangents
    term_y = None if ty is None else neg(mul(ty, _trunc(div(x, y))))
    return rem(x, y), _sum_tangents(tx, term_y)


# pow:  z = x^y           ∂z/∂x = y x^(y-1),  ∂z/∂y = ln(x) x^y
# NOTE: at x = 0 the y-derivative uses ln(1) = 0 instead of ln(0) (JAX's convention),
# and at y = 0 the x-derivative is 0, so 0^0 gives finite gradients.
pow_p = nary_elementwise("pow", kernels.power, dtype_kind="float")
pow: Callable[..., Any] = _binary(pow_p)  # noqa: A001


def _pow_dx(x: Any, y: Any) -> Any:
    return select(eq(y, 0), ops.zeros_like(x), mul(y, pow(x, sub(y, 1))))


def _pow_dy(x: Any, z: Any) -> Any:
    safe_x = select(eq(x, 0), ops.ones_like(x), x)
    return mul(log(safe_x), z)


@pow_p.vjp
def _pow_vjp(
    g: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (True, True)
) -> tuple[Any, Any]:
    g_x = mul(g, _pow_dx(x, y)) if needs[0] else None
    g_y = mul(g, _pow_dy(x, out)) if needs[1] else None
    return g_x, g_y


@pow_p.jvp
def _pow_jvp(primals: tuple[Any, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    (x, y), (tx, ty) = primals, tangents
    z = pow(x, y)
    term_x = None if tx is None else mul(tx, _pow_dx(x, y))
    term_y = None if ty is None else mul(ty, _pow_dy(x, z))
    return z, _sum_tangents(term_x, term_y)


# maximum: z = max(x, y)  ∂z/∂x = [x > y] + ½[x = y]   (ties split evenly, as PyTorch/JAX)
maximum_p = nary_elementwise("maximum", lambda xp, x, y: xp.maximum(x, y))
maximum: Callable[..., Any] = _binary(maximum_p)
# minimum: z = min(x, y)  ∂z/∂x = [x < y] + ½[x = y]
minimum_p = nary_elementwise("minimum", lambda xp, x, y: xp.minimum(x, y))
minimum: Callable[..., Any] = _binary(minimum_p)


def _chooser_weights(x: Any, y: Any, wins: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    """Weights of x and y in the derivative of max/min: 1 for the winner, ½ each on ties."""
    half = mul(ops.cast(eq(x, y), x.dtype), 0.5)
    wx = add(ops.cast(wins(x, y), x.dtype), half)
    wy = add(ops.cast(wins(y, x), x.dtype), half)
    return wx, wy


def _register_chooser(prim: Primitive, wins: Callable[[Any, Any], Any]) -> None:
    @prim.vjp
    def _vjp(
        g: Any, x: Any, y: Any, *, out: Any, needs: tuple[bool, ...] = (True, True)
    ) -> tuple[Any, Any]:
        wx, wy = _chooser_weights(x, y, wins)
        return (mul(g, wx) if needs[0] else None), (mul(g, wy) if needs[1] else None)

    @prim.jvp
    def _jvp(primals: tuple[Any, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
        (x, y), (tx, ty) = primals, tangents
        wx, wy = _chooser_weights(x, y, wins)
        return apply(prim, x, y), _sum_tangents(_scale(tx, wx), _scale(ty, wy))


# ---------------------------------------------------------------------------------------
# Comparisons and logic (boolean results: no gradient)


def _comparison(name: str, impl: Callable[..., Any], kind: str = "any") -> Primitive:
    prim = nary_elementwise(
        name, impl, dtype_kind=kind, out_dtype=dtypes.bool_, family="comparison"
    )
    _no_gradient(prim)
    return prim


eq_p = _comparison("eq", lambda xp, x, y: xp.equal(x, y))
ne_p = _comparison("ne", lambda xp, x, y: xp.not_equal(x, y))
lt_p = _comparison("lt", lambda xp, x, y: xp.less(x, y))
le_p = _comparison("le", lambda xp, x, y: xp.less_equal(x, y))
gt_p = _comparison("gt", lambda xp, x, y: xp.greater(x, y))
ge_p = _comparison("ge", lambda xp, x, y: xp.greater_equal(x, y))
eq: Callable[..., Any] = _binary(eq_p)
ne: Callable[..., Any] = _binary(ne_p)
lt: Callable[..., Any] = _binary(lt_p)
le: Callable[..., Any] = _binary(le_p)
gt: Callable[..., Any] = _binary(gt_p)
ge: Callable[..., Any] = _binary(ge_p)
_register_chooser(maximum_p, gt)
_register_chooser(minimum_p, lt)

logical_and_p = _comparison("logical_and", lambda xp, x, y: xp.logical_and(x, y), "bool")
logical_or_p = _comparison("logical_or", lambda xp, x, y: xp.logical_or(x, y), "bool")
logical_and, logical_or = _binary(logical_and_p), _binary(logical_or_p)

logical_not_p = unary_elementwise(
    "logical_not", lambda xp, x: xp.logical_not(x), dtype_kind="bool", out_dtype=dtypes.bool_
)
logical_not: Callable[..., Any] = _unary(logical_not_p)
_no_gradient(logical_not_p)

is_finite_p = unary_elementwise(
    "is_finite", lambda xp, x: xp.isfinite(x), dtype_kind="float", out_dtype=dtypes.bool_
)
is_finite: Callable[..., Any] = _unary(is_finite_p)
_no_gradient(is_finite_p)


# ---------------------------------------------------------------------------------------
# select: z = pred ? x : y      ∂z/∂x = [pred], ∂z/∂y = [not pred]


def _select_shape(pred: Any, x: Any, y: Any) -> Type:
    from workbench.core.primitive import check_same  # noqa: PLC0415

    if pred.dtype != dtypes.bool_:
        raise TypeError(f"select: the predicate must be bool, got {pred.dtype}")
    check_same("select", (x, y))
    if tuple(pred.shape) != tuple(x.shape) or pred.device is not x.device:
        raise ValueError(
            f"select: the predicate's shape {tuple(pred.shape)} must equal "
            f"the operands' {tuple(x.shape)}"
        )
    return Type(tuple(x.shape), x.dtype, x.device)


select_p = Primitive(
    "select",
    impl=kernels.select,
    shape=_select_shape,
    nondiff_inputs=(0,),
    family="select",
)


select_p.batch(batching.batch_elementwise(select_p))


def _select_check(pred: Any, x: Any, y: Any) -> None:
    shape = pred.shape
    if not (
        pred.dtype == dtypes.bool_ and x.dtype == y.dtype and x.shape == shape and y.shape == shape
    ):
        _select_shape(pred, x, y)


select_p.check = _select_check


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


cast_p = Primitive(
    "cast", impl=lambda xp, x, *, dtype: x.astype(dtype), shape=_cast_shape, family="cast"
)


cast_p.batch(batching.batch_elementwise(cast_p))


def cast(x: Any, dtype: Any) -> Any:
    """Convert to ``dtype`` (a no-op, with no equation recorded, when it already is)."""
    dtype = dtypes.canonical(dtype)
    (x,) = lift("cast", x)
    if x.dtype == dtype:
        return x
    return apply(cast_p, x, dtype=dtype)


@cast_p.vjp
def _cast_vjp(g: Any, x: Any, *, out: Any, dtype: np.dtype) -> tuple[Any]:
    if not dtypes.is_float(x.dtype):
        return (None,)
    return (cast(g, x.dtype),)


@cast_p.jvp
def _cast_jvp(primals: tuple[Any], tangents: tuple[Any], *, dtype: np.dtype) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = cast(x, dtype)
    if not (dtypes.is_float(x.dtype) and dtypes.is_float(dtype)):
        return out, None
    return out, cast(t, dtype)


# ---------------------------------------------------------------------------------------
# stop_gradient: y = x, but no derivative flows through


def _identity_shape(x: Any) -> Type:
    return Type(tuple(x.shape), x.dtype, x.device)


stop_gradient_p = Primitive(
    "stop_gradient", impl=lambda xp, x: x, shape=_identity_shape, family="stop_gradient"
)
stop_gradient: Callable[..., Any] = _unary(stop_gradient_p)
_no_gradient(stop_gradient_p)
stop_gradient_p.batch(batching.batch_elementwise(stop_gradient_p))


# The ufunc behind each implementation, for compiled plans' out= writes.
_UFUNCS = {
    neg_p: "negative", abs_p: "absolute", sign_p: "sign", floor_p: "floor", ceil_p: "ceil",
    exp_p: "exp", log_p: "log", log1p_p: "log1p", expm1_p: "expm1", sqrt_p: "sqrt",
    square_p: "square", reciprocal_p: "reciprocal", sin_p: "sin", cos_p: "cos", tanh_p: "tanh",
    add_p: "add", sub_p: "subtract", mul_p: "multiply", div_p: "true_divide", pow_p: "power",
    rem_p: "fmod",
    maximum_p: "maximum", minimum_p: "minimum", eq_p: "equal", ne_p: "not_equal", lt_p: "less",
    le_p: "less_equal", gt_p: "greater", ge_p: "greater_equal", logical_and_p: "logical_and",
    logical_or_p: "logical_or", logical_not_p: "logical_not", is_finite_p: "isfinite",
}  # fmt: skip
for _prim, _name in _UFUNCS.items():
    _prim.ufunc = _name


def check_float(name: str, x: Any) -> None:
    check_dtype(name, x, "float")


__all__ = [
    "abs", "add", "cast", "ceil", "cos", "div", "eq", "erf", "erf_inv", "exp", "expm1", "floor",
    "ge", "gt", "is_finite", "le", "log", "log1p", "logical_and", "logical_not", "logical_or",
    "logistic", "lt", "maximum", "minimum", "mul", "ne", "neg", "pow", "reciprocal", "relu",
    "rem", "round", "rsqrt", "select", "sign", "sin", "sqrt", "square", "stop_gradient", "sub",
    "tanh",
]  # fmt: skip
