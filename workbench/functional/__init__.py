"""The functional front end, in the style of JAX: ``import workbench.functional as jax``
and ``import workbench.functional.numpy as jnp``.

Pure functions and composable transformations over them (``grad``, ``jit``, ``vmap``,
``pmap`` …), explicit random keys and pytrees of state, all on the same core as the
eager and static front ends.
"""

from workbench.functional import (
    ad_checkpoint,
    errors,
    example_libraries,
    experimental,
    export,
    lax,
    linen,
    nn,
    numpy,
    optim,
    random,
    scipy,
    sharding,
    test_util,
    tree,
    tree_util,
    typing,
)
from workbench.functional.array import Array, config
from workbench.functional.debugging import (
    ShapeDtypeStruct,
    debug,
    eval_shape,
    pure_callback,
)
from workbench.functional.devices import (
    Device,
    block_until_ready,
    default_backend,
    device_count,
    device_get,
    device_put,
    devices,
    local_device_count,
    local_devices,
    process_count,
    process_index,
)
from workbench.functional.remat import checkpoint, checkpoint_policies, remat
from workbench.functional.shard_map import shard_map
from workbench.functional.sharding import (
    NamedSharding,
    P,
    Shard,
    make_mesh,
    reshard,
    set_mesh,
    typeof,
)
from workbench.functional.transforms import (
    custom_jvp,
    custom_vjp,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jit,
    jvp,
    linearize,
    make_jaxpr,
    pmap,
    value_and_grad,
    vjp,
    vmap,
)
from workbench.functional.tree_util import tree_leaves, tree_map, tree_structure

stop_gradient = lax.stop_gradient
jacobian = jacrev
__version__ = "0.10.2"  # the JAX release whose API this front end follows
Array = Array

__all__ = [
    "Array",
    "Device",
    "NamedSharding",
    "P",
    "ShapeDtypeStruct",
    "Shard",
    "ad_checkpoint",
    "block_until_ready",
    "checkpoint",
    "checkpoint_policies",
    "config",
    "custom_jvp",
    "custom_vjp",
    "debug",
    "default_backend",
    "device_count",
    "device_get",
    "device_put",
    "devices",
    "eval_shape",
    "example_libraries",
    "errors",
    "experimental",
    "export",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jit",
    "jvp",
    "lax",
    "linearize",
    "linen",
    "local_device_count",
    "local_devices",
    "make_jaxpr",
    "make_mesh",
    "nn",
    "numpy",
    "optim",
    "pmap",
    "process_count",
    "process_index",
    "pure_callback",
    "random",
    "remat",
    "reshard",
    "scipy",
    "set_mesh",
    "shard_map",
    "sharding",
    "stop_gradient",
    "test_util",
    "tree",
    "tree_leaves",
    "tree_map",
    "tree_structure",
    "tree_util",
    "typeof",
    "typing",
    "value_and_grad",
    "vjp",
    "vmap",
]
