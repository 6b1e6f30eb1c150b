"""jnp.linalg against JAX: the same code with both modules (values, gradients through
jax.grad / workbench's grad, result types, jit and vmap)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.functional as wf
import workbench.functional.numpy as wjnp

RNG = np.random.default_rng(3)
SQUARE = (RNG.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
SPD = SQUARE @ SQUARE.T
TALL = RNG.standard_normal((4, 2)).astype(np.float32)


CASES: dict[str, tuple[Callable[..., Any], np.ndarray]] = {
    "inv": (lambda np_, a: np_.linalg.inv(a).sum(), SQUARE),
    "solve": (lambda np_, a: np_.linalg.solve(a, a[:, 0]).sum(), SQUARE),
    "det": (lambda np_, a: np_.linalg.det(a), SQUARE),
    "slogdet": (lambda np_, a: np_.linalg.slogdet(a).logabsdet, SQUARE),
    "cholesky": (lambda np_, a: (np_.linalg.cholesky(a @ a.T) * SQUARE).sum(), SQUARE),
    "eigh": (lambda np_, a: (np_.linalg.eigh(a @ a.T).eigenvectors ** 2 * SQUARE).sum(), SQUARE),
    "eigvalsh": (lambda np_, a: (np_.linalg.eigvalsh(a + a.T) * np.arange(3)).sum(), SQUARE),
    "svd": (lambda np_, a: (np_.linalg.svd(a, full_matrices=False).S * np.arange(2)).sum(), TALL),
    "qr": (lambda np_, a: (np_.linalg.qr(a).R * TALL[:2]).sum(), TALL),
    "pinv": (lambda np_, a: (np_.linalg.pinv(a) * TALL.T).sum(), TALL),
    "norm nuc": (lambda np_, a: np_.linalg.norm(a, "nuc"), TALL),
    "norm 2": (lambda np_, a: np_.linalg.norm(a, 2), TALL),
    "norm vector 3": (lambda np_, a: np_.linalg.norm(a, 3, axis=0).sum(), TALL),
    "matrix_power": (lambda np_, a: np_.linalg.matrix_power(a, 3).sum(), SQUARE),
    "lstsq": (lambda np_, a: np_.linalg.lstsq(a, TALL[:, 0])[0].sum(), TALL),
}


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_equal_jax(name: str, real_jax: Any) -> None:
    import jax.numpy as jnp

    fn, a = CASES[name]
    ours = wf.value_and_grad(lambda x: fn(wjnp, x))(a)
    theirs = real_jax.value_and_grad(lambda x: fn(jnp, x))(a)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=2e-4, atol=2e-5, err_msg=name)


def test_result_types_and_defaults_follow_jax(real_jax: Any) -> None:
    import jax.numpy as jnp

    for np_ in (wjnp, jnp):
        assert np_.linalg.slogdet(SQUARE)._fields == ("sign", "logabsdet")
        assert np_.linalg.eigh(SPD)._fields == ("eigenvalues", "eigenvectors")
        assert np_.linalg.svd(SQUARE)._fields == ("U", "S", "Vh")
        assert np_.linalg.qr(SQUARE)._fields == ("Q", "R")
        assert np_.linalg.svd(TALL).U.shape == (4, 4)  # full_matrices=True by default
        assert np_.linalg.qr(TALL, mode="r").shape == (2, 2)
        assert len(np_.linalg.lstsq(TALL, TALL[:, 0])) == 4
    # eigh symmetrises its input by default, as JAX does
    lopsided = SPD + np.triu(np.ones((3, 3), np.float32), 1)
    np.testing.assert_allclose(
        np.asarray(wjnp.linalg.eigvalsh(lopsided)),
        np.asarray(jnp.linalg.eigvalsh(lopsided)),
        rtol=1e-5,
    )


def test_jit_and_vmap_use_the_same_primitives() -> None:
    stack = np.stack([SQUARE, SQUARE.T + np.eye(3, dtype=np.float32)])
    batched = wf.vmap(wjnp.linalg.inv)(stack)
    np.testing.assert_allclose(np.asarray(batched), np.linalg.inv(stack), rtol=1e-5, atol=1e-6)
    jitted = wf.jit(lambda a: wjnp.linalg.slogdet(a).logabsdet)(SQUARE)
    np.testing.assert_allclose(float(jitted), np.linalg.slogdet(SQUARE)[1], rtol=1e-5)
    hess = wf.hessian(lambda a: wjnp.linalg.slogdet(a).logabsdet)(SQUARE.astype(np.float64))
    inv = np.linalg.inv(SQUARE.astype(np.float64))
    # d²/dA² log|det A| [i,j,k,l] = -inv[j,k] inv[l,i]
    np.testing.assert_allclose(
        np.asarray(hess), -np.einsum("jk,li->ijkl", inv, inv), rtol=1e-6, atol=1e-9
    )
