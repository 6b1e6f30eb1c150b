"""``jax.ad_checkpoint``: where ``checkpoint``, ``checkpoint_name`` and
``print_saved_residuals`` live in JAX."""

from workbench.functional.remat import (
    checkpoint,
    checkpoint_name,
    checkpoint_policies,
    print_saved_residuals,
    remat,
)

__all__ = [
    "checkpoint",
    "checkpoint_name",
    "checkpoint_policies",
    "print_saved_residuals",
    "remat",
]
