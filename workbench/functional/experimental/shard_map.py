"""``jax.experimental.shard_map.shard_map``, the old home of ``jax.shard_map``."""

from workbench.functional.shard_map import shard_map

__all__ = ["shard_map"]
