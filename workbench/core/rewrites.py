"""Rewrites of a plan's steps, as a graph is lowered: what memory the steps share.

**Concatenations written in place.** A concatenation copies each of its operands into
its result. When an operand is made by a step that can write its result into a given
array (a primitive's ``into`` rule: a matrix product), and reaches the concatenation
only through layout changes whose inverse is a view (``view_back``: a transpose, a
reshape that regroups axes), that step writes straight into its block of the
concatenation's result instead (``parts``), and neither the layout changes nor the
concatenation copy anything. The attention layer's gradient is the common case: the q,
k and v gradients come out of batched products as (B, H, T, D), are transposed and
flattened to (B, T, H·D), then joined into the (B, T, 3·H·D) gradient of the fused
projection; two full copies of each, XLA's concatenate-in-place. The result lives in a
buffer the plan owns, so this applies only to a concatenation none of whose views is a
result of the plan (or reaches a control-flow step). Every value on the way must have
that one use. The numbers are the same: the same products, written at the block's row
stride.

**A primitive's own rewrite** (``rewrite_steps(steps, xp) -> steps``): a convolution's
weight gradient reusing the forward convolution's im2col rows (``conv_plans``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core.ir import Equation, Graph, Var


def rewrite_steps(graph: Graph, steps: Sequence[Any], xp: Any) -> list[Any]:
    """``steps`` with concatenations written in place, then each primitive's own
    rewrite applied. Host plans only: CuPy's products into strided blocks, and the
    rewrites' buffers on a device, are untested here (no GPU was lent)."""
    if xp is not np:
        return list(steps)
    result = sink_concatenations(graph, steps, xp)
    for prim in {id(s.eqn.primitive): s.eqn.primitive for s in result}.values():
        if prim.rewrite_steps is not None:
            result = prim.rewrite_steps(result, xp)
    return result


def sink_concatenations(graph: Graph, steps: Sequence[Any], xp: Any) -> list[Any]:
    """``steps`` (a plan's, in order) with every concatenation that can be written in
    place rewritten so: its operands' makers write into its result, the layout steps
    between are dropped, and the concatenation hands out the result."""
    made_by: dict[int, int] = {}
    uses: Counter[int] = Counter()
    for i, step in enumerate(steps):
        made_by.update((id(v), i) for v in step.eqn.outputs)
        uses.update(id(a) for a in step.eqn.inputs if isinstance(a, Var))
    uses.update(id(a) for a in graph.outputs if isinstance(a, Var))
    replaced: dict[int, Any] = {}
    dropped: set[int] = set()
    for i, step in enumerate(steps):
        eqn = step.eqn
        if eqn.primitive.parts is None or step.kind != "call" or len(eqn.outputs) != 1:
            continue
        if not eqn.outputs[0].type.known or _escapes(graph, steps, i):
            continue
        found = _makers(eqn, steps, made_by, uses)
        if found is None:
            continue
        buffer = xp.empty(eqn.outputs[0].type.shape, eqn.outputs[0].type.dtype)
        blocks = eqn.primitive.parts(buffer, [a.type for a in eqn.inputs], **eqn.params)
        writes = _writes(steps, found, blocks, xp)
        if writes is None:
            continue
        for k, (write, block) in writes.items():
            replaced[k] = dataclasses.replace(steps[k], function=_Into(write, block))
        dropped.update(k for _, chain in found for k in chain)
        inert = Equation(eqn.primitive, (), eqn.outputs, eqn.params)
        replaced[i] = dataclasses.replace(step, eqn=inert, function=_Held(buffer))
    return [replaced.get(i, s) for i, s in enumerate(steps) if i not in dropped]


def _escapes(graph: Graph, steps: Sequence[Any], i: int) -> bool:
    """Whether step ``i``'s result, or a view of it, is a result of the plan (or goes
    into a control-flow step, which may hand it out)."""
    seen = {id(steps[i].eqn.outputs[0])}
    for step in steps[i + 1 :]:
        if any(isinstance(a, Var) and id(a) in seen for a in step.eqn.inputs):
            if step.kind == "higher":
                return True
            if step.eqn.primitive.view:
                seen.update(id(v) for v in step.eqn.outputs)
    return any(isinstance(a, Var) and id(a) in seen for a in graph.outputs)


def _makers(
    eqn: Equation, steps: Sequence[Any], made_by: dict[int, int], uses: Counter[int]
) -> list[tuple[int, list[int]]] | None:
    """For each operand: the step that makes it and could write it elsewhere, and the
    layout steps from there to the concatenation (nearest first); None if any is not so."""
    found = []
    for operand in eqn.inputs:
        chain: list[int] = []
        value = operand
        while True:
            if not isinstance(value, Var) or uses[id(value)] != 1 or id(value) not in made_by:
                return None
            k = made_by[id(value)]
            prim = steps[k].eqn.primitive
            if steps[k].kind != "call" or len(steps[k].eqn.outputs) != 1:
                return None
            if prim.into is not None:
                break
            if prim.view_back is None or len(steps[k].eqn.inputs) != 1:
                return None
            chain.append(k)
            value = steps[k].eqn.inputs[0]
        found.append((k, chain))
    return found


def _writes(
    steps: Sequence[Any], found: list[tuple[int, list[int]]], blocks: Sequence[Any], xp: Any
) -> dict[int, tuple[Any, Any]] | None:
    """Each maker's writing function and the view of its block it writes into, laid out
    as its own result; None if any layout change back would need a copy."""
    writes = {}
    for (k, chain), block in zip(found, blocks):
        for j in chain:
            e = steps[j].eqn
            block = e.primitive.view_back(block, tuple(e.inputs[0].type.shape), **e.params)
            if block is None:
                return None
        e = steps[k].eqn
        write = e.primitive.into(xp, [a.type for a in e.inputs], **e.params)
        if write is None or tuple(block.shape) != tuple(e.outputs[0].type.shape):
            return None
        writes[k] = (write, block)
    return writes


class _Into:
    """A step writing its result into one block of a concatenation."""

    def __init__(self, write: Any, block: Any) -> None:
        self.write, self.block = write, block

    def __call__(self, *arrays: Any) -> Any:
        return self.write(*arrays, out=self.block)


class _Held:
    """The concatenation's step: its result is already written."""

    def __init__(self, buffer: Any) -> None:
        self.buffer = buffer

    def __call__(self) -> Any:
        return self.buffer


__all__ = ["rewrite_steps", "sink_concatenations"]
