"""``apply_into``: an elementwise result written into an array's own memory (what eager
optimisers use for PyTorch's in-place parameter updates), and the fresh array it gives
instead wherever writing in place would not be the same operation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench import profiler
from workbench.core import array, make_graph, ops
from workbench.core.dispatch import apply_into
from workbench.core.primitive import get_primitive


def _arrays() -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    return (
        array(rng.standard_normal((3, 4)).astype(np.float32)),
        array(rng.standard_normal((3, 4)).astype(np.float32)),
    )


def test_writes_into_the_target_with_the_operations_numbers() -> None:
    p, d = _arrays()
    want = ops.sub(p, ops.mul(d, 0.1)).numpy().copy()
    memory = p.data
    out = apply_into(p, get_primitive("sub"), p, ops.mul(d, 0.1))
    assert out is p and p.data is memory
    np.testing.assert_array_equal(p.numpy(), want)
    scaled = apply_into(p, get_primitive("mul"), p, 0.5)  # a Python number takes p's dtype
    assert scaled is p
    np.testing.assert_array_equal(p.numpy(), want * np.float32(0.5))


def test_anything_but_a_same_typed_ufunc_call_is_applys_fresh_array() -> None:
    p, _ = _arrays()
    before = p.numpy().copy()
    wide = ops.cast(p, np.float64)
    out = apply_into(p, get_primitive("add"), wide, wide)  # another dtype
    assert out is not p and out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), 2 * before.astype(np.float64))
    out = apply_into(p, get_primitive("relu"), p)  # no ufunc
    assert out is not p
    np.testing.assert_array_equal(out.numpy(), np.maximum(before, 0))
    with pytest.raises(ValueError, match="shapes differ"):  # apply's own error, unchanged
        apply_into(p, get_primitive("add"), p, array(np.ones(4, np.float32)))
    np.testing.assert_array_equal(p.numpy(), before)


def test_under_a_trace_it_records_the_operation_and_writes_nothing() -> None:
    p, d = _arrays()
    before = p.numpy().copy()
    graph = make_graph(lambda a, b: apply_into(a, get_primitive("sub"), a, b), p, d)
    assert [e.primitive.name for e in graph.equations] == ["sub"]
    np.testing.assert_array_equal(p.numpy(), before)


def test_the_profiler_sees_the_write() -> None:
    p, d = _arrays()
    with profiler.profile() as prof:
        apply_into(p, get_primitive("sub"), p, d)
    assert [e.name for e in prof.events] == ["sub"]


def test_a_descent_step_is_one_fused_pass_with_numpys_numbers() -> None:
    from workbench.backend import native
    from workbench.core import optimizers

    if native.compiler() is None:
        pytest.skip("no C compiler: the step is two NumPy passes")
    rng = np.random.default_rng(1)
    small = array(rng.standard_normal(100).astype(np.float32))  # a bias: two passes, in place
    memory = small.data
    with profiler.profile() as prof:
        out = optimizers.descend_into(small, small, 0.5)
    assert out is small and small.data is memory and [e.name for e in prof.events] == ["mul", "sub"]
    p = array(rng.standard_normal((512, 300)).astype(np.float32))
    d = array(rng.standard_normal((512, 300)).astype(np.float32))
    want = p.numpy() - d.numpy() * np.float32(0.03)  # NumPy's two roundings, no FMA
    memory = p.data
    with profiler.profile() as prof:
        out = optimizers.descend_into(p, d, 0.03)
    assert out is p and p.data is memory
    assert [e.name for e in prof.events] == ["fused"]
    np.testing.assert_array_equal(p.numpy(), want)
    # a learning rate held in an array (a scheduler's tensor) takes the two-step route
    lr = array(np.float32(0.5))
    before = p.numpy().copy()
    out = optimizers.descend_into(p, d, lr)
    np.testing.assert_array_equal(out.numpy(), before - d.numpy() * np.float32(0.5))
