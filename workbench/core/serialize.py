"""Graphs to bytes and back: the core IR as JSON, with arrays as ``.npy`` data.

What ``jax.export``'s ``serialize`` writes here (JAX writes StableHLO bytecode). Nothing
in the format is code: primitives are named, parameters are numbers, strings, dtypes,
devices, tuples, dicts, arrays and nested graphs, and loading reads them with
``np.load(allow_pickle=False)``. A graph whose parameters hold a Python function (a
``custom_vjp``, a host callback) cannot be serialized, and says which.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np

from workbench.backend.device import get_device
from workbench.core.ir import Equation, Graph, Literal, Type, Var
from workbench.core.primitive import get_primitive
from workbench.core.primitives.operands import array
from workbench.core.values import Array

FORMAT = "workbench-ir"
VERSION = 1


def _array_text(value: Array) -> str:
    out = io.BytesIO()
    np.save(out, value.numpy(), allow_pickle=False)
    return base64.b64encode(out.getvalue()).decode("ascii")


def _array_from(text: str) -> Array:
    data = np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)
    return array(data, dtype=data.dtype)


class _Writer:
    def __init__(self) -> None:
        self.ids: dict[int, int] = {}

    def var(self, v: Var) -> dict[str, Any]:
        self.ids[id(v)] = len(self.ids)
        t = v.type
        return {
            "id": self.ids[id(v)],
            "shape": list(t.shape),
            "dtype": t.dtype.name,
            "hint": v.hint,
        }

    def atom(self, a: Any) -> Any:
        if isinstance(a, Literal):
            return {"literal": _array_text(a.value)}
        return self.ids[id(a)]

    def param(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, tuple | list):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {kind: [self.param(v, where) for v in value]}
        if isinstance(value, dict):
            return {
                "dict": [[self.param(k, where), self.param(v, where)] for k, v in value.items()]
            }
        if isinstance(value, np.dtype):
            return {"dtype": value.name}
        if isinstance(value, Graph):
            return {"graph": self.graph(value)}
        if isinstance(value, Array):
            return {"array": _array_text(value)}
        if hasattr(value, "platform") and hasattr(value, "name"):  # a Device
            return {"device": value.name}
        raise ValueError(
            f"cannot serialize {where}: its value {value!r} ({type(value).__name__}) is not "
            "data (a Python function or object); only graphs of data parameters export"
        )

    def graph(self, g: Graph) -> dict[str, Any]:
        constants = []
        for v, value in g.constants:
            if not isinstance(value, Array):
                raise ValueError("cannot serialize a graph that closes over traced values")
            constants.append({"var": self.var(v), "array": _array_text(value)})
        inputs = [self.var(v) for v in g.inputs]
        equations = []
        for e in g.equations:
            ins = [self.atom(a) for a in e.inputs]
            params = {
                k: self.param(v, f"parameter {k!r} of {e.primitive.name}")
                for k, v in e.params.items()
            }
            equations.append(
                {
                    "primitive": e.primitive.name,
                    "inputs": ins,
                    "outputs": [self.var(v) for v in e.outputs],
                    "params": params,
                }
            )
        return {
            "constants": constants,
            "inputs": inputs,
            "equations": equations,
            "outputs": [self.atom(a) for a in g.outputs],
        }


class _Reader:
    def __init__(self, device: Any) -> None:
        self.vars: dict[int, Var] = {}
        self.device = device

    def var(self, d: dict[str, Any]) -> Var:
        v = Var(Type(tuple(d["shape"]), np.dtype(d["dtype"]), self.device), d.get("hint", ""))
        self.vars[d["id"]] = v
        return v

    def atom(self, a: Any) -> Any:
        return Literal(_array_from(a["literal"])) if isinstance(a, dict) else self.vars[a]

    def param(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        ((kind, body),) = value.items()
        if kind in ("tuple", "list"):
            items = [self.param(v) for v in body]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict":
            return {self.param(k): self.param(v) for k, v in body}
        if kind == "dtype":
            return np.dtype(body)
        if kind == "graph":
            return self.graph(body)
        if kind == "array":
            return _array_from(body)
        if kind == "device":
            return get_device(body)
        raise ValueError(f"unknown parameter kind {kind!r} in a serialized graph")

    def graph(self, d: dict[str, Any]) -> Graph:
        constants = tuple((self.var(c["var"]), _array_from(c["array"])) for c in d["constants"])
        inputs = tuple(self.var(v) for v in d["inputs"])
        equations = []
        for e in d["equations"]:
            ins = tuple(self.atom(a) for a in e["inputs"])
            params = {k: self.param(v) for k, v in e["params"].items()}
            outs = tuple(self.var(v) for v in e["outputs"])
            equations.append(Equation(get_primitive(e["primitive"]), ins, outs, params))
        outputs = tuple(self.atom(a) for a in d["outputs"])
        return Graph(inputs, tuple(equations), outputs, constants)


def graph_to_bytes(graph: Graph, extra: dict[str, Any] | None = None) -> bytes:
    """``graph`` (and JSON-able ``extra`` facts) as bytes."""
    body = {"format": FORMAT, "version": VERSION, "graph": _Writer().graph(graph), **(extra or {})}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def graph_from_bytes(data: bytes | bytearray, device: Any = None) -> tuple[Graph, dict[str, Any]]:
    """The graph and the extra facts written by :func:`graph_to_bytes`."""
    body = json.loads(bytes(data).decode("utf-8"))
    if body.get("format") != FORMAT or body.get("version") != VERSION:
        raise ValueError(
            f"not a serialized workbench graph of version {VERSION} "
            f"(format {body.get('format')!r}, version {body.get('version')!r})"
        )
    graph = _Reader(device or get_device(None)).graph(body.pop("graph"))
    return graph, body
