"""The Auto classes: read ``config.json``, pick the class its ``model_type`` names for a
task and a style, load the checkpoint into it.

Style follows transformers 4's prefixes: ``AutoModel`` is eager (PyTorch), ``TFAutoModel``
static (TensorFlow/Keras), ``FlaxAutoModel`` functional (JAX/Flax).
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.transformers import hub

# (style prefix, task) -> model_type -> "module:Class"
_REGISTRY: dict[tuple[str, str], dict[str, str]] = {
    ("", "base"): {"bert": "modeling_bert:BertModel", "gpt2": "modeling_gpt2:GPT2Model"},
    ("", "sequence-classification"): {"bert": "modeling_bert:BertForSequenceClassification"},
    ("", "causal-lm"): {"gpt2": "modeling_gpt2:GPT2LMHeadModel"},
    ("Flax", "base"): {"bert": "modeling_flax_bert:FlaxBertModel"},
    ("Flax", "sequence-classification"): {
        "bert": "modeling_flax_bert:FlaxBertForSequenceClassification"
    },
    ("Flax", "causal-lm"): {"gpt2": "modeling_flax_gpt2:FlaxGPT2LMHeadModel"},
    ("TF", "base"): {"bert": "modeling_tf_bert:TFBertModel"},
    ("TF", "sequence-classification"): {"bert": "modeling_tf_bert:TFBertForSequenceClassification"},
    ("TF", "causal-lm"): {"gpt2": "modeling_tf_gpt2:TFGPT2LMHeadModel"},
}


def model_class(style: str, task: str, model_type: str) -> Any:
    table = _REGISTRY[(style, task)]
    if model_type not in table:
        raise ValueError(
            f"{style}AutoModel for {task}: model_type {model_type!r} is not supported "
            f"(supported: {', '.join(sorted(table))})"
        )
    module, name = table[model_type].split(":")
    return getattr(importlib.import_module(f"workbench.transformers.{module}"), name)


class _Auto:
    style = ""
    task = "base"

    def __init__(self) -> None:
        raise OSError(
            f"{type(self).__name__} is built with {type(self).__name__}.from_pretrained(...)"
        )

    @classmethod
    def from_pretrained(cls, name_or_path: Any, *args: Any, **kwargs: Any) -> Any:
        from workbench.transformers.configuration import AutoConfig  # noqa: PLC0415

        directory = hub.resolve(name_or_path)
        config = kwargs.pop("config", None)
        if config is None:
            settings = {
                k: kwargs.pop(k) for k in list(kwargs) if k not in ("output_loading_info", "seed")
            }
            config = AutoConfig.from_pretrained(directory, **settings)
        target = model_class(cls.style, cls.task, config.model_type)
        return target.from_pretrained(directory, *args, config=config, **kwargs)

    @classmethod
    def from_config(cls, config: Any, **kwargs: Any) -> Any:
        return model_class(cls.style, cls.task, config.model_type)(config, **kwargs)


class AutoModel(_Auto):
    pass


class AutoModelForSequenceClassification(_Auto):
    task = "sequence-classification"


class AutoModelForCausalLM(_Auto):
    task = "causal-lm"


class FlaxAutoModel(_Auto):
    style = "Flax"


class FlaxAutoModelForSequenceClassification(_Auto):
    style, task = "Flax", "sequence-classification"


class FlaxAutoModelForCausalLM(_Auto):
    style, task = "Flax", "causal-lm"


class TFAutoModel(_Auto):
    style = "TF"


class TFAutoModelForSequenceClassification(_Auto):
    style, task = "TF", "sequence-classification"


class TFAutoModelForCausalLM(_Auto):
    style, task = "TF", "causal-lm"
