"""Random numbers as PyTorch's CPU generator makes them: the same Mersenne Twister
(MT19937, seeded as PyTorch seeds it, NumPy's bit generator underneath) and the same
transformations — 24-bit floats for float32 uniforms, 53-bit for float64, Box–Muller in
blocks of 16 for ``randn`` of 16 or more numbers and with a cached second sample below
that, ``random() % range`` for integers, Fisher–Yates for ``randperm``. So a program that
seeds and initialises its weights gets PyTorch's weights (``randn`` of 16 or more may
differ in the last bit: PyTorch vectorises its sin/cos/log). Tensors for a GPU are drawn
on the host and moved, so they equal PyTorch's CPU numbers, not its CUDA ones.

Mirrors: torch.manual_seed, torch.Generator, rand, randn, randint, randperm, bernoulli,
normal.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np
from numpy.random import MT19937

from workbench.eager import dtypes
from workbench.eager.tensor import Tensor, device
from workbench.eager.tensor_base import shape_args

_DEFAULT_SEED = 67280421310721  # PyTorch's default initial seed


class Generator:
    """A Mersenne Twister stream. Mirrors: torch.Generator (manual_seed, initial_seed,
    seed, get_state/set_state)."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: builtins.int) -> Generator:
        self._seed = builtins.int(seed)
        self._bits = MT19937()
        self._bits._legacy_seeding(self._seed & 0xFFFFFFFF)
        self._next_normal: builtins.float | None = None  # the cached second Box–Muller sample
        return self

    def initial_seed(self) -> builtins.int:
        return self._seed

    def seed(self) -> builtins.int:
        """Reseed from the operating system's entropy; returns the new seed."""
        fresh = builtins.int(np.random.SeedSequence().generate_state(2, np.uint64)[0])
        self.manual_seed(fresh)
        return fresh

    # -- raw draws

    def random(self, count: builtins.int) -> np.ndarray:
        """``count`` 32-bit draws, as uint64."""
        return self._bits.random_raw(count).astype(np.uint64)

    def random64(self, count: builtins.int) -> np.ndarray:
        """``count`` 64-bit draws, each from two 32-bit ones (the first is the high word)."""
        pairs = self.random(2 * count)
        return (pairs[0::2] << np.uint64(32)) | pairs[1::2]

    # -- PyTorch's transformations

    def uniform(
        self, count: builtins.int, np_dtype: np.dtype, low: Any = 0.0, high: Any = 1.0
    ) -> np.ndarray:
        """PyTorch's uniform_: the dtype's mantissa bits of each draw scaled to [0, 1), then
        x·(to - from) + from in double with the bounds first rounded to the dtype."""
        kind = np.dtype(np_dtype)
        if kind == np.float64:
            x = (self.random64(count) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0**-53
        else:
            digits = 24  # float16 too: PyTorch draws it as a float, then rounds
            x = (self.random(count) & np.uint64((1 << digits) - 1)).astype(np.float64)
            x *= 2.0**-digits
        lo, hi = builtins.float(kind.type(low)), builtins.float(kind.type(high))
        return (x * (hi - lo) + lo).astype(kind)

    def normal(self, count: builtins.int, np_dtype: np.dtype) -> np.ndarray:
        kind = np.dtype(np_dtype)
        if count >= 16 and kind in (np.float32, np.float64):
            return self._normal_fill(count, kind)
        out = np.empty(count, np.float64)
        for i in range(count):
            out[i] = self._normal_one()
        return out.astype(kind)

    def _normal_one(self) -> builtins.float:
        if self._next_normal is not None:
            cached, self._next_normal = self._next_normal, None
            return cached
        u1, u2 = self.uniform(2, np.dtype(np.float64))
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self._next_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def _normal_fill(self, count: builtins.int, kind: np.dtype) -> np.ndarray:
        data = self.uniform(count, kind).astype(np.float64)

        def fill16(blocks: np.ndarray) -> None:
            # PyTorch fills 16 at a time: Box-Muller on (first 8, last 8) of each block
            radius = np.sqrt(-2.0 * np.log(1.0 - blocks[:, :8]))
            theta = 2.0 * np.pi * blocks[:, 8:16]
            blocks[:, :8], blocks[:, 8:16] = radius * np.cos(theta), radius * np.sin(theta)

        whole = count // 16 * 16
        fill16(data[:whole].reshape(-1, 16))
        if count % 16:  # the last 16 are drawn again
            tail = self.uniform(16, kind).astype(np.float64)
            fill16(tail.reshape(1, 16))
            data[count - 16 :] = tail
        return data.astype(kind)

    def integers(self, count: builtins.int, low: builtins.int, high: builtins.int) -> np.ndarray:
        span = high - low
        if span <= 0:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
            )
        raw = self.random(count) if span < 2**32 else self.random64(count)
        return (raw % np.uint64(span)).astype(np.int64) + low

    def permutation(self, n: builtins.int) -> np.ndarray:
        order = np.arange(n, dtype=np.int64)
        draws = self.random(max(n - 1, 0))
        for i in range(n - 1):
            j = i + builtins.int(draws[i] % np.uint64(n - i))
            order[i], order[j] = order[j], order[i]
        return order

    # -- state

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor (the Twister's 624 words, its position
        and the cached normal sample)."""
        state = self._bits.state["state"]
        cached = np.float64(np.nan if self._next_normal is None else self._next_normal)
        parts = [
            np.asarray(state["key"], np.uint32).view(np.uint8),
            np.asarray([state["pos"]], np.int64).view(np.uint8),
            np.asarray([cached]).view(np.uint8),
            np.asarray([self._seed & 0xFFFFFFFFFFFFFFFF], np.uint64).view(np.uint8),
        ]
        return Tensor(np.concatenate(parts), dtype=dtypes.uint8)

    def set_state(self, new_state: Tensor) -> Generator:
        data = np.asarray(new_state.numpy(), np.uint8)
        if data.size != 624 * 4 + 24:
            raise RuntimeError(
                f"Generator.set_state: expected a state of {624 * 4 + 24} bytes from get_state(), "
                f"got {data.size}"
            )
        key = data[: 624 * 4].view(np.uint32)
        pos = builtins.int(data[624 * 4 : 624 * 4 + 8].view(np.int64)[0])
        cached = builtins.float(data[624 * 4 + 8 : 624 * 4 + 16].view(np.float64)[0])
        self._seed = builtins.int(data[624 * 4 + 16 :].view(np.uint64)[0])
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._next_normal = None if math.isnan(cached) else cached
        return self


default_generator = Generator()


def manual_seed(seed: builtins.int) -> Generator:
    """Mirrors: torch.manual_seed."""
    return default_generator.manual_seed(seed)


def seed() -> builtins.int:
    return default_generator.seed()


def initial_seed() -> builtins.int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


def _float_dtype(dtype: Any) -> Any:
    return (
        dtypes.from_numpy_dtype(dtypes.to_numpy(dtype))
        if dtype is not None
        else dtypes.get_default_dtype()
    )


def _placed(
    values: np.ndarray, shape: tuple[builtins.int, ...], dtype: Any, device_: Any
) -> Tensor:
    t = Tensor(values.reshape(shape), dtype=dtype)
    return t.to(device(device_)) if device_ is not None and device(device_) != device("cpu") else t


def _uniform(
    shape: tuple[builtins.int, ...],
    generator: Any,
    dtype: Any,
    device_: Any,
    low: Any = 0.0,
    high: Any = 1.0,
) -> Tensor:
    gen = generator or default_generator
    kind = _float_dtype(dtype)
    values = gen.uniform(builtins.int(np.prod(shape)), kind.np, low, high)
    return _placed(values, shape, kind, device_)


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
    """Standard normal, as PyTorch draws it. Mirrors: torch.randn."""
    shape = shape_args(size)
    gen = generator or default_generator
    kind = _float_dtype(dtype)
    t = _placed(gen.normal(builtins.int(np.prod(shape)), kind.np), shape, kind, device)
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
    shape = shape_args((size,))
    gen = generator or default_generator
    values = gen.integers(builtins.int(np.prod(shape)), builtins.int(low), builtins.int(high))
    return _placed(values, shape, dtype or dtypes.int64, device)


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
    order = (generator or default_generator).permutation(builtins.int(n))
    return Tensor(order, dtype=dtype, device=device).requires_grad_(requires_grad)


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
