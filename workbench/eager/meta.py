"""``torch.Size``, ``torch.device`` and the views of the autograd graph a tensor's
``grad_fn`` gives (``name()``, ``next_functions``), outside the Tensor class they describe.

Mirrors: torch.Size, torch.device, torch.autograd graph nodes.
"""

from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple
from typing import Any

from workbench.backend import Device, get_device


class Size(tuple):
    """Mirrors: torch.Size (a tuple of ints)."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> builtins.int:
        return math.prod(self)


class device:  # noqa: N801 - torch.device
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 0)``.

    Mirrors: torch.device.
    """

    __slots__ = ("type", "index")
    type: str
    index: builtins.int | None

    def __init__(self, kind: Any, index: builtins.int | None = None) -> None:
        if isinstance(kind, device):
            kind, index = kind.type, kind.index
        elif isinstance(kind, Device):
            kind, index = kind.platform, kind.index
        else:
            name, _, number = str(kind).partition(":")
            kind = name
            if number:
                index = builtins.int(number)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {kind}"
            )
        self.type = kind
        self.index = index

    @property
    def core(self) -> Device:
        return get_device(f"{self.type}:{self.index or 0}")

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + (
            f", index={self.index})" if self.index is not None else ")"
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> builtins.bool:
        if isinstance(other, str):
            other = device(other)
        return (
            isinstance(other, device)
            and self.type == other.type
            and (self.index or 0) == (other.index or 0)
        )

    def __hash__(self) -> builtins.int:
        return hash((self.type, self.index or 0))


class GradFn:
    """What produced a tensor (``tensor.grad_fn``). Mirrors: torch.autograd graph nodes."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    def name(self) -> str:
        record = self.node.record
        name = record.name if record is not None else ""
        if name[-1:].isdigit() and name.rstrip("0123456789").endswith("Backward"):
            return name  # PyTorch's name for the operation (SqueezeBackward4 and the like)
        return "".join(part.capitalize() for part in self.node.prim.name.split("_")) + "Backward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, builtins.int], ...]:
        out: list[tuple[Any, builtins.int]] = []
        for parent in self.node.parents:
            if parent is None:
                out.append((None, 0))
            elif parent.node is None:
                out.append((AccumulateGrad(parent), 0))
            else:
                out.append((GradFn(parent.node), parent.index))
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self.node):#x}>"  # as PyTorch prints a node


class AccumulateGrad:
    __slots__ = ("leaf",)

    def __init__(self, leaf: Any) -> None:
        self.leaf = leaf

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def variable(self) -> Any:
        return getattr(self.leaf, "tensor", None)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self.leaf):#x}>"


@functools.cache
def return_type(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    """``torch.return_types.<name>``: a named tuple of ``fields`` that prints as PyTorch
    prints it."""

    def __repr__(self: Any) -> str:  # noqa: N807
        parts = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"torch.return_types.{name}(\n{parts})"

    base = namedtuple(name, fields)  # type: ignore[misc]  # noqa: PYI024
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


def values_indices(name: str, values: Any, indices: Any) -> Any:
    return return_type(name)(values, indices)
