"""Fused kernels read broadcast operands in place: a block repeated along leading axes (a
bias) or one value per row repeated along trailing axes (a row's maximum, mean or sum),
as long as every broadcast operand agrees on the row length; anything else is copied out
first. Whichever way, the numbers are NumPy's."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import workbench.functional as jax
import workbench.functional.numpy as jnp
from workbench.core import codegen


@given(st.data())
def test_a_fused_chain_over_broadcast_operands_equals_numpy(data: Any) -> None:
    shape = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    cut_block = data.draw(st.integers(0, len(shape)))  # the bias: shape[cut_block:]
    cut_rows = data.draw(st.integers(0, len(shape)))  # the row statistic: shape[:cut_rows]
    rng = np.random.default_rng(len(shape) + cut_block)
    x = rng.standard_normal(shape).astype(np.float32)
    bias = rng.standard_normal(shape[cut_block:]).astype(np.float32)
    rows = rng.standard_normal(shape[:cut_rows] + (1,) * (len(shape) - cut_rows))
    rows = rows.astype(np.float32)
    if data.draw(st.booleans()) and x.ndim > 1:
        x = np.ascontiguousarray(x.T).T  # a transposed operand: copied out first

    def f(x: Any, bias: Any, rows: Any) -> Any:
        return jnp.tanh(x * bias + rows) - rows

    got = np.asarray(jax.jit(f)(x, bias, rows))
    np.testing.assert_allclose(got, np.tanh(x * bias + rows) - rows, rtol=1e-6, atol=1e-6)


def test_broadcast_layouts_are_recognised() -> None:
    full = np.zeros((3, 4, 5), np.float32)
    bias = np.broadcast_to(np.arange(5, dtype=np.float32), (3, 4, 5))
    rows = np.broadcast_to(np.zeros((3, 4, 1), np.float32), (3, 4, 5))
    plane = np.broadcast_to(np.zeros((4, 5), np.float32), (3, 4, 5))
    middle = np.broadcast_to(np.zeros((3, 1, 5), np.float32), (3, 4, 5))
    assert codegen._broadcast_layout(full) == ("v", 0)
    assert codegen._broadcast_layout(bias) == ("m", 5)
    assert codegen._broadcast_layout(plane) == ("m", 20)
    assert codegen._broadcast_layout(rows) == ("d", 5)
    assert codegen._broadcast_layout(middle) is None  # repeated in the middle: copied
    assert codegen._broadcast_layout(full.transpose(2, 1, 0)) is None
    one = np.broadcast_to(np.float32(2), (3, 4, 5))
    assert codegen._broadcast_layout(one) == ("s", 0)


@given(st.data())
def test_a_scalar_operand_is_read_in_place_beside_rows_and_blocks(data: Any) -> None:
    shape = tuple(data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    scale = np.float32(data.draw(st.floats(-4, 4, width=32)))
    bias = rng.standard_normal(shape[-1:]).astype(np.float32)

    def f(x: Any, scale: Any, bias: Any) -> Any:  # a 0-d input: no literal, read at [0]
        return jnp.tanh(x * scale) + bias * scale

    got = np.asarray(jax.jit(f)(x, scale, bias))
    want = np.tanh(x * scale) + bias * scale
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_a_bias_and_a_row_statistic_are_read_in_place(monkeypatch: Any) -> None:
    seen: list[Any] = []
    original = codegen.c_source

    def spy(graph: Any, layouts: Any = None) -> Any:
        seen.append(layouts)
        return original(graph, layouts)

    monkeypatch.setattr(codegen, "c_source", spy)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16, 32)).astype(np.float32)
    bias = rng.standard_normal(32).astype(np.float32)

    def f(x: Any, bias: Any) -> Any:
        centred = x - x.max(-1, keepdims=True)
        return jnp.exp(centred * 0.5 + bias) * 2.0

    got = np.asarray(jax.jit(f)(x, bias))
    want = np.exp((x - x.max(-1, keepdims=True)) * np.float32(0.5) + bias) * 2
    np.testing.assert_allclose(got, want, rtol=1e-6)
    from workbench.backend import native

    if native.compiler() is not None:  # with no C compiler there are no kernels at all
        assert any(layouts and {"m", "d"} <= set(layouts) for layouts in seen), seen
