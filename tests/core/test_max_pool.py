"""max_pool and its gradient: the first maximum of each window takes the gradient (as in
PyTorch), non-finite values stay where they belong, and the tiled fast path agrees with
the general one."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core import array, vjp
from workbench.core import primitives as ops


def _grad(x: np.ndarray, g: np.ndarray, **params: object) -> np.ndarray:
    _, pullback = vjp(lambda a: ops.max_pool(a, **params), array(x))
    (dx,) = pullback(array(g))
    return dx.numpy()


def _first_max_grad(x: np.ndarray, g: np.ndarray, k: int, s: int) -> np.ndarray:
    """By brute force, for (B, H, W) without padding."""
    out = np.zeros_like(x)
    for b in range(g.shape[0]):
        for i in range(g.shape[1]):
            for j in range(g.shape[2]):
                block = x[b, i * s : i * s + k, j * s : j * s + k]
                r, c = np.unravel_index(np.argmax(block), block.shape)  # the first maximum
                out[b, i * s + r, j * s + c] += g[b, i, j]
    return out


@pytest.mark.parametrize("k,s", [(2, 2), (3, 3), (2, 1), (3, 2)])
def test_ties_send_the_gradient_to_the_first_maximum(k: int, s: int) -> None:
    rng = np.random.default_rng(k * 10 + s)
    x = rng.integers(0, 3, (2, 6, 6)).astype(np.float32)  # many ties
    n = (6 - k) // s + 1
    g = rng.standard_normal((2, n, n)).astype(np.float32)
    np.testing.assert_allclose(
        _grad(x, g, window=(k, k), strides=(s, s)), _first_max_grad(x, g, k, s), rtol=1e-6
    )


def test_non_finite_gradients_and_values_stay_in_their_windows() -> None:
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    g = np.array([[[np.inf, 1.0], [np.nan, 2.0]]], np.float32)
    dx = _grad(x, g, window=(2, 2), strides=(2, 2))
    assert np.isinf(dx[0, 1, 1]) and np.isnan(dx[0, 3, 1])
    others = np.delete(dx.ravel(), [5, 13])
    assert np.count_nonzero(others) == 2 and np.isfinite(others).all()
    # a NaN in a window is its maximum (as in PyTorch) and takes the gradient
    y = x.copy()
    y[0, 0, 0] = np.nan
    out = ops.max_pool(array(y), (2, 2), (2, 2)).numpy()
    assert np.isnan(out[0, 0, 0]) and out[0, 1, 1] == 15
    dy = _grad(y, np.ones((1, 2, 2), np.float32), window=(2, 2), strides=(2, 2))
    assert dy[0, 0, 0] == 1 and dy[0, 1, 1] == 0 and dy[0, 3, 3] == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_tiled_path_equals_the_general_one(dtype: type) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 8, 6)).astype(dtype)
    x[0, 0, :2, :2] = 1.5  # a tie
    g = rng.standard_normal((3, 5, 4, 3)).astype(dtype)
    fast = _grad(x, g, window=(2, 2), strides=(2, 2))
    # one extra row and column of padding never enters a window, but takes the general path
    slow = _grad(x, g, window=(2, 2), strides=(2, 2), padding=((0, 1), (0, 1)))
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_max_pool_and_its_gradient_match_pytorch(k: int, s: int, p: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(k + s + p)
    x = rng.integers(0, 4, (2, 3, 9, 9)).astype(np.float32)  # many ties
    t = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(t, k, s, p)
    g = rng.standard_normal(tuple(expected.shape)).astype(np.float32)
    expected.backward(torch.tensor(g))
    pads = ((p, p), (p, p))
    out, pullback = vjp(lambda a: ops.max_pool(a, (k, k), (s, s), pads), array(x))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    np.testing.assert_allclose(pullback(array(g))[0].numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (4, 7, 6), (2, 2, 3, 7, 6)])
def test_max_pool_exports_to_onnx_maxpool(shape: tuple[int, ...]) -> None:
    pytest.importorskip("onnxruntime")
    from workbench.core import make_graph
    from workbench.core.onnx import graph_to_onnx, run

    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    pool = lambda a: ops.max_pool(a, (3, 2), (2, 2), ((1, 1), (0, 0)))  # noqa: E731
    model = graph_to_onnx(make_graph(pool, array(x)))
    assert "MaxPool" in {node.op_type for node in model.graph.node}
    (got,) = run(model, x)
    np.testing.assert_array_equal(got, pool(array(x)).numpy())


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lead", [0, 2], ids=["2-d window", "reduce_window's 4-d window"])
@pytest.mark.parametrize("per_row", [10, 7, 3])  # windows per row: a vector's worth or fewer
def test_the_native_kernels_equal_the_numpy_route_and_pytorch(
    dtype: type, k: int, lead: int, per_row: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.backend import kernels

    rng = np.random.default_rng(7)
    planes = 80 // per_row  # about as many elements for every row length
    x = rng.integers(0, 3, (4, planes, 4 * k, per_row * k)).astype(dtype)  # ties everywhere
    g = rng.standard_normal((4, planes, 4, per_row)).astype(dtype)

    def pool(values: np.ndarray, cotangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        window = (1,) * lead + (k, k)
        out, pullback = vjp(lambda a: ops.max_pool(a, window, window), array(values))
        return out.numpy(), pullback(array(cotangent))[0].numpy()

    if kernels.max_pool_grad_tiled(np, x, x[..., ::k, ::k], g, (k, k)) is None:
        pytest.skip("no C compiler: the NumPy route is the only one")
    native = pool(x, g)
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(t, k, k)
    expected.backward(torch.tensor(g))
    np.testing.assert_array_equal(native[0], expected.detach().numpy())
    np.testing.assert_array_equal(native[1], t.grad.numpy())

    x[0, 0, 0, 1] = x[1, 2, 5, 5] = np.nan  # NaN is its window's maximum and takes the gradient
    g[2, 3, 1, 1], g[3, 0, 2, 2] = np.inf, np.nan  # non-finite cotangents stay in their windows
    native = pool(x, g)
    monkeypatch.setattr(kernels, "max_pool_tiled", lambda *a: None)
    monkeypatch.setattr(kernels, "max_pool_grad_tiled", lambda *a: None)
    strided = pool(x, g)
    for a, b in zip(native, strided):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_in_either_layout_and_memory_order_takes_a_native_kernel(
    dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TensorFlow's layout (windows (1, 2, 2, 1) over NHWC) and PyTorch's (NCHW), each over
    memory in either order — NCHW-ordered NHWC arrays are what a convolution's result is
    there, NHWC-ordered NCHW views what TensorFlow's pooling hands the core — run one of
    the two kernels (pooled axes last, or channels last), with PyTorch's numbers, equal to
    the NumPy route's."""
    from workbench.backend import kernels

    rng = np.random.default_rng(3)
    nchw = rng.integers(0, 3, (4, 8, 8, 20)).astype(dtype)
    nchw[1, 2, 3, 3] = np.nan
    g = rng.standard_normal((4, 8, 4, 10)).astype(dtype)
    if kernels.max_pool_tiled(np, nchw, (2, 2)) is None:
        pytest.skip("no C compiler: the NumPy route is the only one")
    torch = pytest.importorskip("torch")
    t = torch.tensor(nchw, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(t, 2, 2)
    expected.backward(torch.tensor(g))
    want = expected.detach().numpy(), t.grad.numpy()
    nhwc_memory = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
    cases = {  # name: (array, window, axes back to NCHW)
        "nchw": (nchw, (2, 2), (0, 1, 2, 3)),
        "nchw view of nhwc memory": (nhwc_memory.transpose(0, 3, 1, 2), (2, 2), (0, 1, 2, 3)),
        "nhwc": (nhwc_memory, (1, 2, 2, 1), (0, 3, 1, 2)),
        "nhwc view of nchw memory": (nchw.transpose(0, 2, 3, 1), (1, 2, 2, 1), (0, 3, 1, 2)),
    }

    def pool(x: np.ndarray, window: tuple[int, ...], back: tuple[int, ...]) -> list[np.ndarray]:
        cotangent = g.transpose(np.argsort(back))
        out, pullback = vjp(lambda a: ops.max_pool(a, window, window), array(x))
        return [out.numpy().transpose(back), pullback(array(cotangent))[0].numpy().transpose(back)]

    native = {}
    for name, (x, window, back) in cases.items():
        assert kernels.max_pool_tiled(np, x, window) is not None, name
        native[name] = pool(x, window, back)
        for got, expected_value in zip(native[name], want):
            np.testing.assert_array_equal(got, expected_value, err_msg=name)
    monkeypatch.setattr(kernels, "max_pool_tiled", lambda *a: None)
    monkeypatch.setattr(kernels, "max_pool_grad_tiled", lambda *a: None)
    for name, (x, window, back) in cases.items():
        for got, expected_value in zip(pool(x, window, back), native[name]):
            np.testing.assert_array_equal(got, expected_value, err_msg=name)
