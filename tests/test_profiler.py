"""``workbench.profiler``: per-primitive times, shapes, bytes and peak memory for steps
in every front end; the table, the Chrome trace and the chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.eager as torch
import workbench.functional as jax
import workbench.functional.numpy as jnp
import workbench.static as tf
from workbench import profiler
from workbench.core import dispatch


def _eager_step() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    x, y = torch.randn(4, 8), torch.tensor([0, 1, 2, 0])
    torch.nn.functional.cross_entropy(model(x), y).backward()


def test_eager_step_is_recorded_primitive_by_primitive() -> None:
    with profiler.profile(record_shapes=True) as prof:
        _eager_step()
    names = {e.name for e in prof.events}
    # each Linear is one operation forward (PyTorch's addmm); its gradients are products
    assert {"linear", "relu", "dot_general", "log_softmax"} <= names
    layers = [e for e in prof.events if e.name == "linear"]
    assert ((4, 8), (16, 8), (16,)) in {e.shapes for e in layers}  # x W1ᵀ + b, PyTorch's layout
    first = next(e for e in layers if e.shapes == ((4, 8), (16, 8), (16,)))
    assert first.bytes_in == (32 + 128 + 16) * 4 and first.bytes_out == 64 * 4
    assert first.dtypes == ("float32",) * 3 and first.source == "eager"
    # the events are in order, inside the block, and not overlapping
    for a, b in zip(prof.events, prof.events[1:]):
        assert a.start_us + a.duration_us <= b.start_us + 1e-6
    assert sum(e.duration_us for e in prof.events) <= prof.wall_us
    assert prof.peak_bytes is not None and prof.peak_bytes >= 64 * 4
    assert prof.overhead_us > 0


def test_table_is_sorted_by_total_time_and_reports_overhead() -> None:
    with profiler.profile() as prof:
        _eager_step()
    rows = prof.rows()
    totals = [r["total_us"] for r in rows]
    assert totals == sorted(totals, reverse=True)
    assert sum(r["calls"] for r in rows) == len(prof.events)
    text = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["name", "calls", "total"]
    assert len([ln for ln in lines if ln and not ln.startswith("-")]) == 1 + 5 + 1
    assert "profiler overhead" in lines[-1] and "µs per event" in lines[-1]
    assert "peak memory" in lines[-1]
    by_calls = prof.key_averages().table(sort_by="count", row_limit=3).splitlines()[2]
    assert int(by_calls.split()[1]) == max(r["calls"] for r in rows)


def test_compiled_steps_report_fused_groups() -> None:
    def loss(w: jax.Array, x: jax.Array) -> jax.Array:
        return jnp.sum(jnp.tanh(x @ w * 2.0 + 1.0))

    step = jax.jit(jax.grad(loss))
    w, x = jnp.ones((8, 4)), jnp.ones((2, 8))
    expected = np.asarray(step(w, x))
    with profiler.profile() as prof:
        got = step(w, x)
    np.testing.assert_allclose(np.asarray(got), expected)  # profiling changes no result
    assert all(e.source == "plan" for e in prof.events)
    assert any(e.name.startswith("fused[") and "tanh" in e.name for e in prof.events)
    assert any(e.name == "dot_general" for e in prof.events)


def test_session_and_tf_function_are_profiled() -> None:
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        y = tf.reduce_sum(tf.nn.relu(tf.matmul(x, tf.ones([3, 2]))))
        sess = tf.compat.v1.Session(graph=graph)
    feed = {x: np.ones((2, 3), np.float32)}
    sess.run(y, feed)
    with profiler.profile() as prof:
        assert sess.run(y, feed) == pytest.approx(12.0)
    assert any(e.name == "dot_general" for e in prof.events)

    @tf.function
    def f(v: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(v * v)

    f(tf.ones([4]))
    with profiler.profile() as prof:
        assert float(f(tf.ones([4]))) == 4.0
    assert prof.events


def test_chrome_trace_opens_as_trace_events(tmp_path: Path) -> None:
    with profiler.profile() as prof:
        _eager_step()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    doc = json.loads(path.read_text())
    events = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert len(events) == len(prof.events)
    assert all(e["dur"] >= 0 and e["ts"] >= 0 and "shapes" in e["args"] for e in events)
    assert {e["name"] for e in doc["traceEvents"] if e["ph"] == "M"} == {"thread_name"}


def test_profiler_is_removed_after_the_block_even_on_errors() -> None:
    with pytest.raises(RuntimeError):
        with profiler.profile():
            raise RuntimeError("boom")
    assert dispatch.PROFILERS == []
    with profiler.profile() as outer:
        with profiler.profile() as inner:
            _eager_step()
        _eager_step()
    assert inner.events and len(outer.events) == len(inner.events)  # innermost records
    assert dispatch.PROFILERS == []


def test_chart_is_a_figure() -> None:
    with profiler.profile() as prof:
        _eager_step()
    fig = prof.chart(top=5)
    assert len(fig.axes[0].patches) == min(5, len(prof.rows()))


def _tutorial(torch_lib: Any, path: Path) -> Any:
    """PyTorch's profiler recipe, written once for both libraries."""
    from_profiler = torch_lib.profiler
    model = torch_lib.nn.Sequential(torch_lib.nn.Linear(16, 8), torch_lib.nn.ReLU())
    inputs = torch_lib.randn(4, 16)
    traces = []
    with from_profiler.profile(
        activities=[from_profiler.ProfilerActivity.CPU],
        record_shapes=True,
        profile_memory=True,
        on_trace_ready=traces.append,
    ) as prof:
        with from_profiler.record_function("model_inference"):
            model(inputs)
    text = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    by_shape = prof.key_averages(group_by_input_shape=True).table(
        sort_by="cpu_time_total", row_limit=10
    )
    memory = prof.key_averages().table(sort_by="self_cpu_memory_usage", row_limit=10)
    prof.export_chrome_trace(str(path))
    return text, by_shape, memory, traces


def test_pytorch_profiler_recipe_runs_unchanged(tmp_path: Path) -> None:
    text, by_shape, memory, traces = _tutorial(torch, tmp_path / "trace.json")
    assert "model_inference" in text and "linear" in text
    assert "4x16 8x16 8" in by_shape  # the input shapes of the linear layer: x, W and b
    assert "peak memory" in memory and len(traces) == 1
    doc = json.loads((tmp_path / "trace.json").read_text())
    assert "model_inference" in {e["name"] for e in doc["traceEvents"]}
    prof = traces[0]
    total = sum(r["total_us"] for r in prof.rows() if not r["range"])
    inference = next(r for r in prof.rows() if r["name"] == "model_inference")
    assert inference["total_us"] >= total  # the label spans the primitives inside it


def test_the_same_recipe_runs_on_pytorch(tmp_path: Path) -> None:
    real = pytest.importorskip("torch")
    text, _, _, traces = _tutorial(real, tmp_path / "trace.json")
    assert "model_inference" in text and len(traces) == 1


def test_profiling_imports_no_pictures_and_no_other_front_end() -> None:
    import subprocess
    import sys

    code = (
        "import sys, workbench.eager as torch, workbench.profiler as p\n"
        "with p.profile() as prof:\n"
        "    (torch.ones(3) * 2).sum()\n"
        "prof.table()\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('workbench.')}))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    packages, matplotlib = out.stdout.splitlines()[-2:]
    assert "viz" not in packages and "functional" not in packages and "static" not in packages
    assert matplotlib == "False"  # the chart import happens inside the chart call
