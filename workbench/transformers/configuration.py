"""Model configurations: the sizes and switches of an architecture, read from and
written to ``config.json`` with transformers' field names.

Mirrors: transformers.PretrainedConfig, BertConfig, GPT2Config, AutoConfig.
"""

from __future__ import annotations

import copy
import os
from typing import Any, ClassVar

from workbench.transformers import hub


class PretrainedConfig:
    """Attributes from ``config.json``; unknown fields are kept and written back."""

    model_type: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    # what the architecture written here supports, checked when a config is read
    supported: ClassVar[dict[str, tuple[Any, ...]]] = {}

    def __init__(self, **kwargs: Any) -> None:
        values = {**self.defaults, **kwargs}
        num_labels = values.pop("num_labels", None)
        id2label = values.pop("id2label", None)
        label2id = values.pop("label2id", None)
        for key, value in values.items():
            setattr(self, key, value)
        if id2label is None:
            id2label = {i: f"LABEL_{i}" for i in range(num_labels or 2)}
        elif num_labels is not None and num_labels != len(id2label):
            id2label = {i: f"LABEL_{i}" for i in range(num_labels)}
        self.id2label = {int(k): v for k, v in id2label.items()}
        self.label2id = label2id or {v: k for k, v in self.id2label.items()}
        self._check()

    def __getattr__(self, name: str) -> Any:  # the fields come from config.json
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def _check(self) -> None:
        for key, allowed in self.supported.items():
            value = getattr(self, key, None)
            if value not in allowed:
                raise ValueError(
                    f"{type(self).__name__}: {key}={value!r} is not supported by the "
                    f"workbench's {self.model_type} (supported: {', '.join(map(repr, allowed))})"
                )

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, n: int) -> None:
        self.id2label = {i: f"LABEL_{i}" for i in range(n)}
        self.label2id = {v: k for k, v in self.id2label.items()}

    def to_dict(self) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in vars(self).items() if not k.startswith("_")}
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["model_type"] = self.model_type
        return out

    def save_pretrained(self, save_directory: Any) -> None:
        directory = os.fspath(save_directory)
        os.makedirs(directory, exist_ok=True)
        hub.write_json(os.path.join(directory, hub.CONFIG_NAME), self.to_dict())

    @classmethod
    def from_pretrained(cls, name_or_path: Any, **kwargs: Any) -> PretrainedConfig:
        data = hub.read_json(hub.resolve(name_or_path), hub.CONFIG_NAME)
        data.update(kwargs)
        kind = data.get("model_type", cls.model_type)
        if cls.model_type and kind != cls.model_type:
            raise ValueError(f"{cls.__name__} reads model_type {cls.model_type!r}, not {kind!r}")
        data.pop("model_type", None)
        return cls(**data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PretrainedConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{k}={v!r}" for k, v in sorted(self.to_dict().items()) if k in self.defaults
        )
        return f"{type(self).__name__}({fields})"


class BertConfig(PretrainedConfig):
    """BERT's sizes. Defaults are bert-base-uncased's, as in transformers."""

    model_type = "bert"
    defaults: ClassVar[dict[str, Any]] = {
        "vocab_size": 30522,
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
    }
    supported: ClassVar[dict[str, tuple[Any, ...]]] = {
        "hidden_act": ("gelu", "relu", "gelu_new", "gelu_pytorch_tanh"),
        "position_embedding_type": ("absolute",),
    }

    def _check(self) -> None:
        super()._check()
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"BertConfig: hidden_size {self.hidden_size} is not a multiple of "
                f"num_attention_heads {self.num_attention_heads}"
            )


class GPT2Config(PretrainedConfig):
    """GPT-2's sizes (learned positions, pre-LayerNorm blocks, tied embeddings). Defaults
    are GPT-2 small's, as in transformers."""

    model_type = "gpt2"
    defaults: ClassVar[dict[str, Any]] = {
        "vocab_size": 50257,
        "n_positions": 1024,
        "n_embd": 768,
        "n_layer": 12,
        "n_head": 12,
        "n_inner": None,
        "activation_function": "gelu_new",
        "resid_pdrop": 0.1,
        "embd_pdrop": 0.1,
        "attn_pdrop": 0.1,
        "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02,
        "tie_word_embeddings": True,
    }
    supported: ClassVar[dict[str, tuple[Any, ...]]] = {
        "activation_function": ("gelu_new", "gelu", "relu"),
        "tie_word_embeddings": (True,),
    }

    def _check(self) -> None:
        super()._check()
        if self.n_embd % self.n_head:
            raise ValueError(
                f"GPT2Config: n_embd {self.n_embd} is not a multiple of n_head {self.n_head}"
            )


CONFIGS: dict[str, type[PretrainedConfig]] = {"bert": BertConfig, "gpt2": GPT2Config}


class AutoConfig:
    """The configuration class a ``config.json``'s ``model_type`` names."""

    @staticmethod
    def from_pretrained(name_or_path: Any, **kwargs: Any) -> PretrainedConfig:
        directory = hub.resolve(name_or_path)
        kind = hub.read_json(directory, hub.CONFIG_NAME).get("model_type")
        if kind not in CONFIGS:
            raise ValueError(
                f"{os.path.join(directory, hub.CONFIG_NAME)}: model_type {kind!r} is not one "
                f"the workbench builds (supported: {', '.join(sorted(CONFIGS))})"
            )
        return CONFIGS[kind].from_pretrained(directory, **kwargs)

    @staticmethod
    def for_model(model_type: str, **kwargs: Any) -> PretrainedConfig:
        if model_type not in CONFIGS:
            raise ValueError(f"unknown model_type {model_type!r} (supported: {sorted(CONFIGS)})")
        return CONFIGS[model_type](**kwargs)
