"""The eager generator draws PyTorch's CPU numbers: after the same manual_seed, the same
rand/randn/randint/randperm, the same initial weights for every layer, the same shuffled
batches and splits (randn of 16 or more may differ in the last bit: PyTorch vectorises
its sin/cos/log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")


def _both(fn: Callable[[Any], Any], seed: int = 0) -> tuple[Any, Any]:
    out = []
    for torch in (wb, T):
        torch.manual_seed(seed)
        out.append(fn(torch))
    return out[0], out[1]


DRAWS = {
    "rand": lambda t: t.rand(7, 3),
    "rand float64": lambda t: t.rand(9, dtype=t.float64),
    "rand float16": lambda t: t.rand(9, dtype=t.float16),
    "randn small": lambda t: t.randn(5),
    "randn float64 small": lambda t: t.randn(7, dtype=t.float64),
    "randint": lambda t: t.randint(3, 17, (6, 4)),
    "randint wide": lambda t: t.randint(0, 2**40, (5,)),
    "randperm": lambda t: t.randperm(37),
    "uniform_": lambda t: t.empty(50).uniform_(-0.37, 1.21),
    "random_ int64": lambda t: t.empty(4, dtype=t.int64).random_(),
    "random_ float": lambda t: t.empty(4).random_(),
    "two in a row": lambda t: t.cat([t.rand(3), t.randn(3), t.rand(2)]),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_draws_equal_pytorchs_exactly(name: str) -> None:
    ours, theirs = _both(DRAWS[name])
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_randn_blocks_of_sixteen_agree_to_the_last_bit_or_so() -> None:
    for n in (16, 37, 1000):
        ours, theirs = _both(lambda t, n=n: t.randn(n))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=2e-6)


LAYERS = {
    "Linear": lambda nn: nn.Linear(20, 30),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, 3),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(2, 3, 3),
    "LSTM": lambda nn: nn.LSTM(4, 6, 2),
    "GRU": lambda nn: nn.GRU(4, 6),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2),
    "Transformer": lambda nn: nn.Transformer(8, 2, 1, 1, 16, batch_first=True),
    "Bilinear": lambda nn: nn.Bilinear(3, 4, 5),
    "Sequential": lambda nn: nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Linear(3, 3)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_seeded_layers_start_from_pytorchs_weights(name: str) -> None:
    ours, theirs = _both(lambda t: LAYERS[name](t.nn))
    for (n1, p), (n2, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert n1 == n2
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=n1)


def test_shuffled_batches_splits_and_generators_follow_pytorch() -> None:
    def batches(t: Any) -> list[Any]:
        ds = t.utils.data.TensorDataset(t.arange(10))
        loader = t.utils.data.DataLoader(ds, batch_size=4, shuffle=True)
        epochs = [[b[0].tolist() for b in loader] for _ in range(2)]
        g = t.Generator().manual_seed(5)
        seeded = [b[0].tolist() for b in t.utils.data.DataLoader(ds, 5, shuffle=True, generator=g)]
        split = t.utils.data.random_split(
            range(10), [7, 3], generator=t.Generator().manual_seed(42)
        )
        return [epochs, seeded, split[1].indices, t.rand(2).tolist()]

    ours, theirs = _both(batches)
    assert ours == theirs


def test_generator_state_round_trips() -> None:
    for torch in (wb, T):
        torch.manual_seed(1)
        state = torch.get_rng_state()
        first = torch.rand(3).tolist()
        torch.set_rng_state(state)
        assert torch.rand(3).tolist() == first
    assert wb.initial_seed() == 1
