"""``jax.tree_util``: pytrees (nested tuples, lists, dicts, None and registered classes)
on the core's one tree implementation. Mirrors: jax.tree_util."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from workbench.core import tree
from workbench.core.tree import TreeDef

PyTreeDef = TreeDef


def tree_flatten(
    obj: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[Any], TreeDef]:
    return tree.flatten(obj, is_leaf)


def tree_unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> Any:
    return tree.unflatten(treedef, leaves)


def tree_leaves(obj: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    return tree.flatten(obj, is_leaf)[0]


def tree_structure(obj: Any, is_leaf: Callable[[Any], bool] | None = None) -> TreeDef:
    return tree.flatten(obj, is_leaf)[1]


def tree_map(
    f: Callable[..., Any], obj: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """``f`` applied to every leaf (and the matching leaves of ``rest``).

    Mirrors: jax.tree_util.tree_map."""
    leaves, treedef = tree.flatten(obj, is_leaf)
    others = [treedef_leaves(treedef, r) for r in rest]
    return tree.unflatten(treedef, [f(x, *xs) for x, *xs in zip(leaves, *others)])


def treedef_leaves(treedef: TreeDef, obj: Any) -> list[Any]:
    leaves, other = tree.flatten(obj)
    if other != treedef:
        raise ValueError(f"Custom node type mismatch; expected structure {treedef}, got {other}")
    return leaves


def tree_reduce(function: Callable[[Any, Any], Any], obj: Any, initializer: Any = None) -> Any:
    leaves = tree_leaves(obj)
    return (
        functools.reduce(function, leaves)
        if initializer is None
        else functools.reduce(function, leaves, initializer)
    )


def tree_all(obj: Any) -> bool:
    return all(tree_leaves(obj))


def register_pytree_node(
    nodetype: type, flatten_func: Callable[[Any], Any], unflatten_func: Callable[[Any, Any], Any]
) -> None:
    """Let transformations look inside ``nodetype``: ``flatten_func(obj) -> (children,
    aux)``, ``unflatten_func(aux, children) -> obj``."""
    tree.register_node(
        nodetype, lambda o: tuple(flatten_func(o)), lambda aux, ch: unflatten_func(aux, list(ch))
    )


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: ``tree_flatten``/``tree_unflatten`` methods define the node."""
    register_pytree_node(cls, lambda o: o.tree_flatten(), cls.tree_unflatten)  # type: ignore[attr-defined]
    return cls


def Partial(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N802
    return functools.partial(func, *args, **kwargs)
