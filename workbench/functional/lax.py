"""``jax.lax``: structured control flow, convolutions, windows, collectives and the
strict-dtype primitive operations. Mirrors: jax.lax."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from workbench.core import ops
from workbench.core.primitive import normalize_axis
from workbench.functional.array import Array, canonical, default_int, value_of
from workbench.functional.transforms import lifted, to_arrays, to_values


def _v(x: Any, like: Any = None) -> Any:
    return value_of(x, like=like)


def _binary(core_fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Array]:
    def fn(x: Any, y: Any) -> Array:
        if isinstance(x, Array):
            a = x._value
            b = _v(y, like=a)
        else:
            b = _v(y)
            a = _v(x, like=b)
        return Array(core_fn(a, b))

    return fn


def _unary(core_fn: Callable[[Any], Any]) -> Callable[[Any], Array]:
    return lambda x: Array(core_fn(_v(x)))


add, sub, mul, div = _binary(ops.add), _binary(ops.sub), _binary(ops.mul), _binary(ops.div)
max, min = _binary(ops.maximum), _binary(ops.minimum)  # noqa: A001
pow, rem = _binary(ops.pow), _binary(ops.rem)  # noqa: A001
eq, ne, lt, le, gt, ge = (_binary(f) for f in (ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge))
neg, exp, log, log1p, expm1 = (_unary(f) for f in (ops.neg, ops.exp, ops.log, ops.log1p, ops.expm1))
tanh, logistic, sqrt, rsqrt, abs = (
    _unary(f) for f in (ops.tanh, ops.logistic, ops.sqrt, ops.rsqrt, ops.abs)
)  # noqa: A001
sin, cos, erf, erf_inv, sign = (
    _unary(f) for f in (ops.sin, ops.cos, ops.erf, ops.erf_inv, ops.sign)
)
floor, ceil, round, square = (_unary(f) for f in (ops.floor, ops.ceil, ops.round, ops.square))  # noqa: A001
stop_gradient = _unary(ops.stop_gradient)


def integer_pow(x: Any, y: int) -> Array:
    v = _v(x)
    out = ops.full(v.shape, 1, v.dtype, v.device)
    for _ in range(abs_int(y)):
        out = ops.mul(out, v)
    return Array(out if y >= 0 else ops.reciprocal(out))


def abs_int(n: int) -> int:
    return n if n >= 0 else -n


def convert_element_type(operand: Any, new_dtype: Any) -> Array:
    return Array(ops.cast(_v(operand), canonical(new_dtype)))


def bitcast_convert_type(operand: Any, new_dtype: Any) -> Array:
    """The same bits read as ``new_dtype`` (same width). Mirrors: lax.bitcast_convert_type."""
    return Array(ops.bitcast(_v(operand), canonical(new_dtype)))


def select(pred: Any, on_true: Any, on_false: Any) -> Array:
    """Mirrors: lax.select (no broadcasting of the predicate)."""
    return Array(ops.select(_v(pred), _v(on_true), _v(on_false)))


def clamp(min: Any, x: Any, max: Any) -> Array:  # noqa: A002
    v = _v(x)
    return Array(ops.minimum(ops.maximum(v, _v(min, like=v)), _v(max, like=v)))


class Precision:
    """Matrix-product precision requests (DEFAULT, HIGH, HIGHEST): accepted everywhere a
    ``precision=`` is; the workbench computes in the operands' dtype either way."""

    DEFAULT = "DEFAULT"
    HIGH = "HIGH"
    HIGHEST = "HIGHEST"


def dot(lhs: Any, rhs: Any, precision: Any = None, preferred_element_type: Any = None) -> Array:
    a, b = _v(lhs), _v(rhs)
    return Array(ops.dot_general(a, b, ((a.ndim - 1,), (0,))))


def dot_general(
    lhs: Any,
    rhs: Any,
    dimension_numbers: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """Mirrors: lax.dot_general (((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)))."""
    (lc, rc), (lb, rb) = dimension_numbers
    return Array(ops.dot_general(_v(lhs), _v(rhs), (tuple(lc), tuple(rc)), (tuple(lb), tuple(rb))))


def batch_matmul(lhs: Any, rhs: Any, precision: Any = None) -> Array:
    return Array(ops.matmul(_v(lhs), _v(rhs)))


def reshape(operand: Any, new_sizes: Sequence[int], dimensions: Any = None) -> Array:
    return Array(ops.reshape(_v(operand), tuple(new_sizes)))


def transpose(operand: Any, permutation: Sequence[int]) -> Array:
    return Array(ops.transpose(_v(operand), tuple(permutation)))


def concatenate(operands: Sequence[Any], dimension: int) -> Array:
    return Array(ops.concatenate([_v(o) for o in operands], dimension))


def slice(
    operand: Any, start_indices: Sequence[int], limit_indices: Sequence[int], strides: Any = None
) -> Array:  # noqa: A001
    return Array(ops.slice(_v(operand), tuple(start_indices), tuple(limit_indices), strides))


def pad(operand: Any, padding_value: Any, padding_config: Sequence[tuple[int, int, int]]) -> Array:
    return Array(
        ops.pad(_v(operand), [tuple(c) for c in padding_config], float(np.asarray(padding_value)))
    )


def rev(operand: Any, dimensions: Sequence[int]) -> Array:
    return Array(ops.flip(_v(operand), tuple(dimensions)))


def broadcast_in_dim(
    operand: Any, shape: Sequence[int], broadcast_dimensions: Sequence[int]
) -> Array:
    v = _v(operand)
    expanded = [1] * len(shape)
    for src, dst in enumerate(broadcast_dimensions):
        expanded[dst] = v.shape[src]
    return Array(ops.broadcast_to(ops.reshape(v, tuple(expanded)), tuple(shape)))


def expand_dims(array: Any, dimensions: Sequence[int]) -> Array:
    return Array(ops.expand_dims(_v(array), list(dimensions)))


def squeeze(array: Any, dimensions: Sequence[int]) -> Array:
    return Array(ops.squeeze(_v(array), list(dimensions)))


def iota(dtype: Any, size: int) -> Array:
    return Array(ops.array(np.arange(size, dtype=canonical(dtype))))


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None) -> Array:
    d = canonical(dtype) if dtype is not None else np.asarray(fill_value).dtype
    return Array(ops.array(np.full(tuple(shape), fill_value, canonical(d))))


def cumsum(operand: Any, axis: int = 0, reverse: bool = False) -> Array:
    return Array(ops.cumsum(_v(operand), axis, reverse))


def sort(operand: Any, dimension: int = -1, is_stable: bool = True, num_keys: int = 1) -> Array:
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return jnp.sort(operand, axis=dimension)


def top_k(operand: Any, k: int) -> tuple[Array, Array]:
    """The k largest entries of the last axis and their indices. Mirrors: lax.top_k."""
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    order = jnp.argsort(operand, axis=-1, descending=True)[..., :k]
    return jnp.take_along_axis(operand, order, -1), order


def dynamic_slice(operand: Any, start_indices: Sequence[Any], slice_sizes: Sequence[int]) -> Array:
    """Mirrors: lax.dynamic_slice (starts may be traced; they are clamped into range)."""
    return Array(
        ops.dynamic_slice(
            _v(operand),
            [_v(s) if not isinstance(s, int) else s for s in start_indices],
            slice_sizes,
        )
    )


def dynamic_update_slice(operand: Any, update: Any, start_indices: Sequence[Any]) -> Array:
    return Array(
        ops.dynamic_update_slice(
            _v(operand), _v(update), [_v(s) if not isinstance(s, int) else s for s in start_indices]
        )
    )


def dynamic_slice_in_dim(operand: Any, start_index: Any, slice_size: int, axis: int = 0) -> Array:
    """``dynamic_slice`` along one axis (the others taken whole)."""
    x = _v(operand)
    axis %= x.ndim
    starts = [0] * x.ndim
    starts[axis] = start_index
    sizes = list(x.shape)
    sizes[axis] = slice_size
    return dynamic_slice(operand, starts, sizes)


def dynamic_update_slice_in_dim(operand: Any, update: Any, start_index: Any, axis: int) -> Array:
    """``dynamic_update_slice`` at ``start_index`` along one axis (0 elsewhere)."""
    x = _v(operand)
    starts = [0] * x.ndim
    starts[normalize_axis("dynamic_slice_in_dim", axis, x.ndim)] = start_index
    return dynamic_update_slice(operand, update, starts)


def dynamic_index_in_dim(operand: Any, index: Any, axis: int = 0, keepdims: bool = True) -> Array:
    v = _v(operand)
    starts: list[Any] = [0] * v.ndim
    starts[axis] = index
    sizes = list(v.shape)
    sizes[axis] = 1
    out = dynamic_slice(Array(v), starts, sizes)
    return out if keepdims else squeeze(out, [axis])


# ---------------------------------------------------------------------------------------
# Control flow


def cond(
    pred: Any,
    true_fun: Callable[..., Any],
    false_fun: Callable[..., Any],
    *operands: Any,
    operand: Any = None,
) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, chosen when the
    computation runs (both are traced). Mirrors: lax.cond."""
    if operand is not None:
        operands = (operand,)
    p = pred if isinstance(pred, bool) else _v(pred)
    out = ops.cond(p, lifted(true_fun), lifted(false_fun), *to_values(operands))
    return to_arrays(out)


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)`` (index clamped). Mirrors: lax.switch."""
    i = index if isinstance(index, int) else _v(index)
    return to_arrays(ops.switch(i, [lifted(b) for b in branches], *to_values(operands)))


def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """Mirrors: lax.while_loop (differentiable in forward mode; reverse mode needs a
    fixed trip count: use fori_loop with Python-int bounds or scan)."""
    return to_arrays(ops.while_loop(lifted(cond_fun), lifted(body_fun), to_values(init_val)))


def fori_loop(
    lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any, unroll: Any = None
) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``. Mirrors: lax.fori_loop
    (a scan, so reverse-differentiable, when the bounds are Python ints)."""
    lo = lower if isinstance(lower, int) else _v(lower)
    hi = upper if isinstance(upper, int) else _v(upper)
    # the index is JAX's default integer (int32 unless x64), so `carry + i` keeps its type
    return to_arrays(
        ops.fori_loop(lo, hi, lifted(body_fun), to_values(init_val), index_dtype=default_int())
    )


def scan(
    f: Callable[[Any, Any], Any],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: Any = 1,
) -> Any:
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the final
    carry and the stacked ys. Mirrors: lax.scan."""
    carry, ys = ops.scan(lifted(f), to_values(init), to_values(xs), length=length, reverse=reverse)
    return to_arrays(carry), to_arrays(ys)


def map(f: Callable[[Any], Any], xs: Any, batch_size: int | None = None) -> Any:  # noqa: A001
    """``f`` over the leading axis of ``xs``, sequentially. Mirrors: lax.map."""
    _, ys = scan(lambda c, x: (c, f(x)), None, xs)
    return ys


# ---------------------------------------------------------------------------------------
# Convolutions and windows


def _conv_layout(numbers: Any, ndim: int) -> tuple[str, str, str]:
    """Layout strings from dimension numbers given as strings ("NHWC", "HWIO", "NHWC") or
    as a ConvDimensionNumbers of index permutations (what conv_dimension_numbers gives)."""
    spatial = "HWD"[: ndim - 2]
    if numbers is None:
        return "NC" + spatial, "OI" + spatial, "NC" + spatial
    if all(isinstance(n, str) for n in numbers):
        return tuple(numbers)  # type: ignore[return-value]

    def letters(perm: Sequence[int], first: str) -> str:
        out = [""] * len(perm)
        for letter, position in zip(first + spatial, perm):
            out[position] = letter
        return "".join(out)

    lhs, rhs, out = numbers
    return letters(lhs, "NC"), letters(rhs, "OI"), letters(out, "NC")


def conv_general_dilated(
    lhs: Any,
    rhs: Any,
    window_strides: Sequence[int],
    padding: Any,
    lhs_dilation: Any = None,
    rhs_dilation: Any = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """Mirrors: lax.conv_general_dilated (dimension numbers as layout strings such as
    ("NHWC", "HWIO", "NHWC"); default NCHW / OIHW)."""
    x, w = _v(lhs), _v(rhs)
    lhs_spec, rhs_spec, out_spec = _conv_layout(dimension_numbers, x.ndim)
    spatial = [c for c in lhs_spec if c not in "NC"]
    x = ops.transpose(x, tuple(lhs_spec.index(c) for c in "NC" + "".join(spatial)))
    w = ops.transpose(w, tuple(rhs_spec.index(c) for c in "OI" + "".join(spatial)))
    pad = padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)
    out = ops.conv(
        x, w, tuple(window_strides), pad, lhs_dilation, rhs_dilation, feature_group_count
    )
    canonical_out = "NC" + "".join(spatial)
    return Array(ops.transpose(out, tuple(canonical_out.index(c) for c in out_spec)))


def conv(
    lhs: Any, rhs: Any, window_strides: Sequence[int], padding: Any, precision: Any = None
) -> Array:
    return conv_general_dilated(lhs, rhs, window_strides, padding)


def conv_with_general_padding(
    lhs: Any,
    rhs: Any,
    window_strides: Sequence[int],
    padding: Any,
    lhs_dilation: Any = None,
    rhs_dilation: Any = None,
    precision: Any = None,
) -> Array:
    """A convolution in the default layouts (NCHW, OIHW) with explicit padding and
    dilations."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation)


class ConvDimensionNumbers(NamedTuple):
    """(lhs_spec, rhs_spec, out_spec): each the axis positions of (batch or out-feature,
    feature or in-feature, spatial…), as lax returns them."""

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


def conv_dimension_numbers(lhs_shape: Any, rhs_shape: Any, dimension_numbers: Any) -> Any:
    """Layout strings (or None for NCHW/OIHW/NCHW) as axis positions."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    lhs, rhs, out = _conv_layout(dimension_numbers, len(lhs_shape))
    spatial = [c for c in rhs if c not in "OI"]

    def positions(spec: str, first: str, second: str) -> tuple[int, ...]:
        return (spec.index(first), spec.index(second), *(spec.index(c) for c in spatial))

    return ConvDimensionNumbers(
        positions(lhs, "N", "C"), positions(rhs, "O", "I"), positions(out, "N", "C")
    )


def reduce_window(
    operand: Any,
    init_value: Any,
    computation: Callable[..., Any],
    window_dimensions: Sequence[int],
    window_strides: Sequence[int],
    padding: Any,
    base_dilation: Any = None,
    window_dilation: Any = None,
) -> Array:
    """Reduce every window with ``computation`` (lax.add / lax.max / lax.min). Mirrors:
    lax.reduce_window."""
    v = _v(operand)
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    kind = {
        add: "add",
        jnp.add: "add",
        max: "max",
        jnp.maximum: "max",
        min: "min",
        jnp.minimum: "min",
    }.get(computation)
    if kind is None:
        raise NotImplementedError(
            "reduce_window: the computation must be lax.add, lax.max or lax.min"
        )
    fill = {"add": 0.0, "max": -np.inf, "min": np.inf}[kind]
    pad = padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)
    if kind != "add":
        # XLA's select-and-scatter gives a window's gradient to one maximal element (not
        # shared among ties): the core's max_pool composite does the same
        from workbench.core.primitives.windows import max_pool  # noqa: PLC0415

        window, strides = tuple(window_dimensions), tuple(window_strides)
        if kind == "max":
            return Array(max_pool(v, window, strides, pad, window_dilation))
        return Array(ops.neg(max_pool(ops.neg(v), window, strides, pad, window_dilation)))
    windows = ops.windows(
        v, tuple(window_dimensions), tuple(window_strides), pad, window_dilation, value=fill
    )
    out = ops.reduce_sum(windows, axes=tuple(range(v.ndim, 2 * v.ndim)))
    init = float(np.asarray(init_value))
    if kind == "add" and init:
        out = ops.add(out, init)
    return Array(out)


# Collectives (inside pmap, shard_map or vmap with axis_name) live in collectives.py
from workbench.functional.collectives import (  # noqa: E402, F401
    all_gather,
    all_to_all,
    axis_index,
    axis_size,
    pcast,
    pmax,
    pmean,
    pmin,
    ppermute,
    pshuffle,
    psum,
    psum_scatter,
    pvary,
    with_sharding_constraint,
)
