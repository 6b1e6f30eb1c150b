"""Parity with PyTorch 2.13 for the normalisation, recurrent and attention layers, the
learning-rate schedulers and gradient clipping; an LSTM language model trained 20 steps
with Adam ends with PyTorch's weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")
TOL = {"rtol": 1e-5, "atol": 1e-5}
RNG = np.random.default_rng(11)


def data(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _copy(ours: Any, theirs: Any) -> None:
    with T.no_grad():
        for (n1, p), (n2, q) in zip(
            ours.named_parameters(), theirs.named_parameters(), strict=True
        ):
            assert n1 == n2, (n1, n2)
            q.copy_(T.tensor(p.detach().numpy()))


def _flat(out: Any) -> list[Any]:
    if isinstance(out, tuple | list):
        return [leaf for item in out for leaf in _flat(item)]
    return [] if out is None else [out]


CASES: dict[
    str, tuple[Callable[[Any], Any], Callable[[Any, list[Any]], Any], list[tuple[int, ...]]]
] = {
    "batchnorm1d": (lambda m: m.BatchNorm1d(5), lambda mod, xs: mod(xs[0]), [(8, 5)]),
    "batchnorm2d": (lambda m: m.BatchNorm2d(3), lambda mod, xs: mod(xs[0]), [(4, 3, 5, 5)]),
    "groupnorm": (lambda m: m.GroupNorm(2, 4), lambda mod, xs: mod(xs[0]), [(3, 4, 5)]),
    "conv_transpose2d": (
        lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        lambda mod, xs: mod(xs[0]),
        [(2, 4, 5, 5)],
    ),
    "bilinear": (
        lambda m: m.Bilinear(3, 4, 5),
        lambda mod, xs: mod(xs[0], xs[1]),
        [(6, 3), (6, 4)],
    ),
    "rnn": (lambda m: m.RNN(4, 6, num_layers=2), lambda mod, xs: mod(xs[0]), [(5, 3, 4)]),
    "lstm_bidirectional": (
        lambda m: m.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True),
        lambda mod, xs: mod(xs[0]),
        [(3, 5, 4)],
    ),
    "gru": (lambda m: m.GRU(4, 6), lambda mod, xs: mod(xs[0]), [(5, 2, 4)]),
    "multihead_attention": (
        lambda m: m.MultiheadAttention(8, 2, batch_first=True),
        lambda mod, xs: mod(xs[0], xs[1], xs[1]),
        [(2, 5, 8), (2, 7, 8)],
    ),
    "transformer_encoder_layer": (
        lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        lambda mod, xs: mod(xs[0]),
        [(2, 5, 8)],
    ),
    "transformer_norm_first_gelu": (
        lambda m: m.TransformerEncoderLayer(
            8, 2, 16, dropout=0.0, norm_first=True, activation="gelu"
        ),
        lambda mod, xs: mod(xs[0]),
        [(5, 2, 8)],
    ),
    "transformer_decoder_layer_masks": (
        lambda m: m.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        lambda mod, xs: mod(
            xs[0],
            xs[1],
            tgt_mask=_causal(mod, 4),
            memory_key_padding_mask=_padding(mod, [[False] * 6, [False] * 4 + [True] * 2]),
        ),
        [(2, 4, 8), (2, 6, 8)],
    ),
    "transformer_decoder_norm_first": (
        lambda m: m.TransformerDecoder(
            m.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True, activation="gelu"),
            2,
            m.LayerNorm(8),
        ),
        lambda mod, xs: mod(xs[0], xs[1]),
        [(4, 2, 8), (6, 2, 8)],
    ),
    "transformer": (
        lambda m: m.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=True),
        lambda mod, xs: mod(
            xs[0],
            xs[1],
            tgt_mask=_causal(mod, 4),
            src_key_padding_mask=_padding(mod, [[False] * 6, [False] * 5 + [True]]),
        ),
        [(2, 6, 8), (2, 4, 8)],
    ),
}


def _module_of(mod: Any) -> Any:
    return wb if type(mod).__module__.startswith("workbench") else T


def _causal(mod: Any, size: int) -> Any:
    return _module_of(mod).nn.Transformer.generate_square_subsequent_mask(size)


def _padding(mod: Any, rows: list[list[bool]]) -> Any:
    return _module_of(mod).tensor(rows)


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_outputs_and_gradients_match_torch(name: str) -> None:
    build, call, shapes = CASES[name]
    ours, theirs = build(wb.nn), build(T.nn)
    _copy(ours, theirs)
    arrays = [data(*s) for s in shapes]
    xs_w = [wb.tensor(a, requires_grad=True) for a in arrays]
    xs_t = [T.tensor(a, requires_grad=True) for a in arrays]
    outs_w, outs_t = _flat(call(ours, xs_w)), _flat(call(theirs, xs_t))
    total_w, total_t = 0, 0
    for a, b in zip(outs_w, outs_t, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL, err_msg=name)
        weights = data(*b.shape)
        total_w = total_w + (a * wb.tensor(weights)).sum()
        total_t = total_t + (b * T.tensor(weights)).sum()
    total_w.backward()
    total_t.backward()
    for a, b in zip(xs_w, xs_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL, err_msg=name)
    for (n, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL, err_msg=f"{name}: {n}")


def test_batchnorm_running_statistics_and_eval_mode_match_torch() -> None:
    ours, theirs = wb.nn.BatchNorm2d(3, momentum=0.2), T.nn.BatchNorm2d(3, momentum=0.2)
    for _ in range(3):
        x = data(4, 3, 2, 2)
        ours(wb.tensor(x))
        theirs(T.tensor(x))
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(
            getattr(ours, name).numpy(), getattr(theirs, name).numpy(), **TOL
        )
    assert ours.num_batches_tracked.item() == 3
    ours.eval()
    theirs.eval()
    x = data(2, 3, 2, 2)
    np.testing.assert_allclose(
        ours(wb.tensor(x)).detach().numpy(), theirs(T.tensor(x)).detach().numpy(), **TOL
    )
    assert set(ours.state_dict()) == set(theirs.state_dict())


def test_lstm_language_model_matches_torch_after_20_adam_steps() -> None:
    def build(m: Any) -> Any:
        class LM(m.Module):
            def __init__(self) -> None:
                super().__init__()
                self.embed = m.Embedding(30, 8)
                self.lstm = m.LSTM(8, 16, batch_first=True)
                self.head = m.Linear(16, 30)

            def forward(self, tokens: Any) -> Any:
                hidden, _ = self.lstm(self.embed(tokens))
                return self.head(hidden)

        return LM()

    ours, theirs = build(wb.nn), build(T.nn)
    _copy(ours, theirs)
    tokens = RNG.integers(0, 30, (4, 9))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    opt_w, opt_t = wb.optim.Adam(ours.parameters(), 1e-2), T.optim.Adam(theirs.parameters(), 1e-2)
    for step in range(20):
        losses = []
        for model, opt, lib in ((ours, opt_w, wb), (theirs, opt_t, T)):
            logits = model(lib.tensor(inputs))
            loss = lib.nn.functional.cross_entropy(
                logits.reshape(-1, 30), lib.tensor(targets).reshape(-1)
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5, err_msg=f"step {step}")
    for (n, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(
            p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=n
        )


SCHEDULERS = {
    "step": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "exponential": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "cosine": lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "lambda": lambda s, o: s.LambdaLR(o, lambda epoch: 1 / (1 + epoch)),
    "one_cycle": lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=12),
    "multistep": lambda s, o: s.MultiStepLR(o, milestones=[2, 5], gamma=0.5),
    "linear": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4),
    "warm_restarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "warm_restarts_1": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=4),
    "sequential": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.5, total_iters=3), s.ExponentialLR(o, gamma=0.9)], [3]
    ),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_schedulers_give_torchs_learning_rates(name: str) -> None:
    ours = wb.optim.SGD([wb.nn.Parameter(wb.zeros(1))], lr=0.1, momentum=0.9)
    theirs = T.optim.SGD([T.nn.Parameter(T.zeros(1))], lr=0.1, momentum=0.9)
    s_w, s_t = (
        SCHEDULERS[name](wb.optim.lr_scheduler, ours),
        SCHEDULERS[name](T.optim.lr_scheduler, theirs),
    )
    for _ in range(10):
        np.testing.assert_allclose(s_w.get_last_lr(), s_t.get_last_lr(), rtol=1e-9)
        ours.step()
        theirs.step()
        s_w.step()
        s_t.step()


def test_reduce_on_plateau_matches_torch() -> None:
    metrics = [1.0, 0.9, 0.9, 0.91, 0.95, 0.9, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9]
    lrs = []
    for lib in (wb, T):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
        seen = []
        for m in metrics:
            sched.step(m)
            seen.append(sched.get_last_lr()[0])
        lrs.append(seen)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-12)


def test_clip_grad_norm_matches_torch() -> None:
    grads = [data(3, 4), data(5)]
    ps_w = [wb.nn.Parameter(wb.zeros(*g.shape)) for g in grads]
    ps_t = [T.nn.Parameter(T.zeros(*g.shape)) for g in grads]
    for p, q, g in zip(ps_w, ps_t, grads):
        p.grad, q.grad = wb.tensor(g), T.tensor(g)
    norm_w = wb.nn.utils.clip_grad_norm_(ps_w, 1.0)
    norm_t = T.nn.utils.clip_grad_norm_(ps_t, 1.0)
    np.testing.assert_allclose(norm_w.item(), norm_t.item(), rtol=1e-6)
    for p, q in zip(ps_w, ps_t):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_module_backward_hooks_see_and_replace_gradients_like_torch() -> None:
    def run(lib: Any) -> tuple[list[Any], list[Any]]:
        lin = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Tanh())
        with lib.no_grad():
            lin[0].weight.copy_(lib.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]))
            lin[0].bias.zero_()
        seen: list[Any] = []

        def hook(module: Any, grad_input: Any, grad_output: Any) -> Any:
            seen.append(([g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
            return tuple(g * 2 for g in grad_input)

        lin[0].register_full_backward_hook(hook)
        x = lib.tensor([[1.0, -1.0, 2.0]], requires_grad=True)
        (lin(x) * lib.tensor([[1.0, 3.0]])).sum().backward()
        return seen, x.grad.tolist()

    (seen_w, grad_w), (seen_t, grad_t) = run(wb), run(T)
    np.testing.assert_allclose(np.array(seen_w[0][0]), np.array(seen_t[0][0]), rtol=1e-5)
    np.testing.assert_allclose(np.array(seen_w[0][1]), np.array(seen_t[0][1]), rtol=1e-5)
    np.testing.assert_allclose(grad_w, grad_t, rtol=1e-5)


# what print(model) shows a learner: each layer's text as PyTorch writes it
REPRS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("Linear", (3, 4), {"bias": False}),
    ("Conv2d", (1, 8, 3), {"padding": 1}),
    ("Conv2d", (4, 8, (3, 5)), {"stride": 2, "dilation": 2, "groups": 2, "bias": False}),
    ("Conv2d", (4, 8, 3), {"padding": "same"}),
    ("Conv1d", (2, 4, 3), {}),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "output_padding": 1}),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), {"stride": 1, "padding": 1}),
    ("AvgPool2d", (2,), {}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("BatchNorm1d", (4,), {}),
    ("BatchNorm2d", (4,), {"momentum": None, "affine": False}),
    ("LayerNorm", (4,), {}),
    ("LayerNorm", ((2, 3),), {"eps": 1e-6, "elementwise_affine": False}),
    ("GroupNorm", (2, 4), {}),
    ("Dropout", (0.1,), {}),
    ("Embedding", (10, 3), {}),
    ("Embedding", (10, 3), {"padding_idx": 0}),
    ("RNN", (3, 4), {}),
    ("LSTM", (3, 4), {"num_layers": 2, "batch_first": True}),
    ("GRU", (3, 4), {"bidirectional": True}),
    ("GELU", (), {"approximate": "tanh"}),
    ("Softmax", (), {"dim": 1}),
    ("LogSoftmax", (), {"dim": -1}),
    ("LeakyReLU", (0.2,), {}),
    ("Flatten", (), {}),
    ("Identity", (), {}),
    ("Bilinear", (2, 3, 4), {}),
    ("ReLU", (), {}),
    ("Tanh", (), {}),
    ("MultiheadAttention", (8, 2), {}),
    ("TransformerEncoderLayer", (8, 2), {"dim_feedforward": 16}),
    ("TransformerDecoderLayer", (8, 2), {"dim_feedforward": 16}),
    ("Transformer", (8, 2, 1, 1, 16), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), REPRS, ids=lambda v: str(v)[:40])
def test_layer_text_matches_torch(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert repr(getattr(wb.nn, name)(*args, **kwargs)) == repr(getattr(T.nn, name)(*args, **kwargs))


def test_transformer_encoder_stack_matches_torch() -> None:
    """nn.TransformerEncoder: deep copies of the layer (state_dict keys layers.N.…), a
    final norm, a causal mask; outputs and gradients from PyTorch's weights."""
    theirs = T.nn.TransformerEncoder(
        T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        num_layers=2,
        norm=T.nn.LayerNorm(8),
        enable_nested_tensor=False,
    )
    ours = wb.nn.TransformerEncoder(
        wb.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        num_layers=2,
        norm=wb.nn.LayerNorm(8),
    )
    state = {k: wb.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    assert sorted(state) == sorted(ours.state_dict())
    ours.load_state_dict(state)
    x, mask = data(2, 5, 8), np.triu(np.ones((5, 5), bool), 1)
    out_t = theirs(T.tensor(x), mask=T.tensor(mask))
    out_w = ours(wb.tensor(x), mask=wb.tensor(mask))
    np.testing.assert_allclose(out_w.detach().numpy(), out_t.detach().numpy(), atol=1e-5)
    out_t.sum().backward()
    out_w.sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-5, err_msg=name)
    first, second = ours.layers[0].linear1.weight, ours.layers[1].linear1.weight
    assert first is not second  # copies, not one shared layer


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first: bool, side: str) -> None:
    from torch.nn.utils.rnn import pad_sequence as theirs

    from workbench.eager.nn.utils.rnn import pad_sequence as ours

    seqs = [data(2, 3), data(4, 3), data(1, 3)]
    options = {"batch_first": batch_first, "padding_value": -1.0, "padding_side": side}
    got = ours([wb.tensor(s) for s in seqs], **options).numpy()
    want = theirs([T.tensor(s) for s in seqs], **options).numpy()
    np.testing.assert_array_equal(got, want)


def test_transformer_names_initialisation_and_causal_mask_match_torch() -> None:
    ours = wb.nn.Transformer(16, 4, 2, 1, 32)
    theirs = T.nn.Transformer(16, 4, 2, 1, 32)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert tuple(p.shape) == tuple(q.shape), name
        if p.dim() > 1:  # Xavier-uniform: every entry inside ±sqrt(6 / (fan_in + fan_out))
            fan_out, fan_in = p.shape[0], int(np.prod(p.shape[1:]))
            assert float(p.abs().max()) <= np.sqrt(6 / (fan_in + fan_out)) + 1e-7, name
    np.testing.assert_array_equal(
        wb.nn.Transformer.generate_square_subsequent_mask(5).numpy(),
        T.nn.Transformer.generate_square_subsequent_mask(5).numpy(),
    )
    with pytest.raises(RuntimeError, match="batch number"):
        ours(wb.randn(5, 2, 16), wb.randn(4, 3, 16))
