"""``jax.scipy`` over the core: ``special``, ``linalg`` and ``stats``."""

from workbench.functional.scipy import linalg, signal, special, stats

__all__ = ["linalg", "signal", "special", "stats"]
