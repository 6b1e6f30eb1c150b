"""Import paths programs use (``torch.nn.modules.<file>``) and ``torch.onnx.export``: the
path table is checked against PyTorch 2.13's own files, and an exported network runs in
ONNX Runtime to the eval-mode numbers of both the workbench and PyTorch."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

import workbench.eager as wb
from workbench.eager.nn.module_paths import PATHS

T = pytest.importorskip("torch")


@pytest.mark.parametrize("file", sorted(PATHS))
def test_every_module_path_holds_what_pytorchs_file_holds(file: str) -> None:
    ours = importlib.import_module(f"workbench.eager.nn.modules.{file}")
    theirs = importlib.import_module(f"torch.nn.modules.{file}")
    for name in PATHS[file]:
        assert hasattr(theirs, name), f"torch.nn.modules.{file} has no {name}"
        assert getattr(ours, name) is getattr(wb.nn, name, getattr(ours, name))
    from workbench.eager.nn.modules.utils import _pair, _triple

    assert _pair(3) == (3, 3) and _triple((1, 2, 3)) == (1, 2, 3)


def _net(nn: object) -> object:
    class Net(nn.Module):  # type: ignore[attr-defined, misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)  # type: ignore[attr-defined]
            self.bn = nn.BatchNorm2d(4)  # type: ignore[attr-defined]
            self.drop = nn.Dropout(0.5)  # type: ignore[attr-defined]
            self.fc = nn.Linear(4 * 8 * 8, 10)  # type: ignore[attr-defined]

        def forward(self, x: object) -> object:
            h = self.drop(self.bn(self.conv(x)).relu())
            return self.fc(h.flatten(1)).log_softmax(1)

    return Net()


def test_an_exported_network_runs_in_onnx_runtime_with_pytorchs_numbers(tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    ours, theirs = _net(wb.nn), _net(T.nn)
    theirs.load_state_dict({k: T.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    ours(wb.tensor(x))  # one training step moves the batch-norm statistics
    theirs(T.tensor(x))
    path = tmp_path / "net.onnx"
    with pytest.warns(UserWarning, match="dynamic_axes"):
        wb.onnx.export(
            ours,
            (wb.tensor(x),),
            str(path),
            input_names=["image"],
            output_names=["logp"],
            dynamic_axes={"image": {0: "batch"}},
        )
    assert ours.training  # restored after exporting in eval mode
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["image"]
    (got,) = session.run(["logp"], {"image": x})
    theirs.eval()
    np.testing.assert_allclose(got, theirs(T.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(Exception, match="Got: 3 Expected: 2"):
        session.run(None, {"image": np.zeros((3, 1, 8, 8), np.float32)})
