"""Keras on the static front end: ``from workbench.static import keras``.

Layers, ``Sequential``, functional and subclassed ``Model``s, ``compile``/``fit``/
``evaluate``/``predict`` with Keras 3's defaults (glorot_uniform kernels, zero biases,
channels last, the optimizers' update formulas), so weights copied from Keras give
Keras's outputs.
"""

from types import SimpleNamespace

from workbench.static import initializers
from workbench.static.keras import activations, callbacks, layers, losses, metrics, optimizers
from workbench.static.keras import sequence as _sequence
from workbench.static.keras.engine import Input, KerasTensor, Layer, clear_session
from workbench.static.keras.models import Model, Sequential, load_model

for _cls in (_sequence.SimpleRNN, _sequence.LSTM, _sequence.GRU, _sequence.MultiHeadAttention):
    setattr(layers, _cls.__name__, _cls)

models = SimpleNamespace(Model=Model, Sequential=Sequential, load_model=load_model)
backend = SimpleNamespace(clear_session=clear_session)


def _set_random_seed(seed: int) -> None:
    """Seeds the workbench's random ops and Keras's shuffling.

    Mirrors: keras.utils.set_random_seed."""
    from workbench.static import random_ops  # noqa: PLC0415
    from workbench.static.keras import models as _models  # noqa: PLC0415

    random_ops.set_seed(seed)
    _models._SHUFFLE_SEED[0] = seed


def _to_categorical(y: object, num_classes: int | None = None) -> object:
    import numpy as np  # noqa: PLC0415

    labels = np.asarray(y, dtype=np.int64).reshape(-1)
    n = num_classes or int(labels.max()) + 1
    return np.eye(n, dtype=np.float32)[labels]


utils = SimpleNamespace(set_random_seed=_set_random_seed, to_categorical=_to_categorical)

__all__ = [
    "Input",
    "KerasTensor",
    "Layer",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "clear_session",
    "initializers",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "utils",
]
