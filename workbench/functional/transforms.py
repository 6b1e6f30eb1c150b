"""JAX's transformations on the core's: ``grad``, ``value_and_grad``, ``jvp``, ``vjp``,
``jacfwd``, ``jacrev``, ``hessian``, ``linearize``, ``vmap``, ``jit``, ``pmap``,
``make_jaxpr``, ``custom_vjp`` and ``custom_jvp``.

Each one unwraps ``Array``s into core values, applies the core transformation to the
function (which sees Arrays wrapping the core's traced values) and wraps the results,
so they compose in any order and depth, with pytrees everywhere.
"""

from __future__ import annotations

import functools
import inspect
import math
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import autodiff, batching, jacobians, ops, tree
from workbench.core.executor import BoundedCache
from workbench.core.ir import Graph, graph_text
from workbench.core.primitives.control.custom import building_graph, traced_out_types
from workbench.core.trace import eval_graph, trace
from workbench.core.values import Tracer, is_value
from workbench.functional import async_dispatch
from workbench.functional.array import Array, host_array


def _value_of(x: Any) -> Any:
    """An Array (or host data) as a core value; anything else as it is."""
    if isinstance(x, Array):
        return x._value
    if isinstance(x, np.ndarray | np.generic | float | int | bool) and not isinstance(x, str):
        return ops.array(host_array(x))
    return x


def _array_of(x: Any) -> Any:
    return Array(x) if is_value(x) or isinstance(x, Tracer) else x


def to_values(obj: Any) -> Any:
    """Arrays (and host data) in a pytree as core values."""
    return tree.tree_map(_value_of, obj)


def to_arrays(obj: Any) -> Any:
    return tree.tree_map(_array_of, obj)


def lifted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` on core values: wrap the inputs as Arrays, unwrap the results."""

    @functools.wraps(fn, updated=())
    def inner(*values: Any, **kwargs: Any) -> Any:
        return to_values(fn(*to_arrays(values), **kwargs))

    return inner


def _check_argnums(argnums: Any, n: int, name: str) -> None:
    for a in argnums if isinstance(argnums, tuple | list) else (argnums,):
        if not -n <= a < n:
            raise TypeError(f"{name}: argnums {argnums} out of range for {n} positional arguments")


def _differentiated(
    fun: Callable[..., Any], args: Sequence[Any], argnums: Any
) -> tuple[Callable[..., Any], tuple[Any, ...], Any]:
    """``fun`` as a function of the differentiated arguments only, the others passed
    through untouched (a Python ``3`` stays an int, as in JAX); with those arguments and
    the argnums renumbered for it."""
    several = isinstance(argnums, tuple | list)
    positions = tuple(a % len(args) for a in (argnums if several else (argnums,)))

    def partial(*chosen: Any, **kwargs: Any) -> Any:
        full = list(args)
        for i, value in zip(positions, chosen):
            full[i] = value
        return fun(*full, **kwargs)

    renumbered = tuple(range(len(positions))) if several else 0
    return partial, tuple(args[i] for i in positions), renumbered


def grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """Mirrors: jax.grad (a scalar function's gradient; pytrees; argnums; has_aux)."""
    vg = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun, updated=())
    def run(*args: Any, **kwargs: Any) -> Any:
        value, grads = vg(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return run


def value_and_grad(
    fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False, **_: Any
) -> Callable[..., Any]:
    """Mirrors: jax.value_and_grad."""
    nums = tuple(argnums) if isinstance(argnums, list) else argnums

    @functools.wraps(fun, updated=())
    def run(*args: Any, **kwargs: Any) -> Any:
        _check_argnums(nums, len(args), "value_and_grad")
        partial, chosen, renumbered = _differentiated(fun, args, nums)
        inner = lifted(lambda *a: partial(*a, **kwargs))
        value, grads = autodiff.value_and_grad(inner, renumbered, has_aux)(*to_values(chosen))
        return to_arrays(value), to_arrays(grads)

    return run


def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> Any:
    """Mirrors: jax.jvp: (fun(*primals), the directional derivative along tangents)."""
    out, tangent = autodiff.jvp(lifted(fun), to_values(tuple(primals)), to_values(tuple(tangents)))
    return to_arrays(out), to_arrays(tangent)


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """Mirrors: jax.vjp: (fun(*primals), pullback) [, aux]."""
    results = autodiff.vjp(lifted(fun), *to_values(primals), has_aux=has_aux)
    out, pullback = results[0], results[1]

    def pull(cotangent: Any) -> Any:
        return to_arrays(pullback(to_values(cotangent)))

    if has_aux:
        return to_arrays(out), pull, to_arrays(results[2])
    return to_arrays(out), pull


def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """Mirrors: jax.linearize: (fun(*primals), the JVP as a function of tangents)."""
    out = to_arrays(lifted(fun)(*to_values(primals)))

    def f_jvp(*tangents: Any) -> Any:
        return jvp(fun, primals, tangents)[1]

    return out, f_jvp


def _jac(
    core: Callable[..., Any], fun: Callable[..., Any], argnums: Any, has_aux: bool
) -> Callable[..., Any]:
    several = isinstance(argnums, tuple | list)

    def run(*args: Any) -> Any:
        """Jacobians of pytrees, as JAX's: the output's structure outside, the
        differentiated argument's (a tuple of them for several argnums) inside, each leaf
        of shape out_leaf.shape + in_leaf.shape."""
        partial, chosen, _ = _differentiated(fun, args, argnums)
        leaves, in_tree = tree.flatten(to_values(tuple(chosen) if several else chosen[0]))
        out_box: list[Any] = []

        def flat(x: Any) -> Any:
            """The function from all input elements, raveled, to all output elements."""
            parts, start = [], 0
            for leaf in leaves:
                n = math.prod(leaf.shape)
                parts.append(ops.reshape(ops.slice(x, (start,), (start + n,)), leaf.shape))
                start += n
            inputs = to_arrays(tree.unflatten(in_tree, parts))
            out = partial(*inputs) if several else partial(inputs)
            if has_aux:
                out = out[0]
            out_leaves, out_tree = tree.flatten(to_values(out))
            out_box.append((out_tree, [(tuple(o.shape), o.dtype) for o in out_leaves]))
            return ops.concatenate([ops.reshape(o, (-1,)) for o in out_leaves], 0)

        x = ops.concatenate([ops.reshape(leaf, (-1,)) for leaf in leaves], 0)
        full = core(flat, 0)(x)  # (all outputs, all inputs)
        out_tree, out_types = out_box[-1]
        rows, row = [], 0
        for shape, _ in out_types:
            m = math.prod(shape)
            cols, col = [], 0
            for leaf in leaves:
                n = math.prod(leaf.shape)
                block = ops.slice(full, (row, col), (row + m, col + n))
                cols.append(ops.reshape(block, (*shape, *leaf.shape)))
                col += n
            rows.append(tree.unflatten(in_tree, cols))
            row += m
        result = to_arrays(tree.unflatten(out_tree, rows))
        if not has_aux:
            return result
        # the aux traced inside the Jacobian's vmap is not a value: evaluate it plainly
        inputs = to_arrays(to_values(tuple(chosen)))
        return result, (partial(*inputs) if several else partial(inputs[0]))[1]

    return run


def jacrev(
    fun: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, **_: Any
) -> Callable[..., Any]:
    """Mirrors: jax.jacrev."""
    return _jac(jacobians.jacrev, fun, argnums, has_aux)


def jacfwd(
    fun: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, **_: Any
) -> Callable[..., Any]:
    """Mirrors: jax.jacfwd."""
    return _jac(jacobians.jacfwd, fun, argnums, has_aux)


def hessian(
    fun: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, **_: Any
) -> Callable[..., Any]:
    """Mirrors: jax.hessian (jacfwd of jacrev)."""
    return jacfwd(jacrev(fun, argnums, has_aux), argnums, has_aux)


def vmap(
    fun: Callable[..., Any],
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Any = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
) -> Callable[..., Any]:
    """Mirrors: jax.vmap (in_axes/out_axes ints, None or pytree prefixes)."""
    core = batching.vmap(
        lifted(fun), in_axes=in_axes, out_axes=out_axes, axis_name=axis_name, axis_size=axis_size
    )

    @functools.wraps(fun, updated=())
    def run(*args: Any) -> Any:
        return to_arrays(core(*to_values(args)))

    return run


# ---------------------------------------------------------------------------------------
# jit


class _Static:
    """A hashable wrapper for static arguments in cache keys."""

    def __init__(self, value: Any) -> None:
        self.value = value
        try:
            self.key: Any = ("h", hash(value))
        except TypeError as err:
            raise ValueError(
                f"Non-hashable static arguments are not supported: {value!r} (jit marks "
                "static arguments by value; pass a tuple instead of a list)"
            ) from err

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Static) and self.key == other.key and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.key)


_CACHES: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


# How many signatures (shapes, dtypes, static values) one jitted function keeps traced.
TRACE_CACHE_SIZE = 64


def _shared_cache(fun: Any, config: Any) -> dict[Any, Any]:
    """The compiled graphs of ``fun`` for this static configuration, shared by every
    ``jit(fun)`` wrapper — so ``jit(f)(x)`` twice traces once, as in JAX, whose cache
    belongs to the function rather than the wrapper."""
    try:
        per_function = _CACHES.setdefault(fun, {})
    except TypeError:  # not weakly referenceable: a cache of its own
        return BoundedCache(TRACE_CACHE_SIZE)
    return per_function.setdefault(config, BoundedCache(TRACE_CACHE_SIZE))


class Jitted:
    """A function compiled once per abstract signature. Mirrors: jax.jit's wrapper."""

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: Any = (),
        static_argnames: Any = (),
        donate_argnums: Any = (),
    ) -> None:
        self.fun = fun
        nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums or ())
        names = (
            (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames or ())
        )
        try:
            params = list(inspect.signature(fun).parameters)
        except (TypeError, ValueError):
            params = []
        names = names + tuple(params[i] for i in nums if i < len(params))
        nums = nums + tuple(params.index(n) for n in names if n in params)
        self.static_argnums = frozenset(nums)
        self.static_argnames = frozenset(names)
        self._cache: dict[Any, tuple[Graph, Any]] = _shared_cache(
            fun, (self.static_argnums, self.static_argnames)
        )
        self.traces = 0
        functools.update_wrapper(self, fun, updated=())

    def _split(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], Any, Any]:
        dynamic_args = [a for i, a in enumerate(args) if i not in self.static_argnums]
        static: tuple[tuple[Any, _Static], ...] = tuple(
            (i, _Static(a)) for i, a in enumerate(args) if i in self.static_argnums
        )
        static += tuple(
            (k, _Static(v)) for k, v in sorted(kwargs.items()) if k in self.static_argnames
        )
        dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        flat, in_tree = tree.flatten((dynamic_args, dynamic_kwargs))
        return flat, in_tree, static

    def _compile(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], flat: list[Any], in_tree: Any
    ) -> tuple[Graph, Any]:
        # an argument's sharding is part of its type (Explicit mesh axes): the traced
        # stand-in keeps it, so shard_map inside the function sees what it was given
        shardings = [getattr(x, "_sharding", None) for x in self._split(args, kwargs)[0]]

        def flat_fun(*values: Any) -> Any:
            arrays = to_arrays(list(values))
            for a, sharding in zip(arrays, shardings):
                if sharding is not None and isinstance(a, Array):
                    a._sharding = sharding
            dyn_args, dyn_kwargs = tree.unflatten(in_tree, arrays)
            it = iter(dyn_args)
            full = [a if i in self.static_argnums else next(it) for i, a in enumerate(args)]
            full_kwargs = {
                k: (v if k in self.static_argnames else dyn_kwargs[k]) for k, v in kwargs.items()
            }
            return to_values(self.fun(*full, **full_kwargs))

        self.traces += 1
        graph, out_tree = trace(flat_fun, *flat)
        return graph, out_tree

    def graph(self, *args: Any, **kwargs: Any) -> Graph:
        """The traced graph for these arguments."""
        return self._traced(args, kwargs)[0]

    def _traced(self, args: Any, kwargs: Any) -> tuple[Graph, Any]:
        from workbench.functional.debugging import ShapeDtypeStruct  # noqa: PLC0415

        flat, in_tree, static = self._split(args, kwargs)
        # jit(f).lower(ShapeDtypeStruct(...)): an abstract argument traces as its type
        examples = [x._type() if isinstance(x, ShapeDtypeStruct) else x for x in flat]
        return self._compile(args, kwargs, to_values(examples), in_tree)

    def trace(self, *args: Any, **kwargs: Any) -> Traced:
        """The function traced for these arguments: ``.jaxpr`` is its IR. Mirrors:
        jax.jit(f).trace(...)."""
        return Traced(*self._traced(args, kwargs))

    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """Traced and lowered: ``.as_text()`` is the IR, ``.compile()`` the plan. Mirrors:
        jax.jit(f).lower(...)."""
        return Lowered(*self._traced(args, kwargs))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from workbench.core import dispatch  # noqa: PLC0415

        if dispatch.CHECK_NANS[0]:  # jax_debug_nans: run de-optimised, primitive by primitive
            return self.fun(*args, **kwargs)
        flat, in_tree, static = self._split(args, kwargs)
        values = [_value_of(x) for x in flat]  # the leaves already: no tree to walk again
        for v in values:
            if not hasattr(v, "shape") or not hasattr(v, "dtype"):
                name = getattr(self.fun, "__name__", repr(self.fun))
                raise TypeError(
                    f"Error interpreting argument to {name} as an abstract array. The "
                    f"problematic value is of type {type(v)}. This typically means that a "
                    "jit-wrapped function was called with a non-array argument, and this "
                    "argument was not marked as static using the static_argnums or "
                    "static_argnames parameters of jax.jit."
                )
        key = (
            in_tree,
            static,
            tuple((tuple(v.shape), v.dtype, getattr(v, "device", None)) for v in values),
        )
        found = self._cache.get(key)
        if found is None:
            found = self._compile(args, kwargs, values, in_tree)
            self._cache[key] = found
        graph, out_tree = found
        if values and async_dispatch.worth_it(values):  # returns before the work is done
            return tree.unflatten(out_tree, async_dispatch.submit(graph, values))
        # every argument static: a graph of constants, evaluated as it is
        outs = ops.call(graph, *values) if values else eval_graph(graph)
        return tree.unflatten(out_tree, [_array_of(o) for o in outs])

    def clear_cache(self) -> None:
        """Forget the traces and free their compiled plans. Mirrors: jit(f).clear_cache."""
        from workbench.core.executor import default_executor  # noqa: PLC0415

        executor = default_executor()
        for graph, _ in list(self._cache.values()):
            executor.forget(graph)
        self._cache.clear()

    def _cache_size(self) -> int:
        return len(self._cache)

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self if instance is None else functools.partial(self, instance)


def jit(
    fun: Callable[..., Any] | None = None,
    *,
    static_argnums: Any = (),
    static_argnames: Any = (),
    donate_argnums: Any = (),
    donate_argnames: Any = (),
    **_: Any,
) -> Any:
    """Compile ``fun`` per abstract signature (shapes, dtypes, static values) through the
    core's compiler. Mirrors: jax.jit (donation is accepted and ignored)."""
    if fun is None:
        return lambda f: Jitted(f, static_argnums, static_argnames, donate_argnums)
    return Jitted(fun, static_argnums, static_argnames, donate_argnums)


class Traced:
    """Mirrors: jax.stages.Traced (``jit(f).trace(x)``)."""

    def __init__(self, graph: Graph, out_tree: Any) -> None:
        self.jaxpr = ClosedJaxpr(graph)
        self.out_tree = out_tree
        self.out_info = [ShapeDtype(t.shape, t.dtype) for t in graph.out_types]

    def lower(self) -> Lowered:
        return Lowered(self.jaxpr.graph, self.out_tree)


class Lowered:
    """Mirrors: jax.stages.Lowered: the IR before compilation (here: the core's graph,
    where JAX shows StableHLO)."""

    def __init__(self, graph: Graph, out_tree: Any) -> None:
        self.graph, self.out_tree = graph, out_tree

    def as_text(self, dialect: str | None = None) -> str:
        return graph_text(self.graph)

    def compile(self) -> Compiled:
        return Compiled(self.graph, self.out_tree)


class Compiled:
    """Mirrors: jax.stages.Compiled: the compiled plan, callable; ``as_text()`` is the
    Python the executor generated for it (where JAX shows optimised HLO)."""

    def __init__(self, graph: Graph, out_tree: Any) -> None:
        from workbench.core.executor import default_executor  # noqa: PLC0415

        self.graph, self.out_tree = graph, out_tree
        self.plan = default_executor().plan(graph, graph.in_types)

    def as_text(self) -> str:
        return str(self.plan.source)

    def __call__(self, *args: Any) -> Any:
        flat = tree.flatten(to_values(args))[0]
        outs = ops.call(self.graph, *flat) if flat else eval_graph(self.graph)
        return to_arrays(tree.unflatten(self.out_tree, list(outs)))

    def cost_analysis(self) -> dict[str, float]:
        return {"equations": float(len(self.graph.equations))}


class ShapeDtype:
    def __init__(self, shape: Any, dtype: Any) -> None:
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)

    def __repr__(self) -> str:
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


class ClosedJaxpr:
    """What ``make_jaxpr`` returns: the traced graph, printed in a jaxpr-like form."""

    def __init__(self, graph: Graph) -> None:
        self.jaxpr = graph
        self.graph = graph
        self.consts = [value for _, value in graph.constants]

    @property
    def eqns(self) -> Any:
        return self.graph.equations

    def __str__(self) -> str:
        return graph_text(self.graph)

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def make_jaxpr(
    fun: Callable[..., Any], static_argnums: Any = (), **_: Any
) -> Callable[..., ClosedJaxpr]:
    """Mirrors: jax.make_jaxpr: the IR of ``fun`` for these arguments."""
    jitted = Jitted(fun, static_argnums)

    def run(*args: Any, **kwargs: Any) -> ClosedJaxpr:
        return ClosedJaxpr(jitted.graph(*args, **kwargs))

    return run


# ---------------------------------------------------------------------------------------
# pmap: vmap over a named axis, one example per device


def pmap(
    fun: Callable[..., Any],
    axis_name: Any = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    static_broadcasted_argnums: Any = (),
    devices: Any = None,
    **_: Any,
) -> Callable[..., Any]:
    """Map ``fun`` over the leading axis, one slice per device, with collectives
    (``lax.psum``, ``pmean``, ``all_gather``) over ``axis_name``. Mirrors: jax.pmap.

    The workbench runs the slices as one batched (vmapped) computation on the default
    device; the number of slices must not exceed the device count, as in JAX (request
    several CPU devices with ``config.update("jax_num_cpu_devices", n)``).
    """
    from workbench.functional.devices import device_count  # noqa: PLC0415

    mapped = jit(vmap(fun, in_axes=in_axes, out_axes=out_axes, axis_name=axis_name))

    @functools.wraps(fun, updated=())
    def run(*args: Any) -> Any:
        axes = in_axes if isinstance(in_axes, tuple | list) else (in_axes,) * len(args)
        sizes = {
            x.shape[a]
            for arg, a in zip(args, axes)
            if a is not None
            for x in tree.flatten(arg)[0]
            if hasattr(x, "shape") and len(x.shape)
        }
        available = len(devices) if devices is not None else device_count()
        for n in sizes:
            if n > available:
                raise ValueError(
                    f"compiling computation that requires {n} logical devices, but only "
                    f"{available} XLA devices are available (num_replicas={n})"
                )
        return mapped(*args)

    return run


# ---------------------------------------------------------------------------------------
# User-defined derivatives


class custom_vjp:  # noqa: N801
    """Mirrors: jax.custom_vjp: ``f.defvjp(fwd, bwd)`` with ``fwd(*args) -> (out, res)``
    and ``bwd(res, g) -> tuple of input cotangents``."""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Any = None
        self.bwd: Any = None
        functools.update_wrapper(self, fun, updated=())

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any], **_: Any) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        if self.fwd is None:
            raise AttributeError(
                "No VJP defined for custom_vjp function. Did you forget to call defvjp?"
            )
        nondiff = {i: a for i, a in enumerate(args) if i in self.nondiff_argnums}
        dyn = [a for i, a in enumerate(args) if i not in self.nondiff_argnums]
        flat, in_tree = tree.flatten(to_values(dyn))

        def full(values: Sequence[Any]) -> list[Any]:
            it = iter(tree.unflatten(in_tree, to_arrays(list(values))))
            return [nondiff[i] if i in nondiff else next(it) for i in range(len(args))]

        out_box: list[Any] = []

        def forward(*values: Any) -> list[Any]:
            out = self.fun(*full(values))
            leaves, out_tree = tree.flatten(to_values(out))
            out_box.append(out_tree)
            return leaves

        def backward(gs: Sequence[Any], values: Sequence[Any], outs: Sequence[Any]) -> list[Any]:
            _, res = self.fwd(*full(values))
            g = tree.unflatten(out_box[-1], to_arrays(list(gs)))
            nondiff_args = [nondiff[i] for i in self.nondiff_argnums]
            cts = self.bwd(*nondiff_args, res, g)
            return tree.flatten(to_values(tuple(cts)))[0]

        out_types = traced_out_types(forward, flat) if building_graph() else None
        outs = ops.custom_vjp_call(forward, backward, *flat, out_types=out_types)
        return to_arrays(tree.unflatten(out_box[-1], list(outs)))


class custom_jvp:  # noqa: N801
    """Mirrors: jax.custom_jvp: ``f.defjvp(rule)`` with ``rule(primals, tangents) ->
    (primal_out, tangent_out)``; reverse mode comes from transposing the rule."""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.rule: Any = None
        functools.update_wrapper(self, fun, updated=())

    def defjvp(
        self, jvp_rule: Callable[..., Any], symbolic_zeros: bool = False
    ) -> Callable[..., Any]:
        self.rule = jvp_rule
        return jvp_rule

    def defjvps(self, *tangent_fns: Any) -> None:
        def rule(primals: Any, tangents: Any) -> Any:
            out = self.fun(*primals)
            total = None
            for fn, t in zip(tangent_fns, tangents):
                if fn is None:
                    continue
                term = fn(t, out, *primals)
                total = term if total is None else total + term
            return out, total

        self.rule = rule

    def __call__(self, *args: Any) -> Any:
        if self.rule is None:
            raise AttributeError(
                "No JVP defined for custom_jvp function. Did you forget to call defjvp?"
            )
        nondiff = {i: a for i, a in enumerate(args) if i in self.nondiff_argnums}
        dyn = [a for i, a in enumerate(args) if i not in self.nondiff_argnums]
        flat, in_tree = tree.flatten(to_values(dyn))

        def dynamic(vals: Sequence[Any]) -> list[Any]:
            return list(tree.unflatten(in_tree, to_arrays(list(vals))))

        def full(vals: Sequence[Any]) -> list[Any]:
            it = iter(dynamic(vals))
            return [nondiff[i] if i in nondiff else next(it) for i in range(len(args))]

        out_box: list[Any] = []

        def forward(*vals: Any) -> list[Any]:
            leaves, out_tree = tree.flatten(to_values(self.fun(*full(vals))))
            out_box.append(out_tree)
            return leaves

        def rule(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
            nondiff_args = [nondiff[i] for i in self.nondiff_argnums]
            out, t = self.rule(*nondiff_args, tuple(dynamic(primals)), tuple(dynamic(tangents)))
            leaves, out_tree = tree.flatten(to_values(out))
            out_box.append(out_tree)  # forward mode calls the rule, not the function
            return leaves, tree.flatten(to_values(t))[0]

        outs = ops.custom_jvp_call(forward, rule, *flat)
        return to_arrays(tree.unflatten(out_box[-1], list(outs)))
