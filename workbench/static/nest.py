"""``tf.nest``: flatten and rebuild nested lists, tuples, namedtuples and dicts (dicts in
sorted key order; ``None`` is a leaf, unlike JAX's pytrees). Mirrors: tf.nest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.core import tree


def _leaf(x: Any) -> bool:
    return x is None


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
    return tree.flatten(structure, is_leaf=_leaf)[0]


def is_nested(seq: Any) -> bool:
    return tree.flatten(seq, is_leaf=_leaf)[1].kind != "leaf"


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """Rebuild ``structure``'s shape with the leaves of ``flat_sequence``."""
    treedef = tree.flatten(structure, is_leaf=_leaf)[1]
    flat = list(flat_sequence)
    if len(flat) != treedef.num_leaves:
        raise ValueError(
            f"Could not pack sequence. Structure had {treedef.num_leaves} atoms, but "
            f"flat_sequence had {len(flat)} items."
        )
    return tree.unflatten(treedef, flat)


def assert_same_structure(
    nest1: Any, nest2: Any, check_types: bool = True, expand_composites: bool = False
) -> None:
    a, b = tree.flatten(nest1, is_leaf=_leaf)[1], tree.flatten(nest2, is_leaf=_leaf)[1]
    if a != b:
        raise ValueError(
            f"The two structures don't have the same nested structure.\n\nFirst structure: "
            f"{nest1!r}\n\nSecond structure: {nest2!r}"
        )


def map_structure(func: Callable[..., Any], *structure: Any, **kwargs: Any) -> Any:
    """Apply ``func`` to corresponding leaves of structures of one shape."""
    for other in structure[1:]:
        assert_same_structure(structure[0], other)
    leaves = [flatten(s) for s in structure]
    treedef = tree.flatten(structure[0], is_leaf=_leaf)[1]
    return tree.unflatten(treedef, [func(*xs) for xs in zip(*leaves)])


__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure", "pack_sequence_as"]
