"""Whole-object checkpoints as PyTorch 2.6+ treats them: ``torch.save(model)`` stores the
module; ``torch.load`` refuses it by default (weights_only=True) with PyTorch's error
class and advice, loads it once its classes are allow-listed, or with weights_only=False;
the file is never unpickled and nothing named in it is ever called."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.eager as torch
from workbench.eager import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.lstm = nn.LSTM(4, 3, batch_first=True)
        self.head = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.BatchNorm1d(2))
        self.register_buffer("steps", torch.arange(3.0))
        self.act = torch.tanh  # a function attribute is stored by name

    def forward(self, x: Any, s: Any) -> tuple[Any, Any]:
        y, _ = self.lstm(s)
        return self.head(self.act(y[:, -1])), self.conv(x)


CLASSES = [Net, nn.Conv2d, nn.LSTM, nn.Sequential, nn.Linear, nn.ReLU, nn.BatchNorm1d, torch.tanh]


def _saved(obj: Any) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


def test_a_whole_module_round_trips_with_weights_only_false(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = Net().eval()
    torch.save(model, tmp_path / "model.pt")
    loaded = torch.load(tmp_path / "model.pt", weights_only=False)
    assert type(loaded) is Net and not loaded.training and loaded.act is torch.tanh
    assert all(type(p) is nn.Parameter for p in loaded.parameters())
    assert [k for k, _ in loaded.named_buffers()] == [k for k, _ in model.named_buffers()]
    x, s = torch.randn(1, 1, 5, 5), torch.randn(2, 3, 4)
    for a, b in zip(model(x, s), loaded(x, s), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert repr(loaded) == repr(model)
    # the loaded module trains: its parameters are its own leaves
    opt = torch.optim.SGD(loaded.parameters(), lr=0.1)
    loaded.train()
    (loaded(x, s)[1] ** 2).sum().backward()
    opt.step()
    assert not np.array_equal(
        loaded.conv.weight.detach().numpy(), model.conv.weight.detach().numpy()
    )


def test_loading_a_module_by_default_is_refused_with_pytorchs_error() -> None:
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as caught:
        torch.load(_saved(Net()))
    message = str(caught.value)
    assert "weights_only=False" in message
    assert "Unsupported global: GLOBAL tests.eager.test_checkpoints.Net" in message
    assert "torch.serialization.add_safe_globals([Net])" in message


def test_allow_listed_classes_load_with_weights_only() -> None:
    buffer = _saved(Net())
    with torch.serialization.safe_globals(CLASSES):
        assert type(torch.load(buffer)) is Net
    assert torch.serialization.get_safe_globals() == []  # the context restored the list
    torch.serialization.add_safe_globals(CLASSES)
    try:
        buffer.seek(0)
        assert type(torch.load(buffer, weights_only=True)) is Net
    finally:
        torch.serialization.clear_safe_globals()
    buffer.seek(0)
    with (
        torch.serialization.safe_globals(CLASSES[:-1]),
        pytest.raises(pickle.UnpicklingError, match="tanh"),
    ):
        torch.load(buffer)


def test_state_dicts_and_plain_values_need_no_allow_list() -> None:
    model = nn.Linear(2, 3)
    loaded = torch.load(
        _saved(
            {
                "sd": model.state_dict(),
                "dtype": torch.float64,
                "size": torch.Size([2, 3]),
                "dev": torch.device("cpu"),
                "s": {1, 2},
                "np": np.arange(3),
            }
        )
    )
    assert type(loaded["sd"]).__name__ == "OrderedDict" and list(loaded["sd"]) == ["weight", "bias"]
    assert loaded["dtype"] is torch.float64 and loaded["size"] == torch.Size([2, 3])
    assert str(loaded["dev"]) == "cpu" and loaded["s"] == {1, 2}
    np.testing.assert_array_equal(loaded["np"], np.arange(3))
    optimizer = torch.optim.Adam(model.parameters())
    assert type(torch.load(_saved(optimizer), weights_only=False)).__name__ == "Adam"


def _forged(structure: Any) -> io.BytesIO:
    buffer = io.BytesIO()
    np.savez(buffer, __structure__=np.frombuffer(json.dumps(structure).encode(), np.uint8))
    buffer.seek(0)
    return buffer


def test_a_forged_file_cannot_make_load_call_anything(tmp_path: Path) -> None:
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL os.system"):
        torch.load(_forged({"__object__": "os:system", "state": None}))
    # even with consent, a named function is only looked up, never called
    with pytest.raises(pickle.UnpicklingError, match="is not a class"):
        torch.load(_forged({"__object__": "os:system", "state": None}), weights_only=False)
    assert torch.load(_forged({"__global__": "os:getcwd"}), weights_only=False).__name__ == "getcwd"


def test_objects_that_cannot_be_rebuilt_by_name_are_refused_when_saving() -> None:
    model = nn.Linear(2, 2)
    model.hook = lambda x: x  # type: ignore[assignment]
    with pytest.raises(TypeError, match="save: cannot store"):
        torch.save(model, io.BytesIO())
