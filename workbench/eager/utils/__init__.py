"""``torch.utils``."""

from workbench.eager.utils import data

__all__ = ["data"]
