"""Primitives: the closed set of operations every front end computes with.

A :class:`Primitive` holds, in one object, everything about one operation: its
implementation against the array module ``xp``, its shape/dtype rule, and its VJP, JVP
and batching rules (written in primitives, so they are differentiable and traceable
themselves). Family factories (in the families' own modules) supply shared rules.

Rule signatures (``g`` is the cotangent of the output, ``t`` a tangent; ``None`` means
a known zero):

- ``impl(xp, *arrays, **params) -> array | tuple``
- ``shape(*types, **params) -> Type | tuple[Type, ...]``  (raises on bad input)
- ``vjp(g, *inputs, out, **params) -> tuple`` (one entry per input, ``None`` for "no
  gradient"); ``g`` is a tuple for primitives with several outputs. A rule that also
  takes ``needs`` (a tuple of bools, one per input) may skip cotangents nobody wants.
- ``jvp(primals, tangents, **params) -> (out, out_tangent)``
- ``batch(values, axes, /, **params) -> (out, out_axis)`` (vmap; ``axes[i]`` is the
  batch axis of ``values[i]`` or ``None``)

What the compiler needs lives here too, so nothing outside a primitive's file decides
behaviour by its name:

- ``ufunc``: the name of the NumPy/CuPy ufunc computing it (plans call it with ``out=``);
- ``fusion``: its expression in a fused kernel (C and CUDA share it), a format string over
  operands ``{0} {1} …`` and the result's C type ``{T}``, or a function
  ``(*operands, known, T, out) -> str`` for one that depends on more;
- ``view``: whether its result may share memory with an input;
- ``run(run_graph, xp, *arrays, **params)``: for control flow, the one implementation,
  used both when interpreting (sub-graphs evaluated) and in compiled plans (sub-graphs
  compiled); ``run_graph(graph)`` returns a function from arrays to arrays;
- ``lower(lowering, eqn)``: a special lowering for compiled plans (a kernel, a constant,
  cuBLAS); it returns the plan's steps, or None for the ordinary one;
- ``fused_group``: its params hold one group the fusion pass formed (counted as one
  equation, drawn expanded on request);
- ``parts(out, types, **params)``: for a primitive gathering its operands into its result (a
  concatenation), one view of ``out`` per operand, where that operand lands;
- ``view_back(y, source, **params)``: for a view primitive, a view of ``y`` (laid out as
  its result) laid out as its operand (of shape ``source``), or None if that needs a copy;
- ``into(xp, types, **params)``: a function ``(*arrays, out) -> out`` writing the
  result into a given (possibly strided) array, or None where the primitive cannot.
  With these three a plan lets the steps making a concatenation's operands write straight
  into its result (``workbench.core.rewrites``);
- ``rewrite_steps(steps, xp)``: a rewrite of a host plan's lowered steps that only this
  primitive's rules know (a convolution sharing its im2col rows with its weight gradient).

Higher-order primitives (control flow, calls) hold sub-graphs in their params; their
``impl`` receives and returns workbench Arrays, because it evaluates those graphs.
"""

from __future__ import annotations

import inspect
import linecache
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core.ir import Type

_REGISTRY: dict[str, Primitive] = {}

RULE_KINDS = ("impl", "shape", "vjp", "jvp", "batch", "run", "lower", "ufunc", "fusion", "view")


class Primitive:
    """One operation of the core.

    Attributes:
        name: the name the IR text and the registry use.
        multiple_results: whether ``impl`` returns a tuple of arrays.
        nondiff_inputs: indices of inputs that never get a gradient (indices, keys).
    """

    def __init__(
        self,
        name: str,
        *,
        impl: Callable[..., Any],
        shape: Callable[..., Any],
        multiple_results: bool = False,
        nondiff_inputs: Sequence[int] = (),
        family: str = "",
        higher_order: bool = False,
    ) -> None:
        if name in _REGISTRY:
            raise ValueError(f"a primitive named {name!r} is already registered")
        self.name = name
        self.impl = impl
        self.shape_rule = shape
        self.multiple_results = multiple_results
        self.nondiff_inputs = frozenset(nondiff_inputs)
        self.family = family
        self.higher_order = higher_order
        self.vjp_rule: Callable[..., Any] | None = None
        self.vjp_takes_needs = False
        self.jvp_rule: Callable[..., Any] | None = None
        self.batch_rule: Callable[..., Any] | None = None
        # check(*values, **params) raises a clear error before impl runs; by default it
        # is the shape rule, and families install something cheaper for eager speed.
        self.check: Callable[..., Any] = shape
        # For elementwise families: operands of equal shape and one of these dtypes need
        # no check at all (the dispatcher's fast path tests this itself).
        self.fast_dtypes: frozenset[np.dtype] | None = None
        # What compiled plans need (see the module docstring).
        self.ufunc: str | None = None
        self.fusion: str | Callable[..., str] | None = None
        self.view = False
        self.run: Callable[..., Any] | None = None
        self.lower: Callable[..., Any] | None = None
        self.fused_group = False
        self.parts: Callable[..., Any] | None = None
        self.view_back: Callable[..., Any] | None = None
        self.into: Callable[..., Any] | None = None
        self.rewrite_steps: Callable[..., Any] | None = None
        # effectful: it does something besides computing its outputs (a print, a host
        # callback), so passes keep it even when unused, never merge or fold it.
        self.effectful = False
        self.defined_at = _definition_site()
        _REGISTRY[name] = self

    def vjp(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: register the reverse-mode rule."""
        self.vjp_rule = rule
        self.vjp_takes_needs = "needs" in inspect.signature(rule).parameters
        return rule

    def jvp(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: register the forward-mode rule."""
        self.jvp_rule = rule
        return rule

    def batch(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: register the batching (vmap) rule."""
        self.batch_rule = rule
        return rule

    @property
    def rules(self) -> frozenset[str]:
        """Which rule kinds this primitive defines, among ``RULE_KINDS``."""
        present = {
            "impl": True,
            "shape": True,
            "vjp": self.vjp_rule is not None,
            "jvp": self.jvp_rule is not None,
            "batch": self.batch_rule is not None,
            "run": self.run is not None,
            "lower": self.lower is not None,
            "ufunc": self.ufunc is not None,
            "fusion": self.fusion is not None,
            "view": self.view,
        }
        return frozenset(kind for kind, there in present.items() if there)

    def fusion_expression(
        self, operands: Sequence[str], known: Sequence[float | None], c_type: str, out: Type
    ) -> str | None:
        """This primitive's expression in a fused kernel (C source text) over the operand
        expressions ``operands``, or None when it has none. ``known[i]`` is the one number
        operand ``i`` holds when the kernel knows it (a literal), else None."""
        if self.fusion is None:
            return None
        if isinstance(self.fusion, str):
            return self.fusion.format(*operands, T=c_type)
        return self.fusion(*operands, known=known, T=c_type, out=out)

    def out_types(self, *types: Any, **params: Any) -> tuple[Type, ...]:
        """The output types as a tuple, whatever the number of results."""
        result = self.shape_rule(*types, **params)
        return tuple(result) if self.multiple_results else (result,)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"

    def explain(self) -> str:
        """Everything about this primitive in one text: the formula comment above its
        definition, then each rule it has, as its source where the primitive's own file
        defines it (the shared family rules by name)."""
        file, line = self.defined_at
        lines = [f"{self.name}  ({self.family or 'primitive'})", *_comment_above(file, line)]
        lines.append(f"  defined at {_short_path(file)}:{line}")
        rules = {
            "impl": self.impl,
            "shape": self.shape_rule,
            "vjp": self.vjp_rule,
            "jvp": self.jvp_rule,
            "batch": self.batch_rule,
            "run": self.run,
            "lower": self.lower,
        }
        for kind, rule in rules.items():
            if rule is not None:
                lines.append(f"{kind + ':':<7} {_rule_text(rule, file)}")
        if self.ufunc is not None:
            lines.append(f"{'ufunc:':<7} xp.{self.ufunc} (plans call it with out=)")
        if self.fusion is not None:
            fusion = self.fusion if isinstance(self.fusion, str) else _rule_text(self.fusion, file)
            lines.append(f"{'fusion:':<7} {fusion}")
        if self.view:
            lines.append("view:   its result may share memory with its input")
        return "\n".join(lines)


def _definition_site() -> tuple[str, int]:
    """The file and line of the module-level statement creating a primitive."""
    frame = sys._getframe(2)
    while frame.f_back is not None and frame.f_code.co_name != "<module>":
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno


def _comment_above(file: str, line: int) -> list[str]:
    """The comment lines just above the statement that includes ``line``."""
    lines = linecache.getlines(file)
    start = line - 1
    while start > 0 and (lines[start][:1] in (" ", ")") or not lines[start].strip()):
        start -= 1  # back to the first line of a statement spread over several
    comments: list[str] = []
    k = start - 1
    while k >= 0 and lines[k].startswith("#"):
        comments.insert(0, "  " + lines[k].rstrip())
        k -= 1
    return comments


def _short_path(file: str) -> str:
    marker = "workbench/"
    return file[file.index(marker) :] if marker in file else file


def _rule_text(rule: Callable[..., Any], file: str) -> str:
    """A rule's source when the primitive's own file holds it, else where it comes from."""
    code = getattr(rule, "__code__", None)
    if getattr(rule, "from_vjp", False):
        return "from the VJP: an elementwise Jacobian is diagonal, so jvp(t) = vjp(t)"
    if code is None or code.co_filename != file or "<locals>" in rule.__qualname__:
        return f"{rule.__module__}.{rule.__qualname__.split('.<locals>')[0]} (shared)"
    try:
        source = textwrap.dedent(inspect.getsource(rule)).strip()
    except (OSError, TypeError):
        return rule.__qualname__
    return source.replace("\n", "\n        ")


def all_primitives() -> list[Primitive]:
    """Every registered primitive, in registration order (grouped by family)."""
    import workbench.core.primitives  # noqa: F401, PLC0415 - make sure every family is loaded

    return list(_REGISTRY.values())


def get_primitive(name: str) -> Primitive:
    found = _REGISTRY.get(name)  # registered already: no import, no list (eager hot paths)
    if found is not None:
        return found
    all_primitives()
    return _REGISTRY[name]


# ---------------------------------------------------------------------------------------
# Shared checks (each raises with the primitive's name, the types, and what was expected)

DTYPE_KINDS: dict[str, tuple[np.dtype, ...]] = {
    "float": dtypes.FLOAT_DTYPES,
    "numeric": dtypes.FLOAT_DTYPES + dtypes.INT_DTYPES,
    "int": dtypes.INT_DTYPES,
    "integer_or_bool": dtypes.INT_DTYPES + (dtypes.bool_,),
    "bool": (dtypes.bool_,),
    "any": dtypes.DTYPES,
}
# The same kinds as sets, for eager checks that test membership on every call
DTYPE_SETS: dict[str, frozenset[np.dtype]] = {k: frozenset(v) for k, v in DTYPE_KINDS.items()}


def type_text(x: Any) -> str:
    return f"{Type(tuple(x.shape), x.dtype, x.device)}"


def check_dtype(name: str, x: Any, kind: str) -> None:
    if x.dtype not in DTYPE_KINDS[kind]:
        allowed = ", ".join(dtypes.short_name(d) for d in DTYPE_KINDS[kind])
        raise TypeError(f"{name}: expected a {kind} dtype ({allowed}), got {type_text(x)}")


def same_dim(a: int | None, b: int | None) -> bool:
    """Whether two dimensions can be equal (an unknown one, None, matches any size)."""
    return a is None or b is None or a == b


def merged_shape(shapes: Sequence[Sequence[int | None]]) -> tuple[int | None, ...]:
    """Shapes that agree (see :func:`same_dim`) as one: each dimension known where any
    of them knows it."""
    merged = list(shapes[0])
    for shape in shapes[1:]:
        merged = [d if d is not None else e for d, e in zip(merged, shape)]
    return tuple(merged)


def check_same(name: str, xs: Sequence[Any]) -> None:
    """Equal shapes, dtypes and devices, or a message saying which differ."""
    first = xs[0]
    for other in xs[1:]:
        if other.device is not first.device:
            devices = " and ".join(f"{type_text(x)} on {x.device}" for x in xs)
            raise ValueError(
                f"{name}: operands are on different devices ({devices}); "
                "move them to one device first"
            )
        if other.dtype != first.dtype:
            shown = " and ".join(type_text(x) for x in xs)
            raise TypeError(
                f"{name}: operand dtypes differ ({shown}); cast one explicitly "
                "(the core never changes a dtype silently)"
            )
        if len(other.shape) != len(first.shape) or not all(
            same_dim(d, e) for d, e in zip(other.shape, first.shape)
        ):
            shown = " and ".join(type_text(x) for x in xs)
            raise ValueError(f"{name}: operand shapes differ ({shown}); broadcast them first")


class AxisError(ValueError, IndexError):
    """An axis outside [-rank, rank). Both a ValueError (what NumPy, JAX and TensorFlow's
    graph building raise) and an IndexError (what PyTorch raises)."""


def normalize_axis(name: str, axis: Any, ndim: int) -> int:
    """``axis`` counted from 0, or :class:`AxisError` when the array has no such axis: the
    one check every front end's axis arguments go through (no silent wrapping)."""
    a = int(axis)
    if not -ndim <= a < ndim:
        raise AxisError(
            f"{name}: axis {a} is out of range for an array of rank {ndim} (expected to be in "
            f"range of [{-ndim}, {ndim - 1}])"
            if ndim
            else f"{name}: axis {a} is out of range for a scalar (it has no axes)"
        )
    return a + ndim if a < 0 else a


def normalize_axes(name: str, axes: Any, ndim: int) -> tuple[int, ...]:
    """Several axes counted from 0, each checked, none repeated."""
    if hasattr(axes, "shape"):  # a NumPy integer or an array of axes
        items = tuple(np.asarray(axes).reshape(-1).tolist())
    else:
        items = tuple(axes) if hasattr(axes, "__iter__") else (axes,)
    out = tuple(normalize_axis(name, a, ndim) for a in items)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {items}")
    return out


def check_axes(name: str, axes: Sequence[int], ndim: int) -> None:
    normalize_axes(name, tuple(axes), ndim)
