"""Keras's preprocessing layers against Keras 3: the deterministic ones value for value
(``adapt`` included), the random augmentations as the identity outside training and as
transforms of the right kind inside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (2, 8, 10, 3)).astype(np.float32)
TABLE = RNG.standard_normal((20, 3, 4)).astype(np.float32) * 3 + 1
IDS = np.array([[1, 4, 4], [0, 2, 9]])

CASES: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("rescaling", lambda L: L.Rescaling(1 / 255.0), IMAGES),
    ("rescaling_offset", lambda L: L.Rescaling(1 / 127.5, offset=-1), IMAGES.astype(np.uint8)),
    ("normalization_given", lambda L: L.Normalization(mean=[1.0, 2, 3, 4], variance=[4.0, 1, 1, 0]),
     TABLE),
    ("normalization_invert", lambda L: L.Normalization(mean=2.0, variance=9.0, invert=True),
     TABLE),
    ("resizing", lambda L: L.Resizing(5, 6), IMAGES),
    ("resizing_nearest_crop", lambda L: L.Resizing(4, 4, "nearest", crop_to_aspect_ratio=True),
     IMAGES),
    ("center_crop", lambda L: L.CenterCrop(4, 6), IMAGES),
    ("one_hot", lambda L: L.CategoryEncoding(10, output_mode="one_hot"), IDS[:, :1]),
    ("multi_hot", lambda L: L.CategoryEncoding(10), IDS),
    ("count", lambda L: L.CategoryEncoding(10, output_mode="count"), IDS),
    ("discretization", lambda L: L.Discretization(bin_boundaries=[-1.0, 0.0, 2.5]), TABLE),
    ("integer_lookup", lambda L: L.IntegerLookup(vocabulary=[4, 9, 2]), IDS),
    ("integer_lookup_mask", lambda L: L.IntegerLookup(vocabulary=[4, 9], mask_token=0,
                                                      num_oov_indices=2), IDS),
    ("random_flip", lambda L: L.RandomFlip(), IMAGES),
    ("random_rotation", lambda L: L.RandomRotation(0.2), IMAGES),
    ("random_zoom", lambda L: L.RandomZoom(0.3), IMAGES),
    ("random_translation", lambda L: L.RandomTranslation(0.1, 0.2), IMAGES),
    ("random_contrast", lambda L: L.RandomContrast(0.5), IMAGES),
    ("random_brightness", lambda L: L.RandomBrightness(0.2), IMAGES),
]  # fmt: skip


@pytest.mark.parametrize(("make", "x"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_preprocessing_layer_equals_keras(make: Callable[[Any], Any], x: Any) -> None:
    want = np.asarray(make(keras.layers)(x, training=False))  # augmentations: the identity
    got = make(wkeras.layers)(x, training=False).numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_normalization_adapt_equals_keras() -> None:
    for axis in (-1, (1, 2), None):
        theirs, ours = keras.layers.Normalization(axis=axis), wkeras.layers.Normalization(axis=axis)
        theirs.adapt(TABLE)
        ours.adapt(TABLE)
        np.testing.assert_allclose(ours(TABLE).numpy(), np.asarray(theirs(TABLE)), atol=1e-4)
        assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours = wkeras.layers.Normalization()
    ours.adapt(wtf.data.Dataset.from_tensor_slices(TABLE).batch(7))  # a data set of batches
    np.testing.assert_allclose(
        ours.adapt_mean.numpy(), TABLE.reshape(-1, 4).mean(0), rtol=1e-5, atol=1e-6
    )


def test_integer_lookup_adapt_equals_keras() -> None:
    data = np.array([7, 3, 3, 5, 7, 7, 1, 3, 5, 8])
    theirs, ours = keras.layers.IntegerLookup(), wkeras.layers.IntegerLookup()
    theirs.adapt(data)
    ours.adapt(data)
    assert ours.get_vocabulary() == [int(v) for v in theirs.get_vocabulary()]
    np.testing.assert_array_equal(ours(IDS).numpy(), np.asarray(theirs(IDS)))


def test_random_augmentations_transform_while_training() -> None:
    wtf.random.set_seed(0)
    for layer in (wkeras.layers.RandomRotation(0.25), wkeras.layers.RandomZoom(0.5),
                  wkeras.layers.RandomTranslation(0.3, 0.3)):  # fmt: skip
        out = layer(IMAGES, training=True).numpy()
        assert out.shape == IMAGES.shape and not np.allclose(out, IMAGES)
        assert IMAGES.min() - 1e-3 <= out.min() and out.max() <= IMAGES.max() + 1e-3
    flips = wkeras.layers.RandomFlip("horizontal")(IMAGES, training=True).numpy()
    for i in range(2):
        assert np.array_equal(flips[i], IMAGES[i]) or np.array_equal(flips[i], IMAGES[i, :, ::-1])
    with pytest.raises(ValueError, match="unknown mode"):
        wkeras.layers.RandomFlip("diagonal")
