"""``jax.tree_util``: pytrees (nested tuples, lists, dicts, None and registered classes)
on the core's one tree implementation. Mirrors: jax.tree_util."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
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


# ---------------------------------------------------------------------------------------
# key paths: where each leaf sits (``['params']['w']``, ``[0]``, ``.field``)


@dataclasses.dataclass(frozen=True)
class DictKey:
    key: Any

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


_KEYED: dict[type, Callable[[Any], Any]] = {}  # type -> obj -> [(key, child)], aux


def _keys_of(obj: Any, children: Any, aux: Any) -> list[Any]:
    cls = type(obj)
    if cls is dict:
        return [DictKey(k) for k in aux]
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return [GetAttrKey(f) for f in obj._fields]
    if cls in (list, tuple):
        return [SequenceKey(i) for i in range(len(children))]
    if cls in _KEYED:
        return [k for k, _ in _KEYED[cls](obj)[0]]
    return [FlattenedIndexKey(i) for i in range(len(children))]


def tree_flatten_with_path(
    obj: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[tuple[tuple[Any, ...], Any]], TreeDef]:
    """Each leaf with its key path (in ``tree_flatten``'s order), and the structure.
    Mirrors: jax.tree_util.tree_flatten_with_path."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    _walk(obj, (), is_leaf, out)
    return out, tree.flatten(obj, is_leaf)[1]


# module-level recursion: a nested function calling itself is a reference cycle that would
# keep every leaf alive until the cyclic garbage collector runs (see core.tree.flatten)
def _walk(
    node: Any,
    path: tuple[Any, ...],
    is_leaf: Callable[[Any], bool] | None,
    out: list[tuple[tuple[Any, ...], Any]],
) -> None:
    if is_leaf is not None and is_leaf(node):
        out.append((path, node))
        return
    kind = tree._node_of(node)
    if kind is None:
        out.append((path, node))
        return
    children: Any
    if kind == "namedtuple":
        children, aux = list(node), None
    else:
        children, aux = tree._NODE_TYPES[kind][0](node)
    for key, child in zip(_keys_of(node, children, aux), children):
        _walk(child, (*path, key), is_leaf, out)


def tree_leaves_with_path(
    obj: Any, is_leaf: Callable[[Any], bool] | None = None
) -> list[tuple[tuple[Any, ...], Any]]:
    return tree_flatten_with_path(obj, is_leaf)[0]


def tree_map_with_path(
    f: Callable[..., Any], obj: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """``f(path, leaf, *others)`` for every leaf. Mirrors: jax.tree_util.tree_map_with_path."""
    pairs, treedef = tree_flatten_with_path(obj, is_leaf)
    others = [treedef_leaves(treedef, r) for r in rest]
    return tree.unflatten(treedef, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def keystr(keys: Any, *, simple: bool = False, separator: str = "") -> str:
    """A key path as text: ``['params']['w']`` (or ``params/w`` with ``simple=True,
    separator='/'``). Mirrors: jax.tree_util.keystr."""
    if not simple:
        return separator.join(str(k) for k in keys)
    plain = [str(getattr(k, "key", getattr(k, "idx", getattr(k, "name", k)))) for k in keys]
    return separator.join(plain)


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: Callable[[Any], Any],
    unflatten_func: Callable[[Any, Any], Any],
    flatten_func: Callable[[Any], Any] | None = None,
) -> None:
    """A node whose children have keys: ``flatten_with_keys(obj) -> ([(key, child)…],
    aux)``. Mirrors: jax.tree_util.register_pytree_with_keys."""
    _KEYED[nodetype] = flatten_with_keys

    def plain(o: Any) -> Any:
        if flatten_func is not None:
            return flatten_func(o)
        pairs, aux = flatten_with_keys(o)
        return [c for _, c in pairs], aux

    register_pytree_node(nodetype, plain, unflatten_func)


def register_pytree_with_keys_class(cls: type) -> type:
    register_pytree_with_keys(cls, cls.tree_flatten_with_keys, cls.tree_unflatten)  # type: ignore[attr-defined]
    return cls


def register_dataclass(
    nodetype: type,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> type:
    """A dataclass as a node: ``data_fields`` are children (arrays), ``meta_fields`` static
    aux data; with no field lists, every field is data unless marked
    ``field(metadata=dict(static=True))``. Mirrors: jax.tree_util.register_dataclass."""
    if data_fields is None or meta_fields is None:
        fields = [f for f in dataclasses.fields(nodetype) if f.init and f.name not in drop_fields]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
    data, meta = tuple(data_fields), tuple(meta_fields)

    def with_keys(o: Any) -> Any:
        return [(GetAttrKey(n), getattr(o, n)) for n in data], tuple(getattr(o, n) for n in meta)

    def unflatten(aux: Any, children: Any) -> Any:
        return nodetype(**dict(zip(data, children)), **dict(zip(meta, aux)))

    register_pytree_with_keys(nodetype, with_keys, unflatten)
    return nodetype


def register_static(cls: type) -> type:
    """Instances are leaves-free nodes: their whole value is static structure."""
    register_pytree_node(cls, lambda o: ((), o), lambda aux, _: aux)
    return cls


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every item is a leaf."""
    items = list(iterable)
    return (
        tree.flatten(items, is_leaf)[0] == items
        if is_leaf is None
        else all(is_leaf(x) or tree.flatten(x)[1] == tree.flatten(0)[1] for x in items)
    )
