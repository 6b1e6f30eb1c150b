"""``tf.image`` against TensorFlow 2.21: every resize method (values, dtypes, gradients),
flips, crops, pads and the photometric adjustments on float and uint8 images."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

tf = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (2, 5, 7, 3)).astype(np.float32)
U8 = (X * 255).astype(np.uint8)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area"])
@pytest.mark.parametrize("size", [(10, 14), (3, 4), (5, 9), (8, 3)])
def test_resize_equals_tensorflow(method: str, size: tuple[int, int]) -> None:
    want = tf.image.resize(X, size, method=method)
    got = wtf.image.resize(X, size, method=method)
    assert got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)


@pytest.mark.parametrize("method", ["bilinear", "bicubic"])  # TF has no gradient for area
def test_resize_gradient_equals_tensorflow(method: str) -> None:
    r = np.cos(np.arange(2 * 4 * 9 * 3)).reshape(2, 4, 9, 3).astype(np.float32)
    grads = []
    for module in (tf, wtf):
        x = module.constant(X)
        with module.GradientTape() as tape:
            tape.watch(x)
            total = module.reduce_sum(module.image.resize(x, (4, 9), method=method) * r)
        grads.append(np.asarray(tape.gradient(total, x)))
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-5)


def test_resize_keeps_integer_dtype_only_for_nearest() -> None:
    assert wtf.image.resize(U8, (3, 3), "nearest").dtype.name == "uint8"
    np.testing.assert_array_equal(
        wtf.image.resize(U8, (4, 4)).numpy(), tf.image.resize(U8, (4, 4)).numpy()
    )
    single = wtf.image.resize(X[0], (6, 6), preserve_aspect_ratio=True)
    assert tuple(single.shape) == tuple(
        tf.image.resize(X[0], (6, 6), preserve_aspect_ratio=True).shape
    )


CALLS: list[tuple[str, Any]] = [
    ("flip_left_right", lambda m, x: m.image.flip_left_right(x)),
    ("flip_up_down", lambda m, x: m.image.flip_up_down(x)),
    ("transpose", lambda m, x: m.image.transpose(x)),
    ("rot90", lambda m, x: m.image.rot90(x[0], 3)),
    ("standardize", lambda m, x: m.image.per_image_standardization(x)),
    ("grayscale", lambda m, x: m.image.rgb_to_grayscale(x)),
    ("gray_to_rgb", lambda m, x: m.image.grayscale_to_rgb(m.constant(x[..., :1]))),
    ("total_variation", lambda m, x: m.image.total_variation(m.constant(x))),
    ("to_uint8", lambda m, x: m.image.convert_image_dtype(x, "uint8")),
    ("from_uint8", lambda m, x: m.image.convert_image_dtype(U8, "float32")),
    ("uint8_to_int16", lambda m, x: m.image.convert_image_dtype(U8, "int16")),
    ("brightness_u8", lambda m, x: m.image.adjust_brightness(U8, 0.1)),
    ("brightness", lambda m, x: m.image.adjust_brightness(x, -0.2)),
    ("contrast", lambda m, x: m.image.adjust_contrast(x, 1.7)),
    ("contrast_u8", lambda m, x: m.image.adjust_contrast(U8, 0.6)),
    ("crop_or_pad", lambda m, x: m.image.resize_with_crop_or_pad(x, 4, 9)),
    ("with_pad", lambda m, x: m.image.resize_with_pad(x, 8, 8)),
    ("central_crop", lambda m, x: m.image.central_crop(x, 0.5)),
    ("crop_box", lambda m, x: m.image.crop_to_bounding_box(x, 1, 2, 3, 4)),
    ("pad_box", lambda m, x: m.image.pad_to_bounding_box(x, 1, 2, 8, 10)),
]


@pytest.mark.parametrize("call", [c[1] for c in CALLS], ids=[c[0] for c in CALLS])
def test_image_function_equals_tensorflow(call: Any) -> None:
    want, got = call(tf, X), call(wtf, X)
    assert got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)


def test_random_image_ops_keep_shapes_and_values() -> None:
    crop = wtf.image.random_crop(X, (1, 3, 3, 3)).numpy()
    windows = np.lib.stride_tricks.sliding_window_view(X, (1, 3, 3, 3)).reshape(-1, 1, 3, 3, 3)
    assert any(np.array_equal(crop, w) for w in windows)
    flipped = wtf.image.random_flip_left_right(X).numpy()
    for i in range(2):
        assert np.array_equal(flipped[i], X[i]) or np.array_equal(flipped[i], X[i, :, ::-1])
    with pytest.raises(ValueError, match="larger"):
        wtf.image.random_crop(X, (3, 3, 3, 3))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap", "nearest"])
def test_projective_transform_equals_tensorflow(interpolation: str, fill_mode: str) -> None:
    a, (cx, cy) = 0.4, (3.0, 2.5)
    c, s = np.cos(a), np.sin(a)
    m = np.array(
        [[c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0],
         [1.2, 0.1, -0.5, 0.0, 0.9, 0.7, 0.01, 0.02]], np.float32,
    )  # fmt: skip
    x = X
    want = tf.raw_ops.ImageProjectiveTransformV3(
        images=x, transforms=m, output_shape=[5, 7], interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(), fill_value=0.3,
    )  # fmt: skip
    got = wtf.image.transform(x, m, interpolation, fill_mode, 0.3)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-6)
