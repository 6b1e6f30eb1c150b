"""DESIGN.md's first invariant: the same model from the same weights, trained the same
number of steps in each front end, gives the same losses and weights."""

from __future__ import annotations

import numpy as np

import workbench.eager as torch
import workbench.functional as jax
import workbench.functional.numpy as jnp
import workbench.static as tf
from workbench.functional import optim
from workbench.static import keras

STEPS, LR = 5, 0.1


def _data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 20)).astype(np.float32)
    y = rng.integers(0, 5, 64)
    weights = [
        (rng.standard_normal((20, 32)) * 0.2).astype(np.float32), np.zeros(32, np.float32),
        (rng.standard_normal((32, 5)) * 0.2).astype(np.float32), np.zeros(5, np.float32),
    ]  # fmt: skip
    return x, y, weights


def _eager() -> tuple[list[float], list[np.ndarray]]:
    x, y, (w1, b1, w2, b2) = _data()
    model = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 5))
    with torch.no_grad():
        for p, v in zip(model.parameters(), (w1.T, b1, w2.T, b2)):
            p.copy_(torch.tensor(np.ascontiguousarray(v)))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.tensor(x), torch.tensor(y)
    losses = []
    for _ in range(STEPS):
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    params = [p.detach().numpy() for p in model.parameters()]
    return losses, [params[0].T, params[1], params[2].T, params[3]]


def _graph() -> tuple[list[float], list[np.ndarray]]:
    x, y, init = _data()
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        xp, yp = v1.placeholder(tf.float32, [None, 20]), v1.placeholder(tf.int64, [None])
        w1, b1, w2, b2 = (tf.Variable(v) for v in init)
        logits = tf.matmul(tf.nn.relu(tf.matmul(xp, w1) + b1), w2) + b2
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yp, logits=logits)
        )
        train = v1.train.GradientDescentOptimizer(LR).minimize(loss)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            losses = [float(sess.run([loss, train], {xp: x, yp: y})[0]) for _ in range(STEPS)]
            return losses, sess.run([w1, b1, w2, b2])


def _keras() -> tuple[list[float], list[np.ndarray]]:
    x, y, init = _data()
    model = keras.Sequential(
        [keras.Input(shape=(20,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(5)]
    )
    model.set_weights(init)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(LR), loss=loss)
    history = model.fit(x, y, batch_size=64, epochs=STEPS, shuffle=False, verbose=0)
    return history.history["loss"], model.get_weights()


def _functional() -> tuple[list[float], list[np.ndarray]]:
    x, y, init = _data()
    params = [jnp.asarray(w) for w in init]

    def loss(p: list[jax.Array], xb: jax.Array, yb: jax.Array) -> jax.Array:
        logits = jax.nn.relu(xb @ p[0] + p[1]) @ p[2] + p[3]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], axis=1))

    opt = optim.sgd(LR)
    state = opt.init(params)

    @jax.jit
    def step(p: list[jax.Array], s: object, xb: jax.Array, yb: jax.Array) -> object:
        value, grads = jax.value_and_grad(loss)(p, xb, yb)
        updates, s = opt.update(grads, s, p)
        return optim.apply_updates(p, updates), s, value

    losses = []
    for _ in range(STEPS):
        params, state, value = step(params, state, jnp.asarray(x), jnp.asarray(y))
        losses.append(float(value))
    return losses, [np.asarray(p) for p in params]


def test_mlp_trains_identically_in_every_front_end() -> None:
    eager, graph, fit, functional = _eager(), _graph(), _keras(), _functional()
    for other in (graph, fit, functional):
        np.testing.assert_allclose(other[0], eager[0], rtol=1e-5, atol=1e-6)
        for a, b in zip(other[1], eager[1]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert eager[0][-1] < eager[0][0]
