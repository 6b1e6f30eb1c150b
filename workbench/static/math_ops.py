"""Arithmetic, comparisons, reductions and matrix products, as TensorFlow names them.

TensorFlow is strict about dtypes: both operands of a binary op must have the same
dtype (a Python number takes the tensor's), so nothing here promotes silently.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import composites, ops
from workbench.core.primitive import normalize_axes
from workbench.static import dtypes, strings
from workbench.static.execution import EagerTensor, convert_to_tensor, make_op
from workbench.static.framework import Tensor, executing_eagerly
from workbench.static.strings import StringTensor


def is_tensor(x: Any) -> builtins.bool:
    """Mirrors: tf.is_tensor."""
    return isinstance(x, Tensor | EagerTensor | StringTensor) or hasattr(x, "_graph_tensor")


def _dtype(x: Any) -> dtypes.DType:
    return dtypes.as_dtype(x.dtype)


NUMPY_BEHAVIOR = [False]  # set by tf.experimental.numpy.experimental_enable_numpy_behavior


def _pair(op_type: str, x: Any, y: Any) -> tuple[Any, Any]:
    """Both operands as tensors of one dtype (Python numbers take the tensor's dtype)."""
    if isinstance(x, StringTensor) or isinstance(y, StringTensor):
        raise TypeError(
            f"{op_type}: string tensors take no arithmetic (TensorFlow: the op has no string "
            "kernel); use tf.strings.to_number, tf.strings.join or a lookup layer"
        )
    if is_tensor(x) and not is_tensor(y):
        y = convert_to_tensor(y, dtype_hint=_dtype(x))
    elif is_tensor(y) and not is_tensor(x):
        x = convert_to_tensor(x, dtype_hint=_dtype(y))
    elif not is_tensor(x):
        x, y = convert_to_tensor(x), convert_to_tensor(y)
    if _dtype(x) != _dtype(y) and NUMPY_BEHAVIOR[0]:  # tnp.experimental_enable_numpy_behavior
        common = dtypes.as_dtype(np.result_type(_dtype(x).np, _dtype(y).np))
        x, y = cast(x, common), cast(y, common)
    if _dtype(x) != _dtype(y):
        raise TypeError(
            f"{op_type}: x and y must have the same dtype, got {_dtype(x).name} != "
            f"{_dtype(y).name} (cast one with tf.cast)"
        )
    return x, y


def _binary(op_type: str, core_fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def fn(x: Any, y: Any, name: str | None = None) -> Any:
        x, y = _pair(op_type, x, y)
        return make_op(op_type, [x, y], core_fn, name=name)

    fn.__name__ = op_type
    return fn


def _comparison(op_type: str, core_fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def fn(x: Any, y: Any, name: str | None = None) -> Any:
        if isinstance(x, StringTensor) or isinstance(y, StringTensor):
            return strings.compare(op_type, x, y)
        x, y = _pair(op_type, x, y)
        return make_op(op_type, [x, y], core_fn, name=name, differentiable=False)

    return fn


def _unary(op_type: str, core_fn: Callable[[Any], Any]) -> Callable[..., Any]:
    def fn(x: Any, name: str | None = None) -> Any:
        return make_op(op_type, [convert_to_tensor(x)], core_fn, name=name)

    fn.__name__ = op_type
    return fn


_add = _binary("AddV2", ops.add)


def add(x: Any, y: Any, name: str | None = None) -> Any:
    """Mirrors: tf.add (which also concatenates strings)."""
    if isinstance(x, StringTensor) or isinstance(y, StringTensor):
        return strings.join([x, y])
    return _add(x, y, name=name)


subtract = _binary("Sub", ops.sub)
multiply = _binary("Mul", ops.mul)
# On ties TensorFlow gives the whole gradient to x (PyTorch and JAX split it), so these are
# selects, whose gradient follows the chosen operand.
maximum = _binary("Maximum", lambda x, y: ops.select(ops.ge(x, y), x, y))
minimum = _binary("Minimum", lambda x, y: ops.select(ops.le(x, y), x, y))
squared_difference = _binary("SquaredDifference", lambda a, b: ops.square(ops.sub(a, b)))
pow = _binary("Pow", ops.pow)  # noqa: A001
equal = _comparison("Equal", ops.eq)
not_equal = _comparison("NotEqual", ops.ne)
less = _comparison("Less", ops.lt)
less_equal = _comparison("LessEqual", ops.le)
greater = _comparison("Greater", ops.gt)
greater_equal = _comparison("GreaterEqual", ops.ge)
logical_and = _comparison("LogicalAnd", ops.logical_and)
logical_or = _comparison("LogicalOr", ops.logical_or)


def _floordiv(a: Any, b: Any) -> Any:
    if a.dtype.kind == "f":
        return ops.floor(ops.div(a, b))
    wide = ops.div(ops.cast(a, "float64"), ops.cast(b, "float64"))
    return ops.cast(ops.floor(wide), a.dtype)


def truediv(x: Any, y: Any, name: str | None = None) -> Any:
    """x / y; integer tensors divide as float64 (TensorFlow's rule). Mirrors: tf.math.truediv."""
    x, y = _pair("RealDiv", x, y)
    if not _dtype(x).is_floating:
        return make_op(
            "RealDiv",
            [x, y],
            lambda a, b: ops.div(ops.cast(a, "float64"), ops.cast(b, "float64")),
            name=name,
        )
    return make_op("RealDiv", [x, y], ops.div, name=name)


divide = truediv
realdiv = truediv


def floordiv(x: Any, y: Any, name: str | None = None) -> Any:
    x, y = _pair("FloorDiv", x, y)
    return make_op("FloorDiv", [x, y], _floordiv, name=name, differentiable=_dtype(x).is_floating)


def floormod(x: Any, y: Any, name: str | None = None) -> Any:
    x, y = _pair("FloorMod", x, y)
    return make_op(
        "FloorMod", [x, y], lambda a, b: ops.sub(a, ops.mul(_floordiv(a, b), b)), name=name
    )


mod = floormod

negative = _unary("Neg", ops.neg)
abs = _unary("Abs", ops.abs)  # noqa: A001
exp = _unary("Exp", ops.exp)
log = _unary("Log", ops.log)
log1p = _unary("Log1p", ops.log1p)
expm1 = _unary("Expm1", ops.expm1)
sqrt = _unary("Sqrt", ops.sqrt)
rsqrt = _unary("Rsqrt", ops.rsqrt)
square = _unary("Square", ops.square)
sin = _unary("Sin", ops.sin)
cos = _unary("Cos", ops.cos)
tanh = _unary("Tanh", ops.tanh)
sigmoid = _unary("Sigmoid", ops.logistic)
erf = _unary("Erf", ops.erf)
sign = _unary("Sign", ops.sign)
floor = _unary("Floor", ops.floor)
ceil = _unary("Ceil", ops.ceil)
round = _unary("Round", ops.round)  # noqa: A001
reciprocal = _unary("Reciprocal", ops.reciprocal)


def softplus_core(x: Any) -> Any:
    """log(1 + e^x), stable for large |x|."""
    return composites.softplus(x)


softplus = _unary("Softplus", softplus_core)
is_finite = _unary("IsFinite", ops.is_finite)
tan = _unary("Tan", ops.tan)
acos = _unary("Acos", ops.acos)
asin = _unary("Asin", ops.asin)
atan = _unary("Atan", ops.atan)
sinh = _unary("Sinh", ops.sinh)
cosh = _unary("Cosh", ops.cosh)
asinh = _unary("Asinh", ops.asinh)
acosh = _unary("Acosh", ops.acosh)
atanh = _unary("Atanh", ops.atanh)
erfinv = _unary("Erfinv", ops.erf_inv)
erfc = _unary("Erfc", lambda x: ops.sub(1.0, ops.erf(x)))
log_sigmoid = _unary("LogSigmoid", lambda x: ops.neg(softplus_core(ops.neg(x))))
atan2 = _binary("Atan2", ops.atan2)
xlogy = _binary(
    "Xlogy", lambda x, y: ops.select(ops.eq(x, 0), ops.zeros_like(x), ops.mul(x, ops.log(y)))
)


def logical_not(x: Any, name: str | None = None) -> Any:
    return make_op(
        "LogicalNot", [convert_to_tensor(x)], ops.logical_not, name=name, differentiable=False
    )


def cast(x: Any, dtype: Any, name: str | None = None) -> Any:
    """Mirrors: tf.cast."""
    target = dtypes.as_dtype(dtype)
    x = convert_to_tensor(x)
    if _dtype(x) == target:
        return x
    diff = _dtype(x).is_floating and target.is_floating
    return make_op("Cast", [x], lambda v: ops.cast(v, target.np), name=name, differentiable=diff)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Any:
    """Mirrors: tf.clip_by_value."""
    return minimum(maximum(t, clip_value_min), clip_value_max, name=name)


def add_n(inputs: Sequence[Any], name: str | None = None) -> Any:
    """The sum of a list of tensors of one shape. Mirrors: tf.add_n."""
    tensors = [convert_to_tensor(t) for t in inputs]

    def total(*values: Any) -> Any:
        out = values[0]
        for v in values[1:]:
            out = ops.add(out, v)
        return out

    return make_op("AddN", tensors, total, name=name)


def matmul(
    a: Any,
    b: Any,
    transpose_a: builtins.bool = False,
    transpose_b: builtins.bool = False,
    adjoint_a: builtins.bool = False,
    adjoint_b: builtins.bool = False,
    name: str | None = None,
    **_: Any,
) -> Any:
    """Matrix product of the last two axes (batched over the leading ones).

    Mirrors: tf.linalg.matmul."""
    a, b = _pair("MatMul", a, b)
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b

    def product(x: Any, y: Any) -> Any:
        if x.ndim == 2 and y.ndim == 2:
            return ops.dot_general(x, y, (((0 if ta else 1),), ((1 if tb else 0),)))
        if ta:
            x = ops.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))
        if tb:
            y = ops.transpose(y, tuple(range(y.ndim - 2)) + (y.ndim - 1, y.ndim - 2))
        return ops.matmul(x, y)

    op_type = "MatMul" if a.shape.rank == 2 and b.shape.rank == 2 else "BatchMatMulV2"
    return make_op(op_type, [a, b], product, name=name)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Any:
    a, b = _pair("Tensordot", a, b)
    ra = a.shape.rank
    if isinstance(axes, int):
        xa, xb = tuple(range(ra - axes, ra)), tuple(range(axes))
    else:
        xa, xb = (tuple(ax) if isinstance(ax, list | tuple) else (ax,) for ax in axes)
    return make_op("Tensordot", [a, b], lambda x, y: ops.dot_general(x, y, (xa, xb)), name=name)


# ---------------------------------------------------------------------------------------
# Reductions


def _axes(axis: Any, rank: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, Tensor | EagerTensor):
        raise TypeError("reductions need a static axis (a Python int or list), not a tensor")
    items = axis if isinstance(axis, list | tuple) else [axis]
    try:
        return tuple(builtins.sorted(normalize_axes("axis", items, rank)))
    except ValueError as err:  # a bad or repeated axis: TensorFlow's run-time error, eagerly
        if executing_eagerly():
            from workbench.static.errors import InvalidArgumentError  # noqa: PLC0415

            raise InvalidArgumentError(None, None, str(err)) from None
        raise


def _reduction(
    op_type: str, core_fn: Callable[..., Any], differentiable: builtins.bool = True
) -> Callable[..., Any]:
    def fn(
        input_tensor: Any,
        axis: Any = None,
        keepdims: builtins.bool = False,
        name: str | None = None,
        **kw: Any,
    ) -> Any:
        keepdims = builtins.bool(kw.pop("keep_dims", keepdims))
        if "reduction_indices" in kw:
            axis = kw.pop("reduction_indices")
        x = convert_to_tensor(input_tensor)
        if x.shape.rank is not None:
            _axes(axis, x.shape.rank)  # a tensor axis is refused now, not at run time
        return make_op(
            op_type,
            [x],
            lambda v: core_fn(v, axes=_axes(axis, v.ndim), keepdims=keepdims),
            name=name,
            differentiable=differentiable,
        )

    fn.__name__ = op_type
    return fn


def _mean(v: Any, axes: tuple[int, ...], keepdims: builtins.bool) -> Any:
    if v.dtype.kind == "f":
        return ops.mean(v, axes=axes, keepdims=keepdims)
    count = 1
    for a in axes:
        count *= v.shape[a]
    # integers: TensorFlow's integer division of the sum (truncating toward zero)
    total = ops.cast(ops.reduce_sum(v, axes=axes, keepdims=keepdims), "float64")
    q = ops.div(total, float(max(count, 1)))
    return ops.cast(ops.mul(ops.sign(q), ops.floor(ops.abs(q))), v.dtype)


reduce_sum = _reduction("Sum", ops.reduce_sum)
reduce_mean = _reduction("Mean", _mean)
reduce_max = _reduction("Max", ops.reduce_max)
reduce_min = _reduction("Min", ops.reduce_min)
reduce_prod = _reduction("Prod", ops.reduce_prod)
reduce_logsumexp = _reduction("ReduceLogSumExp", ops.logsumexp)
reduce_all = _reduction(
    "All",
    lambda v, axes, keepdims: ops.eq(
        ops.reduce_sum(ops.cast(ops.logical_not(v), "int32"), axes=axes, keepdims=keepdims), 0
    ),
    False,
)
reduce_any = _reduction(
    "Any",
    lambda v, axes, keepdims: ops.gt(
        ops.reduce_sum(ops.cast(v, "int32"), axes=axes, keepdims=keepdims), 0
    ),
    False,
)
reduce_std = _reduction(
    "ReduceStd", lambda v, axes, keepdims: ops.sqrt(composites.variance(v, axes, keepdims))
)
reduce_variance = _reduction("ReduceVariance", composites.variance)


def _arg(op_type: str, core_fn: Callable[..., Any]) -> Callable[..., Any]:
    def fn(
        input: Any, axis: Any = None, output_type: Any = dtypes.int64, name: str | None = None
    ) -> Any:  # noqa: A002
        x = convert_to_tensor(input)
        ax = 0 if axis is None else int(axis)
        out = dtypes.as_dtype(output_type)
        return make_op(
            op_type,
            [x],
            lambda v: core_fn(v, axis=ax, index_dtype=out.np),
            name=name,
            differentiable=False,
        )

    return fn


argmax = _arg("ArgMax", ops.argmax)
argmin = _arg("ArgMin", ops.argmin)


def cumsum(
    x: Any,
    axis: int = 0,
    exclusive: builtins.bool = False,
    reverse: builtins.bool = False,
    name: str | None = None,
) -> Any:
    x = convert_to_tensor(x)

    def run(v: Any) -> Any:
        total = ops.cumsum(v, axis, reverse=reverse)
        return ops.sub(total, v) if exclusive else total

    return make_op("Cumsum", [x], run, name=name)


def count_nonzero(
    input: Any,
    axis: Any = None,
    keepdims: builtins.bool = False,
    dtype: Any = dtypes.int64,
    name: str | None = None,
) -> Any:  # noqa: A002
    x = convert_to_tensor(input)
    axes = _axes(axis, x.shape.rank)
    d = dtypes.as_dtype(dtype).np
    return make_op(
        "CountNonzero",
        [x],
        lambda v: ops.reduce_sum(ops.cast(ops.ne(v, 0), d), axes=axes, keepdims=keepdims),
        name=name,
        differentiable=False,
    )


# tf.math names written in more_ops.py (which builds on this module)
_FROM_MORE_OPS = {
    "top_k",
    "in_top_k",
    "is_nan",
    "is_inf",
    "is_finite",
    "divide_no_nan",
    "multiply_no_nan",
    "confusion_matrix",
    "bincount",
    "unsorted_segment_sum",
    "unsorted_segment_mean",
    "argsort",
    "sort",
}


def __getattr__(name: str) -> object:
    if name in _FROM_MORE_OPS:
        from workbench.static import more_ops  # noqa: PLC0415  (it builds on this module)

        return getattr(more_ops, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
