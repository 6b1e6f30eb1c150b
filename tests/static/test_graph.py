"""TensorFlow 1 graph mode: building, running, errors, state, gradients, optimizers."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import pytest

import workbench.static as tf
from tests.conftest import PARITY_TOL
from workbench.static import errors

tf1 = tf.compat.v1


def _mlp_losses(lib: Any, optimizer: str, steps: int = 5) -> tuple[np.ndarray, np.ndarray, int]:
    """A small classifier trained in graph mode, written once for both libraries."""
    v1 = lib.compat.v1
    rng = np.random.default_rng(0)
    data = rng.standard_normal((32, 8)).astype(np.float32)
    labels = rng.integers(0, 4, 32)
    w1_init = (rng.standard_normal((8, 16)) * 0.3).astype(np.float32)
    w2_init = (rng.standard_normal((16, 4)) * 0.3).astype(np.float32)
    graph = lib.Graph()
    with graph.as_default():
        x = v1.placeholder(lib.float32, [None, 8])
        y = v1.placeholder(lib.int64, [None])
        w1, b1 = lib.Variable(w1_init), lib.Variable(lib.zeros([16]))
        w2, b2 = lib.Variable(w2_init), lib.Variable(lib.zeros([4]))
        h = lib.nn.relu(lib.matmul(x, w1) + b1)
        logits = lib.matmul(h, w2) + b2
        loss = lib.reduce_mean(
            lib.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        )
        step = v1.train.get_or_create_global_step()
        opt = {
            "sgd": lambda: v1.train.GradientDescentOptimizer(0.1),
            "nesterov": lambda: v1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
            "adam": lambda: v1.train.AdamOptimizer(0.01),
            "adagrad": lambda: v1.train.AdagradOptimizer(0.1),
            "rmsprop": lambda: v1.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
        }[optimizer]()
        train = opt.minimize(loss, global_step=step)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            losses = [sess.run([loss, train], {x: data, y: labels})[0] for _ in range(steps)]
            return np.array(losses), sess.run(w1), int(sess.run(step))


@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam", "adagrad", "rmsprop"])
def test_graph_mode_training_matches_tensorflow(real_tf: Any, optimizer: str) -> None:
    ours, theirs = _mlp_losses(tf, optimizer), _mlp_losses(real_tf, optimizer)
    np.testing.assert_allclose(ours[0], theirs[0], **PARITY_TOL)
    np.testing.assert_allclose(ours[1], theirs[1], **PARITY_TOL)
    assert ours[2] == theirs[2] == 5


def test_graph_mode_sgd_matches_numpy() -> None:
    """The same training without TensorFlow: a float64 NumPy step written by hand."""
    losses, w1, _ = _mlp_losses(tf, "sgd", steps=3)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8))
    y = rng.integers(0, 4, 32)
    w1_ref, w2 = rng.standard_normal((8, 16)) * 0.3, rng.standard_normal((16, 4)) * 0.3
    w1_ref, w2 = (
        w1_ref.astype(np.float32).astype(np.float64),
        w2.astype(np.float32).astype(np.float64),
    )
    x = x.astype(np.float32).astype(np.float64)
    b1, b2 = np.zeros(16), np.zeros(4)
    expected = []
    for _ in range(3):
        z = x @ w1_ref + b1
        h = np.maximum(z, 0)
        logits = h @ w2 + b2
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        expected.append(-np.log(p[np.arange(32), y]).mean())
        g = p.copy()
        g[np.arange(32), y] -= 1
        g /= 32
        gw2, gb2 = h.T @ g, g.sum(0)
        gh = g @ w2.T * (z > 0)
        gw1, gb1 = x.T @ gh, gh.sum(0)
        w1_ref, b1, w2, b2 = w1_ref - 0.1 * gw1, b1 - 0.1 * gb1, w2 - 0.1 * gw2, b2 - 0.1 * gb2
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    np.testing.assert_allclose(w1, w1_ref, rtol=1e-4, atol=1e-5)


def test_names_scopes_and_lookup() -> None:
    with tf.Graph().as_default() as g:
        a = tf.constant(1.0)
        b = tf.constant(2.0)
        with tf.name_scope("layer"):
            c = tf.add(a, b)
            d = tf.add(a, b)
        with tf.name_scope("layer"):
            e = tf.multiply(c, d, name="prod")
        assert (a.name, b.name) == ("Const:0", "Const_1:0")
        assert (c.name, d.name, e.name) == ("layer/AddV2:0", "layer/AddV2_1:0", "layer_1/prod:0")
        assert g.get_tensor_by_name("layer_1/prod:0") is e
        assert g.get_operation_by_name("layer/AddV2") is c.op
        assert c.op.inputs == [a, b]
        with tf1.Session() as sess:
            assert sess.run("layer_1/prod:0") == 9.0


def test_static_shapes_and_errors_at_build_time() -> None:
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 784], name="x")
        w = tf.Variable(tf.zeros([784, 10]))
        y = tf.matmul(x, w)
        assert y.shape.as_list() == [None, 10]
        assert str(y) == 'Tensor("MatMul:0", shape=(None, 10), dtype=float32)'
        assert tf.reshape(x, [-1, 28, 28, 1]).shape.as_list() == [None, 28, 28, 1]
        with pytest.raises(ValueError, match=r"MatMul_1.*input shapes: \[\?,784\], \[500,10\]"):
            tf.matmul(x, tf.zeros([500, 10]))
        with pytest.raises(TypeError, match="same dtype"):
            tf.add(x, tf.constant(1, dtype=tf.int32))
        with pytest.raises(TypeError, match="Python `bool`"):
            bool(y)


def test_reshapes_that_split_an_unknown_dimension_and_their_gradients() -> None:
    # [?, 24] -> (-1, 5, 24) leaves the batch unknown, as TensorFlow does, and the
    # gradient op has its input's type (an attention block's head split, say)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 24])
        y = tf.reshape(x, [-1, 5, 24])
        assert y.shape.as_list() == [None, 5, 24]
        heads = tf.transpose(tf.reshape(y, [-1, 5, 4, 6]), [0, 2, 1, 3])
        assert heads.shape.as_list() == [None, 4, 5, 6]
        (g,) = tf.gradients(tf.reduce_sum(heads * heads), [x])
        assert g.shape.as_list() == [None, 24]
        value = np.arange(240, dtype=np.float32).reshape(10, 24)
        with tf1.Session() as sess:
            np.testing.assert_allclose(sess.run(g, {x: value}), 2 * value)


def test_feeding_errors_name_the_tensor_and_shapes() -> None:
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        y = x * 2.0
        with tf1.Session() as sess:
            with pytest.raises(ValueError, match=r"shape \(1, 2\) for Tensor x:0.*\(None, 3\)"):
                sess.run(y, {x: [[1.0, 2.0]]})
            with pytest.raises(
                errors.InvalidArgumentError, match=r"'x' with dtype float and shape \[\?,3\]"
            ):
                sess.run(y)
            out = sess.run(y, feed_dict={x: np.ones((2, 3))})  # float64 data is converted
            assert out.dtype == np.float32 and out.shape == (2, 3)


def test_uninitialised_variable_is_a_failed_precondition() -> None:
    with tf.Graph().as_default():
        v = tf.Variable(1.0, name="v")
        with (
            tf1.Session() as sess,
            pytest.raises(errors.FailedPreconditionError, match="uninitialized value v"),
        ):
            sess.run(v + 1.0)


def test_nested_fetches_and_ops() -> None:
    Pair = collections.namedtuple("Pair", "a b")
    with tf.Graph().as_default():
        a = tf.constant([1.0, 2.0])
        b = a * 3.0
        noop = tf.no_op()
        with tf1.Session() as sess:
            out = sess.run({"x": [a, (b,)], "p": Pair(a, b), "op": noop})
    np.testing.assert_array_equal(out["x"][0], [1.0, 2.0])
    np.testing.assert_array_equal(out["x"][1][0], [3.0, 6.0])
    assert isinstance(out["p"], Pair) and out["op"] is None


def test_each_run_executes_only_what_the_fetches_need() -> None:
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [])
        counter = tf.Variable(0, name="counter")
        bump = counter.assign_add(1)
        y = x + 1.0
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(y, {x: 1.0})  # must not run `bump`, nor need a feed for it
            sess.run(bump)
            sess.run(bump)
            assert sess.run(counter) == 2
            programs = len(sess.programs)
            for _ in range(3):
                sess.run(y, {x: 2.0})
            assert len(sess.programs) == programs  # cached per signature


def test_control_dependencies_order_reads_after_writes() -> None:
    with tf.Graph().as_default():
        v = tf.Variable(1.0)
        before = v * 2.0  # no dependency on the update: reads the value the run starts with
        update = tf1.assign(v, 5.0)
        with tf.control_dependencies([update]):
            after = v * 2.0
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            assert sess.run([before, after]) == [2.0, 10.0]
            assert sess.run(v.read_value()) == 5.0


def test_sessions_own_their_variable_values() -> None:
    with tf.Graph().as_default():
        v = tf.Variable(1.0)
        inc = v.assign_add(1.0)
        s1, s2 = tf1.Session(), tf1.Session()
        for s in (s1, s2):
            s.run(tf1.global_variables_initializer())
        s1.run(inc)
        assert (s1.run(v), s2.run(v)) == (2.0, 1.0)


def test_gradients_are_graph_ops_and_match_finite_differences() -> None:
    with tf.Graph().as_default() as g:
        x = tf1.placeholder(tf.float64, [3])
        y = tf.reduce_sum(tf.sin(x) * x + tf.exp(x) * tf.stop_gradient(x))
        (dx,) = tf.gradients(y, [x])
        (none,) = tf.gradients(y, [tf.constant(1.0, tf.float64)])
        assert none is None
        assert dx.name.startswith("gradients/")
        assert any(op.type == "SinGrad" for op in g.get_operations())
        point = np.array([0.3, -1.2, 2.0])
        with tf1.Session() as sess:
            got = sess.run(dx, {x: point})
    expected = np.sin(point) + point * np.cos(point) + np.exp(point) * point
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_gradients_through_cond_and_while_loop(real_tf: Any) -> None:
    def program(lib: Any) -> list[np.ndarray]:
        v1 = lib.compat.v1
        with lib.Graph().as_default():
            x = v1.placeholder(lib.float32, [2])
            p = v1.placeholder(lib.bool, [])
            c = lib.cond(p, lambda: lib.reduce_sum(x * x), lambda: lib.reduce_sum(lib.sin(x)))
            _, w = lib.while_loop(
                lambda i, v: i < 3,
                lambda i, v: (i + 1, v * x + 1.0),
                [lib.constant(0), x],
                maximum_iterations=10,
            )
            loss = c + lib.reduce_sum(w)
            (g,) = lib.gradients(loss, [x])
            with v1.Session() as sess:
                point = np.array([0.5, -1.5], np.float32)
                return [sess.run([loss, g], {x: point, p: flag}) for flag in (True, False)]

    for ours, theirs in zip(program(tf), program(real_tf)):
        np.testing.assert_allclose(ours[0], theirs[0], **PARITY_TOL)
        np.testing.assert_allclose(ours[1], theirs[1], **PARITY_TOL)


def test_random_ops_follow_the_seeding_rules() -> None:
    def draw() -> tuple[np.ndarray, np.ndarray]:
        with tf.Graph().as_default() as g:
            g.seed = 7
            r = tf.random.normal([1000], seed=3)
            with tf1.Session() as sess:
                return sess.run(r), sess.run(r)

    first, second = draw()
    again = draw()
    np.testing.assert_array_equal(first, again[0])  # reproducible across sessions
    assert not np.array_equal(first, second)  # new numbers every run
    assert abs(first.mean()) < 0.1 and abs(first.std() - 1) < 0.1


def test_saver_round_trip_is_safe_and_atomic(tmp_path: Any) -> None:
    with tf.Graph().as_default():
        v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="weights")
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=3)
            sess.run(v.assign(tf.zeros([2, 3])))
            saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run(v), np.arange(6).reshape(2, 3))
    assert tf1.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-3")
    with np.load(path + ".npz", allow_pickle=False) as data:
        assert list(data) == ["weights"]
    assert not list(tmp_path.glob("*.tmp"))


def test_get_variable_reuse() -> None:
    with tf.Graph().as_default():
        with tf1.variable_scope("layer"):
            w = tf1.get_variable("w", [3, 4])
        with tf1.variable_scope("layer", reuse=True):
            assert tf1.get_variable("w", [3, 4]) is w
        with tf1.variable_scope("layer"), pytest.raises(ValueError, match="already exists"):
            tf1.get_variable("w", [3, 4])
        assert w.name == "layer/w:0" and w.shape.as_list() == [3, 4]
        limit = np.sqrt(6 / 7)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            assert np.abs(sess.run(w)).max() <= limit


def test_known_and_unknown_dimensions_merge_like_tensorflow() -> None:
    with tf.Graph().as_default():
        logits = tf1.placeholder(tf.float32, [None, 4])
        labels = np.array([0, 1, 2, 3] * 8)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        assert loss.shape.as_list() == [32]
        (grad,) = tf.gradients(tf.reduce_mean(loss), [logits])
        with tf1.Session() as sess:
            assert sess.run(grad, {logits: np.zeros((32, 4))}).shape == (32, 4)
        with pytest.raises(
            ValueError,
            match=r"must equal `logits.shape` except for the last dimension. Received: "
            r"labels.shape=\(5,\) and logits.shape=\(3, 4\)",  # TensorFlow 2.21's words
        ):
            tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=np.zeros(5, np.int64), logits=tf.zeros([3, 4])
            )
        half = tf.constant(np.ones(3, np.float32)) / np.float64(
            2.0
        )  # NumPy scalars take the tensor's dtype
        assert half.dtype == tf.float32
