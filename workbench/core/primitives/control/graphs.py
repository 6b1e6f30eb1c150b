"""What every control-flow primitive shares: closed sub-graphs, named operand groups,
the derivative graphs of a sub-graph (cached), and the two ways of running a run rule.

Sub-graphs are *closed*: values a branch or body captured from outside become leading
inputs, passed as operands, so every graph in a param is self-contained and can be
differentiated, batched and compiled on its own.

Each control-flow primitive has one run rule, ``run(run_graph, xp, *arrays, **params)``,
over plain arrays; ``run_graph(graph)`` is a function running one sub-graph. The same
rule is the primitive's implementation (:func:`interpreted`: sub-graphs evaluated
equation by equation; :func:`compiled`: sub-graphs compiled, as ``call`` does) and its
step in a compiled plan (the executor passes its own compiled sub-plans).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from workbench.backend import dtypes
from workbench.core import autodiff
from workbench.core import primitives as ops
from workbench.core.ir import Graph, Type
from workbench.core.trace import eval_graph, make_graph, trace, type_of
from workbench.core.values import Array

RunGraph = Callable[[Graph], Callable[..., Sequence[Any]]]


def closed_graph(fn: Callable[..., Any], in_types: Sequence[Type]) -> tuple[Graph, list[Any], Any]:
    """Trace ``fn`` (flat inputs) and turn its captured values into leading inputs.

    Returns the closed graph, the captured values (to pass as operands), and the
    structure of ``fn``'s result.
    """
    graph, out_tree = trace(fn, *in_types)
    consts = [value for _, value in graph.constants]
    inputs = tuple(var for var, _ in graph.constants) + graph.inputs
    return Graph(inputs, graph.equations, graph.outputs), consts, out_tree


class Groups:
    """Named groups of a flat list of operands (or results), in order.

    ``Groups(consts=2, carry=1, xs=3).split(values)`` gives an object whose ``consts``,
    ``carry`` and ``xs`` are the consecutive slices of ``values``, so rules say which
    group they mean instead of doing index arithmetic.
    """

    def __init__(self, **sizes: int) -> None:
        self.sizes = sizes

    def split(self, values: Sequence[Any]) -> Any:
        parts: dict[str, list[Any]] = {}
        start = 0
        for name, size in self.sizes.items():
            parts[name] = list(values[start : start + size])
            start += size
        if start != len(values):
            raise ValueError(f"expected {start} values for groups {self.sizes}, got {len(values)}")
        return _Split(parts)


class _Split:
    def __init__(self, parts: dict[str, list[Any]]) -> None:
        self.__dict__.update(parts)

    def join(self, *names: str) -> list[Any]:
        """The named groups concatenated, in the order given."""
        return [v for name in names for v in self.__dict__[name]]


def regroup(
    graph: Graph,
    inputs: Groups,
    input_order: Sequence[str],
    outputs: Groups | None = None,
    output_order: Sequence[str] = (),
) -> Graph:
    """``graph`` with its input groups (and output groups) taken in another order."""
    by_name = inputs.split(graph.in_types)
    new_types = by_name.join(*input_order)
    reordered = Groups(**{name: inputs.sizes[name] for name in input_order})

    def body(*args: Any) -> Any:
        given = reordered.split(args)
        results = eval_graph(graph, *given.join(*inputs.sizes))
        if outputs is None:
            return results
        return outputs.split(results).join(*output_order)

    return make_graph(body, *new_types)


def types_of(values: Sequence[Any]) -> list[Type]:
    return [type_of(v) for v in values]


def check_inputs(name: str, graph: Graph, values: Sequence[Any], what: str) -> None:
    got = [(tuple(v.shape), v.dtype) for v in values]
    want = [(t.shape, t.dtype) for t in graph.in_types]
    if got != want:
        shown = ", ".join(str(t) for t in types_of(values))
        expected = ", ".join(str(t) for t in graph.in_types)
        raise TypeError(f"{name}: {what} takes ({expected}) but is given ({shown})")


def check_carry(
    name: str, what: str, returned: Sequence[Type], carry: Sequence[Any]
) -> tuple[Type, ...]:
    """The carry's types, after checking that a body returns exactly them."""
    carry_types = tuple(Type(tuple(c.shape), c.dtype, c.device) for c in carry)
    if [(t.shape, t.dtype) for t in returned] != [(t.shape, t.dtype) for t in carry_types]:
        shown = ", ".join(map(str, returned))
        want = ", ".join(map(str, carry_types))
        raise TypeError(f"{name}: {what} must return the carry's types ({want}), got ({shown})")
    return carry_types


def zeros_for(values: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    """Known-zero (None) tangents or cotangents made into arrays of zeros."""
    return [ops.zeros_like(v) if t is None else t for v, t in zip(values, tangents)]


def float_only(values: Sequence[Any], cotangents: Sequence[Any]) -> list[Any]:
    """Cotangents, with None for the values that are not floats (no gradient)."""
    return [c if dtypes.is_float(v.dtype) else None for v, c in zip(values, cotangents)]


@functools.lru_cache(maxsize=512)
def jvp_of(graph: Graph) -> Graph:
    """The JVP graph of a sub-graph: (primals, tangents) -> (outputs, output tangents)."""
    return autodiff.jvp_graph(graph)


@functools.lru_cache(maxsize=512)
def backward_of(graph: Graph) -> Graph:
    """The backward graph of a sub-graph: (inputs, output cotangents) -> input cotangents."""
    return autodiff.backward_graph(graph)


def device_of(values: Any) -> Any:
    from workbench.backend import default_device  # noqa: PLC0415
    from workbench.core import tree  # noqa: PLC0415

    flat, _ = tree.flatten(values)
    return flat[0].device if flat else default_device()


# ---------------------------------------------------------------------------------------
# A run rule as an implementation


def interpreted(run: Callable[..., Sequence[Any]]) -> Callable[..., list[Array]]:
    """The implementation running ``run`` with every sub-graph evaluated by ``eval_graph``
    (each equation through ``apply``, so profilers and checks see them)."""

    def impl(*args: Array, **params: Any) -> list[Array]:
        device = device_of(args)

        def run_graph(graph: Graph) -> Callable[..., list[Any]]:
            def evaluate(*arrays: Any) -> list[Any]:
                outs = eval_graph(graph, *[Array(a, device) for a in arrays])
                return [o.data for o in outs]

            return evaluate

        return _wrap(run(run_graph, device.xp, *[a.data for a in args], **params), device)

    return impl


def compiled(run: Callable[..., Sequence[Any]]) -> Callable[..., list[Array]]:
    """The implementation running ``run`` with every sub-graph compiled (and cached) by
    the default executor."""

    def impl(*args: Array, **params: Any) -> list[Array]:
        from workbench.core.executor import default_executor  # noqa: PLC0415 - runs on the core

        device = device_of(args)
        executor = default_executor()
        outs = run(executor.function, device.xp, *[a.data for a in args], **params)
        return _wrap(outs, device)

    return impl


def _wrap(outs: Sequence[Any], device: Any) -> list[Array]:
    ndarray, xp = device.ndarray, device.xp
    return [Array(o if o.__class__ is ndarray else xp.asarray(o), device) for o in outs]
