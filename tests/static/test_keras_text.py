"""Keras's text layers against Keras 3: ``TextVectorization`` and ``StringLookup`` learn the
same vocabulary (order and ties included) and give the same ids and vectors;
``text_dataset_from_directory`` reads the same files with the same labels; a model takes
raw strings end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")

TEXTS = [
    "The cat sat on the mat.",
    "A dog! A cat?",
    "the THE the end",
    "Dogs, cats & mats",
    "zebra",
    "naïve café, the end",
]
QUERY = ["the cat and the zebra", "unknown words here !", "café"]

VECTORIZERS = [
    {},
    {"max_tokens": 6},
    {"output_sequence_length": 4},
    {"output_sequence_length": 12},
    {"output_mode": "multi_hot"},
    {"output_mode": "count", "ngrams": 2},
    {"output_mode": "tf_idf", "max_tokens": 8},
    {"output_mode": "multi_hot", "max_tokens": 10, "pad_to_max_tokens": True},
    {"ngrams": (1, 3), "output_sequence_length": 10},
    {"split": "character", "output_sequence_length": 5},
    {"standardize": "lower"},
    {"standardize": None},
    {"vocabulary": ["cat", "the", "zebra"]},
]


@pytest.mark.parametrize("config", VECTORIZERS, ids=[str(c) for c in VECTORIZERS])
def test_text_vectorization_matches_keras(config: dict[str, Any]) -> None:
    theirs, ours = (
        keras.layers.TextVectorization(**config),
        wkeras.layers.TextVectorization(**config),
    )
    if "vocabulary" not in config:
        theirs.adapt(TEXTS)
        ours.adapt(wtf.data.Dataset.from_tensor_slices(TEXTS).batch(4))  # adapt on batches
    assert ours.get_vocabulary() == theirs.get_vocabulary()
    assert ours.vocabulary_size() == theirs.vocabulary_size()
    want, got = np.asarray(theirs(QUERY)), ours(QUERY).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)
    column = np.asarray(QUERY, dtype=object)[:, None]  # (batch, 1), as Input(shape=(1,)) feeds
    np.testing.assert_allclose(ours(column).numpy(), np.asarray(theirs(column)), rtol=1e-6)


LOOKUPS = [
    {},
    {"output_mode": "multi_hot"},
    {"output_mode": "count"},
    {"output_mode": "tf_idf"},
    {"mask_token": "[M]"},
    {"max_tokens": 3},
    {"oov_token": "<oov>"},
]


@pytest.mark.parametrize("config", LOOKUPS, ids=[str(c) for c in LOOKUPS])
def test_string_lookup_matches_keras(config: dict[str, Any]) -> None:
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"], ["b", "e", "e", "a"]]
    theirs, ours = keras.layers.StringLookup(**config), wkeras.layers.StringLookup(**config)
    theirs.adapt(data)
    ours.adapt(np.asarray(data))
    assert ours.get_vocabulary() == theirs.get_vocabulary()
    query = [["a", "q", "z", "[M]"], ["e", "e", "b", "d"]]
    want, got = np.asarray(theirs(query)), ours(query).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_string_lookup_modes_and_inverse() -> None:
    vocab = ["a", "b", "c"]
    for kwargs, query in [({"output_mode": "one_hot"}, ["a", "x", "c"]), ({}, "b")]:
        want = np.asarray(keras.layers.StringLookup(vocabulary=vocab, **kwargs)(query))
        got = wkeras.layers.StringLookup(vocabulary=vocab, **kwargs)(query).numpy()
        np.testing.assert_array_equal(got, want)
    ids = [[1, 3, 0, 7]]
    want = np.asarray(keras.layers.StringLookup(vocabulary=vocab, invert=True)(ids))
    got = wkeras.layers.StringLookup(vocabulary=vocab, invert=True)(ids).numpy()
    assert got.tolist() == want.tolist()
    with pytest.raises(ValueError, match="repeated term"):
        wkeras.layers.StringLookup(vocabulary=["a", "a"])
    strict = wkeras.layers.StringLookup(vocabulary=vocab, num_oov_indices=0)
    with pytest.raises(wtf.errors.InvalidArgumentError, match="OOV"):
        strict(["a", "nope"])


def test_text_dataset_from_directory(tmp_path: Path) -> None:
    for label in ("neg", "pos"):
        (tmp_path / label).mkdir()
        for i in range(5):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} review {i}!\nline two")
    (tmp_path / "pos" / "skip.md").write_text("not a text file")
    for config in [{"seed": 3}, {"seed": 3, "validation_split": 0.3, "subset": "validation"},
                   {"label_mode": "binary", "max_length": 8, "seed": 1}]:  # fmt: skip
        ours = wkeras.utils.text_dataset_from_directory(tmp_path, batch_size=4, **config)
        theirs = keras.utils.text_dataset_from_directory(tmp_path, batch_size=4, **config)
        assert ours.class_names == theirs.class_names
        # Keras shuffles its batches again with TensorFlow's own generator: compare the
        # (text, label) pairs, not their order
        assert _pairs(ours) == _pairs(theirs)


def _pairs(dataset: Any) -> list[tuple[bytes, Any]]:
    out = []
    for texts, labels in dataset:
        out += list(zip(texts.numpy().tolist(), np.asarray(labels.numpy()).tolist()))
    return sorted(out)


def test_model_on_raw_strings_end_to_end() -> None:
    wkeras.utils.set_random_seed(0)
    vectorize = wkeras.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(["good film", "bad film", "good good plot"])
    texts = wtf.data.Dataset.from_tensor_slices((["good film", "bad film"], [1, 0])).batch(2)
    ids = texts.map(lambda x, y: (vectorize(x), y))
    assert [x.numpy().tolist() for x, _ in ids] == [[[2, 3, 0, 0, 0], [5, 3, 0, 0, 0]]]
    inner = wkeras.Sequential([
        wkeras.Input(shape=(5,)), wkeras.layers.Embedding(20, 4),
        wkeras.layers.GlobalAveragePooling1D(), wkeras.layers.Dense(1),
    ])  # fmt: skip
    inner.compile("adam", wkeras.losses.BinaryCrossentropy(from_logits=True))
    inner.fit(ids, epochs=2, verbose=0)
    export = wkeras.Sequential([vectorize, inner, wkeras.layers.Activation("sigmoid")])
    scores = export.predict(["good film", "bad"], verbose=0)
    assert scores.shape == (2, 1)
    direct = wkeras.activations.sigmoid(inner(vectorize(["good film", "bad"]))).numpy()
    np.testing.assert_allclose(scores, direct, rtol=1e-6)
    model = wkeras.Sequential([wkeras.Input(shape=(1,), dtype="string"), vectorize,
                               wkeras.layers.Embedding(20, 4), wkeras.layers.Flatten(),
                               wkeras.layers.Dense(1)])  # fmt: skip
    model.compile("adam", "mse")
    history = model.fit(np.array([["good film"], ["bad"]], dtype=object), np.array([1.0, 0.0]),
                        epochs=3, verbose=0)  # fmt: skip
    assert len(history.history["loss"]) == 3
