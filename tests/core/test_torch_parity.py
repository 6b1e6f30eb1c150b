"""Gradients of composite functions match PyTorch (CPU, float32) to 1e-5.

Each case computes a scalar loss from the same float32 inputs in the core and in
torch, then compares the loss and the gradient of every input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.conftest import PARITY_TOL
from workbench.core import array, composites, grad, ops

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(1234)


def _inputs(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    return [RNG.standard_normal(s).astype(np.float32) for s in shapes]


def _ours_ce(logits: Any, labels: np.ndarray) -> Any:
    return composites.softmax_cross_entropy(logits, array(labels))


CASES: dict[str, tuple[list[np.ndarray], Callable[..., Any], Callable[..., Any]]] = {
    "softmax_cross_entropy": (
        _inputs((8, 5)),
        lambda x: _ours_ce(x, np.arange(8) % 5),
        lambda x: F.cross_entropy(x, torch.arange(8) % 5),
    ),
    "log_softmax": (
        _inputs((4, 6)),
        lambda x: ops.reduce_sum(ops.mul(composites.log_softmax(x, -1), composites.softmax(x, 0))),
        lambda x: (F.log_softmax(x, -1) * F.softmax(x, 0)).sum(),
    ),
    "layer_norm": (
        _inputs((3, 4, 8), (8,), (8,)),
        lambda x, w, b: ops.reduce_sum(ops.square(composites.layer_norm(x, w, b))),
        lambda x, w, b: (F.layer_norm(x, (8,), w, b) ** 2).sum(),
    ),
    "conv2d_relu_maxpool": (
        _inputs((2, 3, 9, 9), (4, 3, 3, 3)),
        lambda x, w: ops.reduce_sum(
            ops.sin(
                ops.max_pool(ops.relu(ops.conv(x, w, padding=((1, 1), (1, 1)))), (2, 2), (2, 2))
            )
        ),
        lambda x, w: torch.sin(F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2)).sum(),
    ),
    "conv2d_stride_avgpool": (
        _inputs((2, 4, 10, 8), (6, 2, 3, 2)),
        lambda x, w: ops.reduce_sum(
            ops.tanh(
                ops.avg_pool(
                    ops.conv(x, w, strides=(2, 1), padding=((1, 1), (0, 0)), groups=2),
                    (2, 2),
                    (1, 2),
                )
            )
        ),
        lambda x, w: torch.tanh(
            F.avg_pool2d(F.conv2d(x, w, stride=(2, 1), padding=(1, 0), groups=2), 2, (1, 2))
        ).sum(),
    ),
    "conv1d_dilated": (
        _inputs((2, 3, 12), (5, 3, 3)),
        lambda x, w: ops.reduce_sum(
            ops.square(ops.conv(x, w, rhs_dilation=(2,), padding=((2, 2),)))
        ),
        lambda x, w: (F.conv1d(x, w, dilation=2, padding=2) ** 2).sum(),
    ),
    "conv_transpose2d": (
        _inputs((2, 4, 5, 6), (4, 3, 3, 2)),
        lambda x, w: ops.reduce_sum(
            ops.square(
                ops.conv_transpose(
                    x, w, strides=(2, 1), padding=((1, 1), (0, 0)), output_padding=(1, 0), groups=2
                )
            )
        ),
        lambda x, w: (
            F.conv_transpose2d(x, w, stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2)
            ** 2
        ).sum(),
    ),
    "attention": (
        _inputs((2, 5, 8), (2, 5, 8), (2, 5, 8)),
        lambda q, k, v: ops.reduce_sum(ops.square(composites.attention(q, k, v))),
        lambda q, k, v: (F.scaled_dot_product_attention(q, k, v) ** 2).sum(),
    ),
    "gelu_exact": (
        _inputs((5, 7)),
        lambda x: ops.reduce_sum(ops.mul(composites.gelu(x), x)),
        lambda x: (F.gelu(x) * x).sum(),
    ),
    "gelu_tanh": (
        _inputs((5, 7)),
        lambda x: ops.reduce_sum(ops.mul(composites.gelu(x, approximate=True), x)),
        lambda x: (F.gelu(x, approximate="tanh") * x).sum(),
    ),
    "silu_logistic": (
        _inputs((6,)),
        lambda x: ops.reduce_sum(ops.add(composites.silu(x), ops.logistic(ops.mul(x, 3.0)))),
        lambda x: (F.silu(x) + torch.sigmoid(3 * x)).sum(),
    ),
    "logsumexp": (
        _inputs((4, 9)),
        lambda x: ops.reduce_sum(ops.logsumexp(ops.mul(x, 30.0), 1)),
        lambda x: torch.logsumexp(30 * x, 1).sum(),
    ),
    "mlp_mse": (
        _inputs((16, 10), (32, 10), (32,), (3, 32), (16, 3)),
        lambda x, w1, b1, w2, y: ops.mean(
            ops.square(ops.sub(composites.linear(ops.tanh(composites.linear(x, w1, b1)), w2), y))
        ),
        lambda x, w1, b1, w2, y: F.mse_loss(F.linear(torch.tanh(F.linear(x, w1, b1)), w2), y),
    ),
    "cumsum_prod_pad": (
        _inputs((3, 4)),
        lambda x: ops.reduce_sum(
            ops.mul(
                ops.cumsum(ops.pad(x, ((0, 0), (1, 2))), 1),
                ops.reduce_prod(ops.add(x, 2.0), 1, keepdims=True),
            )
        ),
        lambda x: (torch.cumsum(F.pad(x, (1, 2)), 1) * torch.prod(x + 2, 1, keepdim=True)).sum(),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_and_gradients_match_torch(name: str) -> None:
    hosts, ours, theirs = CASES[name]
    args = [array(h) for h in hosts]
    argnums = tuple(range(len(args)))
    expected_inputs = [torch.tensor(h, requires_grad=True) for h in hosts]
    expected_loss = theirs(*expected_inputs)
    expected_loss.backward()
    loss = ours(*args)
    grads = grad(ours, argnums=argnums)(*args)
    np.testing.assert_allclose(loss.numpy(), expected_loss.detach().numpy(), **PARITY_TOL)
    for i, (g, t) in enumerate(zip(grads, expected_inputs, strict=True)):
        np.testing.assert_allclose(
            g.numpy(), t.grad.numpy(), **PARITY_TOL, err_msg=f"{name}: input {i}"
        )
