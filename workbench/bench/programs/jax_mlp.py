"""An MLP classifier trained the way JAX's "simple neural network" tutorial trains one:
parameters as a list of (w, b) pairs, a pure loss, ``jax.grad`` and a jitted update.

Written for JAX, plainly, and not tuned to the workbench: the benchmark runs this file as
it is with JAX, and again with only its imports pointed at ``workbench.functional``
(see ``programs/__init__.py``)."""

import jax
import jax.numpy as jnp


def predict(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(jnp.dot(x, w) + b)
    w, b = params[-1]
    return jnp.dot(x, w) + b


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
