"""Automatic differentiation: forward mode (JVP) and reverse mode (VJP).

Forward mode carries a tangent beside every primal value and applies each primitive's
JVP rule. Reverse mode records a tape: every operation on a tracked value appends a
:class:`Node` (primitive, params, input values, output values, and which tracked values
fed it). The backward pass walks those nodes in reverse topological order and applies
VJP rules. Because rules are written in primitives and run with the next interpreter
down, both modes nest and compose (grad of grad, JVP of VJP).

This module owns the rules' *use*; the rules themselves live with their primitives.
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any

from workbench.backend import dtypes
from workbench.core import dispatch, tree
from workbench.core import primitives as ops
from workbench.core.dispatch import Interpreter, apply, interpreter
from workbench.core.ir import Equation, Graph, Literal, Type, Var
from workbench.core.primitive import Primitive
from workbench.core.trace import eval_graph, make_graph
from workbench.core.values import Tracer, short_type


def _is_float(x: Any) -> bool:
    return dtypes.is_float(x.dtype)


# ---------------------------------------------------------------------------------------
# Forward mode


class JVPTracer(Tracer):
    """A primal value with its tangent (``None`` is a known zero tangent)."""

    __slots__ = ("primal", "tangent")

    def __init__(self, interp: JVPInterpreter, primal: Any, tangent: Any) -> None:
        self.interpreter = interp
        self.primal = primal
        self.tangent = tangent

    @property
    def type(self) -> Type:
        p = self.primal
        return Type(tuple(p.shape), p.dtype, p.device)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.primal.shape

    @property
    def dtype(self) -> Any:
        return self.primal.dtype

    @property
    def device(self) -> Any:
        return self.primal.device


class JVPInterpreter(Interpreter):
    def process(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> list[Any]:
        primals, tangents = [], []
        for x in args:
            if isinstance(x, JVPTracer) and x.interpreter is self:
                primals.append(x.primal)
                tangents.append(x.tangent)
            else:
                primals.append(x)
                tangents.append(None)
        if all(t is None for t in tangents):
            out = apply(prim, *primals, **params)
            outs = out if prim.multiple_results else (out,)
            return [JVPTracer(self, o, None) for o in outs]
        if prim.jvp_rule is None:
            raise NotImplementedError(
                f"{prim.name}: no JVP rule, so it cannot be differentiated in forward mode"
            )
        out, tangent = prim.jvp_rule(tuple(primals), tuple(tangents), **params)
        if prim.multiple_results:
            return [JVPTracer(self, o, t) for o, t in zip(out, tangent)]
        return [JVPTracer(self, out, tangent)]


def _check_tangent(primal: Any, tangent: Any) -> None:
    if tuple(primal.shape) != tuple(tangent.shape) or primal.dtype != tangent.dtype:
        raise TypeError(
            f"jvp: a tangent must have its primal's shape and dtype: primal {short_type(primal)}, "
            f"tangent {short_type(tangent)}"
        )


def jvp(fn: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Evaluate ``fn`` at ``primals`` and its derivative in the direction ``tangents``.

    Returns:
        ``(fn(*primals), J · tangents)`` with the structure of ``fn``'s result.

    Example:
        >>> from workbench.core import array, ops
        >>> jvp(ops.sin, (array(0.0),), (array(2.0),))[1]
        Array(f32[] cpu:0, 2.0)
    """
    flat_p, in_tree = tree.flatten(tuple(primals))
    flat_t, t_tree = tree.flatten(tuple(tangents))
    if in_tree != t_tree:
        raise TypeError(f"jvp: primals {in_tree} and tangents {t_tree} must have one structure")
    for p, t in zip(flat_p, flat_t):
        _check_tangent(p, t)
    with interpreter(JVPInterpreter) as interp:
        tracers = [JVPTracer(interp, p, t) for p, t in zip(flat_p, flat_t)]
        result = fn(*tree.unflatten(in_tree, tracers))
        flat_out, out_tree = tree.flatten(result)
    out_primals, out_tangents = [], []
    for o in flat_out:
        if isinstance(o, JVPTracer) and o.interpreter is interp:
            primal, tangent = o.primal, o.tangent
        else:
            primal, tangent = o, None
        out_primals.append(primal)
        out_tangents.append(ops.zeros_like(primal) if tangent is None else tangent)
    return tree.unflatten(out_tree, out_primals), tree.unflatten(out_tree, out_tangents)


# ---------------------------------------------------------------------------------------
# Reverse mode: the tape


class Node:
    """One recorded application: what the backward pass needs to run its VJP rule.

    ``parents[i]`` is the tracked value that was input ``i`` (``None`` for constants);
    ``inputs`` and ``outputs`` are the primal values (the rule's residuals).
    """

    __slots__ = ("prim", "params", "inputs", "outputs", "parents", "record", "seq", "__weakref__")
    # Hashed by identity: the backward pass keys cotangents by node. ``record`` is a front
    # end's own record of the node (the eager front end's ``OpRecord``: the op's
    # user-facing name, the tensors it saved and their versions). ``seq``
    # counts nodes as they are recorded: a node's inputs exist before it, so sorting by
    # ``seq`` is a topological order.

    def __init__(
        self,
        prim: Primitive,
        params: dict[str, Any],
        inputs: Sequence[Any],
        outputs: Any,
        parents: Sequence[VJPTracer | None],
    ) -> None:
        self.prim = prim
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
        self.parents = parents
        self.record: Any = None
        self.seq = next(_SEQUENCE)

    def __repr__(self) -> str:
        return f"Node({self.prim.name})"


class VJPTracer(Tracer):
    """A tracked value: its primal, and the node that produced it (``None`` for the
    values being differentiated with respect to)."""

    __slots__ = ("primal", "node", "index")

    def __init__(
        self, interp: VJPInterpreter, primal: Any, node: Node | None, index: int = 0
    ) -> None:
        self.interpreter = interp
        self.primal = primal
        self.node = node
        self.index = index

    @property
    def type(self) -> Type:
        p = self.primal
        return Type(tuple(p.shape), p.dtype, p.device)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.primal.shape

    @property
    def dtype(self) -> Any:
        return self.primal.dtype

    @property
    def device(self) -> Any:
        return self.primal.device


class VJPInterpreter(Interpreter):
    """Computes primal values with the interpreter below and records a tape.

    With ``recording`` False (a ``no_grad`` block) it computes without recording.
    """

    recording = True

    def process(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> list[Any]:
        primals = list(args)
        parents: list[VJPTracer | None] = [None] * len(args)
        tracked = False
        nondiff = prim.nondiff_inputs
        for i, x in enumerate(args):
            if isinstance(x, VJPTracer) and x.interpreter is self:
                primals[i] = x.primal
                if i not in nondiff:
                    parents[i] = x
                    tracked = True
        out = dispatch.apply_to(prim, primals, params)
        if not self.recording:
            return list(out) if prim.multiple_results else [out]
        if not prim.multiple_results:
            if not tracked or out.dtype not in _FLOATS:
                return [out]  # nothing to differentiate: a plain value of the level below
            node = Node(prim, params, primals, out, parents)
            return [VJPTracer(self, out, node)]
        if not tracked or not any(o.dtype in _FLOATS for o in out):
            return list(out)
        node = Node(prim, params, primals, out, parents)
        return [VJPTracer(self, o, node, i) if o.dtype in _FLOATS else o for i, o in enumerate(out)]


_FLOATS = frozenset(dtypes.FLOAT_DTYPES)


def cotangent_key(t: VJPTracer) -> Any:
    """Where a tracked value's cotangent accumulates: the leaf itself, the node that made
    it (one output), or (node, index) for primitives with several outputs."""
    node = t.node
    if node is None:
        return t
    return (node, t.index) if node.prim.multiple_results else node


def topological_order(roots: Sequence[VJPTracer]) -> list[Node]:
    """Nodes reachable from ``roots``, each after all the nodes it depends on: collected
    by an iterative search (a 10,000-op chain does not hit the recursion limit) and put
    in recording order."""
    found: set[Node] = set()
    stack = [r.node for r in roots if r.node is not None]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        for parent in node.parents:
            if parent is not None:
                above = parent.node
                if above is not None and above not in found:
                    stack.append(above)
    return sorted(found, key=_by_seq)


_by_seq = operator.attrgetter("seq")
_SEQUENCE = itertools.count()


def backward_pass(
    outputs: Sequence[Any],
    cotangents: Sequence[Any],
    wrt: Sequence[Any],
    on_gradient: Callable[[Any, Any], Any] | None = None,
    create_graph: bool = False,
    order: Sequence[Node] | None = None,
    on_vjp: Callable[[Node, Sequence[Any]], None] | None = None,
) -> list[Any]:
    """Propagate ``cotangents`` of ``outputs`` back to the values ``wrt``.

    With ``create_graph`` the rules run on the tracked values themselves (not their saved
    primals), so the backward pass is recorded too and can be differentiated again (what
    PyTorch's ``create_graph=True`` does on a single tape).

    ``on_gradient(key, g)``, when given, sees each intermediate value's complete
    cotangent just before it is used (``key`` is the node, or ``(node, index)``) and may
    return a replacement: the hook point for tensor hooks and ``retain_grad``.

    ``order``: the nodes in topological order when the caller already has them (any
    order covering the nodes reachable from ``outputs`` will do).

    ``on_vjp(node, input_cotangents)``, when given, sees what each node's VJP rule
    returned (PyTorch's anomaly mode checks these for NaN).

    Returns one cotangent per ``wrt`` value, ``None`` where no path leads to it.
    """
    grads: dict[Any, Any] = {}
    # Keys whose running sum this pass made itself: nothing else has seen that array, so
    # later terms are added into it in place (PyTorch accumulates a gradient into one
    # buffer too), not into a fresh array per term: a weight shared by 64 time steps.
    owned: set[Any] = set()

    def accumulate(key: Any, g: Any) -> None:
        previous = grads.get(key)
        if previous is None:
            grads[key] = g
        elif key in owned and not create_graph and _alike(previous, g):
            grads[key] = dispatch.apply_into(previous, ops.add_p, previous, g)
        else:
            grads[key] = ops.add(previous, g)
            owned.add(key)

    roots = []
    for o, g in zip(outputs, cotangents):
        if isinstance(o, VJPTracer) and g is not None:
            accumulate(cotangent_key(o), g)
            roots.append(o)
    # intermediate values asked for: their complete cotangent is kept when it is consumed
    wanted = {cotangent_key(w) for w in wrt if isinstance(w, VJPTracer) and w.node is not None}
    kept: dict[Any, Any] = {}
    for node in reversed(order if order is not None else topological_order(roots)):
        if node.prim.multiple_results:
            gs = tuple(grads.pop((node, i), None) for i in range(len(node.outputs)))
            if on_gradient is not None:
                gs = tuple(g if g is None else on_gradient((node, i), g) for i, g in enumerate(gs))
            kept.update({(node, i): g for i, g in enumerate(gs) if (node, i) in wanted})
            if all(g is None for g in gs):
                continue
            g_out: Any = gs
        else:
            g_out = grads.pop(node, None)
            if g_out is None:
                continue
            if on_gradient is not None:
                g_out = on_gradient(node, g_out)
            if node in wanted:
                kept[node] = g_out
        prim = node.prim
        inputs, outs = node.inputs, node.outputs
        if create_graph:
            inputs, outs = _tracked_values(node)
        if prim.vjp_rule is None:
            raise NotImplementedError(
                f"{prim.name}: no VJP rule, so it cannot be differentiated in reverse mode"
            )
        if prim.vjp_takes_needs:
            needs = tuple([p is not None for p in node.parents])
            in_grads = prim.vjp_rule(g_out, *inputs, out=outs, needs=needs, **node.params)
        else:
            in_grads = prim.vjp_rule(g_out, *inputs, out=outs, **node.params)
        if on_vjp is not None:
            on_vjp(node, in_grads)
        for parent, g in zip(node.parents, in_grads):
            if parent is not None and g is not None:
                key = cotangent_key(parent)
                if key in grads:
                    accumulate(key, g)
                else:  # accumulate's first term, written out: once per edge
                    grads[key] = g
    return [
        kept.get(cotangent_key(w), grads.get(cotangent_key(w)))
        if isinstance(w, VJPTracer)
        else None
        for w in wrt
    ]


def _alike(a: Any, b: Any) -> bool:
    """Same shape and dtype: ``b`` adds into ``a`` without broadcasting or promotion."""
    return bool(a.shape == b.shape and a.dtype == b.dtype)


def _tracked_values(node: Node) -> tuple[list[Any], Any]:
    """A node's inputs and outputs as values of its tape (for a recorded backward pass)."""
    interp = next(p.interpreter for p in node.parents if p is not None)
    inputs = [v if p is None else p for p, v in zip(node.parents, node.inputs)]
    if node.prim.multiple_results:
        outs: Any = tuple(VJPTracer(interp, o, node, i) for i, o in enumerate(node.outputs))
    else:
        outs = VJPTracer(interp, node.outputs, node)
    return inputs, outs


def tape_leaves(outputs: Sequence[Any], nodes: Sequence[Node] | None = None) -> list[VJPTracer]:
    """The untracked-origin values (leaves) the recorded tape of ``outputs`` reads
    (``nodes``: the tape's nodes in topological order, when already known)."""
    seen: set[int] = set()
    leaves = []
    for o in outputs:
        if isinstance(o, VJPTracer) and o.node is None and id(o) not in seen:
            seen.add(id(o))
            leaves.append(o)
    if nodes is None:
        nodes = topological_order([o for o in outputs if isinstance(o, VJPTracer)])
    for node in nodes:
        for parent in node.parents:
            if parent is not None and parent.node is None and id(parent) not in seen:
                seen.add(id(parent))
                leaves.append(parent)
    return leaves


# The eager front end's tape: a reverse-mode interpreter for the whole session at level
# 1, below every transformation (which start at level 2), so eager autograd and
# functional transformations compose.
class _EagerTape(VJPInterpreter):
    """The session-long tape, with grad mode (``recording``) kept per thread, as PyTorch
    keeps it: a ``no_grad`` evaluation in one thread does not stop another from training."""

    _modes = threading.local()

    @property  # type: ignore[override]
    def recording(self) -> bool:
        return getattr(self._modes, "on", True)

    @recording.setter
    def recording(self, value: bool) -> None:
        self._modes.on = bool(value)


EAGER_TAPE = _EagerTape()
EAGER_TAPE.level = 1
EAGER_TAPE.active = True


def tape_graph(outputs: Sequence[Any], inputs: Sequence[Any]) -> Graph:
    """The recorded tape between ``inputs`` and ``outputs`` (tracked values) as an IR graph.

    This is how an eager computation becomes the same IR a trace produces, so it can be
    printed, validated and drawn. Untracked values the tape read become constants.
    """
    variables: dict[Any, Var] = {}
    constants: dict[int, tuple[Var, Any]] = {}

    def value_type(v: Any) -> Type:
        return Type(tuple(v.shape), v.dtype, v.device)

    graph_inputs = []
    for x in inputs:
        var = Var(value_type(x))
        variables[cotangent_key(x)] = var
        graph_inputs.append(var)

    def atom_for(parent: VJPTracer | None, primal: Any) -> Any:
        if parent is not None and cotangent_key(parent) in variables:
            return variables[cotangent_key(parent)]
        if getattr(primal, "ndim", None) == 0 and primal.__class__.__name__ == "Array":
            return Literal(primal)
        found = constants.get(id(primal))
        if found is None:
            found = (Var(value_type(primal)), primal)
            constants[id(primal)] = found
        return found[0]

    equations = []
    for node in topological_order([o for o in outputs if isinstance(o, VJPTracer)]):
        atoms = tuple(atom_for(p, v) for p, v in zip(node.parents, node.inputs))
        outs = node.outputs if node.prim.multiple_results else (node.outputs,)
        out_vars = tuple(Var(value_type(o)) for o in outs)
        for i, var in enumerate(out_vars):
            variables[(node, i) if node.prim.multiple_results else node] = var
        equations.append(Equation(node.prim, atoms, out_vars, dict(node.params)))
    graph_outputs = tuple(
        atom_for(
            o if isinstance(o, VJPTracer) else None, o.primal if isinstance(o, VJPTracer) else o
        )
        for o in outputs
    )
    return Graph(tuple(graph_inputs), tuple(equations), graph_outputs, tuple(constants.values()))


def vjp(fn: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Evaluate ``fn`` and return its pullback (vector-Jacobian product function).

    Returns:
        ``(out, pullback)`` or, with ``has_aux``, ``(out, pullback, aux)`` where ``fn``
        returns ``(out, aux)``. ``pullback(cotangent)`` returns a tuple with one
        cotangent per primal argument.

    Example:
        >>> from workbench.core import array, ops
        >>> out, pullback = vjp(ops.mul, array(3.0), array(4.0))
        >>> pullback(array(1.0))
        (Array(f32[] cpu:0, 4.0), Array(f32[] cpu:0, 3.0))
    """
    flat, in_tree = tree.flatten(primals)
    with interpreter(VJPInterpreter) as tape:
        leaves = [VJPTracer(tape, p, None) for p in flat]
        result = fn(*tree.unflatten(in_tree, leaves))
    if has_aux:
        result, aux = result
        aux = tree.tree_map(
            lambda v: v.primal if isinstance(v, VJPTracer) and v.interpreter is tape else v, aux
        )
    flat_out, out_tree = tree.flatten(result)
    out_primals = [
        o.primal if isinstance(o, VJPTracer) and o.interpreter is tape else o for o in flat_out
    ]

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        flat_ct, ct_tree = tree.flatten(cotangent)
        if ct_tree != out_tree:
            raise TypeError(
                f"pullback: the cotangent's structure {ct_tree} differs from "
                f"the output's {out_tree}"
            )
        for o, g in zip(out_primals, flat_ct):
            if tuple(o.shape) != tuple(g.shape) or o.dtype != g.dtype:
                raise TypeError(
                    f"pullback: a cotangent must match its output: output {short_type(o)}, "
                    f"cotangent {short_type(g)}"
                )
        grads = backward_pass(flat_out, flat_ct, leaves)
        from workbench.core.primitives.collectives import invariant_cotangents  # noqa: PLC0415

        grads = invariant_cotangents(flat, grads)
        filled = [ops.zeros_like(p) if g is None else g for g, p in zip(grads, flat)]
        return tuple(tree.unflatten(in_tree, filled))

    out = tree.unflatten(out_tree, out_primals)
    return (out, pullback, aux) if has_aux else (out, pullback)


def _scalar_output(name: str, out: Any) -> None:
    if not hasattr(out, "shape") or tuple(out.shape) != () or not _is_float(out):
        raise TypeError(f"{name}: the function must return a float scalar, got {short_type(out)}")


def value_and_grad(
    fn: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``fn``'s value and its gradient with respect to the arguments ``argnums``."""
    single = isinstance(argnums, int)
    nums: tuple[int, ...] = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any) -> Any:
        chosen = [args[i] for i in nums]

        def partial(*xs: Any) -> Any:
            full = list(args)
            for i, x in zip(nums, xs):
                full[i] = x
            return fn(*full)

        results = vjp(partial, *chosen, has_aux=has_aux)
        out, pullback = results[0], results[1]
        _scalar_output("grad", out)
        grads = pullback(ops.ones_like(out))
        grads = grads[0] if single else grads
        if has_aux:
            return (out, results[2]), grads
        return out, grads

    return wrapped


def grad(
    fn: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient of a scalar function (with respect to argument ``argnums``).

    Example:
        >>> from workbench.core import array, ops
        >>> grad(lambda x: ops.reduce_sum(ops.square(x)))(array([1.0, 2.0]))
        Array(f32[2] cpu:0, [2. 4.])
    """
    vg = value_and_grad(fn, argnums, has_aux)

    def wrapped(*args: Any) -> Any:
        (value_or_pair, grads) = vg(*args)
        return (grads, value_or_pair[1]) if has_aux else grads

    return wrapped


# ---------------------------------------------------------------------------------------
# The same transformations, graph to graph


def backward_graph(graph: Graph) -> Graph:
    """The reverse-mode graph of ``graph``: inputs are the forward inputs followed by one
    cotangent per output; outputs are one cotangent per forward input."""
    n = len(graph.inputs)

    def backward(*args: Any) -> Any:
        _, pullback = vjp(lambda *xs: eval_graph(graph, *xs), *args[:n])
        return list(pullback(list(args[n:])))

    return make_graph(backward, *graph.in_types, *graph.out_types)


def jvp_graph(graph: Graph) -> Graph:
    """The forward-mode graph of ``graph``: inputs are primals then tangents; outputs are
    the primal outputs then their tangents."""
    n = len(graph.inputs)

    def forward(*args: Any) -> Any:
        out, tangents = jvp(lambda *xs: eval_graph(graph, *xs), args[:n], args[n:])
        return list(out) + list(tangents)

    return make_graph(forward, *graph.in_types, *graph.in_types)
