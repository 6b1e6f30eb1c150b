"""Where an operation goes: into the default graph, or run at once.

``make_op`` is the one entry point every ``tf`` function uses. In graph mode it adds an
:class:`Operation` (with inferred static shapes); eagerly it runs the operation's
function on core values and wraps the result in an :class:`EagerTensor`. A
``GradientTape`` that is recording sees eager operations through the core's reverse-mode
interpreter, so tapes compose with the core's transformations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import default_device
from workbench.core import ops
from workbench.core.primitive import AxisError
from workbench.core.values import Array, Tracer, is_value
from workbench.static import dtypes
from workbench.static.framework import (
    EAGER_PLACEMENT,
    Graph,
    Operation,
    Tensor,
    TensorShape,
    executing_eagerly,
    get_default_graph,
    infer_types,
)
from workbench.static.operators import TensorOperators
from workbench.static.string_data import is_string_data


def numpy_text(value: Any) -> str:
    """A value as TensorFlow's reprs show it: a scalar as the Python number it holds, an
    array as NumPy's repr, on a line of its own when it spans several."""
    arr = np.asarray(value)
    text = repr(arr.item()) if arr.ndim == 0 else repr(arr)
    return "\n" + text if "\n" in text else text


class EagerTensor(TensorOperators):
    """A tensor with a value (TensorFlow 2's eager tensors). Mirrors: tf.Tensor (eager)."""

    __array_priority__ = 100

    def __init__(self, value: Any) -> None:
        self._value = value

    # -- values ---------------------------------------------------------------------------
    @property
    def value(self) -> Any:
        """The core value, unwrapped from tapes that stopped recording."""
        v = self._value
        while isinstance(v, Tracer) and not v.interpreter.active:
            v = v.primal  # type: ignore[attr-defined]
        return v

    def eval(self, feed_dict: Any = None, session: Any = None) -> Any:
        """TensorFlow 1's ``tensor.eval()`` needs a graph; eagerly, use ``.numpy()``."""
        raise NotImplementedError(
            "eval is not supported when eager execution is enabled, is .numpy() what you're "
            "looking for?"
        )

    def numpy(self) -> np.ndarray:
        v = self.value
        while isinstance(v, Tracer):
            v = v.primal  # type: ignore[attr-defined]
        out: np.ndarray = v.numpy()
        return out[()] if out.ndim == 0 else out

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.as_dtype(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def device(self) -> str:
        dev = self._value.device
        kind = "GPU" if dev.platform == "cuda" else "CPU"
        return f"/job:localhost/replica:0/task:0/device:{kind}:{dev.index}"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.asarray(self.numpy())
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        body = numpy_text(self.numpy())
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={body}>"

    def __str__(self) -> str:
        value = np.asarray(self.numpy())
        body = str(value[()]) if value.ndim == 0 else np.array2string(value)
        body = "\n" + body if "\n" in body else body  # as TensorFlow prints a matrix
        return f"tf.Tensor({body}, shape={self.shape}, dtype={self.dtype.name})"

    def __format__(self, spec: str) -> str:
        value = self.numpy()
        return format(value.item() if np.ndim(value) == 0 else str(self), spec)

    def __float__(self) -> float:
        return float(self.numpy())

    def __int__(self) -> int:
        return int(self.numpy())

    def __index__(self) -> int:
        return int(self.numpy())

    def __bool__(self) -> bool:
        return bool(self.numpy())

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a scalar tensor")
        return int(self._value.shape[0])

    def __iter__(self) -> Any:
        from workbench.static import array_ops  # noqa: PLC0415

        return iter(array_ops.unstack(self)) if self.ndim else iter(())

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        from workbench.static import math_ops  # noqa: PLC0415

        return math_ops.equal(self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        from workbench.static import math_ops  # noqa: PLC0415

        return math_ops.not_equal(self, other)

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> Any:
        from workbench.static.framework import _Reference  # noqa: PLC0415

        return _Reference(self)


# ---------------------------------------------------------------------------------------
# Converting Python values


def _host(value: Any, dtype: dtypes.DType | None) -> np.ndarray:
    """NumPy data for a constant, with TensorFlow's inference: Python floats are float32,
    Python ints int32, NumPy arrays keep their dtype."""
    if dtype is not None:
        arr = np.asarray(value)
        if arr.dtype.kind == "f" and dtype.is_integer and not np.all(arr == np.round(arr)):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return arr.astype(dtype.np)
    arr = np.asarray(value)
    if isinstance(value, np.ndarray | np.generic):
        if arr.dtype == np.float64 or arr.dtype.kind == "f":
            return arr
        return arr.astype(np.int64) if arr.dtype.kind in "iu" and arr.dtype.itemsize == 8 else arr
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int32)
    return arr


def constant_value(value: Any, dtype: Any = None) -> Array:
    d = None if dtype is None else dtypes.as_dtype(dtype)
    return ops.array(_host(value, d))


def value_of(x: Any, dtype: dtypes.DType | None = None) -> Any:
    """The core value of an eager operand (a tensor, variable or Python value)."""
    if isinstance(x, EagerTensor):
        return x.value
    read = getattr(x, "_eager_read", None)
    if read is not None:
        return read()
    if is_value(x):
        return x
    return constant_value(x, dtype)


def convert_to_tensor(
    value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None
) -> Any:
    """A tensor for ``value`` in the current mode. Mirrors: tf.convert_to_tensor."""
    d = None if dtype is None else dtypes.as_dtype(dtype)
    if d == dtypes.string or (d is None and is_string_data(value)):
        from workbench.static.strings import StringTensor  # noqa: PLC0415

        if d is None or is_string_data(value):
            return value if isinstance(value, StringTensor) else StringTensor(value)
        raise TypeError(f"Cannot convert {value!r} to a string tensor (use tf.strings.as_string)")
    if executing_eagerly():
        if isinstance(value, EagerTensor) or hasattr(value, "_eager_read"):
            t = value if isinstance(value, EagerTensor) else EagerTensor(value._eager_read())
            if d is not None and t.dtype != d:
                raise ValueError(
                    f"Tensor conversion requested dtype {d.name} for Tensor with "
                    f"dtype {t.dtype.name}"
                )
            return t
        hint = None if dtype_hint is None else dtypes.as_dtype(dtype_hint)
        return EagerTensor(constant_value(value, d or _hint(value, hint)))
    return graph_tensor(get_default_graph(), value, d, dtype_hint, name)


def _hint(value: Any, hint: dtypes.DType | None) -> dtypes.DType | None:
    """Python numbers and NumPy data take the other operand's dtype (TensorFlow converts
    them to it), unless that would turn floats into integers."""
    if hint is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and not hint.is_floating:
        return None
    if arr.dtype.kind == "b" and not hint.is_bool:
        return None
    return hint


def graph_tensor(
    graph: Graph,
    value: Any,
    dtype: dtypes.DType | None = None,
    hint: Any = None,
    name: str | None = None,
) -> Tensor:
    if isinstance(value, Tensor):
        if value.graph is not graph and hasattr(graph, "capture"):
            value = graph.capture(value)
        if value.graph is not graph:
            raise ValueError(
                f"Tensor {value.name} must be from the same graph as the operation being built."
            )
        if dtype is not None and value.dtype != dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                f"dtype {value.dtype.name}: {value!r}"
            )
        return value
    as_tensor = getattr(value, "_graph_tensor", None)
    if as_tensor is not None:
        return as_tensor(graph)
    if isinstance(value, EagerTensor):
        data = value.value
        while isinstance(data, Tracer):
            data = data.primal  # type: ignore[attr-defined]
        return _const_op(graph, data, name)
    h = None if hint is None else dtypes.as_dtype(hint)
    return _const_op(graph, constant_value(value, dtype or _hint(value, h)), name)


def _const_op(graph: Graph, data: Array, name: str | None) -> Tensor:
    with graph.control_dependencies(None):
        op_name = graph.unique_name(name or "Const")
        op = Operation(graph, op_name, "Const", [], lambda: data, attrs={"value": data})
        graph.add_op(op, [(dtypes.as_dtype(data.dtype), TensorShape(data.shape))])
    return op.outputs[0]


# ---------------------------------------------------------------------------------------
# Making operations


_SEEDS: list[Any] = []


def _placed(values: list[Any]) -> list[Any]:
    """TensorFlow's eager placement: an op runs on the device its ``tf.device`` block names,
    else (inputs on several devices) on the default one, and its inputs are copied there."""
    if EAGER_PLACEMENT:
        target = EAGER_PLACEMENT[-1]
    else:  # the common case: a plain loop, no generator, on every eager op
        first = values[0].device if values else None
        for v in values:
            if v.device is not first:
                break
        else:
            return values
        target = default_device()
    return [v if v.device is target else ops.device_put(v, target) for v in values]


def make_op(
    op_type: str,
    inputs: Sequence[Any],
    fn: Callable[..., Any] | None,
    *,
    name: str | None = None,
    random: bool = False,
    differentiable: bool = True,
    attrs: dict[str, Any] | None = None,
    kind: str = "compute",
    variable: Any = None,
    writes: Sequence[Any] = (),
    out_types: Sequence[Any] | None = None,
) -> Any:
    """Add an operation computing ``fn(*inputs)`` to the default graph, or run it now.

    ``inputs`` are already tensors (or variables); ``fn`` works on core values and
    returns one value or a tuple. Returns a tensor, a tuple of tensors, or the operation
    itself when it has no outputs. ``out_types`` ((dtype, TensorShape) per output) skips
    shape inference where the outputs' types are known, as for gradients.
    """
    if executing_eagerly():
        values = _placed([value_of(x) for x in inputs])
        if random:
            from workbench.static import random_ops  # noqa: PLC0415

            values.insert(0, random_ops.eager_key(attrs or {}))
        try:
            out = fn(*values) if fn is not None else None
        except AxisError as err:  # TensorFlow reports a bad axis at run time as this
            from workbench.static.errors import InvalidArgumentError  # noqa: PLC0415

            raise InvalidArgumentError(None, None, f"{op_type}: {err}") from None
        for var, new in zip(writes, out if isinstance(out, tuple) else (out,)):
            var._eager_write(new)
        if out is None:
            return None
        if isinstance(out, tuple):
            return tuple(EagerTensor(o) for o in out)
        return EagerTensor(out)
    graph = get_default_graph()
    tensors = [graph_tensor(graph, x) for x in inputs]
    op_name = graph.unique_name(name or op_type)
    op = Operation(
        graph,
        op_name,
        op_type,
        tensors,
        fn,
        kind=kind,
        variable=variable,
        writes=writes,
        differentiable=differentiable,
        attrs=attrs,
    )
    op.attrs.setdefault("random", random)
    if out_types is not None:
        types = list(out_types)
    else:
        types = [] if fn is None else infer_types(op_type, op_name, fn, tensors, random)
    graph.add_op(op, types)
    if not op.outputs:
        return op
    return op.outputs[0] if len(op.outputs) == 1 else tuple(op.outputs)
