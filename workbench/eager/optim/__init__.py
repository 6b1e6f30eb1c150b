"""``torch.optim``: optimizers over parameter groups."""

from workbench.eager.optim import lr_scheduler
from workbench.eager.optim.adaptive import Adadelta, Adamax, NAdam, RAdam
from workbench.eager.optim.algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from workbench.eager.optim.lbfgs import LBFGS
from workbench.eager.optim.optimizer import Optimizer

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "LBFGS",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]
