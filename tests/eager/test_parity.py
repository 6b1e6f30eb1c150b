"""Parity with PyTorch 2.13 (CPU): tensor operations, layers, losses and optimisers give
the same outputs, gradients and updated weights (1e-5, float32)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")
TOL = {"rtol": 1e-5, "atol": 1e-5}
RNG = np.random.default_rng(7)


def data(*shape: int, positive: bool = False) -> np.ndarray:
    x = RNG.standard_normal(shape).astype(np.float32)
    return np.abs(x) + 0.5 if positive else x


def _check(fn_wb: Callable[..., Any], fn_t: Callable[..., Any], *arrays: np.ndarray) -> None:
    ours = [wb.tensor(a, requires_grad=True) for a in arrays]
    theirs = [T.tensor(a, requires_grad=True) for a in arrays]
    out_w, out_t = fn_wb(*ours), fn_t(*theirs)
    np.testing.assert_allclose(out_w.detach().numpy(), out_t.detach().numpy(), **TOL)
    weights = RNG.standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_w * wb.tensor(weights)).sum().backward()
    (out_t * T.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL)


OPS: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "arithmetic": (
        lambda x, y: (x * y + x / (y.abs() + 1) - 2 ** x.tanh()) ** 2,
        [data(3, 4), data(3, 4)],
    ),
    "broadcast": (lambda x, y: x * y - x, [data(3, 1, 4), data(5, 1)]),
    "matmul": (lambda x, y: x @ y, [data(2, 3, 4), data(4, 5)]),
    "reductions": (
        lambda x: x.sum(1) + x.mean(0, keepdim=True).sum() + x.amax(1) * x.std(1),
        [data(4, 5)],
    ),
    "max_dim": (lambda x: x.max(dim=1).values + x.min(1)[0], [data(4, 5)]),
    "softmax": (lambda x: x.softmax(-1) * x.log_softmax(0), [data(3, 6)]),
    "shapes": (
        lambda x: x.reshape(2, 6).t().unsqueeze(0).permute(2, 1, 0).flatten().view(3, 4),
        [data(3, 4)],
    ),
    "index": (
        lambda x: x[1:, ::2] * x[[0, 2], 1:3] + x[x[:, :1].reshape(-1).argsort()][:2, :2].sum(),
        [data(3, 4)],
    ),
    "cat_stack": (lambda x, y: cat_stack(x, y), [data(2, 3), data(2, 3)]),
    "where_clamp": (lambda x: where_clamp(x), [data(3, 4)]),
    "unary": (
        lambda x: x.exp() + x.sigmoid() + x.relu() + x.sin() * x.cos() + x.erf() + x.abs().sqrt(),
        [data(5)],
    ),
    "logs": (
        lambda x: x.log() + x.log1p() - x.rsqrt() + x.reciprocal() + x.logsumexp(0),
        [data(5, positive=True)],
    ),
    "gather": (lambda x: x.gather(1, _index(x)), [data(3, 4)]),
    "cumsum_prod": (lambda x: x.cumsum(1) * x.prod(1, keepdim=True), [data(3, 4)]),
    "expand_repeat": (lambda x: x.expand(3, 4) * x.repeat(3, 1), [data(1, 4)]),
    "var_norm": (lambda x: x.var(0) + x.norm() + x.var(1, unbiased=False).sum(), [data(4, 3)]),
}


def cat_stack(x: Any, y: Any) -> Any:
    module = wb if isinstance(x, wb.Tensor) else T
    return module.cat([x, y], 1) * module.stack([x, y], 0).sum(0).repeat(1, 2)


def where_clamp(x: Any) -> Any:
    module = wb if isinstance(x, wb.Tensor) else T
    return module.where(x > 0, x, x * 0.1).clamp(-0.5, 0.8) + x.masked_fill(x < 0, 2.0)


def _index(x: Any) -> Any:
    module = wb if isinstance(x, wb.Tensor) else T
    return module.tensor([[0, 3], [2, 2], [1, 0]])


@pytest.mark.parametrize("name", sorted(OPS))
def test_tensor_operations_match_torch(name: str) -> None:
    fn, arrays = OPS[name]
    _check(fn, fn, *arrays)


def _copy_module(ours: Any, theirs: Any) -> None:
    with T.no_grad():
        for (n1, p), (n2, q) in zip(
            ours.named_parameters(), theirs.named_parameters(), strict=True
        ):
            assert n1 == n2
            q.copy_(T.tensor(p.detach().numpy()))


LAYERS = {
    "linear": (lambda m: m.Linear(6, 4), (5, 6)),
    "conv2d": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 9, 9)),
    "conv2d_groups": (
        lambda m: m.Conv2d(4, 6, (3, 2), padding="same", groups=2, bias=False),
        (2, 4, 7, 6),
    ),
    "conv1d": (lambda m: m.Conv1d(3, 5, 3, dilation=2), (2, 3, 12)),
    "maxpool": (lambda m: m.Sequential(m.Conv2d(2, 3, 3), m.ReLU(), m.MaxPool2d(2)), (2, 2, 9, 9)),
    "avgpool": (lambda m: m.Sequential(m.Conv2d(2, 3, 3), m.AvgPool2d(2, 1)), (2, 2, 8, 8)),
    "layernorm": (lambda m: m.LayerNorm(6), (4, 3, 6)),
    "mlp": (
        lambda m: m.Sequential(
            m.Linear(6, 8), m.Tanh(), m.Linear(8, 8), m.GELU(), m.Linear(8, 3), m.Sigmoid()
        ),
        (5, 6),
    ),
    "activations": (
        lambda m: m.Sequential(m.Linear(6, 6), m.LeakyReLU(0.2), m.SiLU(), m.Softmax(1)),
        (5, 6),
    ),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_match_torch_outputs_and_gradients(name: str) -> None:
    build, shape = LAYERS[name]
    ours, theirs = build(wb.nn), build(T.nn)
    _copy_module(ours, theirs)
    x = data(*shape)
    out_w, out_t = ours(wb.tensor(x)), theirs(T.tensor(x))
    np.testing.assert_allclose(out_w.detach().numpy(), out_t.detach().numpy(), **TOL)
    out_w.square().sum().backward()
    out_t.square().sum().backward()
    for (n, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL, err_msg=n)


def test_default_initialisation_follows_torchs_fan_rules() -> None:
    layer = wb.nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound * 10


LOSSES = {
    "cross_entropy": (lambda F, x, y: F.cross_entropy(x, y), "index"),
    "cross_entropy_smooth": (lambda F, x, y: F.cross_entropy(x, y, label_smoothing=0.1), "index"),
    "cross_entropy_ignore": (lambda F, x, y: F.cross_entropy(x, y, ignore_index=2), "index"),
    "cross_entropy_probs": (lambda F, x, y: F.cross_entropy(x, y), "probs"),
    "nll": (lambda F, x, y: F.nll_loss(x.log_softmax(1), y, reduction="sum"), "index"),
    "mse": (lambda F, x, y: F.mse_loss(x, y), "float"),
    "l1": (lambda F, x, y: F.l1_loss(x, y, reduction="sum"), "float"),
    "huber": (lambda F, x, y: F.huber_loss(x * 3, y, delta=0.5), "float"),
    "bce": (lambda F, x, y: F.binary_cross_entropy(x.sigmoid(), y), "unit"),
    "bce_logits": (lambda F, x, y: F.binary_cross_entropy_with_logits(x, y), "unit"),
    "kl_div": (lambda F, x, y: F.kl_div(x.log_softmax(1), y, reduction="batchmean"), "probs"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_match_torch(name: str) -> None:
    fn, kind = LOSSES[name]
    x = data(6, 4)
    if kind == "index":
        y_np = np.array([0, 1, 2, 3, 2, 1])
        y_w, y_t = wb.tensor(y_np), T.tensor(y_np)
    else:
        y_np = {
            "float": data(6, 4),
            "unit": RNG.random((6, 4)).astype(np.float32),
            "probs": np.exp(data(6, 4)) / np.exp(data(6, 4)).sum(1, keepdims=True),
        }[kind]
        y_np = y_np.astype(np.float32)
        if kind == "probs":
            y_np = y_np / y_np.sum(1, keepdims=True)
        y_w, y_t = wb.tensor(y_np), T.tensor(y_np)
    xw, xt = wb.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    lw, lt = fn(wb.nn.functional, xw, y_w), fn(T.nn.functional, xt, y_t)
    np.testing.assert_allclose(lw.item(), lt.item(), **TOL)
    lw.backward()
    lt.backward()
    np.testing.assert_allclose(xw.grad.numpy(), xt.grad.numpy(), **TOL)


OPTIMIZERS = {
    "sgd": lambda o, p: o.SGD(p, lr=0.1),
    "sgd_momentum": lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov": lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda o, p: o.Adam(p, lr=0.01),
    "adam_wd_amsgrad": lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1, amsgrad=True),
    "adamw": lambda o, p: o.AdamW(p, lr=0.01),
    "adagrad": lambda o, p: o.Adagrad(p, lr=0.1),
    "rmsprop": lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad_maximize": lambda o, p: o.Adagrad(p, lr=0.1, weight_decay=0.1, maximize=True),
    "rmsprop_maximize": lambda o, p: o.RMSprop(p, lr=0.01, weight_decay=0.1, maximize=True),
    "adam_decoupled": lambda o, p: o.Adam(p, weight_decay=0.1, decoupled_weight_decay=True),
    "adamw_flags": lambda o, p: o.AdamW(p, lr=0.01, foreach=False, fused=None),
    "adadelta": lambda o, p: o.Adadelta(p),
    "adadelta_wd": lambda o, p: o.Adadelta(p, lr=0.5, weight_decay=0.1, maximize=True),
    "adamax": lambda o, p: o.Adamax(p, lr=0.01),
    "adamax_wd": lambda o, p: o.Adamax(p, weight_decay=0.1),
    "nadam": lambda o, p: o.NAdam(p, lr=0.01),
    "nadam_decoupled": lambda o, p: o.NAdam(p, weight_decay=0.1, decoupled_weight_decay=True),
    "radam": lambda o, p: o.RAdam(p, lr=0.01),
    "radam_wd": lambda o, p: o.RAdam(p, lr=0.01, weight_decay=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("steps", [3])
def test_optimizers_match_torch_after_three_steps(name: str, steps: int) -> None:
    def build(m: Any) -> Any:
        return m.Sequential(m.Linear(5, 7), m.ReLU(), m.Linear(7, 3))

    ours, theirs = build(wb.nn), build(T.nn)
    _copy_module(ours, theirs)
    opt_w, opt_t = (
        OPTIMIZERS[name](wb.optim, ours.parameters()),
        OPTIMIZERS[name](T.optim, theirs.parameters()),
    )
    x, y = data(8, 5), np.arange(8) % 3
    for _ in range(steps):
        for model, opt, lib in ((ours, opt_w, wb), (theirs, opt_t, T)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), **TOL)


@pytest.mark.parametrize("name", ["radam", "radam_wd", "nadam"])
def test_optimizers_past_their_warm_up_match_torch(name: str) -> None:
    # RAdam rectifies its adaptive rate only once the variance is tractable (step 6 on)
    test_optimizers_match_torch_after_three_steps(name, 9)


def test_a_small_cnn_trains_like_torch_for_five_steps() -> None:
    def build(m: Any) -> Any:
        return m.Sequential(
            m.Conv2d(1, 4, 3), m.ReLU(), m.MaxPool2d(2), m.Flatten(), m.Linear(4 * 3 * 3, 5)
        )

    ours, theirs = build(wb.nn), build(T.nn)
    _copy_module(ours, theirs)
    opt_w, opt_t = wb.optim.Adam(ours.parameters(), 0.01), T.optim.Adam(theirs.parameters(), 0.01)
    x, y = data(6, 1, 8, 8), np.arange(6) % 5
    for _ in range(5):
        losses = []
        for model, opt, lib in ((ours, opt_w, wb), (theirs, opt_t, T)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        np.testing.assert_allclose(losses[0], losses[1], **TOL)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("bad", [4, -1])
@pytest.mark.parametrize("weighted", [False, True])
def test_out_of_range_class_index_is_refused_as_in_torch(
    loss: str, bad: int, weighted: bool
) -> None:
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    target = np.array([0, bad, 2])
    for lib in (T, wb):
        kwargs = {"weight": lib.ones(4)} if weighted else {}
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
            getattr(lib.nn.functional, loss)(lib.tensor(x), lib.tensor(target), **kwargs)
    # ignore_index itself is never out of range
    for lib in (T, wb):
        out = lib.nn.functional.cross_entropy(
            lib.tensor(x), lib.tensor(np.array([0, -100, 2])), ignore_index=-100
        )
        assert np.isfinite(out.item())


def test_cpu_device_is_spelled_as_in_torch() -> None:
    for make in (
        lambda lib: lib.ones(2).device,
        lambda lib: next(lib.nn.Linear(2, 2).parameters()).device,
    ):
        assert str(make(wb)) == str(make(T)) == "cpu"
        assert repr(make(wb)) == repr(make(T))
    assert wb.ones(2).device == wb.device("cpu") == "cpu"
    assert str(wb.ones(2).to("cpu:1").device) == "cpu:1"  # a logical CPU device keeps its number


def _printed() -> list[tuple[np.ndarray, str]]:
    r = np.random.default_rng(0)
    arrays = [
        r.standard_normal((30, 40)),  # summarised, fixed point
        np.arange(2000.0).reshape(40, 50),  # integers spanning more than 1e3: e-notation
        r.standard_normal((3, 4, 5)),
        r.standard_normal(20) * 100,
        np.arange(12.0).reshape(3, 4) / 7,
        r.integers(-5, 5, (10, 200)).astype(float),
        r.standard_normal((2, 3, 400)) * 1e-6,
        r.standard_normal(9),  # the dtype suffix wraps to its own line
        np.array([np.nan, 1.0, np.inf]),
        np.array([-np.inf, 1e-5]),
        np.array(-2920539.75),
        np.array([0.0, -0.0]),
    ]
    return [(a, dt) for a in arrays for dt in ("float32", "float64", "float16")]


@pytest.mark.parametrize(("array", "dtype"), _printed(), ids=lambda v: getattr(v, "shape", v))
def test_tensors_print_as_in_torch(array: np.ndarray, dtype: str) -> None:
    for requires_grad in (False, True):
        ours = wb.tensor(array, dtype=getattr(wb, dtype), requires_grad=requires_grad)
        theirs = T.tensor(array, dtype=getattr(T, dtype), requires_grad=requires_grad)
        assert repr(ours) == repr(theirs)
    for ints in (
        np.arange(2000).reshape(40, 50),
        np.arange(30, dtype=np.int32),
        np.array([True, False]),
        np.array([True, True]),  # no padding without a False
        np.array([[True], [True]]),
        np.full(2000, True),
        np.array(False),
    ):
        assert repr(wb.tensor(ints)) == repr(T.tensor(ints))


def test_values_and_indices_results_print_as_torch_return_types() -> None:
    data = np.array([[1, 5, 3], [7, 2, 9]])
    for call in (
        lambda m: m.tensor(data).max(1),
        lambda m: m.tensor(data).min(0, keepdim=True),
        lambda m: m.tensor(data).sort(1, descending=True),
        lambda m: m.tensor(data).topk(2),
        lambda m: m.tensor(data).median(1),
    ):
        ours, theirs = call(wb), call(T)
        assert repr(ours) == repr(theirs)
        assert type(ours).__name__ == type(theirs).__name__
        values, indices = ours
        assert values is ours.values and indices is ours[1]


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],
        [1.0, 2],
        [True, False],
        3.5,
        [[1], [2.5]],
        np.float64(2.0),
        np.array([1, 2], np.int32),
        [np.float64(1.0)],
        [np.int32(1)],
        [[np.float64(1)], [np.float64(2)]],
        [np.float32(1), np.float64(2)],
        [np.float32(1.0), 2.0],
    ],
    ids=repr,
)
def test_tensor_infers_dtypes_as_torch(data: Any) -> None:
    assert str(wb.tensor(data).dtype) == str(T.tensor(data).dtype)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_print_their_groups_as_torch(name: str) -> None:
    ours = OPTIMIZERS[name](wb.optim, [wb.nn.Parameter(wb.zeros(2))])
    theirs = OPTIMIZERS[name](T.optim, [T.nn.Parameter(T.zeros(2))])
    assert repr(ours) == repr(theirs)


def _losses(lib: Any) -> dict[str, Any]:
    F = lib.nn.functional
    x = lib.tensor(data(4, 3), requires_grad=True)
    logp = lib.tensor(data(4, 3), requires_grad=True)
    t, p = lib.tensor(data(4, 3)), lib.tensor(np.abs(data(4, 3)) / 4)
    cls, ignored = lib.tensor([0, 1, 2, 0]), lib.tensor([0, -100, 2, 0])
    out = {}
    for shape in [(3,), (4, 3), (2, 4, 3)]:
        inputs = lib.tensor(data(*shape))
        out[f"linear {shape}"] = lib.nn.Linear(3, 2)(inputs)
        out[f"linear no bias {shape}"] = lib.nn.Linear(3, 2, bias=False)(inputs)
    for red in ("mean", "sum", "none"):
        out |= {
            f"mse {red}": F.mse_loss(x, t, reduction=red),
            f"l1 {red}": F.l1_loss(x, t, reduction=red),
            f"huber {red}": F.huber_loss(x, t, reduction=red),
            f"smooth_l1 {red}": F.smooth_l1_loss(x, t, reduction=red),
            f"bce {red}": F.binary_cross_entropy(x.sigmoid(), p, reduction=red),
            f"bce_logits {red}": F.binary_cross_entropy_with_logits(x, p, reduction=red),
            f"nll {red}": F.nll_loss(logp, cls, reduction=red),
            f"ce {red}": F.cross_entropy(x, cls, reduction=red),
            f"ce ignore_index {red}": F.cross_entropy(x, ignored, reduction=red),
            f"ce probabilities {red}": F.cross_entropy(x, p.softmax(1), reduction=red),
            f"ce smoothing {red}": F.cross_entropy(x, cls, reduction=red, label_smoothing=0.1),
            f"kl_div {red}": F.kl_div(logp, p, reduction="batchmean" if red == "mean" else red),
        }
    return out


def test_losses_name_their_grad_fn_as_torch() -> None:
    """``loss.grad_fn`` is what PyTorch shows (a loss that is one operation there and
    several here is still named after the loss), for every loss and reduction."""
    ours = {k: v.grad_fn.name() for k, v in _losses(wb).items()}
    theirs = {k: type(v.grad_fn).__name__ for k, v in _losses(T).items()}
    assert ours == theirs


INDEX_KEYS = [
    0, -1, slice(1, None), (0, 1), (slice(1, None), 0), (0, slice(1, None)),
    (slice(None), slice(1, 3)), (None,), (0, None), (None, 0), (Ellipsis, 0),
    (Ellipsis, slice(1, 2)), (slice(None, None, 2),), ([0, 1],), (0, [1, 2]),
    (slice(None), slice(None), 2), (1, 2, 3), (slice(1, 3), None, 2), (True,), (0, True),
]  # fmt: skip


@pytest.mark.parametrize("key", INDEX_KEYS, ids=repr)
def test_indexing_names_its_grad_fn_and_shape_as_torch(key: Any) -> None:
    """x[key]: SelectBackward0 / SliceBackward0 / UnsqueezeBackward0 for the last view
    operation, IndexBackward0 for advanced indexing; the same shape and values."""
    host = data(4, 5, 6)
    ours = wb.tensor(host, requires_grad=True)[key]
    theirs = T.tensor(host, requires_grad=True)[key]
    assert ours.grad_fn.name() == type(theirs.grad_fn).__name__
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize(
    ("left", "right"),
    [((3,), (3,)), ((3,), (3, 5)), ((4, 3), (3,)), ((4, 3), (3, 5)), ((2, 4, 3), (3, 5))],
)
def test_matmul_names_its_grad_fn_by_rank_as_torch(left: tuple, right: tuple) -> None:
    a, b = data(*left), data(*right)
    ours = wb.tensor(a, requires_grad=True) @ wb.tensor(b, requires_grad=True)
    theirs = T.tensor(a, requires_grad=True) @ T.tensor(b, requires_grad=True)
    assert ours.grad_fn.name() == type(theirs.grad_fn).__name__
    batched = wb.bmm(wb.tensor(data(2, 4, 3), requires_grad=True), wb.tensor(data(2, 3, 5)))
    assert batched.grad_fn.name() == "BmmBackward0"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_unbatched_cross_entropy_and_nll_match_torch(reduction: str, smoothing: float) -> None:
    """A (C,) input with a 0-d class target or a (C,) probability target, as PyTorch
    accepts: values, gradients, shapes and grad_fn names."""
    logits, probs = data(5), np.abs(data(5)) / 5
    for target_of in (lambda lib: lib.tensor(3), lambda lib: lib.tensor(probs)):
        results = []
        for lib in (wb, T):
            x = lib.tensor(logits, requires_grad=True)
            loss = lib.nn.functional.cross_entropy(
                x, target_of(lib), reduction=reduction, label_smoothing=smoothing
            )
            nll = lib.nn.functional.nll_loss(
                lib.log_softmax(x, 0), lib.tensor(3), reduction=reduction
            )
            (loss + nll).backward()
            name = loss.grad_fn.name() if lib is wb else type(loss.grad_fn).__name__
            results.append((loss.detach().numpy(), x.grad.numpy(), tuple(loss.shape), name))
        (lw, gw, sw, nw), (lt, gt, st, nt) = results
        np.testing.assert_allclose(lw, lt, **TOL)
        np.testing.assert_allclose(gw, gt, **TOL)
        assert (sw, nw) == (st, nt)
