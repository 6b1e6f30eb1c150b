"""The shape operations (reshape, expand_dims, concat, gather …) on string tensors: the
same rearrangements NumPy makes of the host array of bytes. ``array_ops`` hands a string
tensor here; everything numeric goes through the core as before."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.static.string_data import host_strings
from workbench.static.strings import StringTensor


def _host(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _numbers(value: Any, out_type: Any) -> Any:
    from workbench.static import dtypes  # noqa: PLC0415
    from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

    return convert_to_tensor(np.asarray(value, dtypes.as_dtype(out_type).np))


def _has_strings(value: Any) -> bool:
    if isinstance(value, StringTensor):
        return True
    return isinstance(value, list | tuple) and any(isinstance(v, StringTensor) for v in value)


def _axis(axis: Any) -> Any:
    return None if axis is None else int(_host(axis))


HOST: dict[str, Callable[..., Any]] = {
    "identity": lambda input, name=None: input,
    "shape": lambda input, out_type="int32", name=None: _numbers(input.shape.as_list(), out_type),
    "size": lambda input, out_type="int32", name=None: _numbers(input._data.size, out_type),
    "rank": lambda input, name=None: _numbers(input._data.ndim, "int32"),
    "reshape": lambda tensor, shape, name=None: StringTensor(
        np.reshape(tensor._data, [int(d) for d in _host(shape).reshape(-1)])
    ),
    "transpose": lambda a, perm=None, conjugate=False, name=None: StringTensor(
        np.transpose(a._data, None if perm is None else [int(p) for p in _host(perm)])
    ),
    "expand_dims": lambda input, axis, name=None: StringTensor(
        np.expand_dims(input._data, _axis(axis))
    ),
    "squeeze": lambda input, axis=None, name=None: StringTensor(
        np.squeeze(input._data, None if axis is None else tuple(np.atleast_1d(_host(axis))))
    ),
    "concat": lambda values, axis, name="concat": StringTensor(
        np.concatenate([host_strings(v) for v in values], _axis(axis))
    ),
    "stack": lambda values, axis=0, name="stack": StringTensor(
        np.stack([host_strings(v) for v in values], _axis(axis))
    ),
    "unstack": lambda value, num=None, axis=0, name="unstack": [
        StringTensor(part) for part in np.moveaxis(value._data, _axis(axis), 0)
    ],
    "tile": lambda input, multiples, name=None: StringTensor(
        np.tile(input._data, [int(m) for m in _host(multiples)])
    ),
    "gather": lambda params, indices, axis=None, batch_dims=0, name=None: StringTensor(
        np.take(params._data, _host(indices).astype(np.int64), axis=_axis(axis) or 0)
    ),
    "boolean_mask": lambda tensor, mask, name="boolean_mask": StringTensor(
        tensor._data[_host(mask).astype(bool)]
    ),
}


def on_host(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` for numbers; its host version when the first argument holds strings."""
    host = HOST[fn.__name__]

    @functools.wraps(fn)
    def either(*args: Any, **kwargs: Any) -> Any:
        first = args[0] if args else next(iter(kwargs.values()), None)
        return host(*args, **kwargs) if _has_strings(first) else fn(*args, **kwargs)

    return either
