"""TensorFlow 1's recurrent networks (tf.compat.v1.nn.rnn_cell, dynamic_rnn, static_rnn
and the bidirectional forms): their numbers against float64 NumPy written from the cells'
published equations and against PyTorch's LSTM, their gradients against finite
differences, and TensorFlow 1's variable names, reuse rules and loop structure."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench.static as tf2
import workbench.static.compat.v1 as tf

B, T, D, H = 3, 6, 4, 5


def _sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def np_lstm(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, lengths: Any = None,
            forget_bias: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Batch-major ``x``: outputs (zero past each length) and the state at each length."""
    n = kernel.shape[1] // 4
    c, h = np.zeros((x.shape[0], n)), np.zeros((x.shape[0], n))
    outs = np.zeros((*x.shape[:2], n))
    lengths = np.full(x.shape[0], x.shape[1]) if lengths is None else np.asarray(lengths)
    for t in range(x.shape[1]):
        z = np.concatenate([x[:, t], h], 1) @ kernel + bias
        i, j, f, o = np.split(z, 4, axis=1)
        c_new = _sig(f + forget_bias) * c + _sig(i) * np.tanh(j)
        h_new = _sig(o) * np.tanh(c_new)
        live = (t < lengths)[:, None]
        c, h = np.where(live, c_new, c), np.where(live, h_new, h)
        outs[:, t] = np.where(live, h_new, 0)
    return outs, c, h


def np_gru(x: np.ndarray, wg: np.ndarray, bg: np.ndarray, wc: np.ndarray, bc: np.ndarray) -> Any:
    h = np.zeros((x.shape[0], wc.shape[1]))
    outs = []
    for t in range(x.shape[1]):
        r, u = np.split(_sig(np.concatenate([x[:, t], h], 1) @ wg + bg), 2, axis=1)
        cand = np.tanh(np.concatenate([x[:, t], r * h], 1) @ wc + bc)
        h = u * h + (1 - u) * cand
        outs.append(h)
    return np.stack(outs, 1), h


def _inputs(dtype: Any = np.float32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((B, T, D)).astype(dtype)


def _values(sess: Any, variables: list[Any]) -> dict[str, np.ndarray]:
    return {v.name: sess.run(v) for v in variables}


def test_dynamic_rnn_lstm_matches_the_published_equations_with_tf1_names() -> None:
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, T, D])
        cell = tf.nn.rnn_cell.BasicLSTMCell(H)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        assert isinstance(state, tf.nn.rnn_cell.LSTMStateTuple)
        assert out.shape.as_list() == [None, T, H] and state.h.shape.as_list() == [None, H]
        names = [v.name for v in tf.trainable_variables()]
        assert names == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"]
        assert cell.trainable_variables == tf.trainable_variables()
        # one loop operation, not one cell per step
        kinds = [op.type for op in tf.get_default_graph().get_operations()]
        assert kinds.count("Scan") == 1 and kinds.count("MatMul") == 0
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            xv = _inputs()
            o, (c, h) = sess.run([out, state], {x: xv})
            w = _values(sess, cell.weights)
    kernel, bias = w["rnn/basic_lstm_cell/kernel:0"], w["rnn/basic_lstm_cell/bias:0"]
    assert kernel.shape == (D + H, 4 * H) and not bias.any()
    ro, rc, rh = np_lstm(xv.astype(np.float64), kernel.astype(np.float64), bias)
    np.testing.assert_allclose(o, ro, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, rc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, rh, rtol=1e-5, atol=1e-6)


def test_dynamic_rnn_lstm_and_its_gradients_match_pytorchs_lstm() -> None:
    torch = pytest.importorskip("torch")
    xv = _inputs()
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [B, T, D])
        cell = tf.nn.rnn_cell.LSTMCell(H, forget_bias=0.0)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        loss = tf.reduce_sum(out * out) + tf.reduce_sum(state.c)
        grads = tf.gradients(loss, [x, *cell.trainable_variables])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            kernel, bias = sess.run(cell.weights)
            o, lv, gx, gk, gb = sess.run([out, loss, *grads], {x: xv})
    # TensorFlow's gates are i, j (candidate), f, o in one [x, h] kernel; PyTorch's are
    # i, f, g, o in W_ih and W_hh
    i, j, f, o_ = np.split(np.arange(4 * H), 4)
    order = np.concatenate([i, f, j, o_])
    lstm = torch.nn.LSTM(D, H, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(kernel[:D, order].T))
        lstm.weight_hh_l0.copy_(torch.tensor(kernel[D:, order].T))
        lstm.bias_ih_l0.copy_(torch.tensor(bias[order]))
        lstm.bias_hh_l0.zero_()
    xt = torch.tensor(xv, requires_grad=True)
    ot, (_, ct) = lstm(xt)
    lt = (ot * ot).sum() + ct.sum()
    lt.backward()
    np.testing.assert_allclose(o, ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lv, lt.item(), rtol=1e-5)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    gk_t = np.concatenate([lstm.weight_ih_l0.grad.numpy().T, lstm.weight_hh_l0.grad.numpy().T])
    np.testing.assert_allclose(gk[:, order], gk_t, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gb[order], lstm.bias_ih_l0.grad.numpy(), rtol=1e-4, atol=1e-6)


def _fd_check(build: Any, seed: int = 1) -> None:
    """The graph's gradient of a float64 loss against central differences of the same
    graph, for every trainable variable."""
    xv = _inputs(np.float64, seed)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [B, T, D])
        loss = build(x)
        variables = tf.trainable_variables()
        grads = tf.gradients(loss, variables)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            analytic = sess.run(grads, {x: xv})
            rng = np.random.default_rng(seed)
            for var, g in zip(variables, analytic):
                base = sess.run(var)
                for _ in range(4):
                    k = tuple(rng.integers(0, s) for s in base.shape)
                    eps = 1e-6
                    moved = []
                    for sign in (1, -1):
                        v = base.copy()
                        v[k] += sign * eps
                        var.load(v, sess)
                        moved.append(sess.run(loss, {x: xv}))
                    var.load(base, sess)
                    np.testing.assert_allclose(g[k], (moved[0] - moved[1]) / (2 * eps),
                                               rtol=1e-5, atol=1e-8)  # fmt: skip


def test_gru_matches_tensorflow_1s_equations_and_finite_differences() -> None:
    xv = _inputs()
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [B, T, D])
        cell = tf.nn.rnn_cell.GRUCell(H)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        assert [v.name for v in cell.weights] == [
            "rnn/gru_cell/gates/kernel:0", "rnn/gru_cell/gates/bias:0",
            "rnn/gru_cell/candidate/kernel:0", "rnn/gru_cell/candidate/bias:0",
        ]  # fmt: skip
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            wg, bg, wc, bc = (a.astype(np.float64) for a in sess.run(cell.weights))
            o, s = sess.run([out, state], {x: xv})
    assert (bg == 1).all() and not bc.any()  # TensorFlow 1's bias initialisers
    ro, rs = np_gru(xv.astype(np.float64), wg, bg, wc, bc)
    np.testing.assert_allclose(o, ro, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s, rs, rtol=1e-5, atol=1e-6)

    def gru_loss(x: Any) -> Any:
        out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(H), x, dtype=tf.float64)
        return tf.reduce_sum(tf.sin(out)) + tf.reduce_sum(state * state)

    _fd_check(gru_loss)


def test_stacked_peephole_projected_lstm_gradients_match_finite_differences() -> None:
    def loss(x: Any) -> Any:
        cells = [
            tf.nn.rnn_cell.LSTMCell(H, use_peepholes=True, cell_clip=2.0, num_proj=3),
            tf.nn.rnn_cell.BasicRNNCell(H),
        ]
        out, states = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float64)
        names = [v.name for v in tf.trainable_variables()]
        assert names[0] == "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel:0"
        assert "rnn/multi_rnn_cell/cell_0/lstm_cell/projection/kernel:0" in names
        assert names[-1] == "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/bias:0"
        assert out.shape.as_list() == [B, T, H] and states[0].h.shape.as_list() == [B, 3]
        return tf.reduce_sum(tf.cos(out)) + tf.reduce_sum(states[0].c) + tf.reduce_sum(states[1])

    _fd_check(loss)


def test_sequence_length_zeroes_outputs_and_holds_the_state() -> None:
    xv, lengths = _inputs(), np.array([6, 2, 4], np.int32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, T, D])
        n = tf.placeholder(tf.int32, [None])
        cell = tf.nn.rnn_cell.BasicLSTMCell(H)
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=tf.float32)
        unrolled, ustate = tf.nn.static_rnn(
            cell, tf.unstack(x, T, 1), sequence_length=n, dtype=tf.float32
        )  # the same cell: the same variables
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            kernel, bias = sess.run(cell.weights)
            o, (c, h), uo, (uc, uh) = sess.run([out, state, unrolled, ustate], {x: xv, n: lengths})
    ro, rc, rh = np_lstm(xv.astype(np.float64), kernel.astype(np.float64), bias, lengths)
    np.testing.assert_allclose(o, ro, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, rc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, rh, rtol=1e-5, atol=1e-6)
    assert not o[1, 2:].any() and not o[2, 4:].any()
    # the unrolled graph computes the same steps (the loop's fused kernels may round the
    # last bit differently)
    for unrolled_value, loop_value in ((np.stack(uo, 1), o), (uc, c), (uh, h)):
        np.testing.assert_allclose(unrolled_value, loop_value, rtol=1e-6, atol=1e-7)


def test_bidirectional_runs_reverse_each_sequence_within_its_length() -> None:
    xv, lengths = _inputs(), np.array([6, 2, 4], np.int32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [B, T, D])
        fw, bw = tf.nn.rnn_cell.BasicLSTMCell(H), tf.nn.rnn_cell.BasicLSTMCell(H)
        (o_fw, o_bw), (s_fw, s_bw) = tf.nn.bidirectional_dynamic_rnn(
            fw, bw, x, sequence_length=lengths, dtype=tf.float32
        )
        assert [v.name for v in tf.trainable_variables()] == [
            "bidirectional_rnn/fw/basic_lstm_cell/kernel:0",
            "bidirectional_rnn/fw/basic_lstm_cell/bias:0",
            "bidirectional_rnn/bw/basic_lstm_cell/kernel:0",
            "bidirectional_rnn/bw/basic_lstm_cell/bias:0",
        ]
        with tf.variable_scope("static"):
            joined, _, s_bw2 = tf.nn.static_bidirectional_rnn(
                fw, bw, tf.unstack(x, T, 1), sequence_length=lengths, dtype=tf.float32
            )  # the same cells, already built: their variables again
        assert len(tf.trainable_variables()) == 4
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            (kf, bf), (kb, bb) = sess.run(fw.weights), sess.run(bw.weights)
            got = sess.run([o_fw, o_bw, s_fw.h, s_bw.h, joined, s_bw2.h], {x: xv})
    x64 = xv.astype(np.float64)
    rf, _, hf = np_lstm(x64, kf.astype(np.float64), bf, lengths)
    flipped = np.stack([np.concatenate([x64[b, : n][::-1], x64[b, n:]]) for b, n in
                        enumerate(lengths)])  # fmt: skip
    rb, _, hb = np_lstm(flipped, kb.astype(np.float64), bb, lengths)
    rb = np.stack([np.concatenate([rb[b, :n][::-1], rb[b, n:]]) for b, n in enumerate(lengths)])
    for value, ref in zip(got[:4], (rf, rb, hf, hb)):
        np.testing.assert_allclose(value, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.stack(got[4], 1), np.concatenate([rf, rb], 2), rtol=1e-5,
                               atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(got[5], hb, rtol=1e-5, atol=1e-6)


def test_variable_reuse_follows_tensorflow_1s_rules() -> None:
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [B, T, D])
        with tf.variable_scope("model"):
            tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(H), x, dtype=tf.float32)
        with pytest.raises(ValueError, match="model/rnn/basic_lstm_cell/kernel already exists"):
            with tf.variable_scope("model"):
                tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(H), x, dtype=tf.float32)
        with tf.variable_scope("model", reuse=True):
            cell = tf.nn.rnn_cell.BasicLSTMCell(H)
            tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        assert len(tf.trainable_variables()) == 2
        assert cell.weights == tf.trainable_variables()
        with pytest.raises(ValueError, match="you must give a dtype"):
            tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(H), x)
        with pytest.raises(TypeError, match="is not an RNNCell"):
            tf.nn.dynamic_rnn(object(), x, dtype=tf.float32)


def test_dropout_wrapper_unrolls_in_a_graph_and_is_exact_at_keep_one() -> None:
    xv = _inputs()
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [B, T, D])
        keep = tf.placeholder_with_default(1.0, [])
        base = tf.nn.rnn_cell.BasicLSTMCell(H)
        plain, _ = tf.nn.dynamic_rnn(base, x, dtype=tf.float32)
        wrapped = tf.nn.rnn_cell.DropoutWrapper(base, output_keep_prob=keep)
        with tf.variable_scope("rnn", reuse=True):
            dropped, _ = tf.nn.dynamic_rnn(wrapped, x, dtype=tf.float32, scope="")
        assert len(tf.trainable_variables()) == 2
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            a, b = sess.run([plain, dropped], {x: xv})
            half = sess.run(dropped, {x: xv, keep: 0.5})
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)  # looped and unrolled
    zeroed = half == 0
    assert 0.2 < zeroed.mean() < 0.8
    np.testing.assert_allclose(half[~zeroed], 2 * b[~zeroed], rtol=1e-6)


def test_dynamic_rnn_runs_eagerly_with_the_graphs_numbers() -> None:
    xv = _inputs()
    cell = tf.nn.rnn_cell.GRUCell(H)
    out, state = tf.nn.dynamic_rnn(cell, tf2.constant(xv), dtype=tf.float32)
    weights = [w.numpy().astype(np.float64) for w in cell.weights]
    ro, rs = np_gru(xv.astype(np.float64), *weights)
    np.testing.assert_allclose(out.numpy(), ro, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.numpy(), rs, rtol=1e-5, atol=1e-6)


def test_a_tf1_lstm_classifier_trains_with_gradient_descent() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 64)
    xv = rng.standard_normal((64, T, 1)).astype(np.float32) * 0.1
    xv[labels == 1, :, 0] += np.linspace(0, 1, T, dtype=np.float32)  # a rising sequence
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, T, 1])
        y = tf.placeholder(tf.int64, [None])
        cells = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.BasicLSTMCell(8) for _ in range(2)])
        outputs, _ = tf.nn.dynamic_rnn(cells, x, dtype=tf.float32)
        logits = tf.layers.dense(outputs[:, -1], 2)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        )
        step = tf.contrib.framework.get_or_create_global_step()
        assert step is tf.train.get_global_step()
        train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            first = sess.run(loss, {x: xv, y: labels})
            for _ in range(60):
                sess.run(train, {x: xv, y: labels})
            last, steps = sess.run([loss, step], {x: xv, y: labels})
    assert first > 0.6 and last < 0.1 and steps == 60


@settings(max_examples=25, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 3)),
    axes=st.sampled_from([(1, 0), (0, 1), (2, 0), (0, 2), (1, 2)]),
    seed=st.integers(0, 2**16),
)
def test_reverse_sequence_matches_numpy_and_routes_gradients(
    shape: tuple[int, int, int], axes: tuple[int, int], seed: int
) -> None:
    seq_axis, batch_axis = axes
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    lengths = rng.integers(0, shape[seq_axis] + 1, shape[batch_axis])
    moved = np.moveaxis(x, (batch_axis, seq_axis), (0, 1))
    want = moved.copy()
    for b, n in enumerate(lengths):
        want[b, :n] = moved[b, :n][::-1]
    want = np.moveaxis(want, (0, 1), (batch_axis, seq_axis))
    xt = tf2.constant(x)
    with tf2.GradientTape() as tape:
        tape.watch(xt)
        got = tf2.reverse_sequence(xt, lengths, seq_axis=seq_axis, batch_axis=batch_axis)
        weighted = tf2.reduce_sum(got * tf2.constant(want))
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(tape.gradient(weighted, xt).numpy(), x)  # a permutation


class _OwnCell:
    """An RNNCell-like object of the user's own: both frameworks run one."""

    state_size, output_size = (H, H), H

    def __init__(self, tf: Any, kernel: np.ndarray, bias: np.ndarray) -> None:
        self.tf, self.kernel, self.bias = tf, kernel, bias

    def zero_state(self, batch: int, dtype: Any) -> Any:
        return (self.tf.zeros([batch, H], dtype), self.tf.zeros([batch, H], dtype))

    def __call__(self, x: Any, state: Any, scope: Any = None) -> Any:
        t, (c, h) = self.tf, state
        i, j, f, o = t.split(t.matmul(t.concat([x, h], 1), self.kernel) + self.bias, 4, 1)
        c = t.sigmoid(f + 1.0) * c + t.sigmoid(i) * t.tanh(j)
        h = t.sigmoid(o) * t.tanh(c)
        return h, (c, h)


def test_sequence_runs_match_tensorflows_own(real_tf: Any) -> None:
    """dynamic_rnn, bidirectional_dynamic_rnn and static_rnn with sequence lengths, and
    reverse_sequence, against TensorFlow's (its cell classes need Keras 2, so both run a
    cell of the user's own)."""
    rng = np.random.default_rng(0)
    xv = _inputs()
    kernel = (rng.standard_normal((D + H, 4 * H)) * 0.4).astype(np.float32)
    bias = (rng.standard_normal(4 * H) * 0.1).astype(np.float32)
    lengths = np.array([6, 2, 4], np.int32)
    results = []
    for t in (real_tf, tf2):
        v1, x = t.compat.v1, t.constant(xv)
        o, (c, h) = v1.nn.dynamic_rnn(
            _OwnCell(t, kernel, bias), x, sequence_length=lengths, dtype=t.float32
        )
        (of, ob), (sf, sb) = v1.nn.bidirectional_dynamic_rnn(
            _OwnCell(t, kernel, bias), _OwnCell(t, kernel, -bias), x,
            sequence_length=lengths, dtype=t.float32,
        )  # fmt: skip
        so, ss = v1.nn.static_rnn(
            _OwnCell(t, kernel, bias), t.unstack(x, T, 1), sequence_length=lengths,
            dtype=t.float32,
        )  # fmt: skip
        rs = t.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0)
        values = (o, c, h, of, ob, sf[0], sb[1], t.stack(so, 1), ss[1], rs)
        results.append([np.asarray(v) for v in values])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_time_major_concatenated_state_and_a_cell_of_ones_own_making() -> None:
    """``time_major`` inputs, ``state_is_tuple=False`` (the state as one [c, h] matrix),
    and an ``RNNCell`` subclass that makes its variables in ``build``, as TF1 code
    subclassed it."""

    class Leaky(tf.nn.rnn_cell.RNNCell):
        def __init__(self, units: int) -> None:
            super().__init__()
            self.units = units

        @property
        def state_size(self) -> int:
            return self.units

        @property
        def output_size(self) -> int:
            return self.units

        def build(self, inputs_shape: Any) -> None:
            self.w = self.add_variable("w", [int(inputs_shape[-1]), self.units])

        def call(self, inputs: Any, state: Any) -> Any:
            h = 0.5 * state + tf.tanh(tf.matmul(inputs, self.w))
            return h, h

    xv = _inputs()
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [B, T, D])
        lstm = tf.nn.rnn_cell.LSTMCell(H, state_is_tuple=False)
        assert lstm.state_size == 2 * H
        out, state = tf.nn.dynamic_rnn(
            lstm, tf.transpose(x, [1, 0, 2]), dtype=tf.float32, time_major=True
        )
        assert out.shape.as_list() == [T, B, H] and state.shape.as_list() == [B, 2 * H]
        with tf.variable_scope("leaky"):
            leaky = Leaky(3)
            l_out, l_state = tf.nn.dynamic_rnn(leaky, x, dtype=tf.float32)
        assert [v.name for v in leaky.weights] == ["leaky/rnn/leaky/w:0"]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            kernel, bias = sess.run(lstm.weights)
            w = sess.run(leaky.w)
            o, s, lo, ls = sess.run([out, state, l_out, l_state], {x: xv})
    ro, rc, rh = np_lstm(xv.astype(np.float64), kernel.astype(np.float64), bias)
    np.testing.assert_allclose(o, ro.transpose(1, 0, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s, np.concatenate([rc, rh], 1), rtol=1e-5, atol=1e-6)
    h = np.zeros((B, 3))
    for t in range(T):
        h = 0.5 * h + np.tanh(xv[:, t].astype(np.float64) @ w)
        np.testing.assert_allclose(lo[:, t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ls, h, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="batch size must be a Python int"):
        lstm.zero_state(tf2.constant(3), tf.float32)
