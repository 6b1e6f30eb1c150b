"""The classifier playground: one model in three styles from the same weights, data sets
that a small MLP can learn, and a widget that trains and redraws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.viz import playground as pg

pytest.importorskip("matplotlib")

TOL = 1e-5  # float32, the styles' curves over 100 steps


@pytest.mark.parametrize("activation", pg.ACTIVATIONS)
def test_the_three_styles_train_the_same_model_to_the_same_losses(activation: str) -> None:
    x, y = pg.dataset("xor", n=64)
    curves = {}
    for style in pg.STYLES:
        model = pg.ClassifierModel(style, x, y, (6, 4), activation, learning_rate=0.5)
        curves[style] = [model.step() for _ in range(100)]
        assert model.weights()[0].shape == (2, 6) and model.weights()[-1].shape == (1,)
    np.testing.assert_allclose(curves["static"], curves["eager"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(curves["functional"], curves["eager"], rtol=TOL, atol=TOL)


def test_the_loss_is_the_mean_binary_cross_entropy_of_the_first_weights() -> None:
    x, y = pg.dataset("blobs", n=40)
    weights = pg.initial_weights((2, 5, 1))
    h = np.tanh(x @ weights[0] + weights[1])
    z = (h @ weights[2] + weights[3])[:, 0].astype(np.float64)
    want = np.mean(np.logaddexp(0, z) - y * z)  # -y log σ(z) - (1 - y) log(1 - σ(z))
    model = pg.ClassifierModel("functional", x, y, (5,), "tanh")
    assert model.step() == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("name", ["circles", "xor", "blobs"])
def test_a_small_mlp_learns_each_data_set(name: str) -> None:
    x, y = pg.dataset(name)
    assert x.shape == (200, 2) and set(np.unique(y)) == {0.0, 1.0}
    model = pg.ClassifierModel("functional", x, y, (8, 8), "tanh", learning_rate=0.3)
    for _ in range(500):
        model.step()
    assert model.accuracy() >= 0.95


def test_bad_settings_are_refused_by_name() -> None:
    x, y = pg.dataset("xor")
    with pytest.raises(ValueError, match="unknown style 'keras'"):
        pg.ClassifierModel("keras", x, y)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        pg.ClassifierModel("eager", x, y, activation="gelu")
    with pytest.raises(ValueError, match="unknown data set 'moons'"):
        pg.dataset("moons")


def test_the_widget_trains_redraws_and_resets(capsys: Any) -> None:
    pytest.importorskip("ipywidgets")
    playground = pg.ClassifierPlayground("circles", style="static", steps=50)
    first = bytes(playground.image.value)
    playground.train(50, redraw_every=25)
    assert len(playground.losses) == 50 and playground.losses[-1] < playground.losses[0]
    assert bytes(playground.image.value) != first and "step 50" in playground.status.value
    playground.style.value = "functional"  # a new model, from the same first weights
    assert playground.losses == [] and playground.model.style == "functional"
    playground.start()  # in the background, as the Train button does
    playground._thread.join(timeout=60)
    assert len(playground.losses) == 50
    playground.layers.value = 0  # logistic regression: no hidden layer
    assert len(playground.model.weights()) == 2
    playground.learning_rate.value = 3.0
    assert playground.model.learning_rate == 3.0
