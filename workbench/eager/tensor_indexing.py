"""Tensor methods that read and write by index: ``t[key]`` and ``t[key] = v``, gather
and scatter, index_select and index_add, nonzero, take and masked_select.

Mirrors: the corresponding torch.Tensor methods.
"""
# ruff: noqa: A001 - methods named as torch names them (sum, max, all, …)

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import ops
from workbench.core.values import Array
from workbench.eager import autograd_engine as engine
from workbench.eager import dtypes
from workbench.eager.tensor_base import (
    is_tensor,
    new,
    wrap,
    wrap_dim,
)

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def getitem(self: Tensor, key: Any) -> Tensor:
    return wrap(ops.index(self._value, _index_key(key)), (self,), _index_name(self, key))


def _index_name(self: Tensor, key: Any) -> str:
    """PyTorch's name for ``x[key]``'s grad_fn: its last view operation (an integer
    selects, a slice that is not the whole axis slices, None unsqueezes), or
    IndexBackward0 when an index is a tensor or a list."""
    entries = key if isinstance(key, tuple) else (key,)
    basic = (e is None or e is Ellipsis or isinstance(e, slice) for e in entries)
    if not all(
        b or (isinstance(e, builtins.int) and not isinstance(e, builtins.bool))
        for b, e in zip(basic, entries)
    ):
        return "IndexBackward0"  # a tensor, a list or a mask: advanced indexing
    given = sum(1 for e in entries if e is not None and e is not Ellipsis)
    axis, name = 0, "AliasBackward0"
    for e in entries:
        if e is Ellipsis:
            axis += self.ndim - given
        elif e is None:
            name = "UnsqueezeBackward0"
        elif isinstance(e, slice):
            if e.indices(self.shape[axis]) != (0, self.shape[axis], 1):
                name = "SliceBackward0"
            axis += 1
        else:
            name = "SelectBackward0"
            axis += 1
    return name


def setitem(self: Tensor, key: Any, value: Any) -> None:
    key = _index_key(key)
    if self.requires_grad and self.is_leaf and engine.is_enabled():
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    recording = engine.is_enabled() and (
        self.requires_grad or (is_tensor(value) and value.requires_grad)
    )
    if not recording:  # the data is written in place (a leaf stays a leaf under no_grad)
        data = self._array().data
        source = value._array().data if is_tensor(value) else value
        try:
            data[_raw_key(key)] = source
        except ValueError as err:
            raise RuntimeError(f"index assignment failed: {err}") from None
        self._version += 1
        return
    source = value._value if is_tensor(value) else value
    self._value = ops.index_set(self._value, key, source)
    self._version += 1


def gather(self: Tensor, dim: builtins.int, index: Tensor) -> Tensor:
    """out[i][j][k] = self[i][index[i][j][k]][k] (for dim=1). Mirrors: torch.gather."""
    d = wrap_dim(dim, self.ndim)
    grids = np.indices(index.shape, sparse=True)
    key = tuple(index._array() if a == d else _host_index(grids[a], self) for a in range(self.ndim))
    return wrap(ops.index(self._value, key), (self, index), "GatherBackward0")


def scatter_add(self: Tensor, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
    d = wrap_dim(dim, self.ndim)
    grids = np.indices(index.shape, sparse=True)
    key = tuple(index._array() if a == d else _host_index(grids[a], self) for a in range(self.ndim))
    return wrap(ops.index_add(self._value, key, src._value), (self, src), "ScatterAddBackward0")


def index_add(
    self: Tensor, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
) -> Tensor:
    """``self`` with ``alpha * source`` added at positions ``index`` along ``dim`` (repeats
    accumulate). Mirrors: torch.index_add."""
    d = wrap_dim(dim, self.ndim)
    key = (slice(None),) * d + (index._array(),)
    update = source if alpha == 1 else source * alpha
    return wrap(ops.index_add(self._value, key, update._value), (self, update), "IndexAddBackward0")


def index_add_(
    self: Tensor, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
) -> Tensor:
    return self._inplace(index_add(self, dim, index, source, alpha=alpha))


def index_select(self: Tensor, dim: builtins.int, index: Tensor) -> Tensor:
    key = (slice(None),) * (wrap_dim(dim, self.ndim)) + (index,)
    return self[key]


def nonzero(self: Tensor, as_tuple: builtins.bool = False) -> Any:
    host = np.nonzero(self._concrete("nonzero()").numpy())
    if as_tuple:
        return tuple(new(h.astype(np.int64), device=self.device) for h in host)
    return new(np.stack(host, 1).astype(np.int64), device=self.device)


def _index_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_index_key_item(k) for k in key)
    return _index_key_item(key)


def _index_key_item(k: Any) -> Any:
    if is_tensor(k):
        if k.ndim == 0 and not k.dtype.is_floating_point and k.dtype is not dtypes.bool:
            return builtins.int(k.item())
        return k._array()
    if isinstance(k, list):
        return np.asarray(k)
    return k


def _raw_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_raw_key(k) for k in key)
    if isinstance(key, Array):
        return key.data
    return key


def _host_index(grid: np.ndarray, like: Tensor) -> Array:
    return ops.array(grid.astype(np.int64), device=like._value.device)


def take(self: Tensor, index: Tensor) -> Tensor:
    return self.flatten()[index]


def masked_select(self: Tensor, mask: Tensor) -> Tensor:
    from workbench.eager.functions import broadcast_tensors  # noqa: PLC0415

    values, where = broadcast_tensors(self, mask)
    return values[where]
