"""Loading and saving: the transformers loading report, clear errors on bad model
directories, atomic safetensors saves that every style reads back."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from tests.transformers.conftest import SENTENCES
from workbench import eager
from workbench.transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    FlaxAutoModel,
    FlaxAutoModelForSequenceClassification,
    TFAutoModel,
    TFAutoModelForSequenceClassification,
)

TINY = {
    "vocab_size": 40,
    "hidden_size": 8,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 16,
    "max_position_embeddings": 16,
}


def _np(x):
    x = x.detach() if hasattr(x, "detach") else x
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _copy(model_dir, tmp_path, *names):
    target = tmp_path / "model"
    target.mkdir()
    for name in names:
        shutil.copy(os.path.join(model_dir, name), target / name)
    return target


def test_config_reads_the_checkpoint(model_dir):
    config = AutoConfig.from_pretrained(model_dir)
    assert isinstance(config, BertConfig)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (
        384,
        6,
        12,
    )
    assert config.vocab_size == 30522 and config.layer_norm_eps == 1e-12
    assert AutoConfig.from_pretrained(model_dir, num_labels=3).num_labels == 3


@pytest.mark.parametrize(
    "auto",
    [
        AutoModelForSequenceClassification,
        TFAutoModelForSequenceClassification,
        FlaxAutoModelForSequenceClassification,
    ],
)
def test_a_new_head_is_reported_missing(model_dir, auto):
    with pytest.warns(UserWarning, match="newly initialised"):
        model, info = auto.from_pretrained(model_dir, num_labels=3, output_loading_info=True)
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    assert info["unexpected_keys"] == []  # the old position_ids buffer is skipped quietly


def test_eager_model_counts_its_parameters_and_is_in_eval_mode(model_dir):
    model = AutoModel.from_pretrained(model_dir)
    assert model.num_parameters() == 22_713_216  # all-MiniLM-L6-v2's 22.7 M
    assert not model.training


def test_bad_directories_say_what_was_expected(model_dir, tmp_path):
    with pytest.raises(OSError, match="not a local model directory"):
        AutoModel.from_pretrained(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OSError, match="no config.json"):
        AutoModel.from_pretrained(empty)
    no_weights = _copy(model_dir, tmp_path, "config.json")
    with pytest.raises(OSError, match="no model.safetensors"):
        AutoModel.from_pretrained(no_weights)
    with pytest.raises(OSError, match="no tokenizer.json"):
        AutoTokenizer.from_pretrained(no_weights)
    (no_weights / "tokenizer.json").write_text("{ not a tokenizer")
    with pytest.raises(ValueError, match="does not parse as a tokenizer"):
        AutoTokenizer.from_pretrained(no_weights)
    (no_weights / "model.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(OSError, match="not a readable safetensors file"):
        AutoModel.from_pretrained(no_weights)


def test_unsupported_configs_are_refused(model_dir, tmp_path):
    target = _copy(model_dir, tmp_path, "config.json", "model.safetensors")
    config = json.loads((target / "config.json").read_text())
    (target / "config.json").write_text(json.dumps({**config, "model_type": "t5"}))
    with pytest.raises(ValueError, match="model_type 't5' is not one the workbench builds"):
        AutoModel.from_pretrained(target)
    (target / "config.json").write_text(
        json.dumps({**config, "position_embedding_type": "relative_key"})
    )
    with pytest.raises(ValueError, match="position_embedding_type='relative_key' is not supported"):
        AutoModel.from_pretrained(target)


@pytest.mark.parametrize("auto", [AutoModel, TFAutoModel, FlaxAutoModel])
def test_wrong_shapes_name_the_parameter_and_load_nothing(model_dir, auto):
    with pytest.raises(
        ValueError,
        match=r"embeddings.word_embeddings.weight: the checkpoint has "
        r"shape \(30522, 384\), the model expects \(30000, 384\)",
    ):
        auto.from_pretrained(model_dir, vocab_size=30000)


def test_save_pretrained_round_trips_through_every_style(model_dir, tmp_path):
    eager.manual_seed(0)
    config = BertConfig(**TINY)
    from workbench.transformers import BertModel

    model = BertModel(config).eval()
    model.save_pretrained(tmp_path / "tiny")
    assert sorted(os.listdir(tmp_path / "tiny")) == ["config.json", "model.safetensors"]
    ids = np.array([[3, 7, 11, 0], [5, 9, 2, 8]])
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]])
    with eager.no_grad():
        expected = _np(model(eager.tensor(ids), eager.tensor(mask)).last_hidden_state)
    for auto in (AutoModel, TFAutoModel, FlaxAutoModel):
        loaded = auto.from_pretrained(tmp_path / "tiny")
        with eager.no_grad():
            got = loaded(input_ids=ids, attention_mask=mask).last_hidden_state
        np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-6)
        loaded.save_pretrained(tmp_path / "again")  # every style writes the same layout back
        again = AutoModel.from_pretrained(tmp_path / "again")
        with eager.no_grad():
            np.testing.assert_allclose(
                _np(again(eager.tensor(ids), eager.tensor(mask)).last_hidden_state),
                expected,
                rtol=1e-5,
                atol=1e-6,
            )
    assert not [n for n in os.listdir(tmp_path / "again") if n.startswith(".")]  # no temp files


def test_functional_model_is_a_pure_function_that_jit_and_vmap_transform(model_dir):
    from workbench import functional as jax
    from workbench.transformers.modeling_flax_bert import bert_apply

    model = FlaxAutoModel.from_pretrained(model_dir)
    batch = AutoTokenizer.from_pretrained(model_dir)(
        SENTENCES[:2], padding=True, return_tensors="np"
    )

    def one(params, ids, mask):  # one sequence: add and drop a batch axis
        out = bert_apply(params, ids[None], mask[None], config=model.config)
        return out.last_hidden_state[0]

    batched = model(batch["input_ids"], batch["attention_mask"]).last_hidden_state
    vmapped = jax.jit(jax.vmap(one, in_axes=(None, 0, 0)))(
        model.params, batch["input_ids"], batch["attention_mask"]
    )
    np.testing.assert_allclose(np.asarray(vmapped), np.asarray(batched), rtol=1e-5, atol=1e-5)
    applied = model.module.apply(
        {"params": model.params}, batch["input_ids"], batch["attention_mask"]
    )
    np.testing.assert_allclose(
        np.asarray(applied.last_hidden_state), np.asarray(batched), rtol=1e-5, atol=1e-5
    )


def test_tokenizer_saves_and_reloads(model_dir, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.save_pretrained(tmp_path / "tok")
    again = AutoTokenizer.from_pretrained(tmp_path / "tok")
    for text in SENTENCES:
        assert again(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert again.pad_token_id == tokenizer.pad_token_id == 0
    assert again.model_max_length == 512


def test_long_encodings_show_a_progress_bar(model_dir, capsys):
    from workbench.transformers import SentenceEncoder

    encoder = SentenceEncoder(model_dir)
    vectors = encoder.encode([f"short text number {i}" for i in range(20)], batch_size=2)
    assert vectors.shape == (20, 384)
    assert "Batches" in capsys.readouterr().err  # 10 batches: tqdm's bar on stderr
    encoder.encode(["a", "b"], batch_size=1)
    assert "Batches" not in capsys.readouterr().err  # a short job stays quiet
