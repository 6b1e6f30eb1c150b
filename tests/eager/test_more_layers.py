"""The activations, padding modes, 1-d/3-d and adaptive pooling, instance/RMS norms,
parameter containers and extra losses against PyTorch 2.13: outputs, input and parameter
gradients, and printed forms, from the same weights and inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")
RNG = np.random.default_rng(5)

# module name -> (constructor args, input shapes[, integer/label inputs])
MODULES: dict[str, tuple[tuple[Any, ...], list[tuple[int, ...]]]] = {
    **{
        n: ((), [(3, 4, 5)])
        for n in (
            "ReLU6",
            "ELU",
            "SELU",
            "CELU",
            "Softplus",
            "Softsign",
            "Mish",
            "Hardsigmoid",
            "Hardswish",
            "LogSigmoid",
            "Tanhshrink",
            "Softshrink",
            "Hardshrink",
            "Softmax2d",
            "Hardtanh",
            "PReLU",
        )
    },  # fmt: skip
    "Threshold": ((0.1, 2.0), [(3, 4, 5)]),
    "GLU": ((), [(3, 4, 6)]),
    "Softmin": ((1,), [(3, 4, 5)]),
    "PReLU channels": ((4,), [(3, 4, 5)]),
    "ZeroPad2d": (((1, 2, 0, 1),), [(2, 3, 4, 5)]),
    "ConstantPad1d": ((2, 3.5), [(2, 3, 4)]),
    "ReflectionPad1d": ((2,), [(2, 3, 5)]),
    "ReflectionPad2d": (((1, 2, 2, 1),), [(2, 3, 4, 5)]),
    "ReplicationPad2d": ((2,), [(2, 3, 4, 5)]),
    "ReplicationPad3d": ((1,), [(1, 2, 3, 4, 3)]),
    "CircularPad2d": ((1,), [(2, 3, 4, 5)]),
    "MaxPool1d": ((3, 2), [(2, 3, 9)]),
    "AvgPool1d": ((2,), [(2, 3, 8)]),
    "MaxPool3d": ((2,), [(1, 2, 4, 4, 4)]),
    "AvgPool3d": ((2, 1), [(1, 2, 3, 4, 4)]),
    "AdaptiveAvgPool1d": ((3,), [(2, 3, 7)]),
    "AdaptiveAvgPool2d": (((3, 2),), [(2, 3, 7, 5)]),
    "AdaptiveAvgPool3d": ((2,), [(1, 2, 5, 3, 4)]),
    "AdaptiveMaxPool1d": ((3,), [(2, 3, 7)]),
    "AdaptiveMaxPool2d": (((3, 2),), [(2, 3, 7, 5)]),
    "Conv3d": ((2, 3, 2), [(1, 2, 4, 4, 3)]),
    "InstanceNorm1d": ((3,), [(2, 3, 6)]),
    "InstanceNorm2d affine": ((3,), [(2, 3, 4, 5)]),
    "BatchNorm3d": ((2,), [(3, 2, 2, 3, 2)]),
    "RMSNorm": ((5,), [(3, 4, 5)]),
    "RMSNorm eps": (((4, 5), 1e-3), [(3, 4, 5)]),
    "CosineSimilarity": ((), [(4, 5), (4, 5)]),
    "PairwiseDistance": ((), [(4, 5), (4, 5)]),
    "Unflatten": ((1, (2, 3)), [(4, 6)]),
}
KWARGS = {"InstanceNorm2d affine": {"affine": True}, "PReLU channels": {}}


def _build(nn: Any, key: str) -> Any:
    name = key.split()[0]
    args, _ = MODULES[key]
    return getattr(nn, name)(*args, **KWARGS.get(key, {}))


@pytest.mark.parametrize("key", sorted(MODULES))
def test_module_outputs_gradients_and_repr_match_pytorch(key: str) -> None:
    ours, theirs = _build(wb.nn, key), _build(T.nn, key)
    assert repr(ours) == repr(theirs)
    with T.no_grad():
        for (n1, p), (n2, q) in zip(
            ours.named_parameters(), theirs.named_parameters(), strict=True
        ):
            assert n1 == n2
            q.copy_(T.tensor(p.detach().numpy()))
    hosts = [RNG.standard_normal(s).astype(np.float32) for s in MODULES[key][1]]
    xs_w = [wb.tensor(h, requires_grad=True) for h in hosts]
    xs_t = [T.tensor(h, requires_grad=True) for h in hosts]
    out_w, out_t = ours(*xs_w), theirs(*xs_t)
    np.testing.assert_allclose(out_w.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    weights = RNG.standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_w * wb.tensor(weights)).sum().backward()
    (out_t * T.tensor(weights)).sum().backward()
    for a, b in zip(xs_w, xs_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5)


LOSSES = {
    "MarginRankingLoss": ((0.3,), 3, "sign"),
    "HingeEmbeddingLoss": ((), 2, "sign"),
    "SoftMarginLoss": ((), 2, "sign"),
    "MultiLabelSoftMarginLoss": ((), 2, "binary"),
    "CosineEmbeddingLoss": ((0.2,), 3, "sign"),
    "TripletMarginLoss": ((0.5,), 3, None),
    "PoissonNLLLoss": ((), 2, "positive"),
    "GaussianNLLLoss": ((), 3, "variance"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_match_pytorch(name: str) -> None:
    args, arity, kind = LOSSES[name]
    hosts = [RNG.standard_normal((4, 5)).astype(np.float32) for _ in range(arity)]
    if kind == "sign":
        sign = np.where(
            RNG.standard_normal(4 if name != "SoftMarginLoss" else (4, 5)) > 0, 1.0, -1.0
        )
        hosts[-1] = (
            sign.astype(np.float32)
            if name != "HingeEmbeddingLoss"
            else np.where(RNG.standard_normal((4, 5)) > 0, 1.0, -1.0).astype(np.float32)
        )
        if name in ("MarginRankingLoss",):
            hosts = [h[:, 0].copy() for h in hosts[:2]] + [hosts[2]]
    elif kind == "binary":
        hosts[-1] = (RNG.standard_normal((4, 5)) > 0).astype(np.float32)
    elif kind == "positive":
        hosts[-1] = RNG.poisson(2.0, (4, 5)).astype(np.float32)
    elif kind == "variance":
        hosts[-1] = np.abs(hosts[-1]) + 0.1
    results = []
    for torch in (wb, T):
        xs = [torch.tensor(h, requires_grad=i == 0) for i, h in enumerate(hosts)]
        loss = getattr(torch.nn, name)(*args)(*xs)
        loss.backward()
        results.append((loss.item(), xs[0].grad.numpy()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-6)


def test_parameter_containers_register_like_pytorch() -> None:
    for torch in (wb, T):
        plist = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)) for _ in range(3)])
        pdict = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.zeros(3))})
        assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"]
        assert len(plist) == 3 and list(pdict.keys()) == ["a"]
        assert [n for n, _ in pdict.named_parameters()] == ["a"]
    x = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    for mode in ("reflect", "replicate", "circular"):
        ours = wb.nn.functional.pad(wb.tensor(x), (2, 1), mode=mode)
        theirs = T.nn.functional.pad(T.tensor(x), (2, 1), mode=mode)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
