"""Mirrors: torch.nn.parallel — DataParallel and DistributedDataParallel as programs use
them: wrap a model, call it, reach it again as ``.module`` (its state_dict keys gain the
``module.`` prefix, as PyTorch's do). The workbench runs one process on one device, so
both call the wrapped module on the whole batch: a program written for several GPUs runs
unchanged, on one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.eager.nn.modules import Module


class _Wrapper(Module):
    """A module that runs the module it wraps (kept as ``.module``) on the whole input."""

    def __init__(self, module: Module, output_device: Any, dim: int) -> None:
        super().__init__()
        self.module = module
        self.output_device, self.dim = output_device, dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[int] | None = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: Any = None,
) -> Any:
    """The functional DataParallel: one device here, so the module applied to the inputs."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))


class DataParallel(_Wrapper):
    def __init__(
        self,
        module: Module,
        device_ids: Sequence[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
    ) -> None:
        super().__init__(module, output_device, dim)
        self.device_ids = list(device_ids) if device_ids is not None else []


class DistributedDataParallel(_Wrapper):
    def __init__(
        self,
        module: Module,
        device_ids: Sequence[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: Any = None,
        bucket_cap_mb: Any = None,
        find_unused_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(module, output_device, dim)
        self.device_ids = list(device_ids) if device_ids is not None else None
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters


__all__ = ["DataParallel", "DistributedDataParallel"]
