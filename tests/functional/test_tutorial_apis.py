"""APIs JAX's tutorials use, against real JAX: ``jax.scipy.signal``, conv dimension
numbers, the ``jit(f).trace/lower/compile`` stages, key paths (``tree_flatten_with_path``,
``keystr``, ``register_dataclass``) and how a structure prints."""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp
from workbench.functional import lax as wlax
from workbench.functional.scipy import signal as wsignal

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jsignal = pytest.importorskip("jax.scipy.signal")

SHAPES = [((7,), (3,)), ((7,), (4,)), ((6, 5), (3, 2)), ((5, 6), (2, 3)), ((3,), (5,)),
          ((4, 4), (4, 4)), ((3, 4), (5, 6))]  # fmt: skip


@pytest.mark.parametrize(("sa", "sk"), SHAPES)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_signal_equals_jax(sa: Any, sk: Any, name: str, mode: str) -> None:
    rng = np.random.default_rng(0)
    a, k = rng.random(sa).astype(np.float32), rng.random(sk).astype(np.float32)
    try:
        theirs = np.asarray(getattr(jsignal, name)(a, k, mode))
    except ValueError:
        with pytest.raises(ValueError):
            getattr(wsignal, name)(a, k, mode)
        return
    ours = np.asarray(getattr(wsignal, name)(a, k, mode))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_signal_gradient_and_2d_names() -> None:
    x = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    k = np.array([[1.0, -1.0], [0.5, 2.0]], np.float32)
    ours = wjax.grad(lambda v: wnp.sum(wsignal.convolve2d(v, k, "same") ** 2))(x)
    theirs = jax.grad(lambda v: jnp.sum(jsignal.convolve2d(v, k, "same") ** 2))(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(wsignal.correlate2d(x, k), jsignal.correlate2d(x, k), rtol=1e-6)


def test_conv_dimension_numbers_equal_jax_and_drive_the_convolution() -> None:
    img = np.random.default_rng(1).random((1, 8, 9, 3)).astype(np.float32)
    ker = np.random.default_rng(2).random((3, 3, 3, 4)).astype(np.float32)
    outs = []
    for lax in (wlax, jax.lax):
        dn = lax.conv_dimension_numbers(img.shape, ker.shape, ("NHWC", "HWIO", "NHWC"))
        outs.append(
            (
                repr(dn),
                np.asarray(lax.conv_general_dilated(img, ker, (1, 1), "SAME", (1, 1), (1, 1), dn)),
            )
        )  # noqa: E501
    assert outs[0][0] == outs[1][0]
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-5)


def test_jit_stages() -> None:
    f = wjax.jit(lambda x: {"y": wnp.sin(x) * 2})
    traced = f.trace(wnp.ones(3))
    assert "sin" in str(traced.jaxpr) and "mul" in str(traced.jaxpr)
    lowered = f.lower(wnp.ones(3))
    assert "sin" in lowered.as_text()
    compiled = lowered.compile()
    out = compiled(wnp.arange(3.0))
    np.testing.assert_allclose(out["y"], jnp.sin(jnp.arange(3.0)) * 2, rtol=1e-6)
    assert compiled.as_text().startswith("def plan(")


def test_key_paths_equal_jax() -> None:
    point = namedtuple("point", "p q")
    obj = {"b": [1.0, (2.0, 3.0)], "a": {"x": None, "y": np.ones(2)}, "c": point(4.0, 5.0)}
    for j in (wjax, jax):
        pairs, _ = j.tree_util.tree_flatten_with_path(obj)
        texts = [j.tree_util.keystr(p) for p, _ in pairs]
        simple = j.tree_util.keystr(pairs[0][0], simple=True, separator="/")
        mapped = j.tree.map_with_path(lambda p, x: len(p), obj)
        if j is wjax:
            ours = (texts, simple, mapped)
    assert ours == (texts, simple, mapped)


def test_register_dataclass_equals_jax() -> None:
    results = []
    for j in (wjax, jax):

        @dataclasses.dataclass
        class Params:
            w: Any
            n: int = dataclasses.field(metadata={"static": True}, default=3)

        j.tree_util.register_dataclass(Params)
        paths = [j.tree_util.keystr(p) for p, _ in j.tree.flatten_with_path(Params(1.0))[0]]
        grads = j.grad(lambda p: p.w**2 * p.n)(Params(2.0))
        results.append((paths, float(grads.w), grads.n))
    assert results[0] == results[1]


def test_structures_print_and_fail_as_jax() -> None:
    point = namedtuple("point", "p q")
    obj = {"W": 1, "b": [2, (3,), None, point(1, 2)]}
    assert repr(wjax.tree_util.tree_structure(obj)) == repr(jax.tree_util.tree_structure(obj))
    for j in (wjax, jax):
        with pytest.raises(ValueError):
            j.tree.map(lambda x: x + 1, {1: 7, "y": 42})


def test_dot_and_einsum_take_out_sharding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CPU_DEVICES", "4")
    from workbench.functional.sharding import P

    mesh = wjax.make_mesh((4,), ("x",))
    with wjax.set_mesh(mesh):
        y = wnp.dot(wnp.ones((8, 3)), wnp.ones((3, 2)), out_sharding=P("x"))
        z = wnp.einsum("ij,jk->ik", wnp.ones((8, 3)), wnp.ones((3, 2)), out_sharding=P("x"))
    assert str(wjax.typeof(y)) == str(wjax.typeof(z)) == "float32[8@x,2]"
