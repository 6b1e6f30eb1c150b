"""Initializers with Keras's fan rules. Mirrors: tf.keras.initializers (and the v1
``*_initializer`` names)."""

from __future__ import annotations

import math
from typing import Any

from workbench.static import array_ops, dtypes, random_ops


def _fans(shape: list[int]) -> tuple[float, float]:
    """(fan_in, fan_out): kernels are (*window, in, out), as in Keras."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Initializer:
    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}


class Zeros(Initializer):
    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        return array_ops.zeros(shape, dtype or dtypes.float32)


class Ones(Initializer):
    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        return array_ops.ones(shape, dtype or dtypes.float32)


class Constant(Initializer):
    def __init__(self, value: Any = 0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        return array_ops.constant(self.value, dtype=dtype or dtypes.float32, shape=shape)


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        return random_ops.normal(shape, self.mean, self.stddev, dtype or dtypes.float32, self.seed)


class RandomUniform(Initializer):
    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        return random_ops.uniform(
            shape, self.minval, self.maxval, dtype or dtypes.float32, self.seed
        )


class TruncatedNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        return random_ops.truncated_normal(
            shape, self.mean, self.stddev, dtype or dtypes.float32, self.seed
        )


class VarianceScaling(Initializer):
    """scale / fan (fan_in, fan_out or their average), as a truncated normal, normal or
    uniform distribution with that variance."""

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        dims = [int(d) for d in shape]
        fan_in, fan_out = _fans(dims)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        d = dtype or dtypes.float32
        if self.distribution == "truncated_normal":
            std = math.sqrt(variance) / 0.87962566103423978  # std of a unit normal cut at ±2
            return random_ops.truncated_normal(dims, 0.0, std, d, self.seed)
        if self.distribution in ("normal", "untruncated_normal"):
            return random_ops.normal(dims, 0.0, math.sqrt(variance), d, self.seed)
        limit = math.sqrt(3.0 * variance)
        return random_ops.uniform(dims, -limit, limit, d, self.seed)


class GlorotUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed)


class GlorotNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)


class HeNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "truncated_normal", seed)


class HeUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "uniform", seed)


class LecunNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "truncated_normal", seed)


class LecunUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "uniform", seed)


class Orthogonal(Initializer):
    """A (scaled) random orthogonal matrix: Q of the QR decomposition of a normal matrix,
    for shapes flattened to (rows, cols). Mirrors: keras.initializers.Orthogonal."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain, self.seed = gain, seed

    def __call__(self, shape: Any, dtype: Any = None, **_: Any) -> Any:
        import numpy as np  # noqa: PLC0415

        dims = [int(d) for d in shape]
        rows, cols = math.prod(dims[:-1]), dims[-1]
        seed = self.seed if self.seed is not None else random_ops._seeds(None)[1]
        normal = np.random.default_rng(seed).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(normal)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        value = (self.gain * q[:rows, :cols]).reshape(dims)
        return array_ops.constant(value, dtype=dtype or dtypes.float32)


_BY_NAME = {
    "orthogonal": Orthogonal,
    "uniform": RandomUniform,
    "normal": RandomNormal,
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "variance_scaling": VarianceScaling,
}


def get(identifier: Any) -> Any:
    """An initializer from a name, a class, an instance or a callable.

    Mirrors: tf.keras.initializers.get."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(
                f"Unknown initializer: {identifier!r}; known: {', '.join(sorted(_BY_NAME))}"
            )
        return _BY_NAME[key]()
    if isinstance(identifier, type):
        return identifier()
    return identifier


# TensorFlow 1 spellings (the v1 random initializers default to unit scale)
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant


class random_normal_initializer(RandomNormal):  # noqa: N801
    def __init__(
        self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None, dtype: Any = None
    ) -> None:
        super().__init__(mean, stddev, seed)


class random_uniform_initializer(RandomUniform):  # noqa: N801
    def __init__(
        self, minval: float = 0.0, maxval: float = 1.0, seed: int | None = None, dtype: Any = None
    ) -> None:
        super().__init__(minval, 1.0 if maxval is None else maxval, seed)


class truncated_normal_initializer(TruncatedNormal):  # noqa: N801
    def __init__(
        self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None, dtype: Any = None
    ) -> None:
        super().__init__(mean, stddev, seed)


glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
variance_scaling_initializer = VarianceScaling

# Keras's lowercase spellings (tf.initializers is keras.initializers in TensorFlow 2)
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
orthogonal, variance_scaling = Orthogonal, VarianceScaling
