"""PyTorch's autograd semantics in the eager front end."""

from __future__ import annotations

import numpy as np
import pytest

import workbench.eager as torch


def test_gradients_accumulate_across_backward_calls() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])
    assert not x.grad.requires_grad


def test_backward_twice_needs_retain_graph() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp([1.0, 2.0]), rtol=1e-6)
    z = (x.sin()).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


def test_in_place_change_of_a_saved_tensor_is_detected() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * b  # saves b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad_is_refused() -> None:
    a = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a.add_(1)
    with torch.no_grad():
        a.add_(1)
    np.testing.assert_allclose(a.detach().numpy(), [2.0])


def test_no_grad_records_nothing_and_works_as_a_decorator() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    with torch.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @torch.no_grad()
    def f(v: torch.Tensor) -> torch.Tensor:
        return v * 3

    assert not f(x).requires_grad
    assert torch.is_grad_enabled()
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_implicit_gradient_only_for_scalars() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(torch.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])


def test_hooks_run_in_order_and_can_replace_the_gradient() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    y = x * 3
    y.register_hook(lambda g: seen.append(("first", g.tolist())))
    y.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: seen.append(("leaf", g.tolist())))
    y.sum().backward()
    assert seen == [("first", [1.0, 1.0]), ("leaf", [30.0, 30.0])]
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


def test_retain_grad_keeps_an_intermediate_gradient() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])
    assert y.retains_grad and not y.is_leaf


def test_create_graph_gives_second_derivatives() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad((x**3).sum(), x, create_graph=True)
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_autograd_grad_does_not_touch_dot_grad_and_reports_unused_inputs() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    z = torch.tensor([1.0], requires_grad=True)
    (gx,) = torch.autograd.grad((x * 2).sum(), x)
    assert x.grad is None and gx.item() == 2.0
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        torch.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = torch.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None


def test_leaf_flags_and_detach() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        y.numpy()
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2]).requires_grad_()


def test_eager_autograd_composes_with_the_cores_transformations() -> None:
    from workbench.core import grad as core_grad
    from workbench.eager.tensor import wrap

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    # d/dx sum(x^3) = 3x^2 computed by the core's grad (level 2) on an eager leaf (level 1);
    # eager autograd then differentiates that result again: d/dx sum(3x^2) = 6x.
    first = core_grad(lambda v: (wrap(v) ** 3).sum()._value)(x._value)
    gradient = wrap(first)
    np.testing.assert_allclose(gradient.detach().numpy(), [3.0, 12.0])
    gradient.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_moving_a_tensor_that_requires_grad_is_differentiable() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cpu:1") * 3
    assert y.device == torch.device("cpu", 1)
    y.to("cpu").sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    assert x.grad.device == torch.device("cpu")


def test_hooks_are_released_with_their_tensors() -> None:
    import gc
    import weakref

    from workbench.eager import autograd_engine as engine

    gc.collect()
    before = len(engine.LEAF_HOOKS), len(engine._HOOKS)
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    x.register_hook(lambda g: g)
    y.register_hook(lambda g: g)
    y.sum().backward()
    leaf, node = weakref.ref(x._value), weakref.ref(y._value.node)
    assert leaf() in engine.LEAF_HOOKS and node() in engine._HOOKS
    del x, y
    gc.collect()
    # the hooks went with their tensors: nothing a later tensor could inherit (by id reuse)
    assert leaf() is None and node() is None
    assert (len(engine.LEAF_HOOKS), len(engine._HOOKS)) == before


def test_a_node_keeps_a_typed_record_of_what_it_saved() -> None:
    from workbench.eager.autograd_engine import OpRecord

    x = torch.ones(2, requires_grad=True)
    y = x * 3
    record = y._value.node.record
    assert isinstance(record, OpRecord) and record.name == "MulBackward0"
    assert record.saved[0] is x and record.versions[0] == 0
    y.sum().backward()
    assert record.freed
