"""``lstm``: a training step of a next-token language model: embedding (1000 words,
128 wide), a 1-layer LSTM (hidden 256) over 64 steps, a linear head back to the
vocabulary, mean cross-entropy over every position, batch 32, Adam (lr 1e-3), float32.

Parameters follow PyTorch's ``Embedding``, ``LSTM`` (gates i, f, g, o; two biases) and
``Linear``. The static step loops with ``tf.scan`` (one graph operation, as TF1 code
wrote it); the functional step uses ``lax.scan`` (as JAX code does). ``tutorial-tf1``
runs ``programs/tf1_lstm.py``, the same model as a TF1 program builds it (``dynamic_rnn``
over an ``LSTMCell``), with its own variables loaded from these weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.bench import hand, programs
from workbench.bench.styles import Optimizer, host_only, training_workload
from workbench.bench.suite import Runner

OPT = Optimizer("adam", 1e-3)  # the static styles get Optimizer.tf_epsilon()
FULL = {"vocab": 1000, "embed": 128, "hidden": 256, "seq": 64, "batch": 32}
TINY = {"vocab": 12, "embed": 6, "hidden": 8, "seq": 5, "batch": 3}


def setup(s: dict[str, int], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    v, e, h = s["vocab"], s["embed"], s["hidden"]

    def uniform(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    weights = [
        rng.standard_normal((v, e)).astype(np.float32),
        uniform((4 * h, e), h),
        uniform((4 * h, h), h),
        uniform((4 * h,), h),
        uniform((4 * h,), h),
        uniform((v, h), h),
        uniform((v,), h),
    ]
    tokens = rng.integers(0, v, (s["batch"], s["seq"] + 1)).astype(np.int64)
    return weights, [tokens[:, :-1].copy(), tokens[:, 1:].copy()]


# ---------------------------------------------------------------------------------------
# By hand: backpropagation through time


def _sigmoid_(xp: Any, x: Any) -> Any:
    """x ← 1 / (1 + exp(-x)), in place."""
    xp.negative(x, out=x)
    xp.exp(x, out=x)
    x += 1
    return xp.reciprocal(x, out=x)


def loss_and_grads(xp: Any, p: list[Any], inputs: Any, targets: Any) -> tuple[Any, list[Any]]:
    """Backpropagation through time as a careful NumPy programmer writes it: time-major
    buffers, each step's gates written in place into one (T, B, 4H) array (one sigmoid
    over the i and f gates together), the input and weight products done for all steps
    at once outside the loop (one GEMM each), only ``h @ w_hhᵀ`` and ``dgates @ w_hh``
    per step."""
    emb_w, w_ih, w_hh, b_ih, b_hh, w_out, b_out = p
    batch, steps = inputs.shape
    hidden = w_hh.shape[1]
    tokens = inputs.T  # time-major
    emb = emb_w[tokens]  # (T, B, E)
    gates = emb @ w_ih.T  # (T, B, 4H): every step's input product at once
    gates += b_ih + b_hh
    hs = xp.zeros((steps + 1, batch, hidden), np.float32)  # hs[t] is the state before t
    cs = xp.zeros((steps + 1, batch, hidden), np.float32)
    tcs = xp.empty((steps, batch, hidden), np.float32)
    w_hh_t = w_hh.T
    for t in range(steps):
        a = gates[t]
        a += hs[t] @ w_hh_t
        _sigmoid_(xp, a[:, : 2 * hidden])  # i and f
        xp.tanh(a[:, 2 * hidden : 3 * hidden], out=a[:, 2 * hidden : 3 * hidden])
        _sigmoid_(xp, a[:, 3 * hidden :])
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c = cs[t + 1]
        xp.multiply(f, cs[t], out=c)
        c += i * g
        xp.tanh(c, out=tcs[t])
        xp.multiply(o, tcs[t], out=hs[t + 1])
    flat = hs[1:].transpose(1, 0, 2).reshape(-1, hidden)  # (B·T, H), batch-major as targets
    loss, g_logits = hand.cross_entropy(xp, flat @ w_out.T + b_out, targets.reshape(-1))
    g_wout, g_bout = g_logits.T @ flat, g_logits.sum(0)
    g_hs = (g_logits @ w_out).reshape(batch, steps, hidden).transpose(1, 0, 2)  # (T, B, H)
    g_gates = xp.empty_like(gates)
    dh = xp.zeros((batch, hidden), np.float32)
    dc = xp.zeros((batch, hidden), np.float32)
    for t in reversed(range(steps)):
        a, tc = gates[t], tcs[t]
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        dh += g_hs[t]
        dc += dh * o * (1 - tc * tc)
        d = g_gates[t]
        xp.multiply(dc * g, i * (1 - i), out=d[:, :hidden])
        xp.multiply(dc * cs[t], f * (1 - f), out=d[:, hidden : 2 * hidden])
        xp.multiply(dc * i, 1 - g * g, out=d[:, 2 * hidden : 3 * hidden])
        xp.multiply(dh * tc, o * (1 - o), out=d[:, 3 * hidden :])
        dh = d @ w_hh
        dc *= f
    g_flat = g_gates.reshape(-1, 4 * hidden)
    g_whh = g_flat.T @ hs[:-1].reshape(-1, hidden)  # every step's product, summed, at once
    g_wih = g_flat.T @ emb.reshape(-1, emb.shape[-1])
    g_b = g_flat.sum(0)
    g_emb = xp.zeros_like(emb_w)
    if xp is np:
        np.add.at(g_emb, tokens.reshape(-1), g_flat @ w_ih)
    else:  # CuPy's unbuffered scatter-add
        import cupyx  # noqa: PLC0415

        cupyx.scatter_add(g_emb, tokens.reshape(-1), g_flat @ w_ih)
    return loss, [g_emb, g_wih, g_whh, g_b, g_b.copy(), g_wout, g_bout]  # two biases, one gradient


# ---------------------------------------------------------------------------------------
# The three styles


def torch_model(lib: Any, s: dict[str, int]) -> Any:
    nn = lib.nn

    class LanguageModel(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(s["vocab"], s["embed"])
            self.lstm = nn.LSTM(s["embed"], s["hidden"], batch_first=True)
            self.head = nn.Linear(s["hidden"], s["vocab"])

        def forward(self, tokens: Any) -> Any:
            out, _ = self.lstm(self.embedding(tokens))
            return self.head(out)

    return LanguageModel()


def torch_loss(lib: Any, model: Any, inputs: Any, targets: Any) -> Any:
    logits = model(inputs)
    return lib.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    )


def tf_loss(tf: Any, p: list[Any], inputs: Any, targets: Any) -> Any:
    emb_w, w_ih, w_hh, b_ih, b_hh, w_out, b_out = p
    steps, hidden, width = inputs.shape[1], w_hh.shape[1], emb_w.shape[1]
    emb = tf.reshape(tf.gather(emb_w, inputs), [-1, width])
    xw = tf.reshape(tf.matmul(emb, w_ih, transpose_b=True) + b_ih + b_hh, [-1, steps, 4 * hidden])
    zeros = tf.zeros_like(xw[:, 0, :hidden])

    def cell(state: Any, x_t: Any) -> Any:
        h, c = state
        i, f, g, o = tf.split(x_t + tf.matmul(h, w_hh, transpose_b=True), 4, axis=1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    # tf.scan keeps the loop one operation (the core's scan), as TF1 code would write it
    hs, _ = tf.scan(cell, tf.transpose(xw, [1, 0, 2]), initializer=(zeros, zeros))
    flat = tf.reshape(tf.transpose(hs, [1, 0, 2]), [-1, hidden])
    logits = tf.matmul(flat, w_out, transpose_b=True) + b_out
    labels = tf.reshape(targets, [-1])
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def jax_loss(jax: Any, jnp: Any, p: list[Any], inputs: Any, targets: Any) -> Any:
    emb_w, w_ih, w_hh, b_ih, b_hh, w_out, b_out = p
    xw = emb_w[inputs] @ w_ih.T + b_ih + b_hh  # (B, T, 4H)

    def cell(carry: Any, x_t: Any) -> Any:
        h, c = carry
        i, f, g, o = jnp.split(x_t + h @ w_hh.T, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    zeros = jnp.zeros((inputs.shape[0], w_hh.shape[1]), jnp.float32)
    _, hs = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(xw, 0, 1))  # (T, B, H)
    logits = jnp.swapaxes(hs, 0, 1) @ w_out.T + b_out
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, targets[..., None], axis=-1))


LSTM = training_workload(
    "lstm",
    "ms per training step, LSTM language model (vocab 1000, hidden 256, 64 steps, batch 32), Adam",
    FULL,
    TINY,
    setup=setup,
    hand_step=lambda sizes: loss_and_grads,
    opt=OPT,
    torch_model=torch_model,
    torch_loss=torch_loss,
    tf_loss=tf_loss,
    jax_loss=jax_loss,
)


# ---------------------------------------------------------------------------------------
# A TensorFlow 1 program (programs/tf1_lstm.py): its own variables, in TensorFlow's layout


def _tf1_gates(h: int) -> np.ndarray:
    """TensorFlow's gate columns (i, j, f, o; j the candidate) from PyTorch's rows
    (i, f, g, o)."""
    block = np.arange(h)
    return np.concatenate([block, block + 2 * h, block + h, block + 3 * h])


def tf1_program(case: Any, device: str) -> Runner:
    """``programs/tf1_lstm.py`` on the static front end, its variables loaded from the
    suite's weights: the LSTM kernel is ``[w_ih; w_hh]ᵀ`` with the gates reordered, the
    bias ``b_ih + b_hh``. Its results go back the other way; both of the suite's biases
    move by the one bias's Adam step (they have the same gradient)."""
    host_only(device, "the static front end")
    s = case.sizes
    (emb_w, w_ih, w_hh, b_ih, b_hh, w_out, b_out), (x, y) = setup(s)
    prog = programs.load("tf1_lstm", True)
    model = prog.Model(s["vocab"], s["embed"], s["hidden"], s["seq"], OPT.lr, OPT.tf_epsilon())
    gates, e = _tf1_gates(s["hidden"]), s["embed"]
    bias = (b_ih + b_hh)[gates]
    sess = prog.tf.Session(graph=model.graph)
    sess.run(model.init)
    start = {
        "embedding:0": emb_w,
        "rnn/lstm_cell/kernel:0": np.concatenate([w_ih.T, w_hh.T])[:, gates],
        "rnn/lstm_cell/bias:0": bias,
        "dense/kernel:0": w_out.T,
        "dense/bias:0": b_out,
    }
    for name, value in start.items():
        model.variables[name].load(value, sess)

    def step() -> Any:
        return prog.train_step(sess, model, x, y)

    def results(loss: Any) -> list[np.ndarray]:
        v = {name: sess.run(var) for name, var in model.variables.items() if name in start}
        back = np.argsort(gates)
        kernel = v["rnn/lstm_cell/kernel:0"][:, back]
        moved = (v["rnn/lstm_cell/bias:0"] - bias)[back]
        return [
            np.asarray(loss), v["embedding:0"], kernel[:e].T, kernel[e:].T, b_ih + moved,
            b_hh + moved, v["dense/kernel:0"].T, v["dense/bias:0"],
        ]  # fmt: skip

    return Runner(step, results)


LSTM.impls["tutorial-tf1"] = tf1_program
