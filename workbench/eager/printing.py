"""Printing tensors as PyTorch does: its choice between fixed point, e-notation and
integer style, its padding, its summaries of large tensors and where the ``dtype=`` and
``grad_fn=`` suffixes go. Checked against torch 2.13 in tests/eager/test_parity.py.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.values import Array
from workbench.eager import dtypes

if TYPE_CHECKING:
    from workbench.eager.tensor import Tensor


def tensor_repr(self: Tensor) -> str:
    """``repr(tensor)`` as PyTorch writes it."""
    if not isinstance(self._array(), Array):
        return f"Tensor(traced {self._value.type})"
    host = self._array().numpy()
    # a 0-d array is formatted as one element: NumPy's 0-d rules differ from PyTorch's
    shown = host.reshape(1) if host.ndim == 0 else host
    options: dict[str, Any] = {
        "separator": ", ",
        "prefix": "tensor(",
        "threshold": 1000,
        "max_line_width": 80,
    }
    if host.dtype.kind == "f":
        # PyTorch's rules: e-notation when the finite nonzero magnitudes span more than
        # 1e3 or reach 1e8 (or, unless all are integers, go below 1e-4); integers as "3."
        sample = _summarized(shown).ravel()  # the values that will be shown
        finite = sample[np.isfinite(sample)]
        nonzero = np.abs(finite[finite != 0])
        top, low = (float(nonzero.max()), float(nonzero.min())) if nonzero.size else (0, 0)
        wide = nonzero.size > 0 and (top / low > 1000 or top > 1e8)
        if not wide and builtins.all(float_is_integral(v) for v in finite):
            style = _int_float
        elif wide or (nonzero.size > 0 and low < 1e-4):
            style = _e_notation
        else:
            style = _fixed
        width = builtins.max((len(style(v)) for v in finite[finite != 0]), default=0)
        options["formatter"] = {"float_kind": lambda v: style(v).rjust(width)}
    elif host.dtype == np.bool_:
        # padded to the widest value shown: " True" only next to a False
        bool_width = 5 if not np.all(_summarized(shown)) else 4
        options["formatter"] = {"bool": lambda v: str(builtins.bool(v)).rjust(bool_width)}
    body = np.array2string(shown, **options).replace(", ...,", ",  ...,")  # PyTorch's " ..."
    if host.ndim == 0:
        body = body[1:-1]
    extras = []
    if self.is_cuda:
        extras.append(f"device='{self._value.device.name}'")
    default_kind = dtypes.get_default_dtype() if host.dtype.kind == "f" else dtypes.int64
    if self.dtype not in (default_kind, dtypes.bool):
        extras.append(f"dtype={self.dtype}")
    if self.grad_fn is not None:
        extras.append(f"grad_fn=<{self.grad_fn.name()}>")
    elif self.requires_grad:
        extras.append("requires_grad=True")
    # PyTorch's placement of the suffixes: on the last line while it stays within 80
    text = "tensor(" + body
    line = len(text) - text.rfind("\n") + 1
    for extra in extras:
        if line + len(extra) + 2 > 80:
            text, line = text + ",\n" + " " * 7 + extra, 7 + len(extra)
        else:
            text, line = text + ", " + extra, line + len(extra) + 2
    return text + ")"


def float_is_integral(v: Any) -> builtins.bool:
    return builtins.bool(np.isfinite(v) and v == np.floor(v))


def _int_float(v: Any) -> str:
    return _special(v) or f"{v:.0f}."


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements a print of more than 1000 shows: three at each end of every axis."""
    if a.size <= 1000:
        return a
    index = [np.r_[0:3, n - 3 : n] if n > 6 else np.arange(n) for n in a.shape]
    return a[np.ix_(*index)]


def _special(v: Any) -> str | None:
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf") if np.isinf(v) else None


def _e_notation(v: Any) -> str:
    return _special(v) or f"{v:.4e}"


def _fixed(v: Any) -> str:
    return _special(v) or f"{v:.4f}"
