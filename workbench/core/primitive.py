"""Primitives: the closed set of operations every front end computes with.

A :class:`Primitive` holds, in one object, everything about one operation: its
implementation against the array module ``xp``, its shape/dtype rule, and its VJP, JVP
and batching rules (written in primitives, so they are differentiable and traceable
themselves). Family factories supply the shared rules for elementwise ops.

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

Higher-order primitives (control flow, calls) hold sub-graphs in their params; their
``impl`` receives and returns workbench Arrays, because it evaluates those graphs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import dtypes
from workbench.core.ir import Type

_REGISTRY: dict[str, Primitive] = {}

RULE_KINDS = ("impl", "shape", "vjp", "jvp", "batch")


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
        # The NumPy/CuPy ufunc computing it, when there is one: compiled plans call it
        # with out= to write into a planned buffer.
        self.ufunc: str | None = None
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
        present = {"impl", "shape"}
        if self.vjp_rule is not None:
            present.add("vjp")
        if self.jvp_rule is not None:
            present.add("jvp")
        if self.batch_rule is not None:
            present.add("batch")
        return frozenset(present)

    def out_types(self, *types: Any, **params: Any) -> tuple[Type, ...]:
        """The output types as a tuple, whatever the number of results."""
        result = self.shape_rule(*types, **params)
        return tuple(result) if self.multiple_results else (result,)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


def primitives() -> list[Primitive]:
    """Every registered primitive, in registration order (grouped by family)."""
    import workbench.core.ops  # noqa: F401, PLC0415 - make sure every family is loaded

    return list(_REGISTRY.values())


def get_primitive(name: str) -> Primitive:
    primitives()
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
        if other.shape != first.shape:
            shown = " and ".join(type_text(x) for x in xs)
            raise ValueError(f"{name}: operand shapes differ ({shown}); broadcast them first")


def check_axes(name: str, axes: Sequence[int], ndim: int) -> None:
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(f"{name}: axis {axis} is out of range for an array of rank {ndim}")
    if len({a % max(ndim, 1) for a in axes}) != len(axes):
        raise ValueError(f"{name}: repeated axis in {tuple(axes)}")


# ---------------------------------------------------------------------------------------
# Family factories


def unary_elementwise(
    name: str,
    impl: Callable[..., Any],
    *,
    dtype_kind: str = "float",
    out_dtype: np.dtype | None = None,
) -> Primitive:
    """A primitive ``y = f(x)`` applied elementwise; same shape (and dtype, unless
    ``out_dtype`` is given)."""

    def shape(x: Any) -> Type:
        check_dtype(name, x, dtype_kind)
        return Type(tuple(x.shape), out_dtype or x.dtype, x.device)

    def check(x: Any) -> None:
        if x.dtype not in allowed:
            check_dtype(name, x, dtype_kind)

    allowed = frozenset(DTYPE_KINDS[dtype_kind])
    prim = Primitive(name, impl=impl, shape=shape, family="unary elementwise")
    prim.check = check
    prim.fast_dtypes = allowed
    _elementwise_batching(prim)
    return prim


def nary_elementwise(
    name: str,
    impl: Callable[..., Any],
    *,
    dtype_kind: str = "numeric",
    out_dtype: np.dtype | None = None,
    nondiff_inputs: Sequence[int] = (),
    family: str = "binary elementwise",
) -> Primitive:
    """A primitive on operands of equal shape, dtype and device.

    Broadcasting is not done here: the public functions insert ``broadcast_to`` (whose
    VJP sums back to the input's shape), so no binary rule ever un-broadcasts.
    """

    def shape(*xs: Any) -> Type:
        check_same(name, xs)
        check_dtype(name, xs[0], dtype_kind)
        return Type(tuple(xs[0].shape), out_dtype or xs[0].dtype, xs[0].device)

    def check(*xs: Any) -> None:
        first = xs[0]
        for other in xs[1:]:
            if other.shape != first.shape or other.dtype is not first.dtype:
                check_same(name, xs)
        if first.dtype not in allowed:
            check_dtype(name, first, dtype_kind)

    allowed = frozenset(DTYPE_KINDS[dtype_kind])
    prim = Primitive(name, impl=impl, shape=shape, nondiff_inputs=nondiff_inputs, family=family)
    prim.check = check
    prim.fast_dtypes = allowed
    _elementwise_batching(prim)
    return prim


def _elementwise_batching(prim: Primitive) -> None:
    from workbench.core.batching import batch_elementwise  # noqa: PLC0415 - batching builds on this module

    prim.batch(batch_elementwise(prim))
