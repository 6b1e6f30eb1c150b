"""TensorFlow 1's graph-mode API: ``import workbench.static.compat.v1 as tf``, or
``tf.compat.v1.*`` after ``import workbench.static as tf``."""

import workbench.static as _tf
from workbench.static import random_ops
from workbench.static import train as _train
from workbench.static.compat import layers_v1 as layers
from workbench.static.compat import nn_v1 as nn  # noqa: F401 - tf.compat.v1.nn
from workbench.static.compat import v1_extras
from workbench.static.compat.v1_extras import (
    ConfigProto,
    GPUOptions,
    arg_max,
    arg_min,
    disable_tensor_equality,
    enable_tensor_equality,
    losses,
    to_double,
    to_float,
    to_int32,
    to_int64,
)
from workbench.static.framework import (
    GraphKeys,
    disable_eager_execution,
    enable_eager_execution,
    get_default_graph,
    reset_default_graph,
)
from workbench.static.initializers import (
    constant_initializer,
    glorot_normal_initializer,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    variance_scaling_initializer,
    zeros_initializer,
)
from workbench.static.rnn import contrib
from workbench.static.session import (
    InteractiveSession,
    Session,
    get_default_session,
    placeholder,
    placeholder_with_default,
)
from workbench.static.variables import (
    AUTO_REUSE,
    assign,
    assign_add,
    assign_sub,
    get_variable,
    global_variables,
    global_variables_initializer,
    local_variables_initializer,
    trainable_variables,
    variable_scope,
    variables_initializer,
)

# everything of the top-level namespace (TensorFlow 1 had it all at the top)
_all: list[str] = [n for n in vars(_tf)["__all__"] if n not in ("compat", "keras")]
globals().update({n: getattr(_tf, n) for n in _all if n not in globals()})  # v1's own win

random_normal = random_ops.normal
random_uniform = random_ops.uniform
truncated_normal = random_ops.truncated_normal
set_random_seed = random_ops.set_seed
train = _train
initializers = v1_extras.initializers_namespace  # TF1 tf.initializers.*
disable_v2_behavior = disable_eager_execution
add_to_collection = lambda name, value: get_default_graph().add_to_collection(name, value)  # noqa: E731
get_collection = lambda name, scope=None: get_default_graph().get_collection(name, scope)  # noqa: E731

__all__ = list(_all) + [
    "AUTO_REUSE",
    "ConfigProto",
    "GPUOptions",
    "arg_max",
    "arg_min",
    "contrib",
    "disable_tensor_equality",
    "enable_tensor_equality",
    "losses",
    "to_double",
    "to_float",
    "to_int32",
    "to_int64",
    "GraphKeys",
    "InteractiveSession",
    "Session",
    "assign",
    "assign_add",
    "assign_sub",
    "disable_eager_execution",
    "disable_v2_behavior",
    "enable_eager_execution",
    "get_default_graph",
    "get_default_session",
    "get_variable",
    "global_variables",
    "global_variables_initializer",
    "initializers",
    "layers",
    "local_variables_initializer",
    "placeholder",
    "placeholder_with_default",
    "random_normal",
    "random_uniform",
    "reset_default_graph",
    "set_random_seed",
    "train",
    "trainable_variables",
    "truncated_normal",
    "variable_scope",
    "variables_initializer",
    "constant_initializer",
    "glorot_normal_initializer",
    "glorot_uniform_initializer",
    "ones_initializer",
    "random_normal_initializer",
    "random_uniform_initializer",
    "truncated_normal_initializer",
    "variance_scaling_initializer",
    "zeros_initializer",
]
