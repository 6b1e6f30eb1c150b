"""Batching (vmap): for every primitive, the batched result equals a Python loop over
the examples, for several in_axes; batching composes with VJP and JVP both ways."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.primitive_specs import CONCRETE_ONLY, SPECS
from workbench.backend import get_device
from workbench.core import (
    Array,
    array,
    batch_graph,
    grad,
    jvp,
    make_graph,
    ops,
    tree,
    validate,
)
from workbench.core.batching import vmap

NAMES = sorted(set(SPECS) - CONCRETE_ONLY)
SIZE = 3
FACTORS = (1.0, 0.9, 0.8)  # shrinking keeps every spec's input domain


def _stack(hosts: list[np.ndarray], axis: int) -> np.ndarray:
    return np.stack(hosts, axis=axis)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_vmap_equals_a_loop_over_examples(name: str, data: Any) -> None:
    spec = SPECS[name]
    seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
    hosts, params = spec.draw_args(data.draw, np.random.default_rng(seed))
    in_axes = [
        data.draw(st.one_of(st.none(), st.integers(0, h.ndim)), label=f"in_axis {i}")
        for i, h in enumerate(hosts)
    ]
    if all(a is None for a in in_axes):
        in_axes[0] = 0
    cpu = get_device("cpu")
    examples = [[h * f for f in FACTORS] if a is not None else None for h, a in zip(hosts, in_axes)]
    batched = [
        Array(_stack(ex, a), cpu) if a is not None else Array(h, cpu)
        for h, ex, a in zip(hosts, examples, in_axes)
    ]

    def op(*xs: Any) -> Any:
        return spec.op(*xs, **params)

    actual = vmap(op, in_axes=tuple(in_axes))(*batched)
    per_example = []
    for b in range(SIZE):
        args = [
            Array(ex[b], cpu) if ex is not None else Array(h, cpu) for h, ex in zip(hosts, examples)
        ]
        per_example.append(tree.flatten(op(*args))[0])
    for k, leaf in enumerate(tree.flatten(actual)[0]):
        expected = np.stack([np.asarray(ex[k]) for ex in per_example], axis=0)
        np.testing.assert_allclose(np.asarray(leaf), expected, rtol=1e-10, atol=1e-12, err_msg=name)


def f64(x: Any) -> Array:
    return array(np.asarray(x, dtype=np.float64))


def _mlp_loss(params: dict[str, Any], x: Any, y: Any) -> Any:
    h = ops.tanh(ops.add(ops.matmul(x, params["w1"]), params["b1"]))
    logits = ops.matmul(h, params["w2"])
    return ops.reduce_sum(ops.square(ops.sub(logits, y)))


def _params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "w1": f64(rng.standard_normal((4, 5))),
        "b1": f64(rng.standard_normal(5)),
        "w2": f64(rng.standard_normal((5, 2))),
    }


def test_per_example_gradients_vmap_of_grad_equal_a_loop() -> None:
    rng = np.random.default_rng(0)
    params = _params(rng)
    xs, ys = f64(rng.standard_normal((6, 4))), f64(rng.standard_normal((6, 2)))
    per_example = vmap(grad(_mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for i in range(6):
        g = grad(_mlp_loss)(params, ops.index(xs, i), ops.index(ys, i))
        for key in params:
            np.testing.assert_allclose(
                ops.index(per_example[key], i).numpy(), g[key].numpy(), rtol=1e-10
            )


def test_grad_of_vmap_equals_the_gradient_of_the_summed_loss() -> None:
    rng = np.random.default_rng(1)
    params = _params(rng)
    xs, ys = f64(rng.standard_normal((6, 4))), f64(rng.standard_normal((6, 2)))
    batched_total = lambda p: ops.reduce_sum(vmap(_mlp_loss, in_axes=(None, 0, 0))(p, xs, ys))  # noqa: E731
    full = grad(batched_total)(params)
    loop_total = lambda p: ops.reduce_sum(
        ops.concatenate(
            [ops.reshape(_mlp_loss(p, ops.index(xs, i), ops.index(ys, i)), (1,)) for i in range(6)]
        )
    )  # noqa: E731
    expected = grad(loop_total)(params)
    for key in params:
        np.testing.assert_allclose(full[key].numpy(), expected[key].numpy(), rtol=1e-10)


def test_vmap_of_jvp_and_jvp_of_vmap_agree() -> None:
    rng = np.random.default_rng(2)
    x, t = f64(rng.standard_normal((5, 3))), f64(rng.standard_normal((5, 3)))
    f = lambda v: ops.reduce_sum(ops.mul(ops.sin(v), ops.exp(v)))  # noqa: E731
    a = vmap(lambda v, w: jvp(f, (v,), (w,))[1])(x, t)
    b = jvp(vmap(f), (x,), (t,))[1]
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    loop = [jvp(f, (ops.index(x, i),), (ops.index(t, i),))[1].numpy() for i in range(5)]
    np.testing.assert_allclose(a.numpy(), loop, rtol=1e-12)


def test_nested_vmap_and_out_axes() -> None:
    x = f64(np.arange(24.0).reshape(2, 3, 4))
    out = vmap(vmap(lambda v: ops.reduce_sum(v), in_axes=1), in_axes=0, out_axes=1)(x)
    np.testing.assert_allclose(out.numpy(), x.numpy().sum(axis=1).T)


def test_unbatched_arguments_and_pytree_in_axes() -> None:
    w = f64([[1.0, 2.0], [3.0, 4.0]])
    xs = f64(np.arange(6.0).reshape(3, 2))
    out = vmap(lambda d, x: ops.matmul(d["w"], x), in_axes=({"w": None}, 0))({"w": w}, xs)
    np.testing.assert_allclose(out.numpy(), xs.numpy() @ w.numpy().T)


def test_vmap_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="different sizes"):
        vmap(ops.add)(f64([1.0, 2.0]), f64([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="in_axes has 1 entries but the function got 2"):
        vmap(ops.add, in_axes=(0,))(f64([1.0]), f64([1.0]))


def test_batched_gather_indices_pick_each_examples_rows() -> None:
    table = f64(np.arange(12.0).reshape(2, 3, 2))
    idx = array(np.array([[2, 0], [1, 1]]))
    out = vmap(lambda t, i: ops.index(t, i))(table, idx)
    expected = np.stack([table.numpy()[b][idx.numpy()[b]] for b in range(2)])
    np.testing.assert_array_equal(out.numpy(), expected)
    added = vmap(lambda t, i: ops.index_add(t, i, 1.0))(table, idx)
    expected_add = table.numpy().copy()
    for b in range(2):
        np.add.at(expected_add[b], idx.numpy()[b], 1.0)
    np.testing.assert_array_equal(added.numpy(), expected_add)


def test_batch_graph_gives_a_valid_batched_graph() -> None:
    graph = make_graph(lambda v: ops.reduce_sum(ops.tanh(v)), f64([1.0, 2.0]))
    batched = batch_graph(graph, in_axes=[0], size=4)
    validate(batched)
    assert batched.in_types[0].shape == (4, 2) and batched.out_types[0].shape == (4,)


def test_random_bits_batch_over_keys() -> None:
    keys = ops.split_key(ops.key(0), 3)
    bits = vmap(lambda k: ops.random_bits(k, (4,)))(keys)
    for i in range(3):
        np.testing.assert_array_equal(
            bits.numpy()[i], ops.random_bits(ops.index(keys, i), (4,)).numpy()
        )
