"""Kernel generation for fused elementwise groups: one loop (C on the CPU) or one CUDA
kernel (CuPy's ElementwiseKernel) computing a whole group, so its intermediates live in
registers instead of memory.

Each primitive carries its own expression (``Primitive.fusion``, beside its other rules);
both targets share it (C99 with <tgmath.h> and CUDA C++ pick the float or double version
of each math function from the argument type). NaN behaviour follows NumPy: maximum,
minimum and relu propagate NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import Device, dtypes, native
from workbench.core.ir import Graph, Literal, Var

_C_TYPES: dict[np.dtype, str] = {
    dtypes.float32: "float",
    dtypes.float64: "double",
    dtypes.bool_: "unsigned char",
}
_CUDA_TYPES: dict[np.dtype, str] = {
    dtypes.float32: "float",
    dtypes.float64: "double",
    dtypes.bool_: "bool",
}
_CUPY_NAMES: dict[np.dtype, str] = {
    dtypes.float32: "float32",
    dtypes.float64: "float64",
    dtypes.bool_: "bool",
}


def _literal(value: Any, dtype: np.dtype, types: dict[np.dtype, str]) -> str:
    v = float(value) if dtypes.is_float(dtype) else bool(value)
    c_type = types[dtype]
    if isinstance(v, bool):
        return "1" if v else "0"
    if math.isnan(v):
        return f"(({c_type})NAN)"
    if math.isinf(v):
        return f"(({c_type})({'-' if v < 0 else ''}INFINITY))"
    return f"(({c_type}){v!r})"


def _known(atom: Any, constants: dict[int, float]) -> float | None:
    """The one number an operand holds, when the kernel knows it."""
    if isinstance(atom, Literal):
        value = atom.value.numpy()
        if value.size and np.all(value == value.flat[0]):
            return float(value.flat[0])
        return None
    return constants.get(id(atom))


def kernel_body(graph: Graph, types: dict[np.dtype, str]) -> tuple[list[str], list[str]] | None:
    """Statements computing the group's outputs from inputs ``a0, a1, …`` and the names
    of the results, or None if the group uses something a kernel cannot express."""
    names: dict[int, str] = {id(v): f"a{i}" for i, v in enumerate(graph.inputs)}
    constants: dict[int, float] = {}  # values known to be one number (literals, broadcast)
    lines = []
    for k, eqn in enumerate(graph.equations):
        out = eqn.outputs[0]
        if out.type.dtype not in types:
            return None
        operands = []
        for a in eqn.inputs:
            if a.type.dtype not in types:
                return None
            if isinstance(a, Literal):
                operands.append(_literal(a.value.numpy(), a.type.dtype, types))
            else:
                operands.append(names[id(a)])
        known = [_known(a, constants) for a in eqn.inputs]
        c_type = types[out.type.dtype]
        expression = eqn.primitive.fusion_expression(operands, known, c_type, out.type)
        if expression is None:
            return None
        if expression == operands[0] and known[0] is not None:
            constants[id(out)] = known[0]  # an operand passed through keeps its known value
        names[id(out)] = f"t{k}"
        lines.append(f"{types[out.type.dtype]} t{k} = {expression};")
    results = []
    for result in graph.outputs:
        if not isinstance(result, Var) or id(result) not in names:
            return None
        results.append(names[id(result)])
    return lines, results


def c_source(graph: Graph, layouts: tuple[str, ...] | None = None) -> str | None:
    """The C source of a kernel computing ``graph`` elementwise over ``n`` elements.

    ``layouts`` (one letter per input; all ``"v"`` by default) lets inputs be broadcasts
    read in place rather than copied out: an input ``"v"`` is read at ``i`` (a full
    array), ``"s"`` at 0 (one value repeated everywhere: a learning rate). With ``"m"`` or
    ``"d"`` inputs the loop runs as ``n / k`` rows of ``k`` elements, and ``"m"`` is read
    at the position in the row (a block of ``k`` repeated along leading axes: a bias),
    ``"d"`` at the row (one value per row, repeated along trailing axes: a row's
    statistic). With ``"g"`` inputs (any strided view: a column block of a wider matrix,
    a transposed array) the loop runs over the output as four nested axes of sizes
    ``d0…d3``, and each ``"g"`` input is read at its own strides (in elements), which
    follow its pointer (``"p"``: the same with an innermost stride of 1, which
    vectorises); neither is mixed with ``"m"`` or ``"d"``."""
    body = kernel_body(graph, _C_TYPES)
    if body is None:
        return None
    lines, results = body
    layouts = layouts or ("v",) * len(graph.inputs)
    rows = any(mode in ("m", "d") for mode in layouts)
    strided = "g" in layouts or "p" in layouts
    params = (
        ["long long d0", "long long d1", "long long d2", "long long d3"]
        if strided
        else ["long long n"] + (["long long k"] if rows else [])
    )
    loads = []
    at = {"v": "i", "m": "j", "d": "o", "s": "0"}
    for i, (v, mode) in enumerate(zip(graph.inputs, layouts)):
        c_type = _C_TYPES[v.type.dtype]
        params.append(f"const {c_type}* in{i}")
        if mode in "gp":  # "p": a "g" input whose innermost stride is 1 (vectorisable)
            params.extend(f"long long s{i}_{a}" for a in range(4))
            where = " + ".join(f"i{a} * s{i}_{a}" for a in range(3))
            loads.append(
                f"{c_type} a{i} = in{i}[{where} + i3{'' if mode == 'p' else f' * s{i}_3'}];"
            )
        else:
            loads.append(f"{c_type} a{i} = in{i}[{at[mode]}];")
    stores = []
    for k, (atom, result) in enumerate(zip(graph.outputs, results)):
        params.append(f"{_C_TYPES[atom.type.dtype]}* out{k}")
        stores.append(f"out{k}[i] = {result};")
    # Every element is read and written at its own index and nowhere else (an output may
    # be an input's own memory, never a shifted view of it): no iteration depends on
    # another. Saying so lets the compiler vectorise a loop with many pointers, where it
    # would otherwise give up on checking every pair of them for overlap at run time.
    independent = "    WB_INDEPENDENT\n"
    if strided:
        inner = "\n            ".join(loads + lines + stores)
        loop = (
            "    for (long long i0 = 0; i0 < d0; ++i0)\n"
            "    for (long long i1 = 0; i1 < d1; ++i1)\n"
            "    for (long long i2 = 0; i2 < d2; ++i2) {\n"
            "        long long row = ((i0 * d1 + i1) * d2 + i2) * d3;\n"
            + "    "
            + independent
            + "        for (long long i3 = 0; i3 < d3; ++i3) {\n"
            "            long long i = row + i3;\n"
            f"            {inner}\n"
            "        }\n    }\n"
        )
    elif rows:
        inner = "\n            ".join(loads + lines + stores)
        loop = (  # the pragma applies to the loop right after it: the inner one
            "    for (long long o = 0; o < n / k; ++o) {\n"
            + "    "
            + independent
            + "        for (long long j = 0; j < k; ++j) {\n"
            "            long long i = o * k + j;\n"
            f"            {inner}\n"
            "        }\n    }\n"
        )
    else:
        inner = "\n        ".join(loads + lines + stores)
        loop = independent + f"    for (long long i = 0; i < n; ++i) {{\n        {inner}\n    }}\n"
    return (
        "#include <math.h>\n#include <tgmath.h>\n"
        + _INDEPENDENT
        + native.VECTOR_MATH
        + f"\nvoid kernel({', '.join(params)}) {{\n"
        + loop
        + "}\n"
    )


_INDEPENDENT = """
#if defined(__clang__)
#define WB_INDEPENDENT _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define WB_INDEPENDENT _Pragma("GCC ivdep")
#else
#define WB_INDEPENDENT
#endif
"""


def _broadcast_layout(x: Any) -> tuple[str, int] | None:
    """How a kernel can read ``x`` (shaped like the output) in place: ``("v", 0)`` when it
    is contiguous, ``("s", 0)`` when it is one value repeated, ``("m", k)`` when it
    repeats a contiguous trailing block of ``k`` elements along its leading axes,
    ``("d", k)`` when each of its values repeats over ``k`` trailing elements; None
    otherwise (it is copied out first)."""
    if x.flags.c_contiguous:
        return "v", 0
    shape, strides = x.shape, x.strides
    if not any(strides):
        return "s", 0
    item = x.itemsize

    def contiguous(dims: range) -> bool:
        expected = item
        for a in reversed(dims):
            if shape[a] != 1 and strides[a] != expected:
                return False
            expected *= shape[a]
        return True

    for q in range(1, x.ndim):
        block = math.prod(shape[q:])
        if all(strides[a] == 0 or shape[a] == 1 for a in range(q)) and contiguous(range(q, x.ndim)):
            return "m", block
        if all(strides[a] == 0 or shape[a] == 1 for a in range(q, x.ndim)) and contiguous(range(q)):
            return "d", block
    return None


_GROUP_KERNELS: dict[tuple[int, Any], tuple[Graph, Any]] = {}


def group_kernel(graph: Graph, device: Device) -> Callable[..., Any] | None:
    """``elementwise_kernel`` for a group with one output, built once per graph and device
    (for groups made outside a plan: the eager optimisers' steps; their graphs are kept for
    the process), or None."""
    key = (id(graph), device)
    found = _GROUP_KERNELS.get(key)
    if found is None or found[0] is not graph:
        kernel = elementwise_kernel(graph, device) if len(graph.outputs) == 1 else None
        found = _GROUP_KERNELS[key] = (graph, kernel)
    return found[1]


def elementwise_kernel(graph: Graph, device: Device) -> Callable[..., Any] | None:
    """A callable ``kernel(*inputs, out=None) -> array`` for a fused group, or None. A
    group with several results (on the CPU) gives ``kernel(*inputs) -> tuple``."""
    shape = graph.outputs[0].type.shape
    if not shape or any(v.type.shape != shape for v in (*graph.inputs, *graph.outputs)):
        return None  # scalars gain nothing from a kernel (and NumPy hands back numpy scalars)
    if device.platform == "cuda":
        return _cuda_kernel(graph, device) if len(graph.outputs) == 1 else None
    return _cpu_kernel(graph)


def _cpu_kernel(graph: Graph) -> Callable[..., Any] | None:
    source = c_source(graph)
    if source is None:
        return None
    n_out = len(graph.outputs)
    function = native.load(source, "kernel", "n" + "p" * (len(graph.inputs) + n_out))
    if function is None:
        return None
    pointer = native.pointer
    out_type = graph.outputs[0].type
    shape, size = tuple(out_type.shape), out_type.size
    out_dtypes = [v.type.dtype for v in graph.outputs]
    one_dtype = len(set(out_dtypes)) == 1
    block_bytes = size * np.dtype(out_dtypes[0]).itemsize
    by_layout: dict[tuple[str, ...], Any] = {}

    def with_layouts(layouts: tuple[str, ...]) -> Any:
        """The kernel reading broadcast or strided inputs in place (compiled once per
        layout)."""
        if layouts not in by_layout:
            if "g" in layouts or "p" in layouts:
                operands = "".join("p" + "nnnn" * (mode in "gp") for mode in layouts)
                signature = "nnnn" + operands + "p" * n_out
            else:
                sizes = 1 + any(mode in ("m", "d") for mode in layouts)
                signature = "n" * sizes + "p" * (len(layouts) + n_out)
            by_layout[layouts] = native.load(c_source(graph, layouts) or "", "kernel", signature)
        return by_layout[layouts]

    def strided(inputs: Sequence[Any], pointers: list[Any]) -> bool:
        """Run the kernel reading every non-contiguous input at its strides; False when
        the output's axes do not fold into four (the caller copies instead)."""
        plan = _fold_axes(inputs[0].shape, [x for x in inputs if not x.flags.c_contiguous])
        if plan is None:
            return False
        dims, folded = plan
        views = iter(folded)
        layouts = tuple(
            "v" if x.flags.c_contiguous else "p" if next(views)[3] == 1 else "g" for x in inputs
        )
        kernel = with_layouts(layouts)
        if kernel is None:
            return False
        arguments: list[Any] = []
        views = iter(folded)
        for x, mode in zip(inputs, layouts):
            arguments.append(pointer(x))
            if mode in "gp":
                arguments.extend(next(views))
        kernel(*dims, *arguments, *pointers)
        return True

    def run(*inputs: Any, out: Any = None, outs: Any = None) -> Any:
        """``out``: the one result's memory; ``outs``: one array or None (a fresh one) per
        result. Each given array is C-contiguous, of its result's shape and dtype."""
        # NOTE: keep the contiguous copies referenced until the call returns; a bare
        # pointer does not keep its array alive.
        if outs is not None:
            outs = [
                np.empty(shape, t) if o is None else o  # type: ignore[type-var]
                for o, t in zip(outs, out_dtypes)
            ]
            pointers = [pointer(o) for o in outs]
        elif out is not None:
            outs, pointers = [out], [pointer(out)]
        elif n_out == 1:
            outs = [np.empty(shape, out_dtypes[0])]  # type: ignore[type-var]
            pointers = [pointer(outs[0])]
        elif one_dtype:  # one block for all results, in one allocation
            block = np.empty((n_out, *shape), out_dtypes[0])  # type: ignore[type-var]
            outs = list(block)
            base = pointer(block)
            pointers = [base + k * block_bytes for k in range(n_out)]
        else:
            outs = [np.empty(shape, t) for t in out_dtypes]  # type: ignore[type-var]
            pointers = [pointer(o) for o in outs]
        result = outs[0] if n_out == 1 else tuple(outs)
        if all(x.flags.c_contiguous for x in inputs) or not size:
            function(size, *[pointer(x) for x in inputs], *pointers)
            return result
        found = [_broadcast_layout(x) for x in inputs]
        rows = {layout[1] for layout in found if layout is not None and layout[0] in "md"}
        if (
            (None in found or len(rows) > 1)
            and size >= _STRIDED_MIN_SIZE
            and strided(inputs, pointers)
        ):
            return result
        if len(rows) <= 1 and any(layout and layout[0] != "v" for layout in found):
            k = rows.pop() if rows else 0
            layouts = tuple(
                layout[0] if layout is not None and (layout[0] == "s" or layout[1] == k) else "v"
                for layout in found
            )
            kernel = with_layouts(layouts)
            if kernel is not None:
                arrays = [
                    np.ascontiguousarray(x) if mode == "v" and not x.flags.c_contiguous else x
                    for x, mode in zip(inputs, layouts)
                ]
                counts = (size, k) if k else (size,)
                kernel(*counts, *[pointer(a) for a in arrays], *pointers)
                return result
        arrays = [x if x.flags.c_contiguous else np.ascontiguousarray(x) for x in inputs]
        function(size, *[pointer(a) for a in arrays], *pointers)
        return result

    run.source = source  # type: ignore[attr-defined]
    return run


# Below this many elements a strided operand is copied out first: a copy that stays in
# cache costs less than reading in place (the LSTM cell's gate blocks, 32x256 of a 32x1024
# matrix: 8 % slower in place); above it the copy goes through memory (the CNN's first
# activation, NCHW read as NHWC: 2.4 -> 1.2 ms with the bias and ReLU).
_STRIDED_MIN_SIZE = 1 << 16


def _fold_axes(
    shape: tuple[int, ...], views: Sequence[Any]
) -> tuple[tuple[int, ...], list[tuple[int, ...]]] | None:
    """The output's axes as four (sizes ``d0…d3``, leading ones 1) and each view's strides
    in elements along them, with axes of size 1 dropped and neighbours merged where every
    view steps over them as over one axis; None if more than four remain or a stride is
    not a whole number of elements."""
    steps = []
    for x in views:
        if any(s % x.itemsize for s in x.strides):
            return None
        steps.append([s // x.itemsize for s in x.strides])
    dims: list[int] = []
    kept: list[list[int]] = [[] for _ in views]
    for a, n in enumerate(shape):
        if n == 1:
            continue
        if dims and all(k[-1] == st[a] * n for k, st in zip(kept, steps)):
            dims[-1] *= n  # the previous axis steps over this one whole: one axis
            for k, st in zip(kept, steps):
                k[-1] = st[a]
            continue
        dims.append(n)
        for k, st in zip(kept, steps):
            k.append(st[a])
    if len(dims) > 4:
        return None
    pad = 4 - len(dims)
    return (1,) * pad + tuple(dims), [(0,) * pad + tuple(k) for k in kept]


def _cuda_kernel(graph: Graph, device: Device) -> Callable[..., Any] | None:
    body = kernel_body(graph, _CUDA_TYPES)
    if body is None:
        return None
    lines, (result,) = body
    cupy = device.xp
    in_params = ", ".join(f"{_CUPY_NAMES[v.type.dtype]} a{i}" for i, v in enumerate(graph.inputs))
    out_type = graph.outputs[0].type
    operation = " ".join(lines + [f"out = {result};"])
    general = cupy.ElementwiseKernel(
        in_params, f"{_CUPY_NAMES[out_type.dtype]} out", operation, "workbench_fused"
    )
    shape, dtype = out_type.shape, out_type.dtype
    size = out_type.size
    vector = _vector_kernel(graph, lines, result, cupy) if size % 4 == 0 else None
    vector_blocks = max(1, min((size // 4 + 255) // 256, 65536))

    def run(*inputs: Any, out: Any = None) -> Any:
        if out is None:
            out = cupy.empty(shape, dtype)
        if vector is not None and all(
            x.flags.c_contiguous and x.data.ptr % 16 == 0 for x in (*inputs, out)
        ):
            vector((vector_blocks,), (256,), (*inputs, out, np.int64(size // 4)))
            return out
        return general(*inputs, out)

    run.source = operation  # type: ignore[attr-defined]
    return run


def _vector_kernel(graph: Graph, lines: list[str], result: str, cupy: Any) -> Any:
    """For all-float32 contiguous groups: each thread loads and stores 16 bytes (float4),
    which is what reaches the memory bandwidth of a plain copy."""
    if any(v.type.dtype != dtypes.float32 for v in (*graph.inputs, graph.outputs[0])):
        return None
    params = [f"const float4* in{i}" for i in range(len(graph.inputs))] + [
        "float4* out",
        "long long n4",
    ]
    loads = " ".join(f"float4 v{i} = in{i}[j];" for i in range(len(graph.inputs)))
    lanes = []
    for lane in "xyzw":
        reads = " ".join(f"float a{i} = v{i}.{lane};" for i in range(len(graph.inputs)))
        lanes.append(f"{{ {reads} {' '.join(lines)} r.{lane} = {result}; }}")
    source = (
        f'extern "C" __global__ void workbench_fused4({", ".join(params)}) {{\n'
        "  for (long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x; j < n4;"
        " j += (long long)blockDim.x * gridDim.x) {\n"
        f"    {loads} float4 r;\n    " + "\n    ".join(lanes) + "\n    out[j] = r;\n  }\n}\n"
    )
    return cupy.RawKernel(source, "workbench_fused4")
