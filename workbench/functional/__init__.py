"""The functional front end, in the style of JAX: ``import workbench.functional as jax``
and ``import workbench.functional.numpy as jnp``.

Pure functions and composable transformations over them (``grad``, ``jit``, ``vmap``,
``pmap`` …), explicit random keys and pytrees of state, all on the same core as the
eager and static front ends.
"""

from workbench.functional import (
    example_libraries,
    lax,
    linen,
    nn,
    numpy,
    optim,
    random,
    scipy,
    test_util,
    tree,
    tree_util,
)
from workbench.functional.array import Array, config
from workbench.functional.devices import (
    block_until_ready,
    default_backend,
    device_count,
    device_put,
    devices,
    local_device_count,
    local_devices,
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
Array = Array

__all__ = [
    "Array",
    "block_until_ready",
    "config",
    "custom_jvp",
    "custom_vjp",
    "default_backend",
    "device_count",
    "device_put",
    "devices",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jit",
    "jvp",
    "example_libraries",
    "lax",
    "scipy",
    "test_util",
    "linearize",
    "linen",
    "local_device_count",
    "local_devices",
    "make_jaxpr",
    "nn",
    "numpy",
    "optim",
    "pmap",
    "random",
    "stop_gradient",
    "tree",
    "tree_leaves",
    "tree_map",
    "tree_structure",
    "tree_util",
    "value_and_grad",
    "vjp",
    "vmap",
]
