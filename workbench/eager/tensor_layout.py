"""Tensor methods that reshape, index and update tensors in place. Each is a function
of the tensor, bound into ``Tensor`` by name in its class body
(``Tensor.reshape is tensor_layout.reshape``).

Mirrors: the corresponding torch.Tensor methods.
"""
# ruff: noqa: A001 - methods named as torch names them (sum, max, all, …)

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import workbench.eager.tensor as _t
from workbench.core import ops
from workbench.core.values import Array
from workbench.eager import autograd_engine as engine
from workbench.eager import dtypes
from workbench.eager.meta import values_indices

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def reshape(self: Tensor, *shape: Any) -> Tensor:
    shape = _t._shape_args(shape)
    return _t.wrap(ops.reshape(self._value, shape), (self,), "ViewBackward0")


def view_as(self: Tensor, other: Tensor) -> Tensor:
    return self.reshape(other.shape)


def permute(self: Tensor, *dims: Any) -> Tensor:
    return _t.wrap(ops.transpose(self._value, _t._shape_args(dims)), (self,), "PermuteBackward0")


def transpose(self: Tensor, dim0: builtins.int, dim1: builtins.int) -> Tensor:
    perm = list(range(self.ndim))
    d0, d1 = dim0 % builtins.max(self.ndim, 1), dim1 % builtins.max(self.ndim, 1)
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _t.wrap(ops.transpose(self._value, perm), (self,), "TransposeBackward0")


def t(self: Tensor) -> Tensor:
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return self if self.ndim < 2 else self.transpose(0, 1)


def squeeze(self: Tensor, dim: Any = None) -> Tensor:
    if dim is None:
        axes = [i for i, d in enumerate(self.shape) if d == 1]
    else:
        axes = [
            d % builtins.max(self.ndim, 1)
            for d in ((dim,) if isinstance(dim, builtins.int) else dim)
        ]
        axes = [a for a in axes if self.shape[a] == 1]  # torch ignores non-1 dims
    return (
        self if not axes else _t.wrap(ops.squeeze(self._value, axes), (self,), "SqueezeBackward0")
    )


def unsqueeze(self: Tensor, dim: builtins.int) -> Tensor:
    return _t.wrap(
        ops.expand_dims(self._value, [dim % (self.ndim + 1)]), (self,), "UnsqueezeBackward0"
    )


def flatten(self: Tensor, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
    if self.ndim == 0:
        return self.reshape(1)
    s, e = start_dim % self.ndim, end_dim % self.ndim
    shape = list(self.shape[:s]) + [-1] + list(self.shape[e + 1 :])
    return self.reshape(shape)


def unflatten(self: Tensor, dim: builtins.int, sizes: Sequence[builtins.int]) -> Tensor:
    d = dim % self.ndim
    return self.reshape(list(self.shape[:d]) + list(sizes) + list(self.shape[d + 1 :]))


def expand(self: Tensor, *sizes: Any) -> Tensor:
    sizes = _t._shape_args(sizes)
    lead = len(sizes) - self.ndim
    shape = [s if s != -1 else self.shape[i - lead] for i, s in enumerate(sizes)]
    return _t.wrap(ops.broadcast_to(self._value, shape), (self,), "ExpandBackward0")


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return self.expand(other.shape)


def repeat(self: Tensor, *repeats: Any) -> Tensor:
    repeats = _t._shape_args(repeats)
    x = self.reshape([1] * (len(repeats) - self.ndim) + list(self.shape))
    shape = []
    for r, d in zip(repeats, x.shape):
        shape += [r, d]
    expanded = x.reshape([v for d in x.shape for v in (1, d)]).expand(shape)
    return expanded.reshape([r * d for r, d in zip(repeats, x.shape)])


def flip(self: Tensor, dims: Any) -> Tensor:
    return _t.wrap(ops.flip(self._value, _t._shape_args((dims,))), (self,), "FlipBackward0")


def chunk(self: Tensor, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    size = self.shape[dim]
    step = -(-size // chunks)
    return self.split(step, dim)


def split(self: Tensor, split_size: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    size = self.shape[dim]
    if isinstance(split_size, builtins.int):
        sizes = [split_size] * (size // split_size) + (
            [size % split_size] if size % split_size else []
        )
    else:
        sizes = list(split_size)
    pieces = ops.split(self._value, sizes, dim)
    return tuple(_t.wrap(p, (self,), "SplitBackward0") for p in pieces)


def movedim(self: Tensor, source: builtins.int, destination: builtins.int) -> Tensor:
    order = [i for i in range(self.ndim) if i != source % self.ndim]
    order.insert(destination % self.ndim, source % self.ndim)
    return self.permute(*order)


def tril(self: Tensor, diagonal: builtins.int = 0) -> Tensor:
    rows, cols = self.shape[-2:]
    mask = _t.Tensor(np.tril(np.ones((rows, cols), bool), diagonal), device=self.device)
    return self.masked_fill(~mask, 0)


def triu(self: Tensor, diagonal: builtins.int = 0) -> Tensor:
    rows, cols = self.shape[-2:]
    mask = _t.Tensor(np.triu(np.ones((rows, cols), bool), diagonal), device=self.device)
    return self.masked_fill(~mask, 0)


def unbind(self: Tensor, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    return tuple(p.squeeze(dim) for p in self.split(1, dim))


def getitem(self: Tensor, key: Any) -> Tensor:
    return _t.wrap(ops.index(self._value, _index_key(key)), (self,), _index_name(self, key))


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
    if not self.requires_grad and not (
        isinstance(value, _t.Tensor) and value.requires_grad and engine.is_enabled()
    ):
        data = self._array().data
        source = value._array().data if isinstance(value, _t.Tensor) else value
        try:
            data[_raw_key(key)] = source
        except ValueError as err:
            raise RuntimeError(f"index assignment failed: {err}") from None
        self._version += 1
        return
    source = value._value if isinstance(value, _t.Tensor) else value
    self._value = ops.index_set(self._value, key, source)
    self._version += 1


def gather(self: Tensor, dim: builtins.int, index: Tensor) -> Tensor:
    """out[i][j][k] = self[i][index[i][j][k]][k] (for dim=1). Mirrors: torch.gather."""
    d = dim % self.ndim
    grids = np.indices(index.shape, sparse=True)
    key = tuple(index._array() if a == d else _host_index(grids[a], self) for a in range(self.ndim))
    return _t.wrap(ops.index(self._value, key), (self, index), "GatherBackward0")


def scatter_add(self: Tensor, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
    d = dim % self.ndim
    grids = np.indices(index.shape, sparse=True)
    key = tuple(index._array() if a == d else _host_index(grids[a], self) for a in range(self.ndim))
    return _t.wrap(ops.index_add(self._value, key, src._value), (self, src), "ScatterAddBackward0")


def index_add(
    self: Tensor, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
) -> Tensor:
    """``self`` with ``alpha * source`` added at positions ``index`` along ``dim`` (repeats
    accumulate). Mirrors: torch.index_add."""
    d = dim % builtins.max(self.ndim, 1)
    key = (slice(None),) * d + (index._array(),)
    update = source if alpha == 1 else source * alpha
    return _t.wrap(
        ops.index_add(self._value, key, update._value), (self, update), "IndexAddBackward0"
    )


def index_add_(
    self: Tensor, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
) -> Tensor:
    return self._inplace(index_add(self, dim, index, source, alpha=alpha))


def index_select(self: Tensor, dim: builtins.int, index: Tensor) -> Tensor:
    key = (slice(None),) * (dim % self.ndim) + (index,)
    return self[key]


def multinomial(
    self: Tensor,
    num_samples: builtins.int,
    replacement: builtins.bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Sample category indices from (unnormalised) probabilities along the last axis.

    Mirrors: torch.multinomial (inverse-CDF sampling with the workbench's generator).
    """
    from workbench.eager.random import rand  # noqa: PLC0415

    probs = self._concrete("multinomial()").numpy().astype(np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(1) <= 0).any():
        raise RuntimeError(
            "invalid multinomial distribution (sum of probabilities <= 0, or negative/inf/nan)"
        )
    if not replacement and num_samples > (rows > 0).sum(1).min():
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    out = np.empty((len(rows), num_samples), dtype=np.int64)
    for r, row in enumerate(rows):
        weights = row.copy()
        for k in range(num_samples):
            u = rand(1, generator=generator, dtype=dtypes.float64).item()
            cdf = np.cumsum(weights)
            choice = builtins.int(np.searchsorted(cdf, u * cdf[-1], side="right"))
            choice = builtins.min(choice, len(weights) - 1)
            out[r, k] = choice
            if not replacement:
                weights[choice] = 0.0
    return _t.Tensor(out.reshape(probs.shape[:-1] + (num_samples,)), device=self.device)


def bincount(self: Tensor, weights: Any = None, minlength: builtins.int = 0) -> Tensor:
    host = self._concrete("bincount()").numpy()
    w = None if weights is None else weights._concrete("bincount()").numpy()
    return _t.Tensor(np.bincount(host, w, minlength), device=self.device)


def nonzero(self: Tensor, as_tuple: builtins.bool = False) -> Any:
    host = np.nonzero(self._concrete("nonzero()").numpy())
    if as_tuple:
        return tuple(_t.Tensor(h.astype(np.int64), device=self.device) for h in host)
    return _t.Tensor(np.stack(host, 1).astype(np.int64), device=self.device)


def unique(
    self: Tensor,
    sorted: builtins.bool = True,
    return_inverse: builtins.bool = False,  # noqa: A002
    return_counts: builtins.bool = False,
    dim: Any = None,
) -> Any:
    values, inverse, counts = np.unique(
        self._concrete("unique()").numpy(), return_inverse=True, return_counts=True
    )
    out = [_t.Tensor(values, device=self.device)]
    if return_inverse:
        out.append(_t.Tensor(inverse.reshape(self.shape).astype(np.int64), device=self.device))
    if return_counts:
        out.append(_t.Tensor(counts.astype(np.int64), device=self.device))
    return out[0] if len(out) == 1 else tuple(out)


def cumprod(self: Tensor, dim: builtins.int) -> Tensor:
    return _cumprod(self, dim)


def sort(self: Tensor, dim: builtins.int = -1, descending: builtins.bool = False) -> Any:
    host = self._array().numpy()
    order = np.argsort(-host if descending else host, axis=dim, kind="stable")
    indices = _t.Tensor(order.astype(np.int64), device=self.device)
    return values_indices("sort", self.gather(dim, indices), indices)


def argsort(self: Tensor, dim: builtins.int = -1, descending: builtins.bool = False) -> Tensor:
    return self.sort(dim, descending).indices


def topk(
    self: Tensor,
    k: builtins.int,
    dim: builtins.int = -1,
    largest: builtins.bool = True,
    sorted: builtins.bool = True,
) -> Any:  # noqa: A002
    values, indices = self.sort(dim, descending=largest)
    indices = indices.narrow(dim, 0, k)
    return values_indices("topk", self.gather(dim, indices), indices)


def narrow(self: Tensor, dim: builtins.int, start: builtins.int, length: builtins.int) -> Tensor:
    key = (slice(None),) * (dim % self.ndim) + (slice(start, start + length),)
    return self[key]


def _inplace(self: Tensor, result: Tensor) -> Tensor:
    tracked = _t._tracked(self._value)
    grad_leaf = tracked and self._value.node is None
    if grad_leaf and engine.is_enabled():
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    if result._value.dtype != self._value.dtype:
        result = result.to(self.dtype)
    if not tracked and not _t._tracked(result._value):
        target = self._array().data
        source = result._array().data
        if target.flags.writeable:
            target[...] = source
        else:
            self._value = Array(source.copy(), self._value.device)
    elif grad_leaf:  # under no_grad: update the leaf's data
        self._value.primal = result._array()
    else:
        self._value = result._value
    self._version += 1
    return self


def add_(self: Tensor, other: Any, alpha: _t.Number = 1) -> Tensor:
    return self._inplace(self.add(other, alpha))


def sub_(self: Tensor, other: Any, alpha: _t.Number = 1) -> Tensor:
    return self._inplace(self.sub(other, alpha))


def mul_(self: Tensor, other: Any) -> Tensor:
    return self._inplace(self * other)


def div_(self: Tensor, other: Any) -> Tensor:
    return self._inplace(self / other)


def pow_(self: Tensor, exponent: Any) -> Tensor:
    return self._inplace(self**exponent)


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return self._inplace(self.clamp(min, max))


def neg_(self: Tensor) -> Tensor:
    return self._inplace(-self)


def exp_(self: Tensor) -> Tensor:
    return self._inplace(self.exp())


def sqrt_(self: Tensor) -> Tensor:
    return self._inplace(self.sqrt())


def relu_(self: Tensor) -> Tensor:
    return self._inplace(self.relu())


def zero_(self: Tensor) -> Tensor:
    return self.fill_(0)


def fill_(self: Tensor, value: Any) -> Tensor:
    filled = _t.Tensor(
        np.full(
            self.shape, value if not isinstance(value, _t.Tensor) else value.item(), self.dtype.np
        ),
        device=self.device,
    )
    return self._inplace(filled)


def copy_(self: Tensor, src: Tensor) -> Tensor:
    src = _t._as_tensor(src).to(self.device)
    return self._inplace(src.expand(self.shape) if tuple(src.shape) != tuple(self.shape) else src)


def addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value: _t.Number = 1) -> Tensor:
    return self._inplace(self + t1 * t2 * value)


def addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value: _t.Number = 1) -> Tensor:
    return self._inplace(self + t1 / t2 * value)


def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    return self._inplace(self + (end - self) * weight)


def uniform_(
    self: Tensor, a: builtins.float = 0.0, b: builtins.float = 1.0, generator: Any = None
) -> Tensor:
    from workbench.eager.random import rand  # noqa: PLC0415

    return self._inplace(
        rand(*self.shape, generator=generator, dtype=self.dtype, device=self.device) * (b - a) + a
    )


def normal_(
    self: Tensor, mean: builtins.float = 0.0, std: builtins.float = 1.0, generator: Any = None
) -> Tensor:
    from workbench.eager.random import randn  # noqa: PLC0415

    return self._inplace(
        randn(*self.shape, generator=generator, dtype=self.dtype, device=self.device) * std + mean
    )


# ---------------------------------------------------------------------------------------
# helpers


def _cumprod(t: Tensor, dim: builtins.int) -> Tensor:
    """Running products, one slice at a time (exact with zeros and negative values)."""
    from workbench.eager.functions import stack  # noqa: PLC0415

    pieces = t.unbind(dim)
    running = [pieces[0]]
    for piece in pieces[1:]:
        running.append(running[-1] * piece)
    return stack(running, dim)


def _index_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_index_key_item(k) for k in key)
    return _index_key_item(key)


def _index_key_item(k: Any) -> Any:
    if isinstance(k, _t.Tensor):
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


# ---------------------------------------------------------------------------------------
# rearranging


def broadcast_to(self: Tensor, size: Any) -> Tensor:
    return self.expand(size)


def tile(self: Tensor, dims: Any) -> Tensor:
    """``repeat`` with ``dims`` padded by ones on the left when shorter than the tensor."""
    dims = tuple(dims)
    return self.repeat((1,) * (self.ndim - len(dims)) + dims)


def roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    from workbench.eager.functions import cat  # noqa: PLC0415

    if dims is None:
        return self.flatten().roll(shifts, 0).reshape(self.shape)
    shifts = (shifts,) if isinstance(shifts, builtins.int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, builtins.int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}"
        )
    out = self
    for shift, dim in zip(shifts, dims):
        size = out.shape[dim]
        cut = (-shift) % size if size else 0
        if cut:
            out = cat([out.narrow(dim, cut, size - cut), out.narrow(dim, 0, cut)], dim)
    return out


def repeat_interleave(self: Tensor, repeats: Any, dim: Any = None) -> Tensor:
    """Each element repeated ``repeats`` times along ``dim`` (flattened when None)."""
    x = self.flatten() if dim is None else self
    d = 0 if dim is None else dim % x.ndim
    if isinstance(repeats, builtins.int):
        shape = list(x.shape)
        expanded = x.unsqueeze(d + 1).expand(shape[: d + 1] + [repeats] + shape[d + 1 :])
        return expanded.reshape(shape[:d] + [shape[d] * repeats] + shape[d + 1 :])
    counts = repeats.tolist() if isinstance(repeats, _t.Tensor) else list(repeats)
    where = np.repeat(np.arange(x.shape[d]), counts)
    return x.index_select(d, _t.Tensor(where, device=x.device))


def fliplr(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise RuntimeError("fliplr: input tensor must be at least 2D.")
    return self.flip(1)


def flipud(self: Tensor) -> Tensor:
    return self.flip(0)


def take(self: Tensor, index: Tensor) -> Tensor:
    return self.flatten()[index]


def masked_select(self: Tensor, mask: Tensor) -> Tensor:
    from workbench.eager.functions import broadcast_tensors  # noqa: PLC0415

    values, where = broadcast_tensors(self, mask)
    return values[where]


def diff(self: Tensor, n: builtins.int = 1, dim: builtins.int = -1) -> Tensor:
    out = self
    for _ in range(n):
        size = out.shape[dim]
        later, earlier = out.narrow(dim, 1, size - 1), out.narrow(dim, 0, size - 1)
        out = later != earlier if out.dtype is dtypes.bool else later - earlier
    return out


def stride(self: Tensor, dim: Any = None) -> Any:
    """Steps in elements between neighbours along each dimension, read from the storage
    array (0 along an ``expand``-ed dimension, as in PyTorch)."""
    data = self._array().data
    steps = tuple(builtins.int(s) // data.itemsize for s in data.strides)
    return steps if dim is None else steps[dim]
