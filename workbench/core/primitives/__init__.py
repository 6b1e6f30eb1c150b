"""The primitive families. Importing this package registers every primitive."""

from workbench.core.primitives import (  # noqa: F401 - registration order is family order
    conv,
    elementwise,
    indexing,
    linalg,
    random,
    reductions,
    structural,
)
