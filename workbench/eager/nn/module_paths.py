"""``torch.nn.modules.<file>`` import paths: programs import layers from where PyTorch
defines them (``from torch.nn.modules.linear import Linear``,
``torch.nn.modules.utils._pair``). One table maps each of PyTorch's files to the names it
holds here; :func:`register` makes each an importable module."""

from __future__ import annotations

import sys
import types
from typing import Any

# PyTorch's file under torch/nn/modules/ -> the names it defines that the workbench has
PATHS = {
    "module": ["Module"],
    "container": ["Sequential", "ModuleList", "ModuleDict"],
    "linear": ["Linear", "Identity", "Bilinear"],
    "conv": ["Conv1d", "Conv2d", "ConvTranspose2d", "_ConvNd"],
    "activation": [
        "ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "LeakyReLU", "Softmax", "LogSoftmax",
        "MultiheadAttention",
    ],
    "batchnorm": ["BatchNorm1d", "BatchNorm2d", "_BatchNorm"],
    "normalization": ["LayerNorm", "GroupNorm"],
    "dropout": ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"],
    "pooling": ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"],
    "rnn": ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "RNNBase"],
    "sparse": ["Embedding"],
    "transformer": [
        "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
        "TransformerDecoderLayer",
    ],
    "loss": [
        "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss",
        "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
    ],
    "flatten": ["Flatten"],
    "pixelshuffle": ["PixelShuffle", "PixelUnshuffle"],
    "upsampling": ["Upsample"],
}  # fmt: skip


def _ntuple(n: int, name: str) -> Any:
    def parse(x: Any) -> tuple[Any, ...]:
        if isinstance(x, list | tuple):
            return tuple(x)
        return (x,) * n

    parse.__name__ = name
    return parse


def register(nn: Any) -> None:
    """Create ``<nn>.modules.<file>`` for every entry of PATHS, and ``.utils``."""
    package = sys.modules[f"{nn.__name__}.modules"]
    extras = {"RNNBase": "_RNNBase"}
    for file, names in PATHS.items():
        module = types.ModuleType(f"{package.__name__}.{file}")
        for name in names:
            source = extras.get(name, name)
            value = getattr(nn, source, None)
            if value is None:
                from workbench.eager.nn import layers, modules  # noqa: PLC0415

                value = getattr(modules, source, None) or getattr(layers, source)
            setattr(module, name, value)
        sys.modules[module.__name__] = module
        setattr(package, file, module)
    utils = types.ModuleType(f"{package.__name__}.utils")
    for n, name in ((1, "_single"), (2, "_pair"), (3, "_triple"), (4, "_quadruple")):
        setattr(utils, name, _ntuple(n, name))
    sys.modules[utils.__name__] = utils
    package.utils = utils  # type: ignore[attr-defined]
