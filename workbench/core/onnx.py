"""Core IR -> ONNX: each primitive of a graph written as one or a few ONNX nodes (opset
17), constants as initializers, after the compiler's simplifying passes (no fusion). The
front ends trace what they export (a Keras model, a tf.function, a torch module) into a
core graph and call :func:`graph_to_onnx`; :func:`run` runs the result in ONNX Runtime.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core.ir import Equation, Graph, Literal
from workbench.core.passes import constant_fold, cse, dce, simplify
from workbench.core.primitive import Primitive, get_primitive
from workbench.core.values import Array

OPSET = 17


def _onnx() -> Any:
    try:
        import onnx  # noqa: PLC0415
    except ImportError as err:  # pragma: no cover - onnx is in the test extra
        raise ImportError("exporting needs the onnx package: pip install onnx onnxruntime") from err
    return onnx


_ELEMENTWISE = {
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "maximum": "Max",
    "minimum": "Min", "neg": "Neg", "exp": "Exp", "log": "Log", "tanh": "Tanh", "sqrt": "Sqrt",
    "abs": "Abs", "sign": "Sign", "floor": "Floor", "ceil": "Ceil", "sin": "Sin", "cos": "Cos",
    "erf": "Erf", "logistic": "Sigmoid", "relu": "Relu", "reciprocal": "Reciprocal",
    "eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual",
    "logical_and": "And", "logical_or": "Or", "logical_not": "Not", "select": "Where",
    "stop_gradient": "Identity", "round": "Round",
}  # fmt: skip


class _Writer:
    def __init__(self) -> None:
        onnx = _onnx()
        self.helper = onnx.helper
        self.numpy_helper = onnx.numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.names: dict[int, str] = {}
        self.count = itertools.count()

    def fresh(self, hint: str = "t") -> str:
        return f"{hint}{next(self.count)}"

    def const(self, value: Any, hint: str = "c") -> str:
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(
        self, op: str, inputs: Sequence[str], outputs: Sequence[str] | None = None, **attrs: Any
    ) -> str:
        outs = list(outputs) if outputs is not None else [self.fresh()]
        self.nodes.append(self.helper.make_node(op, list(inputs), outs, **attrs))
        return outs[0]

    def name(self, atom: Any) -> str:
        if isinstance(atom, Literal):
            return self.const(atom.value.numpy())
        return self.names[id(atom)]


def _dot_general(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    x, y = ins
    (xc, yc), (xb, yb) = eqn.params["contracting"], eqn.params["batch"]
    nx, ny = eqn.inputs[0].type.ndim, eqn.inputs[1].type.ndim
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    xs: list[str] = [""] * nx
    ys: list[str] = [""] * ny
    for a, b in zip(xb, yb):
        xs[a] = ys[b] = next(letters)
    for a, b in zip(xc, yc):
        xs[a] = ys[b] = next(letters)
    for i in range(nx):
        xs[i] = xs[i] or next(letters)
    for i in range(ny):
        ys[i] = ys[i] or next(letters)
    result = [xs[a] for a in xb]
    result += [xs[i] for i in range(nx) if i not in xb and i not in xc]
    result += [ys[i] for i in range(ny) if i not in yb and i not in yc]
    equation = f"{''.join(xs)},{''.join(ys)}->{''.join(result)}"
    w.node("Einsum", [x, y], [out], equation=equation)


def _windows(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    (x,) = ins
    p = eqn.params
    window, strides, dilation = p["window"], p["strides"], p["dilation"]
    ndim = eqn.inputs[0].type.ndim
    d = len(window)
    axes = list(range(ndim - d, ndim))
    if any(lo or hi for lo, hi in p["padding"]):
        pads = (
            [0] * (ndim - d)
            + [lo for lo, _ in p["padding"]]
            + [0] * (ndim - d)
            + [hi for _, hi in p["padding"]]
        )
        fill = w.const(np.asarray(p["value"], eqn.inputs[0].type.dtype))
        x = w.node("Pad", [x, w.const(np.array(pads, np.int64)), fill], mode="constant")
    out_spatial = [n or 0 for n in eqn.outputs[0].type.shape[ndim - d : ndim]]  # all known
    pieces = []
    for offsets in itertools.product(*(range(k) for k in window)):
        starts = [o * dl for o, dl in zip(offsets, dilation)]
        ends = [s + (n - 1) * st + 1 for s, n, st in zip(starts, out_spatial, strides)]
        piece = w.node(
            "Slice",
            [
                x,
                w.const(np.array(starts, np.int64)),
                w.const(np.array(ends, np.int64)),
                w.const(np.array(axes, np.int64)),
                w.const(np.array(strides, np.int64)),
            ],
        )
        pieces.append(w.node("Unsqueeze", [piece, w.const(np.array([ndim], np.int64))]))
    stacked = w.node("Concat", pieces, axis=ndim)
    w.node("Reshape", [stacked, w.const(np.array(eqn.outputs[0].type.shape, np.int64))], [out])


def _max_pool(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    """ONNX's MaxPool wants (N, C, *spatial): other ranks are reshaped around it."""
    p = eqn.params
    d = len(p["window"])
    shape, out_shape = eqn.inputs[0].type.shape, eqn.outputs[0].type.shape
    lead = shape[: len(shape) - d]
    reshaped = len(lead) != 2
    x = ins[0]
    if reshaped:
        spatial = [-1 if n is None else int(n) for n in shape[len(shape) - d :]]
        x = w.node("Reshape", [x, w.const(np.array([-1, 1, *spatial], np.int64))])
    pooled = w.node(
        "MaxPool",
        [x],
        None if reshaped else [out],
        kernel_shape=list(p["window"]),
        strides=list(p["strides"]),
        pads=[lo for lo, _ in p["padding"]] + [hi for _, hi in p["padding"]],
        dilations=list(p["dilation"]),
    )
    if reshaped:
        back = [-1 if n is None else int(n) for n in out_shape]
        w.node("Reshape", [pooled, w.const(np.array(back, np.int64))], [out])


_ONNX_TYPES = {
    np.dtype("float32"): 1, np.dtype("uint8"): 2, np.dtype("int8"): 3, np.dtype("int32"): 6,
    np.dtype("int64"): 7, np.dtype("bool"): 9, np.dtype("float16"): 10, np.dtype("float64"): 11,
    np.dtype("uint32"): 12,
}  # fmt: skip


def _ne(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    w.node("Not", [w.node("Equal", ins)], [out])


def _rsqrt(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    w.node("Reciprocal", [w.node("Sqrt", ins)], [out])


def _square(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    w.node("Mul", [ins[0], ins[0]], [out])


def _log1p(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    one = w.const(np.asarray(1, eqn.inputs[0].type.dtype))
    w.node("Log", [w.node("Add", [ins[0], one])], [out])


def _expm1(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    one = w.const(np.asarray(1, eqn.inputs[0].type.dtype))
    w.node("Sub", [w.node("Exp", ins), one], [out])


def _is_finite(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    w.node("Not", [w.node("Or", [w.node("IsInf", ins), w.node("IsNaN", ins)])], [out])


def _cast(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node("Cast", ins, [out], to=_ONNX_TYPES[np.dtype(p["dtype"])])


def _broadcast_to(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node("Expand", [ins[0], w.const(np.array(p["shape"], np.int64))], [out])


def _reshape(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node("Reshape", [ins[0], w.const(np.array(p["shape"], np.int64))], [out])


def _transpose(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node("Transpose", ins, [out], perm=list(p["perm"]))


def _reduce_sum(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node(
        "ReduceSum",
        [ins[0], w.const(np.array(p["axes"], np.int64))],
        [out],
        keepdims=int(p["keepdims"]),
    )


def _reduce(op: str, w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node(op, ins, [out], axes=list(p["axes"]), keepdims=int(p["keepdims"]))


def _arg(op: str, w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    idx = w.node(op, ins, axis=int(p["axis"]), keepdims=int(p["keepdims"]), select_last_index=0)
    w.node("Cast", [idx], [out], to=_ONNX_TYPES[np.dtype(p["index_dtype"])])


def _concatenate(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    w.node("Concat", ins, [out], axis=int(p["axis"]))


def _split(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    outs = [w.names[id(v)] for v in eqn.outputs]  # every piece, not only the first
    sizes = w.const(np.array(p["sizes"], np.int64))
    w.node("Split", [ins[0], sizes], outs, axis=int(p["axis"]))


def _slice(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    rank = len(p["starts"])
    w.node(
        "Slice",
        [
            ins[0],
            w.const(np.array(p["starts"], np.int64)),
            w.const(np.array(p["limits"], np.int64)),
            w.const(np.arange(rank, dtype=np.int64)),
            w.const(np.array(p["strides"], np.int64)),
        ],
        [out],
    )


def _pad(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    config = p["config"]
    if any(len(c) > 2 and c[2] for c in config) or any(c[0] < 0 or c[1] < 0 for c in config):
        raise NotImplementedError("ONNX export: pad with interior or negative padding")
    pads = [c[0] for c in config] + [c[1] for c in config]
    fill = w.const(np.asarray(p["value"], eqn.inputs[0].type.dtype))
    w.node("Pad", [ins[0], w.const(np.array(pads, np.int64)), fill], [out], mode="constant")


def _conv(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    p = eqn.params
    if any(d != 1 for d in p["lhs_dilation"]):
        raise NotImplementedError("ONNX export: input-dilated convolution (conv_transpose)")
    pads = [lo for lo, _ in p["padding"]] + [hi for _, hi in p["padding"]]
    w.node(
        "Conv",
        ins,
        [out],
        strides=list(p["strides"]),
        pads=pads,
        dilations=list(p["rhs_dilation"]),
        group=int(p["groups"]),
    )


def _linear(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    weight_t = w.node("Transpose", [ins[1]], perm=[1, 0])
    w.node("Add", [w.node("MatMul", [ins[0], weight_t]), ins[2]], [out])


def _log_softmax(w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    w.node("LogSoftmax", ins, [out], axis=int(eqn.params["axis"]))


# core primitive name -> its translation (besides the one-to-one ops in _ELEMENTWISE)
_TRANSLATIONS: dict[str, Callable[[_Writer, Equation, list[str], str], None]] = {
    "ne": _ne,
    "rsqrt": _rsqrt,
    "square": _square,
    "log1p": _log1p,
    "expm1": _expm1,
    "is_finite": _is_finite,
    "cast": _cast,
    "broadcast_to": _broadcast_to,
    "reshape": _reshape,
    "transpose": _transpose,
    "reduce_sum": _reduce_sum,
    "reduce_max": functools.partial(_reduce, "ReduceMax"),
    "reduce_min": functools.partial(_reduce, "ReduceMin"),
    "reduce_prod": functools.partial(_reduce, "ReduceProd"),
    "argmax": functools.partial(_arg, "ArgMax"),
    "argmin": functools.partial(_arg, "ArgMin"),
    "concatenate": _concatenate,
    "slice": _slice,
    "split": _split,
    "pad": _pad,
    "dot_general": _dot_general,
    "conv": _conv,
    "windows": _windows,
    "max_pool": _max_pool,
    "linear": _linear,
    "log_softmax": _log_softmax,
}


def _equation(w: _Writer, eqn: Equation) -> None:
    ins = [w.name(a) for a in eqn.inputs]
    outs = [w.fresh("v") for _ in eqn.outputs]
    for var, n in zip(eqn.outputs, outs):
        w.names[id(var)] = n
    translations = _by_primitive()
    if eqn.primitive not in translations:
        raise NotImplementedError(
            f"ONNX export: the core primitive {eqn.primitive.name!r} has no ONNX translation yet"
        )
    translations[eqn.primitive](w, eqn, ins, outs[0])


@functools.cache
def _by_primitive() -> dict[Primitive, Callable[[_Writer, Equation, list[str], str], None]]:
    """The translations keyed by the primitives themselves (looked up once)."""
    table: dict[Primitive, Callable[[_Writer, Equation, list[str], str], None]] = {}
    for name, op in _ELEMENTWISE.items():
        table[get_primitive(name)] = functools.partial(_one_to_one, op)
    for name, translate in _TRANSLATIONS.items():
        table[get_primitive(name)] = translate
    return table


def _one_to_one(op: str, w: _Writer, eqn: Equation, ins: list[str], out: str) -> None:
    w.node(op, ins, [out])


def graph_to_onnx(
    graph: Graph,
    opset: int = OPSET,
    name: str = "workbench",
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> Any:
    """An ONNX ModelProto for a core graph. Inputs and outputs are named ``input_i`` and
    ``output_i`` unless names are given. Shapes are fixed: the graph's own."""
    onnx = _onnx()
    for p in (simplify, constant_fold, cse, dce):
        graph, _ = p(graph)
    in_names = list(input_names or []) + [
        f"input_{i}" for i in range(len(input_names or []), len(graph.inputs))
    ]
    out_names = list(output_names or []) + [
        f"output_{i}" for i in range(len(output_names or []), len(graph.outputs))
    ]
    w = _Writer()
    helper = onnx.helper

    def signature(n: str, dtype: Any, shape: Sequence[int | None]) -> Any:
        return helper.make_tensor_value_info(n, _ONNX_TYPES[dtype], list(shape))

    inputs = []
    for n, var in zip(in_names, graph.inputs):
        w.names[id(var)] = n
        inputs.append(signature(n, var.type.dtype, var.type.shape))
    for var, value in graph.constants:
        w.names[id(var)] = w.const(
            value.numpy() if isinstance(value, Array) else np.asarray(value), "weight"
        )
    for eqn in graph.equations:
        _equation(w, eqn)
    outputs = []
    for n, atom in zip(out_names, graph.outputs):
        w.node("Identity", [w.name(atom)], [n])
        outputs.append(signature(n, atom.type.dtype, atom.type.shape))
    body = helper.make_graph(w.nodes, name, inputs, outputs, w.initializers)
    model = helper.make_model(
        body, opset_imports=[helper.make_opsetid("", opset)], producer_name="workbench"
    )
    model.ir_version = min(model.ir_version, 9)
    onnx.checker.check_model(model)
    return model


def run(model: Any, *inputs: Any) -> list[np.ndarray]:
    """Run an exported model in ONNX Runtime on ``inputs`` (NumPy arrays, in the order of
    the model's inputs)."""
    import onnxruntime as ort  # noqa: PLC0415

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feed = {n: np.asarray(x) for n, x in zip(names, inputs)}
    return list(session.run(None, feed))
