"""``jax.scipy`` over the core: ``special``, ``linalg`` and ``stats``."""

from workbench.functional.scipy import linalg, special, stats

__all__ = ["linalg", "special", "stats"]
