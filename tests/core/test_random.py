"""Threefry-2x32 known-answer vectors (Salmon et al.; the ones JAX tests use) and parity
with JAX's default random bits."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core import array, ops


@pytest.mark.parametrize(
    ("key", "counters", "expected"),
    [
        ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ],
)
def test_threefry_known_answers(
    key: tuple[int, int], counters: tuple[int, int], expected: tuple[int, int]
) -> None:
    k = array(np.array(key, np.uint32))
    c0, c1 = (array(np.array([c], np.uint32)) for c in counters)
    y0, y1 = ops.threefry2x32(k, c0, c1)
    assert (int(y0.numpy()[0]), int(y1.numpy()[0])) == expected


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 - 1])
def test_bits_keys_and_uniforms_equal_jax(seed: int) -> None:
    jax = pytest.importorskip("jax")
    jkey = jax.random.PRNGKey(seed)
    key = ops.key(seed)
    np.testing.assert_array_equal(key.numpy(), np.asarray(jax.random.key_data(jkey)))
    np.testing.assert_array_equal(
        ops.random_bits(key, (2, 5)).numpy(), np.asarray(jax.random.bits(jkey, (2, 5)))
    )
    np.testing.assert_array_equal(
        ops.split_key(key, 3).numpy(), np.asarray(jax.random.split(jkey, 3))
    )
    np.testing.assert_array_equal(
        ops.fold_in(key, 12345).numpy(), np.asarray(jax.random.fold_in(jkey, 12345))
    )
    np.testing.assert_array_equal(
        ops.uniform(key, (7,)).numpy(), np.asarray(jax.random.uniform(jkey, (7,)))
    )


def test_random_bits_are_reproducible_and_key_dependent() -> None:
    a = ops.random_bits(ops.key(7), (1000,)).numpy()
    b = ops.random_bits(ops.key(7), (1000,)).numpy()
    c = ops.random_bits(ops.key(8), (1000,)).numpy()
    np.testing.assert_array_equal(a, b)
    assert np.mean(a == c) < 0.01
    u = ops.uniform(ops.key(7), (20000,)).numpy()
    assert 0.0 <= u.min() and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01


@pytest.mark.gpu
def test_random_bits_on_the_gpu_equal_the_cpu() -> None:
    cpu = ops.random_bits(ops.key(3), (4, 5)).numpy()
    gpu = ops.random_bits(ops.key(3, device="cuda:0"), (4, 5))
    assert gpu.device.name == "cuda:0"
    np.testing.assert_array_equal(gpu.numpy(), cpu)
    np.testing.assert_array_equal(
        ops.uniform(ops.key(3, device="cuda:0"), (9,)).numpy(),
        ops.uniform(ops.key(3), (9,)).numpy(),
    )


def test_scalar_draws_are_silent_and_match_their_one_element_array() -> None:
    import warnings

    key = ops.key(7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the hash's wrap-around must not warn
        scalar = ops.uniform(key, ())
    assert scalar.shape == ()
    assert scalar.numpy() == ops.uniform(key, (1,)).numpy()[0]
