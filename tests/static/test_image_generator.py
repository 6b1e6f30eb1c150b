"""``ImageDataGenerator`` against tf.keras's (Keras 3's legacy one): seeded batches equal
value for value for every augmentation and fill mode, feature-wise statistics, directory
iteration, and ``fit`` on its iterators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static.keras.image_generator import _resample

RNG = np.random.default_rng(0)
IMAGES = (RNG.random((10, 12, 14, 3)) * 255).astype(np.float32)
LABELS = np.arange(10)

CONFIGS = [
    {"rescale": 1 / 255.0},
    {"rotation_range": 30, "width_shift_range": 0.2, "height_shift_range": 0.1,
     "shear_range": 10, "zoom_range": 0.2, "horizontal_flip": True, "vertical_flip": True},
    {"rotation_range": 20, "fill_mode": "constant", "cval": 3.0},
    {"width_shift_range": 3, "height_shift_range": [1, 2], "fill_mode": "reflect"},
    {"zoom_range": [0.5, 1.5], "fill_mode": "wrap"},
    {"rotation_range": 25, "interpolation_order": 0},
    {"channel_shift_range": 30.0, "brightness_range": (0.5, 1.5)},
    {"samplewise_center": True, "samplewise_std_normalization": True},
    {"featurewise_center": True, "featurewise_std_normalization": True},
    {"zca_whitening": True},
    {"rotation_range": 40, "data_format": "channels_first"},
    {"validation_split": 0.3, "rotation_range": 10},
]  # fmt: skip


@pytest.fixture(scope="module")
def keras_generator(real_tf: Any) -> Any:
    return real_tf.keras.preprocessing.image.ImageDataGenerator


@pytest.mark.parametrize("config", CONFIGS, ids=[",".join(c) for c in CONFIGS])
def test_seeded_batches_equal_keras(keras_generator: Any, config: dict[str, Any]) -> None:
    images = np.moveaxis(IMAGES, -1, 1).copy() if "data_format" in config else IMAGES
    subset = {"subset": "training"} if "validation_split" in config else {}
    batches = []
    for make in (keras_generator, wtf.keras.preprocessing.image.ImageDataGenerator):
        generator = make(**config)
        if config.get("featurewise_center") or config.get("zca_whitening"):
            generator.fit(images)
        flow = generator.flow(images, LABELS % 3, batch_size=4, seed=3, **subset)
        batches.append((next(flow), flow[1], len(flow)))
    (k_next, k_item, k_len), (w_next, w_item, w_len) = batches
    atol = 1e-2 if config.get("zca_whitening") else 1e-4  # ZCA: two SVDs in float32
    for theirs, ours in ((k_next, w_next), (k_item, w_item)):
        np.testing.assert_allclose(ours[0], theirs[0], atol=atol)
        np.testing.assert_array_equal(ours[1], theirs[1])
    assert w_len == k_len
    if subset:
        with pytest.raises(ValueError, match="different number of classes"):
            wtf.keras.preprocessing.image.ImageDataGenerator(validation_split=0.3).flow(
                images, LABELS, subset="training"
            )


def test_resampling_is_scipys() -> None:
    ndimage = pytest.importorskip("scipy.ndimage")
    image = RNG.random((7, 9))
    for mode in ("nearest", "constant", "reflect", "wrap"):
        for order in (0, 1):
            matrix, offset = RNG.normal(size=(2, 2)) + np.eye(2), RNG.normal(size=2) * 3
            want = ndimage.affine_transform(image, matrix, offset, order=order, mode=mode,
                                            cval=0.25)  # fmt: skip
            np.testing.assert_allclose(_resample(image, matrix, offset, order, mode, 0.25), want,
                                       atol=1e-12)  # fmt: skip


def test_flow_from_directory(keras_generator: Any, tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for i in range(3):
            pixels = (RNG.random((9 + i, 11, 3)) * 255).astype(np.uint8)
            pil.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    kwargs = {"target_size": (8, 10), "batch_size": 4, "seed": 1}
    for mode in ("categorical", "binary", "sparse"):
        ours = wtf.keras.preprocessing.image.ImageDataGenerator(rescale=1 / 255.0,
                                                                horizontal_flip=True)  # fmt: skip
        theirs = keras_generator(rescale=1 / 255.0, horizontal_flip=True)
        a = ours.flow_from_directory(tmp_path, class_mode=mode, **kwargs)
        b = theirs.flow_from_directory(tmp_path, class_mode=mode, **kwargs)
        assert a.class_indices == b.class_indices and a.filenames == b.filenames
        assert a.samples == b.samples and list(a.classes) == list(b.classes)
        (xa, ya), (xb, yb) = next(a), next(b)
        np.testing.assert_allclose(xa, xb, atol=1e-6)
        np.testing.assert_array_equal(ya, yb)


def test_fit_on_iterators() -> None:
    wtf.keras.utils.set_random_seed(0)
    model = wtf.keras.Sequential([wtf.keras.Input((12, 14, 3)), wtf.keras.layers.Flatten(),
                                  wtf.keras.layers.Dense(1)])  # fmt: skip
    model.compile("sgd", "mse")
    generator = wtf.keras.preprocessing.image.ImageDataGenerator(rescale=1 / 255.0)
    flow = generator.flow(IMAGES, LABELS.astype(np.float32), batch_size=4, seed=0)
    history = model.fit(flow, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.evaluate(flow, verbose=0))
    assert model.predict(generator.flow(IMAGES, batch_size=4, shuffle=False),
                         verbose=0).shape == (10, 1)  # fmt: skip

    def endless() -> Any:
        while True:
            yield IMAGES[:4] / 255.0, LABELS[:4].astype(np.float32)

    history = model.fit(endless(), steps_per_epoch=3, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    with pytest.raises(ValueError, match="steps"):
        model.fit(endless(), epochs=1, verbose=0)


class _Frame:
    """What fit sees of a pandas DataFrame: ``len``, ``[column]`` and ``__array__``."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.values[:, "abc".index(column)]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)


def test_fit_takes_data_frames_as_data() -> None:
    frame = _Frame(RNG.standard_normal((8, 3)).astype(np.float32))
    model = wtf.keras.Sequential([wtf.keras.Input((3,)), wtf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(frame, np.arange(8, dtype=np.float32), batch_size=4, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1  # data, not a PyDataset of batches
    assert model.predict(frame, verbose=0).shape == (8, 1)
