"""Mirrors: torch.distributed for a world of one process — what single-machine programs
call around their training loop (``init_process_group``, ``get_rank``, ``all_reduce``,
``barrier``, ``destroy_process_group``) works, and a collective over one rank returns
its input, as PyTorch's would. A world of more than one process is refused clearly: the
workbench runs one process (its collectives across devices are ``jax.pmap``'s, in the
functional front end)."""

from __future__ import annotations

import enum
import os
from typing import Any

_STATE: dict[str, Any] = {"backend": None}


class ReduceOp(enum.Enum):
    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


class Backend(str):
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"


class _Work:
    """What an ``async_op=True`` collective returns (already complete)."""

    def wait(self, timeout: Any = None) -> bool:
        return True

    def is_completed(self) -> bool:
        return True


def is_available() -> bool:
    return True


def is_nccl_available() -> bool:
    return False


def is_gloo_available() -> bool:
    return True


def is_mpi_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return "TORCHELASTIC_RUN_ID" in os.environ


def get_default_backend_for_device(device: Any) -> str:
    return "nccl" if "cuda" in str(device) else "gloo"


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: Any = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Start the default group: a world of one process (rank 0)."""
    if _STATE["backend"] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    size = world_size if world_size != -1 else int(os.environ.get("WORLD_SIZE", "1"))
    if size != 1:
        raise RuntimeError(
            f"init_process_group: world_size={size}, but the workbench runs one process; "
            "run with WORLD_SIZE=1 (data-parallel collectives are jax.pmap's, in "
            "workbench.functional)"
        )
    _STATE["backend"] = backend or "gloo"


def is_initialized() -> bool:
    return _STATE["backend"] is not None


def _default_group() -> None:
    if _STATE["backend"] is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group."
        )


def destroy_process_group(group: Any = None) -> None:
    _STATE["backend"] = None


def get_rank(group: Any = None) -> int:
    _default_group()
    return 0


def get_world_size(group: Any = None) -> int:
    _default_group()
    return 1


def get_backend(group: Any = None) -> str:
    _default_group()
    return str(_STATE["backend"])


def new_group(ranks: Any = None, timeout: Any = None, backend: Any = None, **_: Any) -> object:
    _default_group()
    return object()


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Any:
    _default_group()
    return _Work() if async_op else None


def _done(async_op: bool) -> Any:
    return _Work() if async_op else None


def all_reduce(
    tensor: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Any:
    """Over one rank every reduction is the tensor itself."""
    _default_group()
    return _done(async_op)


def reduce(
    tensor: Any,
    dst: int = 0,
    op: ReduceOp = ReduceOp.SUM,
    group: Any = None,
    async_op: bool = False,
) -> Any:
    _default_group()
    return _done(async_op)


def broadcast(tensor: Any, src: int = 0, group: Any = None, async_op: bool = False) -> Any:
    _default_group()
    return _done(async_op)


def all_gather(
    tensor_list: list[Any], tensor: Any, group: Any = None, async_op: bool = False
) -> Any:
    _default_group()
    tensor_list[0].copy_(tensor)
    return _done(async_op)


def all_gather_into_tensor(
    output: Any, input: Any, group: Any = None, async_op: bool = False
) -> Any:  # noqa: A002
    _default_group()
    output.copy_(input.reshape(output.shape))
    return _done(async_op)


def all_gather_object(object_list: list[Any], obj: Any, group: Any = None) -> None:
    _default_group()
    object_list[0] = obj


def broadcast_object_list(
    object_list: list[Any], src: int = 0, group: Any = None, device: Any = None
) -> None:
    _default_group()


def gather(
    tensor: Any, gather_list: Any = None, dst: int = 0, group: Any = None, async_op: bool = False
) -> Any:
    _default_group()
    if gather_list is not None:
        gather_list[0].copy_(tensor)
    return _done(async_op)


def scatter(
    tensor: Any, scatter_list: Any = None, src: int = 0, group: Any = None, async_op: bool = False
) -> Any:
    _default_group()
    if scatter_list is not None:
        tensor.copy_(scatter_list[0])
    return _done(async_op)


def reduce_scatter(
    output: Any,
    input_list: list[Any],
    op: ReduceOp = ReduceOp.SUM,
    group: Any = None,
    async_op: bool = False,
) -> Any:
    _default_group()
    output.copy_(input_list[0])
    return _done(async_op)


__all__ = [
    "Backend", "ReduceOp", "all_gather", "all_gather_into_tensor", "all_gather_object",
    "all_reduce", "barrier", "broadcast", "broadcast_object_list", "destroy_process_group",
    "gather", "get_backend", "get_default_backend_for_device", "get_rank", "get_world_size",
    "init_process_group", "is_available", "is_gloo_available", "is_initialized",
    "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "new_group", "reduce",
    "reduce_scatter", "scatter",
]  # fmt: skip

from workbench.eager.distributed import algorithms, autograd, optim, rpc  # noqa: E402, F401
