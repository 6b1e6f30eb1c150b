"""The executor: compiled plans compute what the graph means (the float64 NumPy
evaluation is the reference), plans are cached per signature, planned buffers never
leak into results, control flow and fused kernels run compiled."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given

from tests.core.passes.test_passes import INPUTS, programs
from workbench.core import array, eval_graph, grad, make_graph, ops
from workbench.core.executor import Executor


def f32(x: Any) -> Any:
    return array(np.asarray(x, dtype=np.float32))


@pytest.mark.parametrize("native", [True, False], ids=["native-kernels", "ufunc-chains"])
@given(programs())
def test_compiled_plans_match_the_reference_evaluation(native: bool, program_and_n: Any) -> None:
    program, _ = program_and_n
    graph = make_graph(program, *INPUTS)
    executor = Executor(native_kernels=native)
    expected = [v.numpy() for v in eval_graph(graph, *INPUTS)]
    for _ in range(2):  # the second run reuses the plan and its buffers
        actual = [v.numpy() for v in executor.run(graph, *INPUTS)]
        for a, e in zip(actual, expected):
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_plans_are_cached_per_signature_and_counted() -> None:
    graph = make_graph(lambda x: ops.tanh(ops.mul(x, 2.0)), f32([1.0, 2.0]))
    executor = Executor()
    executor.run(graph, f32([1.0, 2.0]))
    executor.run(graph, f32([3.0, 4.0]))
    assert (executor.stats.compiles, executor.stats.hits) == (1, 1)
    assert "compiled" in str(executor.stats)


def test_results_never_alias_planned_buffers() -> None:
    def f(x: Any) -> Any:
        h = ops.exp(ops.sin(x))
        return ops.add(ops.tanh(h), 1.0), ops.reduce_sum(h)

    graph = make_graph(f, f32(np.zeros(8)))
    executor = Executor(native_kernels=False)
    first = [v.numpy().copy() for v in executor.run(graph, f32(np.zeros(8)))]
    kept = executor.run(graph, f32(np.zeros(8)))
    executor.run(graph, f32(np.ones(8)))  # would overwrite a leaked buffer
    for k, f_ in zip(kept, first):
        np.testing.assert_array_equal(k.numpy(), f_)


def test_elementwise_chains_run_in_place_in_one_buffer() -> None:
    def chain(x: Any) -> Any:
        for _ in range(20):
            x = ops.tanh(ops.add(ops.mul(x, 1.01), 0.1))
        return ops.reduce_sum(x)

    x = f32(np.linspace(-1, 1, 16))
    graph = make_graph(chain, x)
    plan = Executor(native_kernels=False).plan(graph, graph.in_types)
    assert plan.memory.buffers == 1
    assert plan.memory.in_place == plan.memory.planned_values - 1
    assert "out=b" in plan.source
    np.testing.assert_allclose(plan(x)[0].numpy(), chain(x).numpy(), rtol=1e-6)


def test_fused_groups_become_one_native_kernel_when_a_compiler_exists() -> None:
    from workbench.backend import native

    if native.compiler() is None:
        pytest.skip("no C compiler")
    x = f32(np.linspace(-3, 3, 64))
    f = lambda v: ops.maximum(ops.mul(ops.logistic(v), ops.erf(v)), ops.relu(ops.neg(v)))  # noqa: E731
    graph = make_graph(f, x)
    executor = Executor()
    plan = executor.plan(graph, graph.in_types)
    assert executor.stats.kernels == 1
    assert plan.source.count("# fused") == 1
    np.testing.assert_allclose(plan(x)[0].numpy(), f(x).numpy(), rtol=2e-6, atol=1e-7)


def test_kernels_keep_numpys_nan_semantics() -> None:
    x = f32([np.nan, -1.0, 2.0, np.inf])
    f = lambda v: ops.add(ops.maximum(v, 0.5), ops.relu(v))  # noqa: E731
    graph = make_graph(f, x)
    np.testing.assert_array_equal(Executor().run(graph, x)[0].numpy(), f(x).numpy())


def test_control_flow_runs_through_compiled_subplans() -> None:
    w = f32([[0.5, -1.0], [2.0, 0.3]])

    def f(h: Any, xs: Any) -> Any:
        h, ys = ops.scan(
            lambda c, x: (ops.tanh(ops.add(ops.matmul(w, c), x)), ops.reduce_sum(c)), h, xs
        )
        total = ops.reduce_sum(ys)
        return ops.cond(ops.gt(total, 0.0), lambda v: ops.mul(v, 2.0), ops.neg, h)

    h0, xs = f32([0.1, -0.2]), f32(np.linspace(-1, 1, 10).reshape(5, 2))
    graph = make_graph(f, h0, xs)
    np.testing.assert_allclose(
        Executor().run(graph, h0, xs)[0].numpy(), f(h0, xs).numpy(), rtol=1e-6
    )


@pytest.mark.parametrize("native", [True, False], ids=["native-kernels", "ufunc-chains"])
@given(programs())
def test_compiled_loops_write_each_steps_results_into_their_rows(
    native: bool, program_and_n: Any
) -> None:
    """A compiled scan body writes its ys straight into the stacked results: whatever
    makes them (a kernel with several results, a ufunc, a 0-d reduction), and whether a
    y is also the carry, an operand passed through or returned twice."""
    program, _ = program_and_n

    def body(c: Any, x: Any) -> Any:
        outs = program(c, x)
        return outs[0], [*outs, c, x, outs[-1], outs[0]]

    def f(c0: Any, xs: Any) -> Any:
        return ops.scan(body, c0, xs)

    xs = array(np.stack([INPUTS[1].numpy() * k for k in (1.0, -0.5, 0.25)]))
    graph = make_graph(f, INPUTS[0], xs)
    executor = Executor(native_kernels=native)
    expected = [v.numpy() for v in eval_graph(graph, INPUTS[0], xs)]
    for _ in range(2):
        actual = [v.numpy() for v in executor.run(graph, INPUTS[0], xs)]
        for a, e in zip(actual, expected, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_a_plan_writes_its_results_into_given_arrays() -> None:
    x = f32(np.linspace(-1, 1, 6).reshape(2, 3))
    f = lambda v: (ops.neg(v), ops.tanh(ops.mul(v, 3.0)), ops.exp(v), ops.reduce_sum(v))  # noqa: E731
    graph = make_graph(f, x)
    plan = Executor().plan(graph, graph.in_types)
    into = [np.empty((2, 3), np.float32), np.empty((2, 3), np.float32), np.empty((), np.float32)]
    returned = plan.into_fn(1)(x.data, into)
    assert len(returned) == 1
    for got, want in zip([returned[0], *into], f(x), strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)
    source = plan.into_fn(1).source
    assert "out=o0" in source or "outs=(o0" in source  # the step making it writes there
    assert "o2[...] = " in source  # a 0-d reduction's result is copied in
    assert plan.into_fn(1) is plan.into_fn(1)  # built once


def test_a_join_is_written_into_the_given_array() -> None:
    """A loop body's y that is a concatenation (an LSTM's four gate gradients) is joined
    straight into its row of the stacked result, not joined and then copied there."""
    x = f32(np.linspace(-1, 1, 6).reshape(2, 3))

    def f(v: Any) -> Any:
        return (
            ops.concatenate([ops.neg(v), ops.exp(v), ops.matmul(v, ops.transpose(v, (1, 0)))], 1),
        )

    graph = make_graph(f, x)
    plan = Executor().plan(graph, graph.in_types)
    into = [np.empty((2, 8), np.float32)]
    assert plan.into_fn(0)(x.data, into) == ()
    np.testing.assert_allclose(into[0], f(x)[0].numpy(), rtol=1e-6)
    source = plan.into_fn(0).source
    assert "out=o0)  # concatenate" in source and "o0[...]" not in source


def test_a_compiled_training_step_matches_eager() -> None:
    rng = np.random.default_rng(0)
    w1, w2 = f32(rng.standard_normal((8, 16)) * 0.3), f32(rng.standard_normal((16, 3)) * 0.3)
    x, y = f32(rng.standard_normal((5, 8))), array(np.array([0, 2, 1, 1, 0]))

    def loss(w1: Any, w2: Any) -> Any:
        from workbench.core import composites

        return composites.softmax_cross_entropy(ops.matmul(ops.relu(ops.matmul(x, w1)), w2), y)

    def step(w1: Any, w2: Any) -> Any:
        g1, g2 = grad(loss, argnums=(0, 1))(w1, w2)
        return ops.sub(w1, ops.mul(g1, 0.1)), ops.sub(w2, ops.mul(g2, 0.1)), loss(w1, w2)

    graph = make_graph(step, w1, w2)
    compiled = Executor().run(graph, w1, w2)
    for a, e in zip(compiled, step(w1, w2)):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-5, atol=1e-6)


def test_bad_inputs_are_refused_clearly() -> None:
    graph = make_graph(ops.exp, f32([1.0, 2.0]))
    with pytest.raises(
        TypeError, match=r"executor: the graph takes \(f32\[2\]\), got \(f32\[3\]\)"
    ):
        Executor().run(graph, f32([1.0, 2.0, 3.0]))


def test_memory_report_names_sizes_in_a_unit_that_shows_them() -> None:
    from workbench.core.executor import MemoryReport

    small = MemoryReport(planned_values=3, buffers=2, planned_bytes=96, unplanned_bytes=3 * 1024)
    assert "(96 B instead of 3.0 KiB)" in str(small)  # not "0.00 MiB instead of 0.00 MiB"
    big = MemoryReport(planned_bytes=5 << 20, unplanned_bytes=12 << 20)
    assert "(5.00 MiB instead of 12.00 MiB)" in str(big)
