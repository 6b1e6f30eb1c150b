"""Random numbers from the core's counter-based Threefry bits, through a generator that
keeps a key (``manual_seed`` resets it). Mirrors: torch.manual_seed, torch.Generator,
rand, randn, randint, randperm, bernoulli, normal.

The numbers differ from PyTorch's (its CPU generator is a Mersenne Twister): seeding
reproduces the workbench's own numbers, as in PyTorch. Parity tests copy weights instead.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.eager import dtypes
from workbench.eager.tensor import Tensor, device
from workbench.eager.tensor_base import shape_args, wrap


class Generator:
    """A stream of random keys. Mirrors: torch.Generator."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self.manual_seed(67280421310721)  # PyTorch's default initial seed

    def manual_seed(self, seed: builtins.int) -> Generator:
        self._seed = builtins.int(seed)
        self._key = ops.key(self._seed)
        return self

    def initial_seed(self) -> builtins.int:
        return self._seed

    def next_key(self) -> Any:
        keys = ops.split_key(self._key, 2)
        self._key = ops.index(keys, 0)
        return ops.index(keys, 1)

    def get_state(self) -> Tensor:
        return wrap(self._key)

    def set_state(self, state: Tensor) -> None:
        self._key = state._array()


default_generator = Generator()


def manual_seed(seed: builtins.int) -> Generator:
    """Mirrors: torch.manual_seed."""
    return default_generator.manual_seed(seed)


def seed() -> builtins.int:
    return default_generator.initial_seed()


def _uniform(shape: tuple[builtins.int, ...], generator: Any, dtype: Any, device_: Any) -> Tensor:
    gen = generator or default_generator
    u = ops.uniform(gen.next_key(), shape)
    t = wrap(u)
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else dtypes.get_default_dtype().np
    t = t.to(dtypes.from_numpy_dtype(np_dtype))
    return t.to(device(device_)) if device_ is not None and device(device_) != device("cpu") else t


def rand(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Uniform on [0, 1). Mirrors: torch.rand."""
    t = _uniform(shape_args(size), generator, dtype, device)
    return t.requires_grad_(True) if requires_grad else t


def randn(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Standard normal (Box-Muller on two uniform draws). Mirrors: torch.randn."""
    shape = shape_args(size)
    u1 = _uniform(shape, generator, dtypes.float64, None)
    u2 = _uniform(shape, generator, dtypes.float64, None)
    z = ((1.0 - u1).log() * -2.0).sqrt() * (u2 * (2 * math.pi)).cos()
    t = z.to(
        dtypes.from_numpy_dtype(dtypes.to_numpy(dtype) if dtype else dtypes.get_default_dtype().np)
    )
    if device is not None:
        t = t.to(device)
    return t.requires_grad_(True) if requires_grad else t


def randint(
    low: Any,
    high: Any = None,
    size: Any = (),
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Integers uniform in [low, high). Mirrors: torch.randint, including its
    ``randint(high, size)`` form."""
    if requires_grad:  # PyTorch accepts the argument for integer dtypes only to refuse it
        return randint(low, high, size, generator, dtype, device).requires_grad_(True)
    if isinstance(high, tuple | list) and size == ():
        low, high, size = 0, low, tuple(high)
    if high is None:
        low, high = 0, low
    u = _uniform(shape_args((size,)), generator, dtypes.float64, None)
    values = (u * (high - low)).floor() + low
    return values.to(dtype or dtypes.int64).to(device or "cpu")


def rand_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and device. Mirrors: torch.rand_like."""
    return rand(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def randn_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``randn`` with ``input``'s shape, dtype and device. Mirrors: torch.randn_like."""
    return randn(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def randint_like(
    input: Tensor,  # noqa: A002
    low: Any,
    high: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device. Mirrors: torch.randint_like."""
    dtype, device = dtype or input.dtype, device or input.device
    return randint(low, high, tuple(input.shape), None, dtype, device, requires_grad)


def randperm(
    n: builtins.int,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    u = _uniform((n,), generator, dtypes.float64, None)
    order = np.argsort(u.numpy(), kind="stable")
    return Tensor(order.astype(np.int64), dtype=dtype, device=device).requires_grad_(requires_grad)


def bernoulli(p: Tensor, generator: Any = None) -> Tensor:
    u = _uniform(tuple(p.shape), generator, p.dtype, p.device)
    return (u < p).to(p.dtype)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Mirrors: torch.normal (tensor means/stds, or numbers with a size)."""
    shape = (
        tuple(size)
        if size is not None
        else tuple((mean if isinstance(mean, Tensor) else std).shape)
    )
    sample = randn(*shape, generator=generator, dtype=dtype, device=device) * std + mean
    return sample.detach().requires_grad_(requires_grad) if requires_grad else sample
