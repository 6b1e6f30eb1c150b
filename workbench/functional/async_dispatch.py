"""Asynchronous dispatch, as JAX does it: a jitted call returns at once with arrays whose
values are still being computed; reading one (printing it, ``np.asarray``, ``float``,
another operation) waits, and ``block_until_ready()`` waits on purpose. This is why
timings of JAX-style code must end with ``block_until_ready``.

The work runs on one worker thread, in call order (NumPy releases the GIL while it
computes, so Python goes on meanwhile). Calls on the CPU that take fewer than
``MIN_ELEMENTS`` numbers run at once instead: the hand-off costs about 0.15 ms per call
here (a jitted 784-512-512-10 MLP training step, 0.77 M numbers in, took 3.60 ms through
the worker against 3.45 ms at once), which only a large computation hides. On a GPU the
device already queues work, so calls stay on the caller.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from typing import Any

from workbench.core import dispatch, ops
from workbench.core.ir import Graph, Type
from workbench.core.values import Array as CoreArray
from workbench.functional.array import Array

MIN_ELEMENTS = (
    1 << 21
)  # about two million numbers: a 1500 x 1500 matrix goes, a training step stays
_SLOT = Array.__dict__["_value"]  # the base class's storage for the value
_WORKER: list[concurrent.futures.ThreadPoolExecutor] = []


class PendingArray(Array):
    """A jitted call's result that may still be computing. Its shape and dtype are known
    now; its value when the work is done. Mirrors: an unready jax.Array."""

    __slots__ = ("_future", "_index", "_type")

    def __init__(self, future: concurrent.futures.Future[Any], index: int, type_: Type) -> None:
        self._future: concurrent.futures.Future[Any] | None = future
        self._index, self._type = index, type_
        self._sharding = None

    @property  # type: ignore[override]
    def _value(self) -> Any:
        future = self._future
        if future is not None:  # wait for the worker (its error, if any, is raised here)
            _SLOT.__set__(self, future.result()[self._index])
            self._future = None
        return _SLOT.__get__(self, PendingArray)

    @_value.setter
    def _value(self, value: Any) -> None:
        _SLOT.__set__(self, value)
        self._future = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._type.shape)  # type: ignore[arg-type]

    @property
    def dtype(self) -> Any:
        return self._type.dtype

    @property
    def ndim(self) -> int:
        return len(self._type.shape)

    def is_ready(self) -> bool:
        """Whether the value has been computed. Mirrors: jax.Array.is_ready."""
        return self._future is None or self._future.done()


# JAX has one array type, ready or not: a pending result shows as an Array too
PendingArray.__name__ = PendingArray.__qualname__ = "Array"


def worth_it(values: Sequence[Any]) -> bool:
    """Whether a jitted call on these (concrete) arguments should run on the worker."""
    if dispatch.is_tracing() or dispatch.PROFILERS or dispatch.CHECK_NANS[0]:
        return False
    total = 0
    for v in values:
        if v.__class__ is not CoreArray or v.device.platform != "cpu":
            return False
        total += v.size
    return total >= MIN_ELEMENTS


def submit(graph: Graph, values: Sequence[Any]) -> list[PendingArray]:
    """Run ``graph`` on ``values`` on the worker; its results, pending."""
    if not _WORKER:
        _WORKER.append(
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="workbench-dispatch")
        )
    future = _WORKER[0].submit(lambda: list(ops.call(graph, *values)))
    return [PendingArray(future, i, t) for i, t in enumerate(graph.out_types)]
