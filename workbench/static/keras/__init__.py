"""Keras on the static front end: ``from workbench.static import keras``.

Layers, ``Sequential``, functional and subclassed ``Model``s, ``compile``/``fit``/
``evaluate``/``predict`` with Keras 3's defaults (glorot_uniform kernels, zero biases,
channels last, the optimizers' update formulas), so weights copied from Keras give
Keras's outputs.
"""

from types import SimpleNamespace

from workbench.static import initializers
from workbench.static.keras import (
    activations,
    applications,
    backend,
    callbacks,
    constraints,
    datasets,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    utils,
)
from workbench.static.keras.engine import Input, KerasTensor, Layer, clear_session
from workbench.static.keras.models import Model, Sequential, load_model
from workbench.static.variables import Variable  # keras.Variable: a trainable tensor

__version__ = "3.15.1"  # the Keras 3 whose API this mirrors (tested against)

models = SimpleNamespace(Model=Model, Sequential=Sequential, load_model=load_model)


__all__ = [
    "Input",
    "KerasTensor",
    "Layer",
    "Model",
    "Sequential",
    "activations",
    "applications",
    "backend",
    "callbacks",
    "clear_session",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "Variable",
    "utils",
]
