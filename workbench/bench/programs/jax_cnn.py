"""A small convolutional network in plain JAX (``lax.conv_general_dilated`` and
``lax.reduce_window``, no neural-network library), trained with ``jax.grad`` and a
jitted update, as JAX's own examples write one.

Written for JAX, plainly, and not tuned to the workbench: the benchmark runs this file as
it is with JAX, and again with only its imports pointed at ``workbench.functional``
(see ``programs/__init__.py``)."""

import jax
import jax.numpy as jnp
from jax import lax


def conv(x, w, b):
    y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + b[None, :, None, None]


def max_pool(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def predict(params, x):
    (w1, b1), (w2, b2), (w3, b3) = params
    x = max_pool(jax.nn.relu(conv(x, w1, b1)))
    x = max_pool(jax.nn.relu(conv(x, w2, b2)))
    x = x.reshape(x.shape[0], -1)
    return jnp.dot(x, w3) + b3


def loss_fn(params, x, y):
    logits = predict(params, x)
    one_hot = jax.nn.one_hot(y, logits.shape[-1])
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * one_hot, axis=-1))


def make_update(lr):
    @jax.jit
    def update(params, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        new = [(w - lr * dw, b - lr * db) for (w, b), (dw, db) in zip(params, grads)]
        return new, loss

    return update
