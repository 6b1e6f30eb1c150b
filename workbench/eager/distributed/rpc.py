"""Mirrors: torch.distributed.rpc for a world of one worker: ``init_rpc``, ``rpc_sync``,
``rpc_async``, ``remote`` and ``RRef`` run the call here and hold its result, so a
parameter-server or pipeline program written for RPC runs as one process. A world of more
than one worker is refused clearly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.eager.futures import Future, completed

_STATE: dict[str, Any] = {"name": None}


@dataclass(frozen=True)
class WorkerInfo:
    name: str
    id: int


class TensorPipeRpcBackendOptions:
    """The options object (kept as given: one process needs no transport)."""

    def __init__(self, **options: Any) -> None:
        self.__dict__.update(options)
        self.num_worker_threads = options.get("num_worker_threads", 16)
        self.rpc_timeout = options.get("rpc_timeout", 60.0)


class BackendType:
    TENSORPIPE = "TENSORPIPE"


def init_rpc(
    name: str,
    backend: Any = None,
    rank: int = -1,
    world_size: int | None = None,
    rpc_backend_options: Any = None,
) -> None:
    if world_size not in (None, 1):
        raise RuntimeError(
            f"init_rpc: world_size={world_size}, but the workbench runs one process; only a "
            "world of one worker is supported"
        )
    _STATE["name"] = name


def _self() -> WorkerInfo:
    if _STATE["name"] is None:
        raise RuntimeError(
            "RPC has not been initialized. Call torch.distributed.rpc.init_rpc first."
        )
    return WorkerInfo(_STATE["name"], 0)


def get_worker_info(worker_name: str | None = None) -> WorkerInfo:
    me = _self()
    if worker_name not in (None, me.name):
        raise RuntimeError(f"Unknown destination worker {worker_name}")
    return me


def _call(to: Any, func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    get_worker_info(to.name if isinstance(to, WorkerInfo) else to if isinstance(to, str) else None)
    return func(*(args or ()), **(kwargs or {}))


def rpc_sync(
    to: Any, func: Callable[..., Any], args: Any = None, kwargs: Any = None, timeout: float = -1
) -> Any:
    return _call(to, func, args, kwargs)


def rpc_async(
    to: Any, func: Callable[..., Any], args: Any = None, kwargs: Any = None, timeout: float = -1
) -> Future:
    return completed(_call(to, func, args, kwargs))


class RRef:
    """A reference to a value owned by a worker (here, always this one)."""

    def __init__(self, value: Any, type_hint: Any = None) -> None:
        self._value = value

    def to_here(self, timeout: float = -1) -> Any:
        return self._value

    def local_value(self) -> Any:
        return self._value

    def owner(self) -> WorkerInfo:
        return _self()

    def owner_name(self) -> str:
        return _self().name

    def is_owner(self) -> bool:
        return True

    def confirmed_by_owner(self) -> bool:
        return True

    def rpc_sync(self, timeout: float = -1) -> Any:
        """A proxy whose method calls run on the owner: here, the value itself."""
        return self._value

    def remote(self, timeout: float = -1) -> Any:
        value = self._value

        class _Remote:
            def __getattr__(self, name: str) -> Any:
                return lambda *a, **k: RRef(getattr(value, name)(*a, **k))

        return _Remote()

    def rpc_async(self, timeout: float = -1) -> Any:
        value = self._value

        class _Async:
            def __getattr__(self, name: str) -> Any:
                return lambda *a, **k: completed(getattr(value, name)(*a, **k))

        return _Async()

    def __getstate__(self) -> Any:
        return {"_value": self._value}


def remote(
    to: Any, func: Callable[..., Any], args: Any = None, kwargs: Any = None, timeout: float = -1
) -> RRef:
    return RRef(_call(to, func, args, kwargs))


def shutdown(graceful: bool = True, timeout: float = 0) -> None:
    _STATE["name"] = None


class functions:  # noqa: N801 - torch.distributed.rpc.functions
    @staticmethod
    def async_execution(fn: Callable[..., Any]) -> Callable[..., Any]:
        """Marks a function returning a Future; its caller waits on it here."""

        def run(*args: Any, **kwargs: Any) -> Any:
            out = fn(*args, **kwargs)
            return out.wait() if isinstance(out, Future) else out

        return run


__all__ = [
    "RRef", "TensorPipeRpcBackendOptions", "WorkerInfo", "functions", "get_worker_info",
    "init_rpc", "remote", "rpc_async", "rpc_sync", "shutdown",
]  # fmt: skip
