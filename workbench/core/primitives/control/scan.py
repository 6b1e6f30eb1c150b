"""``scan``: for t in range(length): carry, y[t] = body(consts, carry, x[t]) (reversed if
``reverse``); returns the final carry and the stacked ys. Operands come in three groups:
the body's constants (``n_consts``), the carry (``n_carry``), then the scanned inputs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from workbench.core import batching, tree
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Equation, Graph, Type, Var
from workbench.core.passes.cse import cse
from workbench.core.passes.dce import dce
from workbench.core.passes.fusion import is_elementwise
from workbench.core.primitive import Primitive
from workbench.core.primitives.control.graphs import (
    Groups,
    RunGraph,
    backward_of,
    check_carry,
    check_inputs,
    closed_graph,
    float_only,
    interpreted,
    jvp_of,
    regroup,
    types_of,
    zeros_for,
)
from workbench.core.trace import eval_graph, make_graph, type_of


def _groups(n_consts: int, n_carry: int, total: int) -> Groups:
    return Groups(consts=n_consts, carry=n_carry, xs=total - n_consts - n_carry)


def _scan_shape(
    *types: Any, body: Graph, n_consts: int, n_carry: int, length: int, reverse: bool
) -> tuple[Type, ...]:
    given = _groups(n_consts, n_carry, len(types)).split(types)
    for x in given.xs:
        if not x.shape or x.shape[0] != length:
            raise ValueError(
                f"scan: every scanned input needs leading axis {length}, got {type_of(x)}"
            )
    slices = [Type(tuple(x.shape[1:]), x.dtype, x.device) for x in given.xs]
    check_inputs("scan", body, given.consts + given.carry + slices, "the body")
    outs = body.out_types
    carry_types = check_carry("scan", "the body", outs[:n_carry], given.carry)
    ys = tuple(Type((length, *t.shape), t.dtype, t.device) for t in outs[n_carry:])
    return carry_types + ys


def _scan_run(
    run_graph: RunGraph,
    xp: Any,
    *args: Any,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> Sequence[Any]:
    given = _groups(n_consts, n_carry, len(args)).split(args)
    step = run_graph(body)
    y_types = body.out_types[n_carry:]
    # Each y is copied into its row as soon as it is made, while it is still in cache, and
    # its own memory goes back to the allocator for the next step (stacking the ys at the
    # end reads them all again from memory and keeps every step's arrays alive till then).
    # A compiled body writes them there itself (``into``): no y is moved twice.
    stacked = [xp.empty((length, *t.shape), dtype=t.dtype) for t in y_types]
    carry = given.carry
    into = getattr(step, "into", None)
    write = into(n_carry) if into is not None and y_types else None
    for t in reversed(range(length)) if reverse else range(length):
        if write is not None:
            carry = write(
                *given.consts, *carry, *[x[t] for x in given.xs], [s[t, ...] for s in stacked]
            )
            continue
        outs = step(*given.consts, *carry, *[x[t] for x in given.xs])
        carry = outs[:n_carry]
        for j, y in enumerate(outs[n_carry:]):
            stacked[j][t] = y
    return [*carry, *stacked]


scan_p = Primitive(
    "scan",
    impl=interpreted(_scan_run),
    shape=_scan_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
scan_p.run = _scan_run


def scan(
    f: Callable[[Any, Any], Any],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the final
    carry and the stacked ``y``s (JAX's ``lax.scan``)."""
    carry_flat, carry_tree = tree.flatten(init)
    xs_flat, xs_tree = tree.flatten(xs)
    lengths = {int(x.shape[0]) for x in xs_flat}
    if length is None:
        if len(lengths) != 1:
            raise ValueError(
                f"scan: scanned inputs need one leading length, got {sorted(lengths) or 'none'}"
            )
        length = lengths.pop()
    elif lengths and lengths != {length}:
        raise ValueError(
            f"scan: length={length} but the scanned inputs have leading lengths {sorted(lengths)}"
        )
    n_carry = len(carry_flat)
    x_types = [Type(tuple(x.shape[1:]), x.dtype, x.device) for x in xs_flat]
    y_tree: list[Any] = []

    def body(*args: Any) -> Any:
        carry = tree.unflatten(carry_tree, args[:n_carry])
        x = tree.unflatten(xs_tree, args[n_carry:])
        new_carry, y = f(carry, x)
        new_flat, new_tree = tree.flatten(new_carry)
        if new_tree != carry_tree:
            raise TypeError(
                f"scan: the body must return a carry of structure {carry_tree}, got {new_tree}"
            )
        y_flat, y_def = tree.flatten(y)
        y_tree.append(y_def)
        return list(new_flat) + list(y_flat)

    graph, consts, _ = closed_graph(body, types_of(carry_flat) + x_types)
    outs = apply(
        scan_p,
        *consts,
        *carry_flat,
        *xs_flat,
        body=graph,
        n_consts=len(consts),
        n_carry=n_carry,
        length=length,
        reverse=reverse,
    )
    return tree.unflatten(carry_tree, outs[:n_carry]), tree.unflatten(y_tree[0], outs[n_carry:])


# Forward mode scans jvp(body), carrying the tangents beside the carry and scanning the
# inputs' tangents beside the inputs.
@scan_p.jvp
def _scan_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> tuple[Any, Any]:
    groups = _groups(n_consts, n_carry, len(primals))
    given, given_t = groups.split(primals), groups.split(zeros_for(primals, tangents))
    nx, ny = len(given.xs), len(body.outputs) - n_carry
    jvp_inputs = Groups(
        consts=n_consts, carry=n_carry, xs=nx, consts_t=n_consts, carry_t=n_carry, xs_t=nx
    )
    jvp_outputs = Groups(carry=n_carry, ys=ny, carry_t=n_carry, ys_t=ny)
    body_t = regroup(
        jvp_of(body),
        jvp_inputs,
        ["consts", "consts_t", "carry", "carry_t", "xs", "xs_t"],
        jvp_outputs,
        ["carry", "carry_t", "ys", "ys_t"],
    )
    outs = apply(
        scan_p,
        *given.consts,
        *given_t.consts,
        *given.carry,
        *given_t.carry,
        *given.xs,
        *given_t.xs,
        body=body_t,
        n_consts=2 * n_consts,
        n_carry=2 * n_carry,
        length=length,
        reverse=reverse,
    )
    result = Groups(carry=n_carry, carry_t=n_carry, ys=ny, ys_t=ny).split(outs)
    return tuple(result.join("carry", "ys")), tuple(result.join("carry_t", "ys_t"))


def _split_residuals(backward: Graph, n_consts: int, n_varying: int) -> tuple[Graph, Graph]:
    """Split a step's backward graph ``(consts, carry, xs, cotangents) -> grads`` into
    ``forward: (consts, carry, xs) -> residuals`` (what does not need the cotangents: the
    recomputed forward step) and ``rest: (consts, residuals, cotangents) -> grads``.

    Equations of the constants alone (transposes of a weight, say) stay in ``rest`` too,
    so nothing loop-invariant becomes a per-step residual; ``dce`` drops what a part
    does not use."""
    inputs = backward.inputs
    invariant = set(inputs[:n_consts]) | {v for v, _ in backward.constants}
    varying = set(inputs[n_consts : n_consts + n_varying])
    forward_eqns, rest_eqns = [], []
    for eqn in backward.equations:
        vars_in = [a for a in eqn.inputs if isinstance(a, Var)]
        if eqn.primitive.effectful or any(v not in invariant and v not in varying for v in vars_in):
            rest_eqns.append(eqn)
        elif all(v in invariant for v in vars_in):
            invariant.update(eqn.outputs)
            forward_eqns.append(eqn)
            rest_eqns.append(eqn)
        else:
            varying.update(eqn.outputs)
            forward_eqns.append(eqn)
    needed: dict[Var, None] = {}
    for eqn in rest_eqns:
        for a in eqn.inputs:
            if isinstance(a, Var) and a in varying:
                needed[a] = None
    for a in backward.outputs:
        if isinstance(a, Var) and a in varying:
            needed[a] = None
    moved = _recomputed(forward_eqns, needed, invariant) | set(rest_eqns)
    rest_eqns = [e for e in backward.equations if e in moved]  # in their first order
    residuals = tuple(needed)
    forward = Graph(
        inputs[: n_consts + n_varying], tuple(forward_eqns), residuals, backward.constants
    )
    rest = Graph(
        (*inputs[:n_consts], *residuals, *inputs[n_consts + n_varying :]),
        tuple(rest_eqns),
        backward.outputs,
        backward.constants,
    )
    return dce(forward)[0], dce(rest)[0]


def _recomputed(
    forward_eqns: Sequence[Equation], needed: dict[Var, None], invariant: set[Var]
) -> set[Equation]:
    """Drop from ``needed`` each residual that a few arithmetic equations make from other
    residuals and loop invariants (an LSTM's ``σ(x)·(1 - σ(x))`` beside ``σ(x)``), and
    return those equations: the backward step computes them again, in its own kernel,
    and the loop stores one array fewer per step. Each drop leaves one residual fewer."""
    # arithmetic costs less than writing and reading one more per-step array
    cheap = {ops.add_p, ops.sub_p, ops.mul_p, ops.neg_p, ops.square_p}
    producer = {v: e for e in forward_eqns for v in e.outputs}
    moved: set[Equation] = set()
    for r in list(needed):
        cone: list[Equation] = []
        pending = [r]
        while pending and len(cone) <= 4:
            eqn = producer.get(pending.pop())
            if eqn is None or eqn.primitive not in cheap or not is_elementwise(eqn):
                break
            cone.append(eqn)
            pending += [
                a
                for a in eqn.inputs
                if isinstance(a, Var) and a not in invariant and a not in needed
            ]
        else:
            if not pending:
                del needed[r]
                moved.update(cone)
    return moved


def _hoistable(rest: Graph, n_consts: int) -> dict[int, tuple[Equation, list[Equation]]]:
    """The constants' cotangents that are a matrix product of two per-step values (then
    perhaps transposed): a weight's gradient in a recurrent step, ``g_t @ h_t``. By
    position: the product and the transposes after it. Summed over the steps, such a
    gradient is one product with time as a contracted axis."""
    producers = {id(v): e for e in rest.equations for v in e.outputs}
    uses: Counter[int] = Counter(
        id(a) for e in rest.equations for a in e.inputs if isinstance(a, Var)
    )
    uses.update(id(a) for a in rest.outputs if isinstance(a, Var))
    invariant = {id(v) for v in rest.inputs[:n_consts]} | {id(v) for v, _ in rest.constants}
    for e in rest.equations:
        if all(id(a) in invariant for a in e.inputs if isinstance(a, Var)):
            invariant.update(id(v) for v in e.outputs)
    found: dict[int, tuple[Equation, list[Equation]]] = {}
    for i, v in enumerate(rest.outputs[:n_consts]):
        chain: list[Equation] = []
        eqn = producers.get(id(v)) if isinstance(v, Var) else None
        while eqn is not None and eqn.primitive is ops.transpose_p and uses[id(v)] == 1:
            chain.append(eqn)
            v = eqn.inputs[0]
            eqn = producers.get(id(v)) if isinstance(v, Var) else None
        if (
            eqn is None
            or eqn.primitive is not ops.dot_general_p
            or uses[id(v)] != 1
            or any(not isinstance(a, Var) or id(a) in invariant for a in eqn.inputs)
        ):
            continue
        found[i] = (eqn, chain[::-1])
    return found


def _summed_over_steps(factors: Sequence[Any], product: Equation, after: list[Equation]) -> Any:
    """``sum_t transposes(dot_general(a_t, b_t))`` from the stacked ``a`` and ``b``: one
    product contracting time as well."""
    (xc, yc), (xb, yb) = product.params["contracting"], product.params["batch"]
    shift = lambda dims: tuple(d + 1 for d in dims)  # noqa: E731
    a, b = factors
    total = ops.dot_general(a, b, ((0, *shift(xc)), (0, *shift(yc))), (shift(xb), shift(yb)))
    for eqn in after:
        total = ops.transpose(total, eqn.params["perm"])
    return total


# Reverse mode: a scan that runs the body once more and keeps, step by step, what its
# backward needs (the residuals: gates, activations, the carry it saw), then a scan in the
# opposite direction over the rest of the body's backward graph, carrying the carry's
# cotangent and accumulating the constants' cotangents. In a compiled graph the recording
# loop merges with the primal one (passes.loops), so the forward step runs once. A
# constant whose cotangent is a product of per-step values (a recurrent weight's) is not
# accumulated step by step: the loop stacks the two factors and one product after it
# sums over time, as cuDNN's and PyTorch's LSTM backward compute weight gradients.
@scan_p.vjp
def _scan_vjp(
    gs: Sequence[Any],
    *args: Any,
    out: Any,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> tuple[Any, ...]:
    groups = _groups(n_consts, n_carry, len(args))
    given = groups.split(args)
    outputs = Groups(carry=n_carry, ys=len(out) - n_carry).split(zeros_for(out, gs))
    n_xs = len(given.xs)
    # backward(body): (consts, carry, xs, g_carry_next, g_ys) -> (g_consts, g_carry, g_xs)
    forward, rest = _split_residuals(backward_of(body), n_consts, n_carry + n_xs)
    hoisted = _hoistable(rest, n_consts)
    summed = [i for i in range(n_consts) if i not in hoisted]
    factors = [a for i in sorted(hoisted) for a in hoisted[i][0].inputs]
    rest = dce(
        Graph(
            rest.inputs,
            rest.equations,
            tuple(rest.outputs[i] for i in summed)
            + tuple(rest.outputs[n_consts:])
            + tuple(factors),
            rest.constants,
        )
    )[0]

    def record(*a: Any) -> Any:  # the new carry, and this step's residuals as its ys
        return list(eval_graph(body, *a)[:n_carry]) + list(eval_graph(forward, *a))

    recorder = cse(make_graph(record, *body.in_types))[0]  # one forward, shared
    residuals = list(
        apply(
            scan_p,
            *args,
            body=recorder,
            n_consts=n_consts,
            n_carry=n_carry,
            length=length,
            reverse=reverse,
        )[n_carry:]
    )
    backward_out = Groups(consts=len(summed), carry=n_carry, xs=n_xs, factors=len(factors))
    step_in = Groups(
        consts=n_consts,
        g_carry=n_carry,
        g_consts=len(summed),
        residuals=len(residuals),
        g_ys=len(outputs.ys),
    )

    def step(*a: Any) -> Any:
        now = step_in.split(a)
        cotangents = eval_graph(rest, *now.join("consts", "residuals", "g_carry", "g_ys"))
        got = backward_out.split(cotangents)
        g_consts = [ops.add(total, g) for total, g in zip(now.g_consts, got.consts)]
        return got.carry + g_consts + got.xs + got.factors

    slices = [Type(t.shape[1:], t.dtype, t.device) for t in types_of(residuals + outputs.ys)]
    consts_types = types_of(given.consts)
    step_graph = make_graph(
        step,
        *consts_types,
        *types_of(outputs.carry),
        *[consts_types[i] for i in summed],
        *slices,
    )
    zeros = [ops.zeros_like(given.consts[i]) for i in summed]
    res = apply(
        scan_p,
        *given.consts,
        *outputs.carry,
        *zeros,
        *residuals,
        *outputs.ys,
        body=step_graph,
        n_consts=n_consts,
        n_carry=n_carry + len(summed),
        length=length,
        reverse=not reverse,
    )
    result = Groups(carry=n_carry, consts=len(summed), xs=n_xs, factors=len(factors)).split(res)
    g_consts: list[Any] = [None] * n_consts
    for i, g in zip(summed, result.consts):
        g_consts[i] = g
    for k, i in enumerate(sorted(hoisted)):
        g_consts[i] = _summed_over_steps(result.factors[2 * k : 2 * k + 2], *hoisted[i])
    return tuple(
        float_only(given.consts, g_consts)
        + float_only(given.carry, result.carry)
        + float_only(given.xs, result.xs)
    )


# Batched: carries batched at axis 0 (broadcast if needed), scanned inputs batched at
# axis 1 (axis 0 is time), so every slice has its batch at 0; ys come out at axis 1.
@scan_p.batch
def _scan_batch(
    values: Any,
    axes: Any,
    /,
    *,
    body: Graph,
    n_consts: int,
    n_carry: int,
    length: int,
    reverse: bool,
) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    groups = _groups(n_consts, n_carry, len(values))
    given, given_axes = groups.split(values), groups.split(axes)
    consts = [
        c if a is None else batching.moveaxis(c, a, 0)
        for c, a in zip(given.consts, given_axes.consts)
    ]
    carry = [batching.to_axis(c, a, size) for c, a in zip(given.carry, given_axes.carry)]
    xs = [x if a is None else batching.moveaxis(x, a, 1) for x, a in zip(given.xs, given_axes.xs)]
    in_axes = (
        [None if a is None else 0 for a in given_axes.consts]
        + [0] * n_carry
        + [None if a is None else 0 for a in given_axes.xs]
    )
    n_out = len(body.outputs)
    batched = batching.batch_graph(body, in_axes, [0] * n_out, size)
    outs = apply(
        scan_p,
        *consts,
        *carry,
        *xs,
        body=batched,
        n_consts=n_consts,
        n_carry=n_carry,
        length=length,
        reverse=reverse,
    )
    return outs, (0,) * n_carry + (1,) * (n_out - n_carry)
