"""The TF1 op set in graph mode against real TensorFlow: values and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as tf
from tests.conftest import PARITY_TOL

LABELS = np.array([2, 0, 1, 2])
CASES: dict[str, Any] = {
    "matmul_transposed": lambda lib, x: lib.matmul(x, x, transpose_b=True),
    "arithmetic": lambda lib, x: (x * 2.0 - 1.0) / (lib.abs(x) + 1.0) + x**2,
    "reduce_sum_axis": lambda lib, x: lib.reduce_sum(x, axis=1, keepdims=True),
    "reduce_mean": lambda lib, x: lib.reduce_mean(x, axis=0),
    "reduce_max": lambda lib, x: lib.reduce_max(x, axis=1),
    "reduce_logsumexp": lambda lib, x: lib.reduce_logsumexp(x, axis=1),
    "reshape_transpose": lambda lib, x: lib.transpose(lib.reshape(x, [2, 2, 3]), [2, 0, 1]),
    "concat_stack": lambda lib, x: lib.concat([lib.stack([x, x * 2.0], axis=1)[:, 0], x], axis=0),
    "gather": lambda lib, x: lib.gather(x, [3, 0, 0], axis=0),
    "gather_axis1": lambda lib, x: lib.gather(x, [2, 1], axis=1),
    "one_hot_where": lambda lib, x: lib.where(lib.one_hot(LABELS, 3) > 0.5, x, -x),
    "slicing": lambda lib, x: x[1:, ::-1] * x[:-1, ::2][:, :1],
    "activations": lambda lib, x: (
        lib.nn.relu(x) + lib.nn.sigmoid(x) + lib.nn.tanh(x) + lib.nn.elu(x)
    ),
    "softmax_log_softmax": lambda lib, x: lib.nn.softmax(x) * lib.nn.log_softmax(x, axis=0),
    "sparse_ce": lambda lib, x: lib.nn.sparse_softmax_cross_entropy_with_logits(
        labels=LABELS, logits=x
    ),
    "dense_ce": lambda lib, x: lib.nn.softmax_cross_entropy_with_logits(
        labels=lib.nn.softmax(x * 3.0), logits=x
    ),
    "sigmoid_ce": lambda lib, x: lib.nn.sigmoid_cross_entropy_with_logits(
        labels=lib.ones_like(x) * 0.3, logits=x
    ),
    "clip_maximum": lambda lib, x: lib.clip_by_value(x, -0.5, 0.5) + lib.maximum(x, 0.2),
    "squared_difference": lambda lib, x: lib.math.squared_difference(x, 0.5),
    "cumsum_tile_pad": lambda lib, x: lib.pad(
        lib.tile(lib.cumsum(x, axis=1), [1, 2]), [[1, 0], [0, 2]]
    ),
    "conv2d_same": lambda lib, x: lib.nn.conv2d(
        lib.reshape(x, [1, 4, 3, 1]), lib.ones([2, 2, 1, 2]) * 0.5, strides=1, padding="SAME"
    ),
    "conv2d_valid_strided": lambda lib, x: lib.nn.conv2d(
        lib.reshape(lib.tile(x, [2, 2]), [1, 8, 6, 1]),
        lib.reshape(lib.range(12, dtype=lib.float32), [2, 3, 1, 2]) * 0.1,
        strides=[1, 2, 1, 1],
        padding="VALID",
    ),
    "max_pool_same": lambda lib, x: lib.nn.max_pool(
        lib.reshape(x, [1, 4, 3, 1]), ksize=2, strides=2, padding="SAME"
    ),
    "avg_pool_same": lambda lib, x: lib.nn.avg_pool(
        lib.reshape(x, [1, 4, 3, 1]), ksize=2, strides=1, padding="SAME"
    ),
    "l2_loss_moments": lambda lib, x: lib.nn.l2_loss(x) + lib.reduce_sum(lib.nn.moments(x, [0])[1]),
}


def _run(lib: Any, case: str) -> list[np.ndarray]:
    v1 = lib.compat.v1
    data = np.array(
        [[0.3, -1.2, 2.0], [0.7, 0.1, -0.4], [-1.5, 0.9, 1.1], [0.2, -0.6, 0.05]], np.float32
    )
    with lib.Graph().as_default():
        x = v1.placeholder(lib.float32, [4, 3])
        y = CASES[case](lib, x)
        (g,) = lib.gradients(lib.reduce_sum(y * y), [x])
        g = lib.convert_to_tensor(g)  # TensorFlow's gather gradient is IndexedSlices
        with v1.Session() as sess:
            return sess.run([y, g], {x: data})


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_values_and_gradients_match_tensorflow(real_tf: Any, case: str) -> None:
    ours, theirs = _run(tf, case), _run(real_tf, case)
    for a, b in zip(ours, theirs):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, **PARITY_TOL)


def test_dropout_in_a_graph_keeps_the_expected_fraction() -> None:
    with tf.Graph().as_default() as g:
        g.seed = 1
        x = tf.ones([100, 100])
        y = tf.nn.dropout(x, rate=0.3)
        old = tf.compat.v1.placeholder(tf.float32, [])
        z = tf.nn.dropout(x, keep_prob=old)
        with tf.compat.v1.Session() as sess:
            a, b = sess.run(y), sess.run(y)
            c = sess.run(z, {old: 0.5})
    assert abs((a > 0).mean() - 0.7) < 0.03 and not np.array_equal(a, b)
    np.testing.assert_allclose(a[a > 0], 1 / 0.7, rtol=1e-6)
    assert abs((c > 0).mean() - 0.5) < 0.03
