"""A compiled training step keeps a convolution's im2col rows for its weight gradient.

The general route of a convolution (``conv._conv_impl``) copies its input's windows into
an im2col matrix, rows (n, *out), columns (*window, c), and multiplies it by the kernel.
The weight gradient is a convolution of the same input with the output gradient, and its
route (``_conv_by_output_windows``) builds exactly that matrix again, from the input
padded and moved channels last again. A careful NumPy programmer keeps the forward
pass's matrix for the backward pass (the suite's floor does); a plan holding both
convolutions does too: the forward step hands its rows to the gradient's step, which
multiplies them by the output gradient and lets them go. One im2col buffer per layer,
alive from the forward step to the gradient's, and one copy of the input fewer.

The pair is found in the plan's steps: a convolution ``conv(x, w)`` with unit strides and
dilations, and one ``conv(x', g)`` whose operand is the same array as ``x`` with its
first two axes swapped (both read through transposes of one array), with the same
padding, making a (C, O, *window) result. When the forward step's operands take another
route at run time (a first layer's few channels), no rows are handed over and the
gradient's step computes as it would have.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

from workbench.core.primitives.conv import _conv_impl, conv_p, unit_windows, window_products
from workbench.core.primitives.structural import transpose_p


class _Rows:
    """What the forward step hands the gradient's step: its im2col rows, or None."""

    rows: Any = None


def _keeping(holder: _Rows, conv: Any, x: Any, w: Any) -> Any:
    holder.rows = None
    return conv(x, w, keep=holder)


def _reusing(holder: _Rows, conv: Any, xp: Any, out: Sequence[int], x: Any, g: Any) -> Any:
    rows, holder.rows = holder.rows, None
    expected = (g.shape[1] * math.prod(g.shape[2:]), math.prod(out) * x.shape[0])
    if rows is None or rows.shape != expected or rows.dtype != g.dtype:
        return conv(x, g)
    return window_products(xp, rows, g, x.shape[0], out)


def _source(
    steps: Sequence[Any], made_by: dict[int, int], value: Any
) -> tuple[int, tuple[int, ...]]:
    """The array a convolution's operand is read from, through transposes, and the
    permutation of that array's axes the operand is."""
    perm = tuple(range(len(value.type.shape)))
    while id(value) in made_by:
        eqn = steps[made_by[id(value)]].eqn
        if eqn.primitive is not transpose_p:
            break
        perm = tuple(eqn.params["perm"][p] for p in perm)
        value = eqn.inputs[0]
    return id(value), perm


def _unit(params: dict[str, Any]) -> bool:
    keys = ("strides", "lhs_dilation", "rhs_dilation", "groups")
    return unit_windows(*(params[k] for k in keys))


def share_windows(steps: Sequence[Any], xp: Any) -> list[Any]:
    """``steps`` with each (forward convolution, its weight gradient) pair sharing the
    forward step's im2col rows."""
    made_by = {id(v): i for i, s in enumerate(steps) for v in s.eqn.outputs}
    convolutions = [
        i for i, s in enumerate(steps) if s.eqn.primitive is conv_p and s.kind == "call"
    ]
    forward: dict[tuple[Any, ...], int] = {}
    for i in convolutions:
        eqn = steps[i].eqn
        if _unit(eqn.params):
            root, perm = _source(steps, made_by, eqn.inputs[0])
            key = (root, perm, eqn.params["padding"], tuple(eqn.inputs[1].type.shape[2:]))
            forward.setdefault(key, i)
    result = list(steps)
    paired: set[int] = set()
    for j in convolutions:
        eqn = steps[j].eqn
        if not _unit(eqn.params):
            continue
        root, perm = _source(steps, made_by, eqn.inputs[0])
        swapped = (perm[1], perm[0], *perm[2:])
        window = tuple(eqn.outputs[0].type.shape[2:])
        found = forward.get((root, swapped, eqn.params["padding"], window))
        if found is None or found >= j or found in paired or j in paired:
            continue
        i = found
        paired.update((i, j))
        holder = _Rows()
        first = functools.partial(_conv_impl, xp, **steps[i].eqn.params)
        second = functools.partial(_conv_impl, xp, **eqn.params)
        result[i] = _with(steps[i], functools.partial(_keeping, holder, first))
        result[j] = _with(steps[j], functools.partial(_reusing, holder, second, xp, window))
    return result


def _with(step: Any, function: Any) -> Any:
    return dataclasses.replace(step, function=function)  # the executor's step, new function


conv_p.rewrite_steps = share_windows
