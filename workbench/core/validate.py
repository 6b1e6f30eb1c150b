"""``validate(graph)``: the IR's invariants, checked.

Every variable is defined exactly once (a constant, an input or an equation output)
and before it is used; every equation's output types are what its primitive's shape
rule gives for its input types; sub-graphs in params are valid too.
"""

from __future__ import annotations

from workbench.core.ir import Graph, Literal, Var, equation_text, subgraphs


class GraphError(ValueError):
    """A graph breaks an IR invariant."""


def validate(graph: Graph) -> None:
    """Raise :class:`GraphError` naming the first broken invariant.

    Iterative over nested sub-graphs, so deep nesting cannot hit the recursion limit.
    """
    pending = [graph]
    while pending:
        g = pending.pop()
        _validate_one(g)
        for eqn in g.equations:
            pending.extend(subgraphs(eqn))


def _validate_one(graph: Graph) -> None:
    defined: set[int] = set()

    def define(var: Var, where: str) -> None:
        if not isinstance(var, Var):
            raise GraphError(f"{where}: {var!r} is not a variable")
        if id(var) in defined:
            raise GraphError(f"{where}: variable {var} is assigned twice")
        defined.add(id(var))

    for var, _ in graph.constants:
        define(var, "constants")
    for var in graph.inputs:
        define(var, "inputs")
    for i, eqn in enumerate(graph.equations):
        where = f"equation {i} ({eqn.primitive.name})"
        for atom in eqn.inputs:
            if isinstance(atom, Var) and id(atom) not in defined:
                raise GraphError(f"{where}: input {atom} is used before it is defined")
            if not isinstance(atom, Var | Literal):
                raise GraphError(f"{where}: input {atom!r} is neither a variable nor a literal")
        try:
            expected = eqn.primitive.out_types(*(a.type for a in eqn.inputs), **eqn.params)
        except (TypeError, ValueError) as err:
            raise GraphError(f"{where}: its shape rule rejects the inputs: {err}") from err
        actual = tuple(v.type for v in eqn.outputs)
        if expected != actual:
            shown = ", ".join(map(str, actual))
            want = ", ".join(map(str, expected))
            raise GraphError(
                f"{where}: outputs typed ({shown}) but the rule gives ({want}): "
                f"{equation_text(eqn)}"
            )
        for var in eqn.outputs:
            define(var, where)
    for atom in graph.outputs:
        if isinstance(atom, Var) and id(atom) not in defined:
            raise GraphError(f"outputs: {atom} is never defined")
