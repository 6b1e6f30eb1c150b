"""``keras.utils`` / ``keras.preprocessing`` and ``tf.optimizers`` (issue 17's first
names), against Keras 3 on TensorFlow 2.21."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")

SEQUENCES = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
PADDINGS: list[dict[str, Any]] = [
    {}, {"maxlen": 3}, {"padding": "post"}, {"truncating": "post", "maxlen": 2},
    {"padding": "post", "truncating": "post", "maxlen": 4, "value": -1},
    {"dtype": "float32", "value": 0.5},
]  # fmt: skip


@pytest.mark.parametrize("kwargs", PADDINGS)
def test_pad_sequences_equals_keras(kwargs: dict[str, Any]) -> None:
    ours = wkeras.utils.pad_sequences(SEQUENCES, **kwargs)
    theirs = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    from workbench.static.keras.preprocessing.sequence import pad_sequences

    np.testing.assert_array_equal(pad_sequences(SEQUENCES, **kwargs), theirs)


@pytest.mark.parametrize(
    ("labels", "classes"),
    [([0, 2, 1], None), ([[1], [3]], 5), (np.array([[0, 1], [2, 0]]), 3)],
)
def test_to_categorical_equals_keras(labels: Any, classes: Any) -> None:
    ours = wkeras.utils.to_categorical(labels, classes)
    theirs = keras.utils.to_categorical(labels, classes)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_normalize_equals_keras() -> None:
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]], np.float32)
    for order in (1, 2):
        np.testing.assert_allclose(
            wkeras.utils.normalize(x, order=order), keras.utils.normalize(x, order=order), rtol=1e-6
        )


def test_bad_padding_is_refused_as_keras() -> None:
    for utils in (wkeras.utils, keras.utils):
        with pytest.raises(ValueError, match="not understood"):
            utils.pad_sequences(SEQUENCES, padding="middle")


def test_tf_optimizers_is_keras_optimizers() -> None:
    assert wtf.optimizers.Adam is wkeras.optimizers.Adam
    from workbench.static.keras.utils import to_categorical  # importable as a module

    assert to_categorical([1]).shape == (1, 2)
