"""Details a real Keras program shows, against Keras 3: labels of shape (n,) with
predictions of shape (n, 1) (lined up, not broadcast), loss functions given to compile,
train_on_batch / test_on_batch results, sorted history and return_dict keys, the summary
table for long names and unbuilt layers, and predict's progress bar."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")
LABELS = np.array([1, 0, 1, 1], np.int32)
PREDICTIONS = np.array([[0.9], [0.2], [0.6], [0.3]], np.float32)


@pytest.mark.parametrize("name", ["BinaryCrossentropy", "MeanSquaredError", "MeanAbsoluteError",
                                  "Hinge", "SquaredHinge", "Huber", "LogCosh", "Poisson",
                                  "MeanSquaredLogarithmicError"])  # fmt: skip
def test_losses_line_up_ranks(name: str) -> None:
    for y, p in ((LABELS, PREDICTIONS), (LABELS.astype(np.float32)[:, None], PREDICTIONS[:, 0]),
                 (LABELS.astype(np.float32), PREDICTIONS[:, 0])):  # fmt: skip
        want = float(getattr(keras.losses, name)()(y, p))
        got = float(getattr(wkeras.losses, name)()(y, p).numpy())
        assert got == pytest.approx(want, rel=1e-6)


def _pair(metrics: list[str]) -> tuple[Any, Any]:
    losses = (lambda a, b: keras.ops.square(a - b), lambda a, b: (a - b) ** 2)
    models = []
    for lib, loss in zip((keras, wkeras), losses):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, kernel_initializer="ones")])
        model.compile("sgd", loss, metrics=list(metrics))
        models.append(model)
    return models[0], models[1]


def test_batch_methods_and_sorted_logs() -> None:
    x = np.linspace(0, 1, 12, dtype=np.float32).reshape(4, 3)
    for metrics in ([], ["mae", "mse"]):
        theirs, ours = _pair(metrics)
        for method in ("train_on_batch", "test_on_batch"):
            want = getattr(theirs, method)(x, LABELS)
            got = getattr(ours, method)(x, LABELS)
            np.testing.assert_allclose(got, want, rtol=1e-5)
        want = theirs.train_on_batch(x, LABELS, return_dict=True)
        got = ours.train_on_batch(x, LABELS, return_dict=True)
        assert list(got) == list(want)
        np.testing.assert_allclose(list(got.values()), list(want.values()), rtol=1e-5)
        want = theirs.evaluate(x, LABELS, return_dict=True, verbose=0)
        got = ours.evaluate(x, LABELS, return_dict=True, verbose=0)
        assert list(got) == list(want)
        history_keys = list(ours.fit(x, LABELS, validation_data=(x, LABELS), verbose=0).history)
        assert history_keys == list(
            theirs.fit(x, LABELS, validation_data=(x, LABELS), verbose=0).history
        )


def test_summary_table_as_keras(capsys: Any) -> None:
    def build(lib: Any, with_input: bool) -> Any:
        head = [lib.Input((5,))] if with_input else []
        return lib.Sequential(
            [*head, lib.layers.Embedding(100, 4), lib.layers.GlobalAveragePooling1D(),
             lib.layers.Dense(1, name="a_very_long_layer_name_for_wrapping_test")],
            name="m",
        )  # fmt: skip

    for with_input in (False, True):
        texts = []
        for lib in (keras, wkeras):
            build(lib, with_input).summary()
            texts.append(capsys.readouterr().out)
        assert texts[1] == texts[0]


def test_summary_of_a_branching_functional_model_has_connected_to(capsys: Any) -> None:
    def build(lib: Any, long_names: bool) -> Any:
        features = lib.Input((8,), name="features_of_the_example" if long_names else "features")
        hidden = lib.layers.Dense(16, activation="relu", name="hidden")(features)
        back = lib.layers.Dense(8, name="back")(hidden)
        skip = lib.layers.Add(name="skip")([features, back])
        return lib.Model(features, lib.layers.Dense(1, name="score")(skip), name="residual")

    for long_names in (False, True):
        texts = []
        for lib in (keras, wkeras):
            build(lib, long_names).summary()
            texts.append(capsys.readouterr().out)
        assert texts[1] == texts[0]
        assert "Connected to" in texts[0]


def test_predict_draws_a_bar(capsys: Any) -> None:
    model = wkeras.Sequential([wkeras.Input((3,)), wkeras.layers.Dense(1)])
    model.predict(np.ones((40, 3)), batch_size=32)
    out = capsys.readouterr().out
    assert "2/2" in out and "━" in out and out.endswith("\n")
    model.predict(np.ones((4, 3)), verbose=0)
    assert capsys.readouterr().out == ""
    assert wtf.metrics.BinaryAccuracy is wkeras.metrics.BinaryAccuracy
    assert wtf.losses.Huber is wkeras.losses.Huber
