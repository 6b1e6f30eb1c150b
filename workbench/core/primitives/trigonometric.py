"""The rest of the elementwise trigonometric and hyperbolic functions (sin, cos and tanh
are in ``elementwise.py``): tan, their inverses, sinh/cosh and the inverse hyperbolics,
and the two-argument arctangent. Each derivative is written with primitives, so it
differentiates again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.core import primitives as ops
from workbench.core.primitives.arithmetic import BOTH, _binary
from workbench.core.primitives.elementwise import _unary, nary_elementwise, unary_elementwise


def _ufunc(name: str, np_name: str, c_name: str) -> Any:
    return unary_elementwise(
        name, lambda xp, x: getattr(xp, np_name)(x), ufunc=np_name, fusion=f"{c_name}({{0}})"
    )


# tan: y = tan x            dy/dx = 1 + y²
tan_p = _ufunc("tan", "tan", "tan")
tan: Callable[..., Any] = _unary(tan_p)
tan_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.add(1, ops.square(out))),))

# asin: y = sin⁻¹ x         dy/dx = 1/√(1 - x²)
asin_p = _ufunc("asin", "arcsin", "asin")
asin: Callable[..., Any] = _unary(asin_p)
asin_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.rsqrt(ops.sub(1, ops.square(x)))),))

# acos: y = cos⁻¹ x         dy/dx = -1/√(1 - x²)
acos_p = _ufunc("acos", "arccos", "acos")
acos: Callable[..., Any] = _unary(acos_p)
acos_p.vjp(lambda g, x, *, out: (ops.neg(ops.mul(g, ops.rsqrt(ops.sub(1, ops.square(x))))),))

# atan: y = tan⁻¹ x         dy/dx = 1/(1 + x²)
atan_p = _ufunc("atan", "arctan", "atan")
atan: Callable[..., Any] = _unary(atan_p)
atan_p.vjp(lambda g, x, *, out: (ops.div(g, ops.add(1, ops.square(x))),))

# sinh: y = sinh x          dy/dx = cosh x
sinh_p = _ufunc("sinh", "sinh", "sinh")
sinh: Callable[..., Any] = _unary(sinh_p)

# cosh: y = cosh x          dy/dx = sinh x
cosh_p = _ufunc("cosh", "cosh", "cosh")
cosh: Callable[..., Any] = _unary(cosh_p)
sinh_p.vjp(lambda g, x, *, out: (ops.mul(g, cosh(x)),))
cosh_p.vjp(lambda g, x, *, out: (ops.mul(g, sinh(x)),))

# asinh: y = sinh⁻¹ x       dy/dx = 1/√(x² + 1)
asinh_p = _ufunc("asinh", "arcsinh", "asinh")
asinh: Callable[..., Any] = _unary(asinh_p)
asinh_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.rsqrt(ops.add(ops.square(x), 1))),))

# acosh: y = cosh⁻¹ x       dy/dx = 1/√(x² - 1)
acosh_p = _ufunc("acosh", "arccosh", "acosh")
acosh: Callable[..., Any] = _unary(acosh_p)
acosh_p.vjp(lambda g, x, *, out: (ops.mul(g, ops.rsqrt(ops.sub(ops.square(x), 1))),))

# atanh: y = tanh⁻¹ x       dy/dx = 1/(1 - x²)
atanh_p = _ufunc("atanh", "arctanh", "atanh")
atanh: Callable[..., Any] = _unary(atanh_p)
atanh_p.vjp(lambda g, x, *, out: (ops.div(g, ops.sub(1, ops.square(x))),))

# atan2: z = the angle of (x, y) = atan(y/x) in the right quadrant   (first operand y)
# ∂z/∂y = x/(x² + y²),  ∂z/∂x = -y/(x² + y²)
atan2_p = nary_elementwise(
    "atan2", lambda xp, y, x: xp.arctan2(y, x), dtype_kind="float", ufunc="arctan2",
    fusion="atan2({0}, {1})",
)  # fmt: skip
atan2: Callable[[Any, Any], Any] = _binary(atan2_p)


@atan2_p.vjp
def _atan2_vjp(g: Any, y: Any, x: Any, *, out: Any, needs: Any = BOTH) -> tuple[Any, Any]:
    scale = ops.div(g, ops.add(ops.square(x), ops.square(y)))
    return (
        ops.mul(scale, x) if needs[0] else None,
        ops.neg(ops.mul(scale, y)) if needs[1] else None,
    )


__all__ = [
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh", "sinh", "tan",
]  # fmt: skip
