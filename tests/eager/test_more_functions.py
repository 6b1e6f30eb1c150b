"""The less central torch functions (dot, outer, diag, roll, tile, meshgrid, …): values
and gradients against torch 2.13, called both as ``torch.f(x)`` and ``x.f()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wb

T = pytest.importorskip("torch")
TOL = {"rtol": 1e-5, "atol": 1e-6}
RNG = np.random.default_rng(11)


def data(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


# name -> (function of (library, *tensors), input arrays); every output is differentiable
DIFFERENTIABLE: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "dot": (lambda m, a, b: m.dot(a, b), [data(5), data(5)]),
    "inner": (lambda m, a, b: m.inner(a, b), [data(2, 4), data(3, 4)]),
    "outer": (lambda m, a, b: a.outer(b), [data(3), data(4)]),
    "mv": (lambda m, a, b: m.mv(a, b), [data(3, 4), data(4)]),
    "addmm": (
        lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2),
        [data(3, 2), data(3, 4), data(4, 2)],
    ),
    "tensordot": (
        lambda m, a, b: m.tensordot(a, b, dims=([1, 2], [0, 1])),
        [data(2, 3, 4), data(3, 4, 5)],
    ),
    "tensordot_int": (lambda m, a, b: m.tensordot(a, b, dims=1), [data(2, 3), data(3, 4)]),
    "diagonal": (lambda m, a: a.diagonal(1) + a.diagonal(-1, 1, 0)[:2].sum(), [data(4, 5)]),
    "diagonal_nd": (lambda m, a: m.diagonal(a, 0, 0, 2), [data(3, 2, 4)]),
    "diag_vector": (
        lambda m, a: m.diag(a) + m.diag(a, 1)[1:, :-1] + m.diag(a, -1)[:-1, 1:],
        [data(4)],
    ),
    "diag_matrix": (lambda m, a: m.diag(a, -1), [data(4, 3)]),
    "trace": (lambda m, a: m.trace(a), [data(3, 4)]),
    "lerp": (lambda m, a, b: m.lerp(a, b, 0.3) + a.lerp(b, 0.8), [data(5), data(5)]),
    "lerp_tensor": (lambda m, a, b: m.lerp(a, b, m.linspace(-1, 2, 5)), [data(5), data(5)]),
    "median": (
        lambda m, a: a.median() + m.median(a, 1).values.sum() + a.median(0, True)[0].sum(),
        [data(4, 5)],
    ),
    "broadcast_to": (lambda m, a: m.broadcast_to(a, (2, 3, 4)), [data(3, 1)]),
    "tile": (lambda m, a: m.tile(a, (2,)) + a.tile((1, 1)).sum(), [data(2, 3)]),
    "roll": (lambda m, a: m.roll(a, 1, 0) + a.roll((-1, 2), (0, 1)) + a.roll(5), [data(3, 4)]),
    "repeat_interleave": (
        lambda m, a: (
            m.repeat_interleave(a, 2, 1)[:, :3] + a.repeat_interleave(m.tensor([1, 0, 2]), 1)[:, :3]
        ),
        [data(2, 3)],
    ),
    "repeat_interleave_flat": (lambda m, a: a.repeat_interleave(2), [data(2, 2)]),
    "flips": (lambda m, a: m.fliplr(a) + a.flipud(), [data(3, 4)]),
    "take": (lambda m, a: m.take(a, m.tensor([0, 5, 11, 5])), [data(3, 4)]),
    "masked_select": (lambda m, a: m.masked_select(a, a > 0.1), [data(3, 4)]),
    "diff": (lambda m, a: m.diff(a).sum() + a.diff(2, 0).sum(), [data(4, 5)]),
    "hstack_vstack": (
        lambda m, a, b: m.hstack([a, b]).sum(0) + m.vstack([a, b]).sum(1).sum(),
        [data(3, 2), data(3, 2)],
    ),
    "meshgrid": (
        lambda m, a, b: sum(g * (i + 1) for i, g in enumerate(m.meshgrid(a, b, indexing="xy"))),
        [data(3), data(4)],
    ),
    "meshgrid_ij": (
        lambda m, a, b: m.meshgrid(a, b, indexing="ij")[0] * m.meshgrid([a, b], indexing="ij")[1],
        [data(3), data(4)],
    ),
    "broadcast_tensors": (
        lambda m, a, b: m.broadcast_tensors(a, b)[0] * m.broadcast_tensors(a, b)[1],
        [data(3, 1), data(4)],
    ),
    "std_var_mean": (
        lambda m, a: m.std_mean(a, 1)[0] + m.var_mean(a, 0, keepdim=True)[1].sum(),
        [data(3, 4)],
    ),
}


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_values_and_gradients_match_torch(name: str) -> None:
    fn, arrays = DIFFERENTIABLE[name]
    ours = [wb.tensor(a, requires_grad=True) for a in arrays]
    theirs = [T.tensor(a, requires_grad=True) for a in arrays]
    out_w, out_t = fn(wb, *ours), fn(T, *theirs)
    assert tuple(out_w.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_w.detach().numpy(), out_t.detach().numpy(), **TOL)
    weights = RNG.standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_w * wb.tensor(weights)).sum().backward()
    (out_t * T.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs):
        want = np.zeros_like(a.detach().numpy()) if b.grad is None else b.grad.numpy()
        got = np.zeros_like(want) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, want, **TOL)


def test_logic_repairs_and_index_helpers_match_torch() -> None:
    x = np.array([[0.0, 1.5, -np.inf], [np.nan, 2.0, np.inf]], np.float32)
    y = np.array([[0.0, 1.5 + 1e-6, -np.inf], [np.nan, 2.1, 1.0]], np.float32)
    for make in (lambda m, f: f(m, m.tensor(x), m.tensor(y)),):
        for f in (
            lambda m, a, b: m.logical_and(a, b),
            lambda m, a, b: a.logical_or(b),
            lambda m, a, b: m.logical_xor(a, b),
            lambda m, a, b: m.logical_not(a),
            lambda m, a, b: m.isclose(a, b),
            lambda m, a, b: a.isclose(b, rtol=0, atol=0.2, equal_nan=True),
            lambda m, a, b: m.nan_to_num(a),
            lambda m, a, b: a.nan_to_num(1.0, 9.0, -9.0),
            lambda m, a, b: m.count_nonzero(a),
            lambda m, a, b: a.count_nonzero(1),
        ):
            got, want = make(wb, f), make(T, f)
            assert str(got.dtype) == str(want.dtype)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    for f in (
        lambda m: m.tril_indices(3, 4),
        lambda m: m.triu_indices(4, 3, 1),
        lambda m: m.tril_indices(3, 3, -1),
        lambda m: m.diag(m.tensor([1, 2, 3]), 1),
        lambda m: m.median(m.tensor([[3, 1, 2, 4], [9, 7, 8, 6]]), 1).indices,
    ):
        np.testing.assert_array_equal(f(wb).numpy(), f(T).numpy())


def test_addmm_with_zero_beta_ignores_nan_input_as_torch() -> None:
    nan = np.full((2, 2), np.nan, np.float32)
    a, b = data(2, 3), data(3, 2)
    for m in (wb, T):
        out = m.addmm(m.tensor(nan), m.tensor(a), m.tensor(b), beta=0)
        assert np.isfinite(out.numpy()).all()


def test_misuse_is_refused() -> None:
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        wb.dot(wb.ones(2, 2), wb.ones(2))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        wb.ones(2, 2).roll((1, 1), 0)
    with pytest.raises(RuntimeError, match="Supports 1D or 2D"):
        wb.diag(wb.ones(2, 2, 2))


def test_random_like_makers_follow_the_generator_and_the_template() -> None:
    template = wb.zeros(3, 2, dtype=wb.float64)
    for like, plain in (
        (lambda: wb.randn_like(template), lambda: wb.randn(3, 2, dtype=wb.float64)),
        (lambda: wb.rand_like(template), lambda: wb.rand(3, 2, dtype=wb.float64)),
        (lambda: wb.randint_like(template, 5), lambda: wb.randint(5, (3, 2), dtype=wb.float64)),
    ):
        wb.manual_seed(3)
        a = like()
        wb.manual_seed(3)
        b = plain()
        assert a.shape == template.shape and a.dtype == template.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert wb.randint_like(template, 2, 4).min().item() >= 2
    assert wb.randn_like(template, dtype=wb.float32).dtype == wb.float32


@pytest.mark.parametrize(
    "name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"]
)
def test_legacy_constructors_take_data_or_sizes_as_torch(name: str) -> None:
    ours, theirs = getattr(wb, name)([1, 0, 2]), getattr(T, name)([1, 0, 2])
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert getattr(wb, name)(2, 3).shape == getattr(T, name)(2, 3).shape
    assert str(getattr(wb, name)(2, 3).dtype) == str(theirs.dtype)


def _module_and_tensor_idioms(torch: Any) -> list[str]:
    nn = torch.nn
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    out = [repr(nn.Parameter(torch.zeros(2))), str([n for n, _ in m.named_modules()])]
    out.append(f"{len(list(m.children()))} {len(list(m.modules()))}")
    m.requires_grad_(False)
    out.append(str([p.requires_grad for p in m.parameters()]))
    m.double()
    out.append(str(next(m.parameters()).dtype))
    out.append(str(m[0].weight.shape) + str(m[-1]) + str(sum(p.numel() for p in m.parameters())))
    norm = nn.BatchNorm1d(3)
    out.append(str(list(norm.state_dict())) + str(list(dict(norm.named_buffers()))))
    x = torch.ones(2, 3)
    out.append(f"{x.shape[0]} {x.size(-1)} {x.stride()} {x.t().stride()} {x.stride(0)}")
    out.append(str(torch.ones(3).expand(2, 3).stride()))
    out.append(
        repr(torch.arange(6).view(2, 3)[:, 1]) + repr(torch.tensor([1.5, 2.0]).to(torch.int64))
    )
    out.append(repr(x.new_empty(0, 2).shape) + str(x.new_empty(2).dtype))
    return out


def test_module_and_tensor_idioms_read_as_in_torch() -> None:
    assert _module_and_tensor_idioms(wb) == _module_and_tensor_idioms(T)


def test_dataloader_samplers_match_torch() -> None:
    from torch.utils.data import BatchSampler as TBatchSampler

    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    order = [3, 1, 4, 1, 5, 9, 2, 6]
    batches = list(TBatchSampler(order, batch_size=3, drop_last=False))
    for lib in (wb, T):
        data = lib.utils.data.TensorDataset(lib.tensor(x))
        loader = lib.utils.data.DataLoader
        by_sampler = [
            b[0].numpy().ravel().tolist()
            for b in loader(data, 3, sampler=order, num_workers=2, pin_memory=True)
        ]
        by_batches = [b[0].numpy().ravel().tolist() for b in loader(data, batch_sampler=batches)]
        assert by_sampler == [[3.0, 1.0, 4.0], [1.0, 5.0, 9.0], [2.0, 6.0]]
        assert by_batches == by_sampler
        assert (
            len(loader(data, 3, sampler=order)) == 3
            and len(loader(data, batch_sampler=batches)) == 3
        )
    with pytest.raises(ValueError, match="mutually exclusive"):
        wb.utils.data.DataLoader(wb.utils.data.TensorDataset(wb.ones(2)), sampler=[0], shuffle=True)


def test_out_arguments_write_into_the_given_tensor_as_torch() -> None:
    """``torch.matmul(a, b, out=c)`` and friends (PyTorch's Tensors tutorial uses them):
    the result lands in ``out`` (sharing memory with its NumPy view), a wrongly shaped
    ``out`` is resized with PyTorch's warning, dtypes are cast where they can be, tuple
    results take tuples, and autograd refuses as PyTorch does."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    for lib in (wb, T):
        x = lib.tensor(a)
        out = lib.zeros(3, 3)
        view = out.numpy()
        assert lib.matmul(x, x.T, out=out) is out
        np.testing.assert_allclose(view, a @ a.T, rtol=1e-6)
        z = lib.zeros(3, 4)
        lib.mul(x, x, out=z)
        np.testing.assert_allclose(z.numpy(), a * a)
        lib.cat([x, x], 0, out=(big := lib.empty(0)))
        assert tuple(big.shape) == (6, 4)
        with pytest.warns(UserWarning, match="was resized"):
            lib.add(x, 1, out=(small := lib.zeros(2)))
        assert tuple(small.shape) == (3, 4)
        wide = lib.zeros(3, 4, dtype=lib.float64)
        lib.sub(x, x, out=wide)
        assert wide.dtype == lib.float64
        values, indices = lib.zeros(3), lib.zeros(3, dtype=lib.int64)
        lib.max(x, 1, out=(values, indices))
        np.testing.assert_array_equal(indices.numpy(), [3, 3, 3])
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.mul(x, x, out=lib.zeros(3, 4, dtype=lib.int64))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(lib.ones(2, requires_grad=True), 2, out=lib.zeros(2))


def test_creation_functions_take_requires_grad_as_torch() -> None:
    """PyTorch's autograd tutorial starts from ``torch.eye(4, 5, requires_grad=True)``."""
    for lib in (wb, T):
        made = [
            lib.eye(4, 5, requires_grad=True),
            lib.linspace(0, 1, 5, requires_grad=True),
            lib.logspace(0, 2, 3, requires_grad=True),
            lib.full_like(lib.ones(2), 3.0, requires_grad=True),
            lib.normal(0.0, 1.0, size=(2, 3), requires_grad=True),
        ]
        assert all(t.requires_grad and t.is_leaf for t in made)
        np.testing.assert_allclose(made[2].detach().numpy(), [1.0, 10.0, 100.0], rtol=1e-6)
        with pytest.raises(RuntimeError, match="floating point"):
            lib.randint(0, 5, (3,), requires_grad=True)
        assert lib.randperm(4, requires_grad=False).dtype == lib.int64


def test_bfloat16_can_be_named_but_not_computed_in() -> None:
    """Training scripts build ``{"bfloat16": torch.bfloat16, ...}`` tables and ask
    ``torch.cuda.is_bf16_supported()`` before choosing float16 on a CPU; NumPy has no
    bfloat16, so making data of it is refused clearly."""
    table = {"float32": wb.float32, "bfloat16": wb.bfloat16, "float16": wb.float16}
    assert repr(table["bfloat16"]) == repr(T.bfloat16) == "torch.bfloat16"
    assert wb.bfloat16.is_floating_point and wb.bfloat16.itemsize == T.bfloat16.itemsize
    assert wb.bfloat16 != wb.float16 and wb.cuda.is_bf16_supported() is False
    with pytest.raises(TypeError, match="no bfloat16 arithmetic"):
        wb.ones(2, dtype=wb.bfloat16)
    with pytest.raises(TypeError, match="use torch.float16 or torch.float32"):
        wb.ones(2).to(wb.bfloat16)
    with pytest.raises(TypeError, match="no bfloat16 arithmetic"):
        with wb.autocast("cpu", dtype=wb.bfloat16):
            pass


INTERPOLATIONS = [
    ((1, 2, 5), {"scale_factor": 2, "mode": "nearest"}),
    ((1, 2, 5), {"size": 7}),
    ((2, 3, 4, 5), {"scale_factor": 1.5}),
    ((1, 1, 5, 7), {"scale_factor": (0.7, 1.3)}),
    ((1, 2, 5), {"size": 8, "mode": "linear", "align_corners": True}),
    ((1, 2, 4, 5), {"scale_factor": 2, "mode": "bilinear"}),
    ((1, 2, 4, 5), {"size": (3, 9), "mode": "bilinear", "align_corners": False}),
    ((1, 1, 6, 6), {"scale_factor": 0.5, "mode": "bilinear"}),
    ((2, 1, 3, 4, 5), {"scale_factor": 2, "mode": "trilinear"}),
]


@pytest.mark.parametrize(("shape", "options"), INTERPOLATIONS, ids=repr)
def test_interpolate_matches_torch(shape: tuple, options: dict) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    outs, grads = [], []
    for lib in (wb, T):
        t = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.interpolate(t, **options)
        g = np.cos(np.arange(out.numel(), dtype=np.float32)).reshape(tuple(out.shape))
        (out * lib.tensor(g)).sum().backward()
        outs.append(out.detach().numpy())
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-5)


def test_settings_backends_and_small_functions_as_torch() -> None:
    """What training scripts set and call before the real work."""
    for lib in (wb, T):
        assert lib.backends.mps.is_available() is False
        lib.backends.cudnn.benchmark = True
        assert lib.backends.cudnn.benchmark is True
        lib.backends.cudnn.benchmark = False
        lib.set_float32_matmul_precision("high")
        assert lib.get_float32_matmul_precision() == "high"
        lib.set_float32_matmul_precision("highest")
        threads = lib.get_num_threads()
        lib.set_num_threads(threads)
        assert lib.get_num_threads() == threads
        lib.cuda.empty_cache()
        parts = lib.tensor_split(lib.arange(7), [5, 2])
        assert [p.tolist() for p in parts] == [[0, 1, 2, 3, 4], [], [2, 3, 4, 5, 6]]
        x = lib.tensor([-2.0, 0.5, 3.0])
        assert x.clamp_min(0.0).tolist() == [0.0, 0.5, 3.0]
        assert lib.clamp_max(x, 1.0).tolist() == [-2.0, 0.5, 1.0]
        np.testing.assert_allclose(
            lib.erfinv(lib.tensor([0.0, 0.5, -0.9])).numpy(),
            [0.0, 0.4769363, -1.1630871],
            rtol=1e-5,
        )
        if not lib.cuda.is_available():
            with pytest.raises(RuntimeError, match="no.*accelerator|none is available"):
                x.pin_memory()


def test_trunc_normal_and_orthogonal_initialisers() -> None:
    wb.manual_seed(0)
    w = wb.nn.init.trunc_normal_(wb.empty(200, 100), mean=0.5, std=0.2, a=0.0, b=1.0)
    values = w.numpy()
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert abs(values.mean() - 0.5) < 0.01 and abs(values.std() - 0.2) < 0.02  # truncation at 2.5σ
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        q = wb.nn.init.orthogonal_(wb.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-5)


def test_norms_index_add_isin_argwhere_match_torch() -> None:
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    results = []
    for lib in (wb, T):
        t = lib.tensor(x, requires_grad=True)
        norms = [
            lib.linalg.norm(t),
            lib.linalg.norm(t, dim=1, keepdim=True),
            lib.linalg.vector_norm(t, 3, dim=1),
            lib.linalg.vector_norm(t, float("inf")),
            lib.linalg.vector_norm(t, 0, dim=0),
            lib.linalg.vector_norm(t, 1),
        ]
        sum(n.sum() for n in norms).backward()
        added = lib.zeros(5).index_add_(
            0, lib.tensor([0, 4, 0]), lib.tensor([1.0, 2.0, 3.0]), alpha=2
        )
        results.append(
            [n.detach().numpy() for n in norms]
            + [t.grad.numpy(), added.numpy()]
            + [lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2, 5])).numpy()]
            + [lib.argwhere(lib.tensor([[0, 1], [1, 0]])).numpy()]
        )
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
@pytest.mark.parametrize("dims", [(0, 1), (1, 2), (2, 0), (-1, -2)])
def test_rot90_matches_torch(k: int, dims: tuple) -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(
        wb.rot90(wb.tensor(x), k, dims).numpy(), T.rot90(T.tensor(x), k, dims).numpy()
    )


@pytest.mark.parametrize(
    ("left", "right"), [((2, 3), (4, 5)), ((3,), (2,)), ((2, 2), (3,)), ((2, 1, 3), (2, 2, 2))]
)
def test_kron_values_and_gradients_match_torch(left: tuple, right: tuple) -> None:
    rng = np.random.default_rng(0)
    a, b = (
        rng.standard_normal(left).astype(np.float32),
        rng.standard_normal(right).astype(np.float32),
    )
    results = []
    for lib in (wb, T):
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.kron(ta, tb)
        (out * out).sum().backward()
        results.append([out.detach().numpy(), ta.grad.numpy(), tb.grad.numpy()])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_categorical_distribution_matches_torch(kind: str) -> None:
    """log_prob, entropy, normalised probs/logits and their gradients as PyTorch's;
    samples follow the probabilities."""
    rng = np.random.default_rng(0)
    params = (
        rng.random((2, 4)).astype(np.float32)
        if kind == "probs"
        else rng.standard_normal((2, 4)).astype(np.float32)
    )
    if kind == "probs":
        params[0, 1] = 0.0  # a zero probability: log is kept finite as in PyTorch
    values = np.array([[0, 3], [1, 2], [3, 1]])
    results = []
    for lib in (wb, T):
        p = lib.tensor(params, requires_grad=True)
        dist = lib.distributions.Categorical(**{kind: p})
        log_prob, entropy = dist.log_prob(lib.tensor(values)), dist.entropy()
        (log_prob.sum() + entropy.sum()).backward()
        results.append([log_prob, entropy, p.grad, dist.probs, dist.logits])
        sample = dist.sample((5,))
        assert tuple(sample.shape) == (5, 2) and sample.dtype == lib.int64
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(
            ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6
        )
    wb.manual_seed(0)
    draws = wb.distributions.Categorical(wb.tensor([0.1, 0.6, 0.3])).sample((20000,)).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.1, 0.6, 0.3], atol=0.015)


def test_normal_distribution_matches_torch() -> None:
    results = []
    for lib in (wb, T):
        loc = lib.tensor([0.5, -1.0], requires_grad=True)
        scale = lib.tensor([1.5, 0.3], requires_grad=True)
        dist = lib.distributions.Normal(loc, scale)
        log_prob = dist.log_prob(lib.tensor([[0.1, 0.2], [1.0, -1.0]]))
        entropy = dist.entropy()
        (log_prob.sum() + entropy.sum()).backward()
        draw = dist.rsample((3,))
        assert tuple(draw.shape) == (3, 2) and draw.requires_grad
        results.append([log_prob, entropy, loc.grad, scale.grad])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5)
    wb.manual_seed(0)
    sample = wb.distributions.Normal(2.0, 0.5).sample((20000,)).numpy()
    assert abs(sample.mean() - 2.0) < 0.02 and abs(sample.std() - 0.5) < 0.02
