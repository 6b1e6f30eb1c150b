"""``jax.debug.print``/``callback``, ``pure_callback``, ``io_callback``, ``eval_shape``,
``checkpoint`` (with ``print_saved_residuals``) and the Array's JAX methods, against real
JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp
from workbench.functional.ad_checkpoint import print_saved_residuals
from workbench.functional.experimental import io_callback

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _printed(capsys: pytest.CaptureFixture[str], run: Any) -> list[str]:
    run()
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("style", ["eager", "jit", "vmap", "grad"])
def test_debug_print_prints_each_run_as_jax_does(
    style: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def program(j: Any, n: Any) -> Any:
        def f(x: Any) -> Any:
            j.debug.print("x={x} total={t}", x=x, t=n.sum(x))
            return n.sum(x * 2.0)

        x = n.arange(3.0)
        if style == "jit":
            g = j.jit(f)
            return lambda: (g(x), g(x + 1))
        if style == "vmap":
            return lambda: j.vmap(f)(x)
        if style == "grad":
            return lambda: j.grad(f)(x)
        return lambda: f(x)

    ours = _printed(capsys, program(wjax, wnp))
    theirs = _printed(capsys, program(jax, jnp))
    assert ours == theirs and ours


def test_debug_print_survives_dead_code_elimination(capsys: pytest.CaptureFixture[str]) -> None:
    f = wjax.jit(lambda x: (wjax.debug.print("seen {}", x), x + 1)[1])
    f(wnp.ones(2))
    f(wnp.zeros(2))
    assert capsys.readouterr().out.splitlines() == ["seen [1. 1.]", "seen [0. 0.]"]
    assert "debug_callback" in str(
        wjax.make_jaxpr(lambda x: (wjax.debug.print("{}", x), x)[1])(1.0)
    )


def test_pure_callback_under_jit_and_vmap_equals_jax() -> None:
    def program(j: Any, n: Any) -> Any:
        def host(a: np.ndarray) -> np.ndarray:
            return np.sort(a)[::-1].copy()

        def f(x: Any, method: str = "sequential") -> Any:
            out = j.ShapeDtypeStruct(x.shape, x.dtype)
            return j.pure_callback(host, out, x, vmap_method=method) * 2

        def g(x: Any) -> Any:
            out = j.ShapeDtypeStruct(x.shape, x.dtype)
            return j.pure_callback(lambda a: np.cumsum(a, -1), out, x, vmap_method="broadcast_all")

        x = n.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
        return j.jit(f)(x[0]), j.vmap(f)(x), j.vmap(g)(x)

    for ours, theirs in zip(program(wjax, wnp), program(jax, jnp)):
        np.testing.assert_array_equal(ours, theirs)


def test_vmap_of_a_callback_needs_a_method_as_in_jax() -> None:
    f = lambda x: wjax.pure_callback(
        np.sin, wjax.ShapeDtypeStruct((), "float32"), x, vmap_method=None
    )  # noqa: E501, E731
    with pytest.raises(NotImplementedError, match="vmap_method"):
        wjax.vmap(f)(wnp.ones(3))


def test_callbacks_have_no_derivative_and_check_their_results() -> None:
    f = lambda x: wjax.pure_callback(np.sin, wjax.ShapeDtypeStruct((), "float32"), x)  # noqa: E731
    with pytest.raises(NotImplementedError, match="no derivative"):
        wjax.grad(f)(1.0)
    bad = lambda x: wjax.pure_callback(
        lambda a: np.zeros(2, np.float32), wjax.ShapeDtypeStruct((), "float32"), x
    )  # noqa: E501, E731
    with pytest.raises(TypeError, match="declared"):
        bad(1.0)


def test_io_callback_runs_every_time() -> None:
    calls: list[float] = []
    f = wjax.jit(
        lambda x: io_callback(
            lambda a: calls.append(float(a)) or a, wjax.ShapeDtypeStruct((), "float32"), x
        )
    )  # noqa: E501
    f(wnp.float32(1.0))
    f(wnp.float32(2.0))
    assert calls == [1.0, 2.0]


def test_eval_shape_equals_jax() -> None:
    def program(j: Any, n: Any) -> Any:
        def f(params: Any, x: Any) -> Any:
            return {"y": n.dot(x, params["w"]).sum(0), "n": x.shape[0] * n.ones((2, 1), "int32")}

        spec = {"w": j.ShapeDtypeStruct((3, 4), "float32")}
        return j.eval_shape(f, spec, j.ShapeDtypeStruct((5, 3), "float32"))

    ours, theirs = program(wjax, wnp), program(jax, jnp)
    for k in ("y", "n"):
        assert ours[k].shape == theirs[k].shape and ours[k].dtype == theirs[k].dtype
    assert repr(ours["y"]) == repr(theirs["y"])


@pytest.mark.parametrize("mode", ["grad", "jit_grad", "jvp", "static"])
def test_checkpoint_gives_the_same_derivatives(mode: str) -> None:
    def program(j: Any, n: Any) -> Any:
        def block(w: Any, x: Any, k: int = 2) -> Any:
            for _ in range(k):
                x = n.tanh(x @ w)
            return n.sum(x**2)

        w = n.linspace(-1.0, 1.0, 16).reshape(4, 4)
        x = n.linspace(0.5, 1.5, 8).reshape(2, 4)
        if mode == "static":
            f = j.checkpoint(block, static_argnums=(2,))
            return j.grad(lambda w: f(w, x, 3))(w)
        f = j.checkpoint(block)
        if mode == "jvp":
            return j.jvp(lambda w: f(w, x), (w,), (n.ones((4, 4)),))[1]
        g = j.grad(f)
        return (j.jit(g) if mode == "jit_grad" else g)(w, x)

    np.testing.assert_allclose(program(wjax, wnp), program(jax, jnp), rtol=1e-5, atol=1e-6)


def test_saved_residuals_show_what_checkpoint_drops(capsys: pytest.CaptureFixture[str]) -> None:
    def f(x: Any) -> Any:
        return wnp.sum(wnp.sin(wnp.sin(x)))

    print_saved_residuals(f, wnp.arange(3.0))
    plain = capsys.readouterr().out.splitlines()
    print_saved_residuals(wjax.checkpoint(f), wnp.arange(3.0))
    remat = capsys.readouterr().out.splitlines()
    assert plain[0] == remat[0] == "f32[3] from the argument x"  # JAX's first line too
    assert len(plain) > 1 and remat == ["f32[3] from the argument x"]


def test_array_methods_and_attributes_equal_jax() -> None:
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]], np.float32)
    ours, theirs = wnp.asarray(x), jnp.asarray(x)
    for name, args in [
        ("mean", (1,)), ("astype", ("int32",)), ("cumprod", (1,)), ("ptp", (0,)),
        ("argmax", ()), ("squeeze", ()), ("ravel", ()), ("flatten", ()), ("clip", (0, 2)),
        ("searchsorted", (1.0,)), ("conj", ()), ("conjugate", ()), ("round", ()),
        ("repeat", (2,)), ("trace", ()), ("diagonal", ()), ("sort", ()), ("std", ()),
    ]:  # fmt: skip
        got = np.asarray(getattr(ours if name != "searchsorted" else ours[0].sort(), name)(*args))
        want = np.asarray(
            getattr(theirs if name != "searchsorted" else theirs[0].sort(), name)(*args)
        )  # noqa: E501
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=name)
        assert got.dtype == want.dtype, name
    for attr in ("itemsize", "nbytes", "is_fully_replicated", "is_fully_addressable", "committed"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    np.testing.assert_array_equal(ours.mT, theirs.mT)
    np.testing.assert_array_equal(ours.real, theirs.real)
    np.testing.assert_array_equal(ours.imag, theirs.imag)
    np.testing.assert_array_equal(ours.view("int32"), theirs.view("int32"))
    assert repr(ours.sharding) == repr(theirs.sharding)
    assert len(ours.addressable_shards) == 1
    np.testing.assert_array_equal(ours.addressable_shards[0].data, x)
    assert "mean" in vars(wjax.Array)  # a real method: help() and completion see it
