"""``torch.utils``."""

from workbench.eager.utils import _pytree, data  # noqa: F401 - torch.utils._pytree

__all__ = ["data"]
