"""RPC, distributed autograd and DistributedOptimizer in a world of one worker, futures,
and the small compatibility modules (jit, nn.attention, utils._pytree, deprecated init
spellings, Module.compile): a parameter-server style step gives plain SGD's numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import workbench.eager as wb
from workbench.eager.distributed import autograd as dist_autograd
from workbench.eager.distributed import rpc
from workbench.eager.distributed.optim import DistributedOptimizer


def _square(x: object) -> object:
    return x * x  # type: ignore[operator]


def test_rpc_calls_run_here_and_rrefs_hold_their_results() -> None:
    with pytest.raises(RuntimeError, match="not been initialized"):
        rpc.get_worker_info()
    rpc.init_rpc("worker0", rank=0, world_size=1)
    try:
        assert rpc.get_worker_info().name == "worker0"
        assert rpc.rpc_sync("worker0", _square, args=(wb.tensor(3.0),)).item() == 9.0
        assert rpc.rpc_async("worker0", _square, args=(wb.tensor(2.0),)).wait().item() == 4.0
        ref = rpc.remote("worker0", wb.nn.Linear, args=(2, 1))
        assert ref.is_owner() and ref.owner_name() == "worker0"
        assert tuple(ref.to_here()(wb.ones(1, 2)).shape) == (1, 1)
    finally:
        rpc.shutdown()
    with pytest.raises(RuntimeError, match="one process"):
        rpc.init_rpc("worker0", rank=0, world_size=2)


def test_distributed_optimizer_steps_with_the_contexts_gradients_like_sgd() -> None:
    wb.manual_seed(0)
    model = wb.nn.Linear(3, 2)
    twin = wb.nn.Linear(3, 2)
    twin.load_state_dict(model.state_dict())
    x = wb.randn(4, 3)
    rrefs = [rpc.RRef(p) for p in model.parameters()]
    optimizer = DistributedOptimizer(wb.optim.SGD, rrefs, lr=0.1)
    with dist_autograd.context() as context_id:
        loss = (model(x) ** 2).sum()
        dist_autograd.backward(context_id, [loss])
        grads = dist_autograd.get_gradients(context_id)
        assert set(map(id, grads)) == {id(p) for p in model.parameters()}
        optimizer.step(context_id)
    assert all(p.grad is None for p in model.parameters())  # kept in the context, not .grad
    plain = wb.optim.SGD(twin.parameters(), lr=0.1)
    (twin(x) ** 2).sum().backward()
    plain.step()
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)


def test_futures_chain_and_wait() -> None:
    f = wb.futures.Future()
    chained = f.then(lambda done: done.value() + 1)
    f.set_result(41)
    assert chained.wait() == 42 and wb.futures.wait_all([f, chained]) == [41, 42]


def test_small_compatibility_modules() -> None:
    net = wb.nn.Linear(2, 2)
    assert wb.jit.script(net) is net and wb.jit.trace(net, wb.ones(1, 2)) is net
    with pytest.raises(RuntimeError, match="TorchScript"):
        wb.jit.load("model.pt")
    from workbench.eager.nn.attention import SDPBackend, sdpa_kernel

    q = wb.randn(1, 2, 3, 4)
    with sdpa_kernel(SDPBackend.MATH):
        inside = wb.nn.functional.scaled_dot_product_attention(q, q, q)
    np.testing.assert_array_equal(
        inside.numpy(), wb.nn.functional.scaled_dot_product_attention(q, q, q).numpy()
    )
    leaves, spec = wb.utils._pytree.tree_flatten({"a": [1, 2], "b": (3,)})
    assert leaves == [1, 2, 3] and wb.utils._pytree.tree_unflatten(leaves, spec) == {
        "a": [1, 2],
        "b": (3,),
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wb.nn.init.constant(net.bias, 0.5)
    assert net.bias.tolist() == [0.5, 0.5] and "deprecated" in str(caught[0].message)
    x = wb.randn(3, 2)
    before = net(x).detach().numpy()
    net.compile()
    np.testing.assert_allclose(net(x).detach().numpy(), before, rtol=1e-6)
