"""Static shapes with unknown dimensions: the core's types carry ``None`` (TensorFlow's
``?``) through every shape rule, so a graph built on a ``[None, 784]`` placeholder has
the static shapes TensorFlow gives it, with no stand-in sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.static as tf
from workbench.backend import default_device
from workbench.core import Type, ops, trace


def _graph_shapes(lib: Any) -> dict[str, Any]:
    """The static shapes of a small CNN classifier and the ops around it, in ``lib``."""
    v1 = lib.compat.v1
    shapes: dict[str, Any] = {}
    graph = v1.Graph() if hasattr(v1, "Graph") else lib.Graph()
    with graph.as_default():
        x = v1.placeholder(lib.float32, [None, 784])
        y = v1.placeholder(lib.int64, [None])
        img = lib.reshape(x, [-1, 28, 28, 1])
        kernel = lib.Variable(np.zeros((3, 3, 1, 4), np.float32))
        conv = lib.nn.conv2d(img, kernel, strides=[1, 1, 1, 1], padding="SAME")
        pool = lib.nn.max_pool2d(conv, 2, 2, "VALID")
        flat = lib.reshape(pool, [-1, 14 * 14 * 4])
        dropped = lib.nn.dropout(flat, rate=0.5)
        weights = lib.Variable(np.zeros((14 * 14 * 4, 10), np.float32))
        logits = lib.matmul(dropped, weights) + lib.Variable(np.zeros(10, np.float32))
        loss = lib.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        found: dict[str, Callable[[], Any]] = {
            "reshape": lambda: img,
            "conv": lambda: conv,
            "pool": lambda: pool,
            "dropout": lambda: dropped,
            "logits": lambda: logits,
            "loss": lambda: loss,
            "mean": lambda: lib.reduce_mean(loss),
            "accuracy": lambda: lib.reduce_mean(
                lib.cast(lib.equal(lib.argmax(logits, 1), y), lib.float32)
            ),
            "column": lambda: x[:, 0],
            "columns": lambda: x[:, 10:20],
            "first rows": lambda: x[2:5],
            "last row": lambda: x[-1],
            "last row's last column": lambda: x[-1, -1],
            "concat rows": lambda: lib.concat([x, x], axis=0),
            "concat columns": lambda: lib.concat([x, x], axis=1),
            "shape": lambda: lib.shape(x),
            "batch size": lambda: lib.shape(x)[0],
            "reshape -1": lambda: lib.reshape(v1.placeholder(lib.float32, [None, 24]), [-1, 4, 6]),
            "labels meet logits": lambda: lib.nn.sparse_softmax_cross_entropy_with_logits(
                labels=v1.placeholder(lib.int64, [32]),
                logits=v1.placeholder(lib.float32, [None, 4]),
            ),
            "one_hot": lambda: lib.one_hot(y, 10),
            "gather": lambda: lib.gather(x, [0, 1], axis=1),
            "pad": lambda: lib.pad(x, [[0, 0], [1, 1]]),
            "transpose": lambda: lib.transpose(img, [0, 3, 1, 2]),
            "softmax": lambda: lib.nn.softmax(logits),
            "sum over the batch": lambda: lib.reduce_sum(x, 0),
        }
        for name, make in found.items():
            shapes[name] = make().shape.as_list()
    return shapes


def test_unknown_dimensions_get_tensorflows_static_shapes(real_tf: Any) -> None:
    ours, theirs = _graph_shapes(tf), _graph_shapes(real_tf)
    assert ours == theirs


def test_the_core_types_print_and_carry_unknown_dimensions() -> None:
    device = default_device()
    x = Type((None, 784), np.dtype("float32"), device)
    w = Type((784, 10), np.dtype("float32"), device)
    graph, _ = trace(lambda a, b: ops.mean(ops.add(ops.matmul(a, b), 1.0), 1), x, w)
    assert str(x) == "f32[?,784]" and not x.known
    assert [str(t) for t in graph.out_types] == ["f32[?]"]
    assert "f32[?,10]" in str(graph)  # every intermediate type says which size is unknown


def test_an_error_still_names_the_node_and_the_shapes() -> None:
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 784])
        with pytest.raises(ValueError, match=r"MatMul.*\[\?,784\], \[5,10\]"):
            tf.matmul(x, tf.Variable(np.zeros((5, 10), np.float32)))


def test_an_index_from_the_end_of_an_unknown_dimension_counts_when_the_graph_runs() -> None:
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        last, before = x[-1], x[-2, 1:]
        assert last.shape.as_list() == [3] and before.shape.as_list() == [2]
        with v1.Session() as sess:
            value = np.arange(12, dtype=np.float32).reshape(4, 3)
            got = sess.run([last, before], {x: value})
            np.testing.assert_array_equal(got[0], value[-1])
            np.testing.assert_array_equal(got[1], value[-2, 1:])
            np.testing.assert_array_equal(sess.run(last, {x: value[:2]}), value[1])
            with pytest.raises(IndexError, match="out of range"):
                sess.run(x[-5], {x: value})
