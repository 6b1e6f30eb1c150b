"""Mirrors: torch.utils._pytree — flattening nested containers into leaves and a spec to
rebuild them (the core's tree utilities, shared with ``jax.tree_util``)."""

from __future__ import annotations

from typing import Any

from workbench.core import tree


def tree_flatten(tree_: Any, is_leaf: Any = None) -> tuple[list[Any], Any]:
    return tree.flatten(tree_, is_leaf=is_leaf) if is_leaf else tree.flatten(tree_)


def tree_unflatten(leaves: Any, treespec: Any) -> Any:
    return tree.unflatten(treespec, list(leaves))


def tree_leaves(tree_: Any) -> list[Any]:
    return tree_flatten(tree_)[0]


def tree_map(fn: Any, tree_: Any) -> Any:
    leaves, spec = tree_flatten(tree_)
    return tree_unflatten([fn(x) for x in leaves], spec)


__all__ = ["tree_flatten", "tree_leaves", "tree_map", "tree_unflatten"]
