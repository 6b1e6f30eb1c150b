"""Pretrained models the Hugging Face way, in the three styles.

``AutoModel`` / ``BertModel`` are eager (PyTorch-like), ``TFAutoModel`` / ``TFBertModel``
static (Keras), ``FlaxAutoModel`` / ``FlaxBertModel`` functional (a params pytree and a pure
function) — transformers 4's names for its three backends. One safetensors checkpoint
serves all three. Nothing is downloaded: a name is a local model directory or a model an
installed package ships (``sentence-transformers/all-MiniLM-L6-v2``).

Mirrors: transformers, sentence_transformers.SentenceTransformer.
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.transformers.auto import (
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    FlaxAutoModel,
    FlaxAutoModelForCausalLM,
    FlaxAutoModelForSequenceClassification,
    TFAutoModel,
    TFAutoModelForCausalLM,
    TFAutoModelForSequenceClassification,
)
from workbench.transformers.configuration import (
    AutoConfig,
    BertConfig,
    GPT2Config,
    PretrainedConfig,
)
from workbench.transformers.hub import DEFAULT_SENTENCE_MODEL
from workbench.transformers.pipelines import SentenceEncoder, SentenceTransformer, pipeline
from workbench.transformers.tokenization import (
    AutoTokenizer,
    BatchEncoding,
    BertTokenizerFast,
    PreTrainedTokenizerFast,
)

# The model classes import their front end; they load when first named.
_LAZY = {
    "BertModel": "modeling_bert",
    "BertForSequenceClassification": "modeling_bert",
    "PreTrainedModel": "modeling_utils",
    "FlaxBertModel": "modeling_flax_bert",
    "FlaxBertForSequenceClassification": "modeling_flax_bert",
    "TFBertModel": "modeling_tf_bert",
    "TFBertForSequenceClassification": "modeling_tf_bert",
    "Trainer": "trainer",
    "TrainingArguments": "trainer",
    "GPT2Model": "modeling_gpt2",
    "GPT2LMHeadModel": "modeling_gpt2",
    "FlaxGPT2LMHeadModel": "modeling_flax_gpt2",
    "TFGPT2LMHeadModel": "modeling_tf_gpt2",
}

__all__ = [
    "AutoConfig",
    "AutoModel",
    "AutoModelForCausalLM",
    "AutoModelForSequenceClassification",
    "AutoTokenizer",
    "BatchEncoding",
    "BertConfig",
    "BertTokenizerFast",
    "DEFAULT_SENTENCE_MODEL",
    "FlaxAutoModel",
    "FlaxAutoModelForCausalLM",
    "FlaxAutoModelForSequenceClassification",
    "GPT2Config",
    "PreTrainedTokenizerFast",
    "PretrainedConfig",
    "SentenceEncoder",
    "SentenceTransformer",
    "TFAutoModel",
    "TFAutoModelForCausalLM",
    "TFAutoModelForSequenceClassification",
    "pipeline",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"workbench.transformers.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'workbench.transformers' has no attribute {name!r}")
