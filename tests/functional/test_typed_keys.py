"""``jax.random.key`` returns a typed key (shape (), dtype key<fry>) as JAX does, with the
same bits as the legacy ``PRNGKey``; key arrays split, index, vmap, jit and scan, and
refuse arithmetic and NumPy conversion. Compared with real JAX when installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp


def _real() -> Any:
    return pytest.importorskip("jax")


def test_a_typed_key_prints_and_types_as_jax() -> None:
    key = wjax.random.key(0)
    assert key.shape == () and str(key.dtype) == "key<fry>"
    assert repr(key) == "Array((), dtype=key<fry>) overlaying:\n[0 0]"
    assert repr(key) == repr(_real().random.key(0))
    assert type(key).__name__ == "PRNGKeyArray"


def test_typed_keys_give_the_legacy_keys_numbers_and_jaxs() -> None:
    jax = _real()
    ours, theirs = wjax.random.key(42), jax.random.key(42)
    np.testing.assert_array_equal(wjax.random.key_data(ours), wjax.random.PRNGKey(42))
    a, b = wjax.random.split(ours)
    c, d = jax.random.split(theirs)
    np.testing.assert_array_equal(wjax.random.key_data(b), jax.random.key_data(d))
    many = wjax.random.split(ours, (2, 3))
    assert many.shape == (2, 3) and wjax.random.key_data(many).shape == (2, 3, 2)
    np.testing.assert_array_equal(
        wjax.random.key_data(wjax.random.fold_in(ours, 7)),
        jax.random.key_data(jax.random.fold_in(theirs, 7)),
    )
    np.testing.assert_allclose(
        wjax.random.normal(a, (3,)), jax.random.normal(c, (3,)), rtol=1e-6, atol=1e-6
    )


def test_key_arrays_pass_through_vmap_jit_and_scan() -> None:
    keys = wjax.random.split(wjax.random.key(0), 4)
    rows = wjax.vmap(lambda k: wjax.random.uniform(k, (2,)))(keys)
    np.testing.assert_array_equal(rows[1], wjax.random.uniform(keys[1], (2,)))
    jitted = wjax.jit(lambda k: wjax.random.split(k))(keys[0])
    assert jitted.shape == (2,) and str(jitted.dtype) == "key<fry>"

    def body(carry: Any, _: Any) -> Any:
        key, total = carry
        key, sub = wjax.random.split(key)
        return (key, total + wjax.random.uniform(sub)), None

    (key, total), _ = wjax.lax.scan(body, (wjax.random.key(0), 0.0), None, length=3)
    assert key.shape == () and 0.0 < float(total) < 3.0


def test_keys_refuse_arithmetic_and_numpy_and_many_keys_where_one_is_needed() -> None:
    key = wjax.random.key(0)
    with pytest.raises(TypeError):
        key + 1  # noqa: B018
    with pytest.raises(TypeError, match="key_data"):
        np.asarray(key)
    with pytest.raises(TypeError, match="single PRNG key"):
        wjax.random.normal(wjax.random.split(key, 3), (2,))
    restored = wjax.random.wrap_key_data(wjax.random.key_data(key))
    np.testing.assert_array_equal(wjax.random.key_data(restored), wnp.zeros(2, np.uint32))
