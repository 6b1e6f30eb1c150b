"""``jax.example_libraries``: ``stax`` (layers as init/apply pairs) and ``optimizers``
(init/update/get_params triples), the libraries JAX's classic examples are written with."""

from workbench.functional.example_libraries import optimizers, stax

__all__ = ["optimizers", "stax"]
