"""torch.linalg against PyTorch 2.13: each function runs the same code with both modules
(values, gradients, result types, grad_fn names, errors). Sign-ambiguous factors (U, V,
Q, eigenvectors) are compared through quantities that do not depend on the sign."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
SQUARE = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)
SPD = SQUARE @ np.swapaxes(SQUARE, -1, -2)
TALL = RNG.standard_normal((2, 5, 3))
WIDE = RNG.standard_normal((2, 3, 5))
RHS = RNG.standard_normal((2, 4, 3))


def _run(torch: Any, fn: Callable[..., Any], *hosts: np.ndarray) -> tuple[list[Any], list[Any]]:
    """fn's outputs and the gradients of a fixed weighted sum of them."""
    xs = [torch.tensor(h, requires_grad=True) for h in hosts]
    out = fn(torch, *xs)
    outs = list(out) if isinstance(out, tuple) else [out]
    total = sum(
        (o * torch.tensor(np.cos(np.arange(o.numel())).reshape(tuple(o.shape)))).sum()
        for o in outs
        if o.dtype.is_floating_point
    )
    total.backward()
    return [o.detach().numpy() for o in outs], [x.grad.numpy() for x in xs]


CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "inv": (lambda t, a: t.linalg.inv(a), (SQUARE,)),
    "inverse method": (lambda t, a: a.inverse(), (SQUARE,)),
    "solve matrix": (lambda t, a, b: t.linalg.solve(a, b), (SQUARE, RHS)),
    "solve vector": (lambda t, a, b: t.linalg.solve(a, b), (SQUARE, RHS[..., 0])),
    "solve left=False": (lambda t, a, b: t.linalg.solve(a, b, left=False), (SQUARE, SQUARE[0])),
    "solve broadcast": (lambda t, a, b: t.linalg.solve(a[0], b), (SQUARE, RHS)),
    "solve_triangular": (
        lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True),
        (SQUARE, RHS),
    ),
    "solve_triangular unit right": (
        lambda t, a, b: t.linalg.solve_triangular(
            a, b, upper=False, left=False, unitriangular=True
        ),
        (SQUARE, np.swapaxes(RHS, -1, -2)),
    ),
    "det": (lambda t, a: t.linalg.det(a), (SQUARE,)),
    "torch.det": (lambda t, a: t.det(a), (SQUARE,)),
    "slogdet": (lambda t, a: tuple(t.linalg.slogdet(a)), (SQUARE,)),
    "logdet": (lambda t, a: t.logdet(a @ a.mT), (SQUARE,)),
    "cholesky": (lambda t, a: t.linalg.cholesky(a), (SPD,)),
    "cholesky upper": (lambda t, a: t.linalg.cholesky(a, upper=True), (SPD,)),
    "eigh values": (lambda t, a: t.linalg.eigh(a).eigenvalues, (SPD,)),
    "eigh vectors²": (lambda t, a: t.linalg.eigh(a).eigenvectors ** 2, (SPD,)),
    "eigh UPLO=U": (lambda t, a: t.linalg.eigh(a, UPLO="U").eigenvalues, (SQUARE,)),
    "eigvalsh": (lambda t, a: t.linalg.eigvalsh(a), (SPD,)),
    "svdvals tall": (lambda t, a: t.linalg.svdvals(a), (TALL,)),
    "svd reduced U·Vh tall": (
        lambda t, a: (lambda r: r.U @ r.Vh)(t.linalg.svd(a, full_matrices=False)),
        (TALL,),
    ),
    "svd reduced U·Vh wide": (
        lambda t, a: (lambda r: r.U @ r.Vh)(t.linalg.svd(a, full_matrices=False)),
        (WIDE,),
    ),
    "svd U² wide": (lambda t, a: t.linalg.svd(a, full_matrices=False).U ** 2, (WIDE,)),
    "svd full S": (lambda t, a: t.linalg.svd(a).S, (TALL,)),
    "torch.svd V²": (lambda t, a: t.svd(a).V ** 2, (TALL,)),
    "qr tall": (lambda t, a: tuple(t.linalg.qr(a)), (TALL,)),
    "qr wide": (lambda t, a: tuple(t.linalg.qr(a)), (WIDE,)),
    "qr complete square": (lambda t, a: tuple(t.linalg.qr(a, mode="complete")), (SQUARE,)),
    "pinv tall": (lambda t, a: t.linalg.pinv(a), (TALL,)),
    "pinv wide": (lambda t, a: t.linalg.pinv(a), (WIDE,)),
    "pinverse": (lambda t, a: t.pinverse(a[0]), (TALL,)),
    "lstsq": (lambda t, a, b: t.linalg.lstsq(a, b).solution, (TALL, TALL[..., :2])),
    "matrix_power 3": (lambda t, a: t.linalg.matrix_power(a, 3), (SQUARE,)),
    "matrix_power -2": (lambda t, a: t.linalg.matrix_power(a, -2), (SQUARE,)),
    "multi_dot": (lambda t, a, b: t.linalg.multi_dot([a[0], b[0], a[1]]), (TALL, WIDE)),
    "cond": (lambda t, a: t.linalg.cond(a), (SQUARE,)),
    "cross": (
        lambda t, a, b: t.linalg.cross(a[..., :3], b[..., :3]),
        (SQUARE, SQUARE[::-1].copy()),
    ),
    "vecdot": (lambda t, a, b: t.linalg.vecdot(a, b), (SQUARE, SQUARE[::-1].copy())),
}
for _ord in ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf):
    CASES[f"matrix_norm {_ord}"] = (lambda t, a, o=_ord: t.linalg.matrix_norm(a, o), (TALL,))
    CASES[f"norm {_ord} dim=(0, 2)"] = (
        lambda t, a, o=_ord: t.linalg.norm(a, o, dim=(0, 2), keepdim=True),
        (TALL,),
    )


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_equal_pytorch(name: str) -> None:
    fn, hosts = CASES[name]
    (ours, our_grads), (theirs, their_grads) = _run(wb, fn, *hosts), _run(T, fn, *hosts)
    assert len(ours) == len(theirs)
    for a, b in zip(ours + our_grads, theirs + their_grads, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=name)


def _has_fields(result: Any, names: tuple[str, ...]) -> None:
    assert len(result) == len(names)
    for i, name in enumerate(names):
        assert result[i] is getattr(result, name)


def test_results_are_pytorchs_named_tuples_and_grad_fns() -> None:
    a = SQUARE[0]
    for torch in (wb, T):
        x = torch.tensor(a, requires_grad=True)
        _has_fields(torch.linalg.slogdet(x), ("sign", "logabsdet"))
        _has_fields(torch.linalg.eigh(x @ x.mT), ("eigenvalues", "eigenvectors"))
        _has_fields(torch.linalg.svd(x), ("U", "S", "Vh"))
        _has_fields(torch.linalg.qr(x), ("Q", "R"))
        _has_fields(
            torch.linalg.lstsq(x, x),
            (
                "solution",
                "residuals",
                "rank",
                "singular_values",
            ),
        )
        _has_fields(torch.svd(x), ("U", "S", "V"))
        assert torch.linalg.inv(x).grad_fn.name() == "LinalgInvExBackward0"
        assert torch.linalg.det(x).grad_fn.name() == "LinalgDetBackward0"
        assert torch.linalg.cholesky(x @ x.mT).grad_fn.name() == "LinalgCholeskyExBackward0"
        assert tuple(torch.linalg.svd(torch.tensor(TALL[0])).U.shape) == (5, 5)  # full by default
        assert torch.linalg.qr(x, mode="r").Q.numel() == 0


def test_lstsq_extras_follow_the_driver() -> None:
    for torch in (wb, T):
        a, b = torch.tensor(TALL[0]), torch.tensor(TALL[1][:, :2])
        default = torch.linalg.lstsq(a, b)
        assert default.residuals.numel() == 0 and default.singular_values.numel() == 0
        assert int(default.rank) == 3
    ours = wb.linalg.lstsq(wb.tensor(TALL[0]), wb.tensor(TALL[1][:, :2]), driver="gelsd")
    theirs = T.linalg.lstsq(T.tensor(TALL[0]), T.tensor(TALL[1][:, :2]), driver="gelsd")
    for field in ("solution", "residuals", "singular_values"):
        np.testing.assert_allclose(getattr(ours, field).numpy(), getattr(theirs, field).numpy())
    assert int(wb.linalg.matrix_rank(wb.ones(3, 3))) == int(T.linalg.matrix_rank(T.ones(3, 3))) == 1


def test_singular_and_indefinite_inputs_raise_linalg_error_as_pytorch() -> None:
    for torch in (wb, T):
        with pytest.raises(torch.linalg.LinAlgError, match="linalg.inv"):
            torch.linalg.inv(torch.zeros(2, 2))
        with pytest.raises(torch.linalg.LinAlgError, match="positive-definite"):
            torch.linalg.cholesky(-torch.eye(2))
        with pytest.raises(RuntimeError, match="Expected a floating point"):
            torch.linalg.inv(torch.ones(2, 2, dtype=torch.long))
        with pytest.raises(RuntimeError, match="square"):
            torch.linalg.det(torch.ones(2, 3))
        assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    assert np.isnan(wb.logdet(-wb.eye(3)).item()) and np.isnan(T.logdet(-T.eye(3)).item())


def test_float32_matches_pytorch_within_float32_accuracy() -> None:
    a = SQUARE.astype(np.float32)
    for fn in (lambda t, x: t.linalg.inv(x), lambda t, x: t.linalg.slogdet(x).logabsdet):
        ours, theirs = fn(wb, wb.tensor(a)), fn(T, T.tensor(a))
        assert str(ours.dtype) == str(theirs.dtype) == "torch.float32"
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
