"""Channels-last layout for convolutional programs written channels-first.

A convolution runs as one matrix product over windows whose channels are contiguous,
so its input is wanted channels-last in memory (``(N, H, W, C)``) and its result comes
out that way. A program written for PyTorch or JAX holds its activations as
``(N, C, H, W)``; run as written, every convolution copies its input to channels-last
and its result back, and pooling runs over short rows of one channel.

This pass keeps such a program's activations channels-last between layers, as PyTorch's
``channels_last`` memory format and XLA's layout assignment do, without changing what
the program means:

- after each convolution that makes an activation (its result larger than its
  kernel: not a weight gradient), the result is also seen channels-last, as a
  ``transpose`` (a view);
- an elementwise operation (one a fused kernel can compute), a max-pool and its
  gradient, or a reduction whose operand is such a view runs on the channels-last array
  instead, and its result is seen in the program's order through a ``transpose`` again.
  Broadcast operands (a bias) are broadcast in the channels-last order; other operands
  are read through a transpose;
- a convolution reading a view gets channels-last memory, which it reads in place.

So the transposes travel down the program and vanish into views: elementwise kernels and
pooling work on contiguous channels-last arrays, and only what leaves this world (a
flatten before a dense layer, a result) is put back in the program's order.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from workbench.core import primitives as ops
from workbench.core.ir import Atom, Equation, Graph, Literal, Type, Var
from workbench.core.passes.base import PassReport, Substitution, count_equations, map_subgraphs
from workbench.core.primitives.conv import conv_p
from workbench.core.primitives.reductions import reduce_max_p
from workbench.core.primitives.windows import max_pool_grad_p, max_pool_p

Perm = tuple[int, ...]
_WINDOW_PARAMS = ("window", "strides", "padding", "dilation")
_UNTOUCHED: dict[str, Any] = {"window": 1, "strides": 1, "padding": (0, 0), "dilation": 1}


def _activation(eqn: Equation) -> bool:
    """A convolution whose result has more positions than its kernel (an activation or
    its gradient; a weight gradient's result is kernel-sized)."""
    if eqn.primitive is not conv_p or len(eqn.outputs[0].type.shape) < 3:
        return False
    out, kernel = eqn.outputs[0].type.shape[2:], eqn.inputs[1].type.shape[2:]
    if None in out or None in kernel:
        return False
    return math.prod(d or 0 for d in out) > math.prod(d or 0 for d in kernel)


class _Rewriter:
    def __init__(self, graph: Graph, counts: Counter[str]) -> None:
        self.graph = graph
        self.counts = counts
        self.kept: list[Equation] = []
        self.subst = Substitution()
        self.producers: dict[int, Equation] = {}
        # var -> (t, q): var is transpose(t, q), t laid out channels-last
        self.views: dict[int, tuple[Var, Perm]] = {}
        self.results = {id(a) for a in graph.outputs}

    def emit(self, prim: Any, inputs: tuple[Atom, ...], params: dict[str, Any], out: Var) -> Var:
        eqn = Equation(prim, inputs, (out,), params)
        self.kept.append(eqn)
        self.producers[id(out)] = eqn
        return out

    def transposed(self, x: Atom, perm: Perm) -> Var:
        shape = tuple(x.type.shape[p] for p in perm)
        out = Var(Type(shape, x.type.dtype, x.type.device))
        return self.emit(ops.transpose_p, (x,), {"perm": perm}, out)

    def seen_as(self, var: Var, t: Var, q: Perm) -> None:
        """Define ``var`` as the view ``transpose(t, q)``."""
        self.emit(ops.transpose_p, (t,), {"perm": q}, var)
        self.views[id(var)] = (t, q)

    def fresh(self, like: Var, shape: tuple[Any, ...]) -> Var:
        return Var(Type(shape, like.type.dtype, like.type.device))

    # operands ---------------------------------------------------------------------
    def operand(self, a: Atom, q: Perm) -> Atom | None:
        """``a`` (of the program's shape) in the channels-last order of ``q``'s views."""
        p = tuple(int(i) for i in np.argsort(q))
        if isinstance(a, Literal):
            return a if not a.type.shape else None
        found = self.views.get(id(a))
        if found is not None:
            return found[0] if found[1] == q else None
        source = self.producers.get(id(a))
        if source is not None and source.primitive is ops.broadcast_to_p:
            return self.broadcast(source, p)
        if len(a.type.shape) != len(q):
            return None
        return self.transposed(a, p)

    def broadcast(self, eqn: Equation, p: Perm) -> Var:
        """``transpose(broadcast_to(src, shape), p)`` as a broadcast of ``src`` itself
        (a bias: a few numbers moved, not the whole broadcast)."""
        src, shape = eqn.inputs[0], eqn.params["shape"]
        target = tuple(shape[i] for i in p)
        if src.type.shape:
            lead = len(shape) - len(src.type.shape)
            if lead:
                padded = (1,) * lead + tuple(src.type.shape)
                made = Var(Type(padded, src.type.dtype, src.type.device))
                src = self.emit(ops.reshape_p, (src,), {"shape": padded}, made)
            src = self.transposed(src, p)
        out = self.fresh(eqn.outputs[0], target)
        return self.emit(ops.broadcast_to_p, (src,), {"shape": target}, out)

    # rules --------------------------------------------------------------------------
    def sink(self, eqn: Equation) -> bool:
        """Run ``eqn`` on channels-last operands, if one of its operands is a view."""
        prim = eqn.primitive
        qs = {self.views[id(a)][1] for a in eqn.inputs if id(a) in self.views}
        if len(qs) != 1 or len(eqn.outputs) != 1:
            return False
        (q,) = qs
        out = eqn.outputs[0]
        if prim is ops.transpose_p:
            t, _ = self.views[id(eqn.inputs[0])]
            composed = tuple(q[i] for i in eqn.params["perm"])
            if composed == tuple(range(len(composed))):
                self.subst[out] = t
            else:
                self.seen_as(out, t, composed)
            return True
        if id(out) in self.results:
            return False  # a result is made in the program's own axis order
        p = tuple(int(i) for i in np.argsort(q))
        elementwise = prim.fusion is not None and prim is not ops.broadcast_to_p
        if elementwise or prim in (max_pool_p, max_pool_grad_p):
            if len(out.type.shape) != len(q):
                return False
            inputs = [self.operand(a, q) for a in eqn.inputs]
            if any(a is None for a in inputs):
                return False
            params = dict(eqn.params)
            for key in _WINDOW_PARAMS if prim in (max_pool_p, max_pool_grad_p) else ():
                given = tuple(eqn.params[key])  # the last axes; the leading ones untouched
                full = (_UNTOUCHED[key],) * (len(q) - len(given)) + given
                params[key] = tuple(full[i] for i in p)
            t = self.fresh(out, tuple(out.type.shape[i] for i in p))
            self.emit(prim, tuple(inputs), params, t)  # type: ignore[arg-type]
            self.seen_as(out, t, q)
            self.counts["operations"] += 1
            return True
        if prim in (ops.reduce_sum_p, reduce_max_p):
            t_in, _ = self.views[id(eqn.inputs[0])]
            axes = tuple(sorted(q[a] for a in eqn.params["axes"]))
            keep = eqn.params["keepdims"]
            params = dict(eqn.params, axes=axes)
            if keep:
                t = self.fresh(out, tuple(out.type.shape[i] for i in p))
                self.emit(prim, (t_in,), params, t)
                self.seen_as(out, t, q)
            else:
                rest = [q[i] for i in range(len(q)) if i not in eqn.params["axes"]]
                order = tuple(sorted(rest).index(j) for j in rest)
                if order == tuple(range(len(order))):
                    self.emit(prim, (t_in,), params, out)
                else:
                    t = self.fresh(out, tuple(out.type.shape[i] for i in np.argsort(order)))
                    self.emit(prim, (t_in,), params, t)
                    self.seen_as(out, t, order)
            self.counts["reductions"] += 1
            return True
        return False

    def run(self) -> Graph:
        for original in self.graph.equations:
            eqn = map_subgraphs(
                Equation(
                    original.primitive,
                    tuple(self.subst(a) for a in original.inputs),
                    original.outputs,
                    original.params,
                ),
                lambda g: _rewrite(g, self.counts),
            )
            if self.sink(eqn):
                continue
            self.kept.append(eqn)
            for var in eqn.outputs:
                self.producers[id(var)] = eqn
            if _activation(eqn):
                y = eqn.outputs[0]
                r = len(y.type.shape)
                p = (0, *range(2, r), 1)
                t = self.transposed(y, p)
                self.views[id(y)] = (t, tuple(int(i) for i in np.argsort(p)))
                self.counts["convolutions"] += 1
        outputs = tuple(self.subst(a) for a in self.graph.outputs)
        return Graph(self.graph.inputs, tuple(self.kept), outputs, self.graph.constants)


def _rewrite(graph: Graph, counts: Counter[str]) -> Graph:
    if not any(_activation(e) for e in graph.equations) and not any(
        isinstance(v, Graph) for e in graph.equations for v in e.params.values()
    ):
        return graph
    return _Rewriter(graph, counts).run()


def channels_last(graph: Graph) -> tuple[Graph, PassReport]:
    """Keep a channels-first convolutional program's activations channels-last (then drop
    what became unused)."""
    from workbench.core.passes.dce import _dce  # noqa: PLC0415

    counts: Counter[str] = Counter()
    result = _dce(_rewrite(graph, counts))
    details: dict[str, Any] = dict(counts)
    return result, PassReport(
        "channels_last", count_equations(graph), count_equations(result), details
    )
