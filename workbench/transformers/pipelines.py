"""Ready-made uses of a pretrained encoder: sentence embeddings in the manner of
sentence-transformers, and transformers' ``pipeline("feature-extraction")``.

A sentence embedding is the mean of the last hidden states over the real (unpadded)
tokens — ``sum(h * mask) / sum(mask)`` — optionally scaled to unit length, so that a dot
product is the cosine similarity. Mirrors: sentence_transformers.SentenceTransformer.encode,
transformers.pipeline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.transformers import hub
from workbench.transformers.auto import model_class
from workbench.transformers.configuration import AutoConfig
from workbench.transformers.tokenization import AutoTokenizer

STYLES = {"eager": ("", "pt"), "static": ("TF", "tf"), "functional": ("Flax", "jax")}


def _numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach()
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


class _Encoder:
    """A tokenizer and a bare encoder in one style; ``hidden(texts)`` -> (B, T, H), mask."""

    def __init__(self, model: Any, style: str, max_length: int | None = None) -> None:
        if style not in STYLES:
            raise ValueError(f"style should be one of {sorted(STYLES)}, not {style!r}")
        directory = hub.resolve(model)
        self.directory, self.style = directory, style
        self.tokenizer = AutoTokenizer.from_pretrained(directory)
        config = AutoConfig.from_pretrained(directory)
        self.model: Any = model_class(STYLES[style][0], "base", config.model_type).from_pretrained(
            directory
        )
        self.max_length = max_length or self.tokenizer.model_max_length

    def hidden(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        batch = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors=STYLES[self.style][1],
        )
        if self.style == "eager":
            from workbench import eager  # noqa: PLC0415

            with eager.no_grad():
                out = self.model(**batch)
        else:
            out = self.model(**batch)
        return _numpy(out.last_hidden_state), _numpy(batch["attention_mask"])


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average of the token states where ``mask`` is 1 (float32, as sentence-transformers)."""
    weights = mask.astype(np.float32)[..., None]
    return (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)


class SentenceEncoder:
    """Sentences -> fixed-size vectors with a pretrained encoder (all-MiniLM-L6-v2 by
    default), in any of the three styles (``style="eager" | "static" | "functional"``)."""

    def __init__(
        self, model_name_or_path: Any = hub.DEFAULT_SENTENCE_MODEL, style: str = "eager"
    ) -> None:
        directory = hub.resolve(model_name_or_path)
        settings = {}
        if os.path.isfile(os.path.join(directory, "sentence_bert_config.json")):
            settings = hub.read_json(directory, "sentence_bert_config.json")
        self.max_seq_length = int(settings.get("max_seq_length", 256))
        # the model's own pipeline (modules.json) may end by scaling to unit length, as
        # all-MiniLM-L6-v2's does: then every embedding is normalised, as in
        # sentence-transformers
        modules = []
        if os.path.isfile(os.path.join(directory, "modules.json")):
            with open(os.path.join(directory, "modules.json"), encoding="utf-8") as f:
                modules = json.load(f)
        self.normalizes = any(str(m.get("type", "")).endswith("Normalize") for m in modules)
        self.encoder = _Encoder(directory, style, self.max_seq_length)
        self.tokenizer = self.encoder.tokenizer
        self.model = self.encoder.model

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.encoder.model.config.hidden_size)

    def encode(
        self,
        sentences: str | Sequence[str],
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        normalize_embeddings: bool = False,
        convert_to_numpy: bool = True,
    ) -> np.ndarray:
        """(n, hidden) embeddings, in the input's order (a single string: one vector),
        of unit length if asked or if the model's pipeline normalises. Batches are formed
        from sentences of similar length, so less padding is computed."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if not texts:
            return np.zeros((0, self.get_sentence_embedding_dimension()), np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        starts = range(0, len(texts), batch_size)
        if show_progress_bar is None:
            show_progress_bar = len(starts) > 8
        if show_progress_bar:
            from tqdm.auto import tqdm  # noqa: PLC0415

            starts = tqdm(starts, desc="Batches")  # type: ignore[assignment]
        out = np.empty((len(texts), self.get_sentence_embedding_dimension()), np.float32)
        for start in starts:
            index = order[start : start + batch_size]
            hidden, mask = self.encoder.hidden([texts[i] for i in index])
            out[index] = mean_pool(hidden, mask)
        if normalize_embeddings or self.normalizes:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out[0] if single else out

    @staticmethod
    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine similarity of every row of ``a`` with every row of ``b``."""
        a = np.atleast_2d(a) / np.linalg.norm(np.atleast_2d(a), axis=1, keepdims=True)
        b = np.atleast_2d(b) / np.linalg.norm(np.atleast_2d(b), axis=1, keepdims=True)
        return a @ b.T


SentenceTransformer = SentenceEncoder  # sentence-transformers' name, so its examples run


class FeatureExtractionPipeline:
    """``pipe(text)`` -> the last hidden states as nested lists, (1, tokens, hidden) per
    text, special tokens included — what transformers' feature-extraction pipeline gives."""

    def __init__(self, model: Any, style: str) -> None:
        self.encoder = _Encoder(model, style)

    def __call__(self, inputs: str | Sequence[str], return_tensors: bool = False) -> Any:
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        results = []
        for text in texts:
            hidden, _ = self.encoder.hidden([text])
            results.append(hidden if return_tensors else hidden.tolist())
        return results[0] if isinstance(inputs, str) else results


def pipeline(task: str, model: Any = hub.DEFAULT_SENTENCE_MODEL, framework: str = "pt") -> Any:
    """A ready-made task. ``framework`` picks the style as transformers' did: "pt"
    (eager), "tf" (static), "flax"/"jax" (functional)."""
    styles = {"pt": "eager", "tf": "static", "flax": "functional", "jax": "functional"}
    if framework not in styles:
        raise ValueError(f"framework should be one of {sorted(styles)}, not {framework!r}")
    if task != "feature-extraction":
        raise KeyError(f"unknown task {task!r}: the workbench provides 'feature-extraction'")
    return FeatureExtractionPipeline(model, styles[framework])


def attention_weights(model: Any, tokenizer: Any, text: str) -> tuple[list[str], np.ndarray]:
    """The word pieces of ``text`` and the model's attention weights over them, as one
    (layers, heads, tokens, tokens) array, from a BERT in any style."""
    if hasattr(model, "module"):
        kind = "jax"
    elif hasattr(model, "torch_weights"):
        kind = "tf"
    else:
        kind = "pt"
    batch = tokenizer(text, return_tensors=kind)
    if kind == "pt":
        from workbench import eager  # noqa: PLC0415

        with eager.no_grad():
            out = model(**batch, output_attentions=True)
    else:
        out = model(**batch, output_attentions=True)
    weights = np.stack([_numpy(a)[0] for a in out.attentions])
    return batch.tokens(0), weights
