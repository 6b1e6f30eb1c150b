"""``while_loop``: carry = body(carry) while cond(carry). Operands come in three groups:
the cond graph's constants (``n_cond``), the body graph's constants (``n_body``), then the
carry. ``fori_loop`` is here too: a scan over Python-integer bounds, a while_loop over
traced ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import batching, tree
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Graph, Type, Var
from workbench.core.primitive import Primitive
from workbench.core.primitives.control.graphs import (
    Groups,
    RunGraph,
    check_carry,
    check_inputs,
    closed_graph,
    device_of,
    interpreted,
    jvp_of,
    regroup,
    types_of,
    zeros_for,
)
from workbench.core.primitives.control.scan import scan
from workbench.core.trace import eval_graph, make_graph
from workbench.core.values import Array


def _groups(n_cond: int, n_body: int, total: int) -> Groups:
    return Groups(cond_consts=n_cond, body_consts=n_body, carry=total - n_cond - n_body)


def _while_shape(
    *types: Any, cond_graph: Graph, body_graph: Graph, n_cond: int, n_body: int
) -> tuple[Type, ...]:
    given = _groups(n_cond, n_body, len(types)).split(types)
    check_inputs("while_loop", cond_graph, given.cond_consts + given.carry, "cond_fun")
    check_inputs("while_loop", body_graph, given.body_consts + given.carry, "body_fun")
    out = cond_graph.out_types
    if len(out) != 1 or out[0].shape != () or out[0].dtype != dtypes.bool_:
        raise TypeError(
            f"while_loop: cond_fun must return a boolean scalar, got ({', '.join(map(str, out))})"
        )
    return check_carry("while_loop", "body_fun", body_graph.out_types, given.carry)


def _while_run(
    run_graph: RunGraph,
    xp: Any,
    *args: Any,
    cond_graph: Graph,
    body_graph: Graph,
    n_cond: int,
    n_body: int,
) -> Sequence[Any]:
    given = _groups(n_cond, n_body, len(args)).split(args)
    keep_going, body = run_graph(cond_graph), run_graph(body_graph)
    carry = given.carry
    while bool(keep_going(*given.cond_consts, *carry)[0]):
        carry = body(*given.body_consts, *carry)
    return carry


while_p = Primitive(
    "while_loop",
    impl=interpreted(_while_run),
    shape=_while_shape,
    multiple_results=True,
    higher_order=True,
    family="control flow",
)
while_p.run = _while_run


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init: Any) -> Any:
    """Repeat ``carry = body_fun(carry)`` while ``cond_fun(carry)``, traceable."""
    flat, carry_tree = tree.flatten(init)
    types = types_of(flat)
    cond_graph, cond_consts, _ = closed_graph(
        lambda *c: cond_fun(tree.unflatten(carry_tree, c)), types
    )
    body_graph, body_consts, out_tree = closed_graph(
        lambda *c: body_fun(tree.unflatten(carry_tree, c)), types
    )
    if out_tree != carry_tree:
        raise TypeError(
            f"while_loop: body_fun must return the carry's structure {carry_tree}, got {out_tree}"
        )
    outs = apply(
        while_p,
        *cond_consts,
        *body_consts,
        *flat,
        cond_graph=cond_graph,
        body_graph=body_graph,
        n_cond=len(cond_consts),
        n_body=len(body_consts),
    )
    return tree.unflatten(carry_tree, outs)


# The JVP loop carries tangents beside the carry: body' = jvp(body), with the body
# constants' tangents as further constants; cond' ignores the tangents.
@while_p.jvp
def _while_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    cond_graph: Graph,
    body_graph: Graph,
    n_cond: int,
    n_body: int,
) -> tuple[Any, Any]:
    groups = _groups(n_cond, n_body, len(primals))
    given = groups.split(primals)
    given_t = groups.split(zeros_for(primals, tangents))
    k = len(given.carry)
    # jvp(body) takes (body_consts, carry, body_consts_t, carry_t)
    jvp_inputs = Groups(body_consts=n_body, carry=k, body_consts_t=n_body, carry_t=k)
    body = regroup(
        jvp_of(body_graph), jvp_inputs, ["body_consts", "body_consts_t", "carry", "carry_t"]
    )
    ignored = tuple(Var(t) for t in types_of(given_t.carry))
    cond = Graph(cond_graph.inputs + ignored, cond_graph.equations, cond_graph.outputs)
    outs = apply(
        while_p,
        *given.cond_consts,
        *given.body_consts,
        *given_t.body_consts,
        *given.carry,
        *given_t.carry,
        cond_graph=cond,
        body_graph=body,
        n_cond=n_cond,
        n_body=2 * n_body,
    )
    return outs[:k], outs[k:]


@while_p.vjp
def _while_vjp(gs: Any, *args: Any, out: Any, **params: Any) -> tuple[Any, ...]:
    raise NotImplementedError(
        "while_loop: reverse-mode differentiation needs every iteration's values, and a "
        "while_loop's number of iterations is only known at run time. Use scan (or "
        "fori_loop with Python-integer bounds, which becomes a scan), or differentiate in "
        "forward mode (jvp / jacfwd)."
    )


# Batched: every carry is batched; the loop runs while any example's condition holds and
# examples that are done keep their carry (a select per step).
@while_p.batch
def _while_batch(
    values: Any, axes: Any, /, *, cond_graph: Graph, body_graph: Graph, n_cond: int, n_body: int
) -> tuple[Any, Any]:
    size = batching.batch_size(values, axes)
    groups = _groups(n_cond, n_body, len(values))
    given, given_axes = groups.split(values), groups.split(axes)
    carry = [batching.to_axis(c, a, size) for c, a in zip(given.carry, given_axes.carry)]
    k = len(carry)
    cond_b = batching.batch_graph(cond_graph, given_axes.cond_consts + [0] * k, [0], size)
    body_b = batching.batch_graph(body_graph, given_axes.body_consts + [0] * k, [0] * k, size)

    def any_active(*args: Any) -> Any:
        (active,) = eval_graph(cond_b, *args)
        return ops.gt(ops.reduce_max(ops.cast(active, dtypes.int32)), 0)

    # the new body's constants are both graphs' constants
    step_groups = Groups(cond_consts=n_cond, body_consts=n_body, carry=k)

    def step(*args: Any) -> Any:
        now = step_groups.split(args)
        (active,) = eval_graph(cond_b, *now.cond_consts, *now.carry)
        new = eval_graph(body_b, *now.body_consts, *now.carry)
        result = []
        for old, fresh in zip(now.carry, new):
            mask = ops.broadcast_to(ops.reshape(active, (size,) + (1,) * (old.ndim - 1)), old.shape)
            result.append(ops.select(mask, fresh, old))
        return result

    new_cond = make_graph(any_active, *types_of(given.cond_consts), *types_of(carry))
    new_body = make_graph(step, *types_of(given.cond_consts + given.body_consts + carry))
    outs = apply(
        while_p,
        *given.cond_consts,
        *given.cond_consts,
        *given.body_consts,
        *carry,
        cond_graph=new_cond,
        body_graph=new_body,
        n_cond=n_cond,
        n_body=n_cond + n_body,
    )
    return outs, (0,) * k


def fori_loop(
    lower: Any,
    upper: Any,
    body_fun: Callable[[Any, Any], Any],
    init: Any,
    index_dtype: Any = np.int64,
) -> Any:
    """``for i in range(lower, upper): carry = body_fun(i, carry)``.

    With Python-integer bounds this is a ``scan`` (so reverse mode works) whose index has
    ``index_dtype`` (a front end's default integer); with traced bounds it is a
    ``while_loop`` and the index has the bounds' dtype.
    """
    if isinstance(lower, int) and isinstance(upper, int):
        device = device_of(init)

        def step(carry: Any, i: Any) -> Any:
            return body_fun(i, carry), None

        steps = np.arange(lower, max(upper, lower), dtype=index_dtype)
        indices = Array(device.put(steps), device)
        final, _ = scan(step, init, indices)
        return final
    lower_v, upper_v = (ops.array(v) if not hasattr(v, "shape") else v for v in (lower, upper))

    def keep_going(state: Any) -> Any:
        return ops.lt(state[0], upper_v)

    def advance(state: Any) -> Any:
        return ops.add(state[0], 1), body_fun(state[0], state[1])

    return while_loop(keep_going, advance, (lower_v, init))[1]
