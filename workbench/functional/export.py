"""``jax.export``: a jitted function, traced for given argument types, as an artifact that
can be serialized, stored and called later without the Python that made it.

JAX's artifact holds StableHLO (``mlir_module()``) and serializes to its bytecode; here it
holds the core IR, ``mlir_module()`` prints that IR, and ``serialize()`` writes it as
JSON with ``.npy`` arrays (``workbench.core.serialize``: no code is ever unpickled).
Shapes are fixed at export (JAX's symbolic shapes are not provided).

Mirrors: jax.export.export / deserialize / Exported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.core import tree
from workbench.core.ir import Graph, graph_text
from workbench.core.serialize import graph_from_bytes, graph_to_bytes
from workbench.core.trace import eval_graph
from workbench.functional.sharding import ShapedArray
from workbench.functional.transforms import to_arrays, to_values


def _tree_data(treedef: Any) -> Any:
    """A pytree structure as JSON: tuples, lists, dicts, None and leaves."""
    kind = treedef.kind
    children = [_tree_data(c) for c in treedef.children]
    if kind == "leaf":
        return "*"
    if kind is type(None):
        return None
    if kind in (tuple, list):
        return {"tuple" if kind is tuple else "list": children}
    if kind is dict:
        return {"dict": [[k, c] for k, c in zip(treedef.aux, children)]}
    raise ValueError(
        f"cannot serialize a pytree node of type {getattr(kind, '__name__', kind)}: "
        "export functions of arrays, tuples, lists and dicts"
    )


def _tree_from(data: Any) -> Any:
    """A pytree whose leaves are ``None``-marked slots, to flatten into a TreeDef."""
    if data == "*":
        return _Leaf()
    if data is None:
        return None
    ((kind, body),) = data.items()
    if kind == "dict":
        return {k: _tree_from(c) for k, c in body}
    items = [_tree_from(c) for c in body]
    return tuple(items) if kind == "tuple" else items


class _Leaf:
    """A placeholder leaf while a structure is rebuilt."""


def _structure(data: Any) -> Any:
    return tree.flatten(_tree_from(data), is_leaf=lambda x: isinstance(x, _Leaf))[1]


class Exported:
    """A function exported for fixed argument types. Mirrors: jax.export.Exported."""

    def __init__(self, fun_name: str, graph: Graph, in_tree: Any, out_tree: Any) -> None:
        self.fun_name = fun_name
        self._graph = graph
        self.in_tree, self.out_tree = in_tree, out_tree
        self.in_avals = tuple(ShapedArray(t.shape, t.dtype) for t in graph.in_types)  # type: ignore[arg-type]
        self.out_avals = tuple(ShapedArray(t.shape, t.dtype) for t in graph.out_types)  # type: ignore[arg-type]
        self.platforms = ("cpu",)
        self.nr_devices = 1

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """Run the exported function on arguments of the exported types."""
        flat, in_tree = tree.flatten((args, kwargs))
        if in_tree != self.in_tree:
            raise ValueError(
                f"{self.fun_name}: called with arguments structured as {in_tree}, "
                f"exported for {self.in_tree}"
            )
        values = to_values(flat)
        for i, (v, aval) in enumerate(zip(values, self.in_avals)):
            if tuple(v.shape) != aval.shape or np.dtype(v.dtype) != aval.dtype:
                raise ValueError(
                    f"{self.fun_name}: argument {i} has type {np.dtype(v.dtype).name}"
                    f"{list(v.shape)}, the function was exported for {aval.str_short()}"
                )
        outs = eval_graph(self._graph, *values)
        return to_arrays(tree.unflatten(self.out_tree, list(outs)))

    def mlir_module(self) -> str:
        """The exported program as text: the core IR (JAX prints StableHLO here)."""
        return graph_text(self._graph)

    def serialize(self, vjp_order: int = 0) -> bytearray:
        """The artifact as bytes (``deserialize`` reads them back)."""
        if vjp_order:
            raise NotImplementedError("serializing derivatives (vjp_order > 0) is not provided")
        facts = {
            "fun_name": self.fun_name,
            "in_tree": _tree_data(self.in_tree),
            "out_tree": _tree_data(self.out_tree),
        }
        return bytearray(graph_to_bytes(self._graph, facts))

    def __repr__(self) -> str:
        ins = ", ".join(a.str_short() for a in self.in_avals)
        outs = ", ".join(a.str_short() for a in self.out_avals)
        return f"Exported({self.fun_name}: ({ins}) -> ({outs}), platforms={self.platforms})"


def export(fun_jit: Any, *, platforms: Any = None, **_: Any) -> Callable[..., Exported]:
    """``export(jax.jit(f))(*args)``: ``f`` traced for the arguments' shapes and dtypes
    (arrays or ``jax.ShapeDtypeStruct``s). Mirrors: jax.export.export."""
    if not hasattr(fun_jit, "lower"):
        raise ValueError(
            "Function to be exported must be the result of `jit` but is: "
            f"{getattr(fun_jit, '__name__', fun_jit)!r}"
        )
    if platforms is not None and tuple(platforms) not in (("cpu",), ("cuda",)):
        raise ValueError(f"export for platforms {platforms} is not provided: cpu or cuda")

    def do_export(*args: Any, **kwargs: Any) -> Exported:
        lowered = fun_jit.lower(*args, **kwargs)
        in_tree = tree.flatten((args, kwargs))[1]
        name = getattr(getattr(fun_jit, "fun", fun_jit), "__name__", "fun")
        return Exported(name, lowered.graph, in_tree, lowered.out_tree)

    return do_export


def deserialize(blob: bytes | bytearray) -> Exported:
    """An ``Exported`` from ``Exported.serialize()``'s bytes. Mirrors:
    jax.export.deserialize."""
    graph, facts = graph_from_bytes(blob)
    return Exported(
        facts["fun_name"], graph, _structure(facts["in_tree"]), _structure(facts["out_tree"])
    )


__all__ = ["Exported", "deserialize", "export"]
