"""``torch.profiler`` for the eager front end: ``profile``, ``record_function`` and
``ProfilerActivity``, on :mod:`workbench.profiler` (which sees every primitive whatever the
front end). Mirrors: torch.profiler.

    >>> from workbench.eager.profiler import profile, record_function, ProfilerActivity
    >>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    ...     with record_function("model_inference"):
    ...         model(inputs)                                   # doctest: +SKIP
    >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))  # doctest: +SKIP
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from workbench.profiler import Profile, record_function

__all__ = ["ProfilerActivity", "profile", "record_function", "schedule"]


class ProfilerActivity(enum.Enum):
    """Which devices to profile. The workbench times every primitive on any device, so
    the choice does not narrow what is recorded."""

    CPU = "cpu"
    CUDA = "cuda"


class profile(Profile):  # noqa: N801 - PyTorch's spelling
    """Mirrors: torch.profiler.profile (``key_averages().table()``,
    ``export_chrome_trace``, ``step()``, ``on_trace_ready``). ``profile_memory`` follows
    the arrays the primitives create for the peak; stacks, FLOPs and modules are not
    recorded."""

    def __init__(
        self,
        activities: Iterable[ProfilerActivity] | None = None,
        *,
        schedule: Callable[[int], Any] | None = None,
        on_trace_ready: Callable[[Profile], Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Any = None,
        use_cuda: bool | None = None,
    ) -> None:
        super().__init__(record_shapes=record_shapes, memory=profile_memory)
        self.activities = list(activities or [ProfilerActivity.CPU])
        self.on_trace_ready = on_trace_ready
        self.step_num = 0

    def step(self) -> None:
        """Mark the end of a training step (schedules are not modelled: every step is
        recorded)."""
        self.step_num += 1

    def __enter__(self) -> profile:
        super().__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)


def schedule(
    *, wait: int = 0, warmup: int = 0, active: int = 1, repeat: int = 0, skip_first: int = 0
) -> Callable[[int], Any]:
    """Accepted for compatibility: the workbench records every step."""
    return lambda step: None
