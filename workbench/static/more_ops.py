"""The rest of TensorFlow's everyday operations: sorting and top-k, scatters and segment
sums, broadcasting and masks, norms and clipping, ``einsum``, ``roll``, ``meshgrid``, the
NaN checks and safe divisions, confusion matrices, ``tf.print``, ``map_fn``,
``py_function``. Every one is core primitives, so it differentiates and runs in graphs.
Mirrors: tf, tf.math, tf.nn, tf.linalg."""

from __future__ import annotations

import builtins
import collections
import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import composites, ops
from workbench.core.primitive import normalize_axis
from workbench.static import array_ops, dtypes, errors, math_ops
from workbench.static.errors import InvalidArgumentError
from workbench.static.execution import EagerTensor, convert_to_tensor, make_op
from workbench.static.framework import executing_eagerly

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])
Unique = collections.namedtuple("Unique", ["y", "idx"])


def _axis(axis: int, rank: int | None, op: str) -> int:
    if rank is not None:
        try:
            normalize_axis(op, axis, builtins.max(rank, 1))
        except ValueError as err:
            if executing_eagerly():  # TensorFlow's run-time error
                raise InvalidArgumentError(None, None, str(err)) from None
            raise
    return axis


# ---------------------------------------------------------------------------------------
# Sorting


def argsort(
    values: Any,
    axis: int = -1,
    direction: str = "ASCENDING",
    stable: bool = False,
    name: str | None = None,
) -> Any:
    """Indices (int32) that sort ``values``. Mirrors: tf.argsort."""
    x = convert_to_tensor(values)
    _axis(axis, x.shape.rank, "argsort")
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"direction must be ASCENDING or DESCENDING, got {direction!r}")

    def run(v: Any) -> Any:
        key = v if direction == "ASCENDING" else _descending(v)
        return ops.argsort(key, axis, index_dtype=np.int32)

    return make_op("ArgSort", [x], run, name=name, differentiable=False)


def _descending(v: Any) -> Any:
    """A key whose ascending order is ``v``'s descending order (ties keep their order)."""
    if v.dtype.kind == "u":
        v = ops.cast(v, "int64")
    if v.dtype.kind == "b":
        v = ops.cast(v, "int32")
    return ops.neg(v)


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None) -> Any:
    """Mirrors: tf.sort."""
    x = convert_to_tensor(values)
    order = argsort(x, axis, direction)
    return make_op(
        "Sort",
        [x, order],
        lambda v, o: _take_along(v, o, normalize_axis("Sort", axis, v.ndim)),
        name=name,
    )


def _take_along(v: Any, idx: Any, axis: int) -> Any:
    grids = np.ogrid[tuple(builtins.slice(0, n) for n in idx.shape)]
    key = tuple(idx if k == axis else ops.array(g) for k, g in enumerate(grids))
    return ops.index(v, key)


def take_along_axis(arr: Any, indices: Any, axis: int, name: str | None = None) -> Any:
    """Pick along ``axis`` by ``indices`` of the same rank. Mirrors:
    tf.experimental.numpy.take_along_axis."""
    x, i = convert_to_tensor(arr), convert_to_tensor(indices)
    return make_op(
        "TakeAlongAxis",
        [x, i],
        lambda v, o: _take_along(v, o, normalize_axis("TakeAlongAxis", axis, v.ndim)),
        name=name,
    )


def top_k(
    input: Any, k: int = 1, sorted: bool = True, index_type: Any = "int32", name: str | None = None
) -> TopKV2:  # noqa: A002
    """The ``k`` largest entries of the last axis and their indices (ties: the lower index
    first). Mirrors: tf.math.top_k."""
    x = convert_to_tensor(input)
    n = x.shape[-1]
    if n is not None and k > n:
        raise ValueError(f"input must have at least k={k} columns, got shape {x.shape}")
    order = argsort(x, -1, "DESCENDING")[..., :k]
    values = make_op("TopKV2", [x, order], lambda v, o: _take_along(v, o, v.ndim - 1), name=name)
    return TopKV2(values, math_ops.cast(order, index_type))


def in_top_k(targets: Any, predictions: Any, k: int, name: str | None = None) -> Any:
    """Whether each target's prediction is among the ``k`` largest (ties count in its
    favour, as TensorFlow). Mirrors: tf.math.in_top_k."""
    p = math_ops.cast(convert_to_tensor(predictions), "float32")
    hits = array_ops.one_hot(targets, p.shape.as_list()[-1], dtype="float32")
    score = math_ops.reduce_sum(p * hits, -1, keepdims=True)
    above = math_ops.reduce_sum(math_ops.cast(math_ops.greater(p, score), "int32"), -1)
    return math_ops.less(above, k)


def in_top_k_v1(predictions: Any, targets: Any, k: int, name: str | None = None) -> Any:
    """TensorFlow 1's argument order. Mirrors: tf.compat.v1.nn.in_top_k."""
    return in_top_k(targets, predictions, k, name)


def unique(x: Any, out_idx: Any = "int32", name: str | None = None) -> Unique:
    """The distinct values in order of first appearance, and each element's index into
    them. The output's length depends on the values, so this runs eagerly only.
    Mirrors: tf.unique."""
    if not executing_eagerly():
        raise NotImplementedError(
            "tf.unique: its output shape depends on the values; use it eagerly"
        )
    v = np.asarray(convert_to_tensor(x).numpy())
    if v.ndim != 1:
        raise ValueError(f"unique expects a 1-D vector, got shape {v.shape}")
    _, first, inverse = np.unique(v, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return Unique(
        convert_to_tensor(v[np.sort(first)]),
        convert_to_tensor(rank[inverse].astype(dtypes.as_dtype(out_idx).np)),
    )


# ---------------------------------------------------------------------------------------
# Scatters and segments


def _nd_key(idx: Any) -> tuple[Any, ...]:
    return tuple(ops.index(idx, (..., k)) for k in builtins.range(idx.shape[-1]))


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Any:
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (repeated indices
    add up). Mirrors: tf.scatter_nd."""
    i, u = convert_to_tensor(indices), convert_to_tensor(updates)
    dims = [int(d) for d in (shape.numpy() if hasattr(shape, "numpy") else shape)]
    return make_op(
        "ScatterNd",
        [i, u],
        lambda idx, upd: ops.index_add(
            ops.full(tuple(dims), 0, upd.dtype, upd.device), _nd_key(idx), upd
        ),
        name=name,
    )


def _tensor_scatter(op_type: str, combine: str) -> Callable[..., Any]:
    def fn(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Any:
        t = convert_to_tensor(tensor)
        i = convert_to_tensor(indices)
        u = convert_to_tensor(updates, dtype_hint=t.dtype)

        def run(v: Any, idx: Any, upd: Any) -> Any:
            key = _nd_key(idx)
            if combine == "set":
                return ops.index_set(v, key, upd)
            return ops.index_add(v, key, ops.neg(upd) if combine == "sub" else upd)

        return make_op(op_type, [t, i, u], run, name=name)

    fn.__name__ = op_type
    return fn


tensor_scatter_nd_update = _tensor_scatter("TensorScatterUpdate", "set")
tensor_scatter_nd_add = _tensor_scatter("TensorScatterAdd", "add")
tensor_scatter_nd_sub = _tensor_scatter("TensorScatterSub", "sub")


def unsorted_segment_sum(
    data: Any, segment_ids: Any, num_segments: int, name: str | None = None
) -> Any:
    """Sum the rows of ``data`` into ``num_segments`` bins by ``segment_ids``; negative ids
    are dropped and ids past the end refused, as TensorFlow does.
    Mirrors: tf.math.unsorted_segment_sum."""
    d, s = convert_to_tensor(data), convert_to_tensor(segment_ids)
    n = int(num_segments)
    if isinstance(s, EagerTensor):
        ids = np.asarray(s.numpy())
        if (ids >= n).any():
            k = int(np.argmax(ids.ravel() >= n))
            raise errors.InvalidArgumentError(
                None, None, f"segment_ids[{k}] = {ids.ravel()[k]} is out of range [0, {n})"
            )

    def run(v: Any, ids: Any) -> Any:
        lead = ids.ndim
        out = ops.full((n + 1, *v.shape[lead:]), 0, v.dtype, v.device)  # a spare bin for drops
        safe = ops.select(
            ops.logical_and(ops.ge(ids, 0), ops.lt(ids, n)), ids, ops.full_like(ids, n)
        )
        return ops.slice(ops.index_add(out, (safe,), v), (0,) * out.ndim, (n, *out.shape[1:]))

    return make_op("UnsortedSegmentSum", [d, s], run, name=name)


def unsorted_segment_mean(
    data: Any, segment_ids: Any, num_segments: int, name: str | None = None
) -> Any:
    total = unsorted_segment_sum(data, segment_ids, num_segments)
    d = convert_to_tensor(data)
    ones = array_ops.ones_like(math_ops.cast(segment_ids, d.dtype))
    count = unsorted_segment_sum(ones, segment_ids, num_segments)
    count = array_ops.reshape(
        count, [-1] + [1] * (d.shape.rank - convert_to_tensor(segment_ids).shape.rank)
    )
    return divide_no_nan(total, count)


def bincount(
    arr: Any,
    weights: Any = None,
    minlength: int | None = None,
    maxlength: int | None = None,
    dtype: Any = "int32",
    name: str | None = None,
) -> Any:
    """Counts of each value 0..max(arr) (eagerly: the length depends on the values).
    Mirrors: tf.math.bincount."""
    if not executing_eagerly():
        raise NotImplementedError(
            "tf.math.bincount: the output length depends on the values; use it eagerly"
        )
    v = np.asarray(convert_to_tensor(arr).numpy()).ravel()
    w = None if weights is None else np.asarray(convert_to_tensor(weights).numpy()).ravel()
    out = np.bincount(v, w, minlength=minlength or 0)
    if maxlength is not None:
        out = out[:maxlength]
    target = dtypes.as_dtype(dtype if w is None else convert_to_tensor(weights).dtype)
    return convert_to_tensor(out.astype(target.np))


# ---------------------------------------------------------------------------------------
# Shapes, masks, rolls


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Any:  # noqa: A002
    x = convert_to_tensor(input)
    dims = tuple(int(d) for d in (shape.numpy() if hasattr(shape, "numpy") else shape))
    return make_op("BroadcastTo", [x], lambda v: ops.broadcast_to(v, dims), name=name)


def sequence_mask(
    lengths: Any, maxlen: Any = None, dtype: Any = "bool", name: str | None = None
) -> Any:
    """``mask[..., j] = j < lengths[...]``. Mirrors: tf.sequence_mask."""
    lens = convert_to_tensor(lengths)
    if maxlen is None:
        maxlen = math_ops.reduce_max(lens)
    m = convert_to_tensor(maxlen)
    target = dtypes.as_dtype(dtype)

    def run(n: Any, top: Any) -> Any:
        steps = ops.array(np.arange(int(np.asarray(top.numpy() if hasattr(top, "numpy") else top))))
        hits = ops.lt(ops.cast(steps, "int64"), ops.expand_dims(ops.cast(n, "int64"), (-1,)))
        return ops.cast(hits, target.np)

    if math_ops.is_tensor(maxlen) and not isinstance(m, EagerTensor):
        raise NotImplementedError("tf.sequence_mask: give maxlen as a number inside graphs")
    top = int(np.asarray(m.numpy()))
    return make_op("SequenceMask", [lens], lambda n: run(n, top), name=name)


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Any:  # noqa: A002
    """Shift elements cyclically along ``axis``. Mirrors: tf.roll."""
    x = convert_to_tensor(input)
    shifts = [int(s) for s in np.atleast_1d(shift)]
    axes = [int(a) for a in np.atleast_1d(axis)]

    def run(v: Any) -> Any:
        for s, a in zip(shifts, axes):
            n = v.shape[normalize_axis("Roll", a, v.ndim)]
            idx = (np.arange(n) - s) % n
            v = ops.index(
                v, (builtins.slice(None),) * normalize_axis("Roll", a, v.ndim) + (ops.array(idx),)
            )
        return v

    return make_op("Roll", [x], run, name=name)


def meshgrid(*args: Any, indexing: str = "xy", name: str | None = None) -> list[Any]:
    """Mirrors: tf.meshgrid ("xy": the first two outputs' axes swapped, as NumPy)."""
    xs = [array_ops.reshape(convert_to_tensor(a), [-1]) for a in args]
    n = len(xs)
    sizes = [x.shape[0] for x in xs]
    out = []
    for k, x in enumerate(xs):
        shape = [1] * n
        shape[k] = -1
        if indexing == "xy" and n > 1 and k < 2:
            shape[0], shape[1] = shape[1], shape[0]
        full = list(sizes)
        if indexing == "xy" and n > 1:
            full[0], full[1] = full[1], full[0]
        out.append(broadcast_to(array_ops.reshape(x, shape), full))
    return out


def einsum(equation: str, *inputs: Any, name: str | None = None, **_: Any) -> Any:
    """Mirrors: tf.einsum (the core's einsum, shared with the other front ends)."""
    tensors = [convert_to_tensor(t) for t in inputs]
    return make_op("Einsum", tensors, lambda *vs: composites.einsum(equation, *vs), name=name)


# ---------------------------------------------------------------------------------------
# Norms, clipping, safe arithmetic


def norm(
    tensor: Any,
    ord: Any = "euclidean",
    axis: Any = None,
    keepdims: bool | None = None,
    name: str | None = None,
) -> Any:  # noqa: A002
    """Mirrors: tf.norm (the vector norm of all elements by default)."""
    from workbench.static import linalg_ops  # noqa: PLC0415

    return linalg_ops.norm(tensor, ord=ord, axis=axis, keepdims=keepdims, name=name)


def global_norm(t_list: Sequence[Any], name: str | None = None) -> Any:
    """sqrt(sum of every element squared, over all tensors). Mirrors: tf.linalg.global_norm."""
    squares = [
        math_ops.reduce_sum(math_ops.square(convert_to_tensor(t))) for t in t_list if t is not None
    ]
    return math_ops.sqrt(math_ops.add_n(squares))


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Any:
    """Scale ``t`` so its L2 norm (over ``axes``) is at most ``clip_norm``.
    Mirrors: tf.clip_by_norm."""
    x = convert_to_tensor(t)
    squared = math_ops.reduce_sum(math_ops.square(x), axes, keepdims=True)
    safe = math_ops.sqrt(
        array_ops.where(math_ops.greater(squared, 0.0), squared, array_ops.ones_like(squared))
    )
    norms = array_ops.where(math_ops.greater(squared, 0.0), safe, squared)
    clip = math_ops.cast(clip_norm, x.dtype)
    return x * clip / math_ops.maximum(norms, clip)


def clip_by_global_norm(
    t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None, name: str | None = None
) -> tuple[list[Any], Any]:
    """Scale every tensor by clip_norm / max(global_norm, clip_norm).
    Mirrors: tf.clip_by_global_norm."""
    total = global_norm(t_list) if use_norm is None else convert_to_tensor(use_norm)
    scale = math_ops.cast(clip_norm, total.dtype) / math_ops.maximum(
        total, math_ops.cast(clip_norm, total.dtype)
    )
    return [
        None
        if t is None
        else convert_to_tensor(t) * math_ops.cast(scale, convert_to_tensor(t).dtype)
        for t in t_list
    ], total


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Any:
    """x / y, and 0 where y is 0. Mirrors: tf.math.divide_no_nan."""
    a, b = math_ops._pair("DivNoNan", x, y)

    def run(u: Any, v: Any) -> Any:
        zero = ops.eq(v, 0)
        return ops.select(
            zero, ops.zeros_like(ops.add(u, v)), ops.div(u, ops.select(zero, ops.ones_like(v), v))
        )

    return make_op("DivNoNan", [a, b], run, name=name)


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Any:
    """x * y, and 0 where y is 0 (even if x is NaN or infinite)."""
    a, b = math_ops._pair("MulNoNan", x, y)
    return make_op(
        "MulNoNan",
        [a, b],
        lambda u, v: ops.select(ops.eq(v, 0), ops.zeros_like(ops.add(u, v)), ops.mul(u, v)),
        name=name,
    )


def _check(op_type: str, fn: Callable[[Any], Any]) -> Callable[..., Any]:
    def check(x: Any, name: str | None = None) -> Any:
        return make_op(op_type, [convert_to_tensor(x)], fn, name=name, differentiable=False)

    check.__name__ = op_type
    return check


is_finite = _check("IsFinite", ops.is_finite)
is_nan = _check("IsNan", lambda v: ops.ne(v, v))
is_inf = _check("IsInf", lambda v: ops.logical_and(ops.logical_not(ops.is_finite(v)), ops.eq(v, v)))


def confusion_matrix(
    labels: Any,
    predictions: Any,
    num_classes: int | None = None,
    weights: Any = None,
    dtype: Any = "int32",
    name: str | None = None,
) -> Any:
    """Counts of (label, prediction) pairs: rows are labels, columns predictions.
    Mirrors: tf.math.confusion_matrix."""
    labels_t = math_ops.cast(convert_to_tensor(labels), "int64")
    preds_t = math_ops.cast(convert_to_tensor(predictions), "int64")
    if num_classes is None:
        if not executing_eagerly():
            raise NotImplementedError("tf.math.confusion_matrix: give num_classes inside graphs")
        num_classes = (
            int(max(labels_t.numpy().max(initial=-1), preds_t.numpy().max(initial=-1))) + 1
        )
    n = int(num_classes)
    flat = labels_t * n + preds_t
    w = array_ops.ones_like(flat) if weights is None else weights
    counts = unsorted_segment_sum(math_ops.cast(w, dtype), flat, n * n)
    return array_ops.reshape(counts, [n, n])


# ---------------------------------------------------------------------------------------
# Printing and Python functions


def _collect(item: Any, leaves: list[Any]) -> Any:
    """``item`` with each tensor (inside lists and dicts too) moved to ``leaves`` and
    replaced by its index there. (Module-level: a nested function calling itself is a
    reference cycle that would hold the tensors until the garbage collector runs.)"""
    if math_ops.is_tensor(item) or isinstance(item, np.ndarray):
        leaves.append(convert_to_tensor(item))
        return _Leaf(len(leaves) - 1)
    if isinstance(item, dict):
        return {k: _collect(v, leaves) for k, v in item.items()}
    if isinstance(item, list | tuple):
        return type(item)(_collect(v, leaves) for v in item)
    return item


def print(
    *inputs: Any,
    output_stream: Any = None,
    summarize: int = 3,
    sep: str = " ",
    end: str = "\n",
    name: str | None = None,
) -> Any:  # noqa: A001
    """Print tensors' values when the operation runs (now, eagerly; at each run, in a
    graph). Mirrors: tf.print."""
    stream = sys.stdout if output_stream in (sys.stdout, "stdout") else sys.stderr
    leaves: list[Any] = []
    template = [_collect(item, leaves) for item in inputs]

    def show(*values: Any) -> None:
        parts = [_render(t, values, summarize, top=True) for t in template]
        builtins.print(sep.join(parts), end=end, file=stream)

    def run(*values: Any) -> None:  # a host callback: it prints each time the op runs
        ops.callbacks.callback(show, [], *values, effectful=True, debug=True)

    return make_op("PrintV2", leaves, run, name=name, differentiable=False, attrs={"effect": True})


class _Leaf(int):
    """The position of a tensor among a tf.print's inputs."""


def _render(item: Any, values: Sequence[Any], summarize: int, top: bool = False) -> str:
    if isinstance(item, _Leaf):
        return _format(values[item], summarize)
    if isinstance(item, dict):
        inner = ", ".join(f"{k!r}: {_render(v, values, summarize)}" for k, v in item.items())
        return "{" + inner + "}"
    if isinstance(item, list | tuple):
        inner = ", ".join(_render(v, values, summarize) for v in item)
        return f"[{inner}]" if isinstance(item, list) else f"({inner})"
    return str(item) if top else repr(item)


def _number(x: Any) -> str:
    """TensorFlow's (absl's) shortest-that-round-trips: %.6g for float32 unless that loses
    the value (then %.9g); %.15g / %.17g for float64; booleans as 1 and 0."""
    if isinstance(x, np.bool_ | bool):
        return "1" if x else "0"
    if isinstance(x, np.floating):
        short, full = (6, 9) if x.dtype.itemsize <= 4 else (15, 17)
        text = f"{float(x):.{short}g}"
        return text if type(x)(float(text)) == x or x != x else f"{float(x):.{full}g}"
    return str(x)


def _format(value: Any, summarize: int, depth: int = 0) -> str:
    """``[1 2 ... 9]``, nested rows on new lines, at most ``summarize`` items at each end
    of an axis (all of them when summarize is -1)."""
    arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if arr.ndim == 0:
        return _number(arr[()])
    n = arr.shape[0]
    cut = 0 <= summarize < n and n > 2 * summarize
    head = range(summarize) if cut else range(n)
    tail = range(n - summarize, n) if cut else range(0)
    if arr.ndim == 1:
        items = [_number(arr[i]) for i in head] + (["..."] if cut else [])
        return "[" + " ".join(items + [_number(arr[i]) for i in tail]) + "]"
    rows = [_format(arr[i], summarize, depth + 1) for i in head] + (["..."] if cut else [])
    rows += [_format(arr[i], summarize, depth + 1) for i in tail]
    return "[" + ("\n" + " " * (depth + 1)).join(rows) + "]"


def py_function(
    func: Callable[..., Any] | None = None,
    inp: Sequence[Any] | None = None,
    Tout: Any = None,  # noqa: N803
    name: str | None = None,
) -> Any:
    """Call a Python function on the inputs' values (eagerly, or each time the graph runs),
    with outputs of the dtypes ``Tout``; no gradient flows through it. Without ``func``,
    a decorator (``@tf.py_function(Tout=...)``). Mirrors: tf.py_function."""
    if func is None:
        return lambda f: functools.wraps(f)(lambda *args: py_function(f, list(args), Tout))
    if inp is None:
        raise TypeError("py_function() needs inp, the list of input tensors")
    tensors = [convert_to_tensor(t) for t in inp]
    if executing_eagerly():
        out = func(*tensors)
        return (
            out
            if isinstance(out, list | tuple)
            else convert_to_tensor(out, dtype=Tout if not isinstance(Tout, list | tuple) else None)
        )
    raise NotImplementedError(
        "tf.py_function inside a graph or tf.function is not supported here; call it eagerly"
    )


numpy_function = py_function


def map_fn(
    fn: Callable[..., Any],
    elems: Any,
    dtype: Any = None,
    parallel_iterations: Any = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name: str | None = None,
    fn_output_signature: Any = None,
) -> Any:
    """Apply ``fn`` to each slice along the first axis and stack the results (unrolled:
    the first axis must be known). Mirrors: tf.map_fn."""
    if isinstance(elems, list | tuple):
        columns = [array_ops.unstack(convert_to_tensor(e)) for e in elems]
        results = [fn(type(elems)(row)) for row in zip(*columns)]
    else:
        results = [fn(row) for row in array_ops.unstack(convert_to_tensor(elems))]
    if results and isinstance(results[0], list | tuple):
        return type(results[0])(array_ops.stack(list(col)) for col in zip(*results))
    return array_ops.stack(results)


__all__ = [
    "argsort",
    "bincount",
    "broadcast_to",
    "clip_by_global_norm",
    "clip_by_norm",
    "confusion_matrix",
    "divide_no_nan",
    "einsum",
    "global_norm",
    "in_top_k",
    "is_finite",
    "is_inf",
    "is_nan",
    "map_fn",
    "meshgrid",
    "multiply_no_nan",
    "norm",
    "numpy_function",
    "print",
    "py_function",
    "roll",
    "scatter_nd",
    "sequence_mask",
    "sort",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_update",
    "top_k",
    "unique",
    "unsorted_segment_mean",
    "unsorted_segment_sum",
]
