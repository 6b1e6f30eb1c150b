"""PyTorch's argument parser takes NumPy's spellings (``axis`` for ``dim``, ``keepdims``
for ``keepdim``); a learner's ``x.mean(axis=0)`` must run and agree with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import workbench.eager as wtorch

torch = pytest.importorskip("torch")

METHODS = ["sum", "mean", "prod", "amax", "amin", "var", "std", "logsumexp", "softmax",
           "log_softmax", "cumsum", "argmax", "argmin", "all", "any"]  # fmt: skip


@pytest.mark.parametrize("name", METHODS)
def test_axis_and_keepdims_are_dim_and_keepdim(name: str) -> None:
    data = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    kwargs = (
        {"axis": 1}
        if name in ("softmax", "log_softmax", "cumsum")
        else {"axis": 1, "keepdims": True}
    )
    if name in ("all", "any"):
        data = data > 0
    ours = getattr(wtorch.tensor(data), name)(**kwargs)
    theirs = getattr(torch.tensor(data), name)(**kwargs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    as_function = getattr(wtorch, name, None)
    if as_function is not None:
        np.testing.assert_allclose(
            as_function(wtorch.tensor(data), **kwargs).numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6
        )


def test_max_with_axis_returns_values_and_indices() -> None:
    data = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    values, indices = wtorch.tensor(data).max(axis=0)
    want = torch.tensor(data).max(axis=0)
    np.testing.assert_allclose(values.numpy(), want.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), want.indices.numpy())
