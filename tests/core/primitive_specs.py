"""One spec per primitive: how to call it, a float64 NumPy reference, and how to draw
inputs and params (the JAX ``lax_autodiff_test`` pattern). Tests are generated from
this table; a registry test fails if a primitive has no spec here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.strategies import axes_and_keepdims, broadcast_pairs, host_values, shapes
from workbench.core import ops

Draw = Any


@dataclass
class Spec:
    name: str
    op: Callable[..., Any]  # (*arrays, **params) -> value(s), through the public function
    reference: Callable[..., Any]  # (*float64 ndarrays, **params) -> ndarray(s)
    draw_args: Callable[[Draw, np.random.Generator], tuple[list[np.ndarray], dict[str, Any]]]
    differentiable: bool = True
    order: int = 2
    float_dtypes: tuple[str, ...] = ("float32", "float64")
    modes: tuple[str, ...] = ("fwd", "rev")
    extra: dict[str, Any] = field(default_factory=dict)


SPECS: dict[str, Spec] = {}

# Specs that build their uint32 operands from concrete values (so they cannot be traced,
# batched or moved to a GPU as given).
CONCRETE_ONLY = frozenset(
    {
        "bitwise_xor",
        "bitwise_or",
        "bitwise_and",
        "shift_right",
        "bitcast_f32",
        "bitcast",
        "threefry2x32",
    }
)


def spec(*args: Any, **kwargs: Any) -> None:
    s = Spec(*args, **kwargs)
    SPECS[s.name] = s


def _unary_args(domain: str) -> Callable[[Draw, np.random.Generator], Any]:
    def draw_args(draw: Draw, rng: np.random.Generator) -> Any:
        return [host_values(rng, draw(shapes()), domain)], {}

    return draw_args


def _binary_args(
    domain_x: str = "any", domain_y: str = "any"
) -> Callable[[Draw, np.random.Generator], Any]:
    def draw_args(draw: Draw, rng: np.random.Generator) -> Any:
        sx, sy = draw(broadcast_pairs())
        return [host_values(rng, sx, domain_x), host_values(rng, sy, domain_y)], {}

    return draw_args


# ---------------------------------------------------------------------------------------
# Elementwise

_erf = np.vectorize(math.erf, otypes=[np.float64])
UNARY = {
    "neg": (ops.neg, np.negative, "any", 2),
    "abs": (ops.abs, np.abs, "away_from_zero", 2),
    "exp": (ops.exp, np.exp, "any", 2),
    "log": (ops.log, np.log, "positive", 2),
    "log1p": (ops.log1p, np.log1p, "unit", 2),
    "expm1": (ops.expm1, np.expm1, "any", 2),
    "sqrt": (ops.sqrt, np.sqrt, "positive", 2),
    "rsqrt": (ops.rsqrt, lambda x: 1 / np.sqrt(x), "positive", 2),
    "square": (ops.square, np.square, "any", 2),
    "reciprocal": (ops.reciprocal, np.reciprocal, "away_from_zero", 2),
    "sin": (ops.sin, np.sin, "any", 2),
    "cos": (ops.cos, np.cos, "any", 2),
    "tanh": (ops.tanh, np.tanh, "any", 2),
    "logistic": (ops.logistic, lambda x: 1 / (1 + np.exp(-x)), "any", 2),
    "erf": (ops.erf, _erf, "any", 2),
    "relu": (ops.relu, lambda x: np.maximum(x, 0), "away_from_zero", 2),
    "tan": (ops.tan, np.tan, "unit", 2),
    "asin": (ops.asin, np.arcsin, "unit", 2),
    "acos": (ops.acos, np.arccos, "unit", 2),
    "atan": (ops.atan, np.arctan, "any", 2),
    "sinh": (ops.sinh, np.sinh, "any", 2),
    "cosh": (ops.cosh, np.cosh, "any", 2),
    "asinh": (ops.asinh, np.arcsinh, "any", 2),
    "acosh": (ops.acosh, np.arccosh, "above_one", 2),
    "atanh": (ops.atanh, np.arctanh, "unit", 2),
}
for _name, (_op, _ref, _domain, _order) in UNARY.items():
    spec(_name, lambda x, _op=_op: _op(x), _ref, _unary_args(_domain), order=_order)

# stop_gradient is the identity whose derivative is declared zero: finite differences
# disagree on purpose (its rules are tested in test_autodiff.py).
spec("stop_gradient", ops.stop_gradient, lambda x: x, _unary_args("any"), differentiable=False)

# Piecewise-constant functions: forward only; their derivative is zero (no gradient).
for _name, _op, _ref in (
    ("sign", ops.sign, np.sign),
    ("floor", ops.floor, np.floor),
    ("ceil", ops.ceil, np.ceil),
    ("round", ops.round, np.round),
):
    spec(
        _name, lambda x, _op=_op: _op(x), _ref, _unary_args("away_from_zero"), differentiable=False
    )

BINARY = {
    "add": (ops.add, np.add, "any", "any"),
    "sub": (ops.sub, np.subtract, "any", "any"),
    "mul": (ops.mul, np.multiply, "any", "any"),
    "div": (ops.div, np.divide, "any", "away_from_zero"),
    "pow": (ops.pow, np.power, "positive", "any"),
    "maximum": (ops.maximum, np.maximum, "any", "any"),
    "minimum": (ops.minimum, np.minimum, "any", "any"),
}
for _name, (_op, _ref, _dx, _dy) in BINARY.items():
    spec(_name, lambda x, y, _op=_op: _op(x, y), _ref, _binary_args(_dx, _dy))

for _name, _op, _ref in (
    ("eq", ops.eq, np.equal),
    ("ne", ops.ne, np.not_equal),
    ("lt", ops.lt, np.less),
    ("le", ops.le, np.less_equal),
    ("gt", ops.gt, np.greater),
    ("ge", ops.ge, np.greater_equal),
):
    spec(
        _name,
        lambda x, y, _op=_op: _op(x, ops.round(y)),
        lambda x, y, _ref=_ref: _ref(x, np.round(y)),
        _binary_args(),
        differentiable=False,
    )


def _bool_args(draw: Draw, rng: np.random.Generator) -> Any:
    sx, sy = draw(broadcast_pairs())
    return [rng.standard_normal(sx), rng.standard_normal(sy)], {}


spec(
    "logical_and",
    lambda x, y: ops.logical_and(ops.gt(x, 0), ops.gt(y, 0)),
    lambda x, y: np.logical_and(x > 0, y > 0),
    _bool_args,
    differentiable=False,
)
spec(
    "logical_or",
    lambda x, y: ops.logical_or(ops.gt(x, 0), ops.gt(y, 0)),
    lambda x, y: np.logical_or(x > 0, y > 0),
    _bool_args,
    differentiable=False,
)
spec(
    "logical_not",
    lambda x: ops.logical_not(ops.gt(x, 0)),
    lambda x: ~(x > 0),
    _unary_args("any"),
    differentiable=False,
)
spec(
    "is_finite",
    lambda x: ops.is_finite(ops.div(1.0, ops.round(x))),
    lambda x: np.isfinite(1 / np.round(x)),
    _unary_args("any"),
    differentiable=False,
)


def _select_args(draw: Draw, rng: np.random.Generator) -> Any:
    sx, sy = draw(broadcast_pairs())
    return [rng.standard_normal(sx), rng.standard_normal(sy), rng.standard_normal(sx)], {}


spec(
    "select",
    lambda p, x, y: ops.select(ops.gt(p, 0), x, y),
    lambda p, x, y: np.where(p > 0, x, y),
    _select_args,
)


def _cast_args(draw: Draw, rng: np.random.Generator) -> Any:
    return [host_values(rng, draw(shapes()))], {
        "dtype": draw(st.sampled_from(["float16", "float32", "float64"]))
    }


# A round trip through a narrower float is below finite differences' resolution, so
# cast's derivative rules are tested directly in test_autodiff.py.
spec(
    "cast",
    lambda x, dtype: ops.cast(ops.cast(x, dtype), x.dtype),
    lambda x, dtype: x.astype(dtype).astype(np.float64),
    _cast_args,
    differentiable=False,
    float_dtypes=("float64",),
)

# ---------------------------------------------------------------------------------------
# Structural


def _broadcast_args(draw: Draw, rng: np.random.Generator) -> Any:
    small, target = draw(broadcast_pairs())
    full = np.broadcast_shapes(small, target)
    return [rng.standard_normal(small)], {"shape": full}


spec(
    "broadcast_to",
    lambda x, shape: ops.broadcast_to(x, shape),
    lambda x, shape: np.broadcast_to(x, shape),
    _broadcast_args,
)


def _reshape_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(0, 3, 1, 4))
    size = int(np.prod(shape))
    factor = draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]))
    return [rng.standard_normal(shape)], {"shape": (factor, -1)}


spec(
    "reshape",
    lambda x, shape: ops.reshape(x, shape),
    lambda x, shape: np.reshape(x, shape),
    _reshape_args,
)


def _transpose_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 4))
    perm = draw(st.permutations(range(len(shape))))
    return [rng.standard_normal(shape)], {"perm": tuple(perm)}


spec(
    "transpose",
    lambda x, perm: ops.transpose(x, perm),
    lambda x, perm: np.transpose(x, perm),
    _transpose_args,
)


def _concat_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 0, 3))
    axis = draw(st.integers(0, len(shape) - 1))
    n = draw(st.integers(2, 3))
    parts = []
    for _ in range(n):
        s = list(shape)
        s[axis] = draw(st.integers(0, 3))
        parts.append(rng.standard_normal(s))
    return parts, {"axis": axis}


spec(
    "concatenate",
    lambda *xs, axis: ops.concatenate(xs, axis),
    lambda *xs, axis: np.concatenate(xs, axis),
    _concat_args,
)


def _split_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 0, 5))
    axis = draw(st.integers(0, len(shape) - 1))
    cut = draw(st.integers(0, shape[axis]))
    return [rng.standard_normal(shape)], {"axis": axis, "sizes": (cut, shape[axis] - cut)}


spec(
    "split",
    lambda x, axis, sizes: ops.split(x, sizes, axis),
    lambda x, axis, sizes: tuple(np.split(x, [sizes[0]], axis)),
    _split_args,
)


def _slice_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 0, 6))
    key = []
    for d in shape:
        start = draw(st.one_of(st.none(), st.integers(-d - 1, d + 1)))
        stop = draw(st.one_of(st.none(), st.integers(-d - 1, d + 1)))
        step = draw(st.sampled_from([None, 1, 2, 3, -1, -2]))
        key.append((start, stop, step))
    return [rng.standard_normal(shape)], {"key": tuple(key)}


# slicing with strides and negative steps (the slice primitive plus flip)
spec(
    "slice",
    lambda x, key: ops.strided_slice(x, key),
    lambda x, key: x[tuple(slice(*k) for k in key)],
    _slice_args,
)


def _flip_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    return [rng.standard_normal(shape)], {"axes": tuple(axes)}


spec("flip", lambda x, axes: ops.flip(x, axes), lambda x, axes: np.flip(x, axes), _flip_args)


def _pad_reference(x: np.ndarray, config: Any, value: float) -> np.ndarray:
    out = x
    for axis, (lo, hi, interior) in enumerate(config):
        if interior:
            n = out.shape[axis]
            shape = list(out.shape)
            shape[axis] = n + max(n - 1, 0) * interior
            grown = np.full(shape, value)
            index = [slice(None)] * out.ndim
            index[axis] = slice(None, None, interior + 1)
            grown[tuple(index)] = out
            out = grown
        widths = [(0, 0)] * out.ndim
        widths[axis] = (max(lo, 0), max(hi, 0))
        out = np.pad(out, widths, constant_values=value)
        index = [slice(None)] * out.ndim
        index[axis] = slice(max(-lo, 0), out.shape[axis] - max(-hi, 0))
        out = out[tuple(index)]
    return out


def _pad_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 4))
    config = []
    for d in shape:
        interior = draw(st.integers(0, 2))
        span = d + (d - 1) * interior
        lo = draw(st.integers(-min(span // 2, 2), 2))
        hi = draw(st.integers(-min(span // 2, 2), 2))
        config.append((lo, hi, interior))
    return [rng.standard_normal(shape)], {
        "config": tuple(config),
        "value": draw(st.sampled_from([0.0, 1.5])),
    }


spec("pad", lambda x, config, value: ops.pad(x, config, value), _pad_reference, _pad_args)


def _dynamic_slice_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 5))
    sizes = tuple(draw(st.integers(0, d)) for d in shape)
    starts = tuple(draw(st.integers(-2, d + 2)) for d in shape)
    return [rng.standard_normal(shape)], {"starts": starts, "sizes": sizes}


def _clamp(starts: Any, shape: Any, sizes: Any) -> list[int]:
    return [min(max(s, 0), d - n) for s, d, n in zip(starts, shape, sizes)]


spec(
    "dynamic_slice",
    lambda x, starts, sizes: ops.dynamic_slice(x, starts, sizes),
    lambda x, starts, sizes: x[
        tuple(slice(a, a + n) for a, n in zip(_clamp(starts, x.shape, sizes), sizes))
    ],
    _dynamic_slice_args,
)


def _dus_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 5))
    sizes = tuple(draw(st.integers(0, d)) for d in shape)
    starts = tuple(draw(st.integers(-2, d + 2)) for d in shape)
    return [rng.standard_normal(shape), rng.standard_normal(sizes)], {"starts": starts}


def _dus_reference(x: np.ndarray, u: np.ndarray, starts: Any) -> np.ndarray:
    out = x.copy()
    lo = _clamp(starts, x.shape, u.shape)
    out[tuple(slice(a, a + n) for a, n in zip(lo, u.shape))] = u
    return out


spec(
    "dynamic_update_slice",
    lambda x, u, starts: ops.dynamic_update_slice(x, u, starts),
    _dus_reference,
    _dus_args,
)

# ---------------------------------------------------------------------------------------
# Reductions


def _reduce_args(min_side: int = 0) -> Callable[[Draw, np.random.Generator], Any]:
    def draw_args(draw: Draw, rng: np.random.Generator) -> Any:
        shape = draw(shapes(0, 3, min_side, 4))
        axes, keepdims = draw(axes_and_keepdims(len(shape)))
        return [rng.standard_normal(shape)], {"axes": axes, "keepdims": keepdims}

    return draw_args


def _np_reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def ref(x: np.ndarray, axes: Any, keepdims: bool) -> np.ndarray:
        return fn(x, axis=None if axes is None else tuple(axes), keepdims=keepdims)

    return ref


spec(
    "reduce_sum",
    lambda x, axes, keepdims: ops.reduce_sum(x, axes, keepdims),
    _np_reduce(np.sum),
    _reduce_args(),
)
spec(
    "reduce_max",
    lambda x, axes, keepdims: ops.reduce_max(x, axes, keepdims),
    _np_reduce(np.max),
    _reduce_args(1),
)
spec(
    "reduce_min",
    lambda x, axes, keepdims: ops.reduce_min(x, axes, keepdims),
    _np_reduce(np.min),
    _reduce_args(1),
)
spec(
    "reduce_prod",
    lambda x, axes, keepdims: ops.reduce_prod(x, axes, keepdims),
    _np_reduce(np.prod),
    _reduce_args(),
)


def _arg_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 4))
    return [rng.standard_normal(shape)], {
        "axis": draw(st.integers(-len(shape), len(shape) - 1)),
        "keepdims": draw(st.booleans()),
    }


spec(
    "argmax",
    lambda x, axis, keepdims: ops.argmax(x, axis, keepdims),
    lambda x, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims),
    _arg_args,
    differentiable=False,
)
spec(
    "argmin",
    lambda x, axis, keepdims: ops.argmin(x, axis, keepdims),
    lambda x, axis, keepdims: np.argmin(x, axis=axis, keepdims=keepdims),
    _arg_args,
    differentiable=False,
)


def _cumsum_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3))
    return [rng.standard_normal(shape)], {
        "axis": draw(st.integers(0, len(shape) - 1)),
        "reverse": draw(st.booleans()),
    }


def _cumsum_reference(x: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis)
    return np.cumsum(x, axis)


spec(
    "cumsum", lambda x, axis, reverse: ops.cumsum(x, axis, reverse), _cumsum_reference, _cumsum_args
)


def _log_softmax_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3))
    return [3 * rng.standard_normal(shape)], {"axis": draw(st.integers(0, len(shape) - 1))}


def _log_softmax_reference(x: np.ndarray, axis: int) -> np.ndarray:
    if x.size == 0:
        return x.copy()
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


spec(
    "log_softmax",
    lambda x, axis: ops.log_softmax(x, axis),
    _log_softmax_reference,
    _log_softmax_args,
)

# ---------------------------------------------------------------------------------------
# Indexing


def _gather_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(2, 3, 1, 4))
    index_shape = draw(shapes(0, 2, 0, 3))
    first = rng.integers(-shape[0], shape[0], size=index_shape)
    kind = draw(st.sampled_from(["leading", "separated", "adjacent"]))
    if kind == "leading":
        key: Any = (first,)
    elif kind == "separated":  # advanced indices split by a slice: their dims go first
        second = rng.integers(0, shape[-1], size=index_shape)
        key = (first, slice(None, None, -1)) + (second,) if len(shape) == 3 else (first, second)
    else:
        second = rng.integers(0, shape[1], size=index_shape)
        key = (slice(None), second) if len(shape) == 2 else (slice(1, None), second, None)
    return [rng.standard_normal(shape)], {"key": key}


spec("gather", lambda x, key: ops.index(x, key), lambda x, key: x[key], _gather_args)


def _scatter_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 4))
    n = draw(st.integers(0, 5))
    idx = rng.integers(0, shape[0], size=(n,))  # repeats on purpose: they must accumulate
    return [rng.standard_normal(shape), rng.standard_normal((n,) + shape[1:])], {"key": (idx,)}


def _scatter_add_reference(x: np.ndarray, u: np.ndarray, key: Any) -> np.ndarray:
    out = x.copy()
    np.add.at(out, key, u)
    return out


spec(
    "scatter_add", lambda x, u, key: ops.index_add(x, key, u), _scatter_add_reference, _scatter_args
)


def _scatter_unique_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 4))
    n = draw(st.integers(0, shape[0]))
    idx = rng.permutation(shape[0])[:n]  # unique: with repeats "which write wins" is unspecified
    return [rng.standard_normal(shape), rng.standard_normal((n,) + shape[1:])], {"key": (idx,)}


def _scatter_reference(x: np.ndarray, u: np.ndarray, key: Any) -> np.ndarray:
    out = x.copy()
    out[key] = u
    return out


spec(
    "scatter", lambda x, u, key: ops.index_set(x, key, u), _scatter_reference, _scatter_unique_args
)

# ---------------------------------------------------------------------------------------
# Linear algebra


def _matmul_args(draw: Draw, rng: np.random.Generator) -> Any:
    m, k, n = draw(st.integers(1, 4)), draw(st.integers(0, 4)), draw(st.integers(1, 4))
    batch_x, batch_y = draw(broadcast_pairs(max_dims=2))
    if draw(st.booleans()):
        batch_y = ()  # x batched against a plain matrix
    return [rng.standard_normal(batch_x + (m, k)), rng.standard_normal(batch_y + (k, n))], {}


spec("dot_general", lambda x, y: ops.matmul(x, y), np.matmul, _matmul_args)


def _linear_args(draw: Draw, rng: np.random.Generator) -> Any:
    k, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    lead = draw(st.sampled_from([(), (3,), (2, 3)]))
    return [
        rng.standard_normal(lead + (k,)),
        rng.standard_normal((n, k)),
        rng.standard_normal(n),
    ], {}


spec("linear", lambda x, w, b: ops.linear(x, w, b), lambda x, w, b: x @ w.T + b, _linear_args)

# ---------------------------------------------------------------------------------------
# Decompositions: matrices drawn well conditioned, with eigenvalues and singular values
# apart (the derivatives divide by their gaps); sign-ambiguous factors are compared with
# a fixed sign so that finite differences see a smooth function.


def _stack(draw: Draw) -> tuple[int, ...]:
    return draw(st.sampled_from([(), (2,)]))


def _orthogonal(rng: np.random.Generator, lead: tuple[int, ...], n: int) -> np.ndarray:
    return np.linalg.qr(rng.standard_normal(lead + (n, n)))[0]


def _spread(draw: Draw, rng: np.random.Generator, lead: tuple[int, ...], k: int) -> np.ndarray:
    """k values at least 0.5 apart, all at least 0.5, in random order."""
    return rng.permuted(np.broadcast_to(0.5 + 0.75 * np.arange(k), lead + (k,)), axis=-1)


def _square_args(count: int) -> Callable[[Draw, np.random.Generator], Any]:
    def draw_args(draw: Draw, rng: np.random.Generator) -> Any:
        lead, n = _stack(draw), draw(st.integers(1, 4))
        a = rng.standard_normal(lead + (n, n)) + (n + 1) * np.eye(n)
        rhs = [rng.standard_normal(lead + (n, draw(st.integers(1, 3))))]
        return [a, *rhs][:count], {}

    return draw_args


def _symmetric_args(positive: bool) -> Callable[[Draw, np.random.Generator], Any]:
    def draw_args(draw: Draw, rng: np.random.Generator) -> Any:
        lead, n = _stack(draw), draw(st.integers(1, 4))
        q, w = _orthogonal(rng, lead, n), _spread(draw, rng, lead, n)
        if not positive:
            w = w - 1.2
        a = q @ (w[..., None] * np.swapaxes(q, -1, -2))
        return [a + rng.standard_normal(a.shape) * 1e-3], {}  # a little asymmetry

    return draw_args


def _rectangular_args(draw: Draw, rng: np.random.Generator) -> Any:
    lead, m, n = _stack(draw), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    k = min(m, n)
    s = _spread(draw, rng, lead, k)
    u = _orthogonal(rng, lead, m)[..., :k]
    v = _orthogonal(rng, lead, n)[..., :k]
    return [u @ (s[..., None] * np.swapaxes(v, -1, -2))], {}


def _symmetrised(a: Any) -> Any:
    return ops.mul(ops.add(a, ops.transpose(a, _swap_last(a.ndim))), 0.5)


def _np_symmetrised(a: np.ndarray) -> np.ndarray:
    return (a + np.swapaxes(a, -1, -2)) / 2


def _first_row_signs(x: Any) -> Any:
    """The sign of each column's first entry, as a row to multiply by."""
    return ops.sign(ops.slice(x, (0,) * x.ndim, (*x.shape[:-2], 1, x.shape[-1])))


def _eigh_fixed(a: Any) -> Any:
    w, v = ops.eigh(_symmetrised(a))
    return w, ops.mul(v, _first_row_signs(v))


def _np_eigh_fixed(a: np.ndarray) -> Any:
    w, v = np.linalg.eigh(_np_symmetrised(a))
    return w, v * np.sign(v[..., :1, :])


def _svd_fixed(a: Any) -> Any:
    u, s, vh = ops.svd(a)
    signs = _first_row_signs(u)
    return ops.mul(u, signs), s, ops.mul(vh, ops.transpose(signs, _swap_last(signs.ndim)))


def _swap_last(ndim: int) -> list[int]:
    return [*range(ndim - 2), ndim - 1, ndim - 2]


def _np_svd_fixed(a: np.ndarray) -> Any:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    signs = np.sign(u[..., :1, :])
    return u * signs, s, vh * np.swapaxes(signs, -1, -2)


def _qr_fixed(a: Any) -> Any:
    q, r = ops.qr(a)
    k = min(a.shape[-2:])
    d = ops.reduce_sum(
        ops.mul(ops.slice(r, (0,) * r.ndim, (*r.shape[:-1], k)), ops.array(np.eye(k))), -1
    )
    signs = ops.sign(d)
    return ops.mul(q, ops.expand_dims(signs, [signs.ndim - 1])), ops.mul(
        r, ops.expand_dims(signs, [signs.ndim])
    )


def _np_qr_fixed(a: np.ndarray) -> Any:
    q, r = np.linalg.qr(a)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return q * signs[..., None, :], r * signs[..., :, None]


_FACTOR = {"float_dtypes": ("float64",)}  # float32 accuracy of a factor depends on its gaps
spec("inv", ops.inv, np.linalg.inv, _square_args(1))
spec("solve", ops.solve, np.linalg.solve, _square_args(2))
spec(
    "triangular_solve",
    lambda a, b: ops.triangular_solve(a, b, lower=True),
    lambda a, b: np.linalg.solve(np.tril(a), b),
    _square_args(2),
)
spec("slogdet", ops.slogdet, lambda a: tuple(np.linalg.slogdet(a)), _square_args(1))
spec(
    "cholesky",
    lambda a: ops.cholesky(_symmetrised(a)),
    lambda a: np.linalg.cholesky(_np_symmetrised(a)),
    _symmetric_args(positive=True),
)
spec("eigh", _eigh_fixed, _np_eigh_fixed, _symmetric_args(positive=False), **_FACTOR)
spec("svd", _svd_fixed, _np_svd_fixed, _rectangular_args, **_FACTOR)
spec("qr", _qr_fixed, _np_qr_fixed, _rectangular_args, **_FACTOR)
spec("pinv", ops.pinv, np.linalg.pinv, _rectangular_args, **_FACTOR)

# ---------------------------------------------------------------------------------------
# Convolution and windows


def _conv_args(draw: Draw, rng: np.random.Generator) -> Any:
    d = draw(st.integers(1, 2))
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    window = tuple(draw(st.integers(1, 3)) for _ in range(d))
    strides = tuple(draw(st.integers(1, 2)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(d))
    spatial = tuple(draw(st.integers((k - 1) * dl + 1, 6)) for k, dl in zip(window, dilation))
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in) + spatial)
    w = rng.standard_normal((c_out, c_in // groups) + window)
    return [x, w], {
        "strides": strides,
        "padding": padding,
        "rhs_dilation": dilation,
        "groups": groups,
    }


def _conv_reference(
    x: np.ndarray, w: np.ndarray, strides: Any, padding: Any, rhs_dilation: Any, groups: int
) -> np.ndarray:
    """Direct loops over output positions: slow and obviously right."""
    d = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in padding])
    window = w.shape[2:]
    span = [(k - 1) * dl + 1 for k, dl in zip(window, rhs_dilation)]
    out_sp = [(n - s) // st + 1 for n, s, st in zip(xp.shape[2:], span, strides)]
    cg, og = w.shape[1], w.shape[0] // groups
    out = np.zeros((x.shape[0], w.shape[0], *out_sp))
    for pos in np.ndindex(*out_sp):
        region = tuple(
            slice(p * st, p * st + s, dl) for p, st, s, dl in zip(pos, strides, span, rhs_dilation)
        )
        patch = xp[(slice(None), slice(None)) + region]  # (N, C, *window)
        for g in range(groups):
            pg = patch[:, g * cg : (g + 1) * cg]
            wg = w[g * og : (g + 1) * og]
            out[(slice(None), slice(g * og, (g + 1) * og)) + pos] = np.tensordot(
                pg, wg, axes=(list(range(1, 2 + d)), list(range(1, 2 + d)))
            )
    return out


spec("conv", lambda x, w, **p: ops.conv(x, w, **p), _conv_reference, _conv_args, order=1)


def _windows_args(draw: Draw, rng: np.random.Generator) -> Any:
    window = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 3)))
    padding = ((draw(st.integers(0, 1)), draw(st.integers(0, 1))), (0, draw(st.integers(0, 1))))
    spatial = (draw(st.integers(window[0], 5)), draw(st.integers(window[1], 5)))
    return [rng.standard_normal((2,) + spatial)], {
        "window": window,
        "strides": strides,
        "padding": padding,
    }


def _windows_reference(x: np.ndarray, window: Any, strides: Any, padding: Any) -> np.ndarray:
    xp = np.pad(x, [(0, 0)] + [tuple(p) for p in padding])
    view = np.lib.stride_tricks.sliding_window_view(xp, window, axis=(1, 2))
    return view[:, :: strides[0], :: strides[1]]


spec("windows", lambda x, **p: ops.windows(x, **p), _windows_reference, _windows_args)


def _windows_transpose_args(draw: Draw, rng: np.random.Generator) -> Any:
    args, params = _windows_args(draw, rng)
    x = args[0]
    out_shape = _windows_reference(x, **params).shape
    return [rng.standard_normal(out_shape)], {"in_shape": x.shape, **params}


def _windows_transpose_reference(
    g: np.ndarray, in_shape: Any, window: Any, strides: Any, padding: Any
) -> np.ndarray:
    """Adjoint of windows, computed by brute force: column j is windows' VJP of e_j."""
    n = int(np.prod(in_shape))
    out = np.zeros(n)
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        out[j] = np.sum(_windows_reference(e.reshape(in_shape), window, strides, padding) * g)
    return out.reshape(in_shape)


spec(
    "windows_transpose",
    lambda g, in_shape, window, strides, padding: ops.windows_transpose(
        g, in_shape, window, strides, padding, (1, 1)
    ),
    _windows_transpose_reference,
    _windows_transpose_args,
)

# ---------------------------------------------------------------------------------------
# Random bits (integers: forward only; JAX's known-answer vectors live in test_random.py)


def _u32(x: np.ndarray) -> np.ndarray:
    return (np.abs(x) * 1e9).astype(np.uint64).astype(np.uint32)


def _bits_args(draw: Draw, rng: np.random.Generator) -> Any:
    sx, sy = draw(broadcast_pairs())
    return [rng.standard_normal(sx), rng.standard_normal(sy)], {}


spec(
    "bitwise_xor",
    lambda x, y: ops.bitwise_xor(ops.array(_u32(x.numpy())), ops.array(_u32(y.numpy()))),
    lambda x, y: np.bitwise_xor(_u32(x), _u32(y)),
    _bits_args,
    differentiable=False,
    float_dtypes=("float64",),
)
spec(
    "bitwise_or",
    lambda x, y: ops.bitwise_or(ops.array(_u32(x.numpy())), ops.array(_u32(y.numpy()))),
    lambda x, y: np.bitwise_or(_u32(x), _u32(y)),
    _bits_args,
    differentiable=False,
    float_dtypes=("float64",),
)
spec(
    "bitwise_and",
    lambda x, y: ops.bitwise_and(ops.array(_u32(x.numpy())), ops.array(_u32(y.numpy()))),
    lambda x, y: np.bitwise_and(_u32(x), _u32(y)),
    _bits_args,
    differentiable=False,
    float_dtypes=("float64",),
)
spec(
    "shift_right",
    lambda x, y: ops.shift_right(ops.array(_u32(x.numpy())), ops.array(_u32(y.numpy()) % 32)),
    lambda x, y: np.right_shift(_u32(x), _u32(y) % 32),
    _bits_args,
    differentiable=False,
    float_dtypes=("float64",),
)
spec(
    "bitcast",
    lambda x: ops.bitcast(ops.array(x.numpy().astype(np.float32)), "int32"),
    lambda x: x.astype(np.float32).view(np.int32),
    _unary_args("any"),
    differentiable=False,
    float_dtypes=("float64",),
)
spec(
    "bitcast_f32",
    lambda x: ops.bitcast_f32(ops.array(_u32(x.numpy()))),
    lambda x: _u32(x).view(np.float32),
    _unary_args("any"),
    differentiable=False,
    float_dtypes=("float64",),
)


def _threefry_reference(k: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Threefry-2x32 (20 rounds) in plain Python integers: an independent implementation."""
    mask = 0xFFFFFFFF
    rot = [13, 15, 26, 6, 17, 29, 16, 24]
    k0, k1 = int(_u32(k)[0]), int(_u32(k)[1])
    ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]
    out0, out1 = [], []
    for c0, c1 in zip(_u32(c).ravel(), (_u32(c) ^ 0x5A5A).ravel()):
        x = [(int(c0) + ks[0]) & mask, (int(c1) + ks[1]) & mask]
        for i in range(20):
            r = rot[(i % 4) + 4 * ((i // 4) % 2)]
            x[0] = (x[0] + x[1]) & mask
            x[1] = ((x[1] << r) | (x[1] >> (32 - r))) & mask
            x[1] ^= x[0]
            if i % 4 == 3:
                s = i // 4 + 1
                x[0] = (x[0] + ks[s % 3]) & mask
                x[1] = (x[1] + ks[(s + 1) % 3] + s) & mask
        out0.append(x[0])
        out1.append(x[1])
    shape = c.shape
    return np.array(out0, np.uint32).reshape(shape), np.array(out1, np.uint32).reshape(shape)


def _threefry_args(draw: Draw, rng: np.random.Generator) -> Any:
    return [rng.standard_normal(2), rng.standard_normal(draw(shapes(0, 2)))], {}


def _threefry_op(k: Any, c: Any) -> Any:
    counters = _u32(c.numpy())
    return ops.threefry2x32(
        ops.array(_u32(k.numpy())), ops.array(counters), ops.array(counters ^ np.uint32(0x5A5A))
    )


spec(
    "threefry2x32",
    _threefry_op,
    _threefry_reference,
    _threefry_args,
    differentiable=False,
    float_dtypes=("float64",),
)


# ---------------------------------------------------------------------------------------
# Control flow (sub-graphs in params)


def _nonempty_args(draw: Draw, rng: np.random.Generator) -> Any:
    return [rng.standard_normal(draw(shapes(1, 2, 1, 3)))], {}


def _cond_op(x: Any) -> Any:
    return ops.cond(ops.gt(ops.reduce_sum(x), 0.0), ops.sin, lambda v: ops.mul(v, v), x)


spec("cond", _cond_op, lambda x: np.sin(x) if x.sum() > 0 else x * x, _nonempty_args)


def _while_op(x: Any) -> Any:
    counter = ops.array(np.int64(0), device=x.device)
    body = lambda c: (ops.add(c[0], 1), ops.add(ops.sin(c[1]), ops.mul(c[1], 0.5)))  # noqa: E731
    return ops.while_loop(lambda c: ops.lt(c[0], 3), body, (counter, x))[1]


def _while_reference(x: np.ndarray) -> np.ndarray:
    for _ in range(3):
        x = np.sin(x) + 0.5 * x
    return x


# reverse mode through while_loop is refused by design (test_control.py checks the error)
spec("while_loop", _while_op, _while_reference, _nonempty_args, modes=("fwd",))


def _scan_args(draw: Draw, rng: np.random.Generator) -> Any:
    length, width = draw(st.integers(0, 4)), draw(st.integers(1, 3))
    return [rng.standard_normal(width), rng.standard_normal((length, width))], {
        "reverse": draw(st.booleans())
    }


def _scan_op(h: Any, xs: Any, reverse: bool) -> Any:
    return ops.scan(lambda c, x: (ops.tanh(ops.add(c, x)), ops.mul(c, 2.0)), h, xs, reverse=reverse)


def _scan_reference(h: np.ndarray, xs: np.ndarray, reverse: bool) -> tuple[np.ndarray, np.ndarray]:
    ys = np.zeros_like(xs)
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        ys[t] = 2 * h
        h = np.tanh(h + xs[t])
    return h, ys


spec("scan", _scan_op, _scan_reference, _scan_args)


def _call_op(x: Any) -> Any:
    from workbench.core import make_graph

    return ops.call(make_graph(lambda v: ops.mul(ops.sin(v), 2.0), x), x)[0]


spec("call", _call_op, lambda x: np.sin(x) * 2, _unary_args("any"))


def _fused_op(x: Any) -> Any:
    from workbench.core import make_graph
    from workbench.core.dispatch import apply
    from workbench.core.passes import fuse_elementwise
    from workbench.core.primitives.control import fused_p

    graph, _ = fuse_elementwise(make_graph(lambda v: ops.tanh(ops.mul(ops.sin(v), 2.0)), x))
    return apply(fused_p, x, graph=graph.equations[0].params["graph"])[0]


spec("fused", _fused_op, lambda x: np.tanh(np.sin(x) * 2), _unary_args("any"))


def _custom_vjp_op(x: Any) -> Any:
    from workbench.core.primitives.control import custom_vjp_call

    # sin with its derivative supplied by hand: cotangent · cos(x)
    return custom_vjp_call(
        lambda v: [ops.sin(v)], lambda gs, args, outs: [ops.mul(gs[0], ops.cos(args[0]))], x
    )[0]


# a user-defined backward only: reverse mode; evaluation only (no output types to trace with)
spec("custom_vjp", _custom_vjp_op, np.sin, _unary_args("any"), modes=("rev",))


def _device_put_op(x: Any) -> Any:
    from workbench.backend import get_device

    return ops.device_put(ops.device_put(x, get_device("cpu:1")), x.device)


# moving between the logical devices cpu:0 and cpu:1 (and back): the identity, differentiably
spec("device_put", _device_put_op, lambda x: x, _unary_args("any"))

# ---------------------------------------------------------------------------------------
# Added with the functional front end: erf_inv, rem, argsort, collectives, custom_jvp

_erf_inv_ref = np.vectorize(lambda y: _newton_erf_inv(y), otypes=[np.float64])


def _newton_erf_inv(y: float) -> float:
    x = 0.0
    for _ in range(60):
        x -= (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
    return x


spec("erf_inv", ops.erf_inv, _erf_inv_ref, _unary_args("unit"))
spec("rem", ops.rem, np.fmod, _binary_args("any", "positive"))
spec("atan2", ops.atan2, np.arctan2, _binary_args("away_from_zero", "away_from_zero"))


def _argsort_args(draw: Draw, rng: np.random.Generator) -> Any:
    shape = draw(shapes(1, 3, 1, 4))
    return [rng.standard_normal(shape)], {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


spec(
    "argsort",
    lambda x, axis: ops.argsort(x, axis),
    lambda x, axis: np.argsort(x, axis=axis, kind="stable"),
    _argsort_args,
    differentiable=False,
)


def _leading_args(draw: Draw, rng: np.random.Generator) -> Any:
    return [rng.standard_normal(draw(shapes(1, 3, 1, 4)))], {}


def _psum_op(x: Any) -> Any:
    from workbench.core import vmap

    return vmap(lambda v: ops.psum(v, "i"), axis_name="i")(x)


def _all_gather_op(x: Any) -> Any:
    from workbench.core import vmap

    return vmap(lambda v: ops.all_gather(v, "i"), axis_name="i")(x)


# collectives exist only inside a named vmap: specs call them through one
spec("psum", _psum_op, lambda x: np.broadcast_to(x.sum(0), x.shape), _leading_args)
spec(
    "all_gather",
    _all_gather_op,
    lambda x: np.broadcast_to(x, (x.shape[0], *x.shape)),
    _leading_args,
)


def _custom_jvp_op(x: Any) -> Any:
    # sin with its tangent supplied by hand: t · cos(x); reverse mode transposes it
    return ops.custom_jvp_call(
        lambda v: [ops.sin(v)],
        lambda primals, tangents: (
            [ops.sin(primals[0])],
            [ops.mul(tangents[0], ops.cos(primals[0]))],
        ),
        x,
    )[0]


spec("custom_jvp", _custom_jvp_op, np.sin, _unary_args("any"))


# ---------------------------------------------------------------------------------------
# Shapes read when a graph runs (for dimensions unknown while it is built)


def _positions(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = np.arange(x.size, dtype=np.uint64).reshape(x.shape)
    return (flat >> np.uint64(32)).astype(np.uint32), (flat & np.uint64(0xFFFFFFFF)).astype(
        np.uint32
    )


spec(
    "counters",
    lambda x: ops.counters(x),
    _positions,
    _unary_args("any"),
    differentiable=False,
    float_dtypes=("float64",),
)
spec(
    "shape_of",
    lambda x: ops.shape_of(x, np.int64),
    lambda x: np.array(x.shape, np.int64),
    _unary_args("any"),
    differentiable=False,
    float_dtypes=("float64",),
)


# host callbacks (jax.pure_callback, io_callback, debug.print): NumPy runs the function
def _host_sin(x: Any, **kwargs: Any) -> Any:
    from workbench.core.primitives import callbacks
    from workbench.core.trace import type_of

    return callbacks.callback(np.sin, [type_of(x)], x, vmap_method="sequential", **kwargs)[0]


def _host_effect(x: Any) -> Any:
    from workbench.core.primitives import callbacks

    callbacks.callback(lambda v: None, [], x, debug=True)
    return ops.mul(x, 1.0)


spec("pure_callback", _host_sin, np.sin, _unary_args("any"), differentiable=False)
spec(
    "io_callback",
    lambda x: _host_sin(x, effectful=True),
    np.sin,
    _unary_args("any"),
    differentiable=False,
)
spec("debug_callback", _host_effect, lambda x: x, _unary_args("any"), differentiable=False)


def _max_pool_reference(x: np.ndarray, window: Any, strides: Any, padding: Any) -> np.ndarray:
    xp = np.pad(x, [(0, 0)] + [tuple(p) for p in padding], constant_values=-np.inf)
    view = np.lib.stride_tricks.sliding_window_view(xp, window, axis=(1, 2))
    return view[:, :: strides[0], :: strides[1]].max(axis=(-2, -1))


def _max_pool_args(draw: Draw, rng: np.random.Generator) -> Any:
    args, params = _windows_args(draw, rng)
    if draw(st.booleans()):  # windows that tile the input (the fast path)
        k = params["window"]
        x = rng.standard_normal((2, k[0] * draw(st.integers(1, 3)), k[1] * draw(st.integers(1, 3))))
        return [x], {"window": k, "strides": k, "padding": ((0, 0), (0, 0))}
    # padding narrower than the window, so no window is all padding (-inf): PyTorch's rule
    pads = tuple(
        (min(lo, k - 1), min(hi, k - 1)) for (lo, hi), k in zip(params["padding"], params["window"])
    )
    return args, {**params, "padding": pads}


spec("max_pool", lambda x, **p: ops.max_pool(x, **p), _max_pool_reference, _max_pool_args)


def _max_pool_grad_reference(
    x: np.ndarray, g: np.ndarray, window: Any, strides: Any, padding: Any
) -> np.ndarray:
    """Each window's cotangent added at its first maximum, by brute force."""
    out = np.zeros_like(x)
    (lo0, _), (lo1, _) = padding
    for b in range(g.shape[0]):
        for i in range(g.shape[1]):
            for j in range(g.shape[2]):
                best, at = -np.inf, None
                for a in range(window[0]):
                    for c in range(window[1]):
                        r, q = i * strides[0] + a - lo0, j * strides[1] + c - lo1
                        if 0 <= r < x.shape[1] and 0 <= q < x.shape[2] and x[b, r, q] > best:
                            best, at = x[b, r, q], (r, q)
                if at is not None:
                    out[b, at[0], at[1]] += g[b, i, j]
    return out


def _max_pool_grad_args(draw: Draw, rng: np.random.Generator) -> Any:
    (x,), params = _max_pool_args(draw, rng)
    g = rng.standard_normal(_max_pool_reference(x, **params).shape)
    return [x, g], params


def _max_pool_grad(x: Any, g: Any, **p: Any) -> Any:
    from workbench.core.dispatch import apply
    from workbench.core.primitives.windows import max_pool_grad_p

    y = ops.max_pool(x, **p)
    pads = tuple(tuple(int(v) for v in pair) for pair in p["padding"])
    params = {"window": tuple(p["window"]), "strides": tuple(p["strides"]), "padding": pads}
    return apply(max_pool_grad_p, x, y, g, dilation=(1, 1), **params)


spec("max_pool_grad", _max_pool_grad, _max_pool_grad_reference, _max_pool_grad_args, order=1)
