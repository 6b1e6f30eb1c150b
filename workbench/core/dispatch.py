"""The one dispatcher: ``apply(primitive, *inputs, **params)`` and the interpreter stack.

Every front end computes by calling :func:`apply`. What it does depends on the values
and the active interpreters: evaluate now (the bottom of the stack), record into a
graph, carry tangents, or record a tape for reverse mode. Interpreters form a stack;
a value owned by a higher interpreter is processed there, and the interpreter's rules
call ``apply`` again with lower-level values, so transformations compose. This module
owns that stack and evaluation; it never builds graphs itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from workbench.core.codegen import group_kernel
from workbench.core.primitive import Primitive, type_text
from workbench.core.values import Array, Tracer


class Interpreter:
    """Base class. ``level`` is the position on the stack (0 is evaluation)."""

    level: int = 0
    active: bool = True

    def process(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Any:
        """Apply ``prim`` to ``args`` (values of this level or below); return a list of
        outputs owned by this interpreter."""
        raise NotImplementedError


class EvalInterpreter(Interpreter):
    """Evaluate now: run the primitive's implementation on concrete arrays."""

    level = 0

    def process(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> list[Array]:
        return evaluate(prim, args, params)


def evaluate(prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> list[Array]:
    """Check the operands (with clear errors for anything that is not an Array on one
    device), run the primitive's implementation and return its results as a list."""
    if not args:
        raise TypeError(f"{prim.name}: needs at least one array operand")
    device = args[0].device if args[0].__class__ is Array else None
    for x in args:
        if x.__class__ is not Array:
            _bad_operand(prim, x)
        if x.device is not device:
            _device_mismatch(prim, args)
    if prim.higher_order:
        prim.check(*args, **params)
        out = prim.impl(*args, **params)
    else:
        out = _evaluate_fast(prim, args, params)
    return list(out) if prim.multiple_results else [out]


# jax.config.update("jax_debug_nans", True): every primitive evaluated checks its results.
# A front end may instead set a function ``check(prim, xp, results)`` that raises its own
# error (tf.debugging.enable_check_numerics looks for infinities too).
CHECK_NANS: list[Any] = [False]


def _check_nans(prim: Primitive, xp: Any, results: Sequence[Any]) -> None:
    if callable(CHECK_NANS[0]):
        CHECK_NANS[0](prim, xp, results)
        return
    for r in results:
        if np.dtype(r.dtype).kind in "fc" and bool(xp.isnan(r).any()):
            raise FloatingPointError(f"invalid value (nan) encountered in {prim.name}")


def _bad_operand(prim: Primitive, x: Any) -> None:
    if isinstance(x, Tracer) and not x.interpreter.active:
        raise RuntimeError(
            f"{prim.name}: got a value from a transformation that has already finished "
            f"(a leaked tracer {x!r}); return values out of the transformed function "
            "instead of storing them"
        )
    raise TypeError(
        f"{prim.name}: expected workbench arrays, got {type(x).__name__}; "
        "wrap data with workbench.core.array(...) first"
    )


class DeviceMismatchError(ValueError, RuntimeError):
    """Operands on different devices. A ``RuntimeError`` as PyTorch raises it (and a
    ``ValueError`` as the core always has): the eager front end never moves data silently."""


def _device_mismatch(prim: Primitive, args: Sequence[Any]) -> None:
    shown = ", ".join(f"{type_text(x)} on {x.device}" for x in args)
    raise DeviceMismatchError(
        f"{prim.name}: operands are on different devices ({shown}); "
        "move them to one device first (nothing is moved silently)"
    )


_EVAL = EvalInterpreter()


class _ThreadStacks(threading.local):
    """The interpreter stacks, one pair per thread (as PyTorch, TensorFlow and JAX keep
    theirs): a thread tracing a function does not capture another thread's operations."""

    def __init__(self) -> None:
        self.stack: list[Interpreter] = [_EVAL]
        # The innermost graph-building interpreter: every apply goes at least this high,
        # even with only constant inputs, so a traced function records all its work.
        self.dynamic: list[Interpreter] = [_EVAL]


_THREAD = _ThreadStacks()
# Active profilers (workbench.profiler), innermost last. When one is active, every
# evaluation now (and every step of a compiled plan) goes through its ``evaluate`` /
# ``run_step``, which time the work; empty, the fast path pays one list check.
PROFILERS: list[Any] = []


def apply(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply a primitive: the single entry point of every computation.

    Args:
        prim: the primitive.
        *args: workbench values (Arrays or tracers).
        **params: the primitive's static, hashable parameters.

    Returns:
        One value, or a tuple for primitives with several results.

    Example:
        >>> from workbench.core import apply, array, get_primitive
        >>> apply(get_primitive("mul"), array([1.0, 2.0]), array([3.0, 4.0]))
        Array(f32[2] cpu:0, [3. 8.])
    """
    top = _THREAD.dynamic[-1]
    concrete = True
    for x in args:
        if x.__class__ is not Array:
            concrete = False
            if isinstance(x, Tracer) and x.interpreter.level > top.level:
                top = x.interpreter
    if top is _EVAL:
        if concrete and args and not prim.higher_order:
            if PROFILERS:
                return PROFILERS[-1].evaluate(prim, args, params, _evaluate_fast)
            return _evaluate_fast(prim, args, params)
        outs = evaluate(prim, args, params)  # raises the right error for bad operands
    else:
        if not top.active:
            _bad_operand(prim, next(x for x in args if isinstance(x, Tracer)))
        outs = top.process(prim, args, params)
    return tuple(outs) if prim.multiple_results else outs[0]


def apply_to(prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """``apply(prim, *args, **params)`` for an interpreter passing its operands on: the
    common eager case (concrete operands, nothing recording below) is evaluated at once,
    without unpacking and repacking the operands and parameters."""
    if args and _THREAD.dynamic[-1] is _EVAL and not PROFILERS and not prim.higher_order:
        for x in args:
            if x.__class__ is not Array:
                break
        else:
            return _evaluate_fast(prim, args, params)
    return apply(prim, *args, **params)


def apply_into(target: Array, prim: Primitive, *args: Any, **params: Any) -> Array:
    """``apply(prim, *args, **params)`` with the result written into ``target``'s memory,
    as PyTorch's optimisers update a parameter (``p.add_(…)``): no fresh array, one pass
    over memory. The caller vouches that nothing else can see ``target``'s memory.

    An elementwise primitive with a ufunc, or a ``fused`` group of them (one output) for
    which a native kernel can be built, outside any transformation, whose operands are
    concrete arrays on ``target``'s device with its dtype and shape (or Python numbers), is
    written in place; anything else is ``apply``'s fresh array (the caller uses whichever
    comes back). The same checks, profiler and NaN check as ``apply``.
    """
    xp = target.device.xp
    args = tuple(  # Python numbers take the target's dtype and shape, as operands do
        Array(_repeated(xp, x, target), target.device) if isinstance(x, int | float) else x
        for x in args
    )
    kernel = (
        getattr(xp, prim.ufunc)
        if prim.ufunc is not None
        else group_kernel(params["graph"], target.device)
        if getattr(prim, "fused_group", False)
        else None
    )
    if (
        kernel is None
        or _THREAD.dynamic[-1] is not _EVAL
        or any(
            x.__class__ is not Array
            or x.device is not target.device
            or x.dtype != target.dtype
            or x.shape != target.shape
            for x in args
        )
    ):
        result = apply(prim, *args, **params)
        return result[0] if prim.multiple_results else result
    prim.check(*args, **params)

    def run(prim: Primitive, args: Sequence[Array], params: dict[str, Any]) -> Array:
        kernel(*(x.data for x in args), out=target.data)
        return target

    out = PROFILERS[-1].evaluate(prim, args, params, run) if PROFILERS else run(prim, args, params)
    if CHECK_NANS[0]:
        _check_nans(prim, xp, (target.data,))
    return out


def _repeated(xp: Any, number: float, like: Array) -> Any:
    """``number`` in ``like``'s dtype, repeated to its shape without copies (a read-only
    broadcast; on the host a strides-0 view of one element, 0.5 µs against
    ``broadcast_to``'s 2.5)."""
    one = xp.asarray([number], like.dtype)
    if xp is np:
        out = np.ndarray(like.shape, like.dtype, one, 0, (0,) * len(like.shape))
        out.flags.writeable = False
        return out
    return xp.broadcast_to(one[0], like.shape)


def _evaluate_fast(prim: Primitive, args: Sequence[Array], params: dict[str, Any]) -> Any:
    """The eager fast path: concrete arrays, evaluate now (same checks as ``evaluate``).

    Elementwise primitives whose operands already agree skip their ``check`` call; one-
    and two-operand calls avoid building lists. Each saved Python call is ~0.1 µs, which
    is a visible share of an eager operation on a small array.
    """
    device = args[0].device
    fast = prim.fast_dtypes
    if len(args) == 1:
        x = args[0]
        if fast is None or x.dtype not in fast:
            prim.check(x, **params)
        datas: Sequence[Any] = (x.data,)
    elif len(args) == 2:
        x, y = args
        if y.device is not device:
            _device_mismatch(prim, args)
        if fast is None or x.dtype not in fast or y.dtype is not x.dtype or y.shape != x.shape:
            prim.check(x, y, **params)
        datas = (x.data, y.data)
    else:
        for x in args:
            if x.device is not device:
                _device_mismatch(prim, args)
        prim.check(*args, **params)
        datas = [x.data for x in args]
    if device.index and device.platform == "cuda":
        with device.activate():
            out = prim.impl(device.xp, *datas, **params)
    else:
        out = prim.impl(device.xp, *datas, **params)
    if CHECK_NANS[0]:
        _check_nans(prim, device.xp, out if prim.multiple_results else (out,))
    if prim.multiple_results:
        return tuple(
            Array(o if o.__class__ is device.ndarray else device.xp.asarray(o), device) for o in out
        )
    if out.__class__ is not device.ndarray:  # NumPy returns scalars from 0-d operations
        out = device.xp.asarray(out)
    return Array(out, device)


@contextlib.contextmanager
def interpreter(cls: type[Interpreter], *args: Any, dynamic: bool = False) -> Iterator[Any]:
    """Push a new interpreter of class ``cls`` for the duration of the block.

    ``dynamic=True`` makes it the floor for every ``apply`` inside (graph building).
    """
    # Level 1 is reserved for the eager tape (autodiff.EAGER_TAPE), which lives outside
    # the stack for the whole session; transformations start at level 2.
    stacks = _THREAD
    level = len(stacks.stack) + 1
    interp = cls(*args)
    interp.level = level
    interp.active = True
    stacks.stack.append(interp)
    if dynamic:
        stacks.dynamic.append(interp)
    try:
        yield interp
    finally:
        interp.active = False
        if dynamic:
            stacks.dynamic.pop()
        stacks.stack.pop()


def interpreter_stack() -> list[Interpreter]:
    """This thread's interpreters, outermost first."""
    return _THREAD.stack


def current_level() -> int:
    return _THREAD.stack[-1].level


def building_graph() -> bool:
    """True while a graph is being recorded (constants must then be recorded too)."""
    return _THREAD.dynamic[-1] is not _EVAL


def is_tracing() -> bool:
    """True inside any transformation (values may not be concrete)."""
    return len(_THREAD.stack) > 1
