"""The fair setup of issue 19: each implementation in a process of its own, programs
written for PyTorch and JAX run with only their imports changed, the sanity row."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from workbench.bench import isolated, programs, report, suite
from workbench.bench.workloads import WORKLOADS


def test_port_changes_only_the_import_lines() -> None:
    source = (
        "import torch\nimport torch.nn as nn\nfrom torch import optim\n"
        "import jax.numpy as jnp\nfrom jax import lax\nx = torch.ones(3)  # import torch\n"
        "    import jax\n"
    )
    assert programs.port(source).splitlines() == [
        "import workbench.eager as torch",
        "import workbench.eager.nn as nn",
        "from workbench.eager import optim",
        "import workbench.functional.numpy as jnp",
        "from workbench.functional import lax",
        "x = torch.ones(3)  # import torch",
        "    import workbench.functional as jax",
    ]
    with pytest.raises(ValueError, match="give the module a name"):
        programs.port("import torch.nn\n")
    assert programs.port("import torchvision\n") == "import torchvision\n"
    assert programs.port("import tensorflow.compat.v1 as tf\n") == (
        "import workbench.static.compat.v1 as tf\n"
    )


def test_the_tf1_program_is_plain_tensorflow_1_code() -> None:
    source = (programs.HERE / "tf1_lstm.py").read_text()
    assert "workbench" not in source.split('"""')[2]
    assert programs.load("tf1_lstm", on_workbench=True).tf.__name__ == (
        "workbench.static.compat.v1"
    )


@pytest.mark.parametrize("name", ["torch_mlp", "torch_cnn", "jax_mlp", "jax_cnn"])
def test_the_programs_are_plain_framework_code(name: str) -> None:
    source = (programs.HERE / f"{name}.py").read_text()
    assert "workbench" not in source.split('"""')[2]  # the code itself never names us
    module = programs.load(name, on_workbench=True)
    assert module.__dict__[name.split("_")[0]].__name__ == programs.STAND_INS[name.split("_")[0]]


@pytest.mark.parametrize("workload", ["mlp", "cnn"])
def test_ported_programs_agree_with_the_framework_and_the_floor(workload: str) -> None:
    spec = WORKLOADS[workload]
    case = spec.cases(False, True)[0]
    names = ["numpy", "tutorial-eager", "tutorial-functional", "tutorial-torch", "tutorial-jax"]
    rows = suite.run_case(spec, case, names, rounds=1, warmup=0, min_seconds=0.0)
    for row in rows:
        if row.note.startswith("not run"):
            continue  # PyTorch or JAX absent
        assert row.agrees, (row.impl, row.note)


def test_each_implementation_runs_in_its_own_process() -> None:
    spec = WORKLOADS["mlp"]
    case = spec.cases(False, True)[0]
    rows = isolated.run_case(
        spec,
        case,
        ["numpy", "eager", "tutorial-eager"],
        size="tiny",
        rounds=2,
        warmup=1,
        min_seconds=0.0,
    )
    assert [r.impl for r in rows] == ["numpy", "eager", "tutorial-eager"]
    for r in rows:
        assert r.agrees, r.note
        assert r.median_ms is not None and 0 < r.min_ms <= r.median_ms <= r.max_ms
        assert r.peak_bytes is not None


def test_a_failing_child_fails_alone() -> None:
    spec = WORKLOADS["mlp"]
    case = spec.cases(False, True)[0]
    rows = isolated.run_case(
        spec, case, ["numpy", "no-such-impl"], size="tiny", rounds=1, warmup=0, min_seconds=0.0
    )
    assert rows[0].agrees and rows[0].median_ms is not None
    assert rows[1].agrees is False and rows[1].note == "failed: KeyError: 'no-such-impl'"
    # a child that dies before it can answer: the note carries its traceback's tail
    lost = suite.Workload("no-such-workload", "", spec.cases, spec.impls)
    (row,) = isolated.run_case(lost, case, ["numpy"], size="tiny", rounds=1, warmup=0)
    assert row.agrees is False and "the process ended (exit 1)" in row.note
    assert "KeyError: 'no-such-workload'" in row.note


def test_wait_until_quiet_returns_once_a_process_sleeps() -> None:
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nt=time.time()\nwhile time.time()-t<0.3: pass\ntime.sleep(30)",
        ]
    )
    try:
        start = time.perf_counter()
        isolated.wait_until_quiet(busy.pid, limit=5.0)
        waited = time.perf_counter() - start
        assert 0.02 <= waited < 3.0  # it waited for the spin to stop, not for the limit
        before = isolated._cpu_ticks(busy.pid)
        time.sleep(0.05)
        assert isolated._cpu_ticks(busy.pid) == before
    finally:
        busy.kill()
        busy.wait()
    assert isolated._cpu_ticks(busy.pid) is None or os.name != "posix"


def test_sanity_row_flags_a_weak_floor() -> None:
    def row(impl: str, ms: float) -> suite.Result:
        return suite.Result("cnn", impl, median_ms=ms, min_ms=ms, max_ms=ms)

    fair = report.sanity([row("numpy", 100.0), row("tutorial-torch", 90.0)])
    assert "= 0.90" in fair and "a fair floor" in fair
    weak = report.sanity([row("numpy", 170.0), row("torch", 75.0)])
    assert "improve the floor first" in weak
    assert report.sanity([row("numpy", 1.0)]) == ""


def test_the_floor_updates_in_place() -> None:
    from workbench.bench import hand
    from workbench.bench.styles import Optimizer

    rng = np.random.default_rng(0)
    p = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2)]
    start = [a.copy() for a in p]
    g = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2)]
    adam = Optimizer("adam", 0.01)
    update = hand.Update(np, adam, p)
    out = update(p, [a.copy() for a in g])
    assert out[0] is p[0]
    m, v = [0.1 * a for a in g], [0.001 * a * a for a in g]
    for a, s, mi, vi in zip(out, start, m, v):
        expect = s - 0.01 * (mi / 0.1) / (np.sqrt(vi / 0.001) + adam.eps)
        np.testing.assert_allclose(a, expect, rtol=1e-5, atol=1e-7)
