"""End-to-end: data loading, checkpoints, and an MLP trained on scikit-learn's digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import workbench.eager as torch
from workbench.eager.utils.data import DataLoader, TensorDataset, random_split


def test_dataloader_batches_shuffles_reproducibly_and_drops_last() -> None:
    data = TensorDataset(torch.arange(10).float(), torch.arange(10))
    loader = DataLoader(
        data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1)
    )
    first = [y.tolist() for _, y in loader]
    again = [
        y.tolist()
        for _, y in DataLoader(
            data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1)
        )
    ]
    assert first == again and sorted(sum(first, [])) == list(range(10)) and len(first) == 3
    assert len(list(DataLoader(data, batch_size=4, drop_last=True))) == 2
    train, test = random_split(data, [0.8, 0.2])
    assert len(train) == 8 and len(test) == 2


def test_dataloader_collates_tuples_and_dicts() -> None:
    class Pairs(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> dict:
            return {"x": torch.tensor([float(i), 1.0]), "y": i}

    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert tuple(batch["x"].shape) == (3, 2) and batch["y"].tolist() == [0, 1, 2]


def test_checkpoints_round_trip_without_pickle_and_atomically(tmp_path: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(2, 3)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)
    loaded = torch.load(path)
    assert loaded["epoch"] == 3
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    assert repr(fresh.load_state_dict(loaded["model"])) == "<All keys matched successfully>"
    for a, b in zip(fresh.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    opt2 = torch.optim.Adam(fresh.parameters())
    opt2.load_state_dict(loaded["opt"])
    assert opt2.state[next(iter(fresh.parameters()))]["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary file left behind
    with np.load(path, allow_pickle=False) as archive:
        assert "__structure__" in archive.files
    with pytest.raises(RuntimeError, match="Missing key"):
        fresh.load_state_dict({"0.weight": loaded["model"]["0.weight"]})


def test_an_mlp_learns_sklearn_digits_to_95_percent() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:1400], order[1400:]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(
        TensorDataset(torch.tensor(x[train]), torch.tensor(y[train])),
        batch_size=64,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    for _ in range(15):
        for xb, yb in loader:
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        predicted = model(torch.tensor(x[test])).argmax(1)
    accuracy = (predicted == torch.tensor(y[test])).float().mean().item()
    assert accuracy >= 0.95, accuracy


@pytest.mark.gpu
def test_the_same_training_code_runs_on_the_gpu_by_changing_the_device() -> None:
    def train(device: str) -> list[float]:
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
        ).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        x = torch.tensor(np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8), device=device)
        y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1], device=device)
        losses = []
        for _ in range(5):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert next(model.parameters()).is_cuda == device.startswith("cuda")
        return losses

    np.testing.assert_allclose(train("cuda"), train("cpu"), rtol=1e-5)
    assert torch.cuda.is_available() and torch.cuda.device_count() >= 1


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 1e-3})],
)
def test_optimizer_state_matches_torch(name: str, kwargs: dict) -> None:
    """Which per-parameter state an optimizer keeps after a step, as PyTorch keeps it
    (plain SGD keeps none, so its state_dict's state is empty)."""
    real = pytest.importorskip("torch")
    states = []
    for lib in (torch, real):
        model = lib.nn.Linear(3, 2)
        opt = getattr(lib.optim, name)(model.parameters(), **kwargs)
        model(lib.ones(4, 3)).sum().backward()
        opt.step()
        states.append({k: sorted(v) for k, v in opt.state_dict()["state"].items()})
    assert states[0] == states[1]
