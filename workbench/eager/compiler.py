"""``torch.compile`` in the workbench: capture eager code into core IR and run it through
the graph compiler.

On the first call for an input signature the function is traced (Tensors wrap the core's
graph-building values); captured parameters become graph operands, so later optimiser
updates are seen, and the compiled call is one ``call`` primitive, so autograd flows
through it (its VJP is the compiled backward graph). Python control flow on tensor values
cannot be traced: that is a *graph break*, recorded with its reason in ``graph_breaks``.
A function then runs eagerly for that signature; a module runs its own forward eagerly
but calls its child modules through their compiled graphs, so only the part that broke
leaves the compiler (TorchDynamo instead splits the Python bytecode at the break).
``print`` is a graph break too, so it runs on every call, as under TorchDynamo.

Python numbers among the arguments are baked into the first graph; when a later call
brings a different number in the same place, the graph is recompiled once with that
number as an input (TorchDynamo's "automatic dynamic"), and later values reuse it. Shapes
stay specialised: the core runs only graphs whose dimensions are all known, where
TorchDynamo would recompile once with the changed dimension symbolic.
"""

from __future__ import annotations

import builtins
import contextlib
import threading
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from workbench.core import tree
from workbench.core.dispatch import apply
from workbench.core.ir import Graph
from workbench.core.primitives.control import call_p, closed_graph
from workbench.core.primitives.operands import array
from workbench.core.trace import type_of
from workbench.core.values import ConcretizationError
from workbench.eager.nn.modules import Module
from workbench.eager.tensor import Tensor
from workbench.eager.tensor_base import tracked, wrap

_MISSING = object()

# What has been compiled, process-wide. Mirrors: torch._dynamo.utils.counters
# (``counters["stats"]["unique_graphs"]``, ``counters["graph_break"][reason]``).
counters: defaultdict[str, Counter[str]] = defaultdict(Counter)


class Unsupported(ConcretizationError):
    """Code the compiler will not capture (a Python side effect such as ``print``).
    Mirrors: torch._dynamo.exc.Unsupported (raised under ``fullgraph=True``)."""


@contextlib.contextmanager
def _print_breaks() -> Iterator[None]:
    """While tracing, ``print`` stops the capture: its output belongs to every call, not
    to the one call that traced."""
    original, tracer = builtins.print, threading.get_ident()

    def refuse(*args: Any, **kwargs: Any) -> None:
        if threading.get_ident() != tracer:  # another thread's print is not in the trace
            return original(*args, **kwargs)
        raise Unsupported(
            "print() is a Python side effect: it cannot be captured in a graph, "
            "so the function runs eagerly and prints on every call"
        )

    builtins.print = refuse
    try:
        yield
    finally:
        builtins.print = original


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


@dataclass
class GraphBreak:
    """Why a call could not be captured, and where in the user's code."""

    reason: str
    where: str

    def __str__(self) -> str:
        return f"graph break at {self.where}: {self.reason}"


@dataclass
class CompileStats:
    compiles: int = 0
    hits: int = 0
    eager_calls: int = 0


@dataclass
class _Entry:
    graph: Graph | None
    constants: list[Any] = field(default_factory=list)
    out_tree: Any = None


class CompiledFunction:
    """A callable that runs ``fn`` from compiled graphs, one per input signature."""

    def __init__(self, fn: Any, fullgraph: bool = False) -> None:
        self.fn = fn
        self.fullgraph = fullgraph
        self.graph_breaks: list[GraphBreak] = []
        self.stats = CompileStats()
        self._cache: dict[Any, _Entry] = {}
        self._module_list: list[Module] | None = None  # the module tree, for training flags
        self._numbers_seen: dict[tuple[Any, int], Any] = {}  # (structure, position) -> value
        self.dynamic: set[tuple[Any, int]] = set()  # numbers passed as graph inputs
        self._static: set[tuple[Any, int]] = set()  # numbers the code needs as values

    @property
    def graphs(self) -> list[Graph]:
        """The captured graphs (for printing and drawing)."""
        return [e.graph for e in self._cache.values() if e.graph is not None]

    def _key(self, flat: list[Any], structure: Any) -> Any:
        """What a captured graph depends on: the arguments' structure, each tensor's
        shape, dtype, device and whether it requires grad, the other arguments' values,
        and the modules' training flags."""
        parts: list[tuple[Any, ...]] = []
        for i, x in enumerate(flat):
            if _is_number(x) and (structure, i) in self.dynamic:
                parts.append(("dynamic", type(x)))
            elif isinstance(x, Tensor):
                value = x._value
                grad = tracked(value)
                array = value.primal if grad else value
                parts.append(("tensor", array.shape, array.dtype, array.device, grad))
            else:
                parts.append(
                    ("static", x if isinstance(x, int | float | str | bool | type(None)) else id(x))
                )
        if isinstance(self.fn, Module):
            if self._module_list is None:
                self._module_list = list(self.fn.modules())
            training = tuple(m.training for m in self._module_list)
        else:
            training = ()
        return structure, tuple(parts), training, self._guards()

    def _guards(self) -> tuple[Any, ...]:
        """The Python numbers, strings and flags the function reads from its globals and
        closure: a graph bakes them in, so a changed value compiles a new one (TorchDynamo
        guards on them the same way; jit and tf.function keep the old value)."""
        fn = type(self.fn).forward if isinstance(self.fn, Module) else self.fn
        fn = getattr(fn, "__func__", fn)
        code = getattr(fn, "__code__", None)
        if code is None:
            return ()
        scalar = (int, float, str, bool, type(None))
        found: list[tuple[str, Any]] = []
        namespace = getattr(fn, "__globals__", {})
        for name in code.co_names:
            value = namespace.get(name, _MISSING)
            if isinstance(value, scalar):
                found.append((name, value))
        for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, scalar):
                found.append((name, value))
        return tuple(found)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flat, structure = tree.flatten((args, kwargs))
        key = self._key(flat, structure)
        entry = self._cache.get(key)
        if entry is None and self._make_dynamic(flat, structure):
            key = self._key(flat, structure)
            entry = self._cache.get(key)
        if entry is None:
            entry = self._compile(args, kwargs)
            self._cache[self._key(flat, structure)] = entry  # specialising may change it
        else:
            self.stats.hits += 1
        if entry.graph is None:
            self.stats.eager_calls += 1
            if isinstance(self, CompiledModule) and self.fn._modules:
                return self._run_with_compiled_children(args, kwargs)
            return self.fn(*args, **kwargs)
        values = [
            x._value if isinstance(x, Tensor) else array(x) for x in self._inputs(flat, structure)
        ]
        outs = apply(call_p, *entry.constants, *values, graph=entry.graph)
        return tree.unflatten(entry.out_tree, [wrap(o) for o in outs])

    def _make_dynamic(self, flat: list[Any], structure: Any) -> bool:
        """Remember the numbers of this call; a number that differs from the one an
        earlier graph baked in becomes a graph input. Whether any did."""
        changed = False
        for i, x in enumerate(flat):
            if not _is_number(x) or (structure, i) in self._static:
                continue
            seen = self._numbers_seen.setdefault((structure, i), x)
            if seen != x and (structure, i) not in self.dynamic:
                self.dynamic.add((structure, i))
                changed = True
        return changed

    def _inputs(self, flat: list[Any], structure: Any) -> list[Any]:
        """The leaves a graph takes as inputs: tensors, and the dynamic numbers."""
        return [
            x
            for i, x in enumerate(flat)
            if isinstance(x, Tensor) or _is_number(x) and (structure, i) in self.dynamic
        ]

    def _compile(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Entry:
        flat, structure = tree.flatten((args, kwargs))
        dynamic = [
            i for i, x in enumerate(flat) if _is_number(x) and (structure, i) in self.dynamic
        ]
        try:
            return self._capture(flat, structure, dynamic)
        except (ConcretizationError, TypeError, ValueError):
            if not dynamic:
                raise
        # the code needs these numbers' values (a shape, a range, an ``if``): specialise
        for i in dynamic:
            self.dynamic.discard((structure, i))
            self._static.add((structure, i))
        return self._compile(args, kwargs)

    def _capture(self, flat: list[Any], structure: Any, dynamic: list[int]) -> _Entry:
        positions = [i for i, x in enumerate(flat) if isinstance(x, Tensor) or i in dynamic]
        out_tree: list[Any] = []

        def traced(*values: Any) -> Any:
            filled = list(flat)
            for i, v in zip(positions, values):
                filled[i] = wrap(v)
            call_args, call_kwargs = tree.unflatten(structure, filled)
            result = self.fn(*call_args, **call_kwargs)
            leaves, result_tree = tree.flatten(result)
            out_tree.append(result_tree)
            return [leaf._value if isinstance(leaf, Tensor) else leaf for leaf in leaves]

        types = [type_of(_example(flat[i])) for i in positions]
        try:
            with _print_breaks():
                graph, constants, _ = closed_graph(traced, types)
        except ConcretizationError as err:
            if self.fullgraph or dynamic:
                raise
            self.graph_breaks.append(GraphBreak(str(err), _user_frame(err)))
            counters["graph_break"][str(err)] += 1
            return _Entry(None)
        self.stats.compiles += 1
        counters["stats"]["unique_graphs"] += 1
        return _Entry(graph, constants, out_tree[0])

    def explain(self) -> str:
        """How many graphs were captured and why any call fell back to eager."""
        lines = [f"{len(self.graphs)} graph(s) captured, {len(self.graph_breaks)} graph break(s)"]
        lines += [f"  {b}" for b in self.graph_breaks]
        return "\n".join(lines)


class CompiledModule(CompiledFunction):
    """A compiled ``nn.Module``: calls go through the compiled graphs; everything else
    (parameters, state_dict, train/eval…) is the original module's."""

    def __init__(self, module: Module, fullgraph: bool = False) -> None:
        super().__init__(module, fullgraph)
        self.children_compiled: dict[str, CompiledModule] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fn, name)

    def _run_with_compiled_children(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """This module's forward, eagerly, with each child module compiled on its own."""
        module = self.fn
        originals = dict(module._modules)
        for name, child in originals.items():
            if child is not None and name not in self.children_compiled:
                self.children_compiled[name] = CompiledModule(child)
        try:
            for name, compiled in self.children_compiled.items():
                module._modules[name] = compiled  # type: ignore[assignment]
            return module(*args, **kwargs)
        finally:
            module._modules.update(originals)

    def explain(self) -> str:
        lines = [super().explain()]
        for name, child in self.children_compiled.items():
            lines.append(f"child {name}: " + child.explain().replace("\n", "\n  "))
        return "\n".join(lines)


def _example(x: Any) -> Any:
    """What a graph input is traced from: a tensor's value, or a dynamic number as a
    0-d array (float32 or int64, as PyTorch's scalars promote)."""
    return x._value if isinstance(x, Tensor) else array(x)


def _user_frame(err: BaseException) -> str:
    """The line of the user's code that needed a value: the innermost frame of the
    error's traceback outside the workbench (else the caller's)."""
    frames = traceback.extract_tb(err.__traceback__) or traceback.extract_stack()[:-2]
    for frame in reversed(frames):
        if "/workbench/" not in frame.filename:
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "unknown location"


def compile(
    model: Any = None,
    *,
    fullgraph: bool = False,
    dynamic: Any = None,
    backend: Any = "workbench",  # noqa: A001
    mode: Any = None,
    options: Any = None,
    disable: bool = False,
) -> Any:
    """Mirrors: torch.compile (as a function and as a decorator)."""
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, disable=disable)
    if disable:
        return model
    if isinstance(model, Module):
        return CompiledModule(model, fullgraph)
    return CompiledFunction(model, fullgraph)
