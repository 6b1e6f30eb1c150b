"""tf.config, tf.debugging, tf.nest, tf.Module and the random additions (stateless draws,
shuffle, categorical, Generator) against TensorFlow 2.21: structures, errors, and the
statistical properties of random draws (TensorFlow's own bits differ by design)."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

tf = pytest.importorskip("tensorflow")

Point = collections.namedtuple("Point", ["x", "y"])
STRUCTURES: list[Any] = [
    {"b": 1, "a": [2, (3, 4)]},
    [None, 5, {"z": 6}],
    Point(7, [8, 9]),
    (1,),
    3,
    [],
]


@pytest.mark.parametrize("structure", STRUCTURES)
def test_nest_equals_tensorflow(structure: Any) -> None:
    assert wtf.nest.flatten(structure) == tf.nest.flatten(structure)
    assert wtf.nest.is_nested(structure) == tf.nest.is_nested(structure)
    flat = tf.nest.flatten(structure)
    assert wtf.nest.pack_sequence_as(structure, flat) == tf.nest.pack_sequence_as(structure, flat)
    double = lambda v: None if v is None else v * 2  # noqa: E731
    assert wtf.nest.map_structure(double, structure) == tf.nest.map_structure(double, structure)


def test_nest_refuses_different_structures_as_tensorflow() -> None:
    for m in (tf, wtf):
        with pytest.raises(ValueError, match="same nested structure"):
            m.nest.assert_same_structure([1, 2], [1, [2]])
        with pytest.raises(ValueError):
            m.nest.pack_sequence_as([1, 2], [1])


def _net(m: Any) -> Any:
    class Dense(m.Module):
        def __init__(self, n_in: int, n_out: int, name: str | None = None) -> None:
            super().__init__(name=name)
            self.w = m.Variable(np.ones((n_in, n_out), np.float32), name="w")
            self.b = m.Variable(np.zeros(n_out, np.float32), name="b", trainable=False)

    class Net(m.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = [Dense(3, 4), Dense(4, 2, name="head")]
            self.extra = {"scale": m.Variable(2.0)}

    return Net()


def test_module_tracks_like_tensorflow() -> None:
    ours, theirs = _net(wtf), _net(tf)
    assert ours.name == theirs.name == "net"
    assert len(ours.variables) == len(theirs.variables) == 5
    assert len(ours.trainable_variables) == len(theirs.trainable_variables) == 3
    assert [m.name for m in ours.submodules] == [m.name for m in theirs.submodules]
    for m in (tf, wtf):
        with pytest.raises(ValueError, match="valid module name"):
            m.Module(name="not ok")


def test_config_lists_devices_and_switches() -> None:
    cpus = wtf.config.list_physical_devices("CPU")
    assert [d.device_type for d in cpus] == [
        d.device_type for d in tf.config.list_physical_devices("CPU")
    ]
    assert cpus[0].name == "/physical_device:CPU:0"
    assert wtf.config.list_logical_devices("CPU")[0].name == "/device:CPU:0"
    traced = []

    @wtf.function
    def f(x: Any) -> Any:
        traced.append(wtf.executing_eagerly())
        return x * 2

    wtf.config.run_functions_eagerly(True)
    try:
        assert float(f(wtf.constant(2.0))) == 4.0 and traced == [True]
    finally:
        wtf.config.run_functions_eagerly(False)
    f(wtf.constant(2.0))
    assert traced[-1] is False


def test_debugging_checks_raise_as_tensorflow() -> None:
    bad = np.array([1.0, np.nan], np.float32)
    for m in (tf, wtf):
        with pytest.raises(m.errors.InvalidArgumentError, match="bad input : Tensor had NaN"):
            m.debugging.check_numerics(bad, "bad input")
        with pytest.raises(m.errors.InvalidArgumentError):
            m.debugging.assert_equal(np.array([1, 2]), np.array([1, 3]))
        with pytest.raises(m.errors.InvalidArgumentError):
            m.debugging.assert_less(np.array([1, 5]), np.array([2, 4]))
        m.debugging.assert_near(np.array([1.0]), np.array([1.0 + 1e-15]))
        with pytest.raises(m.errors.InvalidArgumentError):
            m.debugging.assert_near(np.array([1.0]), np.array([1.0 + 1e-9]))
        with pytest.raises(ValueError):
            m.debugging.assert_rank(np.ones((2, 3)), 3)

    @wtf.function
    def g(x: Any) -> Any:
        return wtf.debugging.check_numerics(x, "inside") * 2

    np.testing.assert_allclose(g(np.ones(2, np.float32)).numpy(), [2, 2])
    with pytest.raises(wtf.errors.InvalidArgumentError, match="inside"):
        g(bad)


def test_stateless_draws_repeat_for_a_seed_and_have_the_right_law() -> None:
    a = wtf.random.stateless_normal([20000], seed=[1, 2]).numpy()
    np.testing.assert_array_equal(a, wtf.random.stateless_normal([20000], seed=[1, 2]).numpy())
    assert not np.array_equal(a, wtf.random.stateless_normal([20000], seed=[1, 3]).numpy())
    assert abs(a.mean()) < 0.03 and abs(a.std() - 1) < 0.03
    u = wtf.random.stateless_uniform(
        [20000], seed=[4, 5], minval=2, maxval=6, dtype="int32"
    ).numpy()
    assert u.dtype == np.int32 and set(np.unique(u)) == {2, 3, 4, 5}


def test_shuffle_and_categorical() -> None:
    x = np.arange(10)
    s = wtf.random.shuffle(x, seed=3).numpy()
    assert sorted(s) == list(x) and not np.array_equal(s, x)
    logits = np.log(np.array([[0.1, 0.6, 0.3]]))
    draws = wtf.random.categorical(logits, 30000, seed=1).numpy()
    assert draws.shape == (1, 30000) and draws.dtype == np.int64
    np.testing.assert_allclose(
        np.bincount(draws[0], minlength=3) / 30000, [0.1, 0.6, 0.3], atol=0.015
    )


def test_generator_is_a_fixed_sequence_per_seed() -> None:
    g1, g2 = wtf.random.Generator.from_seed(7), wtf.random.Generator.from_seed(7)
    first = g1.normal([4]).numpy()
    np.testing.assert_array_equal(first, g2.normal([4]).numpy())
    assert not np.array_equal(first, g1.normal([4]).numpy())  # the state moved on
    assert int(g1.state.numpy()) == 2
    ints = g1.uniform([1000], 0, 10, dtype="int64").numpy()
    assert ints.min() >= 0 and ints.max() <= 9
    seeds = g1.make_seeds(3)
    assert tuple(seeds.shape) == (2, 3)
    children = g1.split(2)
    assert not np.array_equal(children[0].normal([3]).numpy(), children[1].normal([3]).numpy())
    assert isinstance(wtf.random.get_global_generator(), wtf.random.Generator)


def test_version_and_eval() -> None:
    assert wtf.__version__ == tf.__version__
    for m in (tf, wtf):
        with pytest.raises(NotImplementedError, match="numpy"):
            m.constant(1.0).eval()


def test_gradient_with_respect_to_an_intermediate_tensor_equals_tensorflow() -> None:
    results = []
    for m in (tf, wtf):
        x = m.constant(3.0)
        with m.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x
            z = y * y
        results.append(
            [
                float(tape.gradient(z, y)),
                float(tape.gradient(z, x)),
                [float(g) for g in tape.gradient(z, [x, y])],
            ]
        )
    assert results[1] == results[0] == [18.0, 108.0, [108.0, 18.0]]
