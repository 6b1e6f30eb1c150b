"""Keras 2's ``Tokenizer`` against tf.keras's legacy one: vocabulary order (ties in order
of first appearance), sequences with ``num_words`` and an OOV token, matrices in every
mode, JSON round trip."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.static import keras as wkeras

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat, dog & the end",
         "Ünïcode wörds, too", ""]  # fmt: skip
QUERY = ["the cat and the unknown dog", "mat homework zebra"]
CONFIGS = [{}, {"num_words": 5}, {"oov_token": "<OOV>"}, {"num_words": 4, "oov_token": "<?>"},
           {"char_level": True}, {"lower": False, "filters": ""}]  # fmt: skip


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_tokenizer_matches_keras(real_tf: Any, config: dict[str, Any]) -> None:
    ours = wkeras.preprocessing.text.Tokenizer(**config)
    theirs = real_tf.keras.preprocessing.text.Tokenizer(**config)
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    assert ours.word_index == theirs.word_index
    assert dict(ours.word_counts) == dict(theirs.word_counts)
    assert ours.texts_to_sequences(QUERY) == theirs.texts_to_sequences(QUERY)
    sequences = theirs.texts_to_sequences(TEXTS)
    assert ours.sequences_to_texts(sequences) == theirs.sequences_to_texts(sequences)
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(ours.texts_to_matrix(QUERY + TEXTS, mode),
                                   theirs.texts_to_matrix(QUERY + TEXTS, mode))  # fmt: skip
    restored = wkeras.preprocessing.text.tokenizer_from_json(ours.to_json())
    assert restored.word_index == ours.word_index
    assert restored.texts_to_sequences(QUERY) == ours.texts_to_sequences(QUERY)


def test_word_sequence_and_errors(real_tf: Any) -> None:
    text = "Hello,  World!\tNew\nline--ok"
    assert wkeras.preprocessing.text.text_to_word_sequence(text) == (
        real_tf.keras.preprocessing.text.text_to_word_sequence(text)
    )
    with pytest.raises(ValueError, match="tfidf"):
        wkeras.preprocessing.text.Tokenizer(num_words=3).texts_to_matrix(["a"], "tfidf")
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tokenizer = wkeras.preprocessing.text.Tokenizer()
        tokenizer.fit_on_texts(["a b"])
        tokenizer.texts_to_matrix(["a"], "other")
