"""``tf.function``: trace a Python function once per input signature into a graph.

Calling a ``Function`` looks up the *concrete function* for the arguments' signature
(tensor shapes and dtypes, Python values as they are); the first call with a new
signature runs the Python code once to build a ``FuncGraph`` (Python side effects
happen then, and only then). Every call runs the graph's ops through the core's
compiler, with the variables it reads and writes captured by reference.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import inspect
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from workbench.core import tree
from workbench.core.executor import BoundedCache
from workbench.core.ir import Type
from workbench.static import dtypes, variables
from workbench.static.control_flow import FuncGraph
from workbench.static.execution import EagerTensor, convert_to_tensor, graph_tensor, value_of
from workbench.static.framework import Operation, Tensor, TensorShape, executing_eagerly
from workbench.static.session import PROGRAM_CACHE_SIZE, Program, Store
from workbench.static.variables import Variable


class TensorSpec:
    """The type of a function argument; ``None`` dims accept any size. Mirrors: tf.TensorSpec."""

    def __init__(self, shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> None:
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, value: Any) -> bool:
        return self.dtype == value.dtype and self.shape.is_compatible_with(value.shape)

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (
            other.shape,
            other.dtype,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))


def _is_tensor_arg(x: Any) -> bool:
    return (
        isinstance(x, EagerTensor | Tensor)
        or hasattr(x, "__array__")
        and not isinstance(x, Variable | int | float | bool)
    )


class ConcreteFunction:
    """One trace of a ``Function``: its FuncGraph and the compiled programs running it."""

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        specs: list[TensorSpec | None],
    ) -> None:
        leaves, self._in_tree = tree.flatten((args, kwargs))
        self.graph = FuncGraph(getattr(fn, "__name__", "function"), None)
        self._tensor_positions = [i for i, s in enumerate(specs) if s is not None]
        names = _leaf_names(fn, args, kwargs, len(leaves))
        with self.graph.as_default():
            inputs = list(leaves)
            for i in self._tensor_positions:
                spec = specs[i]
                inputs[i] = self.graph.add_input(spec.dtype, spec.shape, name=spec.name or names[i])  # type: ignore[union-attr]
            a, k = tree.unflatten(self._in_tree, inputs)
            result = fn(*a, **k)
            out_leaves, self._out_tree = tree.flatten(result)
            self._none_outputs = [x is None for x in out_leaves]
            self.graph.outputs = [graph_tensor(self.graph, x) for x in out_leaves if x is not None]
            self.graph.structured_outputs = result
        from workbench.static import summary  # noqa: PLC0415

        summary.traced(self.graph)  # kept for tf.summary.trace_export while tracing is on
        # stateful ops run on every call, fetched or not (TensorFlow 2's automatic control deps)
        self._targets: list[Operation] = [
            op for op in self.graph.get_operations() if op.writes or op.attrs.get("effect")
        ]
        self._programs: dict[Any, Program] = BoundedCache(PROGRAM_CACHE_SIZE)
        self.structured_input_signature = [s for s in specs if s is not None]

    def _program(self, types: list[Type]) -> Program:
        key = tuple((t.shape, t.dtype) for t in types)
        program = self._programs.get(key)
        if program is None:
            from workbench.core.executor import default_executor  # noqa: PLC0415

            program = Program(
                self.graph.outputs,
                self._targets,
                self.graph.inputs,
                types,
                Store(),
                default_executor(),
            )
            self._programs[key] = program
        return program

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        leaves = tree.flatten((args, kwargs))[0]
        return self._call_flat([leaves[i] for i in self._tensor_positions])

    def _call_flat(self, tensors: list[Any]) -> Any:
        from workbench.static import random_ops  # noqa: PLC0415

        values = [value_of(t) for t in tensors]
        types = [Type(tuple(v.shape), v.dtype, v.device) for v in values]
        for t, inp in zip(types, self.graph.inputs):
            if not inp.shape.is_compatible_with(t.shape):
                raise ValueError(
                    f"function {self.graph.name}: input of shape {t.shape} does "
                    f"not match {inp.shape}"
                )
        program = self._program(types)
        keys = [random_ops.eager_key(op.attrs) for op in program.random]
        outs = iter(EagerTensor(o) for o in program(values, Store(), keys))
        flat = [None if none else next(outs) for none in self._none_outputs]
        return tree.unflatten(self._out_tree, flat)

    @property
    def ir(self) -> Any:
        """The core IR of the most recent compiled program (print it, or draw it)."""
        if not self._programs:
            raise ValueError("the function has not run yet")
        return list(self._programs.values())[-1].graph

    @property
    def inputs(self) -> list[Tensor]:
        return self.graph.inputs

    @property
    def outputs(self) -> list[Tensor]:
        return self.graph.outputs


class Function:
    """A Python function traced into graphs, one per input signature. Mirrors: tf.function."""

    def __init__(
        self,
        python_function: Callable[..., Any],
        input_signature: Any = None,
        autograph: bool = True,
        jit_compile: Any = None,
        reduce_retracing: bool = False,
        name: str | None = None,
        **_: Any,
    ) -> None:
        self.python_function = python_function
        self.autograph = autograph
        self.reduce_retracing = reduce_retracing
        self.input_signature = None if input_signature is None else list(input_signature)
        self._concrete: dict[Any, ConcreteFunction] = {}
        self._traces = 0
        self._recent: list[bool] = []
        self._name = name or getattr(python_function, "__name__", "function")
        functools.update_wrapper(self, python_function, updated=())

    def _specs(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[list[TensorSpec | None], Any]:
        leaves, structure = tree.flatten((args, kwargs))
        if self.input_signature is not None:
            sig_leaves = tree.flatten(self.input_signature)[0]
            if len(leaves) != len(sig_leaves):
                raise TypeError(
                    f"{self._name}: called with {len(leaves)} tensors, the "
                    f"input_signature has {len(sig_leaves)}"
                )
            for spec, x in zip(sig_leaves, leaves):
                t = convert_to_tensor(x)
                if not spec.is_compatible_with(t):
                    raise TypeError(
                        f"{self._name}: argument {t.shape} {t.dtype.name} does not match the "
                        f"input_signature's {spec}"
                    )
            specs: list[TensorSpec | None] = list(sig_leaves)
            return specs, (structure, tuple(sig_leaves))
        specs = []
        key: list[Any] = [structure]
        for x in leaves:
            if isinstance(x, Variable):
                specs.append(None)
                key.append(("variable", id(x)))
            elif isinstance(x, TensorSpec):  # get_concrete_function(tf.TensorSpec([None]))
                specs.append(x)
                key.append((x.shape.dims, x.dtype.name))
            elif _is_tensor_arg(x):
                t = convert_to_tensor(x)
                specs.append(TensorSpec(t.shape, t.dtype))
                key.append((tuple(t.shape.as_list()), t.dtype.name))
            else:
                specs.append(None)
                key.append(("python", x if _hashable(x) else id(x)))
        return specs, tuple(key)

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(self.input_signature)
        specs, key = self._specs(args, kwargs)
        found = self._concrete.get(key)
        if found is None and self.input_signature is None:
            found = next((f for k, f in self._concrete.items() if _accepts(k, key)), None)
        self._recent = (self._recent + [found is None])[-5:]
        if found is None:
            if self.reduce_retracing and self.input_signature is None:
                specs, key = _relaxed(specs, key, self._concrete)
            made = variables.CREATED[0]
            found = self._trace(args, kwargs, specs)
            self._traces += 1
            if variables.CREATED[0] != made:
                # the trace made variables (a Keras layer building, a tf.Variable on the first
                # call): TensorFlow lifts them out and traces again now that they exist; a
                # function that makes new ones on every trace is refused
                if self._made_variables:
                    raise ValueError(_SINGLETON_VARIABLES)
                self._made_variables = True
                made = variables.CREATED[0]
                found = self._trace(args, kwargs, specs)
                self._traces += 1
                if variables.CREATED[0] != made:
                    raise ValueError(_SINGLETON_VARIABLES)
            self._concrete[key] = found
            if len(self._recent) == 5 and all(self._recent):
                warnings.warn(
                    f"5 out of the last 5 calls to {self._name} triggered "
                    f"tf.function retracing. "
                    "Tracing is expensive: pass tensors rather than Python numbers, keep shapes "
                    "fixed, or give an input_signature.",
                    stacklevel=3,
                )
        return found

    def _trace(self, args: Any, kwargs: Any, specs: Any) -> ConcreteFunction:
        """Trace the function as written; if a tensor meets a Python ``if``/``while``,
        trace its AutoGraph rewrite instead (and keep using that)."""
        from workbench.static import autograph  # noqa: PLC0415

        fn = self._converted or self.python_function
        printed: list[tuple[Any, Any]] = []
        try:
            with _held_prints(printed, hold=self.autograph and self._converted is None):
                concrete = ConcreteFunction(fn, args, kwargs, specs)
        except TypeError as err:
            if not self.autograph or self._converted is not None or not autograph.converts(err):
                for a, k in printed:
                    print(*a, **k)
                raise
            try:
                self._converted = autograph.convert(self.python_function)
            except (OSError, TypeError, ValueError, SyntaxError):
                raise err from None  # no source to rewrite (a lambda, a builtin …)
            return ConcreteFunction(self._converted, args, kwargs, specs)
        for a, k in printed:
            print(*a, **k)
        return concrete

    _converted: Any = None
    _made_variables = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from workbench.static import config  # noqa: PLC0415

        if (
            not executing_eagerly()
            or config.functions_run_eagerly()
            or config.checking_numerics()  # tf.debugging.enable_check_numerics: op by op
            or _has_strings(args, kwargs)
        ):
            # inside another graph, build the ops inline; under run_functions_eagerly(True)
            # (for debugging), run the Python function as it is; strings live on the host
            # (workbench.static.strings), so a call given strings runs eagerly too
            return self.python_function(*args, **kwargs)
        return self.get_concrete_function(*args, **kwargs)(*args, **kwargs)

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function was traced (one per new signature)."""
        return self._traces

    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            return self
        bound = instance.__dict__.get("_tf_functions", {}).get(id(self))
        if bound is None:
            bound = Function(
                self.python_function.__get__(instance, owner),
                self.input_signature,
                self.autograph,
                reduce_retracing=self.reduce_retracing,
            )
            instance.__dict__.setdefault("_tf_functions", {})[id(self)] = bound
        return bound


def _leaf_names(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], count: int) -> list[str]:
    """A placeholder name per flattened argument, from the Python parameter it came in
    (``x``, or ``x``, ``x_1`` … for a nested one), as TensorFlow names them."""
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    pairs = [(params[i] if i < len(params) else "args", a) for i, a in enumerate(args)]
    for name, value in [*pairs, *kwargs.items()]:
        n = len(tree.flatten(value)[0])
        names += [name] + [f"{name}_{j}" for j in range(1, n)]
    return names if len(names) == count else ["args"] * count


@contextlib.contextmanager
def _held_prints(printed: list[tuple[Any, Any]], hold: bool) -> Iterator[None]:
    """Hold back what the function prints while it is traced as written: if a tensor
    then meets a Python ``if``, the trace is redone from AutoGraph's rewrite, and
    TensorFlow (which converts first) would have printed once, not twice."""
    if not hold:
        yield
        return
    original, tracer = builtins.print, threading.get_ident()

    def keep(*args: Any, **kwargs: Any) -> None:
        if threading.get_ident() != tracer:  # another thread's print is not the trace's
            original(*args, **kwargs)
        else:
            printed.append((args, kwargs))

    builtins.print = keep
    try:
        yield
    finally:
        builtins.print = original


_SINGLETON_VARIABLES = (
    "tf.function only supports singleton tf.Variables created on the first call. Make sure "
    "the tf.Variable is only created once or created outside tf.function."
)


def _accepts(general: Any, key: Any) -> bool:
    """Whether a trace made for ``general`` serves a call whose signature is ``key``: the
    same structure and Python values, each tensor of the same dtype and rank with every
    known dimension equal (a trace for ``TensorSpec([None])`` serves any length, as in
    TensorFlow)."""
    if len(general) != len(key) or general[0] != key[0]:
        return False
    return all(_leaf_accepts(g, k) for g, k in zip(general[1:], key[1:]))


def _leaf_accepts(general: Any, key: Any) -> bool:
    if general == key:
        return True
    (g_dims, g_dtype), (k_dims, k_dtype) = general, key
    if not isinstance(g_dims, tuple) or not isinstance(k_dims, tuple) or g_dtype != k_dtype:
        return False
    return len(g_dims) == len(k_dims) and all(g in (None, k) for g, k in zip(g_dims, k_dims))


def _relaxed(specs: list[Any], key: Any, traced: dict[Any, Any]) -> tuple[list[Any], Any]:
    """``reduce_retracing``: a retrace generalises each dimension that differs from an
    earlier trace of the same structure to ``None``, so the new trace serves both."""
    for earlier in traced:
        if len(earlier) != len(key) or earlier[0] != key[0]:
            continue
        parts, new_specs = [key[0]], list(specs)
        for i, (e, k) in enumerate(zip(earlier[1:], key[1:])):
            tensor = isinstance(e, tuple) and isinstance(e[0], tuple) and isinstance(k[0], tuple)
            if tensor and e[1] == k[1] and len(e[0]) == len(k[0]) and e != k:
                dims = tuple(a if a == b else None for a, b in zip(e[0], k[0]))
                new_specs[i] = TensorSpec(dims, specs[i].dtype)
                parts.append((dims, k[1]))
            elif e == k:
                parts.append(k)
            else:
                break
        else:
            return new_specs, tuple(parts)
    return specs, key


def _hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def function(
    func: Callable[..., Any] | None = None,
    input_signature: Any = None,
    autograph: bool = True,
    jit_compile: Any = None,
    reduce_retracing: bool = False,
    experimental_relax_shapes: Any = None,
    name: str | None = None,
    **kw: Any,
) -> Any:
    """Mirrors: tf.function (as a decorator, with or without arguments)."""
    if func is None:
        return lambda f: Function(
            f, input_signature, autograph, jit_compile, reduce_retracing, name
        )
    return Function(func, input_signature, autograph, jit_compile, reduce_retracing, name)


def _has_strings(args: Any, kwargs: Any) -> bool:
    from workbench.static.ragged import RaggedTensor  # noqa: PLC0415
    from workbench.static.strings import StringTensor  # noqa: PLC0415

    leaves = tree.flatten((args, kwargs))[0]
    return any(isinstance(x, StringTensor | RaggedTensor) for x in leaves)
