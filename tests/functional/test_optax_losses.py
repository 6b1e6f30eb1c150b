"""optax's loss functions (softmax cross-entropy with one-hot and integer labels, sigmoid
binary cross-entropy, squared / l2 / Huber losses, cosine similarity) equal optax's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.functional import optim

optax = pytest.importorskip("optax")
RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((5, 4)).astype(np.float32)
LABELS = np.array([0, 3, 1, 1, 2])
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]
PREDICTIONS = RNG.standard_normal((5, 3)).astype(np.float32) * 3
TARGETS = RNG.standard_normal((5, 3)).astype(np.float32)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("softmax_cross_entropy", (LOGITS, ONE_HOT)),
        ("softmax_cross_entropy_with_integer_labels", (LOGITS, LABELS)),
        ("sigmoid_binary_cross_entropy", (LOGITS, (ONE_HOT > 0).astype(np.float32))),
        ("squared_error", (PREDICTIONS, TARGETS)),
        ("l2_loss", (PREDICTIONS, TARGETS)),
        ("huber_loss", (PREDICTIONS, TARGETS)),
        ("cosine_similarity", (PREDICTIONS, TARGETS)),
    ],
)
def test_losses_equal_optax(name: str, args: Any) -> None:
    ours = np.asarray(getattr(optim, name)(*args))
    theirs = np.asarray(getattr(optax, name)(*args))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert getattr(optim.losses, name) is getattr(optim, name)
