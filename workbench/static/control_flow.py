"""Control flow in graphs: ``group``, ``cond``, ``while_loop``, and ``FuncGraph``, the
sub-graph a branch, a loop body or a ``tf.function`` is built in.

A branch or body is built once as a ``FuncGraph``; tensors it uses from the enclosing
graph are *captured* (they become inputs of the cond/while operation). When the graph
runs, the operation evaluates the sub-graph inside the core's ``cond``/``while_loop``/
``scan``, so the choice or the loop is made at run time and is differentiable where the
core's rule is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workbench.core import ops, tree
from workbench.static import dtypes
from workbench.static.execution import convert_to_tensor, graph_tensor, make_op
from workbench.static.framework import (
    Graph,
    Operation,
    Tensor,
    TensorShape,
    executing_eagerly,
    get_default_graph,
)


class FuncGraph(Graph):
    """A graph built for a function: its inputs are placeholders, the tensors it takes
    from ``outer`` are captured as extra placeholders. Mirrors: TensorFlow's FuncGraph."""

    is_function_graph = True  # init_scope leaves it

    def __init__(self, name: str, outer: Graph | None) -> None:
        super().__init__()
        self.name = name
        self.outer = outer
        self.inputs: list[Tensor] = []
        self.outputs: list[Tensor] = []
        self.structured_outputs: Any = None
        self.captures: dict[int, tuple[Tensor, Tensor]] = {}
        self.seed = outer.seed if outer is not None else None

    def add_input(self, dtype: dtypes.DType, shape: TensorShape, name: str = "args") -> Tensor:
        op = Operation(self, self.unique_name(name), "Placeholder", [], None, kind="placeholder")
        self.add_op(op, [(dtype, shape)])
        self.inputs.append(op.outputs[0])
        return op.outputs[0]

    def capture(self, tensor: Tensor) -> Tensor:
        if tensor.graph is self:
            return tensor
        found = self.captures.get(id(tensor))
        if found is not None:
            return found[1]
        outer_tensor = tensor
        if isinstance(self.outer, FuncGraph) and tensor.graph is not self.outer:
            outer_tensor = self.outer.capture(tensor)
        elif tensor.graph is not self.outer:
            raise ValueError(f"Tensor {tensor.name} is from a graph this function cannot see")
        with self.control_dependencies(None):
            op = Operation(
                self, self.unique_name("capture"), "Placeholder", [], None, kind="placeholder"
            )
            self.add_op(op, [(tensor.dtype, tensor.shape)])
        self.captures[id(tensor)] = (outer_tensor, op.outputs[0])
        return op.outputs[0]

    @property
    def captured_outer(self) -> list[Tensor]:
        return [outer for outer, _ in self.captures.values()]

    @property
    def captured_inner(self) -> list[Tensor]:
        return [inner for _, inner in self.captures.values()]


def build_func_graph(
    name: str,
    fn: Callable[..., Any],
    in_specs: Sequence[tuple[dtypes.DType, TensorShape]],
    outer: Graph | None,
) -> FuncGraph:
    """Call ``fn`` on placeholders in a new FuncGraph; its outputs become the graph's."""
    fg = FuncGraph(name, outer)
    with fg.as_default():
        args = [fg.add_input(d, s) for d, s in in_specs]
        result = fn(*args)
        leaves, _ = tree.flatten(result)
        fg.outputs = [graph_tensor(fg, x) for x in leaves]
        fg.structured_outputs = result
    return fg


def run_func_graph(
    fg: FuncGraph,
    inputs: Sequence[Any],
    captured: Sequence[Any],
    state: dict[Any, Any],
    keys: dict[Operation, Any],
) -> list[Any]:
    """Evaluate ``fg``'s outputs on core values."""
    from workbench.static.session import evaluate, needed_ops  # noqa: PLC0415

    env = dict(zip(fg.inputs, inputs))
    env.update(zip(fg.captured_inner, captured))
    op_list = needed_ops([t.op for t in fg.outputs], set(env))
    read = evaluate(op_list, env, state, keys)
    return [read(t) for t in fg.outputs]


def _pure(fg: FuncGraph, what: str) -> None:
    for op in fg.get_operations():
        if op.writes or op.attrs.get("random"):
            raise NotImplementedError(
                f"{what}: assignments and random ops inside a branch or loop body are not "
                f"supported in graph mode ({op.type} '{op.name}'); move them outside"
            )


# ---------------------------------------------------------------------------------------


def no_op(name: str | None = None) -> Any:
    return make_op("NoOp", [], None, name=name)


def group(*inputs: Any, name: str | None = None) -> Any:
    """One op that runs all of ``inputs``. Mirrors: tf.group."""
    if executing_eagerly():
        return None
    graph = get_default_graph()
    deps = [
        x if isinstance(x, Operation) else graph_tensor(graph, x).op
        for x in inputs
        if x is not None
    ]
    with graph.control_dependencies(deps):
        return make_op("NoOp", [], None, name=name or "NoOp")


def tuple_(
    tensors: Sequence[Any], name: str | None = None, control_inputs: Any = None
) -> list[Any]:
    if executing_eagerly():
        return list(tensors)
    from workbench.static.array_ops import identity  # noqa: PLC0415

    gate = group(*tensors, *(control_inputs or []))
    with get_default_graph().control_dependencies([gate]):
        return [identity(t) for t in tensors]


def cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    name: str | None = None,
) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``, decided when the graph runs.
    Mirrors: tf.cond."""
    if true_fn is None or false_fn is None:
        raise TypeError("cond(): true_fn and false_fn are required")
    if executing_eagerly():
        return true_fn() if bool(convert_to_tensor(pred).numpy()) else false_fn()
    graph = get_default_graph()
    p = convert_to_tensor(pred)
    branches = [
        build_func_graph("cond_true", true_fn, [], graph),
        build_func_graph("cond_false", false_fn, [], graph),
    ]
    for fg in branches:
        _pure(fg, "tf.cond")
    t_tree = tree.flatten(branches[0].structured_outputs)[1]
    f_tree = tree.flatten(branches[1].structured_outputs)[1]
    if t_tree != f_tree or len(branches[0].outputs) != len(branches[1].outputs):
        raise ValueError(
            "true_fn and false_fn arguments to tf.cond must have the same "
            "number, type, and overall structure of return values."
        )
    n_true = len(branches[0].captures)
    captured = branches[0].captured_outer + branches[1].captured_outer

    def run(pv: Any, *caps: Any) -> Any:
        tc, fc = caps[:n_true], caps[n_true:]
        out = ops.cond(
            pv,
            lambda: tuple(run_func_graph(branches[0], [], tc, {}, {})),
            lambda: tuple(run_func_graph(branches[1], [], fc, {}, {})),
        )
        return tuple(out) if len(out) != 1 else out[0]

    out = make_op("If", [p, *captured], run, name=name or "cond")
    leaves = list(out) if isinstance(out, tuple) else [out]
    return tree.unflatten(t_tree, leaves)


def while_loop(
    cond: Callable[..., Any],
    body: Callable[..., Any],
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    maximum_iterations: int | None = None,
    name: str | None = None,
    **_: Any,
) -> Any:
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``. Mirrors: tf.while_loop.

    In a graph, gradients flow through the loop when ``maximum_iterations`` is a Python
    int: the loop then runs as a fixed-length scan whose steps past the end keep the
    carry (reverse mode needs every iteration's values, so it needs a bound known when
    the graph is built). Eagerly it is a Python loop and always differentiable.
    """
    single = not isinstance(loop_vars, list | tuple)
    if executing_eagerly():
        values = [loop_vars] if single else list(loop_vars)
        count = 0
        while bool(convert_to_tensor(cond(*values)).numpy()):
            if maximum_iterations is not None and count >= int(maximum_iterations):
                break
            out = body(*values)
            values = [out] if single or not isinstance(out, list | tuple) else list(out)
            count += 1
        return (
            values[0]
            if single
            else type(loop_vars)(values)
            if isinstance(loop_vars, tuple)
            else values
        )
    graph = get_default_graph()
    init = [convert_to_tensor(v) for v in ([loop_vars] if single else loop_vars)]
    specs = [(t.dtype, t.shape) for t in init]
    cond_g = build_func_graph("while_cond", lambda *v: cond(*v), specs, graph)
    body_g = build_func_graph(
        "while_body",
        lambda *v: (
            lambda out: [out] if single or not isinstance(out, list | tuple) else list(out)
        )(body(*v)),
        specs,
        graph,
    )
    for fg in (cond_g, body_g):
        _pure(fg, "tf.while_loop")
    if len(body_g.outputs) != len(init):
        raise ValueError(
            f"body returned {len(body_g.outputs)} values for {len(init)} loop variables"
        )
    n_cond = len(cond_g.captures)
    captured = cond_g.captured_outer + body_g.captured_outer
    limit = None if maximum_iterations is None else int(maximum_iterations)

    def run(*args: Any) -> Any:
        carry, caps = list(args[: len(init)]), args[len(init) :]
        cc, bc = caps[:n_cond], caps[n_cond:]

        def keep_going(c: Sequence[Any]) -> Any:
            return run_func_graph(cond_g, list(c), cc, {}, {})[0]

        def step(c: Sequence[Any]) -> Any:
            return tuple(run_func_graph(body_g, list(c), bc, {}, {}))

        if limit is None:
            final = ops.while_loop(lambda c: keep_going(c), lambda c: step(c), tuple(carry))
        else:

            def masked(c: Any, _: Any) -> Any:
                go = keep_going(c)
                new = step(c)
                return tuple(ops.select(go, n, o) for n, o in zip(new, c)), None

            final, _ = ops.scan(masked, tuple(carry), None, length=limit)
        return tuple(final) if len(final) != 1 else final[0]

    out = make_op("While", [*init, *captured], run, name=name or "while")
    leaves = list(out) if isinstance(out, tuple) else [out]
    if single:
        return leaves[0]
    return tuple(leaves) if isinstance(loop_vars, tuple) else leaves


def scan(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name: str | None = None,
) -> Any:
    """``acc = fn(acc, x)`` over the first axis of ``elems``, returning every ``acc``
    stacked (the same structure as ``initializer``; without one, the first element starts
    the accumulation and is the first output). Mirrors: tf.scan.

    In a graph the loop stays one operation running the core's ``scan`` (reverse mode
    differentiates it without unrolling), as TensorFlow keeps a ``while`` loop; eagerly it
    is a Python loop.
    """
    from workbench.static.array_ops import concat, expand_dims, zeros  # noqa: PLC0415

    elem_leaves, elem_tree = tree.flatten(elems)
    xs = [convert_to_tensor(e) for e in elem_leaves]
    if not xs:
        raise ValueError("tf.scan: elems must hold at least one tensor")
    seeded = initializer is None
    if seeded:
        initializer = tree.unflatten(elem_tree, [x[-1] if reverse else x[0] for x in xs])
        xs = [x[:-1] if reverse else x[1:] for x in xs]
    init_leaves, init_tree = tree.flatten(initializer)
    init = [convert_to_tensor(v) for v in init_leaves]
    n_acc = len(init)

    def call(acc: Sequence[Any], x: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        out = fn(tree.unflatten(init_tree, list(acc)), tree.unflatten(elem_tree, list(x)))
        leaves, _ = tree.flatten(out)
        if len(leaves) != n_acc:
            raise ValueError(
                f"tf.scan: fn returned {len(leaves)} values for an accumulator of {n_acc}"
            )
        return leaves, leaves

    _, results = loop(call, init, xs, reverse=reverse, name=name or "scan", what="tf.scan")
    if not results:  # eagerly, no step ran
        results = [zeros([0, *v.shape], v.dtype) for v in init]
    if seeded:
        results = [
            concat([r, expand_dims(v, 0)] if reverse else [expand_dims(v, 0), r], 0)
            for r, v in zip(results, init)
        ]
    return tree.unflatten(init_tree, results)


def loop(
    fn: Callable[[list[Any], list[Any]], tuple[Sequence[Any], Sequence[Any]]],
    init: Sequence[Any],
    xs: Sequence[Any],
    *,
    reverse: bool = False,
    name: str = "scan",
    what: str = "tf.scan",
) -> tuple[list[Any], list[Any]]:
    """``carry, y = fn(carry, x)`` over the first axis of the tensors ``xs``: the last
    carry and every step's ``y`` stacked (lists of tensors). In a graph this is one
    operation running the core's ``scan``, whose reverse mode keeps the loop a loop;
    eagerly, a Python loop. ``tf.scan`` and ``dynamic_rnn`` are both this loop."""
    from workbench.static.array_ops import stack  # noqa: PLC0415

    init = [convert_to_tensor(v) for v in init]
    xs = [convert_to_tensor(x) for x in xs]
    n_acc, n_xs = len(init), len(xs)

    def call(acc: Sequence[Any], x: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        carry, ys = fn(list(acc), list(x))
        carry = [convert_to_tensor(v) for v in carry]
        if len(carry) != n_acc:
            raise ValueError(f"{what}: the loop body returned {len(carry)} values for a "
                             f"state of {n_acc}")  # fmt: skip
        return carry, [convert_to_tensor(v) for v in ys]

    if executing_eagerly():
        acc, steps = init, []
        count = int(xs[0].shape[0])
        for i in reversed(range(count)) if reverse else range(count):
            acc, ys = call(acc, [x[i] for x in xs])
            steps.append(ys)
        if reverse:
            steps.reverse()
        return acc, [stack([s[k] for s in steps]) for k in range(len(steps[0]))] if steps else []
    graph = get_default_graph()
    specs = [(t.dtype, t.shape) for t in init] + [
        (x.dtype, TensorShape(x.shape.dims[1:])) for x in xs
    ]

    def flat(*values: Any) -> list[Any]:
        carry, ys = call(values[:n_acc], values[n_acc:])
        return [*carry, *ys]

    body = build_func_graph(f"{name}_body", flat, specs, graph)
    _pure(body, what)

    def run(*args: Any) -> Any:
        carry, values, captured = args[:n_acc], args[n_acc : n_acc + n_xs], args[n_acc + n_xs :]

        def step(c: Any, x: Any) -> Any:
            new = run_func_graph(body, [*c, *x], captured, {}, {})
            return tuple(new[:n_acc]), tuple(new[n_acc:])

        last, ys = ops.scan(step, tuple(carry), tuple(values), reverse=reverse)
        return (*last, *ys)

    length = xs[0].shape.dims[0] if xs[0].shape.dims else None  # None: known when run
    out = make_op(
        "Scan",
        [*init, *xs, *body.captured_outer],
        run,
        name=name,
        out_types=[(t.dtype, t.shape) for t in init]
        + [
            (t.dtype, TensorShape(None if t.shape.dims is None else [length, *t.shape.dims]))
            for t in body.outputs[n_acc:]
        ],
    )
    results = list(out) if isinstance(out, tuple) else [out]
    return results[:n_acc], results[n_acc:]


def foldl(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, **kwargs: Any) -> Any:
    """The last accumulator of :func:`scan` from the front. Mirrors: tf.foldl."""
    stacked = scan(fn, elems, initializer, **kwargs)
    return tree.unflatten(*_last(stacked, -1))


def foldr(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, **kwargs: Any) -> Any:
    """The last accumulator of :func:`scan` from the back. Mirrors: tf.foldr."""
    stacked = scan(fn, elems, initializer, reverse=True, **kwargs)
    return tree.unflatten(*_last(stacked, 0))


def _last(stacked: Any, index: int) -> tuple[Any, list[Any]]:
    leaves, structure = tree.flatten(stacked)
    return structure, [leaf[index] for leaf in leaves]


def vectorized_map(
    fn: Callable[[Any], Any], elems: Any, fallback_to_while_loop: bool = True, warn: bool = True
) -> Any:
    """``fn`` applied to every slice of ``elems`` along its first axis, computed at once
    for the whole batch by the core's batching transformation (``vmap``), so a
    ``GradientTape`` inside ``fn`` gives per-example gradients. Mirrors:
    tf.vectorized_map."""
    from workbench.core import vmap  # noqa: PLC0415
    from workbench.static.execution import EagerTensor, value_of  # noqa: PLC0415

    leaves, in_tree = tree.flatten(elems)
    tensors = [convert_to_tensor(x) for x in leaves]
    if not tensors:
        raise ValueError("vectorized_map: elems must hold at least one tensor")
    out_tree: list[Any] = []
    if executing_eagerly():

        def eager_body(*values: Any) -> Any:
            result = fn(tree.unflatten(in_tree, [EagerTensor(v) for v in values]))
            out_leaves, structure = tree.flatten(result)
            out_tree.append(structure)
            return tuple(value_of(o) for o in out_leaves)

        outs = vmap(eager_body)(*[value_of(t) for t in tensors])
        return tree.unflatten(out_tree[0], [EagerTensor(o) for o in outs])
    graph = get_default_graph()
    specs = [(t.dtype, TensorShape(t.shape.dims[1:])) for t in tensors]
    fg = build_func_graph(
        "vectorized_map", lambda *args: fn(tree.unflatten(in_tree, list(args))), specs, graph
    )
    _pure(fg, "tf.vectorized_map")
    count = len(tensors)

    def run(*values: Any) -> Any:
        xs, captured = values[:count], values[count:]
        out = vmap(lambda *x: tuple(run_func_graph(fg, list(x), captured, {}, {})))(*xs)
        return tuple(out) if len(out) != 1 else out[0]

    out = make_op("VectorizedMap", [*tensors, *fg.captured_outer], run, name="vectorized_map")
    results = list(out) if isinstance(out, tuple) else [out]
    return tree.unflatten(tree.flatten(fg.structured_outputs)[1], results)
