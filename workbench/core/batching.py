"""Batching (vmap's engine): run a function written for one example on a whole batch.

A batched value carries its array and the axis holding the batch (``None`` when the
value is the same for every example). Each primitive's batching rule says how to apply
it to batched operands; rules move batch axes where they need them and report where the
batch axis of the result is. ``vmap`` wraps a function; ``batch_graph`` turns a graph
into the graph of its batched version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workbench.core import primitives as ops
from workbench.core import tree
from workbench.core.dispatch import Interpreter, apply, interpreter, interpreter_stack
from workbench.core.ir import Graph, Type
from workbench.core.primitive import Primitive
from workbench.core.trace import eval_graph, make_graph
from workbench.core.values import Tracer, short_type

Axis = int | None


class BatchTracer(Tracer):
    """A batched value: ``value`` holds every example along ``axis``."""

    __slots__ = ("value", "axis")

    def __init__(self, interp: BatchInterpreter, value: Any, axis: Axis) -> None:
        self.interpreter = interp
        self.value = value
        self.axis = axis

    @property
    def type(self) -> Type:
        shape = tuple(self.value.shape)
        if self.axis is not None:
            shape = shape[: self.axis] + shape[self.axis + 1 :]
        return Type(shape, self.value.dtype, self.value.device)


class BatchInterpreter(Interpreter):
    """``manual``: the axis of a ``shard_map`` rather than a ``vmap``. Values that do not
    vary over it (replicated inputs) keep that in reverse mode, as JAX's varying-axes
    types make them: a gradient flowing to one is summed over the devices (the transpose
    of the implicit broadcast), and ``psum``'s transpose is that broadcast."""

    def __init__(self, size: int, axis_name: Any = None, manual: bool = False) -> None:
        self.size = size
        self.axis_name = axis_name
        self.manual = manual

    def process(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> list[Any]:
        values, axes = [], []
        for x in args:
            if isinstance(x, BatchTracer) and x.interpreter is self:
                values.append(x.value)
                axes.append(x.axis)
            else:
                values.append(x)
                axes.append(None)
        if prim.family == "collective" and params.get("axis_name") == self.axis_name:
            from workbench.core.primitives.collectives import collective  # noqa: PLC0415

            return [BatchTracer(self, collective(self, prim, values[0], axes[0], self.size), None)]
        if all(a is None for a in axes):
            out = apply(prim, *values, **params)
            outs = out if prim.multiple_results else (out,)
            return [BatchTracer(self, o, None) for o in outs]
        rule = prim.batch_rule or batch_by_loop(prim)
        out, out_axis = rule(values, axes, **params)
        if prim.multiple_results:
            return [BatchTracer(self, o, a) for o, a in zip(out, out_axis)]
        return [BatchTracer(self, out, out_axis)]


# ---------------------------------------------------------------------------------------
# Helpers for rules


def batch_size(values: Sequence[Any], axes: Sequence[Axis]) -> int:
    for v, a in zip(values, axes):
        if a is not None:
            return int(v.shape[a])
    raise ValueError("batch_size: no operand is batched")


def moveaxis(x: Any, source: int, destination: int) -> Any:
    """``x`` with axis ``source`` moved to ``destination`` (a transpose)."""
    source %= x.ndim
    destination %= x.ndim
    if source == destination:
        return x
    order = [i for i in range(x.ndim) if i != source]
    order.insert(destination, source)
    return ops.transpose(x, order)


def to_axis(x: Any, axis: Axis, size: int, destination: int = 0) -> Any:
    """Put the batch axis of ``x`` at ``destination``; an unbatched ``x`` is broadcast."""
    if axis is None:
        expanded = ops.expand_dims(x, [destination])
        shape = list(expanded.shape)
        shape[destination] = size
        return ops.broadcast_to(expanded, shape)
    return moveaxis(x, axis, destination)


def batch_elementwise(prim: Primitive) -> Callable[..., Any]:
    """The rule of every elementwise primitive: line the batch axes up, apply once."""

    def rule(values: Sequence[Any], axes: Sequence[Axis], /, **params: Any) -> tuple[Any, Any]:
        batched = {a for a in axes if a is not None}
        if len(values) == 1 or (len(batched) == 1 and None not in axes):
            out = apply(prim, *values, **params)
            axis = next(iter(batched))
            return out, ((axis,) * len(out) if prim.multiple_results else axis)
        size = batch_size(values, axes)
        moved = [to_axis(v, a, size) for v, a in zip(values, axes)]
        out = apply(prim, *moved, **params)
        return out, ((0,) * len(out) if prim.multiple_results else 0)

    return rule


def batch_by_loop(prim: Primitive) -> Callable[..., Any]:
    """A correct, slow rule for any primitive: apply it example by example and stack.

    Used where a vectorised rule would need machinery out of proportion to its use
    (data-dependent start indices batched, say); the graph shows the loop unrolled.
    """

    def rule(values: Sequence[Any], axes: Sequence[Axis], /, **params: Any) -> tuple[Any, Any]:
        size = batch_size(values, axes)
        results = []
        for i in range(size):
            example = [v if a is None else _take(v, a, i) for v, a in zip(values, axes)]
            results.append(apply(prim, *example, **params))
        if prim.multiple_results:
            stacked = tuple(_stack([r[k] for r in results]) for k in range(len(results[0])))
            return stacked, (0,) * len(stacked)
        return _stack(results), 0

    return rule


def _take(x: Any, axis: int, i: int) -> Any:
    starts = [0] * x.ndim
    limits = list(x.shape)
    starts[axis], limits[axis] = i, i + 1
    return ops.squeeze(ops.slice(x, starts, limits), [axis])


def _stack(xs: Sequence[Any]) -> Any:
    return ops.concatenate([ops.expand_dims(x, [0]) for x in xs], 0)


# ---------------------------------------------------------------------------------------
# vmap and batch_graph


def _broadcast_prefix(prefix: Any, tree_def: tree.TreeDef, what: str) -> list[Axis]:
    """Expand an in_axes/out_axes prefix (an int, None, or a tree matching the top of the
    arguments) to one entry per leaf."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * tree_def.num_leaves
    leaves: list[Axis] = []
    _expand(prefix, tree_def, leaves, (what, prefix, tree_def))
    return leaves


def _expand(p: Any, td: tree.TreeDef, leaves: list[Axis], whole: tuple[Any, ...]) -> None:
    """One level of ``_broadcast_prefix`` (module-level: see ``core.tree.flatten``)."""
    if p is None or isinstance(p, int):
        leaves.extend([p] * td.num_leaves)
        return
    p_leaves, p_def = tree.flatten(p, is_leaf=lambda v: v is None)
    if td.kind == "leaf" or len(td.children) != len(p_def.children):
        what, prefix, tree_def = whole
        raise ValueError(
            f"vmap: {what} {prefix!r} does not match the arguments' structure {tree_def}"
        )
    children = p if not isinstance(p, dict) else [p[k] for k in sorted(p)]
    for c, sub in zip(children, td.children):
        _expand(c, sub, leaves, whole)


def vmap(
    fn: Callable[..., Any],
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Any = None,
    axis_size: int | None = None,
    manual: bool = False,
) -> Callable[..., Any]:
    """Vectorise ``fn`` over a batch axis of its arguments.

    Args:
        fn: a function of arrays (pytrees allowed).
        in_axes: the batch axis of each argument: an int, None (not batched), or a
            tuple/pytree prefix of the arguments.
        out_axes: where the batch axis goes in each output.
        axis_name: a name collectives can refer to.
        axis_size: the batch size when no argument is batched (in_axes all None).
        manual: the axis is a ``shard_map`` mesh axis (see ``BatchInterpreter``).

    Example:
        >>> from workbench.core import array, ops
        >>> vmap(lambda x: ops.reduce_sum(ops.square(x)))(array([[1.0, 2.0], [3.0, 4.0]]))
        Array(f32[2] cpu:0, [ 5. 25.])
    """

    def batched(*args: Any) -> Any:
        flat, in_tree = tree.flatten(args)
        prefix = tuple(in_axes) if isinstance(in_axes, list) else in_axes
        if isinstance(prefix, tuple) and len(prefix) != len(args):
            raise ValueError(
                f"vmap: in_axes has {len(prefix)} entries but the function got "
                f"{len(args)} arguments"
            )
        axes = _broadcast_prefix(prefix, in_tree, "in_axes")
        for x, a in zip(flat, axes):
            rank = len(getattr(x, "shape", ()))
            if a is not None and not -rank <= a < rank:
                raise ValueError(
                    f"vmap was requested to map its argument along axis {a}, which implies "
                    f"that its rank should be at least {a + 1 if a >= 0 else -a}, but is only "
                    f"{rank} (its shape is {tuple(x.shape)})"
                )
        sizes = {int(x.shape[a]) for x, a in zip(flat, axes) if a is not None}
        if not sizes and axis_size is not None:
            sizes = {int(axis_size)}
        if not sizes:
            raise ValueError(
                "vmap: at least one argument must be batched (in_axes all None), or give axis_size"
            )
        if len(sizes) > 1:
            shown = ", ".join(
                f"{short_type(x)} axis {a}" for x, a in zip(flat, axes) if a is not None
            )
            raise ValueError(
                f"vmap: batched arguments have different sizes along their batch axes: {shown}"
            )
        size = sizes.pop()
        with interpreter(BatchInterpreter, size, axis_name, manual) as interp:
            tracers = [
                BatchTracer(interp, x, None if a is None else a % max(x.ndim, 1))
                for x, a in zip(flat, axes)
            ]
            result = fn(*tree.unflatten(in_tree, tracers))
            flat_out, out_tree = tree.flatten(result)
            out_axes_list = _broadcast_prefix(out_axes, out_tree, "out_axes")
            outs = []
            for o, dest in zip(flat_out, out_axes_list):
                value, axis = (
                    (o.value, o.axis)
                    if isinstance(o, BatchTracer) and o.interpreter is interp
                    else (o, None)
                )
                if dest is None:
                    if axis is not None:
                        raise ValueError(
                            "vmap: out_axes=None needs an output that is the same for every example"
                        )
                    outs.append(value)
                else:
                    outs.append(to_axis(value, axis, size, dest % (value.ndim + (axis is None))))
        return tree.unflatten(out_tree, outs)

    return batched


def batch_graph(
    graph: Graph,
    in_axes: Sequence[Axis],
    out_axes: Sequence[Axis] | None = None,
    size: int | None = None,
) -> Graph:
    """The graph of ``graph`` vectorised over ``in_axes`` of its inputs (outputs batched
    along ``out_axes``, default 0)."""
    if size is None:
        raise ValueError("batch_graph: give the batch size")
    example = []
    for t, a in zip(graph.in_types, in_axes):
        shape = list(t.shape)
        if a is not None:
            shape.insert(a, size)
        example.append(Type(tuple(shape), t.dtype, t.device))
    outs = list(out_axes) if out_axes is not None else [0] * len(graph.outputs)
    fn = vmap(lambda *xs: eval_graph(graph, *xs), in_axes=tuple(in_axes), out_axes=outs)
    return make_graph(lambda *xs: fn(*xs), *example)


def varies(x: Any, interp: BatchInterpreter) -> bool:
    """Whether ``x`` differs between the examples (devices) of ``interp``'s axis (looking
    through the tracers of batch axes nested inside it)."""
    while isinstance(x, BatchTracer):
        if x.interpreter is interp:
            return x.axis is not None
        x = x.value
    return False


def manual_axes() -> list[BatchInterpreter]:
    """The ``shard_map`` axes in effect, innermost last."""
    return [i for i in interpreter_stack() if isinstance(i, BatchInterpreter) and i.manual]
