"""Tests of the lessons: exercises, and each lesson's claims about the real frameworks."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest


def real_module(name: str) -> ModuleType:
    """The real framework's module, or a clean skip where it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.skip(f"{name} is not installed")
