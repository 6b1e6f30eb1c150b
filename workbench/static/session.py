"""Running graphs: the op evaluator, ``Session`` and placeholders.

``Session.run(fetches, feed_dict)`` finds the operations the fetches need (and only
those), traces them into one core IR graph whose inputs are the fed values, the
variables' values and the random ops' keys, compiles it with the core's executor
(optimisation passes, memory plan) and caches the plan for that set of fetches, feeds
and input shapes. Later runs with the same signature go straight to the plan.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.core.executor import BoundedCache, Executor
from workbench.core.ir import Graph as CoreGraph
from workbench.core.ir import Type
from workbench.core.trace import eval_graph, trace
from workbench.core.values import Array, Tracer
from workbench.static import dtypes, random_ops
from workbench.static.errors import FailedPreconditionError, InvalidArgumentError
from workbench.static.execution import EagerTensor, convert_to_tensor
from workbench.static.framework import (
    Graph,
    Operation,
    Tensor,
    TensorShape,
    executing_eagerly,
    get_default_graph,
)

# ---------------------------------------------------------------------------------------
# Placeholders


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Tensor:
    """A value fed at run time. Mirrors: tf.compat.v1.placeholder."""
    if executing_eagerly():
        raise RuntimeError(
            "tf.placeholder() is not compatible with eager execution. Build a graph "
            "(with tf.Graph().as_default() or tf.compat.v1.disable_eager_execution())."
        )
    graph = get_default_graph()
    d = dtypes.as_dtype(dtype)
    op = Operation(
        graph, graph.unique_name(name or "Placeholder"), "Placeholder", [], None, kind="placeholder"
    )
    graph.add_op(op, [(d, TensorShape(shape))])
    return op.outputs[0]


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Any:  # noqa: A002
    """The default's value unless fed. Mirrors: tf.compat.v1.placeholder_with_default."""
    from workbench.static.execution import make_op  # noqa: PLC0415

    out = make_op("PlaceholderWithDefault", [convert_to_tensor(input)], lambda v: v, name=name)
    out.set_shape(shape)
    out._shape = TensorShape(shape)
    return out


# ---------------------------------------------------------------------------------------
# Evaluating operations on core values


def needed_ops(targets: Sequence[Operation], fed: set[Tensor]) -> list[Operation]:
    """The operations ``targets`` depend on (through inputs not fed, and control
    inputs), in the order they were created."""
    seen: dict[int, Operation] = {}
    stack = list(targets)
    while stack:
        op = stack.pop()
        if id(op) in seen:
            continue
        seen[id(op)] = op
        if op.outputs and all(t in fed for t in op.outputs):
            continue
        stack.extend(t.op for t in op.inputs if t not in fed)
        stack.extend(op.control_inputs)
    return sorted(seen.values(), key=lambda o: o._index)


class Store:
    """Where a run reads and writes variables: the session's values for graph
    variables, the variable objects themselves for eager ones."""

    def __init__(self, session_values: dict[Any, Any] | None = None) -> None:
        self.values = session_values if session_values is not None else {}

    def get(self, var: Any) -> Any:
        if var._eager:
            return var._eager_read()
        if var not in self.values:
            raise FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {var.name.split(':')[0]}"
            )
        return self.values[var]

    def set(self, var: Any, value: Any) -> None:
        if var._eager:
            var._eager_write(value)
        else:
            self.values[var] = value


def evaluate(
    op_list: Sequence[Operation],
    env: dict[Tensor, Any],
    state: dict[Any, Any],
    keys: dict[Operation, Any],
) -> Callable[[Tensor], Any]:
    """Run ``op_list`` (in order) on core values. ``env`` holds fed tensors and receives
    every output; ``state`` maps variables to their current values (updated by writes).
    Returns the reader that resolves a tensor (a variable reads its current value)."""

    def read(t: Tensor) -> Any:
        if t in env:
            return env[t]
        op = t.op
        if op.kind == "variable":
            return state[op.variable]
        if op.kind == "placeholder":
            shape = t.shape.text() if t.shape.dims is not None else "<unknown>"
            raise InvalidArgumentError(
                None,
                op,
                f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                f"{_tf_name(t.dtype)} and shape {shape}",
            )
        raise InvalidArgumentError(None, op, f"{t.name} was not computed")

    for op in op_list:
        if op.kind in ("variable", "placeholder") or (
            op.outputs and all(t in env for t in op.outputs)
        ):
            continue
        if op.fn is None:
            continue
        args = [read(t) for t in op.inputs]
        if op.attrs.get("random"):
            args.insert(0, keys[op])
        out = op.fn(*args)
        outs = out if isinstance(out, tuple) else (out,)
        for var, value in zip(op.writes, outs):
            state[var] = value
        for t, value in zip(op.outputs, outs):
            env[t] = value
    return read


def _tf_name(d: dtypes.DType) -> str:
    return {"float32": "float", "float64": "double"}.get(d.name, d.name)


# ---------------------------------------------------------------------------------------
# Programs: the compiled form of one (fetches, feeds) signature


class Program:
    """The sub-graph one signature of ``run`` needs, traced into core IR and compiled."""

    def __init__(
        self,
        fetch_tensors: Sequence[Tensor],
        targets: Sequence[Operation],
        feeds: Sequence[Tensor],
        feed_types: Sequence[Type],
        store: Store,
        executor: Executor,
    ) -> None:
        fed = set(feeds)
        self.ops = needed_ops([t.op for t in fetch_tensors] + list(targets), fed)
        self.feeds = list(feeds)
        self.fetches = list(fetch_tensors)
        self.variables = _unique(op.variable for op in self.ops if op.kind == "variable")
        self.written = _unique(v for op in self.ops for v in op.writes)
        self.random = [op for op in self.ops if op.attrs.get("random")]
        values = [store.get(v) for v in self.variables]
        var_types = [Type(tuple(v.shape), v.dtype, v.device) for v in values]
        from workbench.backend import default_device  # noqa: PLC0415

        key_types = [Type((2,), np.dtype("uint32"), default_device())] * len(self.random)
        self.graph: CoreGraph
        self.graph, _ = trace(self._run, list(feed_types), var_types, key_types)
        self.plan = executor.plan(self.graph, self.graph.in_types)

    def _run(self, feeds: list[Any], variables: list[Any], keys: list[Any]) -> Any:
        env = dict(zip(self.feeds, feeds))
        state = dict(zip(self.variables, variables))
        read = evaluate(self.ops, env, state, dict(zip(self.random, keys)))
        return [read(t) for t in self.fetches], [state[v] for v in self.written]

    def __call__(self, feeds: list[Any], store: Store, keys: list[Any]) -> list[Any]:
        inputs = feeds + [store.get(v) for v in self.variables] + keys
        if any(isinstance(x, Tracer) for x in inputs):
            outs = eval_graph(self.graph, *inputs)  # recorded by a GradientTape
        else:
            outs = self.plan(*inputs)
        n = len(self.fetches)
        for var, value in zip(self.written, outs[n:]):
            store.set(var, value)
        return outs[:n]


def _unique(items: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())


# ---------------------------------------------------------------------------------------
# Fetch structures


def _flatten(fetches: Any, graph: Graph) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """Leaves of a nested fetch structure and the function that rebuilds it."""
    if isinstance(fetches, dict):
        keys = list(fetches)
        parts = [_flatten(fetches[k], graph) for k in keys]
        return _join(
            parts,
            lambda vals: (
                type(fetches)(zip(keys, vals))
                if not isinstance(fetches, collections.OrderedDict)
                else collections.OrderedDict(zip(keys, vals))
            ),
        )
    if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):
        parts = [_flatten(f, graph) for f in fetches]
        return _join(parts, lambda vals: type(fetches)(*vals))
    if isinstance(fetches, list | tuple):
        parts = [_flatten(f, graph) for f in fetches]
        return _join(parts, lambda vals: type(fetches)(vals))
    if fetches is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    leaf = graph.as_graph_element(fetches)
    if hasattr(leaf, "_graph_tensor"):
        leaf = leaf._graph_tensor(graph)
    if not isinstance(leaf, Tensor | Operation):
        raise TypeError(
            f"Fetch argument {fetches!r} has invalid type {type(fetches)}, must be a string or "
            "Tensor. (Can not convert a " + type(fetches).__name__ + " into a Tensor or Operation.)"
        )
    return [leaf], lambda vals: vals[0]


def _join(
    parts: list[tuple[list[Any], Callable[[list[Any]], Any]]], build: Callable[[list[Any]], Any]
) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    leaves = [leaf for p in parts for leaf in p[0]]
    sizes = [len(p[0]) for p in parts]

    def rebuild(vals: list[Any]) -> Any:
        out, i = [], 0
        for (_, sub), n in zip(parts, sizes):
            out.append(sub(vals[i : i + n]))
            i += n
        return build(out)

    return leaves, rebuild


# ---------------------------------------------------------------------------------------
# Sessions


_DEFAULT_SESSIONS: list[Session] = []


def get_default_session() -> Session:
    if not _DEFAULT_SESSIONS:
        raise ValueError(
            "Cannot evaluate tensor using `eval()`: No default session is registered. Use "
            "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`"
        )
    return _DEFAULT_SESSIONS[-1]


# How many compiled programs (fetches x feeds x shapes) a session keeps.
PROGRAM_CACHE_SIZE = 64


class Session:
    """Runs a graph; owns its variables' values. Mirrors: tf.compat.v1.Session."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None) -> None:
        self.graph = graph or get_default_graph()
        self._store: dict[Any, Any] = {}
        self._programs: dict[Any, Program] = BoundedCache(PROGRAM_CACHE_SIZE)
        self._runs: dict[int, int] = {}
        self._closed = False
        self.executor = Executor()

    # -- context --------------------------------------------------------------------------
    def __enter__(self) -> Session:
        _DEFAULT_SESSIONS.append(self)
        self._graph_context = self.graph.as_default()
        self._graph_context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._graph_context.__exit__(*exc)
        _DEFAULT_SESSIONS.remove(self)
        self.close()

    def as_default(self) -> Any:
        import contextlib  # noqa: PLC0415

        @contextlib.contextmanager
        def scope() -> Any:
            _DEFAULT_SESSIONS.append(self)
            try:
                with self.graph.as_default():
                    yield self
            finally:
                _DEFAULT_SESSIONS.remove(self)

        return scope()

    def close(self) -> None:
        self._closed = True
        self._store.clear()
        self._programs.clear()

    @property
    def programs(self) -> dict[Any, Program]:
        """The compiled programs so far (one per fetch/feed signature)."""
        return self._programs

    # -- running --------------------------------------------------------------------------
    def run(
        self, fetches: Any, feed_dict: Any = None, options: Any = None, run_metadata: Any = None
    ) -> Any:
        """Evaluate ``fetches`` (a tensor, an op, a name, or nested lists/tuples/dicts of
        them) with ``feed_dict`` values in place of the tensors they key."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves, rebuild = _flatten(fetches, self.graph)
        for x in leaves:
            if isinstance(x, Tensor | Operation) and x.graph is not self.graph:
                kind = "Tensor" if isinstance(x, Tensor) else "Operation"
                raise ValueError(
                    f"Fetch argument {x!r} cannot be interpreted as a {kind}. ({kind} "
                    f"{x.name} is not an element of this graph.)"
                )
        tensors = [x for x in leaves if isinstance(x, Tensor)]
        targets = [x for x in leaves if isinstance(x, Operation)]
        feeds, values = self._feeds(feed_dict or {})
        types = [Type(tuple(v.shape), v.dtype, v.device) for v in values]
        store = Store(self._store)
        key = (
            tuple(map(id, tensors)),
            tuple(map(id, targets)),
            tuple(map(id, feeds)),
            tuple((t.shape, t.dtype) for t in types),
        )
        program = self._programs.get(key)
        if program is None:
            program = Program(tensors, targets, feeds, types, store, self.executor)
            self._programs[key] = program
        keys = [self._key(op) for op in program.random]
        outs = program(values, store, keys)
        results = iter(_host(o) for o in outs)
        return rebuild([next(results) if isinstance(x, Tensor) else None for x in leaves])

    def _key(self, op: Operation) -> Array:
        run = self._runs.get(id(op), 0)
        self._runs[id(op)] = run + 1
        return random_ops.op_key(op.attrs["seeds"], run)

    def _feeds(self, feed_dict: Any) -> tuple[list[Tensor], list[Array]]:
        feeds, values = [], []
        for key, value in feed_dict.items():
            t = self.graph.as_graph_element(key)
            if hasattr(t, "_graph_tensor"):
                t = t._graph_tensor(self.graph)
            if not isinstance(t, Tensor):
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {key!r}")
            if t.graph is not self.graph:
                raise TypeError(
                    f"Cannot interpret feed_dict key as Tensor: Tensor {t.name} is not an "
                    "element of this graph."
                )
            if isinstance(value, EagerTensor | Tensor):
                raise TypeError(
                    "The value of a feed cannot be a tf.Tensor object. Acceptable feed values "
                    "include Python scalars, strings, lists, numpy ndarrays, or TensorHandles."
                )
            host = np.asarray(value)
            try:
                host = host.astype(t.dtype.np, copy=False)
            except (TypeError, ValueError) as err:
                raise ValueError(
                    f"Cannot feed value {value!r} for Tensor {t.name}: {err}"
                ) from None
            if not t.shape.is_compatible_with(host.shape):
                raise ValueError(
                    f"Cannot feed value of shape {host.shape} for Tensor {t.name}, which has "
                    f"shape {t.shape}"
                )
            feeds.append(t)
            values.append(
                ops.array(host if host.flags.c_contiguous else np.ascontiguousarray(host))
            )
        return feeds, values


def _host(value: Any) -> Any:
    out = value.numpy()
    return out[()] if out.ndim == 0 else out


class InteractiveSession(Session):
    """A session that makes itself the default on creation.

    Mirrors: tf.compat.v1.InteractiveSession."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None) -> None:
        super().__init__(target, graph, config)
        _DEFAULT_SESSIONS.append(self)

    def close(self) -> None:
        super().close()
        if self in _DEFAULT_SESSIONS:
            _DEFAULT_SESSIONS.remove(self)
