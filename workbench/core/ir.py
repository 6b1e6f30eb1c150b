"""The IR: typed variables, literals, equations and graphs, and their text form.

A graph is an SSA list of equations ``outs = primitive[params](inputs)``. The eager
tape, a static graph, a jitted function and a backward pass all become this one type.
IR nodes are immutable; passes build new graphs. This module never evaluates anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.backend import Device, dtypes

if TYPE_CHECKING:
    from workbench.core.primitive import Primitive


@dataclass(frozen=True, slots=True)
class Type:
    """Shape, dtype and device of a value (JAX calls this an abstract value, or aval).

    A dimension may be ``None``: unknown until the graph runs (TensorFlow's ``?``, the
    batch of a placeholder). Shape rules carry unknown dimensions through (an unknown
    dimension matches any size, and broadcasting against one keeps the known size); only
    graphs whose types are all known can be compiled and run.
    """

    shape: tuple[int | None, ...]
    dtype: np.dtype
    device: Device

    def __str__(self) -> str:
        dims = ",".join("?" if d is None else str(d) for d in self.shape)
        return f"{dtypes.short_name(self.dtype)}[{dims}]"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def known(self) -> bool:
        """Whether every dimension is known."""
        return None not in self.shape

    @property
    def size(self) -> int:
        if not self.known:
            raise ValueError(f"{self} has unknown dimensions: its size is known only at run time")
        return math.prod(self.shape)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, eq=False)
class Var:
    """A variable of the IR: defined once, by a graph input or an equation.

    ``hint`` is an optional human name (a static graph's op name) used by drawings.
    """

    type: Type
    hint: str = ""

    def __repr__(self) -> str:
        return f"Var({self.type})"


@dataclass(frozen=True, slots=True, eq=False)
class Literal:
    """A constant written inline in the graph (a scalar such as ``2.0:f32``).

    ``value`` is a concrete workbench Array.
    """

    value: Any

    @property
    def type(self) -> Type:
        return self.value.type

    def __repr__(self) -> str:
        return f"Literal({_literal_text(self)})"


Atom = Var | Literal


@dataclass(frozen=True, slots=True, eq=False)
class Equation:
    """``outputs = primitive[params](inputs)``."""

    primitive: Primitive
    inputs: tuple[Atom, ...]
    outputs: tuple[Var, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False)
class Graph:
    """A function as IR.

    Attributes:
        inputs: the graph's parameters, in order.
        equations: the body, in an order where every input is defined before use.
        outputs: what the graph returns (variables or literals).
        constants: variables bound to captured values (arrays, or values of an
            enclosing transformation) together with those values.
    """

    inputs: tuple[Var, ...]
    equations: tuple[Equation, ...]
    outputs: tuple[Atom, ...]
    constants: tuple[tuple[Var, Any], ...] = ()

    @property
    def in_types(self) -> tuple[Type, ...]:
        return tuple(v.type for v in self.inputs)

    @property
    def out_types(self) -> tuple[Type, ...]:
        return tuple(v.type for v in self.outputs)

    def __str__(self) -> str:
        return graph_text(self)

    def __repr__(self) -> str:
        return graph_text(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(graph_text(self))


# ---------------------------------------------------------------------------------------
# Text form


def _name(index: int) -> str:
    """a, b, …, z, ba, bb, …: short SSA names in order of definition (as jaxprs do)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    name = ""
    while True:
        name = letters[index % 26] + name
        index //= 26
        if index == 0:
            return name


def _literal_text(lit: Literal) -> str:
    value = lit.value.numpy()
    text = np.array2string(value, separator=",", threshold=6) if value.ndim else repr(value.item())
    return f"{text}:{lit.type}"


class _Namer:
    def __init__(self) -> None:
        self.names: dict[int, str] = {}

    def define(self, var: Var) -> str:
        name = _name(len(self.names))
        self.names[id(var)] = name
        return f"{name}:{var.type}"

    def use(self, atom: Atom) -> str:
        if isinstance(atom, Literal):
            return _literal_text(atom)
        return self.names.get(id(atom), "?undefined")


def _param_text(value: Any, indent: str, namer: _Namer) -> str:
    if isinstance(value, Graph):
        return "\n" + _graph_lines(value, indent + "    ", namer) + "\n" + indent + "  "
    if isinstance(value, tuple) and value and all(isinstance(v, Graph) for v in value):
        inner = [_graph_lines(v, indent + "    ", namer) for v in value]
        return "(\n" + ",\n".join(inner) + "\n" + indent + "  )"
    if isinstance(value, np.dtype):
        return dtypes.short_name(value)
    if isinstance(value, Device):
        return value.name
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return repr(value)


def equation_text(eqn: Equation, namer: _Namer | None = None, indent: str = "") -> str:
    """One line: ``c:f32[3] = mul a b``."""
    namer = namer or _Namer()
    inputs = " ".join(namer.use(a) for a in eqn.inputs)
    outputs = " ".join(namer.define(v) for v in eqn.outputs)
    params = ""
    if eqn.params:
        items = [f"{k}={_param_text(v, indent, namer)}" for k, v in sorted(eqn.params.items())]
        params = "[" + ", ".join(items) + "]"
    return f"{outputs} = {eqn.primitive.name}{params} {inputs}".rstrip()


def _graph_lines(graph: Graph, indent: str, namer: _Namer) -> str:
    lines = []
    consts = " ".join(namer.define(v) for v, _ in graph.constants)
    params = " ".join(namer.define(v) for v in graph.inputs)
    header = (
        f"{indent}{{ lambda {consts} ; {params} ." if consts else f"{indent}{{ lambda {params} ."
    )
    lines.append(header + " let")
    for eqn in graph.equations:
        lines.append(f"{indent}    " + equation_text(eqn, namer, indent + "    "))
    outs = " ".join(namer.use(a) for a in graph.outputs)
    lines.append(f"{indent}  in ({outs}) }}")
    return "\n".join(lines)


def graph_text(graph: Graph) -> str:
    """The readable text form, in the style of a jaxpr::

    { lambda a:f32[3] b:f32[3] . let
        c:f32[3] = mul a b
        d:f32[] = reduce_sum[axes=(0,), keepdims=False] c
      in (d) }
    """
    return _graph_lines(graph, "", _Namer())


def subgraphs(eqn: Equation) -> list[Graph]:
    """The graphs an equation's params hold (branches and bodies of control flow)."""
    found: list[Graph] = []
    for value in eqn.params.values():
        if isinstance(value, Graph):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(v for v in value if isinstance(v, Graph))
    return found
