"""The packaged MiniLM checkpoint in the three styles against real transformers and
sentence-transformers: token ids exactly, hidden states and embeddings to 1e-4."""

from __future__ import annotations

import numpy as np
import pytest

from tests.transformers.conftest import SENTENCES
from workbench import eager
from workbench.transformers import (
    AutoModel,
    AutoTokenizer,
    FlaxAutoModel,
    SentenceEncoder,
    TFAutoModel,
    pipeline,
)

TOL = {"rtol": 1e-4, "atol": 1e-4}


def _np(x):
    x = x.detach() if hasattr(x, "detach") else x
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def test_token_ids_equal_transformers(model_dir, reference):
    ours = AutoTokenizer.from_pretrained(model_dir)
    theirs = reference["tokenizer"]
    for text in [*SENTENCES, "", "   spaced   out  ", "UPPER lower MiXeD 12345"]:
        assert ours(text)["input_ids"] == theirs(text)["input_ids"]
        assert ours.tokenize(text) == theirs.tokenize(text)
    pair_ours = ours("How old are you?", "I am six.")
    pair_theirs = theirs("How old are you?", "I am six.")
    assert pair_ours["input_ids"] == pair_theirs["input_ids"]
    assert pair_ours["token_type_ids"] == pair_theirs["token_type_ids"]
    long = " ".join(["word"] * 50)
    for kwargs in (
        {"truncation": True, "max_length": 12},
        {"padding": "max_length", "max_length": 64},
    ):
        assert (
            ours(long if "truncation" in kwargs else SENTENCES[0], **kwargs)["input_ids"]
            == theirs(long if "truncation" in kwargs else SENTENCES[0], **kwargs)["input_ids"]
        )
    batch = ours(SENTENCES, padding=True, return_tensors="np")
    np.testing.assert_array_equal(batch["input_ids"], reference["input_ids"])
    np.testing.assert_array_equal(batch["attention_mask"], reference["attention_mask"])
    assert ours.decode(batch["input_ids"][0], skip_special_tokens=True) == "hello world!"


@pytest.mark.parametrize("style", ["pt", "tf", "jax"])
def test_last_hidden_state_equals_transformers(model_dir, reference, style):
    auto = {"pt": AutoModel, "tf": TFAutoModel, "jax": FlaxAutoModel}[style]
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = auto.from_pretrained(model_dir)
    batch = tokenizer(SENTENCES, padding=True, return_tensors=style)
    with eager.no_grad():
        out = model(**batch)
    array_type = {"pt": "Tensor", "tf": "EagerTensor", "jax": "Array"}[style]
    assert type(out.last_hidden_state).__name__ == array_type
    np.testing.assert_allclose(_np(out.last_hidden_state), reference["last_hidden_state"], **TOL)
    np.testing.assert_allclose(_np(out["pooler_output"]), reference["pooler_output"], **TOL)
    np.testing.assert_allclose(_np(out[0]), reference["last_hidden_state"], **TOL)


@pytest.mark.parametrize("style", ["eager", "static", "functional"])
def test_sentence_embeddings_equal_sentence_transformers(model_dir, style):
    st = pytest.importorskip("sentence_transformers")
    theirs = st.SentenceTransformer(model_dir, device="cpu")
    expected = theirs.encode(SENTENCES, normalize_embeddings=True)
    encoder = SentenceEncoder(model_dir, style=style)
    got = encoder.encode(SENTENCES, batch_size=3, normalize_embeddings=True)
    assert got.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(got, expected, **TOL)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)
    # one string -> one vector; the checkpoint's own pipeline (modules.json) ends with a
    # Normalize module, so the default encoding is of unit length, as sentence-transformers'
    single = encoder.encode(SENTENCES[1])
    assert single.shape == (384,) and encoder.normalizes
    np.testing.assert_allclose(single, theirs.encode(SENTENCES[1]), **TOL)


def test_feature_extraction_pipeline(model_dir, reference):
    pipe = pipeline("feature-extraction", model=model_dir)
    out = np.asarray(pipe(SENTENCES[0]))
    n = int(reference["attention_mask"][0].sum())
    assert out.shape == (1, n, 384)
    np.testing.assert_allclose(out[0], reference["last_hidden_state"][0, :n], **TOL)
    both = pipe(SENTENCES[:2])
    assert len(both) == 2 and np.asarray(both[1]).shape[1] == int(
        reference["attention_mask"][1].sum()
    )
