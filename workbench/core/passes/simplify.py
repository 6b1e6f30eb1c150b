"""Algebraic simplification: small named rewrite rules applied by one driver.

A rule looks at one equation (inputs already rewritten) and the equations that produced
its inputs, and returns ``None`` (no change), an atom (the equation's single output is
just that atom), a replacement equation with the same outputs, or a tuple of equations
whose last defines those outputs. Rules are tried again on a replacement (the last of a
tuple) until none fires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import primitives as ops
from workbench.core.ir import Atom, Equation, Graph, Literal, Type, Var
from workbench.core.passes.base import PassReport, Substitution, count_equations, map_subgraphs
from workbench.core.primitive import Primitive
from workbench.core.primitives.elementwise import Elementwise

Producers = dict[int, Equation]
Rule = Callable[[Equation, Producers], Any]


def _constant_value(atom: Atom, producers: Producers) -> np.ndarray | None:
    """The value of an atom known to hold one repeated number (a literal, or a
    broadcast of one)."""
    if isinstance(atom, Literal):
        value = atom.value.numpy()
        return value if value.size and np.all(value == value.flat[0]) else None
    eqn = producers.get(id(atom))
    if (
        eqn is not None
        and eqn.primitive is ops.broadcast_to_p
        and isinstance(eqn.inputs[0], Literal)
    ):
        return _constant_value(eqn.inputs[0], producers)
    return None


def _is(atom: Atom, number: float, producers: Producers) -> bool:
    value = _constant_value(atom, producers)
    return value is not None and bool(np.all(value == number))


def _producer(atom: Atom, prim: Primitive, producers: Producers) -> Equation | None:
    eqn = producers.get(id(atom)) if isinstance(atom, Var) else None
    return eqn if eqn is not None and eqn.primitive is prim else None


def _same_type(a: Atom, b: Atom) -> bool:
    return a.type.shape == b.type.shape and a.type.dtype == b.type.dtype


# x * 1 = 1 * x = x
def multiply_by_one(eqn: Equation, producers: Producers) -> Atom | None:
    if eqn.primitive is not ops.mul_p:
        return None
    x, y = eqn.inputs
    if _is(y, 1, producers) and _same_type(x, eqn.outputs[0]):
        return x
    if _is(x, 1, producers) and _same_type(y, eqn.outputs[0]):
        return y
    return None


# x + 0 = 0 + x = x - 0 = x
def add_zero(eqn: Equation, producers: Producers) -> Atom | None:
    if eqn.primitive not in (ops.add_p, ops.sub_p):
        return None
    x, y = eqn.inputs
    if _is(y, 0, producers) and _same_type(x, eqn.outputs[0]):
        return x
    if eqn.primitive is ops.add_p and _is(x, 0, producers) and _same_type(y, eqn.outputs[0]):
        return y
    return None


# x / 1 = x,  x ** 1 = x
def divide_by_one(eqn: Equation, producers: Producers) -> Atom | None:
    if eqn.primitive in (ops.div_p, ops.pow_p) and _is(eqn.inputs[1], 1, producers):
        return eqn.inputs[0]
    return None


# -(-x) = x
def double_negation(eqn: Equation, producers: Producers) -> Atom | None:
    if eqn.primitive is not ops.neg_p:
        return None
    inner = _producer(eqn.inputs[0], ops.neg_p, producers)
    return inner.inputs[0] if inner is not None else None


# transpose(transpose(x, p), q) = transpose(x, p∘q), or x when that is the identity
def transpose_of_transpose(eqn: Equation, producers: Producers) -> Atom | Equation | None:
    if eqn.primitive is not ops.transpose_p:
        return None
    inner = _producer(eqn.inputs[0], ops.transpose_p, producers)
    if inner is None:
        return None
    first, second = inner.params["perm"], eqn.params["perm"]
    perm = tuple(first[p] for p in second)
    if perm == tuple(range(len(perm))):
        return inner.inputs[0]
    return Equation(eqn.primitive, inner.inputs, eqn.outputs, {"perm": perm})


# reshape(reshape(x)) = reshape(x); reshape to x's own shape = x
def reshape_chain(eqn: Equation, producers: Producers) -> Atom | Equation | None:
    if eqn.primitive is not ops.reshape_p:
        return None
    source = eqn.inputs[0]
    inner = _producer(source, ops.reshape_p, producers)
    if inner is not None:
        source = inner.inputs[0]
    if source.type.shape == eqn.outputs[0].type.shape:
        return source
    if inner is not None:
        return Equation(eqn.primitive, (source,), eqn.outputs, eqn.params)
    return None


# casting to the dtype a value already has, or broadcasting to its own shape, does nothing
def identity_conversion(eqn: Equation, producers: Producers) -> Atom | None:
    if eqn.primitive in (ops.cast_p, ops.broadcast_to_p) and _same_type(
        eqn.inputs[0], eqn.outputs[0]
    ):
        return eqn.inputs[0]
    return None


# the sum of x·x (or square(x)) over x's trailing axes is x's dot product with itself:
# one BLAS pass per row, without the squared temporary (squared norms: per-example
# gradient norms, global norm clipping, L2 penalties). Also through a reshape that only
# merges trailing axes.
def sum_of_squares(eqn: Equation, producers: Producers) -> Equation | None:
    if eqn.primitive is not ops.reduce_sum_p or eqn.params["keepdims"]:
        return None
    operand = eqn.inputs[0]
    merged = _producer(operand, ops.reshape_p, producers)
    squared = merged.inputs[0] if merged else operand
    square = producers.get(id(squared)) if isinstance(squared, Var) else None
    if square is None or not (
        square.primitive is ops.square_p
        or (square.primitive is ops.mul_p and square.inputs[0] is square.inputs[1])
    ):
        return None
    x = square.inputs[0]
    if not isinstance(x, Var) or np.dtype(x.type.dtype).kind != "f":
        return None
    shape, axes = operand.type.shape, tuple(sorted(eqn.params["axes"]))
    lead = len(shape) - len(axes)
    if not axes or axes != tuple(range(lead, len(shape))) or None in x.type.shape:
        return None
    if x.type.shape[:lead] != shape[:lead]:  # the reshape moved more than trailing axes
        return None
    rows = tuple(range(lead))
    contract = tuple(range(lead, len(x.type.shape)))
    params = {"contracting": (contract, contract), "batch": (rows, rows)}
    return Equation(ops.dot_general_p, (x, x), eqn.outputs, params)


# f(reshape(x)) = reshape(f(x)) for a unary elementwise f: the reshape (a view) moves
# after f, so f fuses with the elementwise work that made x (a dense layer's bias add
# on (B·T, F) rows, reshaped to (B, T, F) before its activation: one kernel, not two).
def elementwise_after_reshape(eqn: Equation, producers: Producers) -> tuple[Equation, ...] | None:
    if not isinstance(eqn.primitive, Elementwise) or len(eqn.inputs) != 1:
        return None
    reshape = _producer(eqn.inputs[0], ops.reshape_p, producers)
    if reshape is None or len(eqn.outputs) != 1:
        return None
    source, out = reshape.inputs[0], eqn.outputs[0]
    moved = Var(Type(source.type.shape, out.type.dtype, out.type.device))
    return (
        Equation(eqn.primitive, (source,), (moved,), eqn.params),
        Equation(ops.reshape_p, (moved,), eqn.outputs, reshape.params),
    )


RULES: Sequence[Rule] = (
    multiply_by_one,
    add_zero,
    divide_by_one,
    double_negation,
    transpose_of_transpose,
    reshape_chain,
    identity_conversion,
    sum_of_squares,
    elementwise_after_reshape,
)


def rewrite(graph: Graph, rules: Sequence[Rule], counts: dict[str, int]) -> Graph:
    """Apply ``rules`` to every equation in order (and inside sub-graphs)."""
    subst = Substitution()
    producers: Producers = {}
    kept = []
    for original in graph.equations:
        eqn: Equation | None = map_subgraphs(
            Equation(
                original.primitive,
                tuple(subst(a) for a in original.inputs),
                original.outputs,
                original.params,
            ),
            lambda g: rewrite(g, rules, counts),
        )
        changed = True
        while eqn is not None and changed:
            changed = False
            for rule in rules:
                result = rule(eqn, producers)
                if result is None:
                    continue
                counts[rule.__name__] = counts.get(rule.__name__, 0) + 1
                if isinstance(result, tuple):  # equations before the one that replaces eqn
                    for before in result[:-1]:
                        kept.append(before)
                        for var in before.outputs:
                            producers[id(var)] = before
                    result = result[-1]
                if isinstance(result, Equation):
                    eqn, changed = result, True
                else:
                    subst[eqn.outputs[0]] = result
                    eqn = None
                break
        if eqn is not None:
            kept.append(eqn)
            for var in eqn.outputs:
                producers[id(var)] = eqn
    outputs = tuple(subst(a) for a in graph.outputs)
    return Graph(graph.inputs, tuple(kept), outputs, graph.constants)


def simplify(graph: Graph, rules: Sequence[Rule] = RULES) -> tuple[Graph, PassReport]:
    """Apply the algebraic rewrite rules; the report counts how often each fired.

    Rewritten equations may leave their inputs unused: DCE removes those.
    """
    counts: dict[str, int] = {}
    result = rewrite(graph, rules, counts)
    from workbench.core.passes.dce import _dce  # noqa: PLC0415

    result = _dce(result)
    return result, PassReport("simplify", count_equations(graph), count_equations(result), counts)
