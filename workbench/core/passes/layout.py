"""Layout folding: transposes that only rearrange a matrix product's operands or result
are folded into the product's dimension numbers instead of being computed.

``x @ w.T`` (PyTorch's layout for a linear layer, written in the functional style)
traces as ``transpose`` then ``dot_general``; run as written, every step copies the
weight matrix to transpose it, and the backward pass transposes the weight gradient
back. A ``dot_general`` can contract any dimensions, and BLAS reads a transposed matrix
with a flag, so the copies are unnecessary:

- ``dot_general(transpose(x), y)`` becomes ``dot_general(x, y)`` with x's contracting and
  batch dimensions renumbered (when x's free dimensions keep their order);
- ``transpose(dot_general(x, y))`` that swaps the two operands' free dimensions becomes
  ``dot_general(y, x)`` (when nothing else uses the unswapped product).

XLA does the same ("transpose folding"); the report counts each kind.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from workbench.core import primitives as ops
from workbench.core.ir import Equation, Graph, Var
from workbench.core.passes.base import PassReport, count_equations, map_subgraphs

Pair = tuple[tuple[int, ...], tuple[int, ...]]
Dims = tuple[Pair, Pair]  # (contracting, batch), each (x's, y's)


def _free(ndim: int, dims: Dims, side: int) -> list[int]:
    (xc, yc), (xb, yb) = dims
    contract, batch = (xc, xb) if side == 0 else (yc, yb)
    return [i for i in range(ndim) if i not in contract and i not in batch]


def _fold_operands(eqn: Equation, producers: dict[int, Equation], counts: Counter[str]) -> Equation:
    contracting: list[tuple[int, ...]] = list(eqn.params["contracting"])
    batch: list[tuple[int, ...]] = list(eqn.params["batch"])
    inputs = list(eqn.inputs)
    for side in (0, 1):
        source = producers.get(id(inputs[side])) if isinstance(inputs[side], Var) else None
        if source is None or source.primitive is not ops.transpose_p:
            continue
        perm = source.params["perm"]
        dims: Dims = (contracting[0], contracting[1]), (batch[0], batch[1])
        free = [perm[i] for i in _free(len(perm), dims, side)]
        if free != sorted(free):
            continue  # the product's output would come out in another order
        contracting[side] = tuple(perm[i] for i in contracting[side])
        batch[side] = tuple(perm[i] for i in batch[side])
        inputs[side] = source.inputs[0]
        counts["transposed operand"] += 1
    if inputs == list(eqn.inputs):
        return eqn
    params = dict(eqn.params, contracting=tuple(contracting), batch=tuple(batch))
    return Equation(eqn.primitive, tuple(inputs), eqn.outputs, params)


def _swapped_product(
    eqn: Equation, producers: dict[int, Equation], uses: Counter[int]
) -> Equation | None:
    """``transpose(dot_general(x, y))`` as ``dot_general(y, x)``, or None."""
    source = producers.get(id(eqn.inputs[0])) if isinstance(eqn.inputs[0], Var) else None
    if source is None or source.primitive is not ops.dot_general_p or uses[id(eqn.inputs[0])] != 1:
        return None
    x, y = source.inputs
    dims: Dims = source.params["contracting"], source.params["batch"]
    n_batch = len(dims[1][0])
    n_x, n_y = len(_free(len(x.type.shape), dims, 0)), len(_free(len(y.type.shape), dims, 1))
    swap = (
        tuple(range(n_batch))
        + tuple(range(n_batch + n_x, n_batch + n_x + n_y))
        + tuple(range(n_batch, n_batch + n_x))
    )
    if tuple(eqn.params["perm"]) != swap or n_x == 0 or n_y == 0:
        return None
    (xc, yc), (xb, yb) = dims
    params = dict(source.params, contracting=(yc, xc), batch=(yb, xb))
    return Equation(source.primitive, (y, x), eqn.outputs, params)


def _fold(graph: Graph, counts: Counter[str]) -> Graph:
    uses: Counter[int] = Counter()
    for eqn in graph.equations:
        uses.update(id(a) for a in eqn.inputs if isinstance(a, Var))
    uses.update(id(a) for a in graph.outputs if isinstance(a, Var))
    producers: dict[int, Equation] = {}
    kept: list[Equation] = []
    for original in graph.equations:
        eqn = map_subgraphs(original, lambda g: _fold(g, counts))
        if eqn.primitive is ops.transpose_p:
            swapped = _swapped_product(eqn, producers, uses)
            if swapped is not None:
                counts["transposed product"] += 1
                eqn = swapped
        if eqn.primitive is ops.dot_general_p:
            eqn = _fold_operands(eqn, producers, counts)
        kept.append(eqn)
        for var in eqn.outputs:
            producers[id(var)] = eqn
    return Graph(graph.inputs, tuple(kept), graph.outputs, graph.constants)


def fold_transposes(graph: Graph) -> tuple[Graph, PassReport]:
    """Fold transposes into matrix products (then drop what became unused)."""
    from workbench.core.passes.dce import _dce  # noqa: PLC0415

    counts: Counter[str] = Counter()
    result = _dce(_fold(graph, counts))
    details: dict[str, Any] = dict(counts)
    return result, PassReport(
        "fold_transposes", count_equations(graph), count_equations(result), details
    )
