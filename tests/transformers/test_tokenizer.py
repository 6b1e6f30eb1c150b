"""The tokenizer's padding, truncation and masks as properties over random batches, and
its arrays in each style's own type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.transformers import AutoTokenizer, hub

WORDS = ["the", "cat", "sat", "unbelievable", "tokenisation", "!", "42", "naïve", "on", "mat"]
texts = st.lists(
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join), min_size=1, max_size=5
)


@pytest.fixture(scope="module")
def tokenizer(model_dir):
    return AutoTokenizer.from_pretrained(model_dir)


@given(batch=texts, max_length=st.integers(3, 24))
def test_padding_and_truncation_shapes(tokenizer, batch, max_length):
    plain = [len(ids) for ids in tokenizer(batch)["input_ids"]]
    out = tokenizer(
        batch, padding=True, truncation=True, max_length=max_length, return_tensors="np"
    )
    width = min(max(plain), max_length)
    assert out["input_ids"].shape == out["attention_mask"].shape == (len(batch), width)
    np.testing.assert_array_equal(out["attention_mask"].sum(1), np.minimum(plain, max_length))
    assert (out["input_ids"][:, 0] == tokenizer.cls_token_id).all()
    # every sequence ends with [SEP] at its last real token, then [PAD]s
    last = out["attention_mask"].sum(1) - 1
    assert (out["input_ids"][np.arange(len(batch)), last] == tokenizer.sep_token_id).all()
    assert (out["input_ids"][out["attention_mask"] == 0] == tokenizer.pad_token_id).all()
    fixed = tokenizer(
        batch, padding="max_length", truncation=True, max_length=max_length, return_tensors="np"
    )
    assert fixed["input_ids"].shape == (len(batch), max_length)


def test_arrays_come_in_each_styles_type(tokenizer):
    kinds = {
        "pt": ("Tensor", "int64"),
        "tf": ("EagerTensor", "int32"),
        "jax": ("Array", "int32"),
        "np": ("ndarray", "int64"),
    }
    for name, (type_name, dtype) in kinds.items():
        ids = tokenizer(["a b", "c"], padding=True, return_tensors=name)["input_ids"]
        assert type(ids).__name__ == type_name
        assert dtype in str(ids.dtype)
    with pytest.raises(ValueError, match="pass padding=True"):
        tokenizer(["a b c d", "c"], return_tensors="np")
    with pytest.raises(ValueError, match="return_tensors should be"):
        tokenizer("a", return_tensors="torch")


def test_word_pieces_and_word_ids(tokenizer):
    out = tokenizer("unbelievable tokenisation")
    assert out.tokens()[0] == "[CLS]" and out.tokens()[-1] == "[SEP]"
    assert "##" in "".join(out.tokens())  # split into word pieces
    words = out.word_ids()
    assert words[0] is None and words[-1] is None and set(words[1:-1]) == {0, 1}


def test_packaged_name_resolves_without_downloading(model_dir):
    assert hub.resolve("all-MiniLM-L6-v2") == model_dir
    assert hub.resolve("sentence-transformers/all-MiniLM-L6-v2") == model_dir
