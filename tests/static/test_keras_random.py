"""``keras.random`` (seeded draws repeat, as Keras's stateless ones; dtypes and ranges as
Keras's) and TensorFlow 2's initializer spellings with TensorFlow's defaults."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")


def test_seeded_draws_repeat_and_generators_advance() -> None:
    for draw in (wkeras.random.normal, wkeras.random.uniform):
        a, b = draw((4, 3), seed=7).numpy(), draw((4, 3), seed=7).numpy()
        np.testing.assert_array_equal(a, b)
        first, second = wkeras.random.SeedGenerator(3), wkeras.random.SeedGenerator(3)
        x, y = draw((5,), seed=first).numpy(), draw((5,), seed=first).numpy()
        assert not np.array_equal(x, y)  # a generator gives each draw a new seed
        np.testing.assert_array_equal(draw((5,), seed=second).numpy(), x)


@pytest.mark.parametrize(
    "name, args",
    [("normal", ((20000,),)), ("uniform", ((20000,),)), ("truncated_normal", ((20000,),)),
     ("randint", ((20000,), 2, 9)), ("categorical", (np.log([[0.2, 0.8]]), 20000))],
)  # fmt: skip
def test_distributions_and_dtypes_as_keras(name: str, args: Any) -> None:
    ours = np.asarray(getattr(wkeras.random, name)(*args, seed=1).numpy())
    theirs = np.asarray(getattr(keras.random, name)(*args, seed=1))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05)
    np.testing.assert_allclose(ours.std(), theirs.std(), atol=0.05)
    low, high = {"uniform": (0, 1), "truncated_normal": (-2, 2), "randint": (2, 8),
                 "categorical": (0, 1)}.get(name, (-np.inf, np.inf))  # fmt: skip
    assert low <= ours.min() and ours.max() <= high


def test_tensorflow_2_initializer_spellings(real_tf: Any) -> None:
    pairs = [("random_normal_initializer", ("mean", "stddev")),
             ("random_uniform_initializer", ("minval", "maxval"))]  # fmt: skip
    for name, fields in pairs:
        ours, theirs = getattr(wtf, name)(), getattr(real_tf, name)()
        assert [getattr(ours, f) for f in fields] == pytest.approx(
            [getattr(theirs, f) for f in fields]
        )
    np.testing.assert_array_equal(wtf.zeros_initializer()([2, 3]).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(wtf.constant_initializer(2.5)([2]).numpy(), [2.5, 2.5])
    np.testing.assert_array_equal(wtf.initializers.zeros()([2]).numpy(), [0.0, 0.0])
    for lower in ("glorot_uniform", "he_normal", "orthogonal", "random_normal", "ones"):
        assert callable(getattr(wtf.initializers, lower)())
    variable = wkeras.Variable(np.ones(2, np.float32))
    assert variable.trainable and variable.numpy().tolist() == [1.0, 1.0]
