"""Keras 3's backend-agnostic operations, ``keras.ops``: NumPy's names and semantics
(mixed dtypes promote, Python numbers are weak), on the static front end's tensors.
Mirrors: keras.ops."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from workbench.static import array_ops, dtypes, image_ops, linalg_ops, math_ops, more_ops, nn_ops
from workbench.static.execution import convert_to_tensor as _to_tensor
from workbench.static.keras import activations, losses


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> Any:
    """Mirrors: keras.ops.convert_to_tensor (arrays keep their dtype; Python numbers and
    lists become float32 / int32)."""
    t = _t(x)
    return t if dtype is None else math_ops.cast(t, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """Mirrors: keras.ops.convert_to_numpy."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _t(x: Any) -> Any:
    """A tensor: arrays keep their dtype; Python numbers and lists take Keras's defaults
    (float32, int32)."""
    if math_ops.is_tensor(x) or isinstance(x, np.ndarray | np.generic):
        return _to_tensor(x)
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int32)
    return _to_tensor(arr)


def _promote(*xs: Any) -> list[Any]:
    """Keras's promotion: tensors decide, Python numbers follow; an integer meets a float
    as that float; otherwise the wider of the two."""
    strong = [x for x in xs if math_ops.is_tensor(x) or isinstance(x, np.ndarray)]
    if not strong:
        return [_t(x) for x in xs]
    tensors = [_t(x) for x in strong]
    kinds = [t.dtype for t in tensors]
    floats = [d for d in kinds if d.is_floating]
    if floats:
        target = builtins.max(floats, key=lambda d: np.dtype(d.np).itemsize)
    else:
        target = dtypes.as_dtype(np.result_type(*[d.np for d in kinds]))
    if target.is_integer and builtins.any(isinstance(x, float) for x in xs):
        target = dtypes.float32
    return [
        math_ops.cast(_t(x), target) if not (math_ops.is_tensor(x) and x.dtype == target) else x
        for x in xs
    ]


def _binary(fn: Any, promote: Any = None) -> Any:
    """``fn`` on two array-likes brought to one dtype by ``promote`` (Keras's rule by
    default; tf.experimental.numpy passes NumPy's)."""
    rule = promote or _promote

    def op(x1: Any, x2: Any) -> Any:
        return fn(*rule(x1, x2))

    op.__name__ = getattr(fn, "__name__", "op")
    return op


def _unary(fn: Any) -> Any:
    def op(x: Any) -> Any:
        return fn(_t(x))

    op.__name__ = getattr(fn, "__name__", "op")
    return op


def _float_unary(fn: Any) -> Any:
    def op(x: Any) -> Any:
        t = _t(x)
        return fn(t if t.dtype.is_floating else math_ops.cast(t, "float32"))

    op.__name__ = getattr(fn, "__name__", "op")
    return op


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
equal, not_equal = _binary(math_ops.equal), _binary(math_ops.not_equal)
greater, greater_equal = _binary(math_ops.greater), _binary(math_ops.greater_equal)
less, less_equal = _binary(math_ops.less), _binary(math_ops.less_equal)
floor_divide, mod = _binary(math_ops.floordiv), _binary(math_ops.floormod)
logical_and, logical_or = _binary(math_ops.logical_and), _binary(math_ops.logical_or)
divide_no_nan = _binary(more_ops.divide_no_nan)


def divide(x1: Any, x2: Any) -> Any:
    a, b = _promote(x1, x2)
    if not a.dtype.is_floating:
        a, b = math_ops.cast(a, "float32"), math_ops.cast(b, "float32")
    return math_ops.truediv(a, b)


true_divide = divide
abs = absolute = _unary(math_ops.abs)  # noqa: A001
negative, sign, square = _unary(math_ops.negative), _unary(math_ops.sign), _unary(math_ops.square)
logical_not = _unary(math_ops.logical_not)
sqrt, exp, log = _float_unary(math_ops.sqrt), _float_unary(math_ops.exp), _float_unary(math_ops.log)
sin, cos, tan = _float_unary(math_ops.sin), _float_unary(math_ops.cos), _float_unary(math_ops.tan)
tanh, sigmoid = _float_unary(math_ops.tanh), _float_unary(math_ops.sigmoid)
arccos, arcsin = _float_unary(math_ops.acos), _float_unary(math_ops.asin)
arctan, log1p, expm1 = (
    _float_unary(math_ops.atan),
    _float_unary(math_ops.log1p),
    _float_unary(math_ops.expm1),
)
floor, ceil = _float_unary(math_ops.floor), _float_unary(math_ops.ceil)
relu, relu6, gelu, silu = activations.relu, activations.relu6, activations.gelu, activations.silu
softplus, elu, selu = activations.softplus, activations.elu, activations.selu
leaky_relu = activations.leaky_relu
isnan, isinf, isfinite = more_ops.is_nan, more_ops.is_inf, more_ops.is_finite


def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001
    t = _t(x)
    if not decimals:
        return math_ops.round(t)
    scale = 10.0**decimals
    return math_ops.round(t * scale) / scale


def _reduction(fn: Any) -> Any:
    def op(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return fn(_t(x), axis, keepdims=keepdims)

    op.__name__ = getattr(fn, "__name__", "op")
    return op


sum = _reduction(math_ops.reduce_sum)  # noqa: A001
max = amax = _reduction(math_ops.reduce_max)  # noqa: A001
min = amin = _reduction(math_ops.reduce_min)  # noqa: A001
prod = _reduction(math_ops.reduce_prod)
all = _reduction(math_ops.reduce_all)  # noqa: A001
any = _reduction(math_ops.reduce_any)  # noqa: A001
logsumexp = _reduction(math_ops.reduce_logsumexp)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    t = _t(x)
    if not t.dtype.is_floating:
        t = math_ops.cast(t, "float32")
    return math_ops.reduce_mean(t, axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    t = mean(x, axis, keepdims=True)
    return mean(math_ops.square(_t(x) - t), axis, keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return math_ops.sqrt(var(x, axis, keepdims))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    t = _t(x)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    out = math_ops.argmax(t, axis, output_type="int32")
    return array_ops.expand_dims(out, axis) if keepdims else out


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    t = _t(x)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    out = math_ops.argmin(t, axis, output_type="int32")
    return array_ops.expand_dims(out, axis) if keepdims else out


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Any:
    t = _t(x)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    return math_ops.cumsum(t if dtype is None else math_ops.cast(t, dtype), axis)


def cast(x: Any, dtype: Any) -> Any:
    return math_ops.cast(_t(x), dtype)


def array(x: Any, dtype: Any = None) -> Any:
    return cast(x, dtype) if dtype is not None else _t(x)


def shape(x: Any) -> tuple[Any, ...]:
    """A tuple of ints (``None`` for dimensions known only when running)."""
    return tuple(_t(x).shape.as_list())


def ndim(x: Any) -> int:
    return len(shape(x))


def size(x: Any) -> int:
    return int(np.prod(shape(x)))


def reshape(x: Any, newshape: Any) -> Any:
    return array_ops.reshape(_t(x), [-1 if d is None else d for d in newshape])


def transpose(x: Any, axes: Sequence[int] | None = None) -> Any:
    return array_ops.transpose(_t(x), axes)


def expand_dims(x: Any, axis: Any) -> Any:
    t = _t(x)
    for a in sorted(np.atleast_1d(axis).tolist()):
        t = array_ops.expand_dims(t, int(a))
    return t


def squeeze(x: Any, axis: Any = None) -> Any:
    return array_ops.squeeze(_t(x), None if axis is None else list(np.atleast_1d(axis)))


def ravel(x: Any) -> Any:
    return array_ops.reshape(_t(x), [-1])


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    return array_ops.concat(_promote(*xs), axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    return array_ops.stack(_promote(*xs), axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    t = _t(x)
    if isinstance(indices_or_sections, int):
        return list(array_ops.split(t, indices_or_sections, axis))
    edges = [0, *indices_or_sections, t.shape[axis]]
    return list(array_ops.split(t, [b - a for a, b in zip(edges, edges[1:])], axis))


def tile(x: Any, repeats: Any) -> Any:
    return array_ops.tile(_t(x), list(np.atleast_1d(repeats)))


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Any:
    return array_ops.repeat(_t(x), repeats, axis)


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    if x1 is None and x2 is None:
        raise NotImplementedError(
            "keras.ops.where(condition) (the nonzero indices) is not supported"
        )
    a, b = _promote(x1, x2)
    return array_ops.where(math_ops.cast(_t(condition), "bool"), a, b)


def clip(x: Any, x_min: Any, x_max: Any) -> Any:
    t = _t(x)
    return math_ops.clip_by_value(t, math_ops.cast(x_min, t.dtype), math_ops.cast(x_max, t.dtype))


def matmul(x1: Any, x2: Any) -> Any:
    a, b = _promote(x1, x2)
    return math_ops.matmul(a, b)


def dot(x1: Any, x2: Any) -> Any:
    a, b = _promote(x1, x2)
    if a.shape.rank == 0 or b.shape.rank == 0:
        return a * b
    return math_ops.tensordot(a, b, [[a.shape.rank - 1], [builtins.max(b.shape.rank - 2, 0)]])


def einsum(subscripts: str, *operands: Any) -> Any:
    return more_ops.einsum(subscripts, *_promote(*operands))


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    t = _t(x)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    return array_ops.gather(t, _t(indices), axis=axis)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Any:
    t, i = _t(x), _t(indices)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    return more_ops.take_along_axis(t, i, axis)


def one_hot(
    x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False
) -> Any:
    return array_ops.one_hot(_t(x), num_classes, axis=axis, dtype=dtype or "float32")


def top_k(x: Any, k: int, sorted: bool = True) -> Any:  # noqa: A002
    return more_ops.top_k(_t(x), k, sorted)


def sort(x: Any, axis: int = -1) -> Any:
    return more_ops.sort(_t(x), axis)


def argsort(x: Any, axis: int = -1) -> Any:
    return more_ops.argsort(_t(x), axis, stable=True)


def zeros(shape: Any, dtype: Any = None) -> Any:
    return array_ops.zeros(shape, dtype or "float32")


def ones(shape: Any, dtype: Any = None) -> Any:
    return array_ops.ones(shape, dtype or "float32")


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    return array_ops.fill(shape, math_ops.cast(fill_value, dtype or "float32"))


def zeros_like(x: Any, dtype: Any = None) -> Any:
    return array_ops.zeros_like(_t(x), dtype=dtype)


def ones_like(x: Any, dtype: Any = None) -> Any:
    return array_ops.ones_like(_t(x), dtype=dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:  # noqa: N803
    return _to_tensor(np.eye(N, M, k, dtype=dtypes.as_dtype(dtype or "float32").np))


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Any:
    if stop is None:
        start, stop = 0, start
    kind = dtype or (
        "float32" if builtins.any(isinstance(v, float) for v in (start, stop, step)) else "int32"
    )
    return _to_tensor(np.arange(start, stop, step, dtype=dtypes.as_dtype(kind).np))


def linspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0
) -> Any:
    return _to_tensor(
        np.linspace(start, stop, num, endpoint, dtype=dtypes.as_dtype(dtype or "float32").np)
    )


def stop_gradient(x: Any) -> Any:
    return array_ops.stop_gradient(_t(x))


def softmax(x: Any, axis: int = -1) -> Any:
    return nn_ops.softmax(_t(x), axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return nn_ops.log_softmax(_t(x), axis)


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Any:
    """x divided by its L2 norm along ``axis``. Mirrors: keras.ops.normalize."""
    if order != 2:
        raise NotImplementedError("keras.ops.normalize: only order=2")
    return nn_ops.l2_normalize(_t(x), axis, epsilon or 1e-12)


def sparse_categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Any:
    return losses.sparse_categorical_crossentropy(target, _t(output), from_logits, axis)


def categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Any:
    return losses.categorical_crossentropy(target, _t(output), from_logits, axis=axis)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    t, o = _promote(target, output)
    if from_logits:
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=t, logits=o)
    p = math_ops.clip_by_value(o, 1e-7, 1 - 1e-7)
    return -(t * math_ops.log(p) + (1 - t) * math_ops.log(1 - p))


def _resize(
    images: Any,
    size: Any,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    data_format: Any = None,
    **_: Any,
) -> Any:
    return image_ops.resize(_t(images), size, method=interpolation, antialias=antialias)


image = SimpleNamespace(resize=_resize, affine_transform=image_ops.transform)
linalg = SimpleNamespace(
    norm=lambda x, ord=None, axis=None, keepdims=False: linalg_ops.norm(
        _t(x), "euclidean" if ord is None else ord, axis=axis, keepdims=keepdims
    ),
    inv=linalg_ops.inv,
    det=linalg_ops.det,
    solve=linalg_ops.solve,
    cholesky=linalg_ops.cholesky,
    eigh=linalg_ops.eigh,
    qr=linalg_ops.qr,
    svd=linalg_ops.svd,
)
nn = SimpleNamespace(
    relu=relu,
    sigmoid=sigmoid,
    softmax=softmax,
    log_softmax=log_softmax,
    gelu=gelu,
    silu=silu,
    one_hot=one_hot,
    sparse_categorical_crossentropy=sparse_categorical_crossentropy,
    categorical_crossentropy=categorical_crossentropy,
    binary_crossentropy=binary_crossentropy,
    normalize=normalize,
)
numpy = SimpleNamespace(
    **{k: v for k, v in list(globals().items()) if callable(v) and not k.startswith("_")}
)
