"""Batching. Mirrors: torch.utils.data.DataLoader and default_collate (single process:
batches are made in the calling process)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from workbench.eager.functions import stack
from workbench.eager.tensor import Tensor
from workbench.eager.utils.data.dataset import Dataset, TensorDataset
from workbench.eager.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)


def default_collate(batch: Sequence[Any]) -> Any:
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, int | float | np.number):
        return Tensor(list(batch))
    if isinstance(first, np.ndarray):
        return Tensor(np.stack(batch))
    if isinstance(first, dict):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, tuple | list):
        return (
            type(first)(default_collate(list(items)) for items in zip(*batch))
            if not hasattr(first, "_fields")
            else type(first)(*(default_collate(list(items)) for items in zip(*batch)))
        )
    return list(batch)


class DataLoader:
    """Mirrors: torch.utils.data.DataLoader (batch_size, shuffle with a generator,
    sampler, batch_sampler, drop_last, collate_fn). Batches are made in the calling
    process: the worker and memory-pinning settings are accepted and change nothing."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Any = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Any = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                "sampler, and drop_last"
            )
        self.batch_size = None if batch_sampler is not None else batch_size
        self.dataset, self.drop_last = dataset, drop_last and batch_sampler is None
        self.num_workers, self.pin_memory = num_workers, pin_memory
        self.collate_fn = collate_fn or default_collate
        self.generator = generator
        # As PyTorch: shuffle picks a RandomSampler, and batch_size wraps the sampler in a
        # BatchSampler; batch_size=None iterates single samples.
        if sampler is None:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler: Sampler | Any = sampler
        self.batch_sampler = batch_sampler

    def __iter__(self) -> Iterator[Any]:
        # PyTorch draws its workers' base seed first, whether or not there are workers: a
        # shuffled epoch then sees the same stream as PyTorch's
        from workbench.eager import dtypes  # noqa: PLC0415
        from workbench.eager.creation import empty  # noqa: PLC0415

        empty((), dtype=dtypes.int64).random_(generator=self.generator)
        if self.batch_sampler is None:  # no batching
            for i in self.sampler:
                yield self.dataset[i]
            return
        for idx in self.batch_sampler:
            if isinstance(self.dataset, TensorDataset):
                index = Tensor(np.asarray(list(idx), dtype=np.int64))
                yield tuple(t[index] for t in self.dataset.tensors)
            else:
                yield self.collate_fn([self.dataset[i] for i in idx])

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)  # type: ignore[arg-type]
