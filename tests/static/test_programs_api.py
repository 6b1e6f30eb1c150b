"""What real TF1 and Keras programs stopped at (issue 17): placeholders of unknown rank,
TensorFlow 1's ``tf.layers`` with UPDATE_OPS, uint8 images and labels in ``fit``, and
model introspection — each against TensorFlow 2.21 / Keras 3 or a NumPy reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

XS = np.array([3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167])
YS = np.array([1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221])


def _linear_regression(v1: Any) -> tuple[float, float, float]:
    """The classic TF1 program: placeholders without a shape, fed one number at a time."""
    with v1.Graph().as_default():
        x, y = v1.placeholder("float"), v1.placeholder("float")
        w, b = v1.Variable(0.5), v1.Variable(-0.2)
        cost = v1.reduce_sum(v1.pow(x * w + b - y, 2)) / (2 * len(XS))
        step = v1.train.GradientDescentOptimizer(0.01).minimize(cost)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(5):
                for a, c in zip(XS, YS):
                    sess.run(step, {x: a, y: c})
            return sess.run(cost, {x: XS, y: YS}), sess.run(w), sess.run(b)


def test_placeholder_of_unknown_rank_equals_tensorflow() -> None:
    np.testing.assert_allclose(
        _linear_regression(wtf.compat.v1), _linear_regression(tf.compat.v1), rtol=1e-5
    )
    with wtf.Graph().as_default():
        p = wtf.compat.v1.placeholder("float32")
        assert p.shape.rank is None
        total = wtf.reduce_sum(p * 2.0, axis=1)
        with wtf.compat.v1.Session() as sess:
            np.testing.assert_allclose(sess.run(total, {p: np.ones((2, 3))}), [6.0, 6.0])


def test_tf1_layers_build_named_variables_and_update_ops() -> None:
    v1 = wtf.compat.v1
    rng = np.random.default_rng(0)
    images = rng.standard_normal((8, 6, 6, 2)).astype(np.float32)
    with wtf.Graph().as_default():
        x = v1.placeholder(v1.float32, [None, 6, 6, 2])
        training = v1.placeholder_with_default(False, [])
        h = v1.layers.conv2d(x, 3, 3, padding="same")
        n = v1.layers.batch_normalization(h, training=training)
        logits = v1.layers.dense(v1.layers.flatten(v1.layers.max_pooling2d(n, 2, 2)), 4)
        again = v1.layers.dense(v1.layers.flatten(h), 4, name="head")
        with pytest.raises(ValueError, match="already exists"):
            v1.layers.dense(v1.layers.flatten(h), 4, name="head")
        shared = v1.layers.dense(v1.layers.flatten(h), 4, name="head", reuse=True)
        names = [v.name for v in v1.global_variables()]
        assert names[:2] == ["conv2d/kernel:0", "conv2d/bias:0"]
        assert "batch_normalization/moving_mean:0" in names and "dense/kernel:0" in names
        updates = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        assert len(updates) == 2
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            kernel, bias, conv = sess.run(["conv2d/kernel:0", "conv2d/bias:0", h], {x: images})
            want = tf.nn.conv2d(images, kernel, 1, "SAME").numpy() + bias
            np.testing.assert_allclose(conv, want, rtol=1e-5, atol=1e-5)
            a, b = sess.run([again, shared], {x: images})
            np.testing.assert_array_equal(a, b)
            sess.run(updates, {x: images, training: True})
            mean = sess.run("batch_normalization/moving_mean:0")
            np.testing.assert_allclose(mean, 0.01 * conv.mean((0, 1, 2)), rtol=1e-4, atol=1e-6)
            inference = sess.run(n, {x: images})  # training defaults to False: moving stats
            var = sess.run("batch_normalization/moving_variance:0")
            np.testing.assert_allclose(
                inference, (conv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5
            )
            assert sess.run(logits, {x: images}).shape == (8, 4)


def _uint8_model(k: Any) -> Any:
    model = k.Sequential(
        [
            k.Input((4, 4, 1), dtype="uint8"),
            k.layers.Flatten(),
            k.layers.Dense(3),
        ]
    )
    model.compile(
        k.optimizers.SGD(0.001),
        k.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def test_uint8_images_and_labels_train_as_keras() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (32, 4, 4, 1)).astype(np.uint8)
    y = rng.integers(0, 3, 32).astype(np.uint8)
    theirs, ours = _uint8_model(keras), _uint8_model(wkeras)
    ours.set_weights(theirs.get_weights())
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    h_ours = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-4)


def test_model_introspection_equals_keras() -> None:
    def functional(k: Any) -> Any:
        inp = k.Input((4,), name="features")
        hidden = k.layers.Dense(3, name="hidden")(inp)
        return k.Model(inp, k.layers.Dense(2, name="out")(hidden))

    for build in (
        functional,
        lambda k: k.Sequential(
            [k.Input((4,)), k.layers.Dense(3, name="hidden"), k.layers.Dense(2)]
        ),
    ):
        theirs, ours = build(keras), build(wkeras)
        assert ours.input_shape == theirs.input_shape == (None, 4)
        assert ours.output_shape == theirs.output_shape == (None, 2)
        assert tuple(ours.get_layer("hidden").output.shape) == tuple(
            theirs.get_layer("hidden").output.shape
        )
        assert tuple(ours.get_layer("hidden").input.shape) == tuple(
            theirs.get_layer("hidden").input.shape
        )
        assert ours.get_layer(index=1) is ours.layers[1]
        assert type(ours.get_layer(index=1)).__name__ == type(theirs.get_layer(index=1)).__name__
        assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
        for model in (theirs, ours):
            with pytest.raises(ValueError, match="No such layer"):
                model.get_layer("missing")
    unbuilt = wkeras.Sequential([wkeras.layers.Dense(2)])
    with pytest.raises(AttributeError, match="no defined output shape"):
        _ = unbuilt.output_shape


def _custom_model(k: Any, tf_module: Any) -> Any:
    class CustomModel(k.Model):
        def train_step(self, data: Any) -> Any:
            x, y = data
            with tf_module.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = k.Input((4,))
    model = CustomModel(inputs, k.layers.Dense(1)(k.layers.Dense(8, activation="relu")(inputs)))
    model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def test_custom_train_step_trains_as_keras() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    theirs, ours = _custom_model(keras, tf), _custom_model(wkeras, wtf)
    ours.set_weights(theirs.get_weights())
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    h_ours = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    assert sorted(h_ours) == sorted(h_theirs) == ["loss", "mae"]
    for key in h_theirs:
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-5)


V1_CALLS: list[tuple[str, Any]] = [
    ("mse", lambda v1, a, b, w: v1.losses.mean_squared_error(a, b)),
    ("mse_weighted", lambda v1, a, b, w: v1.losses.mean_squared_error(a, b, weights=w)),
    ("absolute", lambda v1, a, b, w: v1.losses.absolute_difference(a, b, weights=w)),
    ("huber", lambda v1, a, b, w: v1.losses.huber_loss(a, b * 3, delta=0.5)),
    (
        "log_loss",
        lambda v1, a, b, w: v1.losses.log_loss((a > 0.5).astype(np.float32), 1 / (1 + np.exp(-b))),
    ),
    (
        "softmax_ce",
        lambda v1, a, b, w: v1.losses.softmax_cross_entropy(
            np.eye(3, dtype=np.float32)[[0, 2, 1, 1]], b[:, :3], label_smoothing=0.1
        ),
    ),
    (
        "sparse_ce",
        lambda v1, a, b, w: v1.losses.sparse_softmax_cross_entropy(
            np.array([0, 2, 1, 1]), b[:, :3], weights=w[:, 0]
        ),
    ),
    (
        "sigmoid_ce",
        lambda v1, a, b, w: v1.losses.sigmoid_cross_entropy((a > 0.5).astype(np.float32), b),
    ),
    ("arg_min", lambda v1, a, b, w: v1.arg_min(b, 1)),
    ("to_float", lambda v1, a, b, w: v1.to_float(np.array([1, 2]))),
]


@pytest.mark.parametrize("call", [c[1] for c in V1_CALLS], ids=[c[0] for c in V1_CALLS])
def test_tf1_names_equal_tensorflow(call: Any) -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, (4, 5)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    w = np.array([[1.0], [0.0], [2.0], [0.5]], np.float32) * np.ones((1, 5), np.float32)
    want, got = call(tf.compat.v1, a, b, w), call(wtf.compat.v1, a, b, w)
    assert got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
