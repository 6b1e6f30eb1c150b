"""The overhead benchmark runs and reports every implementation (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from workbench.bench import measure_interleaved, overhead


def test_core_and_raw_chains_compute_the_same_gradient() -> None:
    core = overhead.core_functions(30, "cpu")["forward+backward"]()[0].numpy()
    raw = overhead.raw_functions(30, np)["forward+backward"]()
    np.testing.assert_allclose(core, raw, rtol=1e-5)


def test_measure_interleaved_reports_every_function() -> None:
    result = measure_interleaved(
        {"a": lambda: None, "b": lambda: sum(range(10))}, rounds=3, min_seconds=1e-4
    )
    assert set(result) == {"a", "b"}
    assert all(m.minimum <= m.median <= m.maximum and m.samples == 3 for m in result.values())


def test_bench_command_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "bench",
            "--quick",
            "--only",
            "overhead",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "forward+backward" in proc.stdout
    data = json.loads(out.read_text())
    assert data["device"] == "cpu"
    impls = {(r["mode"], r["impl"]) for r in data["results"]}
    assert {
        ("forward", "workbench"),
        ("forward", "numpy"),
        ("forward+backward", "workbench"),
    } <= impls
    assert all(r["us_per_op"] > 0 for r in data["results"])


def test_compiler_workloads_agree_before_timing() -> None:
    from workbench.bench import compiler

    functions, first = compiler.mlp_functions("cpu", layers=(16, 8, 4), batch=4)
    assert {"workbench compiled", "workbench eager", "numpy by hand"} <= set(functions)
    assert all(compiler.agreement(first).values()), compiler.agreement(first)
    rows = compiler.run_chain(n_ops=30, rounds=1)
    assert [r["impl"] for r in rows] == ["eager", "compiled", "compiled, no native kernels"]
    assert "speed-up" in compiler.chain_table(rows)


def test_eager_front_end_workloads_agree_with_the_hand_written_steps() -> None:
    from workbench.bench import frontends

    for workload in ("mlp", "cnn"):
        _, first = frontends.functions(workload)
        reference = first["numpy by hand"]
        for name, values in first.items():
            for a, b in zip(values, reference, strict=True):
                np.testing.assert_allclose(
                    a, b, rtol=1e-4, atol=1e-4, err_msg=f"{workload}: {name}"
                )


def test_static_front_end_steps_agree_with_the_hand_written_step() -> None:
    from workbench.bench import static_steps

    functions, first, sess = static_steps.functions()
    assert {"static Session.run", "static tf.function", "static keras train_on_batch"} <= set(
        functions
    )
    reference = first["numpy by hand"]
    for name, values in first.items():
        for a, b in zip(values, reference, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4, err_msg=name)
    program = max(sess.programs.values(), key=lambda p: len(p.ops))
    assert "cse:" in program.plan.report() and "fusion:" in program.plan.report()


def test_functional_workloads_agree() -> None:
    from workbench.bench import functional_steps

    fns, first = functional_steps.mlp_functions()
    reference = first["numpy by hand"]
    for name, values in first.items():
        for a, b in zip(values, reference, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4, err_msg=name)
    fns, norms = functional_steps.per_example_functions()
    np.testing.assert_allclose(
        norms["workbench vmap(grad)"], norms["workbench loop of grad"], rtol=1e-4, atol=1e-5
    )


def test_allocator_tuning_can_be_turned_off(monkeypatch: object) -> None:
    from workbench import config

    monkeypatch.setenv("WORKBENCH_MALLOC_TUNING", "0")  # type: ignore[attr-defined]
    assert config.malloc_tuning() is False
