"""Arrays are freed when the last reference goes, not when the cyclic garbage collector
happens to run: a jitted call's arguments and results, and the leaves of a flattened tree,
must not be caught in reference cycles. (They were: a recursive closure inside
``tree.flatten`` kept every leaf of every call alive until the next collection, so a
jitted training step wrote its results into fresh, cache-cold memory each time.)"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import workbench.functional as jax
import workbench.functional.numpy as jnp
import workbench.static as tf
from workbench.core import tree


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _memory(array: Any) -> weakref.ref[np.ndarray]:
    """A weak reference to the NumPy buffer behind a workbench array."""
    data = np.asarray(array)
    base = data if data.base is None else data.base
    return weakref.ref(base)


def _freed_on_drop(make: Callable[[], Any]) -> bool:
    value = make()
    ref = _memory(value)
    del value
    return ref() is None


@pytest.mark.usefixtures("no_collector")
def test_a_jitted_result_is_freed_when_dropped() -> None:
    f = jax.jit(lambda a, b: jnp.tanh(a) / b)
    a, b = jnp.ones((64, 64)), jnp.full((64, 1), 2.0)
    f(a, b)
    assert _freed_on_drop(lambda: f(a, b))
    big = jnp.ones((1500, 1500))  # large enough for the asynchronous worker
    g = jax.jit(lambda x: x * 2.0)
    assert _freed_on_drop(lambda: g(big).block_until_ready())


@pytest.mark.usefixtures("no_collector")
def test_gradients_and_vmap_results_are_freed_when_dropped() -> None:
    x = jnp.arange(12.0).reshape(3, 4)
    assert _freed_on_drop(lambda: jax.grad(lambda p: jnp.sum(jnp.sin(p["w"]) ** 2))({"w": x})["w"])
    assert _freed_on_drop(lambda: jax.vmap(jnp.outer, in_axes=(0, None))(x, x[0]))
    assert _freed_on_drop(lambda: jax.jit(jax.vmap(jax.grad(lambda r: jnp.sum(r**3))))(x))


@pytest.mark.usefixtures("no_collector")
def test_flattening_a_tree_leaves_no_cycle() -> None:
    leaf = np.ones(5)
    ref = weakref.ref(leaf)
    leaves, treedef = tree.flatten({"a": [leaf, (leaf, None)], "b": leaf})
    assert tree.unflatten(treedef, leaves)["a"][1][0] is leaf
    pairs, _ = jax.tree_util.tree_flatten_with_path([{"k": leaf}])
    assert pairs[0][1] is leaf
    del leaves, pairs, leaf
    assert ref() is None


@pytest.mark.usefixtures("no_collector")
def test_tf_print_keeps_no_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    value = tf.constant([0, 1, 2])
    ref = weakref.ref(value)
    tf.print({"x": [value]}, output_stream="stdout")
    assert "[0 1 2]" in capsys.readouterr().out
    del value
    assert ref() is None
