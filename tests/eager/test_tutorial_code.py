"""Code in the style of well-known PyTorch tutorials, run with only the import changed
(a bigram character model in the manner of makemore, and the CIFAR-tutorial idioms)."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest

import workbench.eager as torch
import workbench.eager.nn.functional as F

WORDS = [
    "emma",
    "olivia",
    "ava",
    "isabella",
    "sophia",
    "mia",
    "amelia",
    "harper",
    "evelyn",
    "abigail",
]


def test_bigram_counts_sampling_and_gradient_descent() -> None:
    chars = sorted(set("".join(WORDS)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    n = len(stoi)
    N = torch.zeros((n, n), dtype=torch.int32)
    for w in WORDS:
        cs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(cs, cs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    assert torch.allclose(P.sum(1), torch.ones(n))
    g = torch.Generator().manual_seed(2147483647)
    ix = torch.multinomial(P[0], num_samples=5, replacement=True, generator=g)
    assert ix.shape == (5,) and ix.dtype == torch.int64 and (ix < n).all()

    xs, ys = [], []
    for w in WORDS:
        cs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(cs, cs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs, ys = torch.tensor(xs), torch.tensor(ys)
    W = torch.randn((n, n), generator=g, requires_grad=True)
    losses = []
    for _ in range(30):
        xenc = F.one_hot(xs, num_classes=n).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(xs.nelement()), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -10 * W.grad
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.7


def test_classifier_tutorial_idioms() -> None:
    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super(Net, self).__init__()  # noqa: UP008 - written as the tutorial writes it
            self.conv1 = torch.nn.Conv2d(3, 6, 5)
            self.pool = torch.nn.MaxPool2d(2, 2)
            self.fc1 = torch.nn.Linear(6 * 6 * 6, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.pool(F.relu(self.conv1(x)))
            x = torch.flatten(x, 1)
            return self.fc1(x)

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    net = Net().to(device)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    inputs, labels = torch.randn(4, 3, 16, 16).to(device), torch.tensor([1, 0, 3, 9]).to(device)
    running_loss = 0.0
    for _ in range(2):
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    with torch.no_grad():
        _, predicted = torch.max(net(inputs).data, 1)
        correct = (predicted == labels).sum().item()
    assert isinstance(correct, int) and 0 <= correct <= 4 and running_loss > 0
    assert (
        sum(p.numel() for p in net.parameters() if p.requires_grad)
        == 3 * 6 * 25 + 6 + 216 * 10 + 10
    )


def test_misc_namespace_functions() -> None:
    x = torch.tensor([[3, 1, 2], [0, 5, 4]])
    assert torch.tril(torch.ones(3, 3)).sum().item() == 6
    assert torch.nonzero(x == 5).tolist() == [[1, 1]]
    assert torch.unique(x).tolist() == [0, 1, 2, 3, 4, 5]
    assert torch.bincount(torch.tensor([0, 2, 2])).tolist() == [1, 0, 2]
    np.testing.assert_allclose(
        torch.cumprod(torch.tensor([1.0, 2.0, -3.0, 0.5]), 0).numpy(), [1, 2, -6, -3]
    )
    np.testing.assert_allclose(
        F.normalize(torch.tensor([[3.0, 4.0]])).numpy(), [[0.6, 0.8]], rtol=1e-6
    )
    with pytest.raises(RuntimeError, match="invalid multinomial"):
        torch.multinomial(torch.tensor([0.0, 0.0]), 1)


# PyTorch's "Automatic Differentiation with torch.autograd" and "Build the Neural Network"
# tutorials (data-independent parts), run on both libraries: the printed text must match.
AUTOGRAD_TUTORIAL = """
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
loss.backward()
print(w.grad.shape, b.grad.shape)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad, z.detach().requires_grad)
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nSecond call\\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nCall after zeroing gradients\\n{inp.grad}")
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
Q.backward(gradient=torch.tensor([1.0, 1.0]))
print(9 * a**2 == a.grad, -2 * b == b.grad)
print(Q.grad_fn, Q.grad_fn.next_functions)
"""

BUILD_NN_TUTORIAL = """
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))

model = NeuralNetwork().to(device)
print(model)
logits = model(torch.rand(1, 28, 28, device=device))
print(nn.Softmax(dim=1)(logits).argmax(1).shape)
flat_image = nn.Flatten()(torch.rand(3, 28, 28))
print(flat_image.size())
hidden1 = nn.Linear(in_features=28 * 28, out_features=20)(flat_image)
print(hidden1.shape, hidden1.grad_fn, nn.ReLU()(hidden1).grad_fn)
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | {param[:2].grad_fn}")
"""


@pytest.mark.parametrize("source", [AUTOGRAD_TUTORIAL, BUILD_NN_TUTORIAL], ids=["autograd", "nn"])
def test_tutorial_prints_what_pytorch_prints(source: str) -> None:
    real = pytest.importorskip("torch")
    printed = []
    for lib in (torch, real):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(source, {"torch": lib, "nn": lib.nn})  # noqa: S102 - the tutorial's code
        printed.append(re.sub(r"0x[0-9a-f]+", "0x", buffer.getvalue()))
    assert printed[0] == printed[1]
