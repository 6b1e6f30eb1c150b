"""The benchmark suite: every workload and implementation runs at tiny sizes and agrees
with the hand-written step; the command writes the JSON schema and the chart. No timing
is asserted (timings are measured by the benchmarks, in ratios)."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.bench import compiler, measure_interleaved, report, suite
from workbench.bench.workloads import IMPLEMENTATIONS, WORKLOADS

HAVE = {name: importlib.util.find_spec(name) is not None for name in ("torch", "jax")}


def _needs(impl: str) -> str | None:
    lib = "torch" if impl.startswith("torch") else "jax" if impl.startswith("jax") else None
    return lib if lib is not None and not HAVE[lib] else None


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_every_implementation_agrees_with_the_hand_written_step(name: str) -> None:
    spec = WORKLOADS[name]
    impls = [i for i in spec.impls if i != "torch-compile"]  # compiled once, below
    for case in spec.cases(False, True):
        rows = suite.run_case(spec, case, impls, rounds=1, warmup=0, min_seconds=0.0)
        assert [r.impl for r in rows] == impls
        for r in rows:
            missing = _needs(r.impl)
            if missing:
                assert r.note.startswith("not run") and missing in r.note
                continue
            assert r.agrees is True, f"{name}{case.label} {r.impl}: {r.note}"
            assert r.median_ms is not None and r.min_ms <= r.median_ms <= r.max_ms


@pytest.mark.skipif(not HAVE["torch"], reason="needs PyTorch")
def test_torch_compile_implementation_agrees() -> None:
    spec = WORKLOADS["mlp"]
    (row,) = suite.run_case(spec, spec.cases(False, True)[0], ["torch-compile"], rounds=1)
    assert row.agrees is None or row.agrees is True  # no reference in this run
    rows = suite.run_case(spec, spec.cases(False, True)[0], ["numpy", "torch-compile"], rounds=1)
    assert rows[1].agrees is True, rows[1].note


def test_a_disagreeing_implementation_is_reported_and_not_timed() -> None:
    def good(case: suite.Case, device: str) -> suite.Runner:
        return suite.Runner(lambda: np.ones(3), lambda out: [out])

    def wrong(case: suite.Case, device: str) -> suite.Runner:
        return suite.Runner(lambda: np.ones(3) * 1.01, lambda out: [out])

    def missing(case: suite.Case, device: str) -> suite.Runner:
        raise suite.Unavailable("somelib is not installed")

    def broken(case: suite.Case, device: str) -> suite.Runner:
        raise ZeroDivisionError("a bug in this implementation")

    spec = suite.Workload(
        "toy",
        "a toy",
        lambda quick, tiny: [suite.Case("toy", "", {})],
        {"numpy": good, "bad": wrong, "absent": missing, "broken": broken},
    )
    rows = {
        r.impl: r for r in suite.run_case(spec, spec.cases(False, False)[0], spec.impls, rounds=1)
    }
    assert rows["numpy"].agrees is True and rows["numpy"].median_ms is not None
    assert rows["bad"].agrees is False and rows["bad"].median_ms is None
    assert "disagrees with numpy" in rows["bad"].note
    assert rows["absent"].agrees is None and "somelib is not installed" in rows["absent"].note
    assert rows["broken"].agrees is False and "ZeroDivisionError: a bug" in rows["broken"].note
    text = report.table(list(rows.values()))
    assert "disagrees" in text and "not run" in text
    assert rows["bad"].as_json()["agrees"] is False


def test_max_difference_scales_with_the_tolerance() -> None:
    ref = [np.array([1.0, 100.0])]
    assert suite.max_difference([np.array([1.0 + 1e-5, 100.0 + 1e-3])], ref) <= 1.0
    assert suite.max_difference([np.array([1.0 + 1e-3, 100.0])], ref) > 1.0
    assert suite.max_difference([np.ones(3)], ref) == float("inf")


def test_only_picks_workloads_and_implementations() -> None:
    names, impls = suite.select(WORKLOADS, "mlp,cnn,eager,torch", IMPLEMENTATIONS)
    assert names == ["mlp", "cnn"] and impls == ["eager", "torch"]
    names, impls = suite.select(WORKLOADS, "eager", IMPLEMENTATIONS)
    assert names == list(WORKLOADS) and impls == ["eager"]
    with pytest.raises(ValueError, match="unknown name.*nope.*workloads: mlp"):
        suite.select(WORKLOADS, "mlp,nope", IMPLEMENTATIONS)


def test_progress_bar_draws_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        bar = report.Progress(4, stream=stream, width=8)
        bar("mlp: checking eager")
        bar("mlp: timing")
        bar.close()
    assert "[####----] 2/4 mlp: timing" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_bench_command_writes_json_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "bench",
            "--tiny",
            "--only",
            "mlp,overhead,numpy,eager,functional-jit",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "[mlp]" in proc.stdout and "[overhead]" in proc.stdout and "/numpy" in proc.stdout
    doc = json.loads(out.read_text())
    assert doc["device"] == "cpu" and doc["versions"]["numpy"] == np.__version__
    fields = {"workload", "impl", "median_ms", "min_ms", "max_ms", "peak_bytes", "agrees"}
    assert {(r["workload"], r["impl"]) for r in doc["results"]} == {
        (w, i) for w in ("mlp", "overhead") for i in ("numpy", "eager", "functional-jit")
    }
    for r in doc["results"]:
        assert fields <= set(r)
        assert r["agrees"] is True
        assert r["min_ms"] <= r["median_ms"] <= r["max_ms"]
        assert isinstance(r["peak_bytes"], int) and r["peak_bytes"] > 0
    assert {r["case"] for r in doc["results"] if r["workload"] == "overhead"} == {
        "[forward]",
        "[forward+backward]",
    }
    assert all(r["us_per_op"] > 0 for r in doc["results"] if r["workload"] == "overhead")
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_command_rejects_unknown_names() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "bench", "--only", "mlpp"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "unknown name(s) for --only: mlpp" in proc.stderr


def test_bench_command_explains_a_missing_gpu() -> None:
    from workbench.backend import cuda_available

    if cuda_available():
        pytest.skip("this machine has a GPU")
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "bench", "--device", "gpu", "--only", "mlp"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "no CUDA GPU" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_measure_interleaved_reports_every_function() -> None:
    result = measure_interleaved(
        {"a": lambda: None, "b": lambda: sum(range(10))}, rounds=3, min_seconds=1e-4
    )
    assert set(result) == {"a", "b"}
    assert all(m.minimum <= m.median <= m.maximum and m.samples == 3 for m in result.values())


def test_compiler_workloads_agree_before_timing() -> None:
    functions, first = compiler.mlp_functions("cpu", layers=(16, 8, 4), batch=4)
    assert {"workbench compiled", "workbench eager", "numpy by hand"} <= set(functions)
    assert all(compiler.agreement(first).values()), compiler.agreement(first)
    rows = compiler.run_chain(n_ops=30, rounds=1)
    assert [r["impl"] for r in rows] == ["eager", "compiled", "compiled, no native kernels"]
    assert "speed-up" in compiler.chain_table(rows)


def test_allocator_tuning_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench import config

    monkeypatch.setenv("WORKBENCH_MALLOC_TUNING", "0")
    assert config.malloc_tuning() is False
