"""Control flow as primitives whose params hold sub-graphs: ``call``, ``cond`` (a
switch over branches), ``while_loop`` and ``scan``.

Sub-graphs are *closed*: values a branch or body captured from outside become leading
inputs, passed as operands, so every graph in a param is self-contained and can be
differentiated, batched and compiled on its own. Derivative and batching rules build
new sub-graphs (JVP graphs, backward graphs, batched graphs) and apply the same
primitive again; graph transformations of one sub-graph are cached by identity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import autodiff, batching, ops, tree
from workbench.core.dispatch import apply
from workbench.core.ir import Graph, Type, Var
from workbench.core.primitive import Primitive
from workbench.core.trace import eval_graph, make_graph, trace, type_of
from workbench.core.values import Array


def closed_graph(fn: Callable[..., Any], in_types: Sequence[Type]) -> tuple[Graph, list[Any], Any]:
    """Trace ``fn`` (flat inputs) and turn its captured values into leading inputs.

    Returns the closed graph, the captured values (to pass as operands), and the
    structure of ``fn``'s result.
    """
    graph, out_tree = trace(fn, *in_types)
    consts = [value for _, value in graph.constants]
    inputs = tuple(var for var, _ in graph.constants) + graph.inputs
    return Graph(inputs, graph.equations, graph.outputs), consts, out_tree


def _with_inputs(graph: Graph, before: Sequence[Type] = (), after: Sequence[Type] = ()) -> Graph:
    """``graph`` taking extra, unused inputs (so branches share one signature)."""
    extra_before = tuple(Var(t) for t in before)
    extra_after = tuple(Var(t) for t in after)
    return Graph(extra_before + graph.inputs + extra_after, graph.equations, graph.outputs)


def _types(values: Sequence[Any]) -> list[Type]:
    return [type_of(v) for v in values]


def _check_inputs(name: str, graph: Graph, values: Sequence[Any], what: str) -> None:
    got = [(tuple(v.shape), v.dtype) for v in values]
    want = [(t.shape, t.dtype) for t in graph.in_types]
    if got != want:
        shown = ", ".join(str(t) for t in _types(values))
        expected = ", ".join(str(t) for t in graph.in_types)
        raise TypeError(f"{name}: {what} takes ({expected}) but is given ({shown})")


def _zeros_for(values: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    return [ops.zeros_like(v) if t is None else t for v, t in zip(values, tangents)]


def _float_only(values: Sequence[Any], cotangents: Sequence[Any]) -> list[Any]:
    return [c if dtypes.is_float(v.dtype) else None for v, c in zip(values, cotangents)]


@functools.lru_cache(maxsize=512)
def _jvp_of(graph: Graph) -> Graph:
    return autodiff.jvp_graph(graph)


@functools.lru_cache(maxsize=512)
def _backward_of(graph: Graph) -> Graph:
    return autodiff.backward_graph(graph)


def _reordered(graph: Graph, groups: Sequence[int], order: Sequence[int]) -> Graph:
    """A graph calling ``graph`` with its inputs regrouped: ``groups`` are the sizes of
    consecutive input groups of the new graph; ``order[k]`` says which new group feeds
    ``graph``'s k-th group."""
    types = list(graph.in_types)
    starts = [sum(groups[:i]) for i in range(len(groups))]
    slots: list[list[Type]] = [[] for _ in groups]
    position = 0
    for k in order:
        slots[k] = types[position : position + groups[k]]
        position += groups[k]
    new_types = [t for group in slots for t in group]

    def body(*args: Any) -> Any:
        pieces = [list(args[starts[k] : starts[k] + groups[k]]) for k in order]
        return eval_graph(graph, *[v for piece in pieces for v in piece])

    return make_graph(body, *new_types)


# ---------------------------------------------------------------------------------------
# call: outs = graph(*args)    (what jit compiles; transformations map onto the graph)


def _call_shape(*types: Any, graph: Graph) -> tuple[Type, ...]:
    _check_inputs("call", graph, types, "the graph")
    return graph.out_types


def _call_impl(*args: Array, graph: Graph) -> list[Any]:
    from workbench.core.executor import default_executor  # noqa: PLC0415 - the executor runs on the core

    return default_executor().run(graph, *args)


call_p = Primitive(
    "call",
    impl=_call_impl,
    shape=_call_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)


def call(graph: Graph, *args: Any) -> tuple[Any, ...]:
    return apply(call_p, *args, graph=graph)


@call_p.jvp
def _call_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, graph: Graph) -> tuple[Any, Any]:
    outs = apply(call_p, *primals, *_zeros_for(primals, tangents), graph=_jvp_of(graph))
    n = len(graph.outputs)
    return outs[:n], outs[n:]


@call_p.vjp
def _call_vjp(gs: Sequence[Any], *args: Any, out: Any, graph: Graph) -> tuple[Any, ...]:
    cts = apply(call_p, *args, *_zeros_for(out, gs), graph=_backward_of(graph))
    return tuple(_float_only(args, cts))


@call_p.batch
def _call_batch(values: Any, axes: Any, /, *, graph: Graph) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    batched = batching.batch_graph(graph, list(axes), [0] * len(graph.outputs), size)
    outs = apply(call_p, *values, graph=batched)
    return outs, (0,) * len(outs)


# fused: a group of elementwise equations the fusion pass gathered into one node. It
# means exactly what its graph means (so every rule is call's); executors run it as one
# kernel (a generated loop on the CPU, one CUDA kernel on the GPU).
fused_p = Primitive(
    "fused",
    impl=lambda *args, graph: eval_graph(graph, *args),
    shape=_call_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)


@fused_p.jvp
def _fused_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, graph: Graph) -> tuple[Any, Any]:
    return _call_jvp(primals, tangents, graph=graph)


@fused_p.vjp
def _fused_vjp(gs: Sequence[Any], *args: Any, out: Any, graph: Graph) -> tuple[Any, ...]:
    return _call_vjp(gs, *args, out=out, graph=graph)


@fused_p.batch
def _fused_batch(values: Any, axes: Any, /, *, graph: Graph) -> tuple[Any, Any]:
    return _call_batch(values, axes, graph=graph)


# ---------------------------------------------------------------------------------------
# cond: outs = branches[clamp(index)](*operands)


def _cond_shape(index: Any, *operands: Any, branches: tuple[Graph, ...]) -> tuple[Type, ...]:
    if tuple(index.shape) != () or not dtypes.is_int(index.dtype):
        raise TypeError(f"cond: the branch index must be an integer scalar, got {type_of(index)}")
    for i, branch in enumerate(branches):
        _check_inputs("cond", branch, operands, f"branch {i}")
        if branch.out_types != branches[0].out_types:
            shown = ", ".join(map(str, branch.out_types))
            first = ", ".join(map(str, branches[0].out_types))
            raise TypeError(
                "cond: branches must return the same types: "
                f"branch 0 gives ({first}), branch {i} gives ({shown})"
            )
    return branches[0].out_types


def _cond_impl(index: Array, *operands: Array, branches: tuple[Graph, ...]) -> list[Any]:
    chosen = min(max(int(index.numpy()), 0), len(branches) - 1)
    return eval_graph(branches[chosen], *operands)


cond_p = Primitive(
    "cond",
    impl=_cond_impl,
    shape=_cond_shape,
    multiple_results=True,
    nondiff_inputs=(0,),
    higher_order=True,
    family="control flow",
)


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """Apply ``branches[index]`` to ``operands`` (index clamped into range), as one
    primitive whose params hold every branch's graph."""
    flat, in_tree = tree.flatten(operands)
    in_types = _types(flat)
    graphs, consts, out_trees = [], [], []
    for fn in branches:
        g, c, out_tree = closed_graph(lambda *xs, fn=fn: fn(*tree.unflatten(in_tree, xs)), in_types)
        graphs.append(g)
        consts.append(c)
        out_trees.append(out_tree)
    if any(t != out_trees[0] for t in out_trees):
        raise TypeError(f"cond: branches must return the same structure, got {out_trees}")
    # One signature for every branch: (all branches' constants..., operands...); each
    # branch ignores the other branches' constants.
    const_types = [_types(c) for c in consts]
    joined = []
    for i, g in enumerate(graphs):
        n_own = len(consts[i])
        before = tuple(Var(t) for ts in const_types[:i] for t in ts)
        after = tuple(Var(t) for ts in const_types[i + 1 :] for t in ts)
        inputs = before + g.inputs[:n_own] + after + g.inputs[n_own:]
        joined.append(Graph(inputs, g.equations, g.outputs))
    all_consts = [v for c in consts for v in c]
    if not hasattr(index, "shape"):
        index = Array(np.asarray(int(index), dtype=np.int32), _device_of(operands))
    outs = apply(cond_p, ops.cast(index, dtypes.int32), *all_consts, *flat, branches=tuple(joined))
    return tree.unflatten(out_trees[0], outs)


def cond(
    pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any], *operands: Any
) -> Any:
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``, traceable: both
    branches become sub-graphs and the choice is made when the graph runs."""
    if not hasattr(pred, "shape"):
        pred = Array(np.asarray(bool(pred)), _device_of(operands))
    if tuple(pred.shape) != ():
        raise TypeError(f"cond: the predicate must be a scalar, got {type_of(pred)}")
    return switch(ops.cast(pred, dtypes.int32), [false_fn, true_fn], *operands)


def _device_of(values: Any) -> Any:
    from workbench.backend import default_device  # noqa: PLC0415

    flat, _ = tree.flatten(values)
    return flat[0].device if flat else default_device()


@cond_p.jvp
def _cond_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, branches: tuple[Graph, ...]
) -> tuple[Any, Any]:
    index, *operands = primals
    filled = _zeros_for(operands, tangents[1:])
    outs = apply(cond_p, index, *operands, *filled, branches=tuple(_jvp_of(b) for b in branches))
    n = len(branches[0].outputs)
    return outs[:n], outs[n:]


@cond_p.vjp
def _cond_vjp(
    gs: Sequence[Any], index: Any, *operands: Any, out: Any, branches: tuple[Graph, ...]
) -> tuple[Any, ...]:
    backward = tuple(_backward_of(b) for b in branches)
    cts = apply(cond_p, index, *operands, *_zeros_for(out, gs), branches=backward)
    return (None, *_float_only(operands, cts))


@cond_p.batch
def _cond_batch(values: Any, axes: Any, /, *, branches: tuple[Graph, ...]) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    index, operands = values[0], values[1:]
    n_out = len(branches[0].outputs)
    batched = tuple(batching.batch_graph(b, list(axes[1:]), [0] * n_out, size) for b in branches)
    if axes[0] is None:
        outs = apply(cond_p, index, *operands, branches=batched)
        return outs, (0,) * n_out
    # A different branch per example: run every branch on the batch, then select.
    index = batching.moveaxis(index, axes[0], 0)
    index = ops.minimum(ops.maximum(index, 0), len(branches) - 1)
    results = [apply(call_p, *operands, graph=g) for g in batched]
    chosen = list(results[0])
    for k in range(1, len(branches)):
        pick = ops.eq(index, k)
        for j, value in enumerate(results[k]):
            mask = ops.broadcast_to(
                ops.reshape(pick, (size,) + (1,) * (value.ndim - 1)), value.shape
            )
            chosen[j] = ops.select(mask, value, chosen[j])
    return tuple(chosen), (0,) * n_out


# ---------------------------------------------------------------------------------------
# while_loop: carry = body(carry) while cond(carry)


def _while_split(
    args: Sequence[Any], n_cond: int, n_body: int
) -> tuple[list[Any], list[Any], list[Any]]:
    return list(args[:n_cond]), list(args[n_cond : n_cond + n_body]), list(args[n_cond + n_body :])


def _while_shape(
    *types: Any, cond_graph: Graph, body_graph: Graph, n_cond: int, n_body: int
) -> tuple[Type, ...]:
    cond_consts, body_consts, carry = _while_split(types, n_cond, n_body)
    _check_inputs("while_loop", cond_graph, cond_consts + carry, "cond_fun")
    _check_inputs("while_loop", body_graph, body_consts + carry, "body_fun")
    out = cond_graph.out_types
    if len(out) != 1 or out[0].shape != () or out[0].dtype != dtypes.bool_:
        raise TypeError(
            f"while_loop: cond_fun must return a boolean scalar, got ({', '.join(map(str, out))})"
        )
    carry_types = tuple(Type(tuple(t.shape), t.dtype, t.device) for t in carry)
    if tuple((t.shape, t.dtype) for t in body_graph.out_types) != tuple(
        (t.shape, t.dtype) for t in carry_types
    ):
        shown = ", ".join(map(str, body_graph.out_types))
        want = ", ".join(map(str, carry_types))
        raise TypeError(
            f"while_loop: body_fun must return the carry's types ({want}), got ({shown})"
        )
    return carry_types


def _while_impl(
    *args: Array, cond_graph: Graph, body_graph: Graph, n_cond: int, n_body: int
) -> list[Any]:
    cond_consts, body_consts, carry = _while_split(args, n_cond, n_body)
    while bool(eval_graph(cond_graph, *cond_consts, *carry)[0].numpy()):
        carry = eval_graph(body_graph, *body_consts, *carry)
    return carry


while_p = Primitive(
    "while_loop",
    impl=_while_impl,
    shape=_while_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init: Any) -> Any:
    """Repeat ``carry = body_fun(carry)`` while ``cond_fun(carry)``, traceable."""
    flat, carry_tree = tree.flatten(init)
    types = _types(flat)
    cond_graph, cond_consts, _ = closed_graph(
        lambda *c: cond_fun(tree.unflatten(carry_tree, c)), types
    )
    body_graph, body_consts, out_tree = closed_graph(
        lambda *c: body_fun(tree.unflatten(carry_tree, c)), types
    )
    if out_tree != carry_tree:
        raise TypeError(
            f"while_loop: body_fun must return the carry's structure {carry_tree}, got {out_tree}"
        )
    outs = apply(
        while_p,
        *cond_consts,
        *body_consts,
        *flat,
        cond_graph=cond_graph,
        body_graph=body_graph,
        n_cond=len(cond_consts),
        n_body=len(body_consts),
    )
    return tree.unflatten(carry_tree, outs)


# The JVP loop carries tangents beside the carry: body' = jvp(body), cond' ignores them.
@while_p.jvp
def _while_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    cond_graph: Graph,
    body_graph: Graph,
    n_cond: int,
    n_body: int,
) -> tuple[Any, Any]:
    cond_consts, body_consts, carry = _while_split(primals, n_cond, n_body)
    _, body_t, carry_t = _while_split(_zeros_for(primals, tangents), n_cond, n_body)
    k = len(carry)
    # jvp graph inputs: (body_consts, carry, body_t, carry_t); the loop passes
    # (body_consts, body_t) as constants and (carry, carry_t) as the carry.
    body = _reordered(_jvp_of(body_graph), [n_body, n_body, k, k], [0, 2, 1, 3])
    cond = _with_inputs(cond_graph, after=[t for t in _types(carry_t)])
    outs = apply(
        while_p,
        *cond_consts,
        *body_consts,
        *body_t,
        *carry,
        *carry_t,
        cond_graph=cond,
        body_graph=body,
        n_cond=n_cond,
        n_body=2 * n_body,
    )
    return outs[:k], outs[k:]


@while_p.vjp
def _while_vjp(gs: Any, *args: Any, out: Any, **params: Any) -> tuple[Any, ...]:
    raise NotImplementedError(
        "while_loop: reverse-mode differentiation needs every iteration's values, and a "
        "while_loop's number of iterations is only known at run time. Use scan (or "
        "fori_loop with Python-integer bounds, which becomes a scan), or differentiate in "
        "forward mode (jvp / jacfwd)."
    )


# Batched: every carry is batched; the loop runs while any example's condition holds and
# examples that are done keep their carry (a select per step).
@while_p.batch
def _while_batch(
    values: Any, axes: Any, /, *, cond_graph: Graph, body_graph: Graph, n_cond: int, n_body: int
) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    cond_consts, body_consts, carry = _while_split(values, n_cond, n_body)
    cond_axes, body_axes, carry_axes = _while_split(axes, n_cond, n_body)
    carry = [batching.to_axis(c, a, size) for c, a in zip(carry, carry_axes)]
    k = len(carry)
    cond_b = batching.batch_graph(cond_graph, list(cond_axes) + [0] * k, [0], size)
    body_b = batching.batch_graph(body_graph, list(body_axes) + [0] * k, [0] * k, size)

    def any_active(*args: Any) -> Any:
        (active,) = eval_graph(cond_b, *args)
        return ops.gt(ops.reduce_max(ops.cast(active, dtypes.int32)), 0)

    def step(*args: Any) -> Any:
        cc, bc, state = args[:n_cond], args[n_cond : n_cond + n_body], args[n_cond + n_body :]
        (active,) = eval_graph(cond_b, *cc, *state)
        new = eval_graph(body_b, *bc, *state)
        result = []
        for old, fresh in zip(state, new):
            mask = ops.broadcast_to(ops.reshape(active, (size,) + (1,) * (old.ndim - 1)), old.shape)
            result.append(ops.select(mask, fresh, old))
        return result

    new_cond = make_graph(any_active, *_types(cond_consts), *_types(carry))
    new_body = make_graph(step, *_types(cond_consts), *_types(body_consts), *_types(carry))
    outs = apply(
        while_p,
        *cond_consts,
        *cond_consts,
        *body_consts,
        *carry,
        cond_graph=new_cond,
        body_graph=new_body,
        n_cond=n_cond,
        n_body=n_cond + n_body,
    )
    return outs, (0,) * k


def fori_loop(
    lower: Any,
    upper: Any,
    body_fun: Callable[[Any, Any], Any],
    init: Any,
    index_dtype: Any = np.int64,
) -> Any:
    """``for i in range(lower, upper): carry = body_fun(i, carry)``.

    With Python-integer bounds this is a ``scan`` (so reverse mode works) whose index has
    ``index_dtype`` (a front end's default integer); with traced bounds it is a
    ``while_loop`` and the index has the bounds' dtype.
    """
    if isinstance(lower, int) and isinstance(upper, int):
        device = _device_of(init)

        def step(carry: Any, i: Any) -> Any:
            return body_fun(i, carry), None

        steps = np.arange(lower, max(upper, lower), dtype=index_dtype)
        indices = Array(device.put(steps), device)
        final, _ = scan(step, init, indices)
        return final
    lower_v, upper_v = (ops.array(v) if not hasattr(v, "shape") else v for v in (lower, upper))

    def keep_going(state: Any) -> Any:
        return ops.lt(state[0], upper_v)

    def advance(state: Any) -> Any:
        return ops.add(state[0], 1), body_fun(state[0], state[1])

    return while_loop(keep_going, advance, (lower_v, init))[1]


# ---------------------------------------------------------------------------------------
# scan: for t in range(length): carry, y[t] = body(carry, x[t])   (reversed if reverse)


def _scan_split(
    args: Sequence[Any], n_consts: int, n_carry: int
) -> tuple[list[Any], list[Any], list[Any]]:
    return (
        list(args[:n_consts]),
        list(args[n_consts : n_consts + n_carry]),
        list(args[n_consts + n_carry :]),
    )


def _scan_shape(
    *types: Any, body: Graph, n_consts: int, n_carry: int, length: int, reverse: bool
) -> tuple[Type, ...]:
    consts, carry, xs = _scan_split(types, n_consts, n_carry)
    for x in xs:
        if not x.shape or x.shape[0] != length:
            raise ValueError(
                f"scan: every scanned input needs leading axis {length}, got {type_of(x)}"
            )
    slices = [Type(tuple(x.shape[1:]), x.dtype, x.device) for x in xs]
    _check_inputs("scan", body, list(consts) + list(carry) + slices, "the body")
    outs = body.out_types
    carry_types = tuple(Type(tuple(c.shape), c.dtype, c.device) for c in carry)
    if tuple((t.shape, t.dtype) for t in outs[:n_carry]) != tuple(
        (t.shape, t.dtype) for t in carry_types
    ):
        shown = ", ".join(map(str, outs[:n_carry]))
        want = ", ".join(map(str, carry_types))
        raise TypeError(
            f"scan: the body must return the carry's types ({want}) first, got ({shown})"
        )
    ys = tuple(Type((length, *t.shape), t.dtype, t.device) for t in outs[n_carry:])
    return carry_types + ys


def _scan_impl(
    *args: Array, body: Graph, n_consts: int, n_carry: int, length: int, reverse: bool
) -> list[Any]:
    consts, carry, xs = _scan_split(args, n_consts, n_carry)
    steps: dict[int, list[Any]] = {}
    for t in reversed(range(length)) if reverse else range(length):
        x_t = [Array(x.data[t], x.device) for x in xs]
        outs = eval_graph(body, *consts, *carry, *x_t)
        carry, steps[t] = outs[:n_carry], outs[n_carry:]
    ys = []
    for j, out_type in enumerate(body.out_types[n_carry:]):
        device = out_type.device
        if length:
            ys.append(Array(device.xp.stack([steps[t][j].data for t in range(length)]), device))
        else:
            ys.append(Array(device.xp.zeros((0, *out_type.shape), out_type.dtype), device))
    return carry + ys


scan_p = Primitive(
    "scan",
    impl=_scan_impl,
    shape=_scan_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)


def scan(
    f: Callable[[Any, Any], Any],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the final
    carry and the stacked ``y``s (JAX's ``lax.scan``)."""
    carry_flat, carry_tree = tree.flatten(init)
    xs_flat, xs_tree = tree.flatten(xs)
    lengths = {int(x.shape[0]) for x in xs_flat}
    if length is None:
        if len(lengths) != 1:
            raise ValueError(
                f"scan: scanned inputs need one leading length, got {sorted(lengths) or 'none'}"
            )
        length = lengths.pop()
    elif lengths and lengths != {length}:
        raise ValueError(
            f"scan: length={length} but the scanned inputs have leading lengths {sorted(lengths)}"
        )
    n_carry = len(carry_flat)
    x_types = [Type(tuple(x.shape[1:]), x.dtype, x.device) for x in xs_flat]
    y_tree: list[Any] = []

    def body(*args: Any) -> Any:
        carry = tree.unflatten(carry_tree, args[:n_carry])
        x = tree.unflatten(xs_tree, args[n_carry:])
        new_carry, y = f(carry, x)
        new_flat, new_tree = tree.flatten(new_carry)
        if new_tree != carry_tree:
            raise TypeError(
                f"scan: the body must return a carry of structure {carry_tree}, got {new_tree}"
            )
        y_flat, y_def = tree.flatten(y)
        y_tree.append(y_def)
        return list(new_flat) + list(y_flat)

    graph, consts, _ = closed_graph(body, _types(carry_flat) + x_types)
    outs = apply(
        scan_p,
        *consts,
        *carry_flat,
        *xs_flat,
        body=graph,
        n_consts=len(consts),
        n_carry=n_carry,
        length=length,
        reverse=reverse,
    )
    return tree.unflatten(carry_tree, outs[:n_carry]), tree.unflatten(y_tree[0], outs[n_carry:])


@scan_p.jvp
def _scan_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> tuple[Any, Any]:
    consts, carry, xs = _scan_split(primals, n_consts, n_carry)
    consts_t, carry_t, xs_t = _scan_split(_zeros_for(primals, tangents), n_consts, n_carry)
    nx = len(xs)
    # jvp graph inputs: (consts, carry, x, consts_t, carry_t, x_t); the new scan takes
    # constants (consts, consts_t), carry (carry, carry_t) and slices (x, x_t).
    jb = _reordered(
        _jvp_of(body), [n_consts, n_consts, n_carry, n_carry, nx, nx], [0, 2, 4, 1, 3, 5]
    )
    ny = len(body.outputs) - n_carry
    # jvp graph outputs: (carry, y, carry_t, y_t) -> the scan needs (carry, carry_t, y, y_t)
    outs_order = make_graph(
        lambda *a: _permute_outputs(eval_graph(jb, *a), [n_carry, ny, n_carry, ny], [0, 2, 1, 3]),
        *jb.in_types,
    )
    outs = apply(
        scan_p,
        *consts,
        *consts_t,
        *carry,
        *carry_t,
        *xs,
        *xs_t,
        body=outs_order,
        n_consts=2 * n_consts,
        n_carry=2 * n_carry,
        length=length,
        reverse=reverse,
    )
    c, c_t = outs[:n_carry], outs[n_carry : 2 * n_carry]
    ys, ys_t = outs[2 * n_carry : 2 * n_carry + ny], outs[2 * n_carry + ny :]
    return tuple(c) + tuple(ys), tuple(c_t) + tuple(ys_t)


def _permute_outputs(
    values: Sequence[Any], groups: Sequence[int], order: Sequence[int]
) -> list[Any]:
    starts = [sum(groups[:i]) for i in range(len(groups))]
    return [v for k in order for v in values[starts[k] : starts[k] + groups[k]]]


# Reverse mode: first a scan that records the carry every step saw (recomputation, as
# checkpointing does), then a scan in the opposite direction over the body's backward
# graph, accumulating the constants' cotangents in its carry.
@scan_p.vjp
def _scan_vjp(
    gs: Sequence[Any],
    *args: Any,
    out: Any,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> tuple[Any, ...]:
    consts, init, xs = _scan_split(args, n_consts, n_carry)
    g_carry = _zeros_for(out[:n_carry], gs[:n_carry])
    g_ys = _zeros_for(out[n_carry:], gs[n_carry:])
    nx = len(xs)

    def record(*a: Any) -> Any:
        new = eval_graph(body, *a)
        return list(new[:n_carry]) + list(a[n_consts : n_consts + n_carry])

    recorder = make_graph(record, *body.in_types)
    seen = apply(
        scan_p,
        *consts,
        *init,
        *xs,
        body=recorder,
        n_consts=n_consts,
        n_carry=n_carry,
        length=length,
        reverse=reverse,
    )[n_carry:]
    backward = _backward_of(
        body
    )  # (consts, carry, x, g_carry_next, g_y) -> (g_consts, g_carry, g_x)

    def step(*a: Any) -> Any:
        c = a[:n_consts]
        g_next = a[n_consts : n_consts + n_carry]
        acc = a[n_consts + n_carry : 2 * n_consts + n_carry]
        rest = a[2 * n_consts + n_carry :]
        carry_t, x_t, g_y_t = rest[:n_carry], rest[n_carry : n_carry + nx], rest[n_carry + nx :]
        cts = eval_graph(backward, *c, *carry_t, *x_t, *g_next, *g_y_t)
        g_c, g_prev, g_x = (
            cts[:n_consts],
            cts[n_consts : n_consts + n_carry],
            cts[n_consts + n_carry :],
        )
        return list(g_prev) + [ops.add(a_, b_) for a_, b_ in zip(acc, g_c)] + list(g_x)

    slice_types = [
        Type(t.shape[1:], t.dtype, t.device) for t in _types(seen) + _types(xs) + _types(g_ys)
    ]
    step_graph = make_graph(step, *_types(consts), *_types(g_carry), *_types(consts), *slice_types)
    zeros = [ops.zeros_like(c) for c in consts]
    res = apply(
        scan_p,
        *consts,
        *g_carry,
        *zeros,
        *seen,
        *xs,
        *g_ys,
        body=step_graph,
        n_consts=n_consts,
        n_carry=n_carry + n_consts,
        length=length,
        reverse=not reverse,
    )
    g_init = res[:n_carry]
    g_consts = res[n_carry : n_carry + n_consts]
    g_xs = res[n_carry + n_consts :]
    return tuple(_float_only(consts, g_consts) + _float_only(init, g_init) + _float_only(xs, g_xs))


# Batched: carries batched at axis 0 (broadcast if needed), scanned inputs batched at
# axis 1 (axis 0 is time), so every slice has its batch at 0; ys come out at axis 1.
@scan_p.batch
def _scan_batch(
    values: Any,
    axes: Any,
    /,
    *,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    consts, carry, xs = _scan_split(values, n_consts, n_carry)
    c_axes, k_axes, x_axes = _scan_split(axes, n_consts, n_carry)
    consts = [c if a is None else batching.moveaxis(c, a, 0) for c, a in zip(consts, c_axes)]
    carry = [batching.to_axis(c, a, size) for c, a in zip(carry, k_axes)]
    xs = [x if a is None else batching.moveaxis(x, a, 1) for x, a in zip(xs, x_axes)]
    in_axes = (
        [None if a is None else 0 for a in c_axes]
        + [0] * n_carry
        + [None if a is None else 0 for a in x_axes]
    )
    n_out = len(body.outputs)
    batched = batching.batch_graph(body, in_axes, [0] * n_out, size)
    outs = apply(
        scan_p,
        *consts,
        *carry,
        *xs,
        body=batched,
        n_consts=n_consts,
        n_carry=n_carry,
        length=length,
        reverse=reverse,
    )
    return outs, (0,) * n_carry + (1,) * (n_out - n_carry)


# ---------------------------------------------------------------------------------------
# custom_vjp: outs = forward(*args), with backward(gs, args, outs) as the VJP
# The user-defined derivative of PyTorch's autograd.Function and JAX's custom_vjp. Both
# callables live in params (compared by identity); ``out_types`` lets a trace know the
# results' types without running ``forward`` (None: the call can only be evaluated).


def _custom_vjp_shape(*types: Any, forward: Any, backward: Any, out_types: Any) -> tuple[Type, ...]:
    if out_types is None:
        from workbench.core.values import ConcretizationError  # noqa: PLC0415

        raise ConcretizationError(
            "custom_vjp: a function with a user-defined backward runs its forward in Python, "
            "so it cannot be captured into a graph without its output types"
        )
    return tuple(out_types)


custom_vjp_p = Primitive(
    "custom_vjp",
    impl=lambda *args, forward, backward, out_types: list(forward(*args)),
    shape=_custom_vjp_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
custom_vjp_p.check = lambda *args, **params: None  # evaluation runs forward itself


@custom_vjp_p.vjp
def _custom_vjp_vjp(
    gs: Sequence[Any], *args: Any, out: Any, forward: Any, backward: Any, out_types: Any
) -> tuple[Any, ...]:
    return tuple(backward(_zeros_for(out, gs), args, out))


@custom_vjp_p.jvp
def _custom_vjp_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], **params: Any
) -> tuple[Any, Any]:
    raise NotImplementedError(
        "custom_vjp: this function defines only a backward (reverse-mode) rule; forward mode "
        "(jvp, jacfwd) needs a forward-mode rule as well"
    )


def custom_vjp_call(
    forward: Callable[..., Any], backward: Callable[..., Any], *args: Any, out_types: Any = None
) -> tuple[Any, ...]:
    """Apply ``forward`` with ``backward(cotangents, args, outs)`` as its VJP."""
    return apply(custom_vjp_p, *args, forward=forward, backward=backward, out_types=out_types)


# ---------------------------------------------------------------------------------------
# custom_jvp: outs = forward(*args), with rule(primals, tangents) -> (outs, tangents_out)
# JAX's custom_jvp. Reverse mode transposes the rule: the rule's tangent map is linear in
# the tangents, so its VJP (taken at zero tangents) is the transposed map.


def _custom_jvp_shape(*types: Any, forward: Any, rule: Any, out_types: Any) -> tuple[Type, ...]:
    return _custom_vjp_shape(*types, forward=forward, backward=rule, out_types=out_types)


custom_jvp_p = Primitive(
    "custom_jvp",
    impl=lambda *args, forward, rule, out_types: list(forward(*args)),
    shape=_custom_jvp_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
custom_jvp_p.check = lambda *args, **params: None


@custom_jvp_p.jvp
def _custom_jvp_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, forward: Any, rule: Any, out_types: Any
) -> tuple[Any, Any]:
    filled = _zeros_for(primals, tangents)
    outs, tangents_out = rule(list(primals), filled)
    return list(outs), list(tangents_out)


@custom_jvp_p.vjp
def _custom_jvp_vjp(
    gs: Sequence[Any], *args: Any, out: Any, forward: Any, rule: Any, out_types: Any
) -> tuple[Any, ...]:
    zeros = [ops.zeros_like(a) for a in args]
    _, pullback = autodiff.vjp(lambda *ts: list(rule(list(args), list(ts))[1]), *zeros)
    return tuple(pullback(_zeros_for(out, gs)))


def custom_jvp_call(
    forward: Callable[..., Any], rule: Callable[..., Any], *args: Any, out_types: Any = None
) -> tuple[Any, ...]:
    """Apply ``forward`` with ``rule(primals, tangents) -> (outs, out_tangents)`` as its JVP.
    ``forward`` must be traceable; its output types come from tracing it."""
    if out_types is None:
        graph, _ = trace(lambda *xs: list(forward(*xs)), *[type_of(a) for a in args])
        out_types = graph.out_types
    return apply(custom_jvp_p, *args, forward=forward, rule=rule, out_types=tuple(out_types))
