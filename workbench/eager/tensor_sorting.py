"""Tensor methods that sort, count and sample: sort, argsort, topk, unique, bincount,
cumprod and multinomial.

Mirrors: the corresponding torch.Tensor methods.
"""
# ruff: noqa: A001 - methods named as torch names them (sum, max, all, …)

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.eager import dtypes
from workbench.eager.meta import values_indices
from workbench.eager.tensor_base import (
    new,
    wrap_dim,
)

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


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
    return new(out.reshape(probs.shape[:-1] + (num_samples,)), device=self.device)


def bincount(self: Tensor, weights: Any = None, minlength: builtins.int = 0) -> Tensor:
    host = self._concrete("bincount()").numpy()
    w = None if weights is None else weights._concrete("bincount()").numpy()
    return new(np.bincount(host, w, minlength), device=self.device)


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
    out = [new(values, device=self.device)]
    if return_inverse:
        out.append(new(inverse.reshape(self.shape).astype(np.int64), device=self.device))
    if return_counts:
        out.append(new(counts.astype(np.int64), device=self.device))
    return out[0] if len(out) == 1 else tuple(out)


def cumprod(self: Tensor, dim: builtins.int) -> Tensor:
    return _cumprod(self, wrap_dim(dim, self.ndim))


def sort(self: Tensor, dim: builtins.int = -1, descending: builtins.bool = False) -> Any:
    host = self._array().numpy()
    order = np.argsort(-host if descending else host, axis=dim, kind="stable")
    indices = new(order.astype(np.int64), device=self.device)
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


def _cumprod(t: Tensor, dim: builtins.int) -> Tensor:
    """Running products, one slice at a time (exact with zeros and negative values)."""
    from workbench.eager.functions import stack  # noqa: PLC0415

    pieces = t.unbind(dim)
    running = [pieces[0]]
    for piece in pieces[1:]:
        running.append(running[-1] * piece)
    return stack(running, dim)
