"""tf.scan / tf.foldl / tf.foldr: eager, in tf.function with a GradientTape and in a TF1
Session, against TensorFlow's own numbers; a graph keeps the loop as one operation."""

from __future__ import annotations

import numpy as np
import pytest

import workbench.static as wtf

real_tf = pytest.importorskip("tensorflow")

ELEMS = np.arange(1.0, 7.0, dtype=np.float32)


@pytest.mark.parametrize("tf", [wtf, real_tf], ids=["workbench", "tensorflow"])
def test_scan_eagerly_as_tensorflow_documents(tf: object) -> None:
    t = tf  # type: ignore[assignment]
    add = lambda a, x: a + x  # noqa: E731
    np.testing.assert_allclose(t.scan(add, ELEMS).numpy(), [1, 3, 6, 10, 15, 21])
    np.testing.assert_allclose(t.scan(add, ELEMS, reverse=True).numpy(), [21, 20, 18, 15, 11, 6])
    np.testing.assert_allclose(
        t.scan(lambda a, x: a * x, ELEMS, initializer=np.float32(2)).numpy(),
        [2, 4, 12, 48, 240, 1440],
    )
    # a structured accumulator (Fibonacci), elements ignored
    a, b = t.scan(lambda ab, _: (ab[1], ab[0] + ab[1]), ELEMS, initializer=(0.0, 1.0))
    np.testing.assert_allclose(a.numpy(), [1, 1, 2, 3, 5, 8])
    np.testing.assert_allclose(b.numpy(), [1, 2, 3, 5, 8, 13])
    assert float(t.foldl(add, ELEMS)) == 21.0 and float(t.foldr(lambda a, x: a - x, ELEMS)) == -9
    assert float(t.foldl(lambda a, x: a - x, ELEMS, initializer=np.float32(0))) == -21


def _rnn_loss(tf: object, w: object, xs: object) -> object:
    t = tf  # type: ignore[assignment]

    def cell(h: object, x: object) -> object:
        return t.tanh(t.matmul(h, w) + x)

    hs = t.scan(cell, xs, initializer=t.zeros([2, 3]))
    return t.reduce_sum(hs * hs)


def test_scan_gradient_in_a_function_matches_tensorflow() -> None:
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 3)).astype(np.float32)
    xs = rng.standard_normal((5, 2, 3)).astype(np.float32)
    found = []
    for t in (wtf, real_tf):
        w = t.Variable(w0)

        @t.function
        def step(xs: object, t: object = t, w: object = w) -> object:
            with t.GradientTape() as tape:
                loss = _rnn_loss(t, w, xs)
            return loss, tape.gradient(loss, w)

        loss, grad = step(t.constant(xs))
        found.append((loss.numpy(), grad.numpy()))
    np.testing.assert_allclose(found[0][0], found[1][0], rtol=1e-5)
    np.testing.assert_allclose(found[0][1], found[1][1], rtol=1e-4, atol=1e-6)


def test_scan_in_a_tf1_graph_is_one_operation_and_differentiates() -> None:
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 3)).astype(np.float32)
    xs = rng.standard_normal((40, 2, 3)).astype(np.float32)
    v1 = wtf.compat.v1
    graph = wtf.Graph()
    with graph.as_default():
        w = v1.get_variable("w", initializer=w0)
        x = v1.placeholder(wtf.float32, [None, 2, 3])
        loss = _rnn_loss(wtf, w, x)
        (grad,) = v1.gradients(loss, [w])
        assert [op.type for op in graph.get_operations()].count("Scan") == 1
        assert len(graph.get_operations()) < 40  # not unrolled over the 40 steps
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            ours = sess.run([loss, grad], {x: xs})
    w_t = real_tf.Variable(w0)
    with real_tf.GradientTape() as tape:
        expected = _rnn_loss(real_tf, w_t, real_tf.constant(xs))
    np.testing.assert_allclose(ours[0], expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours[1], tape.gradient(expected, w_t).numpy(), rtol=1e-4)
