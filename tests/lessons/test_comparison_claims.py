"""What lesson 6's comparison lab says each framework does, asserted on the workbench and
on the real framework when installed: randomness, BatchNorm statistics, default
initialisation, Adam's epsilon (and the training gaps they make), optimisers as objects
or pure functions, Keras's variable paths."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.lessons import real_module


@pytest.fixture(params=["workbench", "real"])
def torch(request: pytest.FixtureRequest) -> ModuleType:
    if request.param == "workbench":
        return importlib.import_module("workbench.eager")
    return real_module("torch")


@pytest.fixture(params=["workbench", "real"])
def tf(request: pytest.FixtureRequest) -> ModuleType:
    if request.param == "workbench":
        return importlib.import_module("workbench.static")
    return real_module("tensorflow")


@pytest.fixture(params=["workbench", "real"])
def jax(request: pytest.FixtureRequest) -> tuple[ModuleType, ModuleType, ModuleType]:
    if request.param == "workbench":
        return (
            importlib.import_module("workbench.functional"),
            importlib.import_module("workbench.functional.numpy"),
            importlib.import_module("workbench.functional.optim"),
        )
    return real_module("jax"), real_module("jax.numpy"), real_module("optax")


BATCH = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)  # column means 2 and 4


def test_randomness_torch_global_generator(torch: ModuleType) -> None:
    torch.manual_seed(0)
    a = torch.rand(3).tolist()
    torch.manual_seed(0)
    assert torch.rand(3).tolist() == a


def test_randomness_tf_global_and_operation_seeds(tf: ModuleType) -> None:
    tf.random.set_seed(1)
    first, second = tf.random.uniform([2], seed=7), tf.random.uniform([2], seed=7)
    tf.random.set_seed(1)
    again = tf.random.uniform([2], seed=7)
    assert not np.array_equal(first.numpy(), second.numpy())
    np.testing.assert_array_equal(first.numpy(), again.numpy())


def test_randomness_jax_keys_and_dropout_in_jit(jax: Any) -> None:
    jx, jnp, _ = jax
    k1, k2 = jx.random.split(jx.random.key(0))
    np.testing.assert_array_equal(jx.random.uniform(k1, (2,)), jx.random.uniform(k1, (2,)))

    @jx.jit
    def dropout(x: Any, key: Any) -> Any:
        return jnp.where(jx.random.bernoulli(key, 0.5, x.shape), x / 0.5, 0.0)

    a, b = np.asarray(dropout(jnp.ones(64), k1)), np.asarray(dropout(jnp.ones(64), k2))
    assert set(np.unique(a)) <= {0.0, 2.0} and not np.array_equal(a, b)


def test_batchnorm_statistics_defaults(torch: ModuleType, tf: ModuleType) -> None:
    bn = torch.nn.BatchNorm1d(2)
    bn(torch.tensor(BATCH))
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.2, 0.4], rtol=1e-6)  # momentum 0.1
    keras_bn = tf.keras.layers.BatchNormalization()
    keras_bn(tf.constant(BATCH), training=True)
    np.testing.assert_allclose(keras_bn.moving_mean.numpy(), [0.02, 0.04], rtol=1e-5)  # 0.99


def test_default_initialisation_and_adam_epsilon(torch: ModuleType, tf: ModuleType) -> None:
    torch.manual_seed(0)
    weight = torch.nn.Linear(256, 128).weight.detach().numpy()
    assert abs(weight.std() - 1 / np.sqrt(3 * 256)) < 0.002  # U(±1/√fan_in)
    dense = tf.keras.layers.Dense(128)
    dense.build((None, 256))
    assert abs(dense.kernel.numpy().std() - np.sqrt(2 / (256 + 128))) < 0.003  # Glorot
    assert not dense.bias.numpy().any()
    assert torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))]).defaults["eps"] == 1e-8
    assert tf.keras.optimizers.Adam().epsilon == 1e-7


def test_keras_sequential_names_variables_under_its_scope(tf: ModuleType) -> None:
    net = tf.keras.Sequential(
        [tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(2, name="hidden")], name="net"
    )
    assert [v.path for v in net.weights] == ["net/hidden/kernel", "net/hidden/bias"]


def test_optimisers_mutate_or_are_pure(torch: ModuleType, jax: Any) -> None:
    w = torch.nn.Parameter(torch.tensor([1.0]))
    sgd = torch.optim.SGD([w], lr=0.1)
    w.grad = torch.tensor([1.0])
    sgd.step()
    sgd.step()
    assert abs(w.item() - 0.8) < 1e-6
    _, jnp, optax = jax
    tx = optax.sgd(0.1)
    p = jnp.array([1.0])
    state = tx.init(p)
    u1, _ = tx.update(jnp.array([1.0]), state, p)
    u2, _ = tx.update(jnp.array([1.0]), state, p)
    np.testing.assert_allclose(np.asarray(u1), [-0.1], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(u1), np.asarray(u2))


def _digits() -> tuple[np.ndarray, np.ndarray]:
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    return (digits.data / 16.0).astype(np.float32)[:512], digits.target[:512]


def _torch_adam(torch: Any, x: Any, y: Any, first: Any = None, eps: float = 1e-8) -> Any:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    if first is not None:
        with torch.no_grad():
            for p, v in zip(net.parameters(), first):
                p.copy_(torch.tensor(np.ascontiguousarray(v.T if v.ndim == 2 else v)))
    weights = [p.detach().numpy().copy() for p in net.parameters()]
    weights = [w.T.copy() if w.ndim == 2 else w for w in weights]
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, eps=eps)
    xt, yt = torch.tensor(x), torch.tensor(y)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses), weights


def _keras_adam(tf: Any, x: Any, y: Any, first: Any = None, eps: float = 1e-7) -> Any:
    keras = tf.keras
    keras.utils.set_random_seed(0)
    net = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    if first is not None:
        net.set_weights(first)
    net.compile(
        optimizer=keras.optimizers.Adam(1e-2, epsilon=eps),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = net.fit(x, y, batch_size=len(x), epochs=30, shuffle=False, verbose=0)
    return np.array(history.history["loss"])


@pytest.mark.parametrize("real", [False, True], ids=["workbench", "real"])
def test_aligning_the_defaults_closes_the_gap_between_pytorch_and_keras(real: bool) -> None:
    if real:
        torch, tf = real_module("torch"), real_module("tensorflow")
    else:
        torch, tf = (
            importlib.import_module("workbench.eager"),
            importlib.import_module("workbench.static"),
        )
    x, y = _digits()
    curve, first = _torch_adam(torch, x, y)
    defaults = np.abs(_keras_adam(tf, x, y) - curve).max()
    same_init = np.abs(_keras_adam(tf, x, y, first) - curve).max()
    same_eps = np.abs(_keras_adam(tf, x, y, first, eps=1e-8) - curve).max()
    tiny = np.abs(_keras_adam(tf, x, y, first, 1e-12) - _torch_adam(torch, x, y, first, 1e-12)[0])
    # what lesson 6 prints: ~0.27, ~6e-4, ~3e-4, ~1e-5
    assert defaults > 0.05 > 2e-3 > same_init > same_eps > 10 * tiny.max()


def test_the_epsilon_hat_exercise_makes_one_keras_step_equal_pytorchs(
    torch: ModuleType, tf: ModuleType
) -> None:
    from workbench import lessons

    eps = 0.5  # large, so that where it sits changes the step visibly
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    adam = torch.optim.Adam([w], lr=0.1, eps=eps)
    w.grad = torch.tensor([0.3, -0.2])
    adam.step()
    keras_eps = lessons.reference_answer("06.epsilon_hat")(eps, 1)
    v = tf.Variable([1.0, -2.0])
    tf.keras.optimizers.Adam(0.1, epsilon=keras_eps).apply_gradients(
        [(tf.constant([0.3, -0.2]), v)]
    )
    np.testing.assert_allclose(v.numpy(), w.detach().numpy(), rtol=1e-6)
    same = tf.Variable([1.0, -2.0])
    tf.keras.optimizers.Adam(0.1, epsilon=eps).apply_gradients([(tf.constant([0.3, -0.2]), same)])
    assert np.abs(same.numpy() - w.detach().numpy()).max() > 1e-3  # the same value differs
