"""Real JAX (and optax) for parity tests, skipped cleanly when absent."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture(scope="session")
def real_jax() -> Any:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    return pytest.importorskip("jax")


@pytest.fixture(scope="session")
def real_optax() -> Any:
    pytest.importorskip("jax")
    return pytest.importorskip("optax")
