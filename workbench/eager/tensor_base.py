"""What every family of ``Tensor`` methods builds on: the tensor's state and constructor
(:class:`TensorBase`), :func:`wrap` (a tensor for a core value, remembering what its
operation read), and PyTorch's promotion and argument rules. The families
(``tensor_math``, ``tensor_layout``, ``tensor_indexing``, ``tensor_sorting``,
``tensor_inplace``, ``tensor_copies``) import this module, and
``tensor.py`` assembles them into ``Tensor``; nothing here imports either, so the
modules form no cycle.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeGuard

import numpy as np

from workbench.backend import dtypes as backend_dtypes
from workbench.core import ops
from workbench.core.autodiff import EAGER_TAPE, VJPTracer
from workbench.core.primitive import normalize_axis
from workbench.eager import autograd_engine as engine
from workbench.eager import dtypes
from workbench.eager.meta import Size

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


class TensorBase:
    """The state every tensor has: its core value, ``.grad`` and version counter. The
    class assembling all the methods (``Tensor``) declares itself with
    ``concrete=True``; :func:`wrap` and :func:`new` make instances of it."""

    made: ClassVar[type[Tensor]]

    __slots__ = ("_value", "grad", "_version", "_retains", "__weakref__")
    _value: Any  # a core Array, or the eager tape's value when it requires grad

    def __init__(self, data: Any = (), dtype: Any = None, device: Any = None) -> None:
        from workbench.eager.creation import as_array  # noqa: PLC0415

        self._value = as_array(data, dtype, device)
        self.grad: Tensor | None = None
        self._version = 0
        self._retains = False

    def __init_subclass__(cls, concrete: builtins.bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if concrete:
            TensorBase.made = cls  # type: ignore[assignment]

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._value.dtype)


def is_tensor(x: Any) -> TypeGuard[Tensor]:
    return isinstance(x, TensorBase)


def new(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of host data (``torch.tensor`` without autograd arguments)."""
    return TensorBase.made(data, dtype=dtype, device=device)


Number = builtins.int | builtins.float | builtins.bool

_FLOAT_KINDS = "f"


def core_value(x: Any) -> Any:
    return x._value if is_tensor(x) else x


def tracked(value: Any) -> builtins.bool:
    return isinstance(value, VJPTracer) and value.interpreter is EAGER_TAPE


def wrap(value: Any, inputs: Sequence[Any] = (), name: str = "") -> Tensor:
    """A Tensor for a core value; records what the op read, for the in-place check."""
    t: Tensor = TensorBase.made.__new__(TensorBase.made)
    t._value = value
    t.grad = None
    t._version = 0
    t._retains = False
    if isinstance(value, VJPTracer) and value.node is not None and value.node.record is None:
        node, made = value.node, TensorBase.made
        # every eager operation pays this: tuples, one each (0.9 -> 0.4 µs an operation)
        if len(inputs) == 2 and inputs[0].__class__ is made and inputs[1].__class__ is made:
            a, b = inputs
            versions: Sequence[Any] = (a._version, b._version)
            tensors: Sequence[Any] = (a, b)
            engine.saved(node, name or node.prim.name, tensors, versions, (a._value, b._value), t)
        else:
            tensors = tuple([x if is_tensor(x) else None for x in inputs])
            versions = tuple([None if x is None else x._version for x in tensors])
            values = tuple([None if x is None else x._value for x in tensors])
            engine.saved(node, name or node.prim.name, tensors, versions, values, t)
    if engine.ANOMALY.enabled and isinstance(value, VJPTracer) and value.node is not None:
        engine.remember_forward(value.node)  # PyTorch checks the backward, not the forward
    return t


def promote(a: Any, b: Any) -> tuple[Any, Any]:
    """PyTorch's type promotion for a binary operation, as explicit casts."""
    if is_tensor(a) and is_tensor(b):
        if a._value.dtype != b._value.dtype:
            target = backend_dtypes.promote_types(a.dtype.np, b.dtype.np)
            return ops.cast(a._value, target), ops.cast(b._value, target)
        return a._value, b._value
    tensor, scalar = (a, b) if is_tensor(a) else (b, a)
    if isinstance(scalar, np.ndarray):
        return promote(a if is_tensor(a) else new(a), b if is_tensor(b) else new(b))
    target = backend_dtypes.result_type_with_scalar(tensor.dtype.np, scalar)
    if target == backend_dtypes.float32 and not tensor.dtype.is_floating_point:
        target = dtypes.get_default_dtype().np
    tv = ops.cast(tensor._value, target) if target != tensor.dtype.np else tensor._value
    return (tv, scalar) if is_tensor(a) else (scalar, tv)


def binary(fn: Callable[[Any, Any], Any], a: Any, b: Any, name: str) -> Tensor:
    if a.__class__ is b.__class__ and a._value.dtype == b._value.dtype:  # tensors, one dtype
        return wrap(fn(a._value, b._value), (a, b), name)
    x, y = promote(a, b)
    return wrap(fn(x, y), (a, b), name)


_FLOATS = frozenset(backend_dtypes.FLOAT_DTYPES)


def float_input(t: Tensor) -> Any:
    """Integer inputs of float functions become the default float (torch.exp(int) is float)."""
    value = t._value
    if value.dtype in _FLOATS:  # t.dtype.is_floating_point, without making the torch dtype
        return value
    return ops.cast(t._value, dtypes.get_default_dtype().np)


def unary_float(fn: Callable[[Any], Any], name: str) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return wrap(fn(float_input(self)), (self,), name)

    method.__name__ = name
    return method


def dims(dim: Any, ndim: builtins.int) -> tuple[builtins.int, ...] | None:
    """``dim`` (an int or several) counted from 0; out of range is PyTorch's IndexError."""
    if dim is None:
        return None
    found = (
        (wrap_dim(dim, ndim),)
        if isinstance(dim, builtins.int)
        else tuple(wrap_dim(d, ndim) for d in dim)
    )
    return found if ndim else ()  # a 0-d tensor: dim 0 / -1 name the tensor itself


def wrap_dim(dim: Any, ndim: builtins.int) -> builtins.int:
    """One dimension counted from 0 (a 0-d tensor takes 0 and -1, as in PyTorch); out of
    range raises the core's AxisError, an IndexError as in PyTorch."""
    return normalize_axis("dimension", dim, builtins.max(ndim, 1))


def shape_args(args: Sequence[Any]) -> tuple[builtins.int, ...]:
    if len(args) == 1 and isinstance(args[0], Sequence | Size):
        return tuple(builtins.int(a) for a in args[0])
    return tuple(builtins.int(a) for a in args)


def tensor_of(x: Any) -> Tensor:
    return x if is_tensor(x) else new(x)
