"""TensorFlow 2 style: eager tensors, GradientTape, tf.function (tracing and retracing)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import workbench.static as tf
import workbench.static as wtf
from tests.conftest import PARITY_TOL


def test_eager_tensors_compute_at_once_and_print_like_tensorflow() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.matmul(x, x) + 1.0
    np.testing.assert_array_equal(y.numpy(), [[8.0, 11.0], [16.0, 23.0]])
    assert repr(tf.constant(2.5)) == "<tf.Tensor: shape=(), dtype=float32, numpy=2.5>"
    assert tf.constant(3).dtype == tf.int32 and tf.constant(np.float64(1)).dtype == tf.float64
    assert tf.executing_eagerly()
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)


def test_gradient_tape_matches_tensorflow(real_tf: Any) -> None:
    def grads(lib: Any) -> list[np.ndarray]:
        w = lib.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32))
        b = lib.Variable(np.array([0.1, -0.2], np.float32))
        x = lib.constant(np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32))
        with lib.GradientTape() as tape:
            y = lib.nn.softmax(lib.tanh(lib.matmul(x, w) + b))
            loss = lib.reduce_sum(y * lib.math.log(y + 1.0))
        return [g.numpy() for g in tape.gradient(loss, [w, b])]

    for ours, theirs in zip(grads(tf), grads(real_tf)):
        np.testing.assert_allclose(ours, theirs, **PARITY_TOL)


def test_nested_tapes_give_second_derivatives() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert (float(dy), float(d2y)) == (27.0, 18.0)


def test_tape_rules() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = x * x  # a constant is not watched
    assert tape.gradient(y, x) is None
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        z = v * 3.0
    assert float(tape.gradient(z, v)) == 3.0
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(z, v)
    with tf.GradientTape(persistent=True) as tape:
        z = v * v
    assert float(tape.gradient(z, v)) == float(tape.gradient(z, v)) == 2.0


def test_function_traces_once_per_signature_and_runs_side_effects_only_then() -> None:
    traced: list[tuple[int, ...]] = []

    @tf.function
    def affine(x: Any, w: Any) -> Any:
        traced.append(tuple(x.shape.as_list()))
        return tf.matmul(x, w) + 1.0

    w = tf.constant(np.eye(3, dtype=np.float32))
    a = np.ones((2, 3), np.float32)
    for _ in range(3):
        np.testing.assert_array_equal(affine(tf.constant(a), w).numpy(), a + 1)
    affine(tf.constant(np.ones((5, 3), np.float32)), w)
    assert traced == [(2, 3), (5, 3)]
    assert affine.experimental_get_tracing_count() == 2
    graph_ops = [
        op.type for op in affine.get_concrete_function(tf.constant(a), w).graph.get_operations()
    ]
    assert "MatMul" in graph_ops


def test_function_warns_when_every_call_retraces() -> None:
    @tf.function
    def scale(x: Any, k: float) -> Any:
        return x * k

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(6):
            scale(tf.constant(1.0), float(k))
    assert any("retracing" in str(w.message) for w in caught)


def test_input_signature_accepts_any_batch_and_rejects_mismatches() -> None:
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def total(x: Any) -> Any:
        return tf.reduce_sum(x, axis=1)

    assert total(tf.ones([3, 2])).shape.as_list() == [3]
    assert total(tf.ones([7, 2])).shape.as_list() == [7]
    assert total.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="input_signature"):
        total(tf.ones([3, 3]))


def test_function_training_step_updates_variables_like_eager() -> None:
    def make() -> tuple[Any, Any]:
        w = tf.Variable(np.array([[0.5], [-0.5]], np.float32))
        x = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
        return w, x

    def step(w: Any, x: Any) -> Any:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    w1, x1 = make()
    eager = [float(step(w1, x1)) for _ in range(4)]
    w2, x2 = make()
    compiled = tf.function(step)
    graph = [float(compiled(w2, x2)) for _ in range(4)]
    np.testing.assert_allclose(graph, eager, rtol=1e-6)
    np.testing.assert_allclose(w2.numpy(), w1.numpy(), rtol=1e-6)


def test_gradient_through_a_function_call() -> None:
    square_sum = tf.function(lambda v: tf.reduce_sum(v * v))
    v = tf.Variable([1.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        y = square_sum(v)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, -4.0, 6.0])


def test_eager_control_flow_and_random_seeds() -> None:
    assert (
        float(tf.cond(tf.constant(True), lambda: tf.constant(1.0), lambda: tf.constant(2.0))) == 1.0
    )
    i = tf.while_loop(lambda i: i < 10, lambda i: i + 3, tf.constant(0))
    assert int(i) == 12
    tf.random.set_seed(5)
    a = tf.random.normal([4]).numpy()
    tf.random.set_seed(5)
    np.testing.assert_array_equal(tf.random.normal([4]).numpy(), a)


def _per_example_grads(lib: Any, in_function: bool) -> Any:
    rng = np.random.default_rng(4)
    w = lib.Variable(rng.standard_normal((3, 2)).astype(np.float32))
    b = lib.Variable(rng.standard_normal(2).astype(np.float32))
    x = lib.constant(rng.standard_normal((5, 3)).astype(np.float32))
    y = lib.constant(rng.standard_normal((5, 2)).astype(np.float32))

    def one(example: Any) -> Any:
        xi, yi = example
        with lib.GradientTape() as tape:
            loss = lib.reduce_sum(lib.square(lib.tanh(lib.matmul(xi[None], w) + b) - yi))
        gw, gb = tape.gradient(loss, [w, b])
        return {"w": gw, "b": gb, "loss": loss}

    def run(x: Any, y: Any) -> Any:
        return lib.vectorized_map(one, (x, y))

    out = lib.function(run)(x, y) if in_function else run(x, y)
    return {k: v.numpy() for k, v in out.items()}, one, x, y


@pytest.mark.parametrize("in_function", [False, True])
def test_vectorized_map_gives_per_example_gradients(in_function: bool) -> None:
    got, one, x, y = _per_example_grads(tf, in_function)
    assert got["w"].shape == (5, 3, 2) and got["b"].shape == (5, 2) and got["loss"].shape == (5,)
    for i in range(5):  # each slice is that example's own gradient
        single = one((x[i], y[i]))
        np.testing.assert_allclose(got["w"][i], single["w"].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["b"][i], single["b"].numpy(), rtol=1e-5, atol=1e-6)


def test_vectorized_map_matches_tensorflow(real_tf: Any) -> None:
    ours = _per_example_grads(tf, True)[0]
    theirs = _per_example_grads(real_tf, True)[0]
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], **PARITY_TOL)


def test_get_concrete_function_takes_tensor_specs_and_names_inputs() -> None:
    import workbench.static as tf

    f = tf.function(lambda x, y: x * 2.0 + y)
    concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32), tf.constant(1.0))
    assert [t.name for t in concrete.graph.inputs] == ["x:0", "y:0"]
    assert f(tf.ones([5]), tf.constant(1.0)).numpy().tolist() == [3.0] * 5
    assert f.experimental_get_tracing_count() == 1  # the [None] trace serves length 5


@pytest.mark.parametrize("lib", ["workbench", "tensorflow"])
def test_variables_made_on_the_first_call_are_lifted_and_retraced(lib: str, capsys: Any) -> None:
    tf = pytest.importorskip("tensorflow") if lib == "tensorflow" else wtf
    made: list[Any] = []

    @tf.function
    def scale(x: Any) -> Any:
        print("tracing")
        if not made:
            made.append(tf.Variable(3.0))
        return x * made[0]

    assert float(scale(tf.constant(2.0))) == 6.0
    assert capsys.readouterr().out.count("tracing") == 2  # once to make, once with them
    assert scale.experimental_get_tracing_count() == 2
    layer = tf.keras.layers.Dense(2)
    dense = tf.function(lambda x: layer(x))
    dense(tf.ones([1, 3]))
    assert dense.experimental_get_tracing_count() == 2  # the layer builds on the first call

    @tf.function
    def fresh(x: Any) -> Any:
        return x * tf.Variable(2.0)  # a new variable on every trace

    with pytest.raises(ValueError):
        fresh(tf.constant(1.0))
