"""``torch.nn``: modules, parameters, functional layers and initialisers."""

import sys

from workbench.eager.nn import attention, functional, init, parallel, utils  # noqa: F401
from workbench.eager.nn.cells import GRUCell, LSTMCell, RNNCell
from workbench.eager.nn.layers import (
    GRU,
    LSTM,
    RNN,
    BatchNorm1d,
    BatchNorm2d,
    Bilinear,
    ConvTranspose2d,
    GroupNorm,
    MultiheadAttention,
)
from workbench.eager.nn.modules import (
    GELU,
    BCELoss,
    BCEWithLogitsLoss,
    Conv1d,
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    HuberLoss,
    Identity,
    KLDivLoss,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Tanh,
)
from workbench.eager.nn.parallel import DataParallel
from workbench.eager.nn.parameter import Parameter
from workbench.eager.nn.spatial import (
    Dropout1d,
    Dropout2d,
    Dropout3d,
    PixelShuffle,
    PixelUnshuffle,
    Upsample,
)
from workbench.eager.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "DataParallel",
    "parallel",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "GRUCell",
    "LSTMCell",
    "PixelShuffle",
    "PixelUnshuffle",
    "RNNCell",
    "Upsample",
    "GRU",
    "LSTM",
    "RNN",
    "BatchNorm1d",
    "BatchNorm2d",
    "Bilinear",
    "ConvTranspose2d",
    "GroupNorm",
    "MultiheadAttention",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "utils",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv1d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "GELU",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]

from workbench.eager.nn import activations as _activations  # noqa: E402
from workbench.eager.nn import module_paths as _module_paths  # noqa: E402
from workbench.eager.nn import more_layers as _more_layers  # noqa: E402

_MORE = {n: getattr(_more_layers, n) for n in _more_layers.MODULES}
_MORE |= {n: getattr(_activations, n) for n in _activations.ACTIVATIONS}
globals().update(_MORE)
for _source in (_activations, _more_layers):  # their F.<name> functions
    for _name in _source.FUNCTIONS:
        setattr(functional, _name, getattr(_source, _name))
__all__ += list(_MORE)  # noqa: PLE0604

_module_paths.register(sys.modules[__name__])
