"""The eager (PyTorch-style) base of pretrained models: ``from_pretrained`` builds the
module from its config, reads the safetensors weights into it by key, initialises what the
checkpoint lacks and puts the model in evaluation mode; ``save_pretrained`` writes the
config and the weights back. Mirrors: transformers.PreTrainedModel."""

from __future__ import annotations

import math
import os
from typing import Any, ClassVar

import numpy as np

from workbench import eager as torch
from workbench.eager import nn
from workbench.transformers import hub
from workbench.transformers.configuration import PretrainedConfig

ACTIVATIONS: dict[str, Any] = {
    "gelu": lambda x: nn.functional.gelu(x),  # the exact, erf-based GELU
    "gelu_new": lambda x: nn.functional.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: nn.functional.gelu(x, approximate="tanh"),
    "relu": lambda x: nn.functional.relu(x),
}


class PreTrainedModel(nn.Module):
    config_class: ClassVar[type[PretrainedConfig]] = PretrainedConfig
    base_model_prefix: ClassVar[str] = ""
    # checkpoint keys that are not parameters here (old buffers) and are skipped quietly
    ignore_on_load: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: PretrainedConfig) -> None:
        super().__init__()
        if not isinstance(config, self.config_class):
            raise TypeError(
                f"{type(self).__name__} takes a {self.config_class.__name__}, "
                f"not {type(config).__name__}"
            )
        self.config = config

    _loading: ClassVar[list[bool]] = [False]  # from_pretrained initialises only what is missing

    def post_init(self) -> None:
        """Initialise every weight as transformers does (normal(0, initializer_range) for
        matrices and embeddings, zero biases, LayerNorm at identity)."""
        if not PreTrainedModel._loading[0]:
            self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        with torch.no_grad():
            if isinstance(module, nn.Linear):
                module.weight.normal_(0.0, std)
                if module.bias is not None:
                    module.bias.zero_()  # type: ignore[union-attr]
            elif isinstance(module, nn.Embedding):
                module.weight.normal_(0.0, std)
                if module.padding_idx is not None:
                    module.weight[module.padding_idx] = 0.0
            elif isinstance(module, nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()  # type: ignore[union-attr]

    @property
    def base_model(self) -> nn.Module:
        return getattr(self, self.base_model_prefix, self)

    def num_parameters(self) -> int:
        return sum(math.prod(p.shape) for p in self.parameters())

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: Any,
        config: PretrainedConfig | None = None,
        output_loading_info: bool = False,
        **kwargs: Any,
    ) -> Any:
        directory = hub.resolve(name_or_path)
        if config is None:
            config = cls.config_class.from_pretrained(directory, **kwargs)
        PreTrainedModel._loading[0] = True
        try:
            model = cls(config)
        finally:
            PreTrainedModel._loading[0] = False
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        weights, info = hub.checkpoint_for(
            directory, expected, cls.base_model_prefix, cls.ignore_on_load, cls.__name__
        )
        model.load_state_dict(
            {k: torch.from_numpy(np.asarray(v)) for k, v in weights.items()}, strict=False
        )
        for name, module in model.named_modules():  # a new head starts from fresh weights
            if any(f"{name}.{p}" in info.missing_keys for p in module._parameters):
                model._init_weights(module)
        model.eval()  # as transformers: dropout off until train() is called
        return hub.loaded(model, info, output_loading_info)

    def save_pretrained(self, save_directory: Any) -> None:
        directory = os.fspath(save_directory)
        os.makedirs(directory, exist_ok=True)
        self.config.save_pretrained(directory)
        hub.save_weights(directory, {k: v.numpy() for k, v in self.state_dict().items()})
