"""``keras.random``: random tensors with an optional seed (an int or a ``SeedGenerator``).
As in Keras, a seeded normal or uniform draw is stateless (the same seed, the same
numbers); the numbers are the workbench's, not Keras's. Mirrors: keras.random."""

from __future__ import annotations

import itertools
from typing import Any

from workbench.static import nn_ops, random_ops


class SeedGenerator:
    """A source of seeds: each draw that takes it uses the next one. Mirrors:
    keras.random.SeedGenerator."""

    def __init__(self, seed: int | None = None, name: str | None = None, **_: Any) -> None:
        self.initial_seed = seed
        self._counter = itertools.count()

    def next(self) -> int | None:
        if self.initial_seed is None:
            return None
        return int(self.initial_seed) * 1_000_003 + next(self._counter)


def _seed(seed: Any) -> int | None:
    return seed.next() if isinstance(seed, SeedGenerator) else seed


def _uniform(shape: Any, minval: Any, maxval: Any, dtype: Any, seed: Any) -> Any:
    """A seeded draw is stateless, as in Keras: the same seed gives the same numbers."""
    s = _seed(seed)
    if s is None:
        return random_ops.uniform(shape, minval, maxval, dtype)
    return random_ops.stateless_uniform(shape, (s, 0), minval, maxval, dtype)


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> Any:  # fmt: skip
    """Mirrors: keras.random.normal."""
    s = _seed(seed)
    if s is None:
        return random_ops.normal(shape, mean, stddev, dtype or "float32")
    return random_ops.stateless_normal(shape, (s, 0), mean, stddev, dtype or "float32")


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> Any:  # fmt: skip
    """Mirrors: keras.random.uniform."""
    return _uniform(shape, minval, maxval, dtype or "float32", seed)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> Any:  # fmt: skip
    """Mirrors: keras.random.truncated_normal."""
    return random_ops.truncated_normal(shape, mean, stddev, dtype or "float32", _seed(seed))


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """Integers in [minval, maxval). Mirrors: keras.random.randint."""
    return _uniform(shape, minval, maxval, dtype, seed)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """Mirrors: keras.random.categorical."""
    return random_ops.categorical(logits, num_samples, dtype, _seed(seed))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Any:
    """Mirrors: keras.random.shuffle (along the first axis)."""
    if axis != 0:
        raise NotImplementedError("keras.random.shuffle: only axis=0")
    return random_ops.shuffle(x, _seed(seed))


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
    """Zero each value with probability ``rate``, scale the rest by 1 / (1 - rate).
    Mirrors: keras.random.dropout."""
    return nn_ops.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=_seed(seed))


__all__ = ["SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]  # fmt: skip
