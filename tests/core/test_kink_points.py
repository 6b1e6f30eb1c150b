"""The core's gradients at kink and boundary points, where finite differences (the spec
tests) cannot decide and frameworks choose a convention: checked through the eager front
end against PyTorch, whose conventions the core keeps (issue 18). The functional front end
follows JAX where JAX differs (tests/functional/test_refusals_and_kinks.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wtorch

torch = pytest.importorskip("torch")

POINTS: list[tuple[str, Callable[[Any, Any], Any], list[float]]] = [
    ("relu", lambda lib, x: x.relu(), [0.0, -1.0, 1.0]),
    ("abs", lambda lib, x: x.abs(), [0.0, -0.0, 2.0]),
    ("maximum_tie", lambda lib, x: lib.maximum(x, lib.zeros_like(x)), [0.0, 1.0, -1.0]),
    ("minimum_tie", lambda lib, x: lib.minimum(x, lib.zeros_like(x)), [0.0, 1.0, -1.0]),
    ("clamp_edges", lambda lib, x: x.clamp(-1.0, 1.0), [-1.0, 1.0, 0.5, 2.0]),
    ("sqrt_zero", lambda lib, x: x.sqrt(), [0.0, 4.0]),
    ("softplus_zero", lambda lib, x: lib.nn.functional.softplus(x), [0.0]),
    ("leaky_relu", lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1), [0.0, -2.0]),
    ("hardtanh_edges", lambda lib, x: lib.nn.functional.hardtanh(x), [-1.0, 1.0, 0.5, 3.0]),
    ("relu6_edges", lambda lib, x: lib.nn.functional.relu6(x), [0.0, 6.0, 3.0, 7.0]),
    ("clamp_min_tie", lambda lib, x: x.clamp_min(0.0), [0.0, -1.0]),
    (
        "clamp_tensor_bounds",
        lambda lib, x: x.clamp(lib.zeros_like(x), lib.ones_like(x)),
        [0.0, 1.0, 2.0],
    ),
    ("amax_tie", lambda lib, x: x.amax(), [2.0, 2.0, 1.0]),
    ("max_tie", lambda lib, x: x.max(), [2.0, 2.0, 1.0]),
    ("norm_zero", lambda lib, x: lib.linalg.norm(x), [0.0, 0.0]),
]


@pytest.mark.parametrize("case", POINTS, ids=[c[0] for c in POINTS])
def test_gradient_conventions_at_kinks(case: Any) -> None:
    _, fn, point = case
    grads = []
    for lib in (torch, wtorch):
        x = lib.tensor(point, requires_grad=True)
        fn(lib, x).sum().backward()
        grads.append(np.asarray(x.grad.numpy()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, equal_nan=True)
