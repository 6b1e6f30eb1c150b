"""Elementwise primitives, part one: the family (its factories and shared rules) and the
unary math functions. Binary arithmetic, comparisons, select and cast are in
``arithmetic.py``.

Each block gives the formula and its derivative in one comment line, then the
primitive (with its ufunc and its expression in a fused kernel) and its VJP written as
the formula. The JVP comes from the VJP (an elementwise Jacobian is diagonal, so it is
its own transpose; see :class:`Elementwise`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import kernels
from workbench.core import primitives as ops
from workbench.core.batching import batch_elementwise
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import (
    DTYPE_KINDS,
    Primitive,
    check_dtype,
    check_same,
    merged_shape,
)

# ---------------------------------------------------------------------------------------
# The family


class Elementwise(Primitive):
    """An elementwise primitive: registering its VJP registers its JVP too.

    Each output element depends only on the same element of each input, so every
    input's Jacobian is diagonal, hence its own transpose: the tangent ``t_i`` of input
    ``i`` contributes exactly what the VJP gives input ``i`` for the cotangent ``t_i``,
    and ``jvp = Σ_i vjp(t_i)[i]``. A primitive may still register a JVP of its own.
    """

    def vjp(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        super().vjp(rule)
        if self.jvp_rule is None or getattr(self.jvp_rule, "from_vjp", False):
            self.jvp(_jvp_from_vjp(self))
        return rule


def _jvp_from_vjp(prim: Primitive) -> Callable[..., Any]:
    def jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
        out = apply(prim, *primals)
        total = None
        for i, t in enumerate(tangents):
            if t is None or i in prim.nondiff_inputs:
                continue
            if prim.vjp_takes_needs:
                needs = tuple(j == i for j in range(len(primals)))
                term = prim.vjp_rule(t, *primals, out=out, needs=needs)[i]  # type: ignore[misc]
            else:
                term = prim.vjp_rule(t, *primals, out=out)[i]  # type: ignore[misc]
            total = term if total is None else ops.add(total, term)
        return out, total

    jvp.from_vjp = True  # type: ignore[attr-defined]
    return jvp


def unary_elementwise(
    name: str,
    impl: Callable[..., Any],
    *,
    dtype_kind: str = "float",
    out_dtype: np.dtype | None = None,
    ufunc: str | None = None,
    fusion: str | Callable[..., str] | None = None,
) -> Elementwise:
    """A primitive ``y = f(x)`` applied elementwise; same shape (and dtype, unless
    ``out_dtype`` is given). ``ufunc`` and ``fusion`` are what compiled plans use."""

    def shape(x: Any) -> Type:
        check_dtype(name, x, dtype_kind)
        return Type(tuple(x.shape), out_dtype or x.dtype, x.device)

    def check(x: Any) -> None:
        if x.dtype not in allowed:
            check_dtype(name, x, dtype_kind)

    allowed = frozenset(DTYPE_KINDS[dtype_kind])
    prim = Elementwise(name, impl=impl, shape=shape, family="unary elementwise")
    prim.check = check
    prim.fast_dtypes = allowed
    prim.ufunc, prim.fusion = ufunc, fusion
    prim.batch(batch_elementwise(prim))
    return prim


def nary_elementwise(
    name: str,
    impl: Callable[..., Any],
    *,
    dtype_kind: str = "numeric",
    out_dtype: np.dtype | None = None,
    nondiff_inputs: Sequence[int] = (),
    family: str = "binary elementwise",
    ufunc: str | None = None,
    fusion: str | Callable[..., str] | None = None,
) -> Elementwise:
    """A primitive on operands of equal shape, dtype and device.

    Broadcasting is not done here: the public functions insert ``broadcast_to`` (whose
    VJP sums back to the input's shape), so no binary rule ever un-broadcasts.
    """

    def shape(*xs: Any) -> Type:
        check_same(name, xs)
        check_dtype(name, xs[0], dtype_kind)
        return Type(merged_shape([x.shape for x in xs]), out_dtype or xs[0].dtype, xs[0].device)

    def check(*xs: Any) -> None:
        first = xs[0]
        for other in xs[1:]:
            if other.shape != first.shape or other.dtype is not first.dtype:
                check_same(name, xs)
        if first.dtype not in allowed:
            check_dtype(name, first, dtype_kind)

    allowed = frozenset(DTYPE_KINDS[dtype_kind])
    prim = Elementwise(name, impl=impl, shape=shape, nondiff_inputs=nondiff_inputs, family=family)
    prim.check = check
    prim.fast_dtypes = allowed
    prim.ufunc, prim.fusion = ufunc, fusion
    prim.batch(batch_elementwise(prim))
    return prim


def no_gradient(prim: Primitive) -> None:
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
# Unary math. In the kernels, {0} is the operand and {T} the result's C type.

# neg:  y = -x            dy/dx = -1
neg_p = unary_elementwise(
    "neg", lambda xp, x: xp.negative(x), dtype_kind="numeric", ufunc="negative", fusion="(-{0})"
)
neg: Callable[..., Any] = _unary(neg_p)
neg_p.vjp(lambda g, x, *, out: (neg(g),))

# abs:  y = |x|           dy/dx = sign(x)   (0 at 0, as PyTorch and JAX)
abs_p = unary_elementwise(
    "abs", lambda xp, x: xp.abs(x), dtype_kind="numeric", ufunc="absolute", fusion="fabs({0})"
)
abs: Callable[..., Any] = _unary(abs_p)  # noqa: A001 - the primitive's name
abs_p.vjp(lambda g, x, *, out: (ops.mul(g, sign(x)),))

# sign: y = sign(x)       piecewise constant: no gradient
sign_p = unary_elementwise(
    "sign",
    lambda xp, x: xp.sign(x),
    dtype_kind="numeric",
    ufunc="sign",
    fusion="({0} > 0 ? ({T})1 : ({0} < 0 ? ({T})-1 : {0}))",
)
sign: Callable[..., Any] = _unary(sign_p)
no_gradient(sign_p)

# floor, ceil, round: piecewise constant: no gradient (round: half to even, as NumPy)
floor_p = unary_elementwise("floor", lambda xp, x: xp.floor(x), ufunc="floor", fusion="floor({0})")
ceil_p = unary_elementwise("ceil", lambda xp, x: xp.ceil(x), ufunc="ceil", fusion="ceil({0})")
round_p = unary_elementwise("round", lambda xp, x: xp.round(x), fusion="nearbyint({0})")
floor, ceil, round = _unary(floor_p), _unary(ceil_p), _unary(round_p)  # noqa: A001
for _p in (floor_p, ceil_p, round_p):
    no_gradient(_p)

# exp:  y = e^x           dy/dx = e^x = y
exp_p = unary_elementwise("exp", lambda xp, x: xp.exp(x), ufunc="exp", fusion="exp({0})")
exp: Callable[..., Any] = _unary(exp_p)
exp_p.vjp(lambda g, x, *, out: (ops.mul(g, out),))

# log:  y = ln x          dy/dx = 1/x
log_p = unary_elementwise("log", lambda xp, x: xp.log(x), ufunc="log", fusion="log({0})")
log: Callable[..., Any] = _unary(log_p)
log_p.vjp(lambda g, x, *, out: (ops.div(g, x),))

# log1p: y = ln(1 + x)    dy/dx = 1/(1 + x)
log1p_p = unary_elementwise("log1p", lambda xp, x: xp.log1p(x), ufunc="log1p", fusion="log1p({0})")
log1p: Callable[..., Any] = _unary(log1p_p)
log1p_p.vjp(lambda g, x, *, out: (ops.div(g, ops.add(x, 1)),))

# expm1: y = e^x - 1      dy/dx = e^x = y + 1
expm1_p = unary_elementwise("expm1", lambda xp, x: xp.expm1(x), ufunc="expm1", fusion="expm1({0})")
expm1: Callable[..., Any] = _unary(expm1_p)
expm1_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.add(out, 1)),))

# sqrt: y = √x            dy/dx = 1 / (2y)
sqrt_p = unary_elementwise("sqrt", lambda xp, x: xp.sqrt(x), ufunc="sqrt", fusion="sqrt({0})")
sqrt: Callable[..., Any] = _unary(sqrt_p)
sqrt_p.vjp(lambda g, x, *, out: (ops.div(g, ops.mul(out, 2)),))

# rsqrt: y = x^(-1/2)     dy/dx = -y / (2x)
rsqrt_p = unary_elementwise(
    "rsqrt", lambda xp, x: xp.reciprocal(xp.sqrt(x)), fusion="(({T})1 / sqrt({0}))"
)
rsqrt: Callable[..., Any] = _unary(rsqrt_p)
rsqrt_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.mul(ops.div(out, x), -0.5)),))

# square: y = x²          dy/dx = 2x
square_p = unary_elementwise(
    "square", lambda xp, x: xp.square(x), dtype_kind="numeric", ufunc="square", fusion="({0} * {0})"
)
square: Callable[..., Any] = _unary(square_p)
square_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.mul(x, 2)),))

# reciprocal: y = 1/x     dy/dx = -1/x² = -y²
reciprocal_p = unary_elementwise(
    "reciprocal", lambda xp, x: xp.reciprocal(x), ufunc="reciprocal", fusion="(({T})1 / {0})"
)
reciprocal: Callable[..., Any] = _unary(reciprocal_p)
reciprocal_p.vjp(lambda g, x, *, out: (ops.mul(g, neg(square(out))),))

# sin:  y = sin x         dy/dx = cos x
sin_p = unary_elementwise("sin", lambda xp, x: xp.sin(x), ufunc="sin", fusion="sin({0})")
sin: Callable[..., Any] = _unary(sin_p)
sin_p.vjp(lambda g, x, *, out: (ops.mul(g, cos(x)),))

# cos:  y = cos x         dy/dx = -sin x
cos_p = unary_elementwise("cos", lambda xp, x: xp.cos(x), ufunc="cos", fusion="cos({0})")
cos: Callable[..., Any] = _unary(cos_p)
cos_p.vjp(lambda g, x, *, out: (ops.mul(g, neg(sin(x))),))

# tanh: y = tanh x        dy/dx = 1 - y²
tanh_p = unary_elementwise("tanh", lambda xp, x: xp.tanh(x), ufunc="tanh", fusion="tanh({0})")
tanh: Callable[..., Any] = _unary(tanh_p)
tanh_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.sub(1, square(out))),))


def _logistic_impl(xp: Any, x: Any) -> Any:
    # NOTE: written through tanh so large |x| never overflows exp (σ(x) = (1 + tanh(x/2))/2).
    half = x.dtype.type(0.5)
    return half * xp.tanh(half * x) + half


# logistic: y = 1/(1 + e^-x)   dy/dx = y (1 - y)
# In a kernel, 1 / (1 + e^-x): exp's vector version is quicker than tanh's (libmvec's
# tanhf takes about 1.5x the time of expf), and e^-x overflowing to inf gives 0 exactly.
logistic_p = unary_elementwise("logistic", _logistic_impl, fusion="(({T})1 / (({T})1 + exp(-{0})))")
logistic: Callable[..., Any] = _unary(logistic_p)
logistic_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.mul(out, ops.sub(1, out))),))

# erf:  y = erf x         dy/dx = 2/√π · e^(-x²)
erf_p = unary_elementwise("erf", kernels.erf, fusion="erf({0})")
erf: Callable[..., Any] = _unary(erf_p)
erf_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.mul(exp(neg(square(x))), 2 / math.sqrt(math.pi))),))

# erf_inv: y = erf⁻¹(x)   dy/dx = √π/2 · e^(y²)
erf_inv_p = unary_elementwise("erf_inv", kernels.erf_inv)
erf_inv: Callable[..., Any] = _unary(erf_inv_p)
erf_inv_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.mul(exp(square(out)), math.sqrt(math.pi) / 2)),))


# relu: y = max(x, 0)     dy/dx = 1 if x > 0 else 0
# NOTE: the gradient at exactly 0 is 0 (PyTorch's and JAX's choice); it is decided here,
# by the comparison x > 0, not by how max breaks ties. The kernel keeps NaN, as NumPy.
relu_p = unary_elementwise(
    "relu",
    lambda xp, x: xp.maximum(x, x.dtype.type(0)),
    dtype_kind="numeric",
    fusion="(({0} > 0 || {0} != {0}) ? {0} : ({T})0)",
)
relu: Callable[..., Any] = _unary(relu_p)


# g · [y > 0], written as a select (two passes over the data) rather than a product with
# cast(y > 0) (three); g and y share shape and dtype, so one zero constant serves both.
# y > 0 exactly when x > 0 (NaN and ±0 included), and reading the output, as PyTorch's
# threshold_backward does, lets the input die: a bias add before the relu then fuses into
# it, and the tape keeps one activation instead of two
@relu_p.vjp
def _relu_vjp(g: Any, x: Any, *, out: Any) -> tuple[Any]:
    zeros = ops.zeros_like(g)
    return (apply(ops.select_p, apply(ops.gt_p, out, zeros), g, zeros),)


__all__ = [
    "abs", "ceil", "cos", "erf", "erf_inv", "exp", "expm1", "floor", "log", "log1p",
    "logistic", "neg", "reciprocal", "relu", "round", "rsqrt", "sign", "sin", "sqrt", "square",
    "tanh",
]  # fmt: skip
