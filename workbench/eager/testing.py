"""Mirrors: torch.testing — ``assert_close`` with PyTorch's per-dtype tolerances and its
report of the worst mismatch."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from workbench.eager.tensor_base import is_tensor, tensor_of

# dtype -> (rtol, atol), PyTorch's defaults
_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
}


def _tensors(actual: Any, expected: Any) -> tuple[Any, Any]:
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        return actual, expected
    return tensor_of(actual), tensor_of(expected)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: Any = None,
) -> None:
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected|
    elementwise, with equal shapes (and dtypes and devices unless told otherwise)."""
    if (rtol is None) != (atol is None):
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
            f"{'rtol' if rtol is None else 'atol'}."
        )
    if isinstance(actual, list | tuple) or isinstance(expected, list | tuple):
        if not (isinstance(actual, list | tuple) and isinstance(expected, list | tuple)):
            raise AssertionError("The inputs are not both sequences")
        if len(actual) != len(expected):
            raise AssertionError(
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}"
            )
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype)
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            raise AssertionError(
                f"The keys of the mappings do not match: {set(actual) ^ set(expected)}"
            )
        for k in actual:
            assert_close(actual[k], expected[k], rtol=rtol, atol=atol, equal_nan=equal_nan)
        return
    if not is_tensor(actual) and not is_tensor(expected):
        a_num, e_num = np.asarray(actual), np.asarray(expected)
        a, e = tensor_of(a_num), tensor_of(e_num)
    else:
        a, e = tensor_of(actual), tensor_of(expected)
    if tuple(a.shape) != tuple(e.shape):
        raise AssertionError(
            f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}."
        )
    if check_dtype and a.dtype is not e.dtype:
        raise AssertionError(
            f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}."
        )
    if check_device and str(a.device) != str(e.device):
        raise AssertionError(
            f"The values for attribute 'device' do not match: {a.device} != {e.device}."
        )
    if rtol is None:
        rtol, atol = _TOLERANCES.get(a.dtype.name, (0.0, 0.0))
        rtol2, atol2 = _TOLERANCES.get(e.dtype.name, (0.0, 0.0))
        rtol, atol = max(rtol, rtol2), max(atol, atol2)  # type: ignore[type-var]
    common = np.promote_types(a.dtype.np, e.dtype.np)
    if common.kind != "f":
        common = np.dtype(np.float64)
    x = np.asarray(a.detach().cpu().numpy(), common)
    y = np.asarray(e.detach().cpu().numpy(), common)
    close = np.isclose(x, y, rtol=float(rtol or 0.0), atol=float(atol or 0.0), equal_nan=equal_nan)
    close |= x == y  # infinities of one sign
    if close.all():
        return
    kind = "Tensor-likes" if is_tensor(actual) or is_tensor(expected) else "Scalars"
    if msg is not None:
        raise AssertionError(msg() if callable(msg) else msg)
    if x.size == 1 and kind == "Scalars":
        raise AssertionError(
            f"Scalars are not close!\n\nExpected {y.item()} but got {x.item()}.\n"
            f"Absolute difference: {abs(x - y).item()} (up to {atol} allowed)\n"
            f"Relative difference: {abs(x - y).item() / max(abs(y.item()), 1e-300)} "
            f"(up to {rtol} allowed)"
        )
    diff = np.abs(x - y)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(y != 0, diff / np.abs(y), np.inf)
    worst, worst_rel = (
        np.unravel_index(np.nanargmax(diff), x.shape),
        np.unravel_index(np.nanargmax(np.where(np.isnan(relative), -1, relative)), x.shape),
    )
    bad = int((~close).sum())
    raise AssertionError(
        f"{kind} are not close!\n\n"
        f"Mismatched elements: {bad} / {x.size} ({100 * bad / x.size:.1f}%)\n"
        f"Greatest absolute difference: {builtins.float(diff[worst])} at index "
        f"{tuple(int(i) for i in worst)} "
        f"(up to {atol} allowed)\n"
        f"Greatest relative difference: {builtins.float(relative[worst_rel])} at index "
        f"{tuple(int(i) for i in worst_rel)} (up to {rtol} allowed)"
    )


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: Any = None,
    atol: Any = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """The deprecated spelling: dtypes need not match."""
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False)


def make_tensor(
    *shape: Any,
    dtype: Any,
    device: Any = None,
    low: Any = None,
    high: Any = None,
    requires_grad: bool = False,
) -> Any:
    """A tensor of random values in [low, high) (PyTorch's default ranges)."""
    from workbench.eager.random import rand, randint  # noqa: PLC0415

    dims = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
    if dtype.is_floating_point:
        lo, hi = -9.0 if low is None else low, 9.0 if high is None else high
        t = rand(*dims, dtype=dtype, device=device) * (hi - lo) + lo
        return t.requires_grad_(requires_grad)
    lo, hi = -9 if low is None else low, 10 if high is None else high
    return randint(int(lo), int(hi), tuple(dims), dtype=dtype, device=device)


__all__ = ["assert_allclose", "assert_close", "make_tensor"]
