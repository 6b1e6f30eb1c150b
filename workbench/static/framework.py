"""TensorFlow's graph machinery over the core: ``Graph``, ``Operation``, symbolic
``Tensor``, ``TensorShape``, name scopes, control dependencies, and the switch between
graph building and eager execution.

Every operation is a small Python function over core values (``fn``). In a graph it is
stored, not run: its output shapes come from tracing ``fn`` on abstract types (the
core's shape rules, so shape errors appear while the graph is built), and a ``Session``
later traces the ops a fetch needs into one core IR graph and runs that through the
compiler. Eagerly (TensorFlow 2's default) ``fn`` simply runs.

Unknown dimensions (``None``, the batch) stay unknown while shapes are inferred: the
core's types and shape rules carry them (``f32[?,784]``).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from workbench.core.ir import Type
from workbench.core.trace import trace
from workbench.static import dtypes
from workbench.static.operators import TensorOperators


class TensorShape:
    """A static shape whose dimensions may be unknown (``None``). Mirrors: tf.TensorShape."""

    __slots__ = ("dims",)

    def __init__(self, dims: Any) -> None:
        if isinstance(dims, TensorShape):
            dims = dims.dims
        self.dims: tuple[int | None, ...] | None = (
            None if dims is None else tuple(None if d is None else int(d) for d in dims)
        )

    @property
    def rank(self) -> int | None:
        return None if self.dims is None else len(self.dims)

    ndims = rank

    def as_list(self) -> list[int | None]:
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def is_fully_defined(self) -> bool:
        return self.dims is not None and all(d is not None for d in self.dims)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        return int(np.prod([d or 0 for d in self.dims or ()], dtype=np.int64))

    def is_compatible_with(self, other: Any) -> bool:
        other = TensorShape(other)
        if self.dims is None or other.dims is None:
            return True
        return len(self.dims) == len(other.dims) and all(
            a is None or b is None or a == b for a, b in zip(self.dims, other.dims)
        )

    def __len__(self) -> int:
        if self.dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self.dims)

    def __iter__(self) -> Iterator[int | None]:
        return iter(self.as_list())

    def __getitem__(self, key: Any) -> Any:
        dims = self.as_list()[key]
        return TensorShape(dims) if isinstance(key, slice) else dims

    def __eq__(self, other: object) -> bool:
        try:
            return self.dims == TensorShape(other).dims
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.dims)

    def __repr__(self) -> str:
        return "TensorShape(None)" if self.dims is None else f"TensorShape({list(self.dims)})"

    def __str__(self) -> str:
        if self.dims is None:
            return "<unknown>"
        return (
            "(" + ", ".join(str(d) for d in self.dims) + ("," if len(self.dims) == 1 else "") + ")"
        )

    def text(self) -> str:
        """TensorFlow's error-message form: ``[?,784]``."""
        return "[" + ",".join("?" if d is None else str(d) for d in self.dims or ()) + "]"


# ---------------------------------------------------------------------------------------
# Symbolic tensors and operations


class Tensor(TensorOperators):
    """A symbolic value: output ``value_index`` of operation ``op``. Arithmetic on it
    adds operations to its graph. Mirrors: tf.Tensor (graph mode)."""

    __array_priority__ = 100

    def __init__(self, op: Operation, value_index: int, dtype: dtypes.DType, shape: TensorShape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shape

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        return self.op.graph

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape: Any) -> None:
        shape = TensorShape(shape)
        if not self._shape.is_compatible_with(shape):
            raise ValueError(
                f"Tensor's shape {self._shape} is not compatible with supplied shape {shape}"
            )
        if shape.dims is not None and self._shape.dims is not None:
            merged = [a if a is not None else b for a, b in zip(self._shape.dims, shape.dims)]
            self._shape = TensorShape(merged)

    @property
    def ndim(self) -> int | None:
        return self._shape.rank

    def consumers(self) -> list[Operation]:
        return [op for op in self.graph.get_operations() if self in op.inputs]

    def eval(self, feed_dict: Any = None, session: Any = None) -> Any:
        from workbench.static.session import get_default_session  # noqa: PLC0415

        return (session or get_default_session()).run(self, feed_dict)

    def ref(self) -> Any:
        return _Reference(self)

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self.dtype.name}>"

    def __str__(self) -> str:
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self.dtype.name})'

    # Inside tf.function, ``==`` and ``!=`` compare elementwise (TensorFlow 2's rule);
    # in a TF1-style graph they compare the tensors themselves (TensorFlow 1's rule,
    # which graph code relies on for feed dicts and membership tests).
    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        if getattr(self.op.graph, "is_function_graph", False):
            from workbench.static.math_ops import equal  # noqa: PLC0415

            return equal(self, other)
        return self is other

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        if getattr(self.op.graph, "is_function_graph", False):
            from workbench.static.math_ops import not_equal  # noqa: PLC0415

            return not_equal(self, other)
        return self is not other

    def __bool__(self) -> bool:
        raise TypeError(
            "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed: the value is "
            "only known when the graph runs. Use tf.cond or tf.where for decisions on it."
        )

    def __iter__(self) -> Iterator[Any]:
        dims = self._shape.dims
        if dims is None or not dims or dims[0] is None:
            raise TypeError(
                "Iterating over a symbolic `tf.Tensor` of unknown length is not allowed."
            )
        from workbench.static import array_ops  # noqa: PLC0415

        return iter(array_ops.unstack(self))

    def __len__(self) -> int:
        dims = self._shape.dims
        if not dims or dims[0] is None:
            raise TypeError(f"len is not well defined for a symbolic Tensor of shape {self._shape}")
        return dims[0]

    __hash__ = object.__hash__


class _Reference:
    """A hashable handle on a tensor (``tensor.ref()``)."""

    def __init__(self, tensor: Any) -> None:
        self._tensor = tensor

    def deref(self) -> Any:
        return self._tensor

    def __hash__(self) -> int:
        return id(self._tensor)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reference) and other._tensor is self._tensor


class Operation:
    """A node of a graph. ``fn`` computes its outputs from its inputs' core values.

    Kinds beyond plain computation:
      ``placeholder``: its value is fed; ``variable``: the variable's value when the run
      starts; ``read``: the variable's current value at this point of the run;
      ``writes``: the first outputs are stored into these variables; ``random``: ``fn``
      takes a fresh key first (new numbers every run).
    """

    def __init__(
        self,
        graph: Graph,
        name: str,
        op_type: str,
        inputs: Sequence[Tensor],
        fn: Callable[..., Any] | None,
        *,
        kind: str = "compute",
        variable: Any = None,
        writes: Sequence[Any] = (),
        differentiable: bool = True,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        self.graph = graph
        self.name = name
        self.type = op_type
        self.inputs = list(inputs)
        self.fn = fn
        self.kind = kind
        self.variable = variable
        self.writes = list(writes)
        self.differentiable = differentiable
        self.attrs = dict(attrs or {})
        self.control_inputs: list[Operation] = []
        self.outputs: list[Tensor] = []
        self._index = 0

    def run(self, feed_dict: Any = None, session: Any = None) -> None:
        from workbench.static.session import get_default_session  # noqa: PLC0415

        (session or get_default_session()).run(self, feed_dict)

    def get_attr(self, name: str) -> Any:
        return self.attrs[name]

    @property
    def device(self) -> str:
        return self.attrs.get("_device", "")

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


# ---------------------------------------------------------------------------------------
# Graphs


class Graph:
    """Operations in the order they were created, with names unique within the graph.
    Mirrors: tf.Graph."""

    def __init__(self) -> None:
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._name_counts: dict[str, int] = {}
        self._name_stack = ""
        self._control: list[list[Operation]] = []
        self._collections: dict[str, list[Any]] = {}
        self._finalized = False
        self.seed: int | None = None
        self._last_id = 0
        self._device_stack: list[str] = []

    # -- building -------------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self) -> Iterator[Graph]:
        _THREAD.stack.append(self)
        try:
            yield self
        finally:
            _THREAD.stack.pop()

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        full = f"{self._name_stack}/{name}" if self._name_stack else name
        key = full.lower()
        count = self._name_counts.get(key, 0)
        unique = full if count == 0 else f"{full}_{count}"
        while unique.lower() in self._name_counts and count:
            count += 1
            unique = f"{full}_{count}"
        if mark_as_used:
            self._name_counts[key] = count + 1
            self._name_counts.setdefault(unique.lower(), 1)
        return unique

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        old = self._name_stack
        if name is None or name == "":
            self._name_stack = ""
        elif name.endswith("/"):
            self._name_stack = name[:-1]
        else:
            self._name_stack = self.unique_name(name)
        try:
            yield self._name_stack + "/" if self._name_stack else ""
        finally:
            self._name_stack = old

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs: Sequence[Any] | None) -> Iterator[None]:
        if control_inputs is None:
            saved, self._control = self._control, []
            try:
                yield
            finally:
                self._control = saved
            return
        ops_ = [c if isinstance(c, Operation) else c.op for c in control_inputs if c is not None]
        self._control.append(ops_)
        try:
            yield
        finally:
            self._control.pop()

    @contextlib.contextmanager
    def device(self, name: str) -> Iterator[None]:
        self._device_stack.append(name or "")
        try:
            yield
        finally:
            self._device_stack.pop()

    def add_op(self, op: Operation, out_types: Sequence[tuple[dtypes.DType, TensorShape]]) -> None:
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        for deps in self._control:
            op.control_inputs.extend(d for d in deps if d not in op.control_inputs)
        if self._device_stack and self._device_stack[-1]:
            op.attrs["_device"] = self._device_stack[-1]
        op.outputs = [Tensor(op, i, d, s) for i, (d, s) in enumerate(out_types)]
        op._index = len(self._ops)
        self._ops.append(op)
        self._by_name[op.name] = op

    def finalize(self) -> None:
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    # -- looking up -----------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if name not in self._by_name:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.")
        return self._by_name[name]

    def get_tensor_by_name(self, name: str) -> Tensor:
        match = re.fullmatch(r"(.+):(\d+)", name)
        if match is None:
            raise ValueError(
                f"The name '{name}' looks like an (invalid) Operation name, not a Tensor. "
                'Tensor names must be of the form "<op_name>:<output_index>".'
            )
        op = self.get_operation_by_name(match.group(1))
        index = int(match.group(2))
        if index >= len(op.outputs):
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist.")
        return op.outputs[index]

    def as_graph_element(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        return obj

    @property
    def version(self) -> int:
        return len(self._ops)

    # -- collections ----------------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self._collections.setdefault(name, []).append(value)

    def get_collection(self, name: str, scope: str | None = None) -> list[Any]:
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        return [i for i in items if re.match(scope, getattr(i, "name", ""))]

    def get_collection_ref(self, name: str) -> list[Any]:
        return self._collections.setdefault(name, [])

    def next_op_seed(self) -> int:
        self._last_id += 1
        return self._last_id


class GraphKeys:
    """Standard collection names. Mirrors: tf.compat.v1.GraphKeys."""

    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    UPDATE_OPS = "update_ops"
    GLOBAL_STEP = "global_step"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    SUMMARIES = "summaries"


class _ThreadGraphs(threading.local):
    """The ``as_default`` stack, one per thread (TensorFlow's is thread-local too): two
    threads building graphs never put operations into each other's."""

    def __init__(self) -> None:
        self.stack: list[Graph] = []


_THREAD = _ThreadGraphs()
_GLOBAL_GRAPH: list[Graph] = []
_EAGER = [True]


def get_default_graph() -> Graph:
    """The graph new operations go to. Mirrors: tf.compat.v1.get_default_graph."""
    if _THREAD.stack:
        return _THREAD.stack[-1]
    if not _GLOBAL_GRAPH:
        _GLOBAL_GRAPH.append(Graph())
    return _GLOBAL_GRAPH[0]


def reset_default_graph() -> None:
    """Mirrors: tf.compat.v1.reset_default_graph."""
    if _THREAD.stack:
        raise AssertionError(
            "Do not use tf.reset_default_graph() inside a graph's as_default block."
        )
    _GLOBAL_GRAPH.clear()


def executing_eagerly() -> bool:
    """True outside every graph while eager execution is on (TensorFlow 2's default)."""
    return _EAGER[0] and not _THREAD.stack


@contextlib.contextmanager
def init_scope() -> Iterator[None]:
    """Leave the function graphs being traced for the outermost context: eager execution,
    or the user's graph in TensorFlow 1's graph mode (where Keras creates its variables,
    even while a ``tf.function`` is being traced). Mirrors: tf.init_scope."""
    saved, eager = _THREAD.stack[:], _EAGER[0]
    outer = [g for g in saved if not getattr(g, "is_function_graph", False)]
    _THREAD.stack.clear()
    if outer:  # TensorFlow 1's graph mode: variables belong to the outermost graph
        _THREAD.stack.append(outer[0])
    # else eager, or (eager execution disabled) the global default graph

    try:
        yield
    finally:
        _THREAD.stack[:] = saved
        _EAGER[0] = eager


def disable_eager_execution() -> None:
    """Build graphs everywhere, as TensorFlow 1 did. Mirrors:
    tf.compat.v1.disable_eager_execution."""
    _EAGER[0] = False


def enable_eager_execution() -> None:
    _EAGER[0] = True


def name_scope(name: str | None, default_name: str | None = None, values: Any = None) -> Any:
    """Mirrors: tf.name_scope (and the v1 form with ``default_name``)."""
    if executing_eagerly():
        return contextlib.nullcontext(name or default_name or "")
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs: Sequence[Any] | None) -> Any:
    if executing_eagerly():
        return contextlib.nullcontext()
    return get_default_graph().control_dependencies(control_inputs)


def device(name: str) -> Any:
    """Eagerly, operations in the block run on ``name`` ("/CPU:1", "/GPU:0",
    "/job:localhost/replica:0/task:0/device:CPU:0" …) and their inputs are copied there
    (TensorFlow's placement: data moves silently); a device that is not present falls
    back to the default one (soft placement). In a graph the name is recorded on the
    operations; the workbench runs a graph on one device. Mirrors: tf.device."""
    if executing_eagerly():
        return _eager_device(name)
    return get_default_graph().device(name)


# The devices named by the eager ``tf.device`` blocks being run, innermost last.
EAGER_PLACEMENT: list[Any] = []


@contextlib.contextmanager
def _eager_device(name: str | None) -> Iterator[None]:
    from workbench.backend import device as backend  # noqa: PLC0415

    spec = _device_spec(name)
    try:
        target = backend.get_device(spec) if spec else backend.default_device()
    except ValueError:  # soft placement: an absent device means the default one
        target = backend.default_device()
    EAGER_PLACEMENT.append(target)
    try:
        with backend.using_device(target):
            yield
    finally:
        EAGER_PLACEMENT.pop()


def _device_spec(name: str | None) -> str | None:
    """ "/job:localhost/replica:0/task:0/device:GPU:1" or "/GPU:1" -> "cuda:1"."""
    if not name:
        return None
    last = str(name).rstrip("/").split("/")[-1]
    kind, _, index = last.removeprefix("device:").partition(":")
    platform = {"cpu": "cpu", "gpu": "cuda"}.get(kind.lower())
    return None if platform is None else f"{platform}:{index or 0}"


# ---------------------------------------------------------------------------------------
# Creating operations


def _infer_unknown_rank(
    op_type: str, name: str, fn: Callable[..., Any], inputs: Sequence[Tensor], random: bool
) -> list[tuple[dtypes.DType, TensorShape]]:
    """An input of unknown rank (``tf.placeholder("float")``): TensorFlow checks such ops
    when they run. The output dtypes come from trying the unknown inputs at ranks 0 to 4;
    the output shapes are unknown, and the run checks the real values."""
    from workbench.backend import default_device  # noqa: PLC0415

    dev = default_device()
    for rank in range(5):
        examples: list[Any] = [Type((2,), dtypes.uint32.np, dev)] if random else []
        for t in inputs:
            dims = t.shape.dims if t.shape.dims is not None else (None,) * rank
            examples.append(Type(dims, t.dtype.np, dev))
        try:
            graph, _ = trace(fn, *examples)
        except (ValueError, TypeError, IndexError):
            continue
        return [(dtypes.as_dtype(t.dtype), TensorShape(None)) for t in graph.out_types]
    shapes = ", ".join(t.shape.text() for t in inputs)
    raise ValueError(f"{op_type} '{name}': no rank of the unknown inputs fits ({shapes})")


def infer_types(
    op_type: str, name: str, fn: Callable[..., Any], inputs: Sequence[Tensor], random: bool
) -> list[tuple[dtypes.DType, TensorShape]]:
    """Output dtypes and static shapes of ``fn`` on ``inputs``, from the core's shape
    rules on types whose unknown dimensions are ``None`` (the core carries them through);
    an error names the operation and its input shapes, as TensorFlow's do."""
    from workbench.backend import default_device  # noqa: PLC0415

    dev = default_device()
    if any(t.shape.dims is None for t in inputs):
        return _infer_unknown_rank(op_type, name, fn, inputs, random)
    examples: list[Any] = []
    if random:
        examples.append(Type((2,), dtypes.uint32.np, dev))
    for t in inputs:
        examples.append(Type(tuple(t.shape.dims or ()), t.dtype.np, dev))
    try:
        graph, _ = trace(fn, *examples)
    except (ValueError, TypeError) as err:
        shapes = ", ".join(t.shape.text() for t in inputs)
        message = re.sub(r"\bNone\b", "?", str(err))
        raise ValueError(
            f"{message} for '{{{{node {name}}}}} = {op_type}' with input shapes: {shapes}."
        ) from None
    return [(dtypes.as_dtype(t.dtype), TensorShape(t.shape)) for t in graph.out_types]
