"""``python -m workbench coverage torch``: the usage counter on a program written here, the
report from the stored counts (with and without torch installed), and the goal the issue
set (98% of uses in real programs present)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import coverage

PROGRAM = """
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        return torch.relu(self.fc(x)).view(-1)

net = Net()
loader = DataLoader([1, 2])
out = net(torch.zeros(1, 2)).sum()
out.backward()
net.zero_grad()
"""


def test_uses_are_counted_through_aliases_imports_and_method_calls(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    (tmp_path / "prog.py").write_text(PROGRAM)
    (tmp_path / "other.py").write_text("import numpy\nnumpy.zeros(3).view()\n")  # no torch
    counts, files = coverage.count_uses(sorted(tmp_path.glob("*.py")))
    assert files == 1
    assert counts["torch.nn.Module"] == 1 and counts["torch.nn.Linear"] == 1
    assert counts["torch.relu"] == 1 and counts["torch.zeros"] == 1
    assert counts["torch.utils.data.DataLoader"] == 2  # imported, then called
    assert counts["Tensor.view"] == 1 and counts["Tensor.sum"] == 1
    assert counts["Tensor.backward"] == 1 and counts["Module.zero_grad"] == 1
    assert "Net" not in " ".join(counts)  # a program's own names are dropped


def test_the_stored_counts_meet_the_goal_of_98_percent() -> None:
    usage = json.loads((coverage.DATA / "torch_usage.json").read_text())
    assert usage["files"] >= 100 and len(usage["sources"]) >= 5
    report = coverage.report(usage)
    assert report.weighted >= 0.98, coverage.render(report, 20)


def test_the_report_works_from_the_snapshot_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    real = coverage.importlib.import_module

    def no_torch(name: str, *args: object) -> object:
        if name == "torch" or name.startswith("torch."):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(coverage.importlib, "import_module", no_torch)
    names = coverage._public_names()
    assert "Linear" in names["torch.nn"] and "view" in names["Tensor"]


def test_the_command_prints_the_table() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "coverage", "torch", "--top", "5"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("usage-weighted coverage of PyTorch:")
    assert "torch.nn.functional" in out and "most used names not (yet)" in out
