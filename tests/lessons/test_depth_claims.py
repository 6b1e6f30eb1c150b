"""The derivations and stated accuracies of lessons 7 (convolution), 8 (LSTM) and 9
(Adam, optimisers): each formula is checked against the real PyTorch when installed
(else against the workbench), each stated accuracy by training the lesson's model."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

import workbench.eager as wtorch
from tests.lessons import real_module


@pytest.fixture(params=["workbench", "real"])
def torch(request: pytest.FixtureRequest) -> ModuleType:
    if request.param == "workbench":
        return wtorch
    return real_module("torch")


def _digits() -> Any:
    return pytest.importorskip("sklearn.datasets").load_digits()


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d"),
    [(8, 3, 1, 0, 1), (28, 3, 2, 1, 1), (32, 3, 1, 2, 2), (224, 7, 2, 3, 1), (9, 4, 3, 0, 2)],
)
def test_convolution_output_size_formula(
    torch: Any, n: int, k: int, s: int, p: int, d: int
) -> None:
    out = torch.nn.functional.conv2d(
        torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d
    )
    assert out.shape[-1] == (n + 2 * p - d * (k - 1) - 1) // s + 1


def test_convolution_gradients_are_convolutions(torch: Any) -> None:
    rng = np.random.default_rng(1)
    x, w = (
        rng.standard_normal((7, 6)).astype(np.float32),
        rng.standard_normal((3, 2)).astype(np.float32),
    )
    g = rng.standard_normal((5, 5)).astype(np.float32)
    xt = torch.tensor(x[None, None], requires_grad=True)
    wt = torch.tensor(w[None, None], requires_grad=True)
    (torch.nn.functional.conv2d(xt, wt) * torch.tensor(g[None, None])).sum().backward()

    def correlate(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        rows, cols = a.shape[0] - kernel.shape[0] + 1, a.shape[1] - kernel.shape[1] + 1
        return np.array(
            [[(a[i : i + kernel.shape[0], j : j + kernel.shape[1]] * kernel).sum()
              for j in range(cols)] for i in range(rows)]
        )  # fmt: skip

    np.testing.assert_allclose(wt.grad.numpy()[0, 0], correlate(x, g), atol=1e-5)
    np.testing.assert_allclose(
        xt.grad.numpy()[0, 0], correlate(np.pad(g, ((2, 2), (1, 1))), w[::-1, ::-1]), atol=1e-5
    )


def test_lstm_equations(torch: Any) -> None:
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(input_size=5, hidden_size=6, batch_first=True)
    x = np.random.default_rng(2).standard_normal((3, 4, 5)).astype(np.float32)
    out, (_, c) = lstm(torch.tensor(x))
    w_ih, w_hh = lstm.weight_ih_l0.detach().numpy(), lstm.weight_hh_l0.detach().numpy()
    bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h_t = c_t = np.zeros((3, 6))
    for t in range(4):
        i, f, g, o = np.split(x[:, t] @ w_ih.T + h_t @ w_hh.T + bias, 4, axis=1)
        c_t = sigmoid(f) * c_t + sigmoid(i) * np.tanh(g)
        h_t = sigmoid(o) * np.tanh(c_t)
        np.testing.assert_allclose(out.detach().numpy()[:, t], h_t, atol=1e-5)
    np.testing.assert_allclose(c.detach().numpy()[0], c_t, atol=1e-5)
    assert sum(p.numel() for p in lstm.parameters()) == 4 * 6 * (5 + 6) + 2 * 4 * 6


def test_adam_by_hand(torch: Any) -> None:
    grads, lr, b1, b2, eps = [0.5, 30.0, -2.0, 0.001, 7.0], 0.01, 0.9, 0.999, 1e-8
    w = torch.nn.Parameter(torch.tensor(1.0))
    adam = torch.optim.Adam([w], lr=lr)
    value, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        w.grad = torch.tensor(g)
        adam.step()
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        value -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        assert abs(w.item() - value) < 1e-6


def _split(images: bool = False) -> tuple[Any, Any, Any, Any]:
    digits = _digits()
    data = (digits.images[:, None] if images else digits.data) / 16
    x, y = wtorch.tensor(data.astype(np.float32)), wtorch.tensor(digits.target)
    return x[:1297], y[:1297], x[1297:], y[1297:]


def _accuracy(net: Any, x: Any, y: Any) -> float:
    with wtorch.no_grad():
        return float((net(x).argmax(1) == y).float().mean().item())


def _train(net: Any, opt: Any, x: Any, y: Any, steps: int) -> None:
    for _ in range(steps):
        loss = wtorch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_lesson_7_cnn_accuracy() -> None:
    x, y, x_test, y_test = _split(images=True)
    wtorch.manual_seed(0)
    nn = wtorch.nn
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(8 * 4 * 4, 10))  # fmt: skip
    _train(net, wtorch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9), x, y, 200)
    assert _accuracy(net, x, y) > 0.98 and 0.88 < _accuracy(net, x_test, y_test) < 0.95
    assert sum(p.numel() for p in net.parameters()) == 1370


def test_lesson_8_lstm_reads_digit_rows() -> None:
    digits = _digits()
    rows = wtorch.tensor((digits.images / 16).astype(np.float32))
    labels = wtorch.tensor(digits.target)
    wtorch.manual_seed(0)
    lstm, head = wtorch.nn.LSTM(8, 32, batch_first=True), wtorch.nn.Linear(32, 10)

    def net(x: Any) -> Any:
        return head(lstm(x)[1][0][-1])

    params = [*lstm.parameters(), *head.parameters()]
    _train(net, wtorch.optim.Adam(params, lr=0.02), rows[:1297], labels[:1297], 150)
    assert 0.87 < _accuracy(net, rows[1297:], labels[1297:]) < 0.94


def test_lesson_9_optimisers_on_digits() -> None:
    x, y, x_test, y_test = _split()
    found = {}
    for name, make, steps in [
        ("sgd", lambda p: wtorch.optim.SGD(p, lr=0.1), 150),
        ("momentum", lambda p: wtorch.optim.SGD(p, lr=0.1, momentum=0.9), 150),
        ("adam", lambda p: wtorch.optim.Adam(p, lr=0.01), 40),
    ]:
        wtorch.manual_seed(0)
        net = wtorch.nn.Sequential(
            wtorch.nn.Linear(64, 64), wtorch.nn.ReLU(), wtorch.nn.Linear(64, 10)
        )
        _train(net, make(net.parameters()), x, y, steps)
        found[name] = _accuracy(net, x_test, y_test)
    # lesson 9: SGD about 86 % after 150 steps, momentum about 92 %, Adam there within 40
    assert 0.82 < found["sgd"] < 0.89 < found["momentum"] < 0.95
    assert found["adam"] > 0.89


def test_lesson_14_fixes_for_vanishing_and_exploding_gradients() -> None:
    x, y, x_test, y_test = _split()
    nn = wtorch.nn

    class Block(nn.Module):
        def __init__(self, activation: Any, residual: bool) -> None:
            super().__init__()
            self.linear, self.activation, self.residual = nn.Linear(32, 32), activation(), residual

        def forward(self, h: Any) -> Any:
            out = self.activation(self.linear(h))
            return h + out if self.residual else out

    def run(activation: Any, residual: bool = False, he: bool = False, clip: Any = 1.0) -> Any:
        wtorch.manual_seed(0)
        blocks = [Block(activation, residual) for _ in range(16)]
        for block in blocks if he else []:
            nn.init.kaiming_normal_(block.linear.weight, nonlinearity="relu")
            nn.init.zeros_(block.linear.bias)
        net = nn.Sequential(nn.Linear(64, 32), *blocks, nn.Linear(32, 10))
        opt = wtorch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        for step in range(100):
            loss = nn.functional.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            if step == 0:
                reach = net[1].linear.weight.grad.norm() / net[16].linear.weight.grad.norm()
            if clip is not None:
                nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
        return float(reach), loss.item(), _accuracy(net, x_test, y_test)

    sigmoid, relu_default = run(nn.Sigmoid), run(nn.ReLU)
    he, sigmoid_residual, best = (
        run(nn.ReLU, he=True),
        run(nn.Sigmoid, True),
        run(nn.ReLU, True, True),
    )
    assert sigmoid[0] < 1e-10 and relu_default[0] < 1e-3  # the vanishing, measured
    assert sigmoid[2] < 0.15 and relu_default[2] < 0.15  # and nothing learnt
    assert 0.75 < he[2] < best[2] and 0.75 < sigmoid_residual[2] < best[2] and best[2] > 0.9
    assert np.isnan(run(nn.ReLU, True, True, clip=None)[1])  # unclipped: the loss blows up
