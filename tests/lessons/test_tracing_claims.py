"""What lesson 17 (tracing and staging) says each compiler does, asserted on the
workbench and on the real framework when it is installed: the same function, the same
calls, the same counts, prints and errors."""

from __future__ import annotations

import contextlib
import io
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.lessons import real_module
from workbench import lessons


@pytest.fixture(params=["workbench", "tensorflow"])
def tf(request: pytest.FixtureRequest) -> ModuleType:
    if request.param == "workbench":
        import workbench.static as wb_tf

        return wb_tf
    return real_module("tensorflow")


@pytest.fixture(params=["workbench", "jax"])
def jax(request: pytest.FixtureRequest) -> tuple[ModuleType, ModuleType]:
    if request.param == "workbench":
        import workbench.functional as wb_jax
        import workbench.functional.numpy as wb_jnp

        return wb_jax, wb_jnp
    return real_module("jax"), real_module("jax.numpy")


@pytest.fixture(params=["workbench", "torch"])
def torch(request: pytest.FixtureRequest) -> Any:
    if request.param == "workbench":
        import workbench.eager as wb_torch

        return wb_torch, {}
    real = real_module("torch")
    real._dynamo.reset()
    return real, {"backend": "eager"}  # TorchDynamo's capture without Inductor's C++ build


def _printed(fn: Any) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn()
    return out.getvalue().splitlines()


# ---------------------------------------------------------------------------------------
# §1 trace time and run time


def test_print_runs_once_under_tf_function(tf: ModuleType) -> None:
    @tf.function
    def scale(x: Any, s: Any) -> Any:
        print("tracing", x)
        return x * s

    x = tf.constant([1.0, 2.0])
    lines = _printed(lambda: [scale(x, tf.constant(s)) for s in (2.0, 3.0, 4.0)])
    assert len(lines) == 1 and 'Tensor("x:0", shape=(2,), dtype=float32)' in lines[0]
    assert scale.experimental_get_tracing_count() == 1


def test_print_runs_once_under_jit(jax: Any) -> None:
    jx, jnp = jax

    @jx.jit
    def scale(x: Any, s: Any) -> Any:
        print("tracing")
        return x * s

    lines = _printed(lambda: [scale(jnp.ones(2), jnp.array(s)) for s in (2.0, 3.0, 4.0)])
    assert lines == ["tracing"] and scale._cache_size() == 1


def test_print_is_a_graph_break_under_torch_compile(torch: Any) -> None:
    th, options = torch

    def scale(x: Any, s: Any) -> Any:
        print("body")
        return x * s

    compiled = th.compile(scale, **options)
    x = th.ones(2)
    lines = _printed(lambda: [compiled(x, th.tensor(s)) for s in (2.0, 3.0, 4.0)])
    assert lines == ["body"] * 3

    def scale_again(x: Any, s: Any) -> Any:  # a fresh code object: nothing cached
        print("body")
        return x * s

    with pytest.raises(th._dynamo.exc.Unsupported):
        th.compile(scale_again, fullgraph=True, **options)(x, th.tensor(2.0))


# ---------------------------------------------------------------------------------------
# §2 what makes a new trace


def test_python_float_retraces_tf_function_per_value(tf: ModuleType) -> None:
    f = tf.function(lambda x, s: x * s + 1.0)
    for s in (2.0, 3.0, 4.0, 5.0):
        f(tf.ones([2]), s)
    assert f.experimental_get_tracing_count() == 4


def test_python_float_is_traced_by_jit(jax: Any) -> None:
    jx, jnp = jax
    f = jx.jit(lambda x, s: x * s + 1.0)
    outs = [np.asarray(f(jnp.ones(2), s)) for s in (2.0, 3.0, 4.0, 5.0)]
    assert f._cache_size() == 1
    np.testing.assert_allclose(np.stack(outs)[:, 0], [3.0, 4.0, 5.0, 6.0])


def test_python_float_recompiles_torch_compile_once(torch: Any) -> None:
    th, options = torch
    stats = th._dynamo.utils.counters["stats"]
    before = stats["unique_graphs"]
    compiled = th.compile(lambda x, s: x * s + 1.0, **options)
    outs = [compiled(th.ones(2), s) for s in (2.0, 3.0, 4.0, 5.0)]
    assert stats["unique_graphs"] - before == 2  # specialised on 2.0, then s is symbolic
    np.testing.assert_allclose([float(o[0]) for o in outs], [3.0, 4.0, 5.0, 6.0])


def test_new_shapes(tf: ModuleType, jax: Any) -> None:
    jx, jnp = jax
    plain = tf.function(lambda x: x * 2.0)
    relaxed = tf.function(lambda x: x * 2.0, reduce_retracing=True)
    jitted = jx.jit(lambda x: x * 2.0)
    for n in (2, 3, 4, 5):
        plain(tf.ones([n]))
        relaxed(tf.ones([n]))
        jitted(jnp.ones(n))
    assert plain.experimental_get_tracing_count() == 4
    assert relaxed.experimental_get_tracing_count() == 2
    assert jitted._cache_size() == 4
    relaxed(tf.ones([9]))
    assert relaxed.experimental_get_tracing_count() == 2  # the relaxed trace serves any length


# ---------------------------------------------------------------------------------------
# §3 a Python if on a tensor


def test_autograph_turns_an_if_into_one_conditional_graph(tf: ModuleType) -> None:
    @tf.function
    def branch(x: Any) -> Any:
        print("tracing")
        if tf.reduce_sum(x) > 0:
            return x * 2.0
        return x - 1.0

    lines = _printed(lambda: (branch(tf.constant([1.0, 2.0])), branch(tf.constant([-1.0, -2.0]))))
    assert lines == ["tracing"]  # AutoGraph rewrites before tracing: one trace, one print
    np.testing.assert_allclose(branch(tf.constant([-1.0, -2.0])).numpy(), [-2.0, -3.0])
    graph = branch.get_concrete_function(tf.TensorSpec([None], tf.float32)).graph
    assert {"If", "StatelessIf"} & {op.type for op in graph.get_operations()}


def test_jit_refuses_a_python_if_and_lax_cond_stages_it(jax: Any) -> None:
    jx, jnp = jax

    def branch(x: Any) -> Any:
        if jnp.sum(x) > 0:
            return x * 2.0
        return x - 1.0

    with pytest.raises(jx.errors.TracerBoolConversionError):
        jx.jit(branch)(jnp.array([1.0, 2.0]))
    staged = jx.jit(lambda x: jx.lax.cond(jnp.sum(x) > 0, lambda v: v * 2.0, lambda v: v - 1.0, x))
    np.testing.assert_allclose(np.asarray(staged(jnp.array([-1.0, -2.0]))), [-2.0, -3.0])


def test_torch_compile_breaks_the_graph_at_the_if(torch: Any) -> None:
    th, options = torch

    def branch(x: Any) -> Any:
        if x.sum() > 0:
            return x * 2.0
        return x - 1.0

    compiled = th.compile(branch, **options)
    np.testing.assert_allclose(compiled(th.tensor([-1.0, -2.0])).numpy(), [-2.0, -3.0])
    np.testing.assert_allclose(compiled(th.tensor([1.0, 2.0])).numpy(), [2.0, 4.0])
    assert th._dynamo.explain(branch)(th.tensor([1.0, 2.0])).graph_break_count == 1


# ---------------------------------------------------------------------------------------
# §4 globals, and the exercises' answers


OFFSET = 1.0


def _offset(x: Any) -> Any:
    return x + OFFSET


def _with_offset(value: float, call: Any) -> Any:
    global OFFSET
    saved, OFFSET = OFFSET, value
    try:
        return call()
    finally:
        OFFSET = saved


def test_globals_are_baked_into_tf_function_and_jit(tf: ModuleType, jax: Any) -> None:
    jx, jnp = jax
    f, g = tf.function(_offset), jx.jit(_offset)
    x, xj = tf.constant(0.0), jnp.array(0.0)
    assert float(f(x)) == 1.0 and float(g(xj)) == 1.0
    assert _with_offset(10.0, lambda: (float(f(x)), float(g(xj)))) == (1.0, 1.0)
    assert lessons.check("17.stale_global", (1.0, 1.0, 10.0)).ok


def test_torch_compile_guards_on_globals(torch: Any) -> None:
    th, options = torch
    compiled = th.compile(_offset, **options)
    x = th.tensor(0.0)
    assert float(compiled(x)) == 1.0
    assert float(_with_offset(10.0, lambda: compiled(x))) == 10.0


def test_count_traces_exercise_answer(tf: ModuleType, jax: Any) -> None:
    jx, jnp = jax
    f = tf.function(lambda x, s: x * s)
    g = jx.jit(lambda x, s: x * s)
    for shape, s in [(3, 1.0), (3, 2.0), (3, 1.0), (4, 1.0)]:
        f(tf.ones([shape]), s)
        g(jnp.ones(shape), s)
    answer = (f.experimental_get_tracing_count(), g._cache_size())
    assert answer == lessons.reference_answer("17.count_traces")


def test_the_jvp_primitives_exercise_counts_what_the_core_applies() -> None:
    # lesson 2's logging interpreter, below JVP, sees exactly the exercise's answer
    from workbench.core import Tracer, array, interpreter, jvp, ops
    from workbench.core.dispatch import Interpreter, apply

    seen: list[str] = []

    class Logged(Tracer):
        def __init__(self, interp: Any, value: Any) -> None:
            self.interpreter, self.value = interp, value

        @property
        def type(self) -> Any:
            return self.value.type

    class Log(Interpreter):
        def process(self, prim: Any, args: Any, params: Any) -> Any:
            seen.append(prim.name)
            inner = [a.value if isinstance(a, Logged) else a for a in args]
            out = apply(prim, *inner, **params)
            return [Logged(self, o) for o in (out if prim.multiple_results else (out,))]

    g = lambda x: ops.mul(ops.exp(x), x)  # noqa: E731
    with interpreter(Log) as log:
        jvp(g, (Logged(log, array(1.5)),), (array(1.0),))
    assert len(seen) == lessons.reference_answer("02.jvp_primitives")
    assert sorted(seen) == ["add", "exp", "mul", "mul", "mul", "mul"]


def test_the_fused_groups_exercise_counts_what_the_compiler_makes() -> None:
    import workbench.functional as wjax
    import workbench.functional.numpy as wnp
    from workbench.core.passes import default_pipeline

    g = lambda x, w: wnp.maximum(wnp.tanh(x * 2 + 1) @ w - 0.5, 0.0)  # noqa: E731
    graph = wjax.make_jaxpr(g)(wnp.ones((4, 8)), wnp.ones((8, 3))).graph
    optimised, _ = default_pipeline().run(graph)
    fused = sum(1 for e in optimised.equations if e.primitive.name == "fused")
    assert fused == lessons.reference_answer("10.fused_groups")
