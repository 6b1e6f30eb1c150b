"""The suite's workloads, in the order they run and are reported."""

from __future__ import annotations

from workbench.bench.suite import Workload
from workbench.bench.workloads.attention import ATTENTION
from workbench.bench.workloads.cnn import CNN
from workbench.bench.workloads.encode import ENCODE
from workbench.bench.workloads.lstm import LSTM
from workbench.bench.workloads.mlp import MLP, SCALING
from workbench.bench.workloads.overhead import OVERHEAD
from workbench.bench.workloads.per_example import PER_EXAMPLE

WORKLOADS: dict[str, Workload] = {
    w.name: w for w in (MLP, CNN, ATTENTION, LSTM, OVERHEAD, PER_EXAMPLE, ENCODE, SCALING)
}

# Every implementation name any workload offers, in the order tables list them.
IMPLEMENTATIONS: tuple[str, ...] = tuple(
    dict.fromkeys(name for w in WORKLOADS.values() for name in w.impls)
)

__all__ = ["IMPLEMENTATIONS", "WORKLOADS"]
