"""Mixed precision: ``autocast`` and ``GradScaler``. Mirrors: torch.amp (torch.autocast,
torch.amp.GradScaler / torch.cuda.amp.GradScaler).

Inside ``autocast`` the matrix products of ``linear``, ``matmul`` and convolutions run on
float16 (or the given low-precision dtype) inputs and return that dtype; on the GPU the
product accumulates in float32 (cuBLAS's default for half inputs), on the CPU it is
computed in float32 from the rounded inputs. Everything else keeps its dtype.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from workbench.eager import dtypes
from workbench.eager.tensor import Tensor


class _State:
    dtype: Any = None


STATE = _State()


@contextlib.contextmanager
def autocast(
    device_type: str = "cuda", dtype: Any = None, enabled: bool = True, cache_enabled: Any = None
) -> Iterator[None]:
    """Run matrix products in low precision within the block: float16 (PyTorch's CPU
    default, bfloat16, has no NumPy/CuPy arithmetic, so it is refused with a clear error)."""
    if enabled and dtype is not None:
        dtype.np  # noqa: B018 - raises for a dtype the engine cannot compute in (bfloat16)
    previous = STATE.dtype
    STATE.dtype = (dtype or dtypes.float16) if enabled else None
    try:
        yield
    finally:
        STATE.dtype = previous


def low_precision_product(fn: Any, *tensors: Tensor) -> Tensor | None:
    """``fn(*tensors)`` under autocast, or None when autocast is off."""
    target = STATE.dtype
    if target is None or not all(t.dtype.is_floating_point for t in tensors):
        return None
    rounded = [t.to(target) for t in tensors]
    STATE.dtype = None  # the product itself runs without autocast
    try:
        if all(t.is_cuda for t in tensors):
            return fn(*rounded)
        return fn(*[t.to(dtypes.float32) for t in rounded]).to(target)
    finally:
        STATE.dtype = target


class GradScaler:
    """Dynamic loss scaling: multiply the loss so float16 gradients do not underflow,
    unscale before the step, skip steps whose gradients hold inf/NaN and shrink the
    scale; grow it again after ``growth_interval`` good steps."""

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._scale = init_scale
        self.growth_factor, self.backoff_factor, self.growth_interval = (
            growth_factor,
            backoff_factor,
            growth_interval,
        )
        self.enabled = enabled
        self._growth_tracker = 0
        self._unscaled: set[int] = set()
        self._found_inf: dict[int, bool] = {}

    def get_scale(self) -> float:
        return self._scale if self.enabled else 1.0

    def is_enabled(self) -> bool:
        return self.enabled

    def scale(self, outputs: Any) -> Any:
        if not self.enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        return type(outputs)(self.scale(o) for o in outputs)

    def unscale_(self, optimizer: Any) -> None:
        if not self.enabled or id(optimizer) in self._unscaled:
            return
        import math  # noqa: PLC0415

        found = False
        inverse = 1.0 / self._scale
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.grad = (
                    p.grad.float() * inverse if p.grad.dtype is not p.dtype else p.grad * inverse
                )
                total = p.grad.abs().sum().item()
                if not math.isfinite(total):
                    found = True
        self._found_inf[id(optimizer)] = found
        self._unscaled.add(id(optimizer))

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.enabled:
            return optimizer.step(*args, **kwargs)
        self.unscale_(optimizer)
        if self._found_inf.get(id(optimizer)):
            return None  # skipped: inf/NaN gradients
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        if not self.enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._found_inf.values()):
            self._scale *= self.backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self.growth_interval:
                self._scale *= self.growth_factor
                self._growth_tracker = 0
        self._unscaled.clear()
        self._found_inf.clear()

    def state_dict(self) -> dict[str, Any]:
        return {
            "scale": self._scale,
            "growth_factor": self.growth_factor,
            "backoff_factor": self.backoff_factor,
            "growth_interval": self.growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._scale = state["scale"]
        self._growth_tracker = state["_growth_tracker"]
