"""The module paths real programs import (``torch.utils.data.sampler``, ``.dataloader``,
``.distributed``, ``torch.backends.cudnn``), with the samplers' orders and the loader's
attributes compared with PyTorch 2.13 running the same code."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")


def _modules(torch: Any) -> Any:
    base = torch.__name__
    return [importlib.import_module(f"{base}.{m}") for m in ("utils.data.sampler",
            "utils.data.dataloader", "utils.data.distributed", "backends.cudnn")]  # fmt: skip


def _deterministic(torch: Any) -> list[Any]:
    sampler, dataloader, distributed, _ = _modules(torch)
    ds = torch.utils.data.TensorDataset(torch.arange(10.0), torch.arange(10))
    seen: list[Any] = []
    for drop in (False, True):
        seen.append(list(sampler.BatchSampler(sampler.SequentialSampler(range(10)), 3, drop)))
    loader = dataloader.DataLoader(ds, batch_size=4, sampler=sampler.SequentialSampler(ds))
    seen.append(([b[1].tolist() for b in loader], len(loader), loader.batch_size))
    loader = dataloader.DataLoader(ds, batch_sampler=sampler.BatchSampler(range(10), 4, False))
    seen.append(([b[1].tolist() for b in loader], len(loader), loader.batch_size))
    for rank, drop in ((1, False), (2, True), (0, False)):
        s = distributed.DistributedSampler(ds, num_replicas=3, rank=rank, shuffle=False,
                                           drop_last=drop)  # fmt: skip
        seen.append((list(s), len(s)))
    unbatched = dataloader.DataLoader(ds, batch_size=None)
    seen.append((len(unbatched), next(iter(unbatched))[1].item()))
    return seen


def test_samplers_and_loaders_read_the_dataset_in_torchs_order() -> None:
    assert _deterministic(wb) == _deterministic(T)


def test_random_samplers_draw_what_torch_draws_from() -> None:
    sampler = _modules(wb)[0]
    ds = list(range(10))
    drawn = list(sampler.RandomSampler(ds, num_samples=15))
    assert len(drawn) == 15 and Counter(drawn)[0] >= 1 and set(drawn) == set(range(10))
    assert sorted(sampler.SubsetRandomSampler([1, 5, 7])) == [1, 5, 7]
    assert set(sampler.WeightedRandomSampler([0, 1, 0, 1], 50)) <= {1, 3}
    g = wb.Generator().manual_seed(3)
    first = list(sampler.RandomSampler(ds, generator=g))
    assert first != list(sampler.RandomSampler(ds, generator=g))  # the generator moves on
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        sampler.RandomSampler(ds, num_samples=0)


def test_distributed_sampler_reshuffles_per_epoch_and_splits_the_data() -> None:
    distributed = _modules(wb)[2]
    shares = [distributed.DistributedSampler(range(10), 3, rank) for rank in range(3)]
    drawn = [i for s in shares for i in s]
    assert len(drawn) == 12 and set(drawn) == set(range(10))  # padded to equal shares of 4
    first = list(shares[0])
    shares[0].set_epoch(1)
    assert list(shares[0]) != first and len(shares[0]) == 4


def test_cudnn_flags_are_a_module_a_script_can_set() -> None:
    cudnn = _modules(wb)[3]
    cudnn.benchmark = True
    try:
        assert wb.backends.cudnn.benchmark is True
        assert cudnn.deterministic is False and not wb.backends.mps.is_available()
    finally:
        cudnn.benchmark = False


def test_data_parallel_wraps_a_model_as_torch_does_on_a_machine_without_gpus() -> None:
    import numpy as np

    from workbench.eager.nn.parallel import DistributedDataParallel

    def run(torch: Any) -> tuple[Any, ...]:
        torch.manual_seed(0)
        model = torch.nn.Linear(2, 3)
        wrapped = torch.nn.DataParallel(model)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
            model.bias.copy_(torch.tensor([0.5, -1.0, 2.0]))
        out = wrapped(torch.ones(4, 2)).sum()
        out.backward()
        keys = list(wrapped.state_dict())
        return keys, repr(wrapped), wrapped.module is model, wrapped.device_ids, out.item()

    assert run(wb) == run(T)
    model = wb.nn.Linear(2, 1)
    np.testing.assert_array_equal(
        DistributedDataParallel(model)(wb.ones(3, 2)).detach().numpy(),
        model(wb.ones(3, 2)).detach().numpy(),
    )
