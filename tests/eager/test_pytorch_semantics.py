"""Semantics real programs rely on, each checked against PyTorch 2.13 running the same
code: parameter identity through ``Module.to``, ``Embedding(padding_idx=…)`` gradients,
which in-place updates autograd allows, and torch's constants."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")


def _train_after_to(torch: Any) -> tuple[bool, list[float]]:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    weight = model.weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)  # built before .to, as programs do
    model.to("cpu").double()
    x = torch.ones(4, 3, dtype=torch.float64)
    model(x).sum().backward()
    optimizer.step()
    return model.weight is weight, model.weight.detach().numpy().ravel().tolist()


def test_module_to_keeps_parameter_identity_so_an_earlier_optimiser_still_trains() -> None:
    (ours_same, ours), (theirs_same, _) = _train_after_to(wb), _train_after_to(T)
    assert ours_same and theirs_same
    start = wb.nn.Linear(3, 2)  # the update moved the weights (the optimiser saw the grads)
    assert ours != start.weight.detach().numpy().ravel().tolist()


def _embedding_grad(torch: Any, padding_idx: int) -> np.ndarray:
    emb = torch.nn.Embedding(5, 3, padding_idx=padding_idx)
    with torch.no_grad():
        emb.weight.copy_(torch.arange(15, dtype=torch.float32).reshape(5, 3))
    out = emb(torch.tensor([[0, 1, 1], [4, 1, 2]]))
    (out * torch.arange(3, dtype=torch.float32)).sum().backward()
    return emb.weight.grad.numpy()


@pytest.mark.parametrize("padding_idx", [1, -4])
def test_embedding_padding_row_gets_zero_gradient_and_the_others_theirs(padding_idx: int) -> None:
    np.testing.assert_array_equal(_embedding_grad(wb, padding_idx), _embedding_grad(T, padding_idx))
    assert wb.nn.Embedding(5, 3, padding_idx=1).weight.requires_grad


def _inplace_outcome(torch: Any, case: str) -> str:
    x = torch.ones(3, requires_grad=True)
    if case == "unsaved":
        a = x * 2
        a.add_(1)
        a.mul_(3)  # neither mul by a number nor add saves a for backward
    elif case == "saved output":
        a = x.exp()
        a.add_(1)  # exp's backward reads its result
    else:
        y = x * 1
        a = y * y
        y.add_(1)  # y * y's backward reads y
    try:
        a.sum().backward()
    except RuntimeError as err:
        return "raised: " + str(err).split(":")[0]
    return f"grad {x.grad.tolist()}"


@pytest.mark.parametrize("case", ["unsaved", "saved output", "saved input"])
def test_in_place_updates_are_refused_only_where_backward_reads_the_value(case: str) -> None:
    assert _inplace_outcome(wb, case) == _inplace_outcome(T, case)


def test_writing_into_a_parameter_under_no_grad_keeps_it_a_leaf() -> None:
    for torch in (wb, T):
        p = torch.nn.Parameter(torch.zeros(2, 2))
        with torch.no_grad():
            p[0] = 1.0
        assert p.requires_grad and p.is_leaf
        assert p.detach().numpy().tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_constants_and_accelerator_flags_match_torch() -> None:
    for name in ("inf", "pi", "e"):
        assert getattr(wb, name) == getattr(T, name)
    assert np.isnan(wb.nan) and type(wb.pi) is type(T.pi)
    t = wb.ones(2)
    assert (t.is_xpu, t.is_mps, t.is_meta) == (False, False, False)
    ours = wb.arange(4.0).masked_fill_(wb.tensor([True, False, True, False]), -1.0)
    theirs = T.arange(4.0).masked_fill_(T.tensor([True, False, True, False]), -1.0)
    assert ours.tolist() == theirs.tolist()
