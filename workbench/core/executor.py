"""The executor: runs IR graphs from compiled plans; never builds graphs.

Compiling a graph runs the pass pipeline, then *lowers* the optimised graph once into a
straight-line Python function: one line per step, each calling an implementation
resolved at compile time (``plan.source``). All it knows of a primitive is an attribute
of it (never its name): a ``lower`` rule for a special lowering (a fused group's native
kernel, a constant, cuBLAS), the ``run`` rule of control flow (called with compiled
sub-plans), the ``ufunc`` that lets a step write into a buffer planned ahead (``out=``,
reused as soon as its value is dead: chains run in place), ``view`` for results that may
share an input's memory, and ``into`` / ``parts`` / ``view_back`` for concatenations
written in place (``rewrites``). Plans are cached per graph and input signature;
``executor.stats`` counts them.
"""

from __future__ import annotations

import functools
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.backend import Device, dtypes
from workbench.core.dispatch import PROFILERS
from workbench.core.ir import Atom, Equation, Graph, Literal, Type, Var
from workbench.core.passes import Pipeline, default_pipeline
from workbench.core.rewrites import rewrite_steps
from workbench.core.values import Array, Tracer


@dataclass
class MemoryReport:
    """What memory planning decided for one plan."""

    planned_values: int = 0
    buffers: int = 0
    planned_bytes: int = 0
    unplanned_bytes: int = 0
    in_place: int = 0

    def __str__(self) -> str:
        return (
            f"memory: {self.planned_values} intermediates in {self.buffers} reused buffers "
            f"({_size(self.planned_bytes)} instead of {_size(self.unplanned_bytes)}), "
            f"{self.in_place} written in place"
        )


def _size(n: int) -> str:
    """Bytes in the unit that shows them: 96 B, 12.5 KiB, 3.20 MiB."""
    if n < 1 << 10:
        return f"{n} B"
    return f"{n / (1 << 10):.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.2f} MiB"


@dataclass
class _Step:
    eqn: Equation
    kind: str  # "call", "ufunc", "kernel", "higher"
    function: Any
    ufunc_inputs: int = 0


@dataclass
class Stats:
    compiles: int = 0
    hits: int = 0
    kernels: int = 0

    def __str__(self) -> str:
        return f"{self.compiles} compiled, {self.hits} cache hits, {self.kernels} fused kernels"


class Plan:
    """A compiled graph for one input signature. Call it with Arrays."""

    def __init__(
        self, graph: Graph, in_types: Sequence[Type], device: Device, executor: Executor
    ) -> None:
        self.original = graph
        self.device = device
        self.in_types = tuple(in_types)
        if executor.pipeline is not None:
            self.graph, self.reports = executor.pipeline.run(graph)
        else:
            self.graph, self.reports = graph, []
        self.memory = MemoryReport()
        self.executor = executor
        self.source, self.fn = _Lowering(self.graph, device, executor, self.memory).build()
        self._profiled: Callable[..., Any] | None = None
        self._into: dict[int, Callable[..., Any]] = {}

    def __call__(self, *args: Array) -> list[Array]:
        device = self.device
        fn = self.fn if not PROFILERS else self.profiled_fn()
        outs = fn(*[a.data for a in args])
        ndarray = device.ndarray
        return [Array(o if o.__class__ is ndarray else device.xp.asarray(o), device) for o in outs]

    def profiled_fn(self) -> Callable[..., Any]:
        """The plan reporting every step to the active profiler (built on first use)."""
        if self._profiled is None:
            lowering = _Lowering(self.graph, self.device, self.executor, MemoryReport())
            self._profiled = lowering.build(profiled=True)[1]
        return self._profiled

    def into_fn(self, first: int) -> Callable[..., Any]:
        """The plan as ``fn(*arrays, into)``: results from ``first`` on go into the arrays
        of ``into`` (written there by the steps making them, else copied at the end), the
        others are returned. A loop (``scan``) then moves no step's ys twice."""
        found = self._into.get(first)
        if found is None:
            lowering = _Lowering(self.graph, self.device, self.executor, MemoryReport())
            source, found = lowering.build(into_from=first)
            found.source = source  # type: ignore[attr-defined]
            self._into[first] = found
        return found

    def report(self) -> str:
        """The passes' reports and the memory plan, one per line."""
        return "\n".join([*(str(r) for r in self.reports), str(self.memory)])

    def cuda_graph(self, *examples: Array) -> CudaGraphPlan:
        """This plan captured once as a CUDA graph (CuPy devices only), replayed with one
        launch per call. See :class:`CudaGraphPlan`."""
        if self.device.platform != "cuda":
            raise ValueError(f"cuda_graph: the plan runs on {self.device}, not a CUDA device")
        return CudaGraphPlan(self, examples)


class CudaGraphPlan:
    """A plan captured as a CUDA graph: every call copies the inputs into the graph's
    static input buffers, replays the graph (one launch instead of one per step) and
    copies the results out (so results are never overwritten by a later call).

    Capture uses a private memory pool, so no other allocation can ever reuse memory the
    graph writes to; matrix products go through cuBLAS directly, which supports capture.
    """

    def __init__(self, plan: Plan, examples: Sequence[Array]) -> None:
        cupy = plan.device.xp
        from workbench.backend import cublas  # noqa: PLC0415

        self.plan = plan
        self.pool = cupy.cuda.MemoryPool()
        self.stream = cupy.cuda.Stream(non_blocking=True)
        with self.stream, cupy.cuda.using_allocator(self.pool.malloc):
            self.inputs = [cupy.array(e.data, copy=True) for e in examples]
            plan.fn(*self.inputs)  # warm up: compile kernels, settle the pool
            self.stream.synchronize()
            cublas.set_stream(self.stream)
            try:
                self.stream.begin_capture()
                self.outputs = plan.fn(*self.inputs)
                self.graph = self.stream.end_capture()
            finally:
                cublas.set_stream(cupy.cuda.get_current_stream())

    def __call__(self, *args: Array) -> list[Array]:
        cupy = self.plan.device.xp
        device = self.plan.device
        with self.stream:
            for static, a in zip(self.inputs, args):
                if a.data.data.ptr != static.data.ptr:
                    cupy.copyto(static, a.data)
            self.graph.launch(self.stream)
            results = [cupy.array(o, copy=True) for o in self.outputs]
        self.stream.synchronize()
        return [Array(r, device) for r in results]


class BoundedCache(OrderedDict):  # type: ignore[type-arg]
    """A dict that keeps its ``limit`` most recently used entries: compiled plans and
    traces are cached by signature, and a program calling one function with ever new
    shapes must not keep every plan it made (the oldest unused go first)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def get(self, key: Any, default: Any = None) -> Any:
        try:  # one look-up, not a test and then a look-up
            value = self[key]
        except KeyError:
            return default
        self.move_to_end(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


# How many compiled plans an executor keeps (each holds its graph and buffers).
PLAN_CACHE_SIZE = 256


@dataclass
class Executor:
    """Compiles and caches plans. ``pipeline=None`` runs graphs unoptimised."""

    pipeline: Pipeline | None = field(default_factory=default_pipeline)
    native_kernels: bool = True
    stats: Stats = field(default_factory=Stats)
    _cache: dict[Any, tuple[Graph, Plan]] = field(
        default_factory=lambda: BoundedCache(PLAN_CACHE_SIZE)
    )

    def plan(self, graph: Graph, in_types: Sequence[Type]) -> Plan:
        """The plan for ``graph`` on inputs of ``in_types`` (compiled once, then cached)."""
        in_types = tuple(in_types)
        key = (id(graph), tuple((t.shape, t.dtype, t.device) for t in in_types))
        found = self._cache.get(key)
        if found is not None and found[0] is graph:
            self.stats.hits += 1
            return found[1]
        for var, value in graph.constants:
            if isinstance(value, Tracer):
                raise TypeError(
                    "executor: the graph captured a value of an enclosing transformation "
                    f"({var.type}); close over it as an input instead (transformations compose "
                    "through the call primitive)"
                )
        devices = {t.device for t in in_types} | {v.device for _, v in graph.constants}
        if len(devices) > 1:
            raise ValueError(
                "executor: a plan runs on one device, got inputs on "
                f"{sorted(d.name for d in devices)}"
            )
        device = devices.pop() if devices else _default_device()
        plan = Plan(graph, in_types, device, self)
        self.stats.compiles += 1
        self._cache[key] = (graph, plan)
        return plan

    def function(self, graph: Graph) -> Callable[..., Any]:
        """The compiled ``graph`` (for its own input types) as a function from backend
        arrays to a sequence of backend arrays; under a profiler its steps are reported."""
        plan = self.plan(graph, graph.in_types)
        fn = plan.fn

        def run(*args: Any) -> Any:
            return (plan.profiled_fn() if PROFILERS else fn)(*args)

        # Plan.into_fn, or None under a profiler (whose plan reports its steps)
        run.into = lambda first: None if PROFILERS else plan.into_fn(first)  # type: ignore[attr-defined]
        return run

    def run(self, graph: Graph, *args: Array) -> list[Array]:
        """Run ``graph`` on concrete arrays through its cached plan."""
        for a in args:
            if not isinstance(a, Array):
                raise TypeError(f"executor: expected concrete arrays, got {type(a).__name__}")
        types = [Type(tuple(a.shape), a.dtype, a.device) for a in args]
        if [(t.shape, t.dtype) for t in types] != [(t.shape, t.dtype) for t in graph.in_types]:
            shown = ", ".join(map(str, types))
            want = ", ".join(map(str, graph.in_types))
            raise TypeError(f"executor: the graph takes ({want}), got ({shown})")
        return self.plan(graph, types)(*args)

    def clear(self) -> None:
        self._cache.clear()

    def forget(self, graph: Graph) -> None:
        """Drop the plans compiled for ``graph`` (its function's cache was cleared)."""
        for key in [k for k, (g, _) in self._cache.items() if g is graph]:
            del self._cache[key]


def _default_device() -> Device:
    from workbench.backend import default_device  # noqa: PLC0415

    return default_device()


_DEFAULT: list[Executor] = []


def default_executor() -> Executor:
    """The executor the ``call`` primitive (and so jit) compiles with."""
    if not _DEFAULT:
        _DEFAULT.append(Executor())
    return _DEFAULT[0]


# ---------------------------------------------------------------------------------------
# Lowering: graph -> steps -> memory plan -> Python source


class _Lowering:
    def __init__(
        self, graph: Graph, device: Device, executor: Executor, memory: MemoryReport
    ) -> None:
        self.graph = graph
        self.device = device
        self.xp = device.xp
        self.executor = executor
        self.memory = memory
        self.namespace: dict[str, Any] = {}
        self.names: dict[int, str] = {}
        self._subplans: dict[int, Callable[..., Any]] = {}

    # naming -----------------------------------------------------------------------------
    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def name_of(self, atom: Atom) -> str:
        if isinstance(atom, Literal):
            key = id(atom)
            if key not in self.names:
                self.names[key] = self.bind("k", self._on_device(atom.value))
            return self.names[key]
        return self.names[id(atom)]

    def define(self, var: Var) -> str:
        name = f"v{len(self.names)}"
        self.names[id(var)] = name
        return name

    def _on_device(self, value: Array) -> Any:
        if value.device is self.device:
            return value.data
        return self.device.put(value.numpy())

    # what lowering rules use ------------------------------------------------------------
    def step(self, eqn: Equation, function: Any, kind: str = "call") -> _Step:
        """A plan step calling ``function`` (kinds: call, ufunc, kernel, higher)."""
        return _Step(eqn, kind, function, len(eqn.inputs))

    def constant(self, var: Var, value: Any) -> None:
        """Define ``var`` as a value computed now, once, when the plan is built."""
        self.names[id(var)] = self.bind("k", value)

    def on_device(self, value: Array) -> Any:
        """A constant's data on this plan's device."""
        return self._on_device(value)

    def kernel(self, graph: Graph) -> Callable[..., Any] | None:
        """One native kernel computing an elementwise ``graph``, or None."""
        if not self.executor.native_kernels:
            return None
        from workbench.core import codegen  # noqa: PLC0415 - only plans with groups need it

        kernel = codegen.elementwise_kernel(graph, self.device)
        if kernel is not None:
            self.executor.stats.kernels += 1
        return kernel

    def inline(self, eqn: Equation) -> list[_Step]:
        """The steps of the equations of ``eqn``'s graph, as if written out in place."""
        inner = eqn.params["graph"]
        rename: dict[int, Atom] = {id(v): a for v, a in zip(inner.inputs, eqn.inputs)}
        # the equations defining the sub-graph's results define the outer variables
        results = {id(v): outer for v, outer in zip(inner.outputs, eqn.outputs)}
        result = []
        for e in inner.equations:
            inputs = tuple(rename.get(id(a), a) if isinstance(a, Var) else a for a in e.inputs)
            outputs = tuple(results.get(id(v), v) for v in e.outputs)
            for v, outer in zip(e.outputs, outputs):
                rename[id(v)] = outer
            result.extend(self._lower(Equation(e.primitive, inputs, outputs, e.params)))
        return result

    def run_graph(self, graph: Graph) -> Callable[..., Any]:
        """A sub-graph compiled into a plan of its own (once per lowering)."""
        found = self._subplans.get(id(graph))
        if found is None:
            found = self._subplans[id(graph)] = self.executor.function(graph)
        return found

    # steps ------------------------------------------------------------------------------
    def steps(self) -> list[_Step]:
        out: list[_Step] = []
        for eqn in self.graph.equations:
            out.extend(self._lower(eqn))
        return out

    def _lower(self, eqn: Equation) -> list[_Step]:
        prim = eqn.primitive
        if prim.lower is not None:
            special = prim.lower(self, eqn)
            if special is not None:
                return list(special)
        if prim.run is not None:
            run = functools.partial(prim.run, self.run_graph, self.xp, **eqn.params)
            return [self.step(eqn, run, "higher")]
        if prim.higher_order:
            raise NotImplementedError(f"executor: {prim.name} has no run rule to compile")
        if prim.ufunc is not None:
            return [self.step(eqn, getattr(self.xp, prim.ufunc), "ufunc")]
        return [self.step(eqn, functools.partial(prim.impl, self.xp, **eqn.params))]

    # code -------------------------------------------------------------------------------
    def build(
        self, profiled: bool = False, into_from: int | None = None
    ) -> tuple[str, Callable[..., Any]]:
        graph = self.graph
        args = [self.define(v) for v in graph.inputs]
        targets = _targets(graph, into_from)  # results written into the arrays of ``into``
        for var, value in graph.constants:
            self.names[id(var)] = self.bind("c", self._on_device(value))
        steps = rewrite_steps(graph, self.steps(), self.xp)
        buffers, assignment = _plan_memory(graph, steps, self.memory)
        buffer_names = {
            b: self.bind("b", self.xp.empty(shape, dtype)) for b, (shape, dtype) in buffers.items()
        }
        lines = [f"def plan({', '.join(args + (['into'] if into_from is not None else []))}):"]
        if into_from is not None and len(graph.outputs) > into_from:
            given = range(len(graph.outputs) - into_from)
            lines.append(f"    {', '.join(f'o{k}' for k in given)}, = into")
        written: set[int] = set()
        for i, step in enumerate(steps):
            eqn = step.eqn
            inputs = ", ".join(self.name_of(a) for a in eqn.inputs)
            # a control-flow step is not an event itself: its body's steps are
            wrap = profiled and step.kind != "higher"
            fn = self.bind("f", _ProfiledStep(step) if wrap else step.function)
            buffer = assignment.get(i)
            if buffer is not None:
                out = self.define(eqn.outputs[0])
                target = buffer_names[buffer]
                call = f"{inputs}, out={target}" if inputs else f"out={target}"
                lines.append(f"    {out} = {fn}({call})  # {eqn.primitive.name}")
                continue
            outs = [self.define(v) for v in eqn.outputs]
            aims = [targets.get(id(v)) for v in eqn.outputs]
            joins = step.kind == "call" and eqn.primitive.parts is not None and eqn.inputs
            if (step.kind in ("ufunc", "kernel") or joins) and any(a is not None for a in aims):
                written.update(id(v) for v, a in zip(eqn.outputs, aims) if a is not None)
                if len(outs) == 1:
                    call = f"{inputs}, out=o{aims[0]}" if inputs else f"out=o{aims[0]}"
                    lines.append(f"    {outs[0]} = {fn}({call})  # {eqn.primitive.name}")
                    continue
                aimed = ", ".join("None" if a is None else f"o{a}" for a in aims)
                target = ", ".join(outs)
                lines.append(f"    {target} = {fn}({inputs}, outs=({aimed},))  # fused")
                continue
            if not outs:  # an effect only (a host callback)
                lines.append(f"    {fn}({inputs})  # {eqn.primitive.name}")
            elif step.kind == "higher" or (
                eqn.primitive.multiple_results and (step.kind != "kernel" or len(outs) > 1)
            ):
                target = ", ".join(outs) + ("," if len(outs) == 1 else "")
                lines.append(f"    {target} = {fn}({inputs})  # {eqn.primitive.name}")
            else:
                lines.append(f"    {outs[0]} = {fn}({inputs})  # {eqn.primitive.name}")
        results = list(graph.outputs)
        if into_from is not None:
            for k, a in enumerate(results[into_from:]):
                if not (isinstance(a, Var) and id(a) in written):
                    lines.append(f"    o{k}[...] = {self.name_of(a)}")
            results = results[:into_from]
        returned = ", ".join(self.name_of(a) for a in results)
        lines.append(f"    return ({returned}{',' if len(results) == 1 else ''})")
        source = "\n".join(lines)
        exec(compile(source, "<workbench plan>", "exec"), self.namespace)  # noqa: S102 - our own generated code
        return source, self.namespace["plan"]


def _targets(graph: Graph, into_from: int | None) -> dict[int, int]:
    """Which variable goes into which given array (one returned twice is copied)."""
    if into_from is None:
        return {}
    counts = Counter(id(a) for a in graph.outputs)
    return {
        id(a): k
        for k, a in enumerate(graph.outputs[into_from:])
        if isinstance(a, Var) and counts[id(a)] == 1
    }


class _ProfiledStep:
    """A plan step that reports its run to the innermost active profiler."""

    def __init__(self, step: _Step) -> None:
        eqn = step.eqn
        self.function = step.function
        self.eqn = eqn
        name = eqn.primitive.name
        if eqn.primitive.fused_group:
            inner = "+".join(e.primitive.name for e in eqn.params["graph"].equations)
            name = f"{name}[{inner}]"
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not PROFILERS:
            return self.function(*args, **kwargs)
        return PROFILERS[-1].run_step(self, args, kwargs)


def _plan_memory(
    graph: Graph, steps: Sequence[_Step], report: MemoryReport
) -> tuple[dict[int, tuple[tuple[int | None, ...], np.dtype]], dict[int, int]]:
    """Choose a persistent buffer for each elementwise result that never escapes.

    Returns the buffers (id -> shape, dtype) and which step writes into which buffer.

    Values that may share memory (views, control-flow results) form one class; a buffer
    is free again once every member of its class is dead. A step may write over one of
    its own inputs (elementwise operations allow that): that is an in-place write.
    """
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.get(i, i) != i:
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    never = len(steps) + 1
    last_use: dict[int, int] = {}
    for i, step in enumerate(steps):
        for a in step.eqn.inputs:
            if isinstance(a, Var):
                last_use[id(a)] = i
        if step.eqn.primitive.view or step.kind == "higher":
            for v in step.eqn.outputs:
                for a in step.eqn.inputs:
                    if isinstance(a, Var):
                        union(id(v), id(a))
    escaping = {id(a) for a in graph.outputs if isinstance(a, Var)}
    class_end: dict[int, int] = {}
    class_escapes: set[int] = set()
    members: list[int] = [id(v) for step in steps for v in step.eqn.outputs] + [
        id(v) for v in graph.inputs
    ]
    for m in members:
        root = find(m)
        class_end[root] = max(class_end.get(root, -1), last_use.get(m, -1))
        if m in escaping:
            class_escapes.add(root)
    for m in escaping:
        class_escapes.add(find(m))

    buffers: dict[int, tuple[tuple[int | None, ...], np.dtype]] = {}
    assignment: dict[int, int] = {}
    holder: dict[int, int] = {}  # buffer -> class root currently holding it
    free: list[int] = []
    for i, step in enumerate(steps):
        # release buffers whose values died before this step
        for b, root in list(holder.items()):
            if class_end.get(root, never) < i:
                free.append(b)
                del holder[b]
        if step.kind not in ("ufunc", "kernel") or len(step.eqn.outputs) != 1:
            continue
        var = step.eqn.outputs[0]
        root = find(id(var))
        if root in class_escapes or not var.type.shape:
            continue
        # an input dying here may be overwritten by this (elementwise) step
        reads = {find(id(a)) for a in step.eqn.inputs if isinstance(a, Var)}
        in_place = None
        for b, r in list(holder.items()):
            if (
                r in reads
                and class_end.get(r, never) == i
                and buffers[b] == (var.type.shape, var.type.dtype)
            ):
                in_place = b
                del holder[b]
                break
        chosen = in_place
        if chosen is None:
            chosen = next((b for b in free if buffers[b] == (var.type.shape, var.type.dtype)), None)
            if chosen is not None:
                free.remove(chosen)
        if chosen is None:
            chosen = len(buffers)
            buffers[chosen] = (var.type.shape, var.type.dtype)
            report.buffers += 1
            report.planned_bytes += _nbytes(var.type)
        holder[chosen] = root
        report.planned_values += 1
        report.unplanned_bytes += _nbytes(var.type)
        report.in_place += in_place is not None
        assignment[i] = chosen
    return buffers, assignment


def _nbytes(t: Type) -> int:
    return t.size * t.dtype.itemsize


__all__ = [
    "Executor",
    "MemoryReport",
    "Plan",
    "Stats",
    "default_executor",
    "dtypes",
]
