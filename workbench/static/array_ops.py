"""Shapes, joins, slices, gathers and constants, as TensorFlow names them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core import composites, ops
from workbench.core.primitive import AxisError, normalize_axis
from workbench.static import dtypes
from workbench.static.errors import InvalidArgumentError
from workbench.static.execution import EagerTensor, convert_to_tensor, make_op
from workbench.static.framework import Tensor, TensorShape, executing_eagerly


def _static_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        raise TypeError(
            f"a shape computed in the graph ({shape.name}) is not supported here; give a "
            "static shape (a list of ints)"
        )
    if isinstance(shape, EagerTensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, int | np.integer):
        return (int(shape),)
    return tuple(int(d) for d in shape)


# ---------------------------------------------------------------------------------------
# Constants


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Any:
    """Mirrors: tf.constant."""
    d = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, EagerTensor | Tensor):
        value = value.numpy() if isinstance(value, EagerTensor) else value
        if isinstance(value, Tensor):
            return value if d is None else _cast(value, d)
    if shape is not None:
        host = np.asarray(value)
        target = _static_shape(shape)
        value = np.broadcast_to(host, target) if host.size == 1 else host.reshape(target)
    return convert_to_tensor(value, dtype=d, name=name)


def _cast(x: Any, d: dtypes.DType) -> Any:
    from workbench.static.math_ops import cast  # noqa: PLC0415

    return cast(x, d)


def _filled(op_type: str, shape: Any, value: float, dtype: Any, name: str | None) -> Any:
    d = dtypes.as_dtype(dtype)
    dims = _static_shape(shape)
    return make_op(op_type, [], lambda: ops.full(dims, value, d.np, _device()), name=name)


def _device() -> Any:
    from workbench.backend import default_device  # noqa: PLC0415

    return default_device()


def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Any:
    return _filled("Zeros", shape, 0, dtype, name)


def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Any:
    return _filled("Ones", shape, 1, dtype, name)


def fill(dims: Any, value: Any, name: str | None = None) -> Any:
    v = convert_to_tensor(value)
    shape = _static_shape(dims)
    return make_op("Fill", [v], lambda s: ops.broadcast_to(s, shape), name=name)


def _like(op_type: str, value: float) -> Any:
    def fn(input: Any, dtype: Any = None, name: str | None = None) -> Any:  # noqa: A002
        x = convert_to_tensor(input)
        d = x.dtype if dtype is None else dtypes.as_dtype(dtype)
        return make_op(
            op_type,
            [x],
            lambda v: ops.full(v.shape, value, d.np, v.device),
            name=name,
            differentiable=False,
        )

    return fn


zeros_like = _like("ZerosLike", 0)
ones_like = _like("OnesLike", 1)


def range(
    start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range"
) -> Any:  # noqa: A001
    """Mirrors: tf.range."""
    if limit is None:
        start, limit = 0, start
    values = [v.numpy() if isinstance(v, EagerTensor) else v for v in (start, limit, delta)]
    host = np.arange(*values)  # type: ignore[arg-type]
    if dtype is not None:
        host = host.astype(dtypes.as_dtype(dtype).np)
    elif host.dtype.kind == "i":
        host = host.astype(np.int32)
    else:
        host = host.astype(np.float32)
    return convert_to_tensor(host, name=name)


def linspace(start: float, stop: float, num: int, name: str | None = None) -> Any:
    return convert_to_tensor(np.linspace(start, stop, num).astype(np.float32), name=name)


def eye(
    num_rows: int,
    num_columns: int | None = None,
    dtype: Any = dtypes.float32,
    name: str | None = None,
) -> Any:
    return convert_to_tensor(
        np.eye(num_rows, num_columns, dtype=dtypes.as_dtype(dtype).np), name=name
    )


# ---------------------------------------------------------------------------------------
# Shapes


def identity(input: Any, name: str | None = None) -> Any:  # noqa: A002
    return make_op("Identity", [convert_to_tensor(input)], lambda v: v, name=name)


def stop_gradient(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """Mirrors: tf.stop_gradient."""
    return make_op(
        "StopGradient",
        [convert_to_tensor(input)],
        ops.stop_gradient,
        name=name,
        differentiable=False,
    )


def shape(input: Any, out_type: Any = dtypes.int32, name: str | None = None) -> Any:  # noqa: A002
    """The run-time shape as a tensor. Mirrors: tf.shape."""
    x = convert_to_tensor(input)
    d = dtypes.as_dtype(out_type).np
    return make_op("Shape", [x], lambda v: ops.shape_of(v, d), name=name, differentiable=False)


def size(input: Any, out_type: Any = dtypes.int32, name: str | None = None) -> Any:  # noqa: A002
    x = convert_to_tensor(input)
    d = dtypes.as_dtype(out_type).np
    return make_op(
        "Size",
        [x],
        lambda v: ops.reduce_prod(ops.shape_of(v, d), (0,)),
        name=name,
        differentiable=False,
    )


def rank(input: Any, name: str | None = None) -> Any:  # noqa: A002
    x = convert_to_tensor(input)
    return convert_to_tensor(np.int32(x.shape.rank), name=name)


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Any:
    """Mirrors: tf.reshape (one dimension may be -1)."""
    x = convert_to_tensor(tensor)
    target = _static_shape(shape)
    return make_op("Reshape", [x], lambda v: ops.reshape(v, target), name=name)


def transpose(
    a: Any, perm: Sequence[int] | None = None, conjugate: bool = False, name: str = "transpose"
) -> Any:
    x = convert_to_tensor(a)
    p = None if perm is None else tuple(int(i) for i in perm)
    return make_op("Transpose", [x], lambda v: ops.transpose(v, p), name=name)


def expand_dims(input: Any, axis: int, name: str | None = None) -> Any:  # noqa: A002
    x = convert_to_tensor(input)
    return make_op("ExpandDims", [x], lambda v: ops.expand_dims(v, [int(axis)]), name=name)


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Any:  # noqa: A002
    x = convert_to_tensor(input)

    def run(v: Any) -> Any:
        axes = (
            [i for i, d in enumerate(v.shape) if d == 1]
            if axis is None
            else [axis]
            if isinstance(axis, int)
            else list(axis)
        )
        return ops.squeeze(v, axes)

    return make_op("Squeeze", [x], run, name=name)


def concat(values: Sequence[Any], axis: int, name: str = "concat") -> Any:
    """Mirrors: tf.concat."""
    tensors = [convert_to_tensor(v) for v in values]
    return make_op("ConcatV2", tensors, lambda *vs: ops.concatenate(list(vs), int(axis)), name=name)


def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Any:
    """Mirrors: tf.stack."""
    tensors = [convert_to_tensor(v) for v in values]
    rank = tensors[0].shape.rank if tensors else None
    if rank is not None:
        normalize_axis("stack", axis, rank + 1)  # TensorFlow: a ValueError while building

    def run(*vs: Any) -> Any:
        ax = normalize_axis("Pack", axis, vs[0].ndim + 1)
        return ops.concatenate([ops.expand_dims(v, [ax]) for v in vs], ax)

    return make_op("Pack", tensors, run, name=name)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list[Any]:
    x = convert_to_tensor(value)
    count = x.shape.as_list()[normalize_axis("Unpack", axis, x.shape.rank or 0)]
    if count is None:
        raise ValueError(f"Cannot infer argument `num` from shape {x.shape}")

    def run(v: Any) -> Any:
        ax = normalize_axis("axis", axis, v.ndim)
        pieces = []
        for i in builtins.range(count):
            start = [0] * v.ndim
            limit = list(v.shape)
            start[ax], limit[ax] = i, i + 1
            pieces.append(ops.squeeze(ops.slice(v, start, limit), [ax]))
        return tuple(pieces)

    out = make_op("Unpack", [x], run, name=name)
    return list(out) if isinstance(out, tuple) else [out]


def split(
    value: Any, num_or_size_splits: Any, axis: int = 0, num: int | None = None, name: str = "split"
) -> list[Any]:
    x = convert_to_tensor(value)
    try:
        total = x.shape.as_list()[normalize_axis("Split", axis, x.shape.rank or 0)]
    except AxisError as err:
        raise InvalidArgumentError(None, None, str(err)) from None
    sizes = (
        [total // num_or_size_splits] * num_or_size_splits
        if isinstance(num_or_size_splits, int)
        else [int(s) for s in num_or_size_splits]
    )

    def run(v: Any) -> Any:
        ax = normalize_axis("axis", axis, v.ndim)
        return tuple(ops.split(v, sizes, ax))  # one split: its gradient is one concatenate

    out = make_op("Split", [x], run, name=name)
    return list(out) if isinstance(out, tuple) else [out]


def tile(input: Any, multiples: Sequence[int], name: str | None = None) -> Any:  # noqa: A002
    x = convert_to_tensor(input)
    reps = _static_shape(multiples)

    return make_op("Tile", [x], lambda v: _tile(v, reps), name=name)


def _tile(v: Any, reps: tuple[int, ...]) -> Any:
    for ax, r in enumerate(reps):
        if r != 1:
            v = ops.concatenate([v] * r, ax)
    return v


def pad(
    tensor: Any,
    paddings: Any,
    mode: str = "CONSTANT",
    constant_values: float = 0,
    name: str | None = None,
) -> Any:
    """Mirrors: tf.pad (``CONSTANT``, ``REFLECT`` without the edge, ``SYMMETRIC`` with it)."""
    x = convert_to_tensor(tensor)
    config = [tuple(int(p) for p in pair) for pair in np.asarray(paddings).tolist()]
    kind = mode.upper()
    if kind == "CONSTANT":
        return make_op("PadV2", [x], lambda v: ops.pad(v, config, constant_values), name=name)
    if kind not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"tf.pad: mode must be CONSTANT, REFLECT or SYMMETRIC, got {mode!r}")
    edge = 0 if kind == "SYMMETRIC" else 1

    def run(v: Any) -> Any:
        for axis, (lo, hi) in enumerate(config):
            n = v.shape[axis]
            if max(lo, hi) > n - edge:
                raise ValueError(
                    f"tf.pad: {kind} padding of ({lo}, {hi}) needs an axis longer than "
                    f"{max(lo, hi) + edge - 1}, axis {axis} has {n}"
                )
            if lo or hi:
                idx = np.arange(-lo, n + hi)
                idx = np.where(idx < 0, -idx - 1 + edge, idx)
                idx = np.where(idx >= n, 2 * n - idx - 1 - edge, idx)
                v = ops.index(v, (builtins.slice(None),) * axis + (idx,))
        return v

    return make_op("MirrorPad", [x], run, name=name)


def repeat(input: Any, repeats: Any, axis: int | None = None, name: str | None = None) -> Any:  # noqa: A002
    """Repeat each element ``repeats`` times (an int or one count per element) along
    ``axis`` (the flattened input when None). Mirrors: tf.repeat."""
    x = convert_to_tensor(input)
    counts = np.asarray(repeats.numpy() if hasattr(repeats, "numpy") else repeats)
    if axis is None:
        x, axis = reshape(x, [-1]), 0

    def run(v: Any) -> Any:
        ax = normalize_axis("axis", axis, v.ndim)
        n = v.shape[ax]
        if counts.ndim and counts.size not in (1, n):
            raise ValueError(
                f"tf.repeat: {counts.size} repeat counts for an axis of length {n} "
                f"(give one count or one per element)"
            )
        idx = np.repeat(
            np.arange(n), counts.reshape(-1) if counts.size == n else int(counts.flat[0])
        )
        return ops.index(v, (builtins.slice(None),) * ax + (idx,))

    return make_op("Repeat", [x], run, name=name)


def reverse(tensor: Any, axis: Sequence[int], name: str | None = None) -> Any:
    x = convert_to_tensor(tensor)
    return make_op("ReverseV2", [x], lambda v: ops.flip(v, list(axis)), name=name)


def slice(input_: Any, begin: Sequence[int], size: Sequence[int], name: str | None = None) -> Any:  # noqa: A001
    x = convert_to_tensor(input_)

    def run(v: Any) -> Any:
        starts = [int(b) for b in begin]
        limits = [v.shape[i] if int(s) == -1 else starts[i] + int(s) for i, s in enumerate(size)]
        return ops.slice(v, starts, limits)

    return make_op("Slice", [x], run, name=name)


def getitem(x: Any, key: Any) -> Any:
    """``x[key]``: slices, integers, ``None`` and ``...`` (TensorFlow's strided slice)."""
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        if isinstance(k, Tensor | EagerTensor) or (isinstance(k, list | np.ndarray)):
            raise TypeError(
                "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                "tf.int32/tf.int64 tensors are valid indices; use tf.gather for lists of indices"
            )
    t = convert_to_tensor(x)
    return make_op("StridedSlice", [t], lambda v: ops.index(v, key), name="strided_slice")


def gather(
    params: Any, indices: Any, axis: int | None = None, batch_dims: int = 0, name: str | None = None
) -> Any:
    """Mirrors: tf.gather (with ``batch_dims``: the first dimensions of params and
    indices pair up; ``axis`` defaults to ``batch_dims``)."""
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices)
    b = int(batch_dims) % (i.shape.rank + 1) if batch_dims < 0 and i.shape.rank else int(batch_dims)
    ax = b if axis is None else int(axis)
    if b and ax % (p.shape.rank or 1) != b:
        raise NotImplementedError(
            f"tf.gather: batch_dims={b} with axis={axis} (axis must be batch_dims)"
        )

    def run(v: Any, idx: Any) -> Any:
        a = normalize_axis("GatherV2", ax, v.ndim)
        if not b:
            return ops.index(v, (builtins.slice(None),) * a + (idx,))
        rest = (1,) * (idx.ndim - b)
        batch = tuple(
            ops.array(
                np.arange(v.shape[k]).reshape(
                    [-1 if j == k else 1 for j in builtins.range(b)] + list(rest)
                )
            )
            for k in builtins.range(b)
        )
        return ops.index(v, (*batch, idx))

    return make_op("GatherV2", [p, i], run, name=name)


def reverse_sequence(
    input: Any,  # noqa: A002
    seq_lengths: Any,
    seq_axis: int | None = None,
    batch_axis: int | None = None,
    name: str | None = None,
    seq_dim: int | None = None,
    batch_dim: int | None = None,
) -> Any:
    """For each slice ``b`` along ``batch_axis``, its first ``seq_lengths[b]`` entries
    along ``seq_axis`` in reverse order; the entries past the length stay where they are.
    Mirrors: tf.reverse_sequence (``seq_dim``/``batch_dim`` are the v1 spellings)."""
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths)
    seq = seq_axis if seq_axis is not None else seq_dim
    if seq is None:
        raise ValueError("reverse_sequence: give seq_axis")
    batch = batch_axis if batch_axis is not None else (batch_dim or 0)

    def run(v: Any, n: Any) -> Any:
        s, b = (normalize_axis("ReverseSequence", a, v.ndim) for a in (seq, batch))
        if s == b:
            raise ValueError(f"reverse_sequence: seq_axis and batch_axis are both {s}")
        steps = v.shape[s]
        n = ops.reshape(ops.cast(n, np.dtype(np.int64)), (-1, 1))
        t = ops.array(np.arange(steps, dtype=np.int64).reshape(1, -1))
        source = ops.select(ops.lt(t, n), ops.sub(ops.sub(n, 1), t), ops.add(t, ops.mul(n, 0)))
        shape = [1] * v.ndim
        shape[b], shape[s] = v.shape[b], steps
        if b > s:
            source = ops.transpose(source, (1, 0))
        source = ops.broadcast_to(ops.reshape(source, tuple(shape)), tuple(v.shape))
        index = tuple(
            source if k == s else ops.array(np.arange(v.shape[k]).reshape(
                [-1 if j == k else 1 for j in builtins.range(v.ndim)]))
            for k in builtins.range(v.ndim)
        )  # fmt: skip
        return ops.index(v, index)

    return make_op("ReverseSequence", [x, lengths], run, name=name)


def gather_nd(params: Any, indices: Any, name: str | None = None) -> Any:
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices)
    depth = i.shape.as_list()[-1]

    def run(v: Any, idx: Any) -> Any:
        parts = tuple(ops.index(idx, (..., k)) for k in builtins.range(depth))
        return ops.index(v, parts)

    return make_op("GatherNd", [p, i], run, name=name)


def one_hot(
    indices: Any,
    depth: int,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> Any:
    """Mirrors: tf.one_hot (float32 by default)."""
    i = convert_to_tensor(indices)
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.float32
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value

    def run(idx: Any) -> Any:
        hits = composites.one_hot(idx, int(depth), "bool")
        out = ops.select(
            hits,
            ops.full(hits.shape, on, d.np, idx.device),
            ops.full(hits.shape, off, d.np, idx.device),
        )
        if axis is not None and axis != -1:
            perm = list(builtins.range(out.ndim - 1))
            perm.insert(normalize_axis("OneHot", axis, out.ndim), out.ndim - 1)
            out = ops.transpose(out, tuple(perm))
        return out

    return make_op("OneHot", [i], run, name=name, differentiable=False)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """``condition ? x : y`` with broadcasting. Mirrors: tf.where."""
    if x is None or y is None:
        raise NotImplementedError(
            "tf.where(condition) (the coordinates of true elements) has a data-dependent shape; "
            "give x and y"
        )
    from workbench.static.math_ops import _pair  # noqa: PLC0415

    c = convert_to_tensor(condition)
    x, y = _pair("SelectV2", x, y)
    return make_op("SelectV2", [c, x, y], ops.select, name=name)


def boolean_mask(tensor: Any, mask: Any, name: str = "boolean_mask") -> Any:
    if not executing_eagerly():
        raise NotImplementedError(
            "tf.boolean_mask has a data-dependent shape; in a graph use tf.where with a fill value"
        )
    t, m = convert_to_tensor(tensor), convert_to_tensor(mask)
    picked = np.flatnonzero(m.numpy().reshape(-1))
    flat = reshape(t, [-1] + t.shape.as_list()[m.ndim :])
    return gather(flat, picked.astype(np.int64))


newaxis = None


# string tensors take the same shape operations on the host
from workbench.static.string_arrays import on_host  # noqa: E402

identity, shape, size, rank = on_host(identity), on_host(shape), on_host(size), on_host(rank)
reshape, transpose, expand_dims = on_host(reshape), on_host(transpose), on_host(expand_dims)
squeeze, concat, stack, unstack = (
    on_host(squeeze),
    on_host(concat),
    on_host(stack),
    on_host(unstack),
)
tile, gather, boolean_mask = on_host(tile), on_host(gather), on_host(boolean_mask)
