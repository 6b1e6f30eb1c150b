"""The convolution explorer: the workbench's conv2d, im2col's matrix and the picture agree
with a float64 NumPy cross-correlation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.viz import convolution as cv

pytest.importorskip("matplotlib")


def _reference(image: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    kh, kw = kernel.shape
    rows = range(0, image.shape[0] - kh + 1, stride)
    cols = range(0, image.shape[1] - kw + 1, stride)
    return np.array(
        [[np.sum(image[i : i + kh, j : j + kw] * kernel) for j in cols] for i in rows],
        np.float64,
    )


@pytest.mark.parametrize("name", sorted(cv.KERNELS))
@pytest.mark.parametrize("stride", [1, 2])
def test_conv_and_im2col_equal_the_sliding_window_sum(name: str, stride: int) -> None:
    image = np.random.default_rng(0).standard_normal((9, 11)).astype(np.float32)
    kernel = cv.KERNELS[name]
    want = _reference(image.astype(np.float64), kernel.astype(np.float64), stride)
    np.testing.assert_allclose(cv.convolve(image, kernel, stride), want, rtol=1e-5, atol=1e-5)
    by_matrix = cv.im2col(image, 3, 3, stride) @ kernel.ravel()
    np.testing.assert_allclose(by_matrix.reshape(want.shape), want, rtol=1e-5, atol=1e-5)


def test_the_explorer_marks_the_patch_and_fills_the_output(capsys: Any) -> None:
    pytest.importorskip("ipywidgets")
    explorer = cv.ConvolutionExplorer()
    out = explorer.output()
    assert explorer.position.max == out.size - 1 == 63  # 10x10 input, 3x3 kernel
    explorer.position.value = 27
    axes = explorer.figure.axes
    assert axes[2].get_title() == f"output 8x8: [3, 3] = {out[3, 3]:.3g}"
    filled = np.ma.filled(axes[2].images[0].get_array().astype(float), np.nan)
    assert np.isfinite(filled.ravel()[:28]).all() and np.isnan(filled.ravel()[28:]).all()
    assert axes[3].lines[0].get_ydata()[0] == 27  # the im2col row of the patch
    explorer.kernel.value = "blur"
    np.testing.assert_allclose(
        explorer.output(), _reference(explorer.image, cv.KERNELS["blur"], 1), atol=1e-6
    )


def test_feature_maps_take_a_conv_layers_weight() -> None:
    import workbench.eager as torch

    layer = torch.nn.Conv2d(1, 4, 3)
    figure = cv.feature_maps(layer.weight, cv.sample_image(), title="learned")
    assert len(figure.axes) == 8
    np.testing.assert_allclose(
        np.ma.filled(figure.axes[1].images[0].get_array(), np.nan),  # filter 0's map
        _reference(cv.sample_image(), layer.weight.detach().numpy()[0, 0], 1),
        rtol=1e-5,
        atol=1e-5,
    )
