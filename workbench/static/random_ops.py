"""Random tensors with TensorFlow's seeding rules over the core's Threefry bits.

A random operation draws new numbers every time it runs. Its numbers depend on the
graph-level seed (``tf.random.set_seed`` / ``graph.seed``) and the op seed as in
TensorFlow: both given, or one of them (the missing one is derived), make the sequence
reproducible; neither makes it different in every program. The bits are the core's
(Threefry-2x32), not TensorFlow's Philox, so the numbers themselves differ from
TensorFlow's; distributions and seeding behaviour match.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.static import dtypes
from workbench.static.execution import convert_to_tensor, make_op
from workbench.static.framework import executing_eagerly, get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_GLOBAL: dict[str, Any] = {"seed": None, "counter": 0, "session_seed": secrets.randbits(31)}


def set_seed(seed: int | None) -> None:
    """The global seed for eager ops and for graphs made from now on.

    Mirrors: tf.random.set_seed."""
    _GLOBAL["seed"] = seed
    _GLOBAL["counter"] = 0
    _EAGER_RUNS.clear()
    if not executing_eagerly():
        get_default_graph().seed = seed


def _seeds(seed: int | None) -> tuple[int, int]:
    """(graph seed, op seed) by TensorFlow's rules."""
    graph_seed = _GLOBAL["seed"] if executing_eagerly() else get_default_graph().seed
    if graph_seed is None and seed is None:
        return _GLOBAL["session_seed"], secrets.randbits(31)
    if graph_seed is None:
        graph_seed = DEFAULT_GRAPH_SEED
    if seed is None:
        seed = _GLOBAL["counter"] if executing_eagerly() else get_default_graph().next_op_seed()
        if executing_eagerly():
            _GLOBAL["counter"] += 1
    return int(graph_seed), int(seed)


def op_key(seeds: tuple[int, int], run: int) -> Any:
    """The key a random op uses on its ``run``-th evaluation."""
    return ops.fold_in(ops.fold_in(ops.key(seeds[0]), seeds[1]), run)


_EAGER_RUNS: dict[tuple[int, int], int] = {}


def eager_key(attrs: dict[str, Any]) -> Any:
    seeds = attrs["seeds"]
    run = _EAGER_RUNS.get(seeds, 0)
    _EAGER_RUNS[seeds] = run + 1
    return op_key(seeds, run)


def _normal(key: Any, shape: tuple[int, ...]) -> Any:
    """Box-Muller on two uniform draws."""
    k = ops.split_key(key, 2)
    k1 = ops.reshape(ops.slice(k, (0, 0), (1, 2)), (2,))
    k2 = ops.reshape(ops.slice(k, (1, 0), (2, 2)), (2,))
    u1, u2 = ops.uniform(k1, shape), ops.uniform(k2, shape)
    radius = ops.sqrt(ops.mul(ops.log(ops.sub(1.0, u1)), -2.0))
    return ops.mul(radius, ops.cos(ops.mul(u2, 2 * math.pi)))


def _random(
    op_type: str, shape: Any, dtype: Any, seed: int | None, name: str | None, draw: Any
) -> Any:
    from workbench.static.array_ops import _static_shape  # noqa: PLC0415

    dims = _static_shape(shape)
    d = dtypes.as_dtype(dtype)
    attrs = {"seeds": _seeds(seed), "seed": seed}
    return make_op(
        op_type,
        [],
        lambda key: ops.cast(draw(key, dims), d.np),
        name=name,
        random=True,
        attrs=attrs,
    )


def normal(
    shape: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Any:
    """Mirrors: tf.random.normal."""
    return _random(
        "RandomStandardNormal",
        shape,
        dtype,
        seed,
        name,
        lambda key, dims: ops.add(ops.mul(_normal(key, dims), float(stddev)), float(mean)),
    )


def uniform(
    shape: Any,
    minval: float = 0,
    maxval: float | None = None,
    dtype: Any = dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Any:
    """Mirrors: tf.random.uniform (floats in [minval, maxval); integers need maxval)."""
    d = dtypes.as_dtype(dtype)
    if d.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype")
        span = float(maxval - minval)
        return _random(
            "RandomUniformInt",
            shape,
            dtype,
            seed,
            name,
            lambda key, dims: ops.floor(
                ops.add(ops.mul(ops.uniform(key, dims), span), float(minval))
            ),
        )
    hi = 1.0 if maxval is None else float(maxval)
    lo = float(minval)
    return _random(
        "RandomUniform",
        shape,
        dtype,
        seed,
        name,
        lambda key, dims: ops.add(ops.mul(ops.uniform(key, dims), hi - lo), lo),
    )


def truncated_normal(
    shape: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Any:
    """Normal numbers redrawn when more than two standard deviations from the mean
    (Mirrors: tf.random.truncated_normal). Four candidate draws are made per element and
    the first inside the bounds is kept (all four fall outside with probability ~4e-6;
    such an element is clipped)."""

    def draw(key: Any, dims: tuple[int, ...]) -> Any:
        keys = ops.split_key(key, 4)
        out = None
        for i in reversed(range(4)):
            k = ops.reshape(ops.slice(keys, (i, 0), (i + 1, 2)), (2,))
            z = _normal(k, dims)
            out = (
                ops.minimum(ops.maximum(z, -2.0), 2.0)
                if out is None
                else ops.select(ops.lt(ops.abs(z), 2.0), z, out)
            )
        return ops.add(ops.mul(out, float(stddev)), float(mean))

    return _random("TruncatedNormal", shape, dtype, seed, name, draw)


def dropout_mask(x: Any, keep: Any, noise_shape: Any, seed: int | None) -> Any:
    """A 0/1 mask of ``noise_shape`` (default: x's shape) keeping each element with
    probability ``keep`` (a scalar tensor), as a random op."""
    t = convert_to_tensor(x)
    attrs = {"seeds": _seeds(seed), "seed": seed}
    fixed = None if noise_shape is None else tuple(int(d) for d in noise_shape)

    def draw(key: Any, v: Any, k: Any) -> Any:
        dims = fixed if fixed is not None else v.shape
        kept = ops.lt(ops.uniform(key, dims), ops.cast(k, "float32"))
        return ops.cast(kept, v.dtype)

    return make_op("RandomUniform", [t, keep], draw, random=True, attrs=attrs, differentiable=False)


# ---------------------------------------------------------------------------------------
# Stateless draws, shuffles, categorical samples and Generators


def _seed_key(seed: Any) -> Any:
    """The key of a stateless op's ``seed`` (a pair of integers, maybe a tensor)."""
    s = convert_to_tensor(seed, dtype_hint=dtypes.int64)
    if s.shape.as_list() != [2]:
        raise ValueError(f"seed must have shape [2], got {s.shape}")
    return s


def _uniform_draw(minval: float, maxval: float | None, dtype: Any) -> Any:
    """The draw of uniform numbers in [minval, maxval) (integers need maxval), shared by the
    stateless ops and Generators."""
    d = dtypes.as_dtype(dtype)
    if d.is_integer and maxval is None:
        raise ValueError("Must specify maxval for integer dtype")
    lo, hi = float(minval), 1.0 if maxval is None else float(maxval)

    def draw(key: Any, dims: tuple[int, ...]) -> Any:
        u = ops.add(ops.mul(ops.uniform(key, dims), hi - lo), lo)
        return ops.floor(u) if d.is_integer else u

    return draw


def _stateless(op_type: str, shape: Any, seed: Any, dtype: Any, name: Any, draw: Any) -> Any:
    from workbench.static.array_ops import _static_shape  # noqa: PLC0415

    dims, d = _static_shape(shape), dtypes.as_dtype(dtype)

    def run(s: Any) -> Any:
        key = ops.fold_in(ops.fold_in(ops.key(0), ops.index(s, 0)), ops.index(s, 1))
        return ops.cast(draw(key, dims), d.np)

    return make_op(op_type, [_seed_key(seed)], run, name=name, differentiable=False)


def stateless_uniform(
    shape: Any,
    seed: Any,
    minval: float = 0,
    maxval: float | None = None,
    dtype: Any = dtypes.float32,
    name: str | None = None,
    alg: Any = None,
) -> Any:
    """The same numbers for the same seed pair, every time. Mirrors: tf.random.stateless_uniform."""
    draw = _uniform_draw(minval, maxval, dtype)
    return _stateless("StatelessRandomUniformV2", shape, seed, dtype, name, draw)


def stateless_normal(
    shape: Any,
    seed: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = dtypes.float32,
    name: str | None = None,
    alg: Any = None,
) -> Any:
    """Mirrors: tf.random.stateless_normal."""
    return _stateless(
        "StatelessRandomNormalV2",
        shape,
        seed,
        dtype,
        name,
        lambda key, dims: ops.add(ops.mul(_normal(key, dims), float(stddev)), float(mean)),
    )


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Any:
    """The rows of ``value`` in a random order. Mirrors: tf.random.shuffle."""
    t = convert_to_tensor(value)
    attrs = {"seeds": _seeds(seed), "seed": seed}

    def run(key: Any, v: Any) -> Any:
        order = ops.argsort(ops.uniform(key, (v.shape[0],)), 0)
        return ops.index(v, (order,))

    return make_op("RandomShuffle", [t], run, name=name, random=True, attrs=attrs)


def categorical(
    logits: Any,
    num_samples: int,
    dtype: Any = None,
    seed: int | None = None,
    name: str | None = None,
) -> Any:
    """``num_samples`` class indices per row, drawn with probabilities softmax(logits)
    (the Gumbel-max trick). Mirrors: tf.random.categorical."""
    t = convert_to_tensor(logits)
    d = dtypes.as_dtype(dtype or dtypes.int64)
    attrs = {"seeds": _seeds(seed), "seed": seed}

    def run(key: Any, v: Any) -> Any:
        n, k = v.shape
        u = ops.uniform(key, (n, int(num_samples), k))
        gumbel = ops.neg(ops.log(ops.neg(ops.log(ops.maximum(u, 1e-20)))))
        scores = ops.add(ops.expand_dims(ops.cast(v, "float64"), (1,)), ops.cast(gumbel, "float64"))
        return ops.cast(ops.argmax(scores, 2), d.np)

    return make_op(
        "Multinomial", [t], run, name=name, random=True, attrs=attrs, differentiable=False
    )


class Generator:
    """A random-number generator with its own state (a counter in a variable): each draw
    advances it, so a seeded generator gives one fixed sequence. Mirrors: tf.random.Generator."""

    def __init__(self, seed: int, counter: int = 0) -> None:
        from workbench.static.variables import Variable  # noqa: PLC0415

        self._seed = int(seed)
        self.state = Variable(np.int64(counter), trainable=False, name="generator_state")

    @classmethod
    def from_seed(cls, seed: int, alg: Any = None) -> Generator:
        return cls(seed)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        return cls(secrets.randbits(62))

    def _draw(self, op_type: str, shape: Any, dtype: Any, draw: Any) -> Any:
        from workbench.static.array_ops import _static_shape  # noqa: PLC0415

        dims, d, seed = _static_shape(shape), dtypes.as_dtype(dtype), self._seed

        def run(c: Any) -> Any:
            return ops.cast(draw(ops.fold_in(ops.key(seed), c), dims), d.np)

        out = make_op(op_type, [self.state], run, differentiable=False)
        self.state.assign_add(np.int64(1))
        return out

    def normal(
        self,
        shape: Any,
        mean: float = 0.0,
        stddev: float = 1.0,
        dtype: Any = dtypes.float32,
        name: str | None = None,
    ) -> Any:
        return self._draw(
            "StatefulStandardNormalV2",
            shape,
            dtype,
            lambda key, dims: ops.add(ops.mul(_normal(key, dims), float(stddev)), float(mean)),
        )

    def uniform(
        self,
        shape: Any,
        minval: float = 0,
        maxval: float | None = None,
        dtype: Any = dtypes.float32,
        name: str | None = None,
    ) -> Any:
        return self._draw("StatefulUniform", shape, dtype, _uniform_draw(minval, maxval, dtype))

    def make_seeds(self, count: int = 1) -> Any:
        """(2, count) int64 seeds for the stateless ops."""
        return self.uniform([2, count], 0, 2**31 - 1, dtype=dtypes.int64)

    def split(self, count: int = 1) -> list[Generator]:
        seeds = np.asarray(self.make_seeds(count).numpy())
        return [Generator(int(seeds[0, i]) * 2**31 + int(seeds[1, i])) for i in range(count)]


_GLOBAL_GENERATOR: list[Generator] = []


def get_global_generator() -> Generator:
    if not _GLOBAL_GENERATOR:
        _GLOBAL_GENERATOR.append(Generator.from_non_deterministic_state())
    return _GLOBAL_GENERATOR[0]


def set_global_generator(generator: Generator) -> None:
    _GLOBAL_GENERATOR[:] = [generator]
