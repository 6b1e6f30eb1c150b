"""tf.linalg against TensorFlow: the same code with both modules, eagerly, under a
GradientTape and inside tf.function; TensorFlow's result order (svd's s, u, v) and its
error for a singular matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

RNG = np.random.default_rng(5)
SQUARE = (RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
SPD = SQUARE @ np.swapaxes(SQUARE, -1, -2)
TALL = RNG.standard_normal((4, 2)).astype(np.float32)
RHS = RNG.standard_normal((2, 3, 2)).astype(np.float32)

CASES: dict[str, Callable[[Any, Any], Any]] = {
    "inv": lambda tf, x: tf.linalg.inv(x),
    "inv adjoint": lambda tf, x: tf.linalg.inv(x, adjoint=True),
    "det": lambda tf, x: tf.linalg.det(x),
    "slogdet": lambda tf, x: tf.linalg.slogdet(x).log_abs_determinant,
    "logdet": lambda tf, x: tf.linalg.logdet(tf.matmul(x, x, transpose_b=True)),
    "cholesky": lambda tf, x: tf.linalg.cholesky(tf.matmul(x, x, transpose_b=True)),
    "eigvalsh": lambda tf, x: tf.linalg.eigvalsh(tf.matmul(x, x, transpose_b=True)),
    "svd s": lambda tf, x: tf.linalg.svd(x, compute_uv=False),
    "svd u v": lambda tf, x: (lambda s, u, v: tf.matmul(u, v, transpose_b=True))(*tf.linalg.svd(x)),
    "qr r squared": lambda tf, x: tf.linalg.qr(x).r ** 2,
    "solve": lambda tf, x: tf.linalg.solve(x, RHS),
    "triangular_solve": lambda tf, x: tf.linalg.triangular_solve(x, RHS, lower=False),
    "triangular_solve adjoint": lambda tf, x: tf.linalg.triangular_solve(x, RHS, adjoint=True),
    "lstsq": lambda tf, x: tf.linalg.lstsq(x, RHS),
    "lstsq l2": lambda tf, x: tf.linalg.lstsq(x, RHS, l2_regularizer=0.3),
    "pinv": lambda tf, x: tf.linalg.pinv(x),
    "norm euclidean": lambda tf, x: tf.linalg.norm(x, axis=[-2, -1]),
    "norm 1 matrix": lambda tf, x: tf.linalg.norm(x, ord=1, axis=[-2, -1]),
    "norm 2 matrix": lambda tf, x: tf.linalg.norm(x, ord=2, axis=[-2, -1]),
    "trace": lambda tf, x: tf.linalg.trace(x),
    "diag_part": lambda tf, x: tf.linalg.diag_part(x),
    "band_part": lambda tf, x: tf.linalg.band_part(x, 1, 0),
}


def _run(tf: Any, fn: Callable[[Any, Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    x = tf.Variable(SQUARE)
    with tf.GradientTape() as tape:
        y = fn(tf, x)
        total = tf.reduce_sum(
            y * np.cos(np.arange(np.prod(y.shape))).reshape(y.shape).astype(np.float32)
        )
    return np.asarray(y), np.asarray(tape.gradient(total, x))


@pytest.mark.parametrize("name", CASES)
def test_values_and_tape_gradients_equal_tensorflow(name: str, real_tf: Any) -> None:
    (ours, our_grad), (theirs, their_grad) = _run(wtf, CASES[name]), _run(real_tf, CASES[name])
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5, err_msg=name)
    np.testing.assert_allclose(our_grad, their_grad, rtol=2e-3, atol=2e-4, err_msg=name)


def test_svd_order_and_defaults_are_tensorflows(real_tf: Any) -> None:
    for tf in (wtf, real_tf):
        s, u, v = tf.linalg.svd(TALL)
        assert tuple(s.shape) == (2,) and tuple(u.shape) == (4, 2) and tuple(v.shape) == (2, 2)
        np.testing.assert_allclose(
            np.asarray(tf.matmul(u * s, v, transpose_b=True)), TALL, atol=1e-5
        )
        q, r = tf.linalg.qr(TALL, full_matrices=True)
        assert tuple(q.shape) == (4, 4) and tuple(r.shape) == (4, 2)


def test_a_singular_matrix_raises_invalid_argument(real_tf: Any) -> None:
    for tf in (wtf, real_tf):
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.linalg.inv(np.zeros((2, 2), np.float32))


def test_linalg_runs_inside_tf_function() -> None:
    @wtf.function
    def logdet_and_grad(a: Any) -> Any:
        with wtf.GradientTape() as tape:
            tape.watch(a)
            y = wtf.reduce_sum(wtf.linalg.slogdet(a).log_abs_determinant)
        return y, tape.gradient(y, a)

    y, g = logdet_and_grad(wtf.constant(SQUARE))
    np.testing.assert_allclose(float(y), np.linalg.slogdet(SQUARE)[1].sum(), rtol=1e-5)
    np.testing.assert_allclose(
        np.asarray(g), np.swapaxes(np.linalg.inv(SQUARE), -1, -2), rtol=1e-4, atol=1e-6
    )
