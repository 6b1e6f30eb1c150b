"""torch.func on the core's transformations, and torch.compile through the graph
compiler (with graph breaks reported)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")


def _pair() -> tuple[Any, Any]:
    ours = wb.nn.Sequential(wb.nn.Linear(4, 3), wb.nn.Tanh(), wb.nn.Linear(3, 1))
    theirs = T.nn.Sequential(T.nn.Linear(4, 3), T.nn.Tanh(), T.nn.Linear(3, 1))
    with T.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.copy_(T.tensor(p.detach().numpy()))
    return ours, theirs


def test_per_example_gradients_with_functional_call_match_torch_func() -> None:
    ours, theirs = _pair()
    x = np.random.default_rng(0).random((5, 4)).astype(np.float32)
    y = np.random.default_rng(1).random((5, 1)).astype(np.float32)

    def loss_w(p: Any, x: Any, y: Any) -> Any:
        return ((wb.func.functional_call(ours, p, (x,)) - y) ** 2).mean()

    def loss_t(p: Any, x: Any, y: Any) -> Any:
        return ((T.func.functional_call(theirs, p, (x,)) - y) ** 2).mean()

    pw = {k: v.detach() for k, v in ours.named_parameters()}
    pt = {k: v.detach() for k, v in theirs.named_parameters()}
    gw = wb.func.vmap(wb.func.grad(loss_w), in_dims=(None, 0, 0))(pw, wb.tensor(x), wb.tensor(y))
    gt = T.func.vmap(T.func.grad(loss_t), in_dims=(None, 0, 0))(pt, T.tensor(x), T.tensor(y))
    for key in gw:
        np.testing.assert_allclose(gw[key].numpy(), gt[key].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["jacrev", "jacfwd", "hessian"])
def test_jacobians_and_hessians_match_torch_func(name: str) -> None:
    x = np.linspace(-1, 1, 4).astype(np.float32)
    f = (
        (lambda v: (v.sin() * v).sum())
        if name == "hessian"
        else (lambda v: (v.tanh() * v[0]).exp())
    )
    ours = getattr(wb.func, name)(f)(wb.tensor(x))
    theirs = getattr(T.func, name)(f)(T.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_func_vjp_and_jvp_and_grad_and_value() -> None:
    x = wb.tensor([0.5, -1.0])
    out, pullback = wb.func.vjp(lambda v: v.exp() * 2, x)
    np.testing.assert_allclose(pullback(wb.ones(2))[0].numpy(), 2 * np.exp([0.5, -1.0]), rtol=1e-6)
    _, tangent = wb.func.jvp(lambda v: v.sin(), (x,), (wb.ones(2),))
    np.testing.assert_allclose(tangent.numpy(), np.cos([0.5, -1.0]), rtol=1e-6)
    g, value = wb.func.grad_and_value(lambda v: (v * v).sum())(x)
    np.testing.assert_allclose(g.numpy(), [1.0, -2.0])
    assert value.item() == pytest.approx(1.25)


def test_compiled_module_trains_exactly_like_eager() -> None:
    wb.manual_seed(0)
    model = wb.nn.Sequential(wb.nn.Linear(4, 8), wb.nn.ReLU(), wb.nn.Linear(8, 3))
    ref = wb.nn.Sequential(wb.nn.Linear(4, 8), wb.nn.ReLU(), wb.nn.Linear(8, 3))
    ref.load_state_dict(model.state_dict())
    compiled = wb.compile(model)
    x, y = wb.randn(6, 4), wb.tensor([0, 1, 2, 0, 1, 2])
    opts = [wb.optim.SGD(model.parameters(), lr=0.1), wb.optim.SGD(ref.parameters(), lr=0.1)]
    for _ in range(3):
        for m, opt in zip((compiled, ref), opts):
            loss = wb.nn.functional.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    for a, b in zip(model.parameters(), ref.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert compiled.stats.compiles == 1 and compiled.stats.hits == 2
    assert "linear" in str(compiled.graphs[0])  # each nn.Linear is one op, as addmm in torch
    compiled(wb.randn(3, 4))  # a new signature compiles again
    assert compiled.stats.compiles == 2


def test_value_dependent_control_flow_is_a_reported_graph_break() -> None:
    def f(x: Any) -> Any:
        if x.sum() > 0:
            return x * 2
        return -x

    compiled = wb.compile(f)
    np.testing.assert_array_equal(compiled(wb.ones(3)).numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(compiled(-wb.ones(3)).numpy(), [1.0, 1.0, 1.0])
    (graph_break,) = compiled.graph_breaks
    assert "bool()" in graph_break.reason and "if x.sum() > 0:" in graph_break.where
    assert "1 graph break" in compiled.explain()
    with pytest.raises(TypeError, match="graph break"):
        wb.compile(f, fullgraph=True)(wb.ones(3))


def test_core_jacobians_match_finite_differences() -> None:
    from workbench.core import array, check_grads, hessian, jacfwd, jacrev, ops

    x = array(np.array([0.3, -0.7, 1.1]))
    f = lambda v: ops.mul(ops.sin(v), ops.reduce_sum(ops.square(v)))  # noqa: E731
    jr, jf = jacrev(f)(x).numpy(), jacfwd(f)(x).numpy()
    np.testing.assert_allclose(jr, jf, rtol=1e-12)
    check_grads(f, [x], order=2)
    h = hessian(lambda v: ops.reduce_sum(ops.mul(ops.sin(v), v)))(x).numpy()
    v = x.numpy()
    np.testing.assert_allclose(h, np.diag(2 * np.cos(v) - v * np.sin(v)), atol=1e-12)


def test_a_graph_break_in_a_module_keeps_its_children_compiled() -> None:
    class Gated(wb.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = wb.nn.Sequential(wb.nn.Linear(4, 8), wb.nn.ReLU())
            self.head = wb.nn.Linear(8, 2)

        def forward(self, x: Any) -> Any:
            h = self.encoder(x)
            if h.mean() > 0.1:  # data-dependent Python control flow
                h = h * 2
            return self.head(h)

    model = Gated()
    compiled = wb.compile(model)
    x = wb.randn(5, 4)
    np.testing.assert_allclose(compiled(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    compiled(x).sum().backward()
    assert model.head.weight.grad is not None
    assert len(compiled.graph_breaks) == 1
    assert set(compiled.children_compiled) == {"encoder", "head"}
    assert all(len(c.graphs) == 1 for c in compiled.children_compiled.values())
    assert "child encoder: 1 graph(s) captured" in compiled.explain()
    assert isinstance(model._modules["encoder"], wb.nn.Sequential)  # the module itself is untouched


def test_linear_through_func_transforms_matches_torch() -> None:
    """nn.Linear is one core operation (``linear``): its gradient, Jacobian, Hessian,
    per-example gradients under vmap and a 3-d input's backward agree with PyTorch."""
    results = []
    for lib in (wb, T):
        model = lib.nn.Linear(4, 3)
        with lib.no_grad():
            model.weight.copy_(lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) / 10))
            model.bias.copy_(lib.tensor([0.1, -0.2, 0.3]))
        x = lib.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
        params = dict(model.named_parameters())

        def loss(p: Any, inputs: Any, lib: Any = lib, model: Any = model) -> Any:
            return lib.func.functional_call(model, p, (inputs,)).tanh().sum()

        g = lib.func.grad(loss)(params, x)
        jac = lib.func.jacrev(model)(x[0])
        hess = lib.func.hessian(lambda v, model=model: model(v).tanh().sum())(x[0])
        per_example = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0))(params, x)
        x3 = lib.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4))
        x3.requires_grad_(True)
        model(x3).square().sum().backward()
        results.append(
            [g["weight"], g["bias"], jac, hess, per_example["weight"], per_example["bias"]]
            + [x3.grad, model.weight.grad, model.bias.grad]
        )
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(
            ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6
        )


def test_dynamo_explain_reports_graphs_ops_and_breaks() -> None:
    """torch._dynamo.explain(fn)(*args): the same counts as PyTorch for a module that
    captures whole, and a graph break located at the user's `if` on a tensor."""
    net = wb.nn.Sequential(wb.nn.Linear(4, 8), wb.nn.Tanh(), wb.nn.Linear(8, 1))
    theirs = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.Tanh(), T.nn.Linear(8, 1))
    x = wb.randn(3, 4)
    ours_out = wb._dynamo.explain(net)(x)
    their_out = T._dynamo.explain(theirs)(T.randn(3, 4))
    for field in ("graph_count", "graph_break_count", "op_count"):
        assert getattr(ours_out, field) == getattr(their_out, field), field
    assert ours_out.ops_per_graph == [["linear", "tanh", "linear"]]
    assert str(ours_out).startswith("Graph Count: 1\nGraph Break Count: 0\nOp Count: 3\n")

    def branchy(v: Any) -> Any:
        y = net(v)
        if y.sum() > 0:
            y = y * 2
        return y.cos()

    out = wb._dynamo.explain(branchy)(x)
    assert (out.graph_count, out.graph_break_count) == (0, 1)
    reason = out.break_reasons[0]
    assert "bool()" in reason.reason and "graph break" in reason.reason
    assert "if y.sum() > 0:" in reason.user_stack[0]
    assert "Break Reason 1:" in str(out)

    # a module whose forward breaks keeps its children compiled: their graphs count
    class Gate(wb.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = net

        def forward(self, v: Any) -> Any:
            y = self.body(v)
            return y if y.mean() > 0 else -y

    out = wb._dynamo.explain(Gate())(x)
    assert (out.graph_count, out.graph_break_count, out.op_count) == (1, 1, 3)


@pytest.mark.parametrize("exponent", [2.0, 3.0, 3, 2.5])
def test_pow_by_a_constant_matches_torch_bit_for_bit(exponent: float) -> None:
    """x ** 2 and x ** 3 are multiplied out, as PyTorch's kernel does (eagerly, and inside
    a compiled fused kernel); other exponents use the power function."""
    x = np.random.default_rng(0).standard_normal(4096).astype(np.float32)
    expected = (T.tensor(x) ** exponent * 0.5).numpy()
    eager = (wb.tensor(x) ** exponent * 0.5).numpy()
    compiled = wb.compile(lambda v: v**exponent * 0.5)(wb.tensor(x)).numpy()
    if exponent in (2, 3):
        np.testing.assert_array_equal(eager, expected)
        np.testing.assert_array_equal(compiled, expected)
    else:
        np.testing.assert_allclose(eager, expected, rtol=1e-6, equal_nan=True)
        np.testing.assert_allclose(compiled, expected, rtol=1e-6, equal_nan=True)


SCALE = 2.0


def _scaled(x: Any) -> Any:
    return x * SCALE


def test_compile_recompiles_when_a_global_number_changes() -> None:
    # TorchDynamo guards on the Python values a graph bakes in; the real one agrees below
    global SCALE
    compiled = wb.compile(_scaled)
    try:
        assert compiled(wb.tensor([1.0])).item() == 2.0
        SCALE = 10.0
        assert compiled(wb.tensor([1.0])).item() == 10.0
        assert compiled(wb.tensor([1.0])).item() == 10.0
        assert compiled.stats.compiles == 2 and compiled.stats.hits == 1
    finally:
        SCALE = 2.0
    factor = 3.0

    def closed(x: Any) -> Any:
        return x * factor

    inner = wb.compile(closed)
    assert inner(wb.tensor([1.0])).item() == 3.0
    factor = 5.0
    assert inner(wb.tensor([1.0])).item() == 5.0


def test_real_torch_compile_also_sees_the_new_global() -> None:
    global SCALE
    compiled = T.compile(_scaled, backend="eager")
    try:
        assert compiled(T.tensor([1.0])).item() == 2.0
        SCALE = 10.0
        assert compiled(T.tensor([1.0])).item() == 10.0
    finally:
        SCALE = 2.0


def test_a_changed_number_argument_becomes_a_graph_input() -> None:
    # automatic dynamic: specialised on the first value, one recompile with the number as an
    # input, then every value reuses it, gradients included (lesson 17; real counts there)
    compiled = wb.compile(lambda x, s: (x * s).sum())
    x = wb.tensor([1.0, 2.0], requires_grad=True)
    for s in (2.0, 3.0, 4.5, -1.0):
        x.grad = None
        compiled(x, s).backward()
        np.testing.assert_allclose(x.grad.numpy(), [s, s])
    assert compiled.stats.compiles == 2


def test_a_number_the_code_needs_as_a_value_stays_specialised() -> None:
    def repeat(x: Any, n: int) -> Any:
        for _ in range(n):  # range needs the value: a traced n cannot serve
            x = x * 2
        return x

    compiled = wb.compile(repeat)
    outs = [compiled(wb.ones(2), n).numpy()[0] for n in (1, 2, 3, 2)]
    assert outs == [2.0, 4.0, 8.0, 4.0]
    assert compiled.stats.compiles == 3 and not compiled.graph_breaks


def test_another_threads_print_during_a_trace_is_neither_a_break_nor_held(capsys: Any) -> None:
    import threading

    import workbench.static as tf

    def work(x: Any) -> Any:
        thread = threading.Thread(target=lambda: print("from another thread"))
        thread.start()
        thread.join()
        return x * 2

    compiled = wb.compile(work)
    compiled(wb.ones(2))
    assert capsys.readouterr().out == "from another thread\n"
    assert len(compiled.graphs) == 1 and not compiled.graph_breaks
    tf.function(work)(tf.ones([2]))
    assert capsys.readouterr().out == "from another thread\n"
