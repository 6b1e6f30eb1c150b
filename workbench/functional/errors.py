"""``jax.errors``: the exceptions a program may catch."""

from workbench.core.values import ConcretizationError as ConcretizationTypeError
from workbench.functional.array import (
    NonConcreteBooleanIndexError,
    TracerArrayConversionError,
    TracerBoolConversionError,
)

TracerIntegerConversionError = TracerBoolConversionError  # one error for int() and bool()

__all__ = [
    "ConcretizationTypeError",
    "NonConcreteBooleanIndexError",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
]
