"""torch.optim.LBFGS against PyTorch 2.13: the same closure-driven program with both
modules, with and without the strong-Wolfe line search — weights, losses, and the
numbers of iterations and loss evaluations (which show the line search took the same
path)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")


def _fit(torch: Any, line_search: str | None, steps: int, dtype: str) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((40, 5)).astype(dtype))
    y = torch.tensor(rng.standard_normal((40, 1)).astype(dtype))
    w = torch.tensor(np.full((5, 3), 0.1, dtype), requires_grad=True)
    v = torch.tensor(np.full((3, 1), -0.2, dtype), requires_grad=True)
    opt = torch.optim.LBFGS([w, v], max_iter=10, history_size=5, line_search_fn=line_search)

    def closure() -> Any:
        opt.zero_grad()
        loss = ((torch.tanh(x @ w) @ v - y) ** 2).mean() + (w**4).sum() * 0.01
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(steps)]
    state = opt.state[w]
    return {
        "losses": losses,
        "w": w.detach().numpy(),
        "counts": (state["func_evals"], state["n_iter"]),
    }


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_float64_runs_follow_pytorch_to_rounding(line_search: str | None) -> None:
    ours, theirs = _fit(wb, line_search, 4, "float64"), _fit(T, line_search, 4, "float64")
    assert ours["counts"] == theirs["counts"]
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-12)
    np.testing.assert_allclose(ours["w"], theirs["w"], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_float32_first_step_matches_pytorch(line_search: str | None) -> None:
    ours, theirs = _fit(wb, line_search, 1, "float32"), _fit(T, line_search, 1, "float32")
    assert ours["counts"] == theirs["counts"]
    np.testing.assert_allclose(ours["w"], theirs["w"], rtol=1e-4, atol=1e-5)


def _rosenbrock(torch: Any) -> np.ndarray:
    xy = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([xy], lr=1, max_iter=100, line_search_fn="strong_wolfe")

    def closure() -> Any:
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    return xy.detach().numpy()


def test_lbfgs_minimises_the_rosenbrock_function_as_pytorch_does() -> None:
    ours = _rosenbrock(wb)
    np.testing.assert_allclose(ours, [1.0, 1.0], atol=1e-4)
    np.testing.assert_allclose(ours, _rosenbrock(T), rtol=1e-10)


def test_lbfgs_refuses_what_pytorch_refuses() -> None:
    p = wb.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        wb.optim.LBFGS([p], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="parameter groups"):
        wb.optim.LBFGS([{"params": [p]}, {"params": [wb.zeros(1, requires_grad=True)]}])
    assert (
        wb.optim.LBFGS([p]).defaults["max_eval"] == T.optim.LBFGS([T.zeros(1)]).defaults["max_eval"]
    )
