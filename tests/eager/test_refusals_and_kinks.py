"""Against PyTorch: what must raise instead of returning a wrong result (mixed-dtype
products, batch statistics of one value), and gradients at kinks (softplus and
binary cross-entropy with logits at 0, the norm of the zero vector, |x| at 0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wtorch

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "pair", [(np.float64, np.float32), (np.int64, np.float32), (np.float32, np.float64)]
)
def test_products_refuse_mixed_dtypes(pair: Any) -> None:
    a, b = np.ones((2, 2), pair[0]), np.ones((2, 2), pair[1])
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.tensor(a) @ torch.tensor(b)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        wtorch.tensor(a) @ wtorch.tensor(b)
    with pytest.raises(RuntimeError, match="same dtype"):
        wtorch.mm(wtorch.tensor(a), wtorch.tensor(b))


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 2, 1, 1)])
def test_batch_norm_refuses_one_value_per_channel(shape: tuple[int, ...]) -> None:
    for lib in (torch, wtorch):
        norm = {2: lib.nn.BatchNorm1d, 3: lib.nn.BatchNorm1d, 4: lib.nn.BatchNorm2d}[len(shape)]
        layer = norm(shape[1])
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            layer(lib.ones(*shape))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            lib.nn.functional.batch_norm(lib.ones(*shape), None, None, training=True)
        layer.eval()
        assert tuple(layer(lib.ones(*shape)).shape) == shape  # running statistics: fine
    assert tuple(wtorch.nn.BatchNorm1d(3)(wtorch.ones(2, 3)).shape) == (2, 3)


KINKS: list[tuple[str, Callable[[Any, Any], Any], list[float]]] = [
    ("softplus", lambda lib, x: lib.nn.functional.softplus(x).sum(), [0.0, -1e3, 1e3, -2.5]),
    ("softplus_beta", lambda lib, x: lib.nn.functional.softplus(x, beta=2.0).sum(), [0.0, 3.0]),
    (
        "bce_logits",
        lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(x, lib.ones_like(x)),
        [0.0, -7.0, 50.0],
    ),  # fmt: skip
    (
        "bce_logits_zero_target",
        lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(
            x, lib.zeros_like(x), pos_weight=lib.full_like(x, 2.0)
        ),
        [0.0, 1.0],
    ),  # fmt: skip
    ("norm_zero", lambda lib, x: lib.linalg.norm(x), [0.0, 0.0, 0.0]),
    ("norm", lambda lib, x: lib.linalg.norm(x), [3.0, 0.0, -4.0]),
    ("norm_dim", lambda lib, x: lib.linalg.norm(x.reshape(2, 2), dim=1).sum(), [0.0, 0.0, 1, 2]),
    ("abs", lambda lib, x: x.abs().sum(), [0.0, -1.0, 2.0]),
    ("relu", lambda lib, x: x.relu().sum(), [0.0, -1.0, 2.0]),
]


@pytest.mark.parametrize("case", KINKS, ids=[c[0] for c in KINKS])
def test_gradients_at_kinks_as_pytorch(case: Any) -> None:
    _, fn, point = case
    grads = []
    for lib in (torch, wtorch):
        x = lib.tensor(point, requires_grad=True)
        out = fn(lib, x)
        out.backward()
        grads.append((np.asarray(out.detach().numpy()), np.asarray(x.grad.numpy())))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "target, message",
    [(np.array([0.0, 1.5], np.float32), "expected target dtype to be Long or Byte"),
     (np.array([[0], [1]]), "0D or 1D target tensor expected, multi-target not supported")],
)  # fmt: skip
def test_cross_entropy_targets_as_pytorch(target: Any, message: str) -> None:
    for lib in (torch, wtorch):
        with pytest.raises(RuntimeError, match=message):
            lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor(target))
    probabilities = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], np.float32)
    want = float(torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor(probabilities)))
    got = float(
        wtorch.nn.functional.cross_entropy(wtorch.zeros(2, 3), wtorch.tensor(probabilities))
    )
    assert got == pytest.approx(want, rel=1e-6)
