"""Tracing: turn a Python function into an IR graph, and evaluate a graph.

The graph-building interpreter records every ``apply`` as an equation instead of
computing it. Values from outside the function (captured arrays, or values of an
enclosing transformation) become the graph's constants. This module builds graphs; it
never runs primitives' implementations itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workbench.core import tree
from workbench.core.dispatch import Interpreter, apply, interpreter
from workbench.core.ir import Atom, Equation, Graph, Literal, Type, Var
from workbench.core.primitive import Primitive
from workbench.core.values import Array, Tracer, is_value, short_type


class GraphTracer(Tracer):
    """A value being traced: it stands for the IR variable (or literal) ``atom``."""

    __slots__ = ("atom",)

    def __init__(self, builder: GraphBuilder, atom: Atom) -> None:
        self.interpreter = builder
        self.atom = atom

    @property
    def type(self) -> Type:
        return self.atom.type


class GraphBuilder(Interpreter):
    """Records equations into a graph under construction."""

    def __init__(self) -> None:
        self.equations: list[Equation] = []
        self.constants: dict[int, tuple[Var, Any]] = {}

    def to_atom(self, x: Any) -> Atom:
        if isinstance(x, GraphTracer) and x.interpreter is self:
            return x.atom
        if not is_value(x):
            raise TypeError(f"tracing: expected a workbench value, got {short_type(x)}")
        if isinstance(x, Array) and x.ndim == 0:
            return Literal(x)
        found = self.constants.get(id(x))
        if found is None:
            found = (Var(Type(tuple(x.shape), x.dtype, x.device)), x)
            self.constants[id(x)] = found
        return found[0]

    def process(
        self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[GraphTracer]:
        atoms = tuple(self.to_atom(x) for x in args)
        out_types = prim.out_types(*(a.type for a in atoms), **params)
        outputs = tuple(Var(t) for t in out_types)
        self.equations.append(Equation(prim, atoms, outputs, dict(params)))
        return [GraphTracer(self, v) for v in outputs]

    def new_input(self, type_: Type, hint: str = "") -> GraphTracer:
        return GraphTracer(self, Var(type_, hint))


def type_of(x: Any) -> Type:
    """The IR type of a value or of a :class:`Type` given as an example."""
    if isinstance(x, Type):
        return x
    if is_value(x):
        return Type(tuple(x.shape), x.dtype, x.device)
    raise TypeError(
        f"expected a workbench value or a Type as an example input, got {short_type(x)}"
    )


def trace(fn: Callable[..., Any], *examples: Any) -> tuple[Graph, tree.TreeDef]:
    """Trace ``fn`` on values (or Types) shaped like ``examples``.

    Returns:
        The graph (flat inputs and outputs) and the structure of ``fn``'s result.
    """
    flat, in_tree = tree.flatten(examples)
    with interpreter(GraphBuilder, dynamic=True) as builder:
        inputs = [builder.new_input(type_of(x)) for x in flat]
        result = fn(*tree.unflatten(in_tree, inputs))
        flat_out, out_tree = tree.flatten(result)
        outputs = tuple(builder.to_atom(o) for o in flat_out)
    graph = Graph(
        inputs=tuple(t.atom for t in inputs),  # type: ignore[misc]
        equations=tuple(builder.equations),
        outputs=outputs,
        constants=tuple(builder.constants.values()),
    )
    return graph, out_tree


def make_graph(fn: Callable[..., Any], *examples: Any) -> Graph:
    """The IR graph of ``fn`` applied to values shaped like ``examples``.

    Example:
        >>> from workbench.core import array, make_graph, ops
        >>> print(make_graph(lambda x: ops.mul(ops.sin(x), 2.0), array([1.0, 2.0])))
        { lambda a:f32[2] . let
            b:f32[2] = sin a
            c:f32[2] = broadcast_to[shape=(2,)] 2.0:f32[]
            d:f32[2] = mul b c
          in (d) }
    """
    return trace(fn, *examples)[0]


def eval_graph(graph: Graph, *args: Any) -> list[Any]:
    """Run ``graph`` on ``args`` by applying each equation in order.

    Every equation goes through :func:`apply`, so evaluating a graph under a
    transformation (grad of a traced function) just works.

    Raises:
        TypeError: if the arguments do not match the graph's input types.
    """
    if len(args) != len(graph.inputs):
        raise TypeError(f"eval_graph: the graph takes {len(graph.inputs)} inputs, got {len(args)}")
    env: dict[Var, Any] = {}
    for var, value in graph.constants:
        env[var] = value
    for var, value in zip(graph.inputs, args):
        if (
            not is_value(value)
            or tuple(value.shape) != var.type.shape
            or value.dtype != var.type.dtype
        ):
            raise TypeError(
                f"eval_graph: input {short_type(value)} does not match the graph's {var.type}"
            )
        env[var] = value

    def read(atom: Atom) -> Any:
        return atom.value if isinstance(atom, Literal) else env[atom]

    for eqn in graph.equations:
        outs = apply(eqn.primitive, *(read(a) for a in eqn.inputs), **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = (outs,)
        for var, value in zip(eqn.outputs, outs):
            env[var] = value
    return [read(a) for a in graph.outputs]


def graph_function(graph: Graph) -> Callable[..., list[Any]]:
    """``graph`` as a Python function of its inputs."""

    def run(*args: Any) -> list[Any]:
        return eval_graph(graph, *args)

    return run
