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


def _optimiser_storage(torch: Any, make: Any) -> dict[str, Any]:
    """What a program can observe of how an optimiser writes its parameters."""
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    optimizer = make(torch, model)
    x = torch.ones(2, 4)

    def step(retain: bool = False) -> Any:
        optimizer.zero_grad()
        loss = (model(x) ** 2).sum()
        loss.backward(retain_graph=retain)
        optimizer.step()
        return loss

    seen: dict[str, Any] = {}
    step()
    pointer = model.weight.data_ptr()
    shared = model.state_dict()  # shares the parameters' storage
    kept = {k: v.clone() for k, v in model.state_dict().items()}
    step()
    seen["same storage"] = model.weight.data_ptr() == pointer
    seen["state_dict sees the step"] = bool(torch.equal(shared["weight"], model.weight))
    seen["a clone does not"] = not bool(torch.equal(kept["weight"], model.weight))
    source = {k: v.clone() for k, v in kept.items()}
    model.load_state_dict(source)  # copies: the next step must not write into `source`
    step()
    seen["load_state_dict copied"] = all(bool(torch.equal(source[k], kept[k])) for k in kept)
    loss = step(retain=True)
    try:
        loss.backward()
        seen["backward after the step"] = "ran"
    except RuntimeError as error:
        seen["backward after the step"] = "modified by an inplace operation" in str(error)
    seen["weights"] = model.weight.detach().numpy().copy()
    return seen


@pytest.mark.parametrize(
    "make",
    [
        lambda torch, m: torch.optim.SGD(m.parameters(), lr=0.1),
        lambda torch, m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov=True),
        lambda torch, m: torch.optim.Adam(m.parameters(), lr=0.01),
        lambda torch, m: torch.optim.AdamW(m.parameters(), lr=0.01),
    ],
    ids=["sgd", "nesterov", "adam", "adamw"],
)
def test_optimisers_update_parameters_in_place_as_pytorch(make: Any) -> None:
    ours, theirs = _optimiser_storage(wb, make), _optimiser_storage(T, make)
    np.testing.assert_allclose(ours.pop("weights"), theirs.pop("weights"), rtol=1e-5, atol=1e-6)
    assert ours == theirs
    assert ours["same storage"] and ours["state_dict sees the step"]


def test_a_parameter_whose_memory_is_shared_gets_a_fresh_array_with_the_same_numbers() -> None:
    def train(hold: bool) -> tuple[np.ndarray, np.ndarray | None]:
        wb.manual_seed(0)
        model = wb.nn.Linear(4, 3)
        held = model.weight.detach().numpy() if hold else None  # a NumPy view of its memory
        before = None if held is None else held.copy()
        optimizer = wb.optim.SGD(model.parameters(), lr=0.1)
        (model(wb.ones(2, 4)) ** 2).sum().backward()
        optimizer.step()
        if held is not None:
            np.testing.assert_array_equal(held, before)  # never written behind its back
        return model.weight.detach().numpy(), held

    (in_place, _), (fresh, _) = train(False), train(True)
    np.testing.assert_array_equal(in_place, fresh)
