"""jax.numpy on the core: values against NumPy, JAX's dtype rules, immutability."""

# ruff: noqa: E501 - the case tables keep one case per line

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import workbench.functional.numpy as jnp
from tests.strategies import broadcast_pairs

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((4, 5)).astype(np.float32)

CASES: dict[str, tuple[Any, Any]] = {
    "arith": (lambda m, a: (a * 2 - 1) / (m.abs(a) + 1) + a**2, None),
    "exp_log": (lambda m, a: m.log1p(m.exp(a)) + m.sqrt(m.abs(a)), None),
    "reductions": (
        lambda m, a: m.sum(a, axis=0) + m.mean(a, axis=0) * m.max(a, 0) - m.min(a, axis=0),
        None,
    ),
    "std_var": (lambda m, a: m.std(a, axis=1) + m.var(a, ddof=1), None),
    "argmax": (lambda m, a: m.argmax(a, axis=1) + m.argmin(a), None),
    "shapes": (lambda m, a: m.transpose(m.reshape(a, (2, 6)))[::2], None),
    "concat_stack": (lambda m, a: m.stack([m.concatenate([a, a], 1)[:, :4], a], axis=1), None),
    "where_clip": (lambda m, a: m.where(a > 0, m.clip(a, -0.5, 0.5), a), None),
    "cumsum_sort": (lambda m, a: m.cumsum(m.sort(a, axis=1), axis=1), None),
    "argsort": (lambda m, a: m.argsort(a, axis=0), None),
    "take_along_axis": (lambda m, a: m.take_along_axis(a, m.argsort(a, axis=1), axis=1), None),
    "matmul_dot": (lambda m, a: m.dot(a, B) + m.matmul(a, B), None),
    "tile_repeat": (lambda m, a: m.repeat(m.tile(a, (2, 1)), 2, axis=1), None),
    "flip_roll": (lambda m, a: m.roll(m.flip(a, 0), 2, axis=1), None),
    "pad": (lambda m, a: m.pad(a, ((1, 0), (2, 1))), None),
    "tril_triu_diag": (
        lambda m, a: m.tril(a[:, :3]) - m.triu(a[:, :3], 1) + m.diag(m.diag(a[:, :3])),
        None,
    ),
    "logaddexp_norm": (lambda m, a: m.logaddexp(a, -a) + m.linalg.norm(a), None),
    "mod_floor_divide": (lambda m, a: m.mod(a * 3, 0.7) + m.floor_divide(a * 5, 2.0), None),
    "swap_move_squeeze": (
        lambda m, a: m.squeeze(m.moveaxis(m.swapaxes(m.expand_dims(a, 0), 1, 2), 0, 2)),
        None,
    ),
    "outer_tensordot": (
        lambda m, a: m.outer(a[0], a[1])[:3, :3] + m.tensordot(a, a, ((1,), (1,))),
        None,
    ),
    "isclose_allclose": (lambda m, a: m.isclose(a, a + 1e-7) & m.allclose(a, a), None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_functions_match_numpy(case: str) -> None:
    fn, _ = CASES[case]
    got = np.asarray(fn(jnp, jnp.asarray(A)))
    want = fn(np, A)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "spec",
    ["ij,jk->ik", "ij->ji", "ii->i", "ij->", "bij,bjk->bik", "ij,ij->i", "i,j->ij", "ijk,kj->i"],
)
def test_einsum_matches_numpy(spec: str) -> None:
    shapes = {"ij,jk->ik": [(3, 4), (4, 2)], "ij->ji": [(3, 4)], "ii->i": [(3, 3)], "ij->": [(3, 4)],
              "bij,bjk->bik": [(2, 3, 4), (2, 4, 5)], "ij,ij->i": [(3, 4), (3, 4)], "i,j->ij": [(3,), (4,)],
              "ijk,kj->i": [(2, 3, 4), (4, 3)]}[spec]  # fmt: skip
    ops = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    np.testing.assert_allclose(
        np.asarray(jnp.einsum(spec, *ops)), np.einsum(spec, *ops), rtol=1e-5, atol=1e-5
    )


@given(st.data())
def test_broadcasting_binary_ops(data: Any) -> None:
    sx, sy = data.draw(broadcast_pairs())
    x = RNG.standard_normal(sx).astype(np.float32)
    y = RNG.standard_normal(sy).astype(np.float32)
    for name in ("add", "subtract", "multiply", "maximum", "greater"):
        np.testing.assert_allclose(
            np.asarray(getattr(jnp, name)(x, y)), getattr(np, name)(x, y), rtol=1e-6
        )


def test_jax_dtype_rules() -> None:
    assert jnp.arange(3).dtype == np.int32
    assert jnp.array([1.0, 2.0]).dtype == np.float32
    assert jnp.asarray(np.ones(2)).dtype == np.float32  # float64 data is narrowed
    assert (jnp.arange(3) * 2.5).dtype == np.float32  # a Python float meets an int array
    assert (jnp.ones(2, jnp.float16) * 2.0).dtype == np.float16  # Python numbers are weak
    assert (jnp.arange(3) / 2).dtype == np.float32
    assert repr(jnp.array([1.0, 2.0])) == "Array([1., 2.], dtype=float32)"


def test_arrays_are_immutable_with_at_updates() -> None:
    x = jnp.zeros(5)
    with pytest.raises(TypeError, match=r"immutable.*x\.at\[idx\]\.set\(y\)"):
        x[1] = 1.0
    y = x.at[1].set(3.0).at[jnp.array([0, 0, 4])].add(1.0).at[2:4].multiply(0.5)
    np.testing.assert_array_equal(np.asarray(y), [2.0, 3.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(np.asarray(x), np.zeros(5))
    assert float(y.at[1].get()) == 3.0
    np.testing.assert_array_equal(np.asarray(y.at[:2].max(2.5)), [2.5, 3.0, 0.0, 0.0, 1.0])


def test_indexing_like_numpy() -> None:
    x = jnp.asarray(A)
    np.testing.assert_array_equal(np.asarray(x[1:, ::2]), A[1:, ::2])
    np.testing.assert_array_equal(np.asarray(x[jnp.array([2, 0])]), A[[2, 0]])
    np.testing.assert_array_equal(
        np.asarray(x[x > 0.5]) if False else np.asarray(x[:, None, 1]), A[:, None, 1]
    )
    assert x.T.shape == (4, 3) and x.sum().shape == () and len(x) == 3
