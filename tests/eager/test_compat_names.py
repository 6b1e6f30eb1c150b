"""Names the usage-weighted coverage found real programs using, each against PyTorch
2.13: the legacy ``Variable``, ``torch.testing.assert_close``, ``finfo``/``iinfo``, a
one-process ``torch.distributed``, ``torch.cuda``'s statistics without a GPU, and the
extra tensor math (values and gradients)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")
RNG = np.random.default_rng(9)


def test_variable_is_a_detached_tensor_as_in_pytorch() -> None:
    for torch in (wb, T):
        t = torch.ones(2, requires_grad=True)
        v = torch.autograd.Variable(t * 2)
        assert v.grad_fn is None and not v.requires_grad
        assert torch.autograd.Variable(torch.ones(2), requires_grad=True).requires_grad


def _message(torch: Any, actual: Any, expected: Any, **kwargs: Any) -> str:
    try:
        torch.testing.assert_close(actual, expected, **kwargs)
    except AssertionError as e:
        return str(e)
    return ""


def test_assert_close_passes_and_fails_with_pytorchs_tolerances_and_report() -> None:
    for torch in (wb, T):
        assert _message(torch, torch.tensor([1.0]), torch.tensor([1.0 + 1e-6])) == ""
    cases = [
        ([1.0, 2.0], [1.0, 2.1], {}),
        ([1.0], [1.0], {"dtype": "float64"}),
        ([1.0, 5.0], [1.0, 5.5], {"rtol": 0.01, "atol": 0.0}),
    ]
    for actual, expected, options in cases:
        dtype = options.pop("dtype", None)
        msgs = []
        for torch in (wb, T):
            e = torch.tensor(expected, dtype=getattr(torch, dtype) if dtype else None)
            msgs.append(_message(torch, torch.tensor(actual), e, **options))
        assert msgs[0] == msgs[1] != ""


def test_finfo_and_iinfo_print_and_hold_pytorchs_values() -> None:
    for name in ("float16", "float32", "float64"):
        ours, theirs = wb.finfo(getattr(wb, name)), T.finfo(getattr(T, name))
        assert repr(ours) == repr(theirs)
        assert (ours.eps, ours.max, ours.tiny, ours.bits) == (
            theirs.eps,
            theirs.max,
            theirs.tiny,
            theirs.bits,
        )
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        assert repr(wb.iinfo(getattr(wb, name))) == repr(T.iinfo(getattr(T, name)))
    assert wb.finfo().eps == T.finfo().eps


def test_a_one_process_distributed_program_runs_and_bigger_worlds_are_refused() -> None:
    dist = wb.distributed
    with pytest.raises(ValueError, match="init_process_group"):
        dist.get_rank()
    dist.init_process_group("gloo", world_size=1, rank=0)
    try:
        assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
        t = wb.tensor([1.0, 2.0])
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        assert t.tolist() == [1.0, 2.0]
        gathered = [wb.zeros(2)]
        dist.all_gather(gathered, t)
        assert gathered[0].tolist() == [1.0, 2.0]
        assert dist.barrier(async_op=True).wait()
    finally:
        dist.destroy_process_group()
    with pytest.raises(RuntimeError, match="runs one process"):
        dist.init_process_group("gloo", world_size=4, rank=0)


def test_cuda_statistics_without_a_gpu_are_pytorchs_zeros() -> None:
    if wb.cuda.is_available():
        pytest.skip("a GPU is present")
    for torch in (wb, T):
        assert torch.cuda.memory_allocated() == torch.cuda.max_memory_allocated() == 0
        with pytest.raises((TypeError, RuntimeError)):
            torch.cuda.FloatTensor(3)
    assert wb.version.cuda is None


POSITIVE_UNIT = RNG.uniform(0.1, 0.9, (3, 4)).astype(np.float32)
ANY = RNG.standard_normal((3, 4)).astype(np.float32)
ABOVE_ONE = (np.abs(ANY) + 1.5).astype(np.float32)

MATH: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "tan": (lambda t, x: t.tan(x), [POSITIVE_UNIT]),
    "asin": (lambda t, x: t.asin(x), [POSITIVE_UNIT]),
    "arccos": (lambda t, x: t.arccos(x), [POSITIVE_UNIT]),
    "atan": (lambda t, x: x.atan(), [ANY]),
    "sinh": (lambda t, x: t.sinh(x), [ANY]),
    "cosh": (lambda t, x: t.cosh(x), [ANY]),
    "asinh": (lambda t, x: t.asinh(x), [ANY]),
    "acosh": (lambda t, x: t.acosh(x), [ABOVE_ONE]),
    "atanh": (lambda t, x: t.atanh(x), [POSITIVE_UNIT]),
    "atan2": (lambda t, x, y: t.atan2(x, y), [ANY, ABOVE_ONE]),
    "fmod": (lambda t, x, y: t.fmod(x, y), [ANY, ABOVE_ONE]),
    "hypot": (lambda t, x, y: t.hypot(x, y), [ANY, ABOVE_ONE]),
    "logaddexp": (lambda t, x, y: t.logaddexp(x, y), [ANY, ABOVE_ONE]),
    "logaddexp2": (lambda t, x, y: t.logaddexp2(x, y), [ANY, ABOVE_ONE]),
    "deg2rad": (lambda t, x: t.deg2rad(x), [ANY]),
    "frac": (lambda t, x: t.frac(x * 3), [ANY]),
    "logit": (lambda t, x: t.logit(x), [POSITIVE_UNIT]),
    "erfc": (lambda t, x: t.erfc(x), [ANY]),
    "sinc": (lambda t, x: t.sinc(x), [ANY]),
    "xlogy": (lambda t, x, y: t.xlogy(x, y), [ANY, ABOVE_ONE]),
    "nansum": (lambda t, x: t.nansum(x, 1), [ANY]),
    "nanmean": (lambda t, x: t.nanmean(x, 0), [ANY]),
    "logcumsumexp": (lambda t, x: t.logcumsumexp(x, 1), [ANY]),
    "addcmul": (lambda t, x, y: t.addcmul(x, x, y, value=0.5), [ANY, ABOVE_ONE]),
    "addcdiv": (lambda t, x, y: t.addcdiv(x, x, y, value=2), [ANY, ABOVE_ONE]),
    "exp2": (lambda t, x: t.exp2(x), [ANY]),
    "baddbmm": (
        lambda t, x, y: t.baddbmm(
            x.reshape(1, 3, 4)[:, :, :3], y.reshape(1, 3, 4), y.reshape(1, 4, 3), beta=0.5
        ),
        [ANY, ANY],
    ),
    "renorm": (lambda t, x: t.renorm(x, 2, 0, 1.0), [ANY]),
    "select": (lambda t, x: t.select(x, 1, 2), [ANY]),
    "unfold": (lambda t, x: x.unfold(1, 2, 1), [ANY]),
    "index_fill": (lambda t, x: x.index_fill(1, t.tensor([0, 2]), -1.0), [ANY]),
    "index_copy": (lambda t, x, y: x.index_copy(0, t.tensor([2, 0]), y[:2]), [ANY, ABOVE_ONE]),
    "fill_diagonal_": (lambda t, x: (x * 1).fill_diagonal_(3.0), [ANY]),
    "cdist": (lambda t, x, y: t.cdist(x, y), [ANY, ABOVE_ONE]),
    "cartesian_prod": (lambda t, x: t.cartesian_prod(x[0], x[1, :2]), [ANY]),
    "combinations": (lambda t, x: t.combinations(x[0], 2), [ANY]),
    "block_diag": (lambda t, x, y: t.block_diag(x[:2, :2], y[:1]), [ANY, ABOVE_ONE]),
    "trapezoid": (lambda t, x: t.trapezoid(x, dx=0.5), [ANY]),
    "searchsorted": (lambda t, x: t.searchsorted(t.tensor([0.0, 0.5, 1.0]), x.detach()), [ANY]),
    "bucketize": (lambda t, x: t.bucketize(x.detach(), t.tensor([0.0, 0.5, 1.0])), [ANY]),
    "histc": (lambda t, x: t.histc(x.detach(), bins=5, min=-2, max=2), [ANY]),
    "tan_": (lambda t, x: (x * 1).tan_(), [POSITIVE_UNIT]),
}


@pytest.mark.parametrize("name", sorted(MATH))
def test_tensor_math_values_and_gradients_equal_pytorch(name: str) -> None:
    fn, hosts = MATH[name]
    results = []
    for torch in (wb, T):
        xs = [torch.tensor(h, requires_grad=True) for h in hosts]
        out = fn(torch, *xs)
        grads: list[Any] = []
        if out.dtype.is_floating_point and out.requires_grad:
            out.sum().backward()
            grads = [None if x.grad is None else x.grad.numpy() for x in xs]
        results.append((out.detach().numpy(), str(out.dtype), grads))
    (a, da, ga), (b, db, gb) = results
    assert da == db
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for x, y in zip(ga, gb, strict=True):
        if y is None:
            assert x is None or not np.any(x)
        else:
            np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)


def test_every_layer_takes_pytorchs_device_and_dtype_arguments() -> None:
    for build in (
        lambda nn, **k: nn.Embedding(5, 3, **k),
        lambda nn, **k: nn.LayerNorm(3, **k),
        lambda nn, **k: nn.RMSNorm(3, **k),
        lambda nn, **k: nn.Conv2d(1, 2, 3, **k),
        lambda nn, **k: nn.LSTM(2, 3, **k),
        lambda nn, **k: nn.Transformer(8, 2, 1, 1, 16, **k),
        lambda nn, **k: nn.PReLU(**k),
    ):
        for torch in (wb, T):
            layer = build(torch.nn, device="cpu", dtype=torch.float64)
            assert {str(p.dtype) for p in layer.parameters()} == {"torch.float64"}
