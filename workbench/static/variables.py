"""Variables: state that survives between runs. Mirrors: tf.Variable, tf.compat.v1.get_variable.

In a graph, a variable is an operation whose value lives in each ``Session`` (it must be
initialised there first); ``assign`` ops write it. Eagerly (and in ``tf.function``)
the variable object holds its value itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from workbench.core.values import Tracer
from workbench.static import dtypes
from workbench.static.execution import (
    EagerTensor,
    constant_value,
    convert_to_tensor,
    make_op,
    numpy_text,
    value_of,
)
from workbench.static.framework import (
    Graph,
    GraphKeys,
    Operation,
    Tensor,
    TensorShape,
    executing_eagerly,
    get_default_graph,
    init_scope,
)
from workbench.static.operators import TensorOperators

# Tapes that are recording (GradientTape registers itself here while active).
READ_HOOKS: list[Any] = []


def _concrete(value: Any) -> Any:
    while isinstance(value, Tracer):
        value = value.primal  # type: ignore[attr-defined]
    return value


# How many variables have been made (tf.function compares it around a trace).
CREATED = [0]


class Variable(TensorOperators):
    """Mirrors: tf.Variable."""

    __array_priority__ = 100

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool = True,
        validate_shape: bool = True,
        caching_device: Any = None,
        name: str | None = None,
        variable_def: Any = None,
        dtype: Any = None,
        import_scope: Any = None,
        constraint: Any = None,
        synchronization: Any = None,
        aggregation: Any = None,
        shape: Any = None,
        collections: Any = None,
        **_: Any,
    ) -> None:
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        CREATED[0] += 1
        outer = None if executing_eagerly() else get_default_graph()
        if getattr(outer, "is_function_graph", False) and not isinstance(initial_value, Tensor):
            # made while a tf.function traces: lifted out of the function, as TensorFlow 2
            # does (the function traces again once its variables exist)
            with init_scope():
                Variable.__init__(
                    self, initial_value, trainable, name=name, dtype=dtype,
                    constraint=constraint, shape=shape,
                )  # fmt: skip
            CREATED[0] -= 1
            return
        self.trainable = trainable
        self.constraint = constraint
        self._captures: dict[int, Tensor] = {}
        self._eager = executing_eagerly()
        if self._eager:
            value = initial_value() if callable(initial_value) else initial_value
            tensor = convert_to_tensor(value, dtype=dtype)
            self._value = _concrete(value_of(tensor))
            self._name = f"{name or 'Variable'}:0"
            self._dtype = tensor.dtype
            self._shape = TensorShape(self._value.shape)
            self._graph: Graph | None = None
            return
        graph = get_default_graph()
        self._graph = graph
        base = name or "Variable"
        with graph.control_dependencies(None):
            with graph.name_scope(base) as scope:
                op_name = scope[:-1]
                with graph.name_scope("Initializer"):
                    value = initial_value() if callable(initial_value) else initial_value
                    init = convert_to_tensor(value, dtype=dtype)
            self._dtype = init.dtype
            self._shape = init.shape if shape is None else TensorShape(shape)
            self._op = Operation(
                graph, op_name, "VariableV2", [], None, kind="variable", variable=self
            )
            graph.add_op(self._op, [(self._dtype, self._shape)])
            stack = graph.get_name_scope()
            relative = op_name[len(stack) + 1 :] if stack else op_name
            self.initializer = make_op(
                "Assign", [init], lambda v: v, writes=[self], name=f"{relative}/Assign"
            ).op
        self._initial_value = init
        self._name = f"{op_name}:0"
        for key in collections or [GraphKeys.GLOBAL_VARIABLES]:
            graph.add_to_collection(key, self)
        if trainable:
            graph.add_to_collection(GraphKeys.TRAINABLE_VARIABLES, self)

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def op(self) -> Operation:
        return self._op

    @property
    def graph(self) -> Graph | None:
        return self._graph

    @property
    def initial_value(self) -> Any:
        return self._initial_value if not self._eager else EagerTensor(self._value)

    def ref(self) -> Any:
        from workbench.static.framework import _Reference  # noqa: PLC0415

        return _Reference(self)

    # -- reading --------------------------------------------------------------------------
    def _graph_tensor(self, graph: Graph) -> Tensor:
        if not self._eager:
            if graph is self._graph:
                return self._op.outputs[0]
            capture = getattr(graph, "capture", None)
            if capture is None:
                raise ValueError(f"Variable {self.name} belongs to another graph")
            return capture(self._op.outputs[0])
        outer = getattr(graph, "outer", None)
        if outer is not None:  # a branch or loop body: capture the enclosing graph's read
            return graph.capture(self._graph_tensor(outer))  # type: ignore[attr-defined]
        found = self._captures.get(id(graph))
        if found is None or found.graph is not graph:
            with graph.control_dependencies(None):
                op = Operation(
                    graph,
                    graph.unique_name(self._name.split(":")[0]),
                    "VarHandleOp",
                    [],
                    None,
                    kind="variable",
                    variable=self,
                )
                graph.add_op(op, [(self._dtype, self._shape)])
            found = op.outputs[0]
            self._captures[id(graph)] = found
        return found

    def _eager_read(self) -> Any:
        value = self._value
        for tape in READ_HOOKS:
            value = tape._watched_read(self, value)
        return value

    def _eager_write(self, new: Any) -> None:
        new = _concrete(new)
        if tuple(new.shape) != tuple(self._value.shape):
            raise ValueError(
                f"Cannot assign value of shape {tuple(new.shape)} to variable {self.name} of "
                f"shape {tuple(self._value.shape)}"
            )
        self._value = new

    def value(self) -> Any:
        return EagerTensor(self._eager_read()) if executing_eagerly() else convert_to_tensor(self)

    def read_value(self) -> Any:
        """The value at this point of the program (a new read in a graph)."""
        if executing_eagerly():
            return EagerTensor(self._eager_read())
        return make_op(
            "ReadVariableOp", [self], lambda v: v, name=self._name.split(":")[0] + "/Read"
        )

    def numpy(self) -> np.ndarray:
        if not self._eager:
            raise NotImplementedError(
                "numpy() is only available for eager variables; use sess.run(v)"
            )
        out: np.ndarray = self._value.numpy()
        return out

    def eval(self, session: Any = None) -> Any:
        return convert_to_tensor(self).eval(session=session)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.asarray(self.numpy())
        return out if dtype is None else out.astype(dtype)

    # -- writing --------------------------------------------------------------------------
    def _update(
        self, op_type: str, value: Any, combine: Any, read_value: bool, name: str | None
    ) -> Any:
        delta = convert_to_tensor(value, dtype_hint=self._dtype)
        if executing_eagerly():
            new = combine(self._value, value_of(delta))
            self._eager_write(new)
            return self
        out = make_op(op_type, [self, delta], lambda v, d: combine(v, d), writes=[self], name=name)
        return out

    def assign(
        self, value: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True
    ) -> Any:
        return self._update("Assign", value, lambda v, d: d, read_value, name)

    def assign_add(
        self, delta: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True
    ) -> Any:
        from workbench.core import ops  # noqa: PLC0415

        return self._update("AssignAdd", delta, ops.add, read_value, name)

    def assign_sub(
        self, delta: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True
    ) -> Any:
        from workbench.core import ops  # noqa: PLC0415

        return self._update("AssignSub", delta, ops.sub, read_value, name)

    def load(self, value: Any, session: Any = None) -> None:
        from workbench.static.session import get_default_session  # noqa: PLC0415

        host = np.asarray(value, self._dtype.np)
        if not self._shape.is_compatible_with(TensorShape(host.shape)):
            raise ValueError(f"Variable.load: a value of shape {host.shape} for {self._name}, "
                             f"whose shape is {self._shape}")  # fmt: skip
        (session or get_default_session())._store[self] = constant_value(host)

    def __repr__(self) -> str:
        if self._eager:
            return (
                f"<tf.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={numpy_text(self.numpy())}>"
            )
        return f"<tf.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}_ref>"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __bool__(self) -> bool:
        if self._eager:
            return bool(self.numpy())
        raise TypeError("Using a symbolic variable as a Python bool is not allowed.")


def assign(
    ref: Variable,
    value: Any,
    validate_shape: Any = None,
    use_locking: Any = None,
    name: str | None = None,
) -> Any:
    return ref.assign(value, name=name)


def assign_add(ref: Variable, value: Any, use_locking: Any = None, name: str | None = None) -> Any:
    return ref.assign_add(value, name=name)


def assign_sub(ref: Variable, value: Any, use_locking: Any = None, name: str | None = None) -> Any:
    return ref.assign_sub(value, name=name)


# ---------------------------------------------------------------------------------------
# Collections and initialisers (graph mode)


def global_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def variables_initializer(var_list: list[Variable], name: str = "init") -> Any:
    from workbench.static.control_flow import group  # noqa: PLC0415

    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer() -> Any:
    """One op that initialises every global variable.

    Mirrors: tf.compat.v1.global_variables_initializer."""
    return variables_initializer(global_variables())


def local_variables_initializer() -> Any:
    return variables_initializer(local_variables(), name="init_1")


# ---------------------------------------------------------------------------------------
# get_variable and variable scopes


_SCOPES: list[tuple[str, Any]] = []


@contextlib.contextmanager
def variable_scope(
    name_or_scope: Any,
    default_name: str | None = None,
    values: Any = None,
    initializer: Any = None,
    reuse: Any = None,
    **_: Any,
) -> Iterator[Any]:
    """Mirrors: tf.compat.v1.variable_scope (names and reuse for get_variable)."""
    if isinstance(name_or_scope, _ScopeInfo):  # a captured scope, entered again as it was
        full = name_or_scope.name
    else:
        name = name_or_scope if isinstance(name_or_scope, str) else (default_name or "scope")
        full = (_SCOPES[-1][0] + "/" if _SCOPES else "") + name
    inherited = _SCOPES[-1][1] if _SCOPES and reuse is None else reuse
    _SCOPES.append((full, inherited))
    graph = get_default_graph()
    try:
        with graph.name_scope(full + "/"):
            yield _ScopeInfo(full, inherited)
    finally:
        _SCOPES.pop()


class _ScopeInfo:
    def __init__(self, name: str, reuse: Any) -> None:
        self.name = name
        self.original_name_scope = name + "/"
        self.reuse = reuse

    def reuse_variables(self) -> None:
        _SCOPES[-1] = (_SCOPES[-1][0], True)


AUTO_REUSE = "auto_reuse"


def get_variable(
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool = True,
    collections: Any = None,
    **_: Any,
) -> Variable:
    """Create or (in a reusing scope) fetch a variable by name. The default initializer is
    glorot_uniform for floats, zeros otherwise. Mirrors: tf.compat.v1.get_variable."""
    from workbench.static import initializers  # noqa: PLC0415

    graph = get_default_graph()
    scope, reuse = _SCOPES[-1] if _SCOPES else ("", None)
    full = f"{scope}/{name}" if scope else name
    store: dict[str, Variable] = graph.__dict__.setdefault("_variable_store", {})
    if full in store:
        if reuse in (True, AUTO_REUSE):
            return store[full]
        raise ValueError(
            f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or "
            "reuse=tf.AUTO_REUSE in VarScope?"
        )
    if reuse is True:
        raise ValueError(
            f"Variable {full} does not exist, or was not created with tf.get_variable(). Did you "
            "mean to set reuse=tf.AUTO_REUSE in VarScope?"
        )
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.float32
    if initializer is None:
        initializer = initializers.GlorotUniform() if d.is_floating else initializers.Zeros()
    if callable(initializer):
        dims = [int(s) for s in (shape or [])]
        value: Any = lambda: initializer(dims, dtype=d)  # noqa: E731
    else:
        value = initializer
    with graph.name_scope(scope + "/" if scope else None):
        var = Variable(value, trainable=trainable, name=name, dtype=d, collections=collections)
    store[full] = var
    return var
