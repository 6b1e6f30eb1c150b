"""``torch.optim``: optimizers over parameter groups."""

from workbench.eager.optim import lr_scheduler
from workbench.eager.optim.algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from workbench.eager.optim.optimizer import Optimizer

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
