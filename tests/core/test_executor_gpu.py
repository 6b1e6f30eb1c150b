"""The executor on a CUDA device: fused CUDA kernels (vectorised and general), cuBLAS
products through ctypes, and CUDA-graph replay of a whole training step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.core import array, make_graph, ops
from workbench.core.executor import Executor

pytestmark = pytest.mark.gpu


def cuda(x: Any) -> Any:
    return array(np.asarray(x), device="cuda:0")


@pytest.mark.parametrize("size", [1024, 1001])  # vectorised float4 path, and the general one
def test_fused_cuda_kernels_match_eager(size: int) -> None:
    x = cuda(np.linspace(-3, 3, size, dtype=np.float32))
    f = lambda v: ops.maximum(ops.mul(ops.logistic(v), ops.erf(v)), ops.relu(ops.neg(v)))  # noqa: E731
    graph = make_graph(f, x)
    executor = Executor()
    out = executor.run(graph, x)[0]
    assert executor.stats.kernels == 1 and out.device.name == "cuda:0"
    np.testing.assert_allclose(out.numpy(), f(x).numpy(), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
def test_cublas_gemm_handles_transposed_views(transpose_a: bool, transpose_b: bool) -> None:
    import cupy

    from workbench.backend import cublas

    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 7)).astype(np.float32)
    b = rng.standard_normal((7, 3)).astype(np.float32)
    ga = cupy.asarray(a.T.copy()).T if transpose_a else cupy.asarray(a)
    gb = cupy.asarray(b.T.copy()).T if transpose_b else cupy.asarray(b)
    np.testing.assert_allclose(cupy.asnumpy(cublas.gemm(ga, gb)), a @ b, rtol=1e-5, atol=1e-5)


def test_cuda_graph_replay_of_a_training_step_matches_eager() -> None:
    from workbench.bench import compiler

    data = compiler.mlp_data(layers=(32, 16, 4), batch=8)
    names = [k for k in data if k not in ("x", "y")]
    params = [cuda(data[k]) for k in names]
    x, y = cuda(data["x"]), cuda(data["y"])
    graph = make_graph(compiler.core_step, params, x, y)
    replay = Executor().plan(graph, graph.in_types).cuda_graph(*params, x, y)
    expected = compiler.core_step(params, x, y)
    for _ in range(2):
        for a, e in zip(replay(*params, x, y), expected):
            np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-5, atol=1e-6)
    moved = [cuda(v.numpy() * 0.5) for v in params]
    for a, e in zip(replay(*moved, x, y), compiler.core_step(moved, x, y)):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-5, atol=1e-6)
