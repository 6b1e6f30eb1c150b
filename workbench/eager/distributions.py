"""Mirrors: torch.distributions — Normal and Categorical (what policy-gradient and VAE
tutorials reach for): sampling from the workbench's generator, and ``log_prob``,
``entropy`` with PyTorch's formulas, differentiable through the parameters."""

from __future__ import annotations

import math
from typing import Any

from workbench.eager.autograd import no_grad
from workbench.eager.nn import functional as F
from workbench.eager.random import rand, randn
from workbench.eager.tensor import Tensor
from workbench.eager.tensor_base import tensor_of


def _shape(sample_shape: Any) -> tuple[int, ...]:
    return tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,)


class Distribution:
    """The base class: ``sample`` (no gradient), ``rsample`` where reparameterisable."""

    has_rsample = False

    @property
    def batch_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampling")


class Normal(Distribution):
    """N(loc, scale²). Mirrors: torch.distributions.Normal."""

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: Any = None) -> None:
        self.loc, self.scale = tensor_of(loc), tensor_of(scale)
        if not self.loc.dtype.is_floating_point:
            self.loc = self.loc.float()
        if not self.scale.dtype.is_floating_point:
            self.scale = self.scale.float()

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple((self.loc + self.scale).shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale**2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = _shape(sample_shape) + self.batch_shape
        noise = randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + noise * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = tensor_of(value)
        var = self.scale**2
        log_scale = self.scale.log()
        return -((value - self.loc) ** 2) / (2 * var) - log_scale - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Categorical(Distribution):
    """A choice among the last axis's classes, from ``probs`` (normalised here) or
    ``logits``. Mirrors: torch.distributions.Categorical."""

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = tensor_of(probs)
            self.probs = probs / probs.sum(-1, keepdim=True)
            eps = _eps(self.probs)  # PyTorch keeps log(0) finite the same way
            self.logits = self.probs.clamp(min=eps, max=1 - eps).log()
        else:
            logits = tensor_of(logits)
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = F.softmax(self.logits, -1)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.probs.shape[:-1])

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self.probs.shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Inverse-CDF draws: a uniform number per sample against the cumulative
        probabilities."""
        with no_grad():
            shape = _shape(sample_shape) + self.batch_shape
            cdf = self.probs.cumsum(-1)
            u = rand(*shape, dtype=self.probs.dtype, device=self.probs.device).unsqueeze(-1)
            index = (u >= cdf).sum(-1)
            return index.clamp(max=self.probs.shape[-1] - 1)

    def log_prob(self, value: Any) -> Tensor:
        value = tensor_of(value).long()
        logits = self.logits.expand(*value.shape, self.logits.shape[-1])
        return logits.gather(-1, value.unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=_lowest(self.logits))
        return -(logits * self.probs).sum(-1)


def _eps(t: Tensor) -> float:
    import numpy as np  # noqa: PLC0415

    return float(np.finfo(t.dtype.np).eps)


def _lowest(t: Tensor) -> float:
    import numpy as np  # noqa: PLC0415

    return float(np.finfo(t.dtype.np).min)


__all__ = ["Categorical", "Distribution", "Normal"]
