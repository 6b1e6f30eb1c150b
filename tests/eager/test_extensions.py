"""Custom autograd functions, anomaly detection and mixed precision."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import workbench.eager as torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):  # type: ignore[no-untyped-def]
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):  # type: ignore[no-untyped-def]
        (x,) = ctx.saved_tensors
        return g * 3 * x * x * ctx.scale, None


def test_custom_function_uses_its_own_backward() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn is not None
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    (y * torch.tensor([1.0, 0.5])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_custom_function_in_compiled_code_is_a_graph_break() -> None:
    compiled = torch.compile(lambda v: Cube.apply(v, 1.0) + 1)
    np.testing.assert_allclose(compiled(torch.tensor([2.0])).numpy(), [9.0])
    assert len(compiled.graph_breaks) == 1


def test_anomaly_mode_checks_the_backward_as_pytorch_does() -> None:
    # a NaN made by the forward pass is no error: log(x - 1) at 0.5, whose gradient is finite
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        loss = torch.log(x - 1).sum()
        assert math.isnan(loss.item())
        loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [-2.0, 1.0])
    # a backward function that returns NaN is named: the norm of a vector at 0
    z = torch.tensor([0.0, 3.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        norm = torch.sqrt(z**2).sum()
        with (
            pytest.warns(UserWarning, match="Error detected in PowBackward0"),
            pytest.raises(
                RuntimeError, match=r"Function 'PowBackward0' returned nan values in its 0th output"
            ),
        ):
            norm.backward()
    assert not torch.autograd.is_anomaly_enabled()
    w = torch.tensor([0.0], requires_grad=True)
    (w.sqrt() * 0).sum().backward()  # outside anomaly mode NaN passes silently, as in PyTorch
    assert math.isnan(w.grad.item())


def test_anomaly_report_shows_the_callers_line_not_the_machinery() -> None:
    x = torch.tensor([0.0, 2.0], requires_grad=True)
    with torch.autograd.detect_anomaly(), pytest.warns(UserWarning) as warned:
        y = (x.sqrt() * 0).sum()  # the line the report must point at
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            y.backward()
    report = next(str(w.message) for w in warned if "Error detected" in str(w.message))
    where = report.split("Traceback of forward call that caused the error:\n")[1]
    assert "y = (x.sqrt() * 0).sum()  # the line the report must point at" in where
    assert "workbench/" not in where and "site-packages" not in where


PROGRAMS = {
    "log of a negative, finite gradient": lambda t, x: t.log(x - 1).sum(),
    "sqrt at 0 times 0": lambda t, x: (t.sqrt(x) * 0).sum(),
    "sqrt of a negative": lambda t, x: t.sqrt(x - 1).sum(),
    "norm at 0": lambda t, x: t.sqrt(x**2).sum(),
    "0/0 in a division": lambda t, x: (x / x).sum(),
}


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_anomaly_mode_raises_where_pytorch_does(program: str) -> None:
    real = pytest.importorskip("torch")
    outcomes = []
    for lib in (real, torch):
        x = lib.tensor([0.0, 0.5, 2.0], requires_grad=True)
        with warnings.catch_warnings(), lib.autograd.detect_anomaly():
            warnings.simplefilter("ignore")
            try:
                PROGRAMS[program](lib, x).backward()
                outcomes.append("no error")
            except RuntimeError as err:
                outcomes.append(str(err).split(".")[0])
    assert outcomes[1] == outcomes[0]


def test_autocast_runs_products_in_float16_and_keeps_gradients_float32() -> None:
    model = torch.nn.Linear(4, 3)
    x = torch.randn(5, 4)
    with torch.autocast("cpu", dtype=torch.float16):
        out = model(x)
        assert out.dtype is torch.float16
        assert (x @ x.T).dtype is torch.float16
        assert (x + 1).dtype is torch.float32
    out.float().sum().backward()
    assert model.weight.grad.dtype is torch.float32
    expected = (
        x.numpy().astype(np.float16).astype(np.float32)
        @ model.weight.detach().numpy().astype(np.float16).astype(np.float32).T
    )
    np.testing.assert_allclose(
        out.float().detach().numpy() - model.bias.detach().numpy(), expected, atol=2e-3
    )


def test_grad_scaler_skips_steps_with_inf_and_adjusts_the_scale() -> None:
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(init_scale=8.0, growth_interval=2)
    x = torch.ones(1, 2)
    for _ in range(2):
        opt.zero_grad()
        loss = model(x).sum()
        scaler.scale(loss).backward()
        np.testing.assert_allclose(model.bias.grad.item(), 8.0)  # scaled
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 16.0  # grew after two good steps
    before = model.weight.detach().clone()
    model.weight.grad = torch.full((1, 2), float("inf"))
    model.bias.grad = torch.zeros(1)
    scaler.step(opt)
    scaler.update()
    assert model.weight.detach().equal(before) and scaler.get_scale() == 8.0


def _scaler_run(lib: Any) -> list[tuple[float, list[float]]]:
    """Steps whose gradients overflow (a 1e35 input, scaled by 2**16) among ordinary ones."""
    w = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0**16, growth_interval=3)
    history = []
    for big in [False, True, False, False, False, True, True, False, False, False, False]:
        opt.zero_grad()
        loss = (w * lib.tensor([1e35 if big else 1.0, 1.0])).sum()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        history.append((scaler.get_scale(), w.detach().numpy().tolist()))
    return history


def test_grad_scaler_adapts_exactly_as_pytorch() -> None:
    # an overflow halves the scale and skips the step; three clean steps double it
    real = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _scaler_run(torch), _scaler_run(real)
    assert [s for s, _ in ours] == [s for s, _ in theirs]
    assert [s for s, _ in ours][:7] == [
        2.0**16,
        2.0**15,
        2.0**15,
        2.0**15,
        2.0**16,
        2.0**15,
        2.0**14,
    ]
    np.testing.assert_allclose([w for _, w in ours], [w for _, w in theirs], rtol=1e-6)
