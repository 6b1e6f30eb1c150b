"""Benchmarks: workloads run side by side in one process, reported as ratios.

Never imported by the engine; reads the core and (when installed) PyTorch and JAX.
"""

from workbench.bench.timing import Measurement, measure_interleaved

__all__ = ["Measurement", "measure_interleaved"]
