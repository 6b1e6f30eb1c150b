"""Export to ONNX, checked by onnx.checker and run in ONNX Runtime (skipped cleanly when
they are not installed): outputs match the workbench's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as tf
from workbench.static import keras

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from workbench.static import onnx_export  # noqa: E402

MODELS = {
    "mlp": (
        lambda: keras.Sequential(
            [
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(3, activation="softmax"),
            ]
        ),
        (4, 8),
    ),
    "cnn": (
        lambda: keras.Sequential(
            [
                keras.Input(shape=(12, 12, 1)),
                keras.layers.Conv2D(4, 3, activation="relu", padding="same"),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(6, 3, strides=2),
                keras.layers.AveragePooling2D(padding="same"),
                keras.layers.Flatten(),
                keras.layers.BatchNormalization(),
                keras.layers.Dense(10),
            ]
        ),
        (2, 12, 12, 1),
    ),
    "lstm": (
        lambda: keras.Sequential(
            [
                keras.Input(shape=(6, 3)),
                keras.layers.LSTM(5, return_sequences=True),
                keras.layers.LSTM(4),
                keras.layers.Dense(2),
            ]
        ),
        (3, 6, 3),
    ),
}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_keras_models_run_in_onnx_runtime(kind: str, tmp_path: Any) -> None:
    make, shape = MODELS[kind]
    model = make()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    path = str(tmp_path / f"{kind}.onnx")
    exported = onnx_export.export(model, x, path=path)
    assert exported.opset_import[0].version >= 17
    onnx.checker.check_model(onnx.load(path))
    (got,) = onnx_export.run(onnx.load(path), x)
    np.testing.assert_allclose(got, model.predict(x), rtol=1e-5, atol=1e-5)


def test_function_and_session_graphs_export() -> None:
    @tf.function
    def f(a: Any, b: Any) -> Any:
        return tf.reduce_max(tf.matmul(a, b), axis=1) - tf.reduce_mean(a)

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.ones((3, 4), np.float32)
    (got,) = onnx_export.run(onnx_export.export(f, a, b), a, b)
    np.testing.assert_allclose(got, f(tf.constant(a), tf.constant(b)).numpy(), rtol=1e-6)

    v1 = tf.compat.v1
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        w = tf.Variable(np.full((3, 2), 0.5, np.float32))
        y = tf.nn.sigmoid(tf.matmul(x, w))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            model = onnx_export.export(sess, outputs=[y], feed_dict={x: a})
            (got,) = onnx_export.run(model, a)
            np.testing.assert_allclose(got, sess.run(y, {x: a}), rtol=1e-6)
    assert any(init.name.startswith("weight") for init in model.graph.initializer)


def test_unsupported_primitives_are_named() -> None:
    with pytest.raises(NotImplementedError, match="cumsum"):
        onnx_export.export(lambda v: tf.cumsum(v), np.ones(3, np.float32))
