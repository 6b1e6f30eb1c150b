"""The rest of ``jax.numpy`` (numpy_more.py, numpy_stats.py) against real JAX: values and
dtypes for every function in the table, gradients for the differentiable ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

R = np.random.default_rng(0)
X = R.normal(size=(3, 4)).astype(np.float32)
V = R.normal(size=5).astype(np.float32)
U = np.abs(R.normal(size=5)).astype(np.float32) + 1.1
P = R.uniform(-0.9, 0.9, size=5).astype(np.float32)
I = R.integers(0, 6, size=7).astype(np.int32)  # noqa: E741
S = np.sort(R.normal(size=6)).astype(np.float32)
N = np.array([1.0, np.nan, 3.0, -np.inf, np.inf, 2.0], np.float32)
A3 = R.normal(size=(4, 3)).astype(np.float32)
B3 = R.normal(size=(4, 3)).astype(np.float32)

CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("arcsin", (P,), {}), ("arccos", (P,), {}), ("arctan", (V,), {}), ("asin", (P,), {}),
    ("arcsinh", (V,), {}), ("arccosh", (U,), {}), ("arctanh", (P,), {}),
    ("arctan2", (V, X[0, :1]), {}), ("hypot", (V, V[::-1]), {}), ("deg2rad", (V,), {}),
    ("rad2deg", (V,), {}), ("radians", (I,), {}), ("sinc", (np.r_[0.0, V],), {}),
    ("trunc", (V * 3,), {}), ("rint", (V * 3,), {}), ("fabs", (V,), {}), ("signbit", (V,), {}),
    ("copysign", (V, V[::-1]), {}), ("heaviside", (np.r_[V, 0.0], np.float32(0.5)), {}),
    ("fmax", (N, V[0]), {}), ("fmin", (N, V[0]), {}), ("logaddexp2", (V, V[::-1]), {}),
    ("modf", (V * 3,), {}), ("divmod", (I, 4), {}), ("ldexp", (V, I[:5]), {}),
    ("nan_to_num", (N,), {}), ("isposinf", (N,), {}), ("isneginf", (N,), {}),
    ("gcd", (I, 4), {}), ("lcm", (I + 1, 4), {}), ("bitwise_and", (I, 3), {}),
    ("bitwise_or", (I, 3), {}), ("bitwise_xor", (I, 3), {}), ("bitwise_not", (I,), {}),
    ("real", (V,), {}), ("imag", (V,), {}), ("conj", (V,), {}), ("angle", (V,), {}),
    ("iscomplexobj", (V,), {}), ("isreal", (V,), {}),
    ("cumprod", (X,), {"axis": 1}), ("cumprod", (I,), {}), ("nancumsum", (N[:3],), {}),
    ("cumulative_sum", (X,), {"axis": 0, "include_initial": True}),
    ("cumulative_prod", (V,), {}), ("ptp", (X,), {"axis": 0}),
    ("average", (X,), {"axis": 1, "weights": V[:4]}), ("average", (X,), {}),
    ("median", (X,), {"axis": 0}), ("median", (V,), {}),
    ("quantile", (X, np.array([0.1, 0.5, 0.9])), {"axis": 1}),
    ("quantile", (V, 0.3), {"method": "nearest"}), ("quantile", (V, 0.3), {"method": "lower"}),
    ("quantile", (V, 0.3), {"method": "higher"}), ("quantile", (V, 0.3), {"method": "midpoint"}),
    ("percentile", (X, 75), {"axis": 0, "keepdims": True}),
    ("nansum", (N[:3],), {}), ("nanmean", (N[:3],), {}), ("nanmax", (N[:3],), {}),
    ("nanmin", (N[:3],), {}), ("nanprod", (N[:3],), {}), ("nanstd", (N[:3],), {}),
    ("nanvar", (N[:3],), {"ddof": 1}), ("nanargmax", (N[:3],), {}), ("nanargmin", (N[:3],), {}),
    ("nanmedian", (N[:3],), {}), ("nanquantile", (N[:3], 0.25), {}),
    ("diff", (X,), {}), ("diff", (V,), {"n": 2}), ("diff", (V,), {"prepend": 0.0}),
    ("ediff1d", (V,), {"to_begin": np.float32(9)}), ("gradient", (V,), {}),
    ("gradient", (X,), {}), ("cross", (A3, B3), {}), ("kron", (X[:2, :2], X[1:, 2:]), {}),
    ("tri", (3, 4), {"k": 1}), ("vander", (V[:3],), {}), ("vander", (V[:3],), {"increasing": True}),
    ("trapezoid", (X,), {}), ("trapezoid", (V,), {"x": S[:5]}), ("polyval", (V[:3], X), {}),
    ("polyadd", (V[:2], V), {}), ("polymul", (V[:2], V[:3]), {}), ("polyder", (V,), {"m": 2}),
    ("interp", (V, S, S**2), {}), ("cov", (X,), {}), ("cov", (X,), {"rowvar": False, "bias": True}),
    ("corrcoef", (X,), {}), ("searchsorted", (S, V), {}),
    ("searchsorted", (S, S), {"side": "right"}),
    ("digitize", (V, S), {}), ("digitize", (V, S), {"right": True}), ("bincount", (I,), {}),
    ("bincount", (I,), {"weights": V.repeat(2)[:7], "length": 8}), ("argwhere", (X > 0,), {}),
    ("flatnonzero", (X > 0,), {}), ("compress", (V > 0, V), {}), ("extract", (X > 0, X), {}),
    ("choose", (I[:4] % 3, [V[:4], V[1:], -V[:4]]), {}), ("isin", (I, np.array([1, 3])), {}),
    ("select", ([V > 0.5, V < -0.5], [V, -V]), {"default": 7.0}),
    ("intersect1d", (I, np.arange(3)), {}), ("union1d", (I, np.arange(3)), {}),
    ("setdiff1d", (np.arange(6), I), {}), ("unique_values", (I,), {}),
    ("trim_zeros", (np.array([0, 0, 1, 2, 0, 3, 0, 0]),), {}),
    ("append", (X, X), {"axis": 0}), ("append", (V, 1.0), {}), ("insert", (V, 2, 9.0), {}),
    ("insert", (X, 1, 0.0), {"axis": 1}), ("delete", (X, np.array([0, 2])), {"axis": 1}),
    ("delete", (V, 1), {}), ("concat", ([V, V],), {}), ("permute_dims", (X, (1, 0)), {}),
    ("matrix_transpose", (X,), {}), ("unstack", (X,), {"axis": 1}), ("atleast_3d", (V,), {}),
    ("dstack", ([X, X],), {}), ("hsplit", (X, 2), {}), ("vsplit", (X, 3), {}),
    ("rollaxis", (np.zeros((2, 3, 4)), 2), {}), ("resize", (V, (3, 4)), {}),
    ("block", ([[X[:2, :2], X[:2, 2:]], [X[2:, :2], X[2:, 2:]]],), {}),
    ("indices", ((2, 3),), {}), ("diag_indices", (3,), {}), ("tril_indices", (3,), {"k": -1}),
    ("triu_indices", (3, 1, 4), {}), ("unravel_index", (I, (2, 3)), {}),
    ("ravel_multi_index", ((np.array([1, 0]), np.array([2, 1])), (2, 3)), {}),
    ("ix_", (np.array([0, 1]), np.array([2, 0, 1])), {}),
    ("fill_diagonal", (X, 5.0), {"inplace": False}), ("empty_like", (X,), {}),
    ("copy", (X,), {}), ("geomspace", (1.0, 100.0, 5), {}), ("hamming", (5,), {}),
    ("hanning", (5,), {}), ("blackman", (5,), {}), ("bartlett", (5,), {}), ("kaiser", (5, 2.0), {}),
    ("matvec", (X, V[:4]), {}), ("vecmat", (V[:3], X), {}), ("vecdot", (X, X), {}),
    ("broadcast_shapes", ((3, 1), (1, 4)), {}), ("array_equiv", (V, V), {}),
    ("float_power", (U, 2), {}),
    ("put_along_axis", (X, np.array([[0], [1], [2]]), 9.0, 1), {"inplace": False}),
]  # fmt: skip


def _leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, tuple | list):
        return [leaf for item in x for leaf in _leaves(item)]
    return [np.asarray(x)]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_values_and_dtypes_equal_jax(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    ours = getattr(wnp, name)(*args, **kwargs)
    theirs = getattr(jnp, name)(*args, **kwargs)
    got, want = _leaves(ours), _leaves(theirs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape, (name, g.shape, w.shape)
        assert g.dtype == w.dtype, (name, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=name)


GRADS = [
    ("arcsin", (P,)), ("arctan2", (V, V[::-1])), ("hypot", (V, V[::-1])), ("sinc", (V,)),
    ("cumprod", (V,)), ("quantile", (X, 0.3)), ("median", (V,)), ("ptp", (V,)),
    ("diff", (V,)), ("cross", (A3, B3)), ("kron", (X[:2, :2], X[1:, 2:])),
    ("trapezoid", (X,)), ("polyval", (V[:3], X)), ("interp", (V, S, S**2)), ("cov", (X,)),
    ("corrcoef", (X,)), ("nanmean", (V,)), ("average", (X,)), ("vander", (V[:3],)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args"), GRADS, ids=[g[0] for g in GRADS])
def test_gradients_equal_jax(name: str, args: tuple[Any, ...]) -> None:
    def loss(mod: Any, fn_args: tuple[Any, ...]) -> Any:
        return mod.sum(mod.sin(getattr(mod, name)(*fn_args)))

    argnums = (0,) if name == "quantile" else tuple(range(len(args)))
    ours = wjax.grad(lambda *a: loss(wnp, a), argnums=argnums)(*args)
    theirs = jax.grad(lambda *a: loss(jnp, a), argnums=argnums)(*args)
    for g, w in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-4, atol=1e-5)


def test_under_jit_and_vmap() -> None:
    f = wjax.jit(lambda x: wnp.quantile(x, 0.25) + wnp.searchsorted(wnp.sort(x), 0.0))
    g = jax.jit(lambda x: jnp.quantile(x, 0.25) + jnp.searchsorted(jnp.sort(x), 0.0))
    np.testing.assert_allclose(f(V), g(V), rtol=1e-6)
    h = wjax.vmap(wnp.vectorize(lambda a, b: wnp.hypot(a, b)))
    np.testing.assert_allclose(h(X, X), np.hypot(X, X), rtol=1e-6)


def test_dtype_hierarchy_and_immutability() -> None:
    assert wnp.issubdtype(wnp.float32, wnp.floating) and wnp.issubdtype(wnp.int8, wnp.integer)
    assert wnp.bool is np.bool_ and wnp.isdtype(np.dtype("float32"), "real floating")
    with pytest.raises(NotImplementedError, match="inplace=False"):
        wnp.fill_diagonal(X, 0.0)
    np.testing.assert_array_equal(wnp.r_[1:4, 7], jnp.r_[1:4, 7])
    np.testing.assert_array_equal(wnp.mgrid[0:2, 0:3], jnp.mgrid[0:2, 0:3])
