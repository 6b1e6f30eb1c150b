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
from workbench.core.ir import Equation, Graph, Type, Var
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


def _merge_groups(src: tuple[Any, ...], dst: tuple[Any, ...]) -> list[tuple[int, ...]] | None:
    """For a reshape that only merges neighbouring axes of ``src`` (no axis of size 1, all
    sizes known): which ``src`` axes make each ``dst`` axis; else None."""
    if None in src or None in dst or 1 in src or 1 in dst:
        return None
    groups, i = [], 0
    for d in dst:
        group, size = [], 1
        while i < len(src) and size < d:
            group.append(i)
            size *= src[i]
            i += 1
        if size != d:
            return None
        groups.append(tuple(group))
    return groups if i == len(src) else None


def _merged(atom: Any, producers: dict[int, Equation]) -> tuple[Any, list[tuple[int, ...]]] | None:
    """``atom`` as ``reshape(source)`` merging ``source``'s axes: (source, groups), or None."""
    source = producers.get(id(atom)) if isinstance(atom, Var) else None
    if source is None or source.primitive is not ops.reshape_p:
        return None
    groups = _merge_groups(tuple(source.inputs[0].type.shape), tuple(atom.type.shape))
    return None if groups is None else (source.inputs[0], groups)


def _unmerged_product(eqn: Equation, producers: dict[int, Equation]) -> list[Equation] | None:
    """A 2-d product of operands that are reshapes merging axes, on the unmerged operands:
    merged contracted axes (rows of time and batch, for a weight gradient) are contracted
    as they are, and an operand's merged free axis is kept apart when the product is
    smaller than that operand (its result is then reshaped). The merging reshape of a
    transposed array is a copy; the product reads the array in its own memory order."""
    (xc, yc), (xb, _) = eqn.params["contracting"], eqn.params["batch"]
    x, y = eqn.inputs
    if xb or len(xc) != 1 or len(x.type.shape) != 2 or len(y.type.shape) != 2:
        return None
    mx, my = _merged(x, producers), _merged(y, producers)
    out = eqn.outputs[0]
    if mx is not None and my is not None:  # both contracted axes merged the same way
        (sx, gx), (sy, gy) = mx, my
        cx, cy, fx, fy = gx[xc[0]], gy[yc[0]], gx[1 - xc[0]], gy[1 - yc[0]]
        same = [sx.type.shape[a] for a in cx] == [sy.type.shape[a] for a in cy]
        if len(cx) > 1 and same and len(fx) == 1 and len(fy) == 1:
            params = dict(eqn.params, contracting=(cx, cy))
            return [Equation(eqn.primitive, (sx, sy), eqn.outputs, params)]
    for side, found in ((0, mx), (1, my)):
        if found is None:
            continue
        source, groups = found
        c = (xc, yc)[side][0]
        free, contract = groups[1 - c], groups[c]
        operand = (x, y)[side]
        if len(free) < 2 or len(contract) != 1 or out.type.size * 2 > operand.type.size:
            continue
        contracting = (contract, yc) if side == 0 else (xc, contract)
        other = (y, x)[side]
        free_sizes = tuple(source.type.shape[a] for a in free)
        other_free = tuple(d for i, d in enumerate(other.type.shape) if i != (yc, xc)[side][0])
        shape = free_sizes + other_free if side == 0 else other_free + free_sizes
        product = Var(Type(shape, out.type.dtype, out.type.device))
        operands = (source, y) if side == 0 else (x, source)
        params = dict(eqn.params, contracting=contracting)
        return [
            Equation(eqn.primitive, operands, (product,), params),
            Equation(ops.reshape_p, (product,), eqn.outputs, {"shape": tuple(out.type.shape)}),
        ]
    return None


def _unmerged_sum(eqn: Equation, producers: dict[int, Equation]) -> Equation | None:
    """A sum over merged axes as the sum over the axes they merged (a bias gradient over
    rows of time and batch), when every kept axis is one axis of the source."""
    found = _merged(eqn.inputs[0], producers)
    if found is None or eqn.params["keepdims"]:
        return None
    source, groups = found
    axes = eqn.params["axes"]
    if any(len(g) != 1 for i, g in enumerate(groups) if i not in axes):
        return None
    summed = tuple(a for i in sorted(axes) for a in groups[i])
    return Equation(eqn.primitive, (source,), eqn.outputs, dict(eqn.params, axes=summed))


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
            unmerged = _unmerged_product(eqn, producers)
            if unmerged is not None:
                counts["reshaped operand"] += 1
                for before in unmerged[:-1]:
                    kept.append(before)
                    producers.update((id(v), before) for v in before.outputs)
                eqn = unmerged[-1]
        elif eqn.primitive is ops.reshape_p:  # reshape(reshape(x)) = reshape(x)
            inner = producers.get(id(eqn.inputs[0])) if isinstance(eqn.inputs[0], Var) else None
            if inner is not None and inner.primitive is ops.reshape_p:
                eqn = Equation(eqn.primitive, inner.inputs, eqn.outputs, eqn.params)
        elif eqn.primitive is ops.reduce_sum_p:
            summed = _unmerged_sum(eqn, producers)
            if summed is not None:
                counts["reshaped sum"] += 1
                eqn = summed
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
