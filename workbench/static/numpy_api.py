"""``tf.experimental.numpy``: NumPy's API on TensorFlow tensors (NumPy's dtypes and
promotion: Python floats are float64 unless ``prefer_float32``), and
``experimental_enable_numpy_behavior``, which gives tensors NumPy's methods (``.T``,
``.reshape``, ``.astype`` …). Mirrors: tf.experimental.numpy."""

from __future__ import annotations

import builtins
from types import SimpleNamespace
from typing import Any

import numpy as np

from workbench.static import array_ops, dtypes, math_ops
from workbench.static.execution import EagerTensor, convert_to_tensor
from workbench.static.keras import ops as _ops

_STATE = {"prefer_float32": False}
ndarray = EagerTensor
newaxis = None
float16, float32, float64 = dtypes.float16, dtypes.float32, dtypes.float64
int8, int16, int32, int64, uint8 = (
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.uint8,
)
bool_ = dtypes.bool
float_, int_ = dtypes.float64, dtypes.int64
pi, e, inf, nan = np.pi, np.e, np.inf, np.nan


def asarray(a: Any, dtype: Any = None) -> Any:
    """A tensor with NumPy's dtype for ``a`` (float64 for Python floats, unless
    ``experimental_enable_numpy_behavior(prefer_float32=True)``)."""
    if math_ops.is_tensor(a):
        return a if dtype is None else math_ops.cast(a, dtype)
    arr = np.asarray(a)
    if dtype is not None:
        arr = arr.astype(dtypes.as_dtype(dtype).np)
    elif _STATE["prefer_float32"] and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return convert_to_tensor(arr)


def array(a: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    out = asarray(a, dtype)
    while out.shape.rank < ndmin:
        out = array_ops.expand_dims(out, 0)
    return array_ops.identity(out) if copy else out


def copy(a: Any) -> Any:
    return array_ops.identity(asarray(a))


def _numpy_promote(*xs: Any) -> list[Any]:
    arrays = [x for x in xs if math_ops.is_tensor(x) or isinstance(x, np.ndarray | list | tuple)]
    kinds = [asarray(x).dtype.np for x in arrays] or [np.asarray(xs[0]).dtype]
    scalars = [x for x in xs if isinstance(x, int | float | bool) and not isinstance(x, np.ndarray)]
    target = np.result_type(*kinds, *scalars) if not arrays else np.result_type(*kinds)
    if builtins.any(isinstance(x, float) for x in scalars) and np.dtype(target).kind in "iub":
        target = np.dtype(np.float32 if _STATE["prefer_float32"] else np.float64)
    return [math_ops.cast(asarray(x), target) for x in xs]


def _binary(fn: Any) -> Any:
    return _ops._binary(fn, _numpy_promote)


add, subtract, multiply = (
    _binary(math_ops.add),
    _binary(math_ops.subtract),
    _binary(math_ops.multiply),
)
maximum, minimum, power = (
    _binary(math_ops.maximum),
    _binary(math_ops.minimum),
    _binary(math_ops.pow),
)
matmul, dot = _binary(math_ops.matmul), _binary(_ops.dot)
equal, greater, less = _binary(math_ops.equal), _binary(math_ops.greater), _binary(math_ops.less)


def true_divide(x1: Any, x2: Any) -> Any:
    a, b = _numpy_promote(x1, x2)
    if not a.dtype.is_floating:
        a, b = math_ops.cast(a, "float64"), math_ops.cast(b, "float64")
    return math_ops.truediv(a, b)


divide = true_divide


def _unary(name: str) -> Any:
    fn = getattr(_ops, name)

    def op(x: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(asarray(x), *args, **kwargs)

    op.__name__ = name
    return op


for _name in (
    "square",
    "sqrt",
    "exp",
    "log",
    "abs",
    "absolute",
    "sin",
    "cos",
    "tanh",
    "sum",
    "mean",
    "max",
    "min",
    "prod",
    "std",
    "var",
    "argmax",
    "argmin",
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "ravel",
    "clip",
    "cumsum",
    "sort",
    "argsort",
    "where",
    "tile",
    "repeat",
    "round",
    "sign",
    "floor",
    "ceil",
    "all",
    "any",
):
    globals()[_name] = _unary(_name)


def zeros(shape: Any, dtype: Any = float) -> Any:
    return convert_to_tensor(np.zeros(shape, dtype=_np_dtype(dtype)))


def ones(shape: Any, dtype: Any = float) -> Any:
    return convert_to_tensor(np.ones(shape, dtype=_np_dtype(dtype)))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    return convert_to_tensor(
        np.full(shape, fill_value, dtype=None if dtype is None else _np_dtype(dtype))
    )


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Any:
    return asarray(np.arange(start, stop, step, dtype=None if dtype is None else _np_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None) -> Any:
    return asarray(
        np.linspace(start, stop, num, endpoint, dtype=None if dtype is None else _np_dtype(dtype))
    )


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float) -> Any:  # noqa: N803
    return convert_to_tensor(np.eye(N, M, k, dtype=_np_dtype(dtype)))


def concatenate(arys: Any, axis: int = 0) -> Any:
    return array_ops.concat(_numpy_promote(*arys), axis)


def stack(arrays: Any, axis: int = 0) -> Any:
    return array_ops.stack(_numpy_promote(*arrays), axis)


def _np_dtype(dtype: Any) -> Any:
    if dtype is float:
        return np.float32 if _STATE["prefer_float32"] else np.float64
    return dtypes.as_dtype(dtype).np


def _randn(*shape: int) -> Any:
    """Standard normal numbers (float64 unless prefer_float32), from the global seed."""
    from workbench.static import random_ops  # noqa: PLC0415

    return random_ops.normal(list(shape), dtype=_np_dtype(float))


def _rand(*shape: int) -> Any:
    from workbench.static import random_ops  # noqa: PLC0415

    return random_ops.uniform(list(shape), dtype=_np_dtype(float))


random = SimpleNamespace(
    randn=_randn,
    rand=_rand,
    seed=lambda s: __import__("workbench.static.random_ops", fromlist=["set_seed"]).set_seed(s),
)


def experimental_enable_numpy_behavior(
    prefer_float32: bool = False, dtype_conversion_mode: str = "legacy"
) -> None:
    """Give tensors NumPy's methods and attributes (``T``, ``reshape``, ``astype``,
    ``ravel``, ``transpose``, ``sum`` …).
    Mirrors: tf.experimental.numpy.experimental_enable_numpy_behavior."""
    _STATE["prefer_float32"] = bool(prefer_float32)
    math_ops.NUMPY_BEHAVIOR[0] = True  # operators promote dtypes as NumPy does
    from workbench.static.framework import Tensor  # noqa: PLC0415

    methods = {
        "T": property(lambda self: array_ops.transpose(self)),
        "reshape": lambda self, *shape, **kw: array_ops.reshape(
            self,
            list(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else list(shape),
        ),
        "astype": lambda self, dtype: math_ops.cast(self, dtype),
        "ravel": lambda self: array_ops.reshape(self, [-1]),
        "transpose": lambda self, *axes: array_ops.transpose(
            self,
            list(axes[0])
            if len(axes) == 1 and not isinstance(axes[0], int)
            else (list(axes) or None),
        ),
        "sum": lambda self, axis=None, keepdims=False: math_ops.reduce_sum(
            self, axis, keepdims=keepdims
        ),
        "mean": lambda self, axis=None, keepdims=False: math_ops.reduce_mean(
            self, axis, keepdims=keepdims
        ),
        "max": lambda self, axis=None, keepdims=False: math_ops.reduce_max(
            self, axis, keepdims=keepdims
        ),
        "min": lambda self, axis=None, keepdims=False: math_ops.reduce_min(
            self, axis, keepdims=keepdims
        ),
        "clip": lambda self, lo, hi: math_ops.clip_by_value(self, lo, hi),
        "tolist": lambda self: np.asarray(self.numpy()).tolist(),
        "size": property(lambda self: int(np.prod(self.shape.as_list()))),
    }
    for cls in (EagerTensor, Tensor):
        for name, fn in methods.items():
            if not hasattr(cls, name) or name in ("T", "size"):
                setattr(cls, name, fn)


__all__ = ["asarray", "array", "experimental_enable_numpy_behavior", "ndarray", "random"]
