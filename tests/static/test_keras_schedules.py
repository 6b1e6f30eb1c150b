"""Learning-rate schedules against Keras 3: the rate at a range of steps, and a schedule
driving an optimizer in ``fit``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")

SCHEDULES: list[tuple[str, Any]] = [
    ("exponential", lambda s: s.ExponentialDecay(0.1, 10, 0.5)),
    ("exponential_staircase", lambda s: s.ExponentialDecay(0.1, 7, 0.9, staircase=True)),
    ("inverse_time", lambda s: s.InverseTimeDecay(0.2, 5, 0.5)),
    ("inverse_time_staircase", lambda s: s.InverseTimeDecay(0.2, 5, 0.5, staircase=True)),
    ("piecewise", lambda s: s.PiecewiseConstantDecay([5, 12], [1.0, 0.5, 0.1])),
    ("polynomial", lambda s: s.PolynomialDecay(0.1, 20, 0.01, power=2.0)),
    ("polynomial_cycle", lambda s: s.PolynomialDecay(0.1, 8, 0.01, cycle=True)),
    ("cosine", lambda s: s.CosineDecay(0.1, 20, alpha=0.1)),
    ("cosine_warmup", lambda s: s.CosineDecay(0.0, 20, warmup_target=0.1, warmup_steps=5)),
]


@pytest.mark.parametrize("make", [c[1] for c in SCHEDULES], ids=[c[0] for c in SCHEDULES])
def test_schedule_equals_keras(make: Any) -> None:
    ours, theirs = make(wkeras.optimizers.schedules), make(keras.optimizers.schedules)
    for step in [0, 1, 4, 5, 6, 11, 12, 13, 19, 20, 25, 40]:
        np.testing.assert_allclose(
            float(ours(step)),
            float(np.asarray(theirs(step))),
            rtol=1e-6,
            atol=1e-9,
            err_msg=f"step {step}",
        )


def test_schedule_drives_training_as_keras() -> None:
    x = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    histories = []
    for k in (keras, wkeras):
        model = k.Sequential([k.Input((3,)), k.layers.Dense(1, kernel_initializer="ones")])
        lr = k.optimizers.schedules.ExponentialDecay(0.05, 3, 0.5)
        model.compile(k.optimizers.SGD(lr), "mse")
        histories.append(
            model.fit(x, y - 1, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]
        )
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-5)
    assert wkeras.optimizers.legacy.Adam is wkeras.optimizers.Adam
