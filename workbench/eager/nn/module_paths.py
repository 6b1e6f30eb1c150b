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
    "container": ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"],
    "linear": ["Linear", "Identity", "Bilinear"],
    "conv": ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "_ConvNd"],
    "activation": [
        "ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "LeakyReLU", "Softmax", "LogSoftmax",
        "MultiheadAttention", "ReLU6", "ELU", "SELU", "CELU", "Softplus", "Softsign", "Mish",
        "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Tanhshrink", "Softshrink",
        "Hardshrink", "Threshold", "GLU", "Softmin", "PReLU", "RReLU", "Softmax2d",
    ],
    "batchnorm": ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "_BatchNorm"],
    "normalization": ["LayerNorm", "GroupNorm", "RMSNorm"],
    "instancenorm": ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"],
    "padding": [
        "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
        "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
        "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
        "CircularPad3d",
    ],
    "dropout": ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"],
    "pooling": [
        "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
        "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
        "AdaptiveMaxPool2d",
    ],
    "rnn": ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "RNNBase"],
    "sparse": ["Embedding"],
    "transformer": [
        "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
        "TransformerDecoderLayer",
    ],
    "loss": [
        "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss",
        "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
        "SoftMarginLoss", "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
        "PoissonNLLLoss", "GaussianNLLLoss",
    ],
    "flatten": ["Flatten", "Unflatten"],
    "distance": ["CosineSimilarity", "PairwiseDistance"],
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
