"""Every primitive, generated from the spec table in ``primitive_specs.py``:

1. forward against a float64 NumPy reference (float32 and float64, non-contiguous inputs);
2. the shape rule agrees with what the implementation returns (and the trace validates);
3. VJP and JVP against central finite differences in float64, with the exact
   <vjp(g), t> = <g, jvp(t)> consistency, and order 2 for smooth primitives;
4. the same numbers on ``cuda:0`` (gpu marker).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import GRAD_TOL, TOL
from tests.core.primitive_specs import CONCRETE_ONLY, SPECS, Spec
from tests.strategies import layouts
from workbench.backend import dtypes, get_device
from workbench.core import (
    Array,
    all_primitives,
    array,
    check_grads,
    make_graph,
    ops,
    tree,
    validate,
)

NAMES = sorted(SPECS)
DIFFERENTIABLE = sorted(n for n, s in SPECS.items() if s.differentiable)


def _draw(data: Any, spec: Spec) -> tuple[list[np.ndarray], dict[str, Any]]:
    seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
    return spec.draw_args(data.draw, np.random.default_rng(seed))


def _as_arrays(
    hosts: list[np.ndarray], dtype: str, data: Any = None, device: str = "cpu"
) -> list[Array]:
    arrays = []
    for h in hosts:
        host = h.astype(dtype)
        if data is not None:
            host = data.draw(layouts(host), label="layout")
        dev = get_device(device)
        arrays.append(Array(host if dev.platform == "cpu" else dev.put(host), dev))
    return arrays


def _leaves(out: Any) -> list[np.ndarray]:
    return [np.asarray(leaf) for leaf in tree.flatten(out)[0]]


def test_every_primitive_has_a_spec() -> None:
    registered = {p.name for p in all_primitives()}
    assert registered == set(SPECS), (
        f"primitives without a spec: {sorted(registered - set(SPECS))}; "
        f"specs without a primitive: {sorted(set(SPECS) - registered)}"
    )


def test_every_primitive_defines_impl_shape_vjp_and_jvp() -> None:
    for p in all_primitives():
        assert {"impl", "shape", "vjp", "jvp"} <= p.rules, p.name


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_forward_matches_float64_numpy_reference(name: str, data: Any) -> None:
    spec = SPECS[name]
    hosts, params = _draw(data, spec)
    for dtype in spec.float_dtypes:
        args = _as_arrays(hosts, dtype, data)
        rounded = [h.astype(dtype).astype(np.float64) for h in hosts]
        expected = spec.reference(*rounded, **params)
        actual = spec.op(*args, **params)
        for a, e in zip(_leaves(actual), _leaves(expected), strict=True):
            assert a.shape == np.shape(e), f"{name}: shape {a.shape} != reference {np.shape(e)}"
            if a.dtype.kind == "f" and np.asarray(e).dtype == np.float64:
                assert a.dtype == np.dtype(dtype), (
                    f"{name}: dtype changed from {dtype} to {a.dtype}"
                )
                np.testing.assert_allclose(a, e, **TOL[np.dtype(dtype)], err_msg=name)
            else:
                np.testing.assert_array_equal(a, e, err_msg=name)


BFLOAT16 = sorted(
    n for n, s in SPECS.items() if "float32" in s.float_dtypes and n not in CONCRETE_ONLY
)


@pytest.mark.parametrize("name", BFLOAT16)
@settings(max_examples=5)
@given(data=st.data())
def test_bfloat16_keeps_its_dtype_and_rounds_near_the_reference(name: str, data: Any) -> None:
    """bfloat16 (ml_dtypes) runs through every float primitive: results stay bfloat16 and
    lie within a few of its rounding steps (2**-8 relative) of the float64 reference."""
    spec = SPECS[name]
    hosts, params = _draw(data, spec)
    bf16 = dtypes.bfloat16
    args = _as_arrays(hosts, bf16)
    expected = spec.reference(*[h.astype(bf16).astype(np.float64) for h in hosts], **params)
    for a, e in zip(_leaves(spec.op(*args, **params)), _leaves(expected), strict=True):
        if np.asarray(e).dtype == np.float64:
            assert a.dtype == bf16, f"{name}: dtype changed from bfloat16 to {a.dtype}"
            np.testing.assert_allclose(a.astype(np.float64), e, rtol=4e-2, atol=4e-2)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_shape_rule_agrees_with_implementation(name: str, data: Any) -> None:
    spec = SPECS[name]
    hosts, params = _draw(data, spec)
    args = _as_arrays(hosts, spec.float_dtypes[-1])
    if name in CONCRETE_ONLY | {"custom_vjp"}:
        pytest.skip(
            "these specs build operands from concrete values, or cannot be traced by design"
        )
    eager = tree.flatten(spec.op(*args, **params))[0]
    graph = make_graph(lambda *xs: spec.op(*xs, **params), *args)
    validate(graph)
    assert [(tuple(v.shape), v.dtype) for v in eager] == [
        (t.shape, t.dtype) for t in graph.out_types
    ]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_vjp_and_jvp_match_finite_differences(name: str, data: Any) -> None:
    spec = SPECS[name]
    hosts, params = _draw(data, spec)
    args = _as_arrays(hosts, "float64")
    check_grads(
        lambda *xs: spec.op(*xs, **params), args, order=spec.order, modes=spec.modes, **GRAD_TOL
    )


@pytest.mark.gpu
@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_gpu_matches_cpu(name: str, data: Any) -> None:
    spec = SPECS[name]
    hosts, params = _draw(data, spec)
    if name in CONCRETE_ONLY:
        cpu = spec.op(*_as_arrays(hosts, "float64"), **params)
        pytest.skip("these specs build CPU operands themselves; threefry parity is in test_random")
    cpu = spec.op(*_as_arrays(hosts, "float64"), **params)
    gpu = spec.op(*_as_arrays(hosts, "float64", device="cuda:0"), **params)
    for c, g in zip(tree.flatten(cpu)[0], tree.flatten(gpu)[0], strict=True):
        assert g.device.name == "cuda:0"
        np.testing.assert_allclose(g.numpy(), c.numpy(), rtol=1e-10, atol=1e-10, err_msg=name)
    if spec.differentiable:
        check_grads(
            lambda *xs: spec.op(*xs, **params),
            _as_arrays(hosts, "float64", device="cuda:0"),
            order=1,
            modes=spec.modes,
            **GRAD_TOL,
        )


def test_dot_general_contracting_both_axes_of_matrices_is_a_full_contraction() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    got = ops.dot_general(array(x), array(y), ((0, 1), (1, 0)))
    np.testing.assert_allclose(got.numpy(), np.tensordot(x, y, ((0, 1), (1, 0))), rtol=1e-12)
    assert got.shape == ()


@given(st.data())
def test_unbatched_dot_general_equals_tensordot_for_any_pairing_of_axes(data: Any) -> None:
    ndim_x, ndim_y = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    n_pairs = data.draw(st.integers(0, min(ndim_x, ndim_y)))
    xc = data.draw(st.permutations(range(ndim_x)))[:n_pairs]
    yc = data.draw(st.permutations(range(ndim_y)))[:n_pairs]
    sizes = [data.draw(st.integers(1, 4)) for _ in range(n_pairs)]
    x_shape = [data.draw(st.integers(1, 4)) for _ in range(ndim_x)]
    y_shape = [data.draw(st.integers(1, 4)) for _ in range(ndim_y)]
    for a, b, s in zip(xc, yc, sizes):
        x_shape[a] = y_shape[b] = s
    rng = np.random.default_rng(n_pairs)
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    if data.draw(st.booleans()):  # an operand that is itself a transposed view
        x = np.ascontiguousarray(x.T).T
    got = ops.dot_general(array(x), array(y), (tuple(xc), tuple(yc)))
    np.testing.assert_allclose(got.numpy(), np.tensordot(x, y, (xc, yc)), rtol=1e-12, atol=1e-12)


def _direct_conv(x: np.ndarray, w: np.ndarray, pads: Any) -> np.ndarray:
    """The 2-d convolution by its definition, in float64: Y[b, o, a] = Σ_c Σ_k
    X[b, c, a + k] W[o, c, k] over the zero-padded input."""
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), *pads))
    kernel = w.shape[2:]
    out = [p - k + 1 for p, k in zip(padded.shape[2:], kernel)]
    want = np.zeros((x.shape[0], w.shape[0], *out))
    for i in range(out[0]):
        for j in range(out[1]):
            seen = padded[:, :, i : i + kernel[0], j : j + kernel[1]]
            want[:, :, i, j] = np.einsum("bchw,ochw->bo", seen, w)
    return want


def _assert_the_direct_sum(x: Any, w: Any, pads: Any, float32_tolerance: float) -> None:
    """``conv`` of ``x`` and ``w`` keeps their dtype and equals the direct sum (to
    ``float32_tolerance`` in float32, 1e-12 in float64)."""
    got = ops.conv(array(x), array(w), padding=pads).numpy()
    assert got.dtype == x.dtype
    tolerance = float32_tolerance if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, _direct_conv(x, w, pads), rtol=tolerance, atol=tolerance)


@given(st.data())
def test_a_convolution_smaller_than_its_kernel_equals_the_direct_sum(data: Any) -> None:
    """The weight-gradient shape (output smaller than the kernel) takes its own route;
    its numbers are the direct sum Y[b, o, a] = Σ_c Σ_k X[b, c, a + k] W[o, c, k], for
    either memory order of the operands."""
    batch, channels, out_channels = (data.draw(st.integers(1, 3)) for _ in range(3))
    kernel = [data.draw(st.integers(2, 6)) for _ in range(2)]
    pads = [(data.draw(st.integers(0, 1)), data.draw(st.integers(0, 1))) for _ in range(2)]
    out = [data.draw(st.integers(1, k - 1)) for k in kernel]  # smaller than the kernel
    size = [o + k - 1 - lo - hi for o, k, (lo, hi) in zip(out, kernel, pads)]
    rng = np.random.default_rng(sum(size))
    x = rng.standard_normal((batch, channels, *size))
    w = rng.standard_normal((out_channels, channels, *kernel))
    if data.draw(st.booleans()):  # channels-last memory, as TensorFlow's arrays have
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        w = np.ascontiguousarray(w.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    got = ops.conv(array(x), array(w), padding=pads).numpy()
    np.testing.assert_allclose(got, _direct_conv(x, w, pads), rtol=1e-10, atol=1e-10)


@given(st.data())
def test_a_convolution_to_fewer_channels_equals_the_direct_sum(data: Any) -> None:
    """Fewer output than input channels (an input gradient's shape) takes the
    product-then-col2im route; its numbers are the direct sum over padded windows, for
    any padding up to the window less one, either memory order and either float type."""
    batch, out_channels = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    channels = out_channels + data.draw(st.integers(1, 3))
    kernel = [data.draw(st.integers(1, 4)) for _ in range(2)]
    pads = [(data.draw(st.integers(0, k - 1)), data.draw(st.integers(0, k - 1))) for k in kernel]
    size = [data.draw(st.integers(max(1, k - lo - hi), 7)) for k, (lo, hi) in zip(kernel, pads)]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(sum(size) + channels)
    x = rng.standard_normal((batch, channels, *size)).astype(dtype)
    w = rng.standard_normal((out_channels, channels, *kernel)).astype(dtype)
    if data.draw(st.booleans()):
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    _assert_the_direct_sum(x, w, pads, float32_tolerance=1e-5)


@given(st.data())
def test_a_convolution_of_few_input_channels_equals_the_direct_sum(data: Any) -> None:
    """Few input channels (C·K at most 32, a first layer) in (N, C, *S) memory take the
    route of one product per image; the numbers are the direct sum, the result comes out
    (N, O, *out) C-contiguous, as PyTorch's does for such an input."""
    batch, channels, out_channels = (data.draw(st.integers(1, 3)) for _ in range(3))
    kernel = [data.draw(st.integers(1, 3)) for _ in range(2)]
    pads = [(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in kernel]
    size = [data.draw(st.integers(max(1, k - lo - hi), 8)) for k, (lo, hi) in zip(kernel, pads)]
    rng = np.random.default_rng(sum(size) + channels)
    x = rng.standard_normal((batch, channels, *size)).astype(np.float32)
    w = rng.standard_normal((out_channels, channels, *kernel)).astype(np.float32)
    got = ops.conv(array(x), array(w), padding=pads).numpy()
    assert got.flags.c_contiguous
    np.testing.assert_allclose(got, _direct_conv(x, w, pads), rtol=1e-5, atol=1e-5)


@given(st.data())
def test_a_first_layers_weight_gradient_equals_the_direct_sum(data: Any) -> None:
    """The weight gradient of a layer with few input channels, its operands the
    batch-swapped views the VJP makes of (N, C, *S) activations and an (N, O, *S)
    gradient, takes the route of one product per image; the numbers are the direct sum
    over the padded windows, in either float type."""
    images, channels, out_channels = (data.draw(st.integers(1, 4)) for _ in range(3))
    size = [data.draw(st.integers(2, 7)) for _ in range(2)]
    pads = [(data.draw(st.integers(0, 1)), data.draw(st.integers(0, 1))) for _ in range(2)]
    out = [data.draw(st.integers(1, 3)) for _ in range(2)]  # the layer's kernel
    grad_size = [s + lo + hi - o + 1 for s, (lo, hi), o in zip(size, pads, out)]
    assume(all(g > o for g, o in zip(grad_size, out)))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(sum(size) + images)
    activations = rng.standard_normal((images, channels, *size)).astype(dtype)
    gradient = rng.standard_normal((images, out_channels, *grad_size)).astype(dtype)
    _assert_the_direct_sum(activations.swapaxes(0, 1), gradient.swapaxes(0, 1), pads, 1e-4)


@given(st.data())
def test_a_padded_convolution_equals_the_direct_sum_in_either_layout(data: Any) -> None:
    """Padding and the move to channels last are one copy; any (lo, hi) pads, either
    memory order of the input, give the direct sum."""
    batch, channels, out_channels = (data.draw(st.integers(1, 3)) for _ in range(3))
    kernel = [data.draw(st.integers(1, 3)) for _ in range(2)]
    pads = [(data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))) for _ in range(2)]
    size = [data.draw(st.integers(max(1, k - lo - hi), 6)) for k, (lo, hi) in zip(kernel, pads)]
    rng = np.random.default_rng(sum(size) + channels)
    x = rng.standard_normal((batch, channels + 5, *size))  # past the few-channel route
    w = rng.standard_normal((out_channels + 8, channels + 5, *kernel))
    if data.draw(st.booleans()):
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    got = ops.conv(array(x), array(w), padding=pads).numpy()
    np.testing.assert_allclose(got, _direct_conv(x, w, pads), rtol=1e-10, atol=1e-10)


def test_a_channels_last_input_gives_a_channels_last_result() -> None:
    """As PyTorch's channels_last: (N, C, H, W) in (N, H, W, C) memory in, the same out,
    so TensorFlow's NHWC programs do not copy every activation twice."""
    rng = np.random.default_rng(3)
    nhwc = rng.standard_normal((2, 6, 6, 4)).astype(np.float32)
    x = nhwc.transpose(0, 3, 1, 2)
    for channels in (8, 3):  # more output channels, and fewer (the col2im route)
        w = rng.standard_normal((channels, 4, 3, 3)).astype(np.float32)
        got = ops.conv(array(x), array(w), padding=((1, 1), (1, 1))).numpy()
        assert got.transpose(0, 2, 3, 1).flags.c_contiguous
        want = ops.conv(array(np.ascontiguousarray(x)), array(w), padding=((1, 1), (1, 1)))
        assert want.numpy().flags.c_contiguous
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)
