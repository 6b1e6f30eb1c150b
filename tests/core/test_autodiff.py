"""Reverse and forward mode semantics: composition, nesting, structure, and rules that
finite differences cannot check (cast, stop_gradient)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import GRAD_TOL
from workbench.core import (
    array,
    backward_graph,
    check_grads,
    eval_graph,
    grad,
    jvp,
    jvp_graph,
    make_graph,
    ops,
    validate,
    value_and_grad,
    vjp,
)
from workbench.core.gradcheck import GradientCheckError


def f64(values: object) -> object:
    return array(np.asarray(values, dtype=np.float64))


def test_grad_of_grad_of_cube_is_six_x() -> None:
    cube = lambda x: ops.reduce_sum(ops.pow(x, 3.0))  # noqa: E731
    second = grad(lambda x: ops.reduce_sum(grad(cube)(x)))
    np.testing.assert_allclose(second(f64([1.0, -2.0])).numpy(), [6.0, -12.0])


def test_hessian_vector_product_is_jvp_of_grad() -> None:
    # f(x) = sum(x_i^2 x_j) over all i, j  ->  H = 2 diag(sum x) + 2 (x 1^T + 1 x^T)
    x = np.array([0.5, -1.0, 2.0])
    v = np.array([1.0, 2.0, -1.0])
    f = lambda a: ops.mul(ops.reduce_sum(ops.square(a)), ops.reduce_sum(a))  # noqa: E731
    _, hvp = jvp(grad(f), (f64(x),), (f64(v),))
    hessian = 2 * np.diag(np.full(3, x.sum())) + 2 * (
        np.outer(x, np.ones(3)) + np.outer(np.ones(3), x)
    )
    np.testing.assert_allclose(hvp.numpy(), hessian @ v, rtol=1e-12)


def test_nested_derivative_does_not_confuse_perturbations() -> None:
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1; a confused implementation gives 2.
    def outer(x: object) -> object:
        inner = grad(lambda y: ops.add(x, y))(f64(1.0))
        return ops.mul(x, inner)

    assert grad(outer)(f64(3.0)).numpy() == pytest.approx(1.0)
    _, tangent = jvp(outer, (f64(3.0),), (f64(1.0),))
    assert tangent.numpy() == pytest.approx(1.0)


def test_gradients_accumulate_over_every_use() -> None:
    f = lambda x: ops.reduce_sum(ops.add(ops.mul(x, x), ops.mul(x, 3.0)))  # noqa: E731
    np.testing.assert_allclose(grad(f)(f64([1.0, 2.0])).numpy(), [5.0, 7.0])


def test_ten_thousand_op_chain_does_not_hit_the_recursion_limit() -> None:
    def chain(x: object) -> object:
        for _ in range(10_000):
            x = ops.mul(x, 1.0001)
        return ops.reduce_sum(x)

    np.testing.assert_allclose(grad(chain)(f64([1.0])).numpy(), [1.0001**10_000], rtol=1e-9)


def test_argnums_and_has_aux_follow_jax() -> None:
    f = lambda x, y: (ops.reduce_sum(ops.mul(x, y)), "aux")  # noqa: E731
    (gx, gy), aux = grad(f, argnums=(0, 1), has_aux=True)(f64([1.0, 2.0]), f64([3.0, 4.0]))
    assert aux == "aux"
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 2.0])
    (value, _), g = value_and_grad(f, has_aux=True)(f64([1.0, 2.0]), f64([3.0, 4.0]))
    assert value.numpy() == pytest.approx(11.0)


def test_vjp_takes_and_returns_pytrees() -> None:
    params = {"w": f64([1.0, 2.0]), "b": f64(0.5)}
    out, pullback = vjp(lambda p: {"y": ops.add(ops.reduce_sum(p["w"]), p["b"])}, params)
    (grads,) = pullback({"y": f64(2.0)})
    np.testing.assert_allclose(grads["w"].numpy(), [2.0, 2.0])
    assert grads["b"].numpy() == pytest.approx(2.0)
    with pytest.raises(TypeError, match="structure"):
        pullback(f64(2.0))


def test_grad_rejects_non_scalar_outputs_clearly() -> None:
    with pytest.raises(TypeError, match="float scalar"):
        grad(lambda x: ops.mul(x, 2.0))(f64([1.0, 2.0]))


def test_unused_input_gets_zero_gradient() -> None:
    g = grad(lambda x, y: ops.reduce_sum(x), argnums=1)(f64([1.0]), f64([5.0, 6.0]))
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


def test_stop_gradient_blocks_reverse_and_forward_mode() -> None:
    f = lambda x: ops.reduce_sum(ops.mul(ops.stop_gradient(x), x))  # noqa: E731
    np.testing.assert_allclose(grad(f)(f64([3.0])).numpy(), [3.0])
    _, t = jvp(ops.stop_gradient, (f64([1.0]),), (f64([1.0]),))
    np.testing.assert_array_equal(t.numpy(), [0.0])


def test_cast_passes_cotangents_back_in_the_input_dtype() -> None:
    x = array(np.array([1.5, -2.0], np.float64))
    out, pullback = vjp(lambda a: ops.cast(a, "float32"), x)
    assert out.dtype == np.float32
    (g,) = pullback(array(np.array([1.0, 2.0], np.float32)))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g.numpy(), [1.0, 2.0])
    _, t = jvp(lambda a: ops.cast(a, "float32"), (x,), (f64([3.0, 4.0]),))
    assert t.dtype == np.float32


def test_cast_from_integers_gives_no_gradient() -> None:
    n = array(np.array([1, 2]))
    (g,) = vjp(lambda a: ops.cast(a, "float64"), n)[1](f64([1.0, 1.0]))
    np.testing.assert_array_equal(g.numpy(), [0, 0])


def test_max_gradient_is_shared_evenly_between_ties() -> None:
    g = grad(lambda x: ops.reduce_max(x))(f64([1.0, 3.0, 3.0]))
    np.testing.assert_allclose(g.numpy(), [0.0, 0.5, 0.5])
    gm = grad(lambda x: ops.reduce_sum(ops.maximum(x, 1.0)))(f64([1.0, 2.0]))
    np.testing.assert_allclose(gm.numpy(), [0.5, 1.0])


def test_relu_gradient_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(
        grad(lambda x: ops.reduce_sum(ops.relu(x)))(f64([0.0, 1.0])).numpy(), [0.0, 1.0]
    )


def test_max_pool_gradient_goes_to_the_first_maximum_only() -> None:
    x = f64(np.zeros((1, 1, 2, 2)))
    g = grad(lambda a: ops.reduce_sum(ops.max_pool(a, (2, 2), (2, 2))))(x)
    np.testing.assert_array_equal(g.numpy().ravel(), [1.0, 0.0, 0.0, 0.0])


def test_prod_gradient_is_exact_with_zeros() -> None:
    g = grad(lambda x: ops.reduce_prod(x))(f64([2.0, 0.0, 3.0]))
    np.testing.assert_allclose(g.numpy(), [0.0, 6.0, 0.0])
    check_grads(
        lambda x: ops.reduce_prod(x, 0),
        [f64([[2.0, 0.0], [0.0, 0.0], [5.0, 1.0]])],
        order=2,
        **GRAD_TOL,
    )


def test_pow_gradients_are_finite_at_zero() -> None:
    gx, gy = grad(lambda x, y: ops.reduce_sum(ops.pow(x, y)), argnums=(0, 1))(
        f64([0.0, 2.0]), f64([0.0, 3.0])
    )
    np.testing.assert_allclose(gx.numpy(), [0.0, 12.0])
    np.testing.assert_allclose(gy.numpy(), [0.0, 8.0 * np.log(2.0)])


def test_logsumexp_is_stable_and_handles_all_minus_infinity() -> None:
    big = f64([1000.0, 1000.0])
    assert ops.logsumexp(big).numpy() == pytest.approx(1000.0 + np.log(2.0))
    assert ops.logsumexp(f64([-np.inf, -np.inf])).numpy() == -np.inf
    np.testing.assert_allclose(grad(lambda x: ops.logsumexp(x))(big).numpy(), [0.5, 0.5])


def test_backward_graph_validates_and_matches_the_tape() -> None:
    f = lambda x, w: ops.reduce_sum(ops.tanh(ops.matmul(x, w)))  # noqa: E731
    x, w = f64(np.random.default_rng(0).standard_normal((3, 4))), f64(np.ones((4, 2)))
    graph = make_graph(f, x, w)
    back = backward_graph(graph)
    validate(back)
    gx, gw = eval_graph(back, x, w, f64(1.0))
    ex, ew = grad(f, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gx.numpy(), ex.numpy())
    np.testing.assert_allclose(gw.numpy(), ew.numpy())
    assert "dot_general" in str(back)


def test_jvp_graph_validates_and_matches_jvp() -> None:
    f = lambda x: ops.sin(ops.mul(x, x))  # noqa: E731
    x, t = f64([0.3, 0.7]), f64([1.0, -1.0])
    forward = jvp_graph(make_graph(f, x))
    validate(forward)
    out, tangent = eval_graph(forward, x, t)
    expected = jvp(f, (x,), (t,))[1]
    np.testing.assert_allclose(tangent.numpy(), expected.numpy())


def test_grad_works_inside_a_trace_and_a_trace_inside_grad() -> None:
    f = lambda x: ops.reduce_sum(ops.exp(x))  # noqa: E731
    x = f64([0.0, 1.0])
    graph = make_graph(grad(f), x)
    validate(graph)
    np.testing.assert_allclose(eval_graph(graph, x)[0].numpy(), np.exp([0.0, 1.0]))
    g = grad(lambda v: eval_graph(make_graph(f, v), v)[0])(x)
    np.testing.assert_allclose(g.numpy(), np.exp([0.0, 1.0]))


def test_leaked_tracer_gets_a_clear_error() -> None:
    leaked = []

    def f(x: object) -> object:
        leaked.append(x)
        return ops.reduce_sum(x)

    grad(f)(f64([1.0]))
    with pytest.raises(RuntimeError, match="leaked"):
        ops.add(leaked[0], leaked[0])


def test_gradient_checker_catches_a_wrong_rule() -> None:
    # sin's true derivative is cos; check_grads must notice a function whose JVP lies.
    def lying(x: object) -> object:
        return ops.add(
            ops.stop_gradient(ops.sin(x)), ops.mul(ops.sub(x, ops.stop_gradient(x)), 2.0)
        )

    with pytest.raises(GradientCheckError, match="mismatch"):
        check_grads(lying, [f64([0.1, 0.2])])


def test_the_eager_tape_becomes_a_valid_ir_graph() -> None:
    from workbench.core import interpreter, tape_graph
    from workbench.core.autodiff import VJPInterpreter, VJPTracer

    w = f64([[1.0, 2.0], [3.0, 4.0]])
    x0 = f64([0.5, -1.0])
    with interpreter(VJPInterpreter) as tape:
        x = VJPTracer(tape, x0, None)
        h = ops.tanh(ops.matmul(w, x))
        out = ops.reduce_sum(ops.mul(h, 2.0))
        graph = tape_graph([out], [x])
    validate(graph)
    names = [e.primitive.name for e in graph.equations]
    assert names == ["dot_general", "tanh", "mul", "reduce_sum"]
    # w, and the scalar 2.0 (eagerly broadcast to a constant, so no equation recorded it)
    assert len(graph.constants) == 2 and graph.constants[0][1] is w
    np.testing.assert_allclose(eval_graph(graph, x0)[0].numpy(), out.primal.numpy())


def test_a_value_read_many_times_sums_its_cotangents_in_place_without_touching_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A weight read at every step of a loop gets one cotangent term per read. The pass
    adds the terms into the running sum it made itself (in place), never into an array a
    VJP handed out, which may also be another value's cotangent (``add``'s VJP hands the
    same array to both operands)."""
    from workbench.core import dispatch

    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 3)) * 0.5
    x0 = rng.standard_normal((4, 3))

    def f(w: object, x: object) -> object:
        h = x
        for _ in range(5):
            h = ops.tanh(ops.add(ops.matmul(h, w), ops.reduce_sum(w, axes=(0,))))  # w read twice
        twice = ops.add(h, h)  # one cotangent array for both operands
        return ops.reduce_sum(ops.mul(twice, twice))

    calls = []
    original = dispatch.apply_into
    monkeypatch.setattr(
        dispatch, "apply_into", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    gw, gx = grad(f, argnums=(0, 1))(f64(w0), f64(x0))
    assert calls  # later terms went into the running sums

    def numeric(which: int) -> np.ndarray:
        base = [w0, x0]
        out = np.zeros_like(base[which])
        for index in np.ndindex(out.shape):
            for sign in (1, -1):
                moved = [b.copy() for b in base]
                moved[which][index] += sign * 1e-6
                out[index] += sign * float(f(f64(moved[0]), f64(moved[1])).numpy()) / 2e-6
        return out

    np.testing.assert_allclose(gw.numpy(), numeric(0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gx.numpy(), numeric(1), rtol=1e-6, atol=1e-6)
