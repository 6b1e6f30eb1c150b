"""Feature columns against TensorFlow 2.21's ``tf.feature_column`` and
``tf.compat.v1.feature_column.input_layer``: the same matrix (column order by name, bucket
edges, vocabulary misses, repeated categories), embeddings combined as TensorFlow combines
them (tables given by a constant initializer), and parse specs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

TABLE = np.arange(12, dtype=np.float32).reshape(4, 3) / 7


def _columns(tf: Any) -> list[Any]:
    fc = tf.feature_column
    age = fc.numeric_column("age")
    thal = fc.categorical_column_with_vocabulary_list("thal", ["fixed", "normal", "reversible"])
    ids = fc.categorical_column_with_identity("cls", 4)
    words = fc.categorical_column_with_vocabulary_list("words", ["a", "b", "c", "d"])
    table = tf.constant_initializer(TABLE)
    return [
        fc.numeric_column("xy", shape=(2,)),
        fc.indicator_column(thal),
        fc.bucketized_column(age, [18, 30, 50]),
        age,
        fc.indicator_column(ids),
        fc.numeric_column("scaled", normalizer_fn=lambda x: (x - 3) / 2),
        fc.embedding_column(words, 3, initializer=table),
        fc.embedding_column(ids, 3, combiner="sum", initializer=table),
        fc.embedding_column(fc.categorical_column_with_vocabulary_list(
            "more", ["a", "b", "c", "d"]), 3, combiner="sqrtn", initializer=table),
        fc.indicator_column(fc.categorical_column_with_vocabulary_list(
            "level", [1, 2, 3], default_value=0)),
    ]  # fmt: skip


FEATURES = {
    "age": np.array([10.0, 25, 60]),
    "xy": np.array([[1.0, 2], [3, 4], [5, 6]]),
    "thal": np.array(["normal", "fixed", "weird"]),
    "cls": np.array([3, 0, 1]),
    "scaled": np.array([[1.0], [5], [0]]),
    "words": np.array([["a", "b", "a"], ["d", "", ""], ["zz", "c", ""]]),
    "more": np.array([["a", "b", "a"], ["d", "", ""], ["c", "c", ""]]),
    "level": np.array([1, 3, 7]),
}


def test_input_layer_matches_tensorflow(real_tf: Any) -> None:
    want = real_tf.compat.v1.feature_column.input_layer(FEATURES, _columns(real_tf)).numpy()
    got = wtf.compat.v1.feature_column.input_layer(FEATURES, _columns(wtf)).numpy()
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_names_and_parse_specs(real_tf: Any) -> None:
    ours, theirs = _columns(wtf), _columns(real_tf)
    assert [c.name for c in ours] == [c.name for c in theirs]
    assert repr(ours[3]) == repr(theirs[3])
    spec = wtf.feature_column.make_parse_example_spec(ours)
    want = real_tf.feature_column.make_parse_example_spec(theirs)
    assert list(spec) == list(want)
    for key, value in spec.items():
        assert type(value).__name__ == type(want[key]).__name__
        assert value.dtype.name == want[key].dtype.name


def test_errors_as_tensorflow() -> None:
    fc = wtf.feature_column
    with pytest.raises(ValueError, match="sorted"):
        fc.bucketized_column(fc.numeric_column("x"), [3, 1])
    with pytest.raises(ValueError, match="DenseColumn"):
        wtf.compat.v1.feature_column.input_layer(
            {"c": [1]}, [fc.categorical_column_with_identity("c", 2)]
        )
    with pytest.raises(wtf.errors.InvalidArgumentError, match="must be in"):
        wtf.compat.v1.feature_column.input_layer(
            {"c": [5]}, [fc.indicator_column(fc.categorical_column_with_identity("c", 2))]
        )


def test_dense_features_layer_trains_its_embeddings() -> None:
    fc = wtf.feature_column
    words = fc.categorical_column_with_vocabulary_list("w", ["a", "b", "c"])
    layer = wtf.keras.layers.DenseFeatures([fc.embedding_column(words, 2),
                                            fc.numeric_column("x")])  # fmt: skip
    model = wtf.keras.Sequential([layer, wtf.keras.layers.Dense(1)])
    features = {"w": np.array([["a"], ["c"]]), "x": np.array([0.5, -1.0])}
    out = model(features)
    assert out.shape.as_list() == [2, 1]
    assert [w.name for w in layer.trainable_weights] == ["w_embedding/embedding_weights"]
    with wtf.GradientTape() as tape:
        loss = wtf.reduce_sum(model(features) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    rows = np.abs(grads[0].numpy()).sum(1)
    assert rows[0] > 0 and rows[1] == 0 and rows[2] > 0  # only the looked-up rows learn
