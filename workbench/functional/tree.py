"""``jax.tree``: the short names of ``jax.tree_util``'s functions (``jax.tree.map``,
``jax.tree.leaves`` …), which newer JAX code uses. Mirrors: jax.tree."""

from __future__ import annotations

from workbench.functional.tree_util import (
    tree_all as all,  # noqa: A004 - JAX's name
)
from workbench.functional.tree_util import (
    tree_flatten as flatten,
)
from workbench.functional.tree_util import (
    tree_leaves as leaves,
)
from workbench.functional.tree_util import (
    tree_map as map,  # noqa: A004 - JAX's name
)
from workbench.functional.tree_util import (
    tree_reduce as reduce,
)
from workbench.functional.tree_util import (
    tree_structure as structure,
)
from workbench.functional.tree_util import (
    tree_unflatten as unflatten,
)

__all__ = ["all", "flatten", "leaves", "map", "reduce", "structure", "unflatten"]
