"""The MLP training step (784-512-512-10, batch 128, SGD, float32) in the static front
end, side by side with the eager front end and the hand-written NumPy step: TF1
``Session.run`` (fetch the loss, run the optimizer's update op), a ``tf.function``
step with a ``GradientTape``, and Keras's ``train_on_batch``. First steps are compared
(loss and updated weights, 1e-4) before timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.compiler import LR, mlp_data, numpy_step
from workbench.bench.timing import measure_interleaved


def _weights(d: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [d[k] for i in range(3) for k in (f"w{i}", f"b{i}")]


def _session(
    d: dict[str, np.ndarray],
) -> tuple[Callable[[], Any], Callable[[], list[np.ndarray]], Any]:
    import workbench.static as tf  # noqa: PLC0415

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [None, 784])
        y = v1.placeholder(tf.int64, [None])
        params = [tf.Variable(w) for w in _weights(d)]
        h = x
        for i in range(3):
            h = tf.matmul(h, params[2 * i]) + params[2 * i + 1]
            h = tf.nn.relu(h) if i < 2 else h
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        train = v1.train.GradientDescentOptimizer(LR).minimize(loss)
        sess = v1.Session(graph=graph)
        sess.run(v1.global_variables_initializer())
    feed = {x: d["x"], y: d["y"]}

    def step() -> Any:
        return sess.run([loss, train], feed)[0]

    return step, lambda: sess.run(params), sess


def _function(d: dict[str, np.ndarray]) -> tuple[Callable[[], Any], Callable[[], list[np.ndarray]]]:
    import workbench.static as tf  # noqa: PLC0415

    params = [tf.Variable(w) for w in _weights(d)]
    x, y = tf.constant(d["x"]), tf.constant(d["y"])

    @tf.function
    def train_step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            h = x
            for i in range(3):
                h = tf.matmul(h, params[2 * i]) + params[2 * i + 1]
                h = tf.nn.relu(h) if i < 2 else h
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h)
            )
        for p, g in zip(params, tape.gradient(loss, params)):
            p.assign_sub(LR * g)
        return loss

    return lambda: train_step(x, y), lambda: [p.numpy() for p in params]


def _keras(d: dict[str, np.ndarray]) -> tuple[Callable[[], Any], Callable[[], list[np.ndarray]]]:
    from workbench.static import keras  # noqa: PLC0415

    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.set_weights(_weights(d))
    model.compile(
        optimizer=keras.optimizers.SGD(LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return lambda: model.train_on_batch(d["x"], d["y"]), model.get_weights


def functions() -> tuple[dict[str, Callable[[], Any]], dict[str, list[np.ndarray]], Any]:
    """Step functions, each one's first step (loss and weights), and the Session."""
    from workbench.bench.frontends import functions as eager_functions  # noqa: PLC0415

    d = mlp_data()
    raw = _weights(d)
    fns: dict[str, Callable[[], Any]] = {}
    first: dict[str, list[np.ndarray]] = {}
    hand = numpy_step(np, raw, d["x"], d["y"])
    first["numpy by hand"] = [np.asarray(h) for h in hand]
    fns["numpy by hand"] = lambda: numpy_step(np, raw, d["x"], d["y"])
    eager_fns, eager_first = eager_functions("mlp")
    fns["workbench eager"] = eager_fns["workbench eager"]
    w = eager_first["workbench eager"]
    first["workbench eager"] = [w[0]] + [p.T if p.ndim == 2 else p for p in w[1:]]
    session_step, session_weights, sess = _session(d)
    function_step, function_weights = _function(d)
    keras_step, keras_weights = _keras(d)
    for name, step, weights in (
        ("static Session.run", session_step, session_weights),
        ("static tf.function", function_step, function_weights),
        ("static keras train_on_batch", keras_step, keras_weights),
    ):
        loss = step()
        first[name] = [np.asarray(loss)] + [np.asarray(v) for v in weights()]
        fns[name] = step
    return fns, first, sess


def run(rounds: int = 10) -> tuple[list[dict[str, Any]], str]:
    """Rows per implementation, and the Session program's pass report."""
    fns, first, sess = functions()
    reference = first["numpy by hand"]
    agrees = {
        name: all(np.allclose(a, b, rtol=1e-4, atol=1e-4) for a, b in zip(values, reference))
        for name, values in first.items()
    }
    results = measure_interleaved(fns, rounds=rounds, min_seconds=0.05)
    train_program = max(sess.programs.values(), key=lambda p: len(p.ops))
    rows = [
        {
            "workload": "static-mlp",
            "impl": name,
            "median_ms": m.median * 1e3,
            "min_ms": m.minimum * 1e3,
            "max_ms": m.maximum * 1e3,
            "agrees": agrees[name],
        }
        for name, m in results.items()
    ]
    return rows, train_program.plan.report()
