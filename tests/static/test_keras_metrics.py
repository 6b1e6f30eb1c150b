"""Keras metrics and losses against Keras 3: two updates (so the running state matters),
with and without sample weights, then ``result()``; and regularizers/constraints reaching
``fit`` as Keras's do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
PROBS = RNG.uniform(0, 1, (2, 16)).astype(np.float32)
LABELS = (RNG.uniform(0, 1, (2, 16)) > 0.5).astype(np.float32)
SCORES = RNG.standard_normal((2, 8, 6)).astype(np.float32)
SOFT = np.exp(SCORES) / np.exp(SCORES).sum(-1, keepdims=True)
CLASSES = RNG.integers(0, 6, (2, 8))
ONE_HOT = np.eye(6, dtype=np.float32)[CLASSES]
REG = RNG.standard_normal((2, 8, 3)).astype(np.float32)
REG_TRUE = RNG.uniform(0.5, 2, (2, 8, 3)).astype(np.float32)
WEIGHTS = RNG.uniform(0, 2, (2, 16)).astype(np.float32)

BINARY = (LABELS, PROBS)
CASES: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("tp", lambda M: M.TruePositives(), BINARY),
    ("fp_thresholds", lambda M: M.FalsePositives(thresholds=[0.3, 0.5, 0.9]), BINARY),
    ("tn", lambda M: M.TrueNegatives(), BINARY),
    ("fn", lambda M: M.FalseNegatives(thresholds=0.7), BINARY),
    ("precision", lambda M: M.Precision(), BINARY),
    ("recall_thresholds", lambda M: M.Recall(thresholds=[0.2, 0.8]), BINARY),
    ("precision_class", lambda M: M.Precision(class_id=2), (ONE_HOT, SOFT)),
    ("auc_roc", lambda M: M.AUC(), BINARY),
    ("auc_pr", lambda M: M.AUC(curve="PR"), BINARY),
    ("auc_coarse", lambda M: M.AUC(num_thresholds=7, summation_method="minoring"), BINARY),
    ("auc_logits", lambda M: M.AUC(from_logits=True), (LABELS, PROBS * 6 - 3)),
    ("rmse", lambda M: M.RootMeanSquaredError(), (REG_TRUE, REG)),
    ("mse", lambda M: M.MeanSquaredError(), (REG_TRUE, REG)),
    ("mae", lambda M: M.MeanAbsoluteError(), (REG_TRUE, REG)),
    ("mape", lambda M: M.MeanAbsolutePercentageError(), (REG_TRUE, REG)),
    ("msle", lambda M: M.MeanSquaredLogarithmicError(), (REG_TRUE, np.abs(REG))),
    ("logcosh", lambda M: M.LogCoshError(), (REG_TRUE, REG)),
    ("cosine", lambda M: M.CosineSimilarity(), (REG_TRUE, REG)),
    ("hinge", lambda M: M.Hinge(), (LABELS[..., None], PROBS[..., None])),
    ("kld", lambda M: M.KLDivergence(), (ONE_HOT, SOFT)),
    ("poisson", lambda M: M.Poisson(), (REG_TRUE, np.abs(REG))),
    ("sparse_top_k", lambda M: M.SparseTopKCategoricalAccuracy(k=2), (CLASSES, SCORES)),
    ("top_k", lambda M: M.TopKCategoricalAccuracy(k=3), (ONE_HOT, SCORES)),
    ("bce", lambda M: M.BinaryCrossentropy(), (LABELS[..., None], PROBS[..., None])),
    ("cce", lambda M: M.CategoricalCrossentropy(), (ONE_HOT, SOFT)),
    ("scce_logits", lambda M: M.SparseCategoricalCrossentropy(from_logits=True),
     (CLASSES, SCORES)),
]  # fmt: skip


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("make", "data"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_metric_equals_keras(make: Callable[[Any], Any], data: Any, weighted: bool) -> None:
    y_true, y_pred = data
    results = []
    for module in (keras.metrics, wkeras.metrics):
        metric = make(module)
        for i in range(2):
            w = None
            if weighted:
                w = WEIGHTS[i] if y_true.shape[1:] == (16,) else WEIGHTS[i, : y_true.shape[1]]
            metric.update_state(y_true[i], y_pred[i], sample_weight=w)
        results.append(np.asarray(metric.result()))
        metric.reset_state()
        metric.update_state(y_true[0], y_pred[0])
        results.append(np.asarray(metric.result()))
    np.testing.assert_allclose(results[2], results[0], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(results[3], results[1], rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(
    "name", ["mean_absolute_percentage_error", "mean_squared_logarithmic_error", "kl_divergence",
             "poisson", "log_cosh", "hinge", "squared_hinge", "cosine_similarity"],
)  # fmt: skip
def test_new_losses_equal_keras(name: str) -> None:
    y_true, y_pred = REG_TRUE[0], np.abs(REG[0]) + 0.1
    np.testing.assert_allclose(
        getattr(wkeras.losses, name)(y_true, y_pred).numpy(),
        np.asarray(getattr(keras.losses, name)(y_true, y_pred)),
        rtol=1e-5,
    )


def test_regularizers_and_constraints_in_fit_equal_keras() -> None:
    x = RNG.standard_normal((32, 5)).astype(np.float32)
    y = RNG.standard_normal((32, 2)).astype(np.float32)

    def build(k: Any) -> Any:
        model = k.Sequential([
            k.Input((5,)),
            k.layers.Dense(4, "tanh", kernel_regularizer=k.regularizers.l1_l2(0.01, 0.02),
                           bias_regularizer=k.regularizers.L2(0.1),
                           activity_regularizer="l1", kernel_constraint=k.constraints.MaxNorm(1.0)),
            k.layers.Dense(2, kernel_constraint=k.constraints.NonNeg(),
                           kernel_regularizer=k.regularizers.OrthogonalRegularizer(0.1, "columns")),
        ])  # fmt: skip
        model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse")
        return model

    theirs, ours = build(keras), build(wkeras)
    ours.set_weights(theirs.get_weights())
    ours(x[:4]), theirs(x[:4])
    assert len(ours.losses) == len(theirs.losses) == 4
    for a, b in zip(ours.losses, theirs.losses):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    h_ours = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert (ours.layers[1].kernel.numpy() >= 0).all()


def test_unknown_layer_arguments_are_refused_as_keras() -> None:
    for k in (keras, wkeras):
        with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
            k.layers.Dense(3, kernel_regulariser="l2")
