"""Shared test set-up: the hypothesis profile, devices, and tolerances per dtype."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from workbench.backend import cuda_available

# CI profile: no deadline (first calls compile caches), derandomised so a run is
# reproducible, and few enough examples that the suite stays fast.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Two logical CPU devices for the whole suite (config reads this at call time), so
# multi-device code such as device_put between cpu:0 and cpu:1 can be tested anywhere.
os.environ.setdefault("WORKBENCH_CPU_DEVICES", "2")

# Tolerances, named per dtype (never literals scattered through tests).
TOL = {
    np.dtype("float16"): {"rtol": 1e-2, "atol": 1e-2},
    np.dtype("float32"): {"rtol": 1e-5, "atol": 1e-6},
    np.dtype("float64"): {"rtol": 1e-12, "atol": 1e-12},
}
GRAD_TOL = {"rtol": 1e-5, "atol": 1e-6}  # finite differences in float64 (eps = 1e-6)
PARITY_TOL = {"rtol": 1e-5, "atol": 1e-5}  # against real frameworks, float32


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU and CuPy")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two logical CPU devices for the duration of a test."""
    monkeypatch.setenv("WORKBENCH_CPU_DEVICES", "2")
