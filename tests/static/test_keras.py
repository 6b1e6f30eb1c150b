"""Keras: layers and training against real Keras from identical weights, the training
loop's behaviour, summary and safe saving."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as tf
from tests.conftest import PARITY_TOL
from workbench.static import keras

LAYER_CASES = {
    "dense": (lambda k: k.layers.Dense(5, activation="tanh"), (4, 7)),
    "conv2d_same_strided": (
        lambda k: k.layers.Conv2D(3, 3, strides=2, padding="same"),
        (2, 9, 9, 2),
    ),
    "conv1d": (lambda k: k.layers.Conv1D(4, 3, activation="relu"), (2, 10, 3)),
    "maxpool": (lambda k: k.layers.MaxPooling2D(2), (2, 8, 8, 3)),
    "avgpool_same": (
        lambda k: k.layers.AveragePooling2D(3, strides=2, padding="same"),
        (2, 7, 7, 3),
    ),
    "global_avg": (lambda k: k.layers.GlobalAveragePooling2D(), (2, 5, 5, 3)),
    "batchnorm_inference": (lambda k: k.layers.BatchNormalization(), (6, 4)),
    "layernorm": (lambda k: k.layers.LayerNormalization(), (3, 5, 6)),
    "flatten": (lambda k: k.layers.Flatten(), (2, 3, 4)),
    "simple_rnn": (lambda k: k.layers.SimpleRNN(4, return_sequences=True), (2, 5, 3)),
    "lstm": (lambda k: k.layers.LSTM(4), (2, 6, 3)),
    "gru": (lambda k: k.layers.GRU(4, return_sequences=True), (2, 6, 3)),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_outputs_match_keras(real_tf: Any, case: str) -> None:
    import keras as real  # noqa: PLC0415

    make, shape = LAYER_CASES[case]
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    theirs, ours = make(real), make(keras)
    expected = np.asarray(theirs(x))
    ours(x)
    rng = np.random.default_rng(2)
    weights = [
        w + rng.standard_normal(w.shape).astype(np.float32) * 0.1 for w in theirs.get_weights()
    ]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(ours(x).numpy(), expected, **PARITY_TOL)


def test_multi_head_attention_matches_keras(real_tf: Any) -> None:
    import keras as real  # noqa: PLC0415

    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 4, 8)).astype(np.float32)
    v = rng.standard_normal((2, 6, 8)).astype(np.float32)
    theirs = real.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    ours = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    theirs(q, v)
    ours(q, v)
    weights = [
        w + rng.standard_normal(w.shape).astype(np.float32) * 0.1 for w in theirs.get_weights()
    ]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    out, scores = ours(q, v, return_attention_scores=True)
    ref_out, ref_scores = theirs(q, v, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), np.asarray(ref_out), **PARITY_TOL)
    np.testing.assert_allclose(scores.numpy(), np.asarray(ref_scores), **PARITY_TOL)


def _cnn(k: Any) -> Any:
    return k.Sequential(
        [
            k.Input(shape=(12, 12, 1)),
            k.layers.Conv2D(4, 3, activation="relu", padding="same"),
            k.layers.MaxPooling2D(),
            k.layers.Conv2D(6, 3, activation="relu"),
            k.layers.Flatten(),
            k.layers.BatchNormalization(),
            k.layers.Dense(10),
        ]
    )


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adagrad"])
def test_cnn_fit_two_epochs_matches_keras(real_tf: Any, optimizer: str) -> None:
    import keras as real  # noqa: PLC0415

    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 12, 12, 1)).astype(np.float32)
    y = rng.integers(0, 10, 40)
    real.utils.set_random_seed(0)
    theirs, ours = _cnn(real), _cnn(keras)
    ours.set_weights(theirs.get_weights())
    make = {
        "sgd": lambda k: k.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
        "rmsprop": lambda k: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
        "adagrad": lambda k: k.optimizers.Adagrad(0.1),
    }[optimizer]
    for model, lib in ((theirs, real), (ours, keras)):
        loss = lib.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(optimizer=make(lib), loss=loss, metrics=["accuracy"])
    expected = theirs.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    got = ours.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(got["accuracy"], expected["accuracy"])
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    # inference divides by the moving variance, which amplifies float32 rounding: 1e-3
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-3, atol=1e-3)


def test_mlp_adam_and_probability_losses_match_keras(real_tf: Any) -> None:
    import keras as real  # noqa: PLC0415

    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)

    def build(k: Any) -> Any:
        return k.Sequential(
            [
                k.Input(shape=(6,)),
                k.layers.Dense(8, activation="relu"),
                k.layers.Dense(1, activation="sigmoid"),
            ]
        )

    theirs, ours = build(real), build(keras)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, real), (ours, keras)):
        model.compile(
            optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
        )
    expected = theirs.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    got = ours.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(got["accuracy"], expected["accuracy"])


def test_functional_and_subclassed_models() -> None:
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    merged = keras.layers.Concatenate()([hidden, inputs])
    outputs = keras.layers.Dense(2)(merged)
    model = keras.Model(inputs, outputs)
    # Keras 3 lists the input first, and names a functional model "functional"
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer",
        "Dense",
        "Concatenate",
        "Dense",
    ]
    assert model.name.startswith("functional") and model.layers[0].count_params() == 0
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    w1, b1, w2, b2 = model.get_weights()
    h = np.maximum(x @ w1 + b1, 0)
    np.testing.assert_allclose(model.predict(x), np.concatenate([h, x], 1) @ w2 + b2, rtol=1e-5)

    class TwoLayer(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.first = keras.layers.Dense(8, activation="relu")
            self.second = keras.layers.Dense(1)

        def call(self, x: Any, training: bool = False) -> Any:
            return self.second(self.first(x))

    sub = TwoLayer()
    sub.compile(optimizer="sgd", loss="mse")
    before = sub.evaluate(x, np.ones((3, 1)), verbose=0) if sub(x) is not None else None
    sub.fit(x, np.ones((3, 1)), epochs=20, verbose=0)
    assert sub.evaluate(x, np.ones((3, 1)), verbose=0) < before
    assert len(sub.trainable_weights) == 4


def test_fit_progress_callbacks_and_validation(capsys: Any) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    history = model.fit(
        x, y, epochs=5, batch_size=10, validation_split=0.2, callbacks=[stopper], verbose=1
    )
    printed = capsys.readouterr().out
    assert "Epoch 1/5" in printed and "4/4" in printed and "val_loss" in printed
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert len(history.history["loss"]) == 2  # stopped early
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_summary_table() -> None:
    keras.clear_session()
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "│ dense (Dense)                   │ (None, 64)             │        50,240 │" in text
    assert " Total params: 50,890 (198.79 KB)" in text


def test_save_and_load_model_without_pickle(tmp_path: Any) -> None:
    model = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
    )
    x = np.ones((2, 3), np.float32)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x))
    with np.load(path, allow_pickle=False) as data:
        assert "config" in data.files
    model.save_weights(str(tmp_path / "w.npz"))
    fresh = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
    )
    fresh.load_weights(str(tmp_path / "w.npz"))
    np.testing.assert_allclose(fresh.predict(x), model.predict(x))


def test_default_initializers_follow_keras_fan_rules() -> None:
    layer = keras.layers.Dense(300)
    layer(np.zeros((1, 200), np.float32))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6 / 500)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert abs(kernel.std() - limit / np.sqrt(3)) < 0.01 and not bias.any()


def test_embedding_matches_keras(real_tf: Any) -> None:
    import keras as real  # noqa: PLC0415

    ids = np.array([[1, 4, 0], [3, 3, 2]])
    theirs, ours = real.layers.Embedding(5, 3), keras.layers.Embedding(5, 3)
    theirs(ids)
    ours(ids)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(ids).numpy(), np.asarray(theirs(ids)))
    assert np.abs(theirs.get_weights()[0]).max() <= 0.05


def test_dropout_only_while_training() -> None:
    layer = keras.layers.Dropout(0.25)
    x = np.ones((200, 50), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    out = layer(x, training=True).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)


def test_checkpoint_and_learning_rate_callbacks(tmp_path: Any) -> None:
    x = np.random.default_rng(0).standard_normal((20, 2)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    seen: list[float] = []
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs=None: seen.append(
            float(model.optimizer.learning_rate.numpy())
        )
    )
    path = str(tmp_path / "best.weights.npz")
    best = keras.callbacks.ModelCheckpoint(
        path, monitor="loss", save_best_only=True, save_weights_only=True
    )
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[schedule, record, best])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], seen, rtol=1e-6)
    fresh = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x), model.predict(x), rtol=1e-5)


def test_functional_summary_and_dtype_text_match_keras() -> None:
    """A functional model's summary lists its InputLayer and is named "functional", and
    ``print(tensor.dtype)`` shows ``<dtype: 'int64'>``, as in Keras 3 / TensorFlow."""
    real_keras = pytest.importorskip("keras")
    texts = []
    for lib in (keras, real_keras):
        lib.backend.clear_session() if hasattr(lib, "backend") else lib.clear_session()
        inputs = lib.Input(shape=(8,))
        hidden = lib.layers.Dense(16, activation="relu")(inputs)
        model = lib.Model(inputs, lib.layers.Dense(2)(lib.layers.Dropout(0.1)(hidden)))
        lines: list[str] = []
        model.summary(print_fn=lambda line, *args, out=lines, **kwargs: out.append(line))
        texts.append("\n".join(lines).rstrip())
    assert texts[0] == texts[1]
    assert str(tf.int64) == "<dtype: 'int64'>" and repr(tf.int64) == "tf.int64"
