"""Compiled plans and traces are cached by signature, within bounds (issue 18): a jitted
function called with ever new shapes, a session fed ever new batch sizes and re-created
jit wrappers keep a bounded number of plans, and ``clear_cache`` really frees them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as jax
import workbench.functional.numpy as jnp
import workbench.static as tf
from workbench.core.executor import BoundedCache, default_executor
from workbench.functional import transforms
from workbench.static import session

LIMIT = 8  # the tests shrink the bounds (256 plans, 64 traces, 64 programs by default)


@pytest.fixture
def small_bounds(monkeypatch: Any) -> None:
    monkeypatch.setattr(transforms, "TRACE_CACHE_SIZE", LIMIT)
    monkeypatch.setattr(session, "PROGRAM_CACHE_SIZE", LIMIT)
    monkeypatch.setattr(default_executor()._cache, "limit", LIMIT)


def test_bounded_cache_keeps_the_most_recent() -> None:
    cache = BoundedCache(3)
    for i in range(5):
        cache[i] = i
    assert list(cache) == [2, 3, 4]
    assert cache.get(2) == 2  # a use makes it recent
    cache[5] = 5
    assert list(cache) == [4, 2, 5] and cache.get(0) is None


def test_jit_with_many_shapes_stays_bounded(small_bounds: None) -> None:
    f = jax.jit(lambda x: jnp.sin(x) * 2)
    for n in range(1, 3 * LIMIT):
        assert f(jnp.ones(n)).shape == (n,)
    assert f._cache_size() == LIMIT
    assert len(default_executor()._cache) <= LIMIT
    np.testing.assert_allclose(f(jnp.ones(2)), 2 * np.sin(np.ones(2)), rtol=1e-6)  # retraced


def test_clear_cache_frees_the_plans() -> None:
    f = jax.jit(lambda x: jnp.cos(x) + 1)
    f(jnp.ones(7))
    graphs = [g for g, _ in f._cache.values()]
    executor = default_executor()
    assert any(g is graphs[0] for g, _ in executor._cache.values())
    f.clear_cache()
    assert f._cache_size() == 0
    assert not any(g is graphs[0] for g, _ in executor._cache.values())


def test_recreated_wrappers_do_not_grow_without_bound(small_bounds: None) -> None:
    for i in range(3 * LIMIT):
        jax.jit(lambda x, i=i: x + i)(jnp.ones(3))
    assert len(default_executor()._cache) <= LIMIT


def test_session_with_many_batch_sizes_stays_bounded(small_bounds: None) -> None:
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 4])
        y = tf.reduce_sum(x * 2.0)
        with tf.compat.v1.Session() as sess:
            for n in range(1, 3 * LIMIT):
                assert sess.run(y, {x: np.ones((n, 4), np.float32)}) == 8.0 * n
            assert len(sess._programs) == LIMIT
