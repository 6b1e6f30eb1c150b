"""Process-wide settings PyTorch scripts set: float32 matmul precision and the number of
CPU threads. Mirrors: torch.set_float32_matmul_precision, torch.get_num_threads, …

NumPy's products always run in full float32 (there is no TF32 here), and its BLAS picks
its own thread count: the values are kept and reported back, as PyTorch does on hardware
without the feature, and change nothing.
"""

from __future__ import annotations

import os
import warnings

_PRECISIONS = ("highest", "high", "medium")
_state: dict[str, str | int] = {"precision": "highest", "threads": os.cpu_count() or 1}


def set_float32_matmul_precision(precision: str) -> None:
    if precision not in _PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _state["precision"] = precision


def get_float32_matmul_precision() -> str:
    return str(_state["precision"])


def set_num_threads(n: int) -> None:
    if int(n) < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["threads"] = int(n)


def get_num_threads() -> int:
    threads = _state["threads"]
    return threads if isinstance(threads, int) else int(threads)


__all__ = [
    "get_float32_matmul_precision",
    "get_num_threads",
    "set_float32_matmul_precision",
    "set_num_threads",
]
