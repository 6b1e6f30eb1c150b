"""From whatever a learner has to a core IR graph (with example inputs, so values and
gradients can be shown) or to a diagram: an eager tensor's recorded history, a static
graph or fetch, a ``tf.function``, a ``jit``ted or plain functional function, a
``make_jaxpr`` result, or a core graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.core import autodiff
from workbench.core.ir import Graph
from workbench.core.passes import default_pipeline
from workbench.core.values import Tracer
from workbench.viz.diagram import Diagram, from_core, from_ops


@dataclass
class Traced:
    """A core graph, the example arguments it was traced with (None when unknown), and
    names for its inputs."""

    graph: Graph
    args: list[Any] | None
    names: dict[int, str]
    params: set[int]


def _is(obj: Any, module: str, name: str) -> bool:
    return type(obj).__module__.startswith(module) and type(obj).__name__ == name


def trace_of(obj: Any, *args: Any, params: dict[str, Any] | None = None) -> Traced:
    """The core graph of ``obj`` (see the module docstring for what ``obj`` may be)."""
    if isinstance(obj, Graph):
        return Traced(obj, list(args) if args else None, {}, set())
    if _is(obj, "workbench.eager", "Tensor") or _is(obj, "workbench.eager", "Parameter"):
        return _eager(obj, params or {})
    if _is(obj, "workbench.functional", "ClosedJaxpr"):
        return Traced(obj.graph, list(args) if args else None, {}, set())
    if type(obj).__module__.startswith("workbench.static") and callable(obj) and args:
        return _static_function(obj, args)
    if _is(obj, "workbench.functional", "Jitted") or (
        callable(obj) and args and _functional_args(args)
    ):
        return _functional(obj, args)
    if _is(obj, "workbench.static", "EagerTensor"):
        raise TypeError(
            "an eager TensorFlow tensor has no graph: draw the tf.function that made it"
        )
    raise TypeError(f"viz: cannot get a core graph from {type(obj).__name__}")


def _functional_args(args: Sequence[Any]) -> bool:
    from workbench.core import tree  # noqa: PLC0415

    return all(
        hasattr(leaf, "shape") or isinstance(leaf, int | float) for leaf in tree.flatten(args)[0]
    )


def _functional(fn: Any, args: Sequence[Any]) -> Traced:
    from workbench.core import tree  # noqa: PLC0415
    from workbench.core.trace import trace  # noqa: PLC0415
    from workbench.core.values import Array  # noqa: PLC0415
    from workbench.functional.transforms import Jitted, to_values  # noqa: PLC0415

    leaves = tree.flatten(list(args))[0]
    if leaves and all(isinstance(leaf, Array) for leaf in leaves):
        # a function of the core's own ops and arrays (the welcome lesson's): trace it as is
        graph = trace(fn, *args)[0]
        names = {id(var): label for var, label in zip(graph.inputs, argument_names(fn, args))}
        return Traced(graph, leaves, names, set())
    jitted = fn if isinstance(fn, Jitted) else Jitted(fn)
    graph = jitted.graph(*args)
    labels = argument_names(jitted.fun, args)
    names = {id(var): label for var, label in zip(graph.inputs, labels)}
    return Traced(graph, tree.flatten(to_values(list(args)))[0], names, set())


def argument_names(fn: Any, args: Sequence[Any]) -> list[str]:
    """A name per leaf of ``args``, from ``fn``'s parameter names, in the order the
    tracer flattens them: ``w``, ``x``, ``params[0]``, ``params['b']``. Empty when the
    names cannot be known (a builtin, ``*args``)."""
    import inspect  # noqa: PLC0415

    from workbench.core import tree  # noqa: PLC0415

    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    if len(parameters) < len(args) or any(
        p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters[: len(args)]
    ):
        return []
    labels: list[str] = []
    for parameter, arg in zip(parameters, args):
        labels.extend(_leaf_paths(parameter.name, tree.flatten(arg)[1]))
    return labels


def _leaf_paths(root: str, treedef: Any) -> list[str]:
    """The path of each leaf under ``root`` (iterative walk, leaves in flatten order)."""
    paths: list[str] = []
    stack = [(root, treedef)]
    while stack:
        path, node = stack.pop()
        if node.kind == "leaf":
            paths.append(path)
            continue
        if node.kind is dict:
            keys = [f"[{k!r}]" for k in node.aux]
        elif node.kind == "namedtuple":
            keys = [f".{f}" for f in node.aux._fields]
        else:
            keys = [f"[{i}]" for i in range(len(node.children))]
        stack.extend(reversed([(path + k, c) for k, c in zip(keys, node.children)]))
    return paths


def _static_function(fn: Any, args: Sequence[Any]) -> Traced:
    """A tf.function (or Keras model) traced to core IR on example arguments."""
    from workbench.core import tree  # noqa: PLC0415
    from workbench.core.trace import trace  # noqa: PLC0415
    from workbench.static.execution import EagerTensor, convert_to_tensor, value_of  # noqa: PLC0415

    values = [value_of(convert_to_tensor(a)) for a in args]

    def run(*vals: Any) -> Any:
        out = fn(*[EagerTensor(v) for v in vals])
        leaves = tree.flatten(out, is_leaf=lambda t: isinstance(t, EagerTensor))[0]
        return [value_of(o) for o in leaves]

    graph, _ = trace(run, *values)
    return Traced(graph, values, {}, set())


def _eager(tensor: Any, params: dict[str, Any]) -> Traced:
    value = tensor._value
    if not isinstance(value, Tracer):
        raise ValueError("this tensor has no recorded history (it does not require grad)")
    leaves = autodiff.tape_leaves([value])
    by_id = {id(p._value): name for name, p in params.items()}
    names = {}
    graph = autodiff.tape_graph([value], leaves)
    param_vars = set()
    for var, leaf in zip(graph.inputs, leaves):
        name = by_id.get(id(leaf))
        if name is not None:
            names[id(var)] = name
            param_vars.add(id(var))
    return Traced(graph, [leaf.primal for leaf in leaves], names, param_vars)


def diagram_of(
    obj: Any,
    *args: Any,
    backward: bool = False,
    optimize: bool = False,
    params: dict[str, Any] | None = None,
    title: str = "",
) -> Diagram:
    """The diagram to draw for ``obj``: a static graph is drawn op by op (with its name
    scopes), everything else as core IR; ``backward`` draws the reverse-mode graph and
    ``optimize`` the graph after the compiler's passes (fused groups as clusters)."""
    static = _static_ops(obj)
    if static is not None and not backward and not optimize:
        ops, fetches = static
        return from_ops(ops, fetches, title=title or "static graph")
    traced = trace_of(_static_core(obj) if static is not None else obj, *args, params=params)
    return traced_diagram(traced, backward=backward, optimize=optimize, title=title)


def traced_diagram(
    traced: Traced, backward: bool = False, optimize: bool = False, title: str = ""
) -> Diagram:
    """The diagram of a traced graph, keeping its input names (see ``diagram_of``)."""
    graph = traced.graph
    kinds = {i: "param" for i in traced.params}
    names = dict(traced.names)
    label = title
    output_names: list[str] = []
    if backward:
        forward = graph
        graph = autodiff.backward_graph(forward)
        for var, fwd in zip(graph.inputs, forward.inputs):
            if id(fwd) in names:
                names[id(var)] = names[id(fwd)]
            if id(fwd) in kinds:
                kinds[id(var)] = kinds[id(fwd)]
        # the backward graph's extra inputs: the gradient the output starts with
        seeds = graph.inputs[len(forward.inputs) :]
        for i, var in enumerate(seeds):
            which = "" if len(seeds) == 1 else f" of output {i}"
            names[id(var)] = f"seed gradient{which}\\n(1 for a scalar loss)"
            kinds[id(var)] = "grad"
        output_names = [
            f"gradient of {names.get(id(fwd), f'input {i}')}"
            for i, fwd in enumerate(forward.inputs)
        ]
        label = label or "backward pass"
    if optimize:
        graph, reports = default_pipeline().run(graph)
        changed = [f"{r.name} {r.before}->{r.after}" for r in reports if r.before != r.after]
        what = "; ".join(changed) if changed else "no pass changed anything"
        which = "backward pass" if backward else "forward pass"
        label = title or f"{which} after the compiler's passes: {what}"
    return from_core(graph, names, kinds, title=label, output_names=output_names)


def _static_ops(obj: Any) -> tuple[list[Any], list[Any]] | None:
    """(operations, fetches) for static-front-end objects, else None."""
    module = type(obj).__module__
    if not module.startswith("workbench.static"):
        return None
    from workbench.static.framework import Graph as StaticGraph  # noqa: PLC0415
    from workbench.static.framework import Operation, Tensor  # noqa: PLC0415
    from workbench.static.function import ConcreteFunction, Function  # noqa: PLC0415
    from workbench.static.session import needed_ops  # noqa: PLC0415

    if isinstance(obj, StaticGraph):
        return obj.get_operations(), []
    if isinstance(obj, Tensor | Operation):
        op = obj.op if isinstance(obj, Tensor) else obj
        return needed_ops([op], set()), [obj]
    if (
        isinstance(obj, list | tuple)
        and obj
        and all(isinstance(o, Tensor | Operation) for o in obj)
    ):
        targets = [o.op if isinstance(o, Tensor) else o for o in obj]
        return needed_ops(targets, set()), list(obj)
    if isinstance(obj, ConcreteFunction):
        return obj.graph.get_operations(), list(obj.graph.outputs)
    if isinstance(obj, Function):
        concrete = list(obj._concrete.values())
        if not concrete:
            raise ValueError(
                "this tf.function has not been traced yet: call it (or get_concrete_function) first"
            )
        return concrete[-1].graph.get_operations(), list(concrete[-1].graph.outputs)
    return None


def _static_core(obj: Any) -> Graph:
    """The core IR a static object runs as (the compiled program's graph)."""
    from workbench.static.function import ConcreteFunction, Function  # noqa: PLC0415

    if isinstance(obj, Function):
        obj = list(obj._concrete.values())[-1]
    if isinstance(obj, ConcreteFunction):
        return obj.ir  # type: ignore[no-any-return]
    raise TypeError(
        "draw a static graph's backward or optimised form from a tf.function that has run "
        "(or from the core graph: sess.programs)"
    )
