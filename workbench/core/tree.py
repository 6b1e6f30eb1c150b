"""Pytrees: nested tuples, lists, dicts and registered containers of values.

Transformations flatten their arguments and results into lists of leaves and rebuild
them afterwards. ``None`` is an empty node (no leaves), as in JAX.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

_NODE_TYPES: dict[
    type,
    tuple[
        Callable[[Any], tuple[Iterable[Any], Hashable]], Callable[[Hashable, Iterable[Any]], Any]
    ],
] = {}


def register_node(
    cls: type,
    flatten: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten: Callable[[Hashable, Iterable[Any]], Any],
) -> None:
    """Make ``cls`` a container: ``flatten(obj) -> (children, aux)`` and
    ``unflatten(aux, children) -> obj``."""
    _NODE_TYPES[cls] = (flatten, unflatten)


@dataclass(frozen=True, eq=True)
class TreeDef:
    """The structure of a pytree with its leaves taken out."""

    kind: Any  # a registered type, or "leaf"
    aux: Hashable
    children: tuple[TreeDef, ...]

    def __hash__(self) -> int:
        # Worked out once per structure (a jit call's cache look-up hashes its key more
        # than once). aux data should be hashable (jit caches by structure), but JAX
        # accepts a dict there too: such aux data hashes by its type, still consistent
        # with equality.
        found = self.__dict__.get("_hash")
        if found is not None:
            return int(found)
        try:
            aux = hash(self.aux)
        except TypeError:
            aux = hash(type(self.aux))
        value = hash((self.kind, aux, self.children))
        object.__setattr__(self, "_hash", value)  # frozen: not a field, not compared
        return value

    def __getstate__(self) -> dict[str, Any]:
        # a string's hash differs between processes: a pickled structure works it out anew
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __repr__(self) -> str:
        return f"PyTreeDef({self.text()})"

    def text(self) -> str:
        """The structure as JAX prints it: ``{'W': *, 'b': *}``, ``[*, (*, *)]``, ``None``."""
        inner = [c.text() for c in self.children]
        if self.kind == "leaf":
            return "*"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(self.aux, inner)) + "}"  # type: ignore[call-overload]
        if self.kind is list:
            return "[" + ", ".join(inner) + "]"
        if self.kind is tuple:
            return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"
        if self.kind is type(None):
            return "None"
        name = getattr(self.kind, "__name__", str(self.kind))
        if self.aux == "namedtuple":
            return f"CustomNode(namedtuple[{name}], [{', '.join(inner)}])"
        return f"CustomNode({name}[{self.aux!r}], [{', '.join(inner)}])"


_LEAF = TreeDef("leaf", None, ())


def _node_of(obj: Any) -> Any:
    cls = type(obj)
    if cls in _NODE_TYPES:
        return cls
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # namedtuple
        return "namedtuple"
    return None


def flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list[Any], TreeDef]:
    """Leaves in order, and the structure."""
    leaves: list[Any] = []
    return leaves, _flatten(tree, is_leaf, leaves)


# NOTE: module-level recursion, not a nested ``def build`` that calls itself: such a
# closure is a reference cycle (function -> cell -> function) holding ``leaves``, so every
# flattened array (a jitted call's arguments and results) lived until the cyclic garbage
# collector ran instead of being freed when dropped; a jitted step then wrote each result
# into fresh, cache-cold memory (a 4 MiB division took 1.0 ms instead of 0.45).
def _flatten(obj: Any, is_leaf: Callable[[Any], bool] | None, leaves: list[Any]) -> TreeDef:
    if is_leaf is not None and is_leaf(obj):
        leaves.append(obj)
        return _LEAF
    kind = _node_of(obj)
    if kind is None:
        leaves.append(obj)
        return _LEAF
    if kind == "namedtuple":
        return TreeDef(type(obj), "namedtuple", tuple(_flatten(c, is_leaf, leaves) for c in obj))
    children, aux = _NODE_TYPES[kind][0](obj)
    return TreeDef(kind, aux, tuple(_flatten(c, is_leaf, leaves) for c in children))


def unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a tree of ``treedef``'s structure from ``leaves``."""
    it = iter(leaves)
    result = _unflatten(treedef, it)
    if next(it, _SENTINEL) is not _SENTINEL:
        raise ValueError(f"unflatten: too many leaves for the structure {treedef}")
    return result


def _unflatten(td: TreeDef, it: Iterator[Any]) -> Any:
    if td.kind == "leaf":
        return next(it)
    children = [_unflatten(c, it) for c in td.children]
    if td.aux == "namedtuple":
        return td.kind(*children)
    return _NODE_TYPES[td.kind][1](td.aux, children)


_SENTINEL = object()


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    leaves, treedef = flatten(tree)
    others = [flatten(r)[0] for r in rest]
    return unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others, strict=True)])


register_node(tuple, lambda t: (t, None), lambda _, c: tuple(c))
register_node(list, lambda t: (t, None), lambda _, c: list(c))


def _dict_children(d: dict[Any, Any]) -> tuple[list[Any], tuple[Any, ...]]:
    """A dict's values in sorted key order (keys of mixed types cannot be sorted: JAX's
    ValueError)."""
    try:
        keys = tuple(sorted(d))
    except TypeError as err:
        raise ValueError(
            f"Comparator raised exception while sorting pytree dictionary keys: the keys "
            f"{list(d)} have types that cannot be ordered ({err})"
        ) from err
    return [d[k] for k in keys], keys


register_node(dict, _dict_children, lambda keys, c: dict(zip(keys, c)))  # type: ignore[call-overload]
register_node(type(None), lambda _: ((), None), lambda _, c: None)
register_node(  # an OrderedDict keeps its order (as in JAX); tf.data's CSV features are one
    collections.OrderedDict,
    lambda d: (list(d.values()), tuple(d)),
    lambda keys, c: collections.OrderedDict(zip(keys, c)),  # type: ignore[call-overload]
)
