"""Mirrors: torch.distributed.autograd in one process: a ``context`` names one backward
pass, ``backward(context_id, roots)`` runs it, and ``get_gradients`` returns the
gradients it left on the leaves it reached."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

_IDS = itertools.count(1)
_GRADIENTS: dict[int, dict[Any, Any]] = {}


@contextlib.contextmanager
def context() -> Iterator[int]:
    context_id = next(_IDS)
    _GRADIENTS[context_id] = {}
    try:
        yield context_id
    finally:
        _GRADIENTS.pop(context_id, None)


def backward(context_id: int, roots: Sequence[Any], retain_graph: bool = False) -> None:
    """Gradients of the roots, kept for this context (not accumulated into ``.grad``)."""
    from workbench.eager import autograd as eager_autograd  # noqa: PLC0415

    unique = _leaves(roots)
    total = roots[0] if len(roots) == 1 else sum(r.sum() for r in roots)
    grads = eager_autograd.grad(total, unique, retain_graph=retain_graph, allow_unused=True)
    store = _GRADIENTS.setdefault(context_id, {})
    for leaf, g in zip(unique, grads):
        if g is not None:
            store[leaf] = g if leaf not in store else store[leaf] + g


def _leaves(roots: Sequence[Any]) -> list[Any]:
    """The leaf tensors requiring gradients that the roots were computed from."""
    from workbench.core.autodiff import topological_order  # noqa: PLC0415
    from workbench.eager.autograd_engine import Leaf  # noqa: PLC0415

    found: dict[int, Any] = {}
    for node in topological_order([r._value for r in roots]):
        for parent in node.parents:
            if isinstance(parent, Leaf):
                tensor = parent.tensor() if callable(parent.tensor) else parent.tensor
                if tensor is not None:
                    found.setdefault(id(tensor), tensor)
    return list(found.values())


def get_gradients(context_id: int) -> dict[Any, Any]:
    return dict(_GRADIENTS.get(context_id, {}))
