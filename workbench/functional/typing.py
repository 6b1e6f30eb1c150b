"""``jax.typing``: the annotations JAX code uses for array arguments."""

from typing import Any, Union

import numpy as np

from workbench.functional.array import Array

ArrayLike = Union[Array, np.ndarray, np.bool_, np.number, bool, int, float]  # noqa: UP007
DTypeLike = Union[str, type, np.dtype, Any]  # noqa: UP007

__all__ = ["ArrayLike", "DTypeLike"]
