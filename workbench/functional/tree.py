"""``jax.tree``: the short names of ``jax.tree_util``'s functions (``jax.tree.map``,
``jax.tree.leaves`` …), which newer JAX code uses. Mirrors: jax.tree."""

from __future__ import annotations

from workbench.functional.tree_util import (
    tree_all as all,  # noqa: A004 - JAX's name
)
from workbench.functional.tree_util import (
    tree_flatten as flatten,
)
from workbench.functional.tree_util import (  # noqa: E402
    tree_flatten_with_path as flatten_with_path,
)
from workbench.functional.tree_util import (
    tree_leaves as leaves,
)
from workbench.functional.tree_util import (  # noqa: E402
    tree_leaves_with_path as leaves_with_path,
)
from workbench.functional.tree_util import (
    tree_map as map,  # noqa: A004 - JAX's name
)
from workbench.functional.tree_util import (  # noqa: E402
    tree_map_with_path as map_with_path,
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

__all__ = [
    "all", "flatten", "flatten_with_path", "leaves", "leaves_with_path", "map",
    "map_with_path", "reduce", "structure", "unflatten",
]  # fmt: skip
