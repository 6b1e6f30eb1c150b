"""Every public operation of the core in one namespace (the workbench's ``lax``).

Primitive families refer to each other through this module (``ops.mul``), so rules in
one family can use operations of another without import cycles.
"""

from __future__ import annotations

from workbench.core.primitives.collectives import all_gather, argsort, axis_index, psum
from workbench.core.primitives.control import (
    call,
    cond,
    custom_jvp_call,
    custom_vjp_call,
    fori_loop,
    scan,
    switch,
    while_loop,
)
from workbench.core.primitives.conv import (
    avg_pool,
    conv,
    conv_padding,
    conv_transpose,
    max_pool,
    windows,
    windows_transpose,
)
from workbench.core.primitives.elementwise import (
    abs,
    add,
    cast,
    ceil,
    cos,
    div,
    eq,
    erf,
    erf_inv,
    exp,
    expm1,
    floor,
    ge,
    gt,
    is_finite,
    le,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logistic,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    reciprocal,
    relu,
    rem,
    round,
    rsqrt,
    select,
    sign,
    sin,
    sqrt,
    square,
    stop_gradient,
    sub,
    tanh,
)
from workbench.core.primitives.indexing import (
    gather,
    index,
    index_add,
    index_set,
    scatter,
    scatter_add,
)
from workbench.core.primitives.linalg import dot_general, matmul
from workbench.core.primitives.operands import array, broadcast_shapes, lift, operands, scalar
from workbench.core.primitives.random import (
    bitcast_f32,
    bitwise_or,
    bitwise_xor,
    fold_in,
    key,
    random_bits,
    shift_right,
    threefry2x32,
    uniform,
)
from workbench.core.primitives.random import (
    split as split_key,
)
from workbench.core.primitives.reductions import (
    argmax,
    argmin,
    cumsum,
    logsumexp,
    mean,
    reduce_max,
    reduce_min,
    reduce_prod,
    reduce_sum,
)
from workbench.core.primitives.structural import (
    broadcast_to,
    concatenate,
    device_put,
    dynamic_slice,
    dynamic_update_slice,
    expand_dims,
    flip,
    full,
    full_like,
    ones_like,
    pad,
    reshape,
    slice,
    split,
    squeeze,
    strided_slice,
    sum_to,
    transpose,
    zeros_like,
)

__all__ = [
    "all_gather",
    "argsort",
    "axis_index",
    "custom_jvp_call",
    "custom_vjp_call",
    "erf_inv",
    "psum",
    "rem",
    "call", "cond", "fori_loop", "scan", "switch", "while_loop",
    "abs", "add", "argmax", "argmin", "array", "avg_pool", "bitcast_f32", "bitwise_or",
    "bitwise_xor", "broadcast_shapes", "broadcast_to", "cast", "ceil", "concatenate", "conv",
    "conv_padding", "conv_transpose", "cos", "cumsum", "device_put", "div", "dot_general",
    "dynamic_slice",
    "dynamic_update_slice", "eq", "erf", "exp", "expand_dims", "expm1", "flip", "floor",
    "fold_in", "full", "full_like", "gather", "ge", "gt", "index", "index_add", "index_set",
    "is_finite", "key", "le", "lift", "log", "log1p", "logical_and", "logical_not",
    "logical_or", "logistic", "logsumexp", "lt", "matmul", "max_pool", "maximum", "mean",
    "minimum", "mul", "ne", "neg", "ones_like", "operands", "pad", "pow", "random_bits",
    "reciprocal", "reduce_max", "reduce_min", "reduce_prod", "reduce_sum", "relu", "reshape",
    "round", "rsqrt", "scalar", "scatter", "scatter_add", "select", "shift_right", "sign",
    "sin", "slice", "split", "split_key", "sqrt", "square", "squeeze", "stop_gradient",
    "strided_slice", "sub", "sum_to", "tanh", "threefry2x32", "transpose", "uniform",
    "windows", "windows_transpose", "zeros_like",
]  # fmt: skip
