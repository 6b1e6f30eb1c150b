"""PyTorch's autograd semantics over the core's eager tape.

Leaves are tensors created with ``requires_grad=True``; every operation on them records
a node into the core's eager tape (``core.autodiff.EAGER_TAPE``). ``backward`` runs the
core's backward pass and accumulates into leaves' ``.grad``; the rules PyTorch users
rely on are enforced here: implicit gradients only for scalars, a graph is freed after
one backward unless ``retain_graph``, saved tensors modified in place are detected, and
hooks and ``retain_grad`` see gradients as they flow.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.core import ops
from workbench.core.autodiff import (
    EAGER_TAPE,
    Node,
    VJPTracer,
    backward_pass,
    tape_leaves,
    topological_order,
)


class Leaf(VJPTracer):
    """The tape value of a leaf tensor; remembers its tensor (weakly) for ``.grad``."""

    __slots__ = ("tensor", "__weakref__")
    tensor: Any


@dataclass(slots=True)
class OpRecord:
    """What the eager front end keeps about one recorded operation (``Node.record``)."""

    name: str = ""  # PyTorch's name for its grad_fn ("MulBackward0"); "" for the default
    saved: Sequence[Any] = ()  # the tensors it read (None where an input was no tensor)
    versions: Sequence[int | None] = ()  # their versions when it read them
    values: Sequence[Any] = ()  # the tape values it read (what the backward would use)
    result: Any = None  # a weak reference to the tensor it made
    freed: bool = False  # a backward without retain_graph has gone through it
    where: str = ""  # in anomaly mode: the user's lines that made it (for the report)


# Hooks (and retain_grad) on non-leaf tensors, by their node and output position; on leaf
# tensors, by their tape value. Both are weak: hooks go when their tensors' values go.
_HOOKS: weakref.WeakKeyDictionary[Node, dict[int, list[Any]]] = weakref.WeakKeyDictionary()
LEAF_HOOKS: weakref.WeakKeyDictionary[Leaf, list[Any]] = weakref.WeakKeyDictionary()


class _Anomaly:
    """Anomaly mode (``torch.autograd.set_detect_anomaly``): checked on every eager op."""

    enabled = False


ANOMALY = _Anomaly()


def remember_forward(node: Node) -> None:
    """Anomaly mode: keep where the user's code made this node, for a backward report."""
    if node.record is not None and not node.record.where:
        node.record.where = _user_frames()


def check_vjp(node: Node, in_grads: Sequence[Any]) -> None:
    """Anomaly mode, as PyTorch: raise when a backward function returned NaN, naming it,
    after warning with the traceback of the forward call that made its node."""
    import warnings  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415 - only in anomaly mode

    for i, g in enumerate(in_grads):
        data = g.primal if hasattr(g, "primal") and not hasattr(g, "data") else g
        if g is None or not hasattr(data, "numpy") or data.dtype.kind not in "fc":
            continue
        if np.isnan(data.numpy()).any():
            record = node.record
            name = (record.name if record is not None else "") or node.prim.name
            where = record.where if record is not None else ""
            warnings.warn(
                f"Error detected in {name}. Traceback of forward call that caused the error:\n"
                + (where or "(not recorded: the operation ran before anomaly mode was on)"),
                stacklevel=2,
            )
            raise RuntimeError(f"Function '{name}' returned nan values in its {i}th output.")


def _user_frames(keep: int = 3) -> str:
    """The caller's own lines of the current stack: the workbench's frames and those of
    the interpreter running it (IPython, the kernel, site-packages) are left out."""
    import os  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stdlib = os.path.dirname(os.__file__)
    own = [
        frame
        for frame in traceback.extract_stack()
        if not os.path.abspath(frame.filename).startswith((package, stdlib))
        and "site-packages" not in frame.filename
        and not frame.filename.startswith("<frozen")
    ]
    return "".join(traceback.format_list(own[-keep:]))


def is_enabled() -> bool:
    return EAGER_TAPE.recording


@contextlib.contextmanager
def grad_mode(enabled: bool) -> Iterator[None]:
    previous = EAGER_TAPE.recording
    EAGER_TAPE.recording = enabled
    try:
        yield
    finally:
        EAGER_TAPE.recording = previous


def register(value: Any, hook: Any) -> None:
    node, index = value.node, value.index
    _HOOKS.setdefault(node, {}).setdefault(index, []).append(hook)


def _on_gradient(key: Any, g: Any) -> Any:
    node, index = key if isinstance(key, tuple) else (key, 0)
    hooks = _HOOKS.get(node, {}).get(index)
    if not hooks:
        return g
    for hook in list(hooks):
        g = hook(g)
    return g


def _check_graph(outputs: Sequence[Any]) -> list[Node]:
    nodes = topological_order([o for o in outputs if isinstance(o, VJPTracer)])
    for node in nodes:
        record = node.record
        if record is None:
            continue
        if record.freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        # Only what the backward reads counts, as in PyTorch (which saves just that):
        # x * 2 modified in place afterwards is fine, exp(x) modified in place is not.
        for tensor, version in zip(record.saved, record.versions):
            if tensor is not None and tensor._version != version:
                _check_inputs(node, record)
                break
        result = record.result() if record.result is not None else None
        if result is not None and result._version != 0 and _backward_reads(node, OUTPUT):
            _modified(result, "output 0", record, node, 0)
    return nodes


def _check_inputs(node: Node, record: OpRecord) -> None:
    """Raise if an input the node's backward reads was modified in place since."""
    for position, (tensor, version) in enumerate(zip(record.saved, record.versions)):
        if tensor is not None and version is not None and tensor._version != version:
            if _backward_reads(node, record.values[position]):
                _modified(tensor, f"input {position}", record, node, version)


OUTPUT = object()  # stands for a node's result in _backward_reads


def _modified(tensor: Any, which: str, record: OpRecord, node: Node, version: int) -> None:
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{tensor.type_name()} {list(tensor.shape)}], which is {which} of "
        f"{record.name or node.prim.name}, is at version {tensor._version}; expected version "
        f"{version} instead."
    )


def _backward_reads(node: Node, value: Any) -> bool:
    """Whether the node's VJP rule reads ``value`` (one of the values the operation read,
    or OUTPUT for its result): the rule is traced on the node's types and the variable
    looked for among the equations' inputs. A value that is not one of the primitive's
    own operands (the op was a composite) counts as read."""
    from workbench.core.trace import make_graph, type_of  # noqa: PLC0415 - only on a mismatch

    prim = node.prim
    if prim.vjp_rule is None:
        return False
    results = tuple(node.outputs) if prim.multiple_results else (node.outputs,)
    if value is OUTPUT:
        position = -1
    else:
        matches = [
            i for i, (p, x) in enumerate(zip(node.parents, node.inputs)) if value is p or value is x
        ]
        if not matches:
            return True
        position = matches[0]
    needs = tuple(p is not None for p in node.parents)
    n = len(results)

    def backward(*args: Any) -> list[Any]:
        gs, outs, xs = args[:n], args[n : 2 * n], args[2 * n :]
        kwargs = {"needs": needs} if prim.vjp_takes_needs else {}
        g = gs if prim.multiple_results else gs[0]
        out = outs if prim.multiple_results else outs[0]
        return [c for c in prim.vjp_rule(g, *xs, out=out, **kwargs, **node.params) if c is not None]  # type: ignore[misc]

    types = [type_of(r) for r in results]
    try:
        graph = make_graph(backward, *types, *types, *[type_of(x) for x in node.inputs])
    except Exception:  # noqa: BLE001 - a rule that needs concrete values: assume it reads
        return True
    wanted = graph.inputs[n : 2 * n] if position < 0 else [graph.inputs[2 * n + position]]
    read = {id(a) for e in graph.equations for a in e.inputs} | {id(a) for a in graph.outputs}
    return any(id(v) in read for v in wanted)


def run_backward(
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    inputs: Sequence[Any] | None,
    retain_graph: bool,
    create_graph: bool,
) -> tuple[list[Any], list[Any]]:
    """Backpropagate; returns (leaf tape values, their gradients) or, with ``inputs``, the
    gradients of those values."""
    nodes = _check_graph(outputs)  # sorted once, for the checks, the leaves and the pass
    wrt = list(inputs) if inputs is not None else tape_leaves(outputs, nodes)
    with grad_mode(create_graph):
        grads = backward_pass(
            outputs,
            grad_outputs,
            wrt,
            # without hooks there is nothing to see per node
            on_gradient=_on_gradient if _HOOKS else None,
            create_graph=create_graph,
            order=nodes,
            on_vjp=check_vjp if ANOMALY.enabled else None,
        )
    if not retain_graph:
        for node in nodes:
            if node.record is None:
                node.record = OpRecord(freed=True)
            else:
                node.record.freed = True
    return wrt, grads


def saved(
    node: Node,
    name: str,
    tensors: Sequence[Any],
    versions: Sequence[int | None],
    values: Sequence[Any],
    result: Any,
) -> None:
    """Remember the tensors a node read (``None`` for other inputs), their versions and
    tape values, and the tensor it made, for the in-place check (PyTorch keeps saved
    tensors alive for the graph's lifetime too)."""
    node.record = OpRecord(name, tensors, versions, values, weakref.ref(result))


def ones_like(value: Any) -> Any:
    return ops.ones_like(value)


__all__ = ["EAGER_TAPE", "Leaf", "OpRecord", "grad_mode", "is_enabled", "run_backward"]


class HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook away wherever it sits."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook

    def remove(self) -> None:
        for hooks in LEAF_HOOKS.values():
            if self.hook in hooks:
                hooks.remove(self.hook)
        for per_node in _HOOKS.values():
            for hooks in per_node.values():
                if self.hook in hooks:
                    hooks.remove(self.hook)
