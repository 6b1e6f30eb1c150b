"""Every public operation of the core, in one namespace (the workbench's ``lax``; the
front ends know it as ``workbench.core.ops``). Importing this package registers every
primitive, family by family.

The families refer to each other through this namespace (``ops.mul`` inside a rule), so
a rule may use an operation of another family; the names are looked up when the rule
runs, after every family has loaded.
"""

from workbench.core.primitives.arithmetic import (
    add,
    add_p,
    cast,
    cast_p,
    div,
    div_p,
    eq,
    ge,
    gt,
    gt_p,
    is_finite,
    le,
    logical_and,
    logical_not,
    logical_or,
    lt,
    maximum,
    minimum,
    mul,
    mul_p,
    ne,
    pow,
    pow_p,
    rem,
    select,
    select_p,
    stop_gradient,
    sub,
    sub_p,
)
from workbench.core.primitives.collectives import all_gather, argsort, axis_index, psum
from workbench.core.primitives.control import (
    call,
    call_p,
    cond,
    custom_jvp_call,
    custom_vjp_call,
    fori_loop,
    fused_p,
    scan,
    switch,
    while_loop,
)
from workbench.core.primitives.conv import conv, conv_padding, conv_transpose
from workbench.core.primitives.elementwise import (
    abs,
    ceil,
    cos,
    erf,
    erf_inv,
    exp,
    expm1,
    floor,
    log,
    log1p,
    logistic,
    neg,
    neg_p,
    reciprocal,
    relu,
    round,
    rsqrt,
    sign,
    sin,
    sqrt,
    square,
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
from workbench.core.primitives.linalg import dot_general, dot_general_p, linear, matmul
from workbench.core.primitives.operands import array, broadcast_shapes, lift, operands, scalar
from workbench.core.primitives.random import (
    bitcast_f32,
    bitwise_or,
    bitwise_xor,
    counters,
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
    log_softmax,
    logsumexp,
    mean,
    reduce_max,
    reduce_min,
    reduce_prod,
    reduce_sum,
    reduce_sum_p,
)
from workbench.core.primitives.slicing import (
    dynamic_slice,
    dynamic_update_slice,
    flip,
    pad,
    slice,
    strided_slice,
)
from workbench.core.primitives.structural import (
    broadcast_to,
    broadcast_to_p,
    concatenate,
    device_put,
    expand_dims,
    full,
    full_like,
    ones_like,
    reshape,
    reshape_p,
    shape_of,
    split,
    squeeze,
    sum_to,
    transpose,
    transpose_p,
    zeros_like,
)
from workbench.core.primitives.windows import avg_pool, max_pool, windows, windows_transpose

__all__ = [
    "all_gather",
    "argsort",
    "axis_index",
    "custom_jvp_call",
    "custom_vjp_call",
    "erf_inv",
    "psum",
    "rem",
    "call", "cond", "fori_loop", "scan", "switch", "while_loop", "gt_p", "select_p",
    "add_p", "broadcast_to_p", "call_p", "cast_p", "div_p", "dot_general_p", "fused_p", "mul_p",
    "neg_p", "pow_p", "reduce_sum_p", "reshape_p", "sub_p", "transpose_p",
    "abs", "add", "argmax", "argmin", "array", "avg_pool", "bitcast_f32", "bitwise_or",
    "bitwise_xor", "counters", "broadcast_shapes", "broadcast_to", "cast", "ceil", "concatenate",
    "conv",
    "conv_padding", "conv_transpose", "cos", "cumsum", "device_put", "div", "dot_general",
    "dynamic_slice",
    "dynamic_update_slice", "eq", "erf", "exp", "expand_dims", "expm1", "flip", "floor",
    "fold_in", "full", "full_like", "gather", "ge", "gt", "index", "index_add", "index_set",
    "is_finite", "key", "le", "lift", "linear", "log", "log1p", "logical_and", "logical_not",
    "logical_or", "logistic", "log_softmax", "logsumexp", "lt", "matmul", "max_pool",
    "maximum", "mean", "minimum", "mul", "ne", "neg", "ones_like", "operands", "pad", "pow",
    "random_bits",
    "reciprocal", "reduce_max", "reduce_min", "reduce_prod", "reduce_sum", "relu", "reshape",
    "round", "rsqrt", "scalar", "shape_of", "scatter", "scatter_add", "select", "shift_right",
    "sign",
    "sin", "slice", "split", "split_key", "sqrt", "square", "squeeze", "stop_gradient",
    "strided_slice", "sub", "sum_to", "tanh", "threefry2x32", "transpose", "uniform",
    "windows", "windows_transpose", "zeros_like",
]  # fmt: skip
