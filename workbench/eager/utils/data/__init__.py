"""Mirrors: torch.utils.data — datasets, samplers and the DataLoader, as the modules
programs import from (``torch.utils.data.sampler``, ``.dataloader``, ``.distributed``)."""

from workbench.eager.utils.data import dataloader, dataset, distributed, sampler
from workbench.eager.utils.data.dataloader import DataLoader, default_collate
from workbench.eager.utils.data.dataset import Dataset, Subset, TensorDataset, random_split
from workbench.eager.utils.data.distributed import DistributedSampler
from workbench.eager.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "dataloader",
    "dataset",
    "default_collate",
    "distributed",
    "random_split",
    "sampler",
]
