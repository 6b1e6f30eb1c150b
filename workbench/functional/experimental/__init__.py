"""``jax.experimental``: the parts programs use — ``shard_map`` (its old home),
``mesh_utils``, ``multihost_utils`` and ``io_callback``."""

from workbench.functional.debugging import io_callback
from workbench.functional.experimental import mesh_utils, multihost_utils, shard_map

__all__ = ["io_callback", "mesh_utils", "multihost_utils", "shard_map"]
