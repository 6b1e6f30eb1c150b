"""Fused kernels read broadcast operands in place: a block repeated along leading axes (a
bias) or one value per row repeated along trailing axes (a row's maximum, mean or sum),
as long as every broadcast operand agrees on the row length; any other strided view is
read at its strides when the output's axes fold into four, and copied out first only
when they do not. Whichever way, the numbers are NumPy's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
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
        x = np.ascontiguousarray(x.T).T  # a transposed operand: read at its strides

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


def _layouts_asked_for(monkeypatch: Any) -> list[Any]:
    """The operand layouts every kernel built from now on is compiled for."""
    seen: list[Any] = []
    original = codegen.c_source

    def spy(graph: Any, layouts: Any = None) -> Any:
        seen.append(layouts)
        return original(graph, layouts)

    monkeypatch.setattr(codegen, "c_source", spy)
    return seen


def test_a_bias_and_a_row_statistic_are_read_in_place(monkeypatch: Any) -> None:
    seen = _layouts_asked_for(monkeypatch)
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


def _view(data: Any, base: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``base`` reshaped to ``shape`` and then seen as a strided view of the kind the
    draw picks: contiguous, transposed, a column block of a wider array, reversed, or a
    broadcast along a middle axis."""
    kind = data.draw(st.sampled_from(["plain", "transposed", "block", "reversed", "middle"]))
    x = base.reshape(shape)
    if kind == "transposed":
        order = data.draw(st.permutations(range(len(shape))))
        inverse = np.argsort(order)
        return np.ascontiguousarray(x.transpose(order)).transpose(inverse)
    if kind == "block":
        wide = np.concatenate([x, x[..., :1] * 0 + 7], axis=-1)
        return wide[..., : shape[-1]]
    if kind == "reversed":
        return np.ascontiguousarray(x[..., ::-1])[..., ::-1]
    if kind == "middle" and len(shape) > 2:
        return np.broadcast_to(x[:, :1], shape)
    return x


@given(st.data())
def test_fused_kernels_read_strided_views_in_place(data: Any) -> None:
    """Any strided operand (transposed, a block of columns, reversed, broadcast in the
    middle) is read at its strides when the output's axes fold into four; with more,
    it is copied out first. Either way the numbers are NumPy's, for every result."""
    from workbench.backend import get_device
    from workbench.core import array as core_array
    from workbench.core import make_graph, ops

    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=6)))
    size = int(np.prod(shape))
    rng = np.random.default_rng(size)
    bases = [rng.standard_normal(size).astype(np.float32) for _ in range(3)]
    xs = [_view(data, b, shape) for b in bases]

    def f(x: Any, y: Any, z: Any) -> Any:
        t = ops.tanh(ops.mul(x, y))
        return ops.add(t, z), ops.mul(t, x)

    graph = make_graph(f, *(core_array(np.ascontiguousarray(x)) for x in xs))
    fused = codegen.elementwise_kernel(_one_group(graph), get_device("cpu"))
    if fused is None:  # no C compiler here
        return
    with pytest.MonkeyPatch.context() as patch:  # small views too, not only large ones
        patch.setattr(codegen, "_STRIDED_MIN_SIZE", 1)
        got = fused(*xs)
    t = np.tanh(xs[0] * xs[1])
    for a, want in zip(got, (t + xs[2], t * xs[0]), strict=True):
        np.testing.assert_allclose(a, want, rtol=1e-6, atol=1e-6)


def _one_group(graph: Any) -> Any:
    """The graph's whole elementwise body as one fused group's graph."""
    from workbench.core.passes.fusion import fuse_elementwise

    fused = fuse_elementwise(graph)[0]
    (eqn,) = [e for e in fused.equations if e.primitive.name == "fused"]
    return eqn.params["graph"]


def test_axes_fold_into_four_where_every_view_allows() -> None:
    x = np.zeros((2, 3, 4, 5, 6), np.float32)
    block = np.zeros((2, 3, 4, 5, 12), np.float32)[..., :6]
    # x steps over all five axes as one; the block only over the first four
    assert codegen._fold_axes(x.shape, [x.transpose(0, 1, 2, 3, 4)]) is not None
    dims, (steps,) = codegen._fold_axes(x.shape, [block])  # type: ignore[misc]
    assert dims == (1, 1, 120, 6) and steps == (0, 0, 12, 1)
    flipped = np.zeros((2, 3, 4, 5, 6), np.float32).transpose(4, 3, 2, 1, 0)
    assert codegen._fold_axes(flipped.shape, [flipped]) is None  # five axes stay five
    dims, (steps,) = codegen._fold_axes((3, 1, 4), [np.zeros((4, 3), np.float32).T[:, None]])  # type: ignore[misc]
    assert dims == (1, 1, 3, 4) and steps == (0, 0, 1, 3)


def test_a_transposed_operand_and_a_column_block_are_read_at_their_strides(
    monkeypatch: Any,
) -> None:
    from workbench.backend import native

    seen = _layouts_asked_for(monkeypatch)
    monkeypatch.setattr(codegen, "_STRIDED_MIN_SIZE", 1)  # small arrays read in place too
    rng = np.random.default_rng(1)
    nchw = rng.standard_normal((4, 3, 5, 6)).astype(np.float32)
    gates = rng.standard_normal((5, 24)).astype(np.float32)
    f = jax.jit(lambda x, g: (jnp.tanh(x.transpose(0, 2, 3, 1) * 2.0), jnp.exp(g[:, 6:12]) + 1))
    a, b = f(nchw, gates)
    np.testing.assert_allclose(np.asarray(a), np.tanh(nchw.transpose(0, 2, 3, 1) * 2), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(b), np.exp(gates[:, 6:12]) + 1, rtol=1e-6)
    if native.compiler() is not None:
        assert sum(1 for lay in seen if lay and {"g", "p"} & set(lay)) == 2, seen
