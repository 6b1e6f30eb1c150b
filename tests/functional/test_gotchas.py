"""The behaviours JAX's "Common Gotchas" page teaches, as JAX has them: out-of-bounds
indices clamp on reads and drop on updates, jit's cache belongs to the function, jit
refuses non-array arguments, jnp refuses lists, a traced boolean mask is an error of its
own — each against real JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _reads(m: Any) -> list[Any]:
    a = m.arange(10.0)
    b = m.arange(12.0).reshape(3, 4)
    idx = m.array([1, 12, -3, -20])
    return [
        a[11], a[-12], a[idx], b[5, 1], b[:, 9], b[m.array([0, 7])], b[..., -9],
        a.at[11].get(), a.at[11].get(mode="fill", fill_value=m.nan),
        a.at[idx].get(mode="fill", fill_value=-1.0),
    ]  # fmt: skip


def _updates(m: Any) -> list[Any]:
    a = m.arange(1.0, 6.0)
    idx = m.array([1, 9, -1, -7])
    return [
        a.at[7].set(0.0), a.at[idx].set(9.0), a.at[idx].add(1.0), a.at[idx].multiply(3.0),
        a.at[idx].min(0.0), a.at[idx].max(10.0), a.at[m.array([4, 40])].set(7.0),
        a.at[-6].add(100.0), a.at[2].divide(2.0), a.at[1].subtract(1.0), a.at[0].power(2.0),
    ]  # fmt: skip


@pytest.mark.parametrize("which", [_reads, _updates])
def test_out_of_bounds_indices_behave_as_jax(which: Any) -> None:
    for ours, theirs in zip(which(wnp), which(jnp), strict=True):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_out_of_bounds_under_jit_and_grad_as_jax() -> None:
    def program(j: Any, m: Any) -> Any:
        upd = j.jit(lambda a, i: a.at[i].set(3.0))(m.arange(5.0), m.array([2, 40]))
        g = j.grad(lambda a: a.at[m.array([1, 30])].get(mode="fill", fill_value=0.0).sum())
        return upd, g(m.arange(5.0)), j.jit(lambda a, i: a[i])(m.arange(5.0), 9)

    for ours, theirs in zip(program(wjax, wnp), program(jax, jnp), strict=True):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_jit_caches_per_function_not_per_wrapper(capsys: pytest.CaptureFixture[str]) -> None:
    def program(j: Any) -> list[Any]:
        offset = {"g": 0.0}

        def f(x: Any) -> Any:
            print("tracing")
            return x + offset["g"]

        first = j.jit(f)(4.0)
        offset["g"] = 10.0  # a changed global is not seen: the trace is reused
        return [first, j.jit(f)(5.0), j.jit(f)(np.array([4.0]))]

    ours, printed = program(wjax), capsys.readouterr().out
    theirs = program(jax)
    assert printed == capsys.readouterr().out == "tracing\ntracing\n"
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_jit_refuses_a_non_array_argument_as_jax() -> None:
    class Plain:
        pass

    for j in (wjax, jax):
        with pytest.raises(TypeError, match="Error interpreting argument"):
            j.jit(lambda obj, y: y)(Plain(), 1.0)


@pytest.mark.parametrize("call", ["sum", "sin", "add", "mean"])
def test_jnp_refuses_lists_as_jax(call: str) -> None:
    args = ([1.0, 2.0], [3.0, 4.0]) if call == "add" else ([1.0, 2.0],)
    for m in (wnp, jnp):
        with pytest.raises(TypeError, match="requires ndarray or scalar arguments"):
            getattr(m, call)(*args)
    np.testing.assert_allclose(wnp.sum(wnp.array([1.0, 2.0])), 3.0)


def test_a_traced_boolean_mask_raises_jax_error() -> None:
    for j, m in ((wjax, wnp), (jax, jnp)):
        with pytest.raises(j.errors.NonConcreteBooleanIndexError):
            j.jit(lambda x: x[x > 0])(m.ones(3))
    assert "JitTracer(float32[3])" in repr_under_jit()


def repr_under_jit() -> str:
    seen: list[str] = []
    wjax.jit(lambda x: seen.append(repr(x)) or x)(wnp.ones(3))
    return seen[0]
