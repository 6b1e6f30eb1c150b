"""TensorFlow's everyday operations the real programs needed (sorting, top-k, scatters,
segments, masks, rolls, einsum, norms and clipping, NaN checks, confusion matrices,
tf.print), against TensorFlow 2.21: values, dtypes, gradients and printed text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

tf = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 5)).astype(np.float32)
A[1, 2] = A[1, 4]  # a tie
B = RNG.standard_normal((5, 4)).astype(np.float32)
IDS = np.array([0, 2, 2, 1, 3, -1])
ROWS = RNG.standard_normal((6, 3)).astype(np.float32)
LABELS = np.array([0, 1, 2, 2, 1, 0, 3])
PREDS = np.array([0, 2, 2, 1, 1, 0, 0])
SPECIAL = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], np.float32)

CASES: list[tuple[str, Any]] = [
    ("sort", lambda m: m.sort(A)),
    ("sort_desc", lambda m: m.sort(A, axis=0, direction="DESCENDING")),
    ("argsort", lambda m: m.argsort(A)),
    ("argsort_desc_ties", lambda m: m.argsort(A, direction="DESCENDING", stable=True)),
    ("top_k_values", lambda m: m.math.top_k(A, 3).values),
    ("top_k_indices", lambda m: m.math.top_k(A, 2).indices),
    ("nn_top_k", lambda m: m.nn.top_k(A, 1)[0]),
    ("in_top_k", lambda m: m.math.in_top_k(np.array([4, 2, 0]), A, 2)),
    ("unique_y", lambda m: m.unique(np.array([3, 1, 3, 2, 1])).y),
    ("unique_idx", lambda m: m.unique(np.array([3, 1, 3, 2, 1])).idx),
    ("scatter_nd", lambda m: m.scatter_nd([[1], [3], [1]], [9.0, 10.0, 1.0], [5])),
    ("scatter_nd_rows", lambda m: m.scatter_nd([[0, 1], [2, 2]], B[:2, :1].ravel(), [3, 4])),
    (
        "tensor_scatter_update",
        lambda m: m.tensor_scatter_nd_update(A, [[0, 1], [2, 3]], [5.0, 6.0]),
    ),
    ("tensor_scatter_add", lambda m: m.tensor_scatter_nd_add(A, [[1], [1]], A[:2])),
    ("segment_sum", lambda m: m.math.unsorted_segment_sum(ROWS, IDS, 4)),
    ("segment_mean", lambda m: m.math.unsorted_segment_mean(ROWS, IDS, 4)),
    ("bincount", lambda m: m.math.bincount(np.array([1, 1, 3, 0]), minlength=6)),
    ("broadcast_to", lambda m: m.broadcast_to(A[:1], [4, 5])),
    ("sequence_mask", lambda m: m.sequence_mask([1, 3, 0], 4)),
    ("sequence_mask_float", lambda m: m.sequence_mask(np.array([[2], [1]]), 3, dtype="float32")),
    ("roll", lambda m: m.roll(A, 2, 1)),
    ("roll_two_axes", lambda m: m.roll(A, [1, -2], [0, 1])),
    ("meshgrid_xy", lambda m: m.meshgrid([1, 2, 3], [4, 5])[0]),
    ("meshgrid_ij", lambda m: m.meshgrid([1, 2, 3], [4, 5], indexing="ij")[1]),
    ("einsum_matmul", lambda m: m.einsum("ij,jk->ik", A, B)),
    ("einsum_trace_outer", lambda m: m.einsum("ii,j->j", A[:, :3], B[0])),
    ("einsum_batch", lambda m: m.einsum("bij,bjk->bik", np.stack([A, A]), np.stack([B, B]))),
    ("linalg_einsum", lambda m: m.linalg.einsum("ij->j", A)),
    ("norm", lambda m: m.norm(A)),
    ("norm_axis", lambda m: m.norm(A, axis=1, keepdims=True)),
    ("global_norm", lambda m: m.linalg.global_norm([A, B])),
    ("clip_by_norm", lambda m: m.clip_by_norm(A, 1.5)),
    ("clip_by_norm_axes", lambda m: m.clip_by_norm(A, 1.0, axes=[1])),
    ("clip_by_global_norm", lambda m: m.clip_by_global_norm([A, B], 2.0)[0][1]),
    ("clip_by_global_norm_total", lambda m: m.clip_by_global_norm([A, B], 2.0)[1]),
    ("divide_no_nan", lambda m: m.math.divide_no_nan(A[0], np.array([1, 0, 2, 0, 4], np.float32))),
    (
        "multiply_no_nan",
        lambda m: m.math.multiply_no_nan(SPECIAL, np.array([1, 0, 0, 2, 0], np.float32)),
    ),
    ("is_nan", lambda m: m.math.is_nan(SPECIAL)),
    ("is_inf", lambda m: m.math.is_inf(SPECIAL)),
    ("is_finite", lambda m: m.math.is_finite(SPECIAL)),
    ("confusion", lambda m: m.math.confusion_matrix(LABELS, PREDS)),
    (
        "confusion_weighted",
        lambda m: m.math.confusion_matrix(
            LABELS, PREDS, 5, weights=np.arange(7.0), dtype="float32"
        ),
    ),
    ("reduce_mean_int", lambda m: m.reduce_mean(np.array([[-1, -2, -4], [7, 8, 9]]), axis=1)),
    ("floor_ceil", lambda m: m.floor(A) + m.math.ceil(A)),
    ("map_fn", lambda m: m.map_fn(lambda r: m.reduce_sum(r * r), m.constant(A))),
    (
        "gather_batch_dims",
        lambda m: m.gather(np.stack([A, A + 1]), np.array([[2, 0], [1, 1]]), batch_dims=1),
    ),
]


@pytest.mark.parametrize("call", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_op_equals_tensorflow(call: Any) -> None:
    want, got = call(tf), call(wtf)
    assert got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


GRADS: list[tuple[str, Any]] = [
    ("sort", lambda m, x: m.sort(x, direction="DESCENDING")),
    ("top_k", lambda m, x: m.math.top_k(x, 3).values),
    ("scatter_nd", lambda m, x: m.scatter_nd([[2], [0], [2]], x[:, 0], [4])),
    ("tensor_scatter_update", lambda m, x: m.tensor_scatter_nd_update(x, [[0, 1]], [7.0])),
    ("segment_sum", lambda m, x: m.math.unsorted_segment_sum(x, [1, 0, 1], 3)),
    ("roll", lambda m, x: m.roll(x, 3, 1)),
    ("einsum", lambda m, x: m.einsum("ij,kj->ik", x, x)),
    ("clip_by_norm", lambda m, x: m.clip_by_norm(x, 1.0)),
    (
        "divide_no_nan",
        lambda m, x: m.math.divide_no_nan(x, x * 0 + np.array([1, 0, 2, 0, 4], np.float32)),
    ),
    ("broadcast_to", lambda m, x: m.broadcast_to(x[:1], [4, 5])),
]


@pytest.mark.parametrize("call", [c[1] for c in GRADS], ids=[c[0] for c in GRADS])
def test_gradient_equals_tensorflow(call: Any) -> None:
    grads = []
    for m in (tf, wtf):
        x = m.constant(A)
        with m.GradientTape() as tape:
            tape.watch(x)
            out = call(m, x)
            r = (
                np.cos(np.arange(int(np.prod(out.shape))))
                .reshape(tuple(out.shape))
                .astype(np.float32)
            )
            total = m.reduce_sum(out * r)
        grads.append(np.asarray(tape.gradient(total, x)))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


def test_segment_ids_past_the_end_are_refused_as_tensorflow() -> None:
    for m in (tf, wtf):
        with pytest.raises(m.errors.InvalidArgumentError, match="out of range"):
            m.math.unsorted_segment_sum(ROWS, np.array([0, 1, 2, 3, 4, 0]), 4)


def test_ops_run_inside_graphs_and_functions() -> None:
    @wtf.function
    def f(x: Any) -> Any:
        return wtf.sort(x)[:, -1] + wtf.math.top_k(x, 1).values[:, 0] + wtf.roll(x, 1, 0)[:, 0]

    np.testing.assert_allclose(f(A).numpy(), 2 * A.max(1) + np.roll(A, 1, 0)[:, 0], rtol=1e-6)
    with wtf.Graph().as_default():
        x = wtf.compat.v1.placeholder(wtf.float32, [None, 5])
        y = wtf.einsum("ij,jk->ik", x, B)
        with wtf.compat.v1.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {x: A}), A @ B, rtol=1e-5)


PRINTS: list[Any] = [
    lambda m: m.print("x is", m.constant([1.5, 2.0]), 3),
    lambda m: m.print(m.constant([True, False]), m.constant([0.1, 1e-8, 123456789.0, -2.5])),
    lambda m: m.print(m.reshape(m.range(40), (4, 10))),
    lambda m: m.print(m.constant(np.arange(7.0)), summarize=2),
    lambda m: m.print({"a": m.constant(1)}, [m.constant(2), 3], sep="|"),
    lambda m: m.print(m.constant(np.float64(1 / 3)), m.constant(np.float32(1 / 3)), end="!\n"),
]


@pytest.mark.parametrize("call", PRINTS)
def test_print_writes_what_tensorflow_writes(call: Any, capfd: pytest.CaptureFixture[str]) -> None:
    call(tf)
    want = capfd.readouterr().err
    call(wtf)
    assert capfd.readouterr().err == want


def test_print_runs_on_every_call_of_a_function(capfd: pytest.CaptureFixture[str]) -> None:
    @wtf.function
    def f(x: Any) -> Any:
        wtf.print("step", x)
        return x + 1

    f(wtf.constant(1))
    f(wtf.constant(5))
    assert capfd.readouterr().err == "step 1\nstep 5\n"
