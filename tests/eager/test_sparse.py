"""Sparse COO tensors against PyTorch 2.13: construction, printing, coalescing, dense
round trips, sparse × dense products with gradients, and a two-layer graph convolutional
network (a normalised sparse adjacency, as graph-network code builds it) trained a few
steps with both modules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")

INDICES = [[0, 1, 1, 0], [2, 0, 2, 2]]  # (0, 2) appears twice: coalescing sums it
VALUES = [3.0, 4.0, 5.0, 1.5]


def test_construction_printing_and_coalescing_match_pytorch() -> None:
    for torch in (wb, T):
        s = torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(VALUES), (2, 3))
        assert s.is_sparse and str(s.layout) == "torch.sparse_coo" and s._nnz() == 4
        assert not s.is_coalesced()
        with pytest.raises(RuntimeError, match="uncoalesced"):
            s.indices()
    ours = wb.sparse_coo_tensor(wb.tensor(INDICES), wb.tensor(VALUES), (2, 3))
    theirs = T.sparse_coo_tensor(T.tensor(INDICES), T.tensor(VALUES), (2, 3))
    assert repr(ours) == repr(theirs)
    assert repr(ours.coalesce()) == repr(theirs.coalesce())
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())
    assert tuple(wb.sparse_coo_tensor(wb.tensor(INDICES), wb.tensor(VALUES)).shape) == (2, 3)
    dense = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -1.0]], np.float32)
    assert repr(wb.tensor(dense).to_sparse()) == repr(T.tensor(dense).to_sparse())
    legacy = wb.sparse.FloatTensor(wb.tensor(INDICES), wb.tensor(VALUES), wb.Size([2, 3]))
    np.testing.assert_array_equal(legacy.to_dense().numpy(), theirs.to_dense().numpy())
    with pytest.raises(RuntimeError, match="size is inconsistent"):
        wb.sparse_coo_tensor(wb.tensor(INDICES), wb.tensor(VALUES), (2, 2))


def _product(torch: Any, spelling: str, s: Any, d: Any) -> Any:
    if spelling == "@":
        return s @ d
    return {"sparse.mm": torch.sparse.mm, "spmm": torch.spmm, "mm": torch.mm}[spelling](s, d)


@pytest.mark.parametrize("spelling", ["sparse.mm", "spmm", "mm", "@"])
def test_sparse_times_dense_values_and_gradients_match_pytorch(spelling: str) -> None:
    dense = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    results = []
    for torch in (wb, T):
        values = torch.tensor(VALUES, requires_grad=True)
        d = torch.tensor(dense, requires_grad=True)
        s = torch.sparse_coo_tensor(torch.tensor(INDICES), values, (2, 3))
        product = _product(torch, spelling, s, d)
        (product * torch.arange(8.0).reshape(2, 4)).sum().backward()
        results.append([product.detach().numpy(), values.grad.numpy(), d.grad.numpy()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def _gcn(torch: Any) -> tuple[list[float], np.ndarray]:
    rng = np.random.default_rng(1)
    n, features, hidden, classes = 12, 5, 8, 3
    edges = rng.integers(0, n, (2, 30))
    adjacency = np.zeros((n, n), np.float32)
    adjacency[edges[0], edges[1]] = adjacency[edges[1], edges[0]] = 1
    adjacency += np.eye(n, dtype=np.float32)
    degree = adjacency.sum(1)
    normalised = adjacency / np.sqrt(np.outer(degree, degree))
    rows, cols = np.nonzero(normalised)
    adj = torch.sparse_coo_tensor(
        torch.tensor(np.stack([rows, cols])), torch.tensor(normalised[rows, cols]), (n, n)
    )
    x = torch.tensor(rng.standard_normal((n, features)).astype(np.float32))
    labels = torch.tensor(rng.integers(0, classes, n))
    w1 = torch.tensor(rng.standard_normal((features, hidden)).astype(np.float32) * 0.3)
    w2 = torch.tensor(rng.standard_normal((hidden, classes)).astype(np.float32) * 0.3)
    w1.requires_grad_(True)
    w2.requires_grad_(True)
    opt = torch.optim.Adam([w1, w2], lr=0.05)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        h = torch.relu(torch.spmm(adj, x @ w1))
        logits = torch.spmm(adj, h @ w2)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, w2.detach().numpy()


def test_a_graph_convolutional_network_trains_as_in_pytorch() -> None:
    (ours, w_ours), (theirs, w_theirs) = _gcn(wb), _gcn(T)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-4, atol=1e-6)


def test_a_dense_tensor_has_no_sparse_parts_as_in_pytorch() -> None:
    for torch in (wb, T):
        with pytest.raises(RuntimeError, match="values expected sparse tensor layout"):
            torch.ones(2).values()
        with pytest.raises(RuntimeError, match="indices expected sparse"):
            torch.ones(2).indices()
