"""Against TensorFlow 2.21 / Keras 3: a label outside the classes is an error (eagerly, in
tf.function and in Keras fit) instead of a loss of 0; fetching or feeding a tensor of
another graph is refused; gradients at kinks (softplus and sigmoid cross-entropy at 0,
the norm of the zero vector, |x| at 0) are TensorFlow's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

LOGITS = np.zeros((2, 3), np.float32)


def test_labels_outside_the_classes(real_tf: Any) -> None:
    keras = pytest.importorskip("keras")
    for tf, errors in ((real_tf, real_tf.errors), (wtf, wtf.errors)):
        sce = tf.nn.sparse_softmax_cross_entropy_with_logits
        with pytest.raises(errors.InvalidArgumentError, match="outside the valid range of"):
            sce(labels=np.array([0, 5]), logits=LOGITS)
        step = tf.function(lambda y, z, f=sce: f(labels=y, logits=z))
        with pytest.raises(errors.InvalidArgumentError, match="outside the valid range of"):
            step(np.array([-1, 0]), LOGITS)
        np.testing.assert_allclose(sce(labels=np.array([0, 2]), logits=LOGITS).numpy(),
                                   [np.log(3)] * 2, rtol=1e-6)  # fmt: skip
    for lib, errors in ((keras, real_tf.errors), (wtf.keras, wtf.errors)):
        for loss in ("sparse_categorical_crossentropy",
                     lib.losses.SparseCategoricalCrossentropy(from_logits=True)):  # fmt: skip
            model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(3, activation="softmax")])
            model.compile("sgd", loss)
            with pytest.raises(errors.InvalidArgumentError):
                model.fit(np.ones((4, 3)), np.array([0, 1, 2, 7]), verbose=0)


def test_tensors_of_another_graph(real_tf: Any) -> None:
    for tf in (real_tf, wtf):
        v1 = tf.compat.v1
        first, second = tf.Graph(), tf.Graph()
        with first.as_default():
            a = tf.constant(1.0)
            p = v1.placeholder(tf.float32, [])
        with second.as_default():
            b = tf.constant(2.0)
        with v1.Session(graph=second) as sess:
            with pytest.raises(ValueError, match="is not an element of this graph"):
                sess.run(a)
            with pytest.raises(TypeError, match="is not an element of this graph"):
                sess.run(b, {p: 1.0})
            assert sess.run(b) == 2.0


KINKS: list[tuple[str, Callable[[Any, Any], Any], list[float]]] = [
    ("softplus", lambda tf, x: tf.reduce_sum(tf.nn.softplus(x)), [0.0, -1e3, 1e3, 2.0]),
    (
        "sigmoid_ce",
        lambda tf, x: tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant([1.0, 0.0, 1.0]), logits=x)
        ),
        [0.0, 0.0, -4.0],
    ),  # fmt: skip
    ("norm_zero", lambda tf, x: tf.norm(x), [0.0, 0.0]),
    ("abs", lambda tf, x: tf.reduce_sum(tf.abs(x)), [0.0, -2.0]),
    ("relu", lambda tf, x: tf.reduce_sum(tf.nn.relu(x)), [0.0, -2.0, 1.0]),
]


@pytest.mark.parametrize("case", KINKS, ids=[c[0] for c in KINKS])
def test_gradients_at_kinks_as_tensorflow(real_tf: Any, case: Any) -> None:
    _, fn, point = case
    grads = []
    for tf in (real_tf, wtf):
        x = tf.Variable(point)
        with tf.GradientTape() as tape:
            out = fn(tf, x)
        grads.append(np.asarray(tape.gradient(out, x).numpy()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, equal_nan=True)


def test_keras_says_what_is_wrong_with_the_data() -> None:
    keras = pytest.importorskip("keras")
    for lib in (keras, wtf.keras):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, activation="softmax")])
        model.compile("sgd", "categorical_crossentropy")
        with pytest.raises(
            ValueError, match="Data cardinality is ambiguous.*'x' sizes: 32\n'y' sizes: 30"
        ):
            model.fit(np.ones((32, 3)), np.ones((30, 2)), verbose=0)
        with pytest.raises(ValueError, match="`target` and `output` must have the same shape"):
            model.fit(np.ones((4, 3)), np.ones((4, 3)), verbose=0)
