"""Mirrors: torch.futures — a ``Future`` holding a value (or an error) that callbacks and
``then`` chain on, and ``wait_all``/``collect_all``. Everything the workbench computes is
synchronous, so a future is complete once its result is set."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Future:
    def __init__(self, *, devices: Any = None) -> None:
        self._done, self._value = False, None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Future], Any]] = []

    def done(self) -> bool:
        return self._done

    def set_result(self, result: Any) -> None:
        if self._done:
            raise RuntimeError("Future can only be marked completed once")
        self._done, self._value = True, result
        for callback in self._callbacks:
            callback(self)

    def set_exception(self, error: BaseException) -> None:
        self._done, self._error = True, error
        for callback in self._callbacks:
            callback(self)

    def wait(self) -> Any:
        if not self._done:
            raise RuntimeError(
                "waiting on a Future nobody completes (the workbench runs one process)"
            )
        if self._error is not None:
            raise self._error
        return self._value

    value = wait

    def then(self, callback: Callable[[Future], Any]) -> Future:
        chained = Future()

        def run(done: Future) -> None:
            try:
                chained.set_result(callback(done))
            except Exception as e:  # noqa: BLE001 - handed on to whoever waits
                chained.set_exception(e)

        self.add_done_callback(run)
        return chained

    def add_done_callback(self, callback: Callable[[Future], Any]) -> None:
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)


def completed(value: Any) -> Future:
    f = Future()
    f.set_result(value)
    return f


def collect_all(futures: Iterable[Future]) -> Future:
    return completed(list(futures))


def wait_all(futures: Iterable[Future]) -> list[Any]:
    return [f.wait() for f in futures]


__all__ = ["Future", "collect_all", "wait_all"]
