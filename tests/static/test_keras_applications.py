"""``keras.applications.<family>.preprocess_input`` (NumPy and tensor inputs, every scaling
mode) against Keras 3, importable as modules; and tf.image's HSV colour functions against
TensorFlow 2.21."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

keras = pytest.importorskip("keras")
RNG = np.random.default_rng(0)
IMAGES = (RNG.random((2, 5, 6, 3)) * 255).astype(np.float32)
FAMILIES = ["vgg16", "vgg19", "resnet50", "resnet_v2", "inception_v3", "xception",
            "mobilenet", "mobilenet_v2", "densenet", "efficientnet", "convnext"]  # fmt: skip


@pytest.mark.parametrize("family", FAMILIES)
def test_preprocess_input_as_keras(family: str) -> None:
    ours = importlib.import_module(f"workbench.static.keras.applications.{family}")
    theirs = getattr(keras.applications, family)
    for images in (IMAGES, IMAGES.astype(np.uint8), IMAGES[0]):
        want = theirs.preprocess_input(images.copy())
        got = ours.preprocess_input(images.copy())
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)
    tensor = ours.preprocess_input(wtf.constant(IMAGES)).numpy()
    np.testing.assert_allclose(tensor, np.asarray(theirs.preprocess_input(IMAGES.copy())),
                               rtol=1e-6, atol=1e-5)  # fmt: skip


def test_channels_first_and_bad_mode() -> None:
    chw = np.moveaxis(IMAGES, -1, 1)
    for mode in ("caffe", "torch", "tf"):
        want = keras.applications.imagenet_utils.preprocess_input(
            chw.copy(), data_format="channels_first", mode=mode
        )
        got = wtf.keras.applications.preprocess_input(chw.copy(), "channels_first", mode)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        wtf.keras.applications.preprocess_input(IMAGES, mode="other")


@pytest.mark.parametrize(
    "name, args",
    [("rgb_to_hsv", ()), ("hsv_to_rgb", ()), ("adjust_hue", (0.3,)), ("adjust_hue", (-0.7,)),
     ("adjust_saturation", (0.4,)), ("adjust_saturation", (2.5,))],
)  # fmt: skip
def test_hsv_functions_as_tensorflow(real_tf: Any, name: str, args: Any) -> None:
    x = RNG.random((2, 6, 7, 3)).astype(np.float32)
    x[0, 0, :3] = [[0.5, 0.5, 0.5], [0, 0, 0], [1, 0, 0]]  # grey, black, pure red
    got = getattr(wtf.image, name)(x, *args).numpy()
    want = getattr(real_tf.image, name)(x, *args).numpy()
    np.testing.assert_allclose(got, want, atol=1e-6)
    if name.startswith("adjust"):
        pixels = (x * 255).astype(np.uint8)
        got = getattr(wtf.image, name)(pixels, *args).numpy()
        want = getattr(real_tf.image, name)(pixels, *args).numpy()
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)
