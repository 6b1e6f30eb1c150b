"""Bad input gets a clear error naming the operation, the shapes/dtypes/devices and
what was expected, raised before any implementation runs."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.backend import get_device
from workbench.core import Array, array, make_graph, ops


def f32(shape: tuple[int, ...]) -> Array:
    return array(np.ones(shape, np.float32))


def test_matmul_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(
        ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned: 4 != 5"
    ):
        ops.matmul(f32((3, 4)), f32((5, 2)))


def test_dot_general_misaligned_contraction() -> None:
    with pytest.raises(
        ValueError, match=r"dot_general: shapes \(3, 4\) and \(5, 2\) are not aligned"
    ):
        ops.dot_general(f32((3, 4)), f32((5, 2)), contracting=((1,), (0,)))


def test_broadcast_failure_names_the_operation_and_shapes() -> None:
    with pytest.raises(
        ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast together: 3 != 4"
    ):
        ops.add(f32((3,)), f32((4,)))


def test_dtype_mismatch_is_never_silently_promoted() -> None:
    with pytest.raises(
        TypeError, match=r"mul: operand dtypes differ \(f32\[2\] and f64\[2\]\); cast one"
    ):
        ops.mul(f32((2,)), array(np.ones(2)))


def test_float_only_ops_reject_integers() -> None:
    with pytest.raises(TypeError, match=r"exp: expected a float dtype .*got i64\[2\]"):
        ops.exp(array([1, 2]))


def test_scalar_that_does_not_fit_the_dtype() -> None:
    with pytest.raises(TypeError, match="2.5 cannot be represented as int64"):
        ops.add(array([1, 2]), 2.5)


def test_operands_on_different_devices(two_cpus: None) -> None:
    a = array(np.ones(2, np.float32), device="cpu:0")
    b = array(np.ones(2, np.float32), device="cpu:1")
    with pytest.raises(
        ValueError,
        match=r"add: operands are on different devices \(f32\[2\] on cpu:0, f32\[2\] on cpu:1\)",
    ):
        ops.add(a, b)
    with pytest.raises(ValueError, match="different devices"):
        make_graph(lambda x, y: ops.add(x, y), a, b)


def test_shape_errors_are_raised_while_tracing_too() -> None:
    with pytest.raises(
        ValueError, match="reshape: cannot reshape f32\\[2,3\\] into shape \\(4, 2\\)"
    ):
        make_graph(lambda x: ops.reshape(x, (4, 2)), f32((2, 3)))


def test_conv_channel_mismatch() -> None:
    with pytest.raises(ValueError, match="conv: input channels 3 must equal kernel in-channels 2"):
        ops.conv(f32((1, 3, 5, 5)), f32((4, 2, 3, 3)))


def test_conv_kernel_larger_than_input() -> None:
    with pytest.raises(ValueError, match="larger than the padded input"):
        ops.conv(f32((1, 1, 2, 2)), f32((1, 1, 3, 3)))


def test_reductions_check_axes() -> None:
    with pytest.raises(
        ValueError, match="reduce_sum: axis 2 is out of range for an array of rank 2"
    ):
        ops.reduce_sum(f32((2, 3)), axes=2)
    with pytest.raises(ValueError, match="reduce_max: cannot reduce an empty axis"):
        ops.reduce_max(f32((0, 3)), axes=0)


def test_gather_out_of_range_index_is_explained() -> None:
    with pytest.raises(IndexError, match=r"gather: an index is out of range for shape \(3,\)"):
        ops.index(f32((3,)), np.array([0, 5]))
    with pytest.raises(IndexError, match="index 7 is out of range for axis 0 of size 3"):
        ops.index(f32((3,)), 7)


def test_select_needs_a_boolean_predicate() -> None:
    with pytest.raises(TypeError, match="select: the predicate must be bool"):
        ops.select(f32((2,)), f32((2,)), f32((2,)))


def test_non_arrays_are_refused_by_name() -> None:
    with pytest.raises(
        TypeError, match="add: expected a workbench array or a Python number, got list"
    ):
        ops.add(f32((2,)), [1.0, 2.0])


def test_unsupported_dtype() -> None:
    with pytest.raises(TypeError, match="complex128 is not supported"):
        array(np.ones(2, np.complex128))


def test_missing_gpu_is_explained() -> None:
    from workbench.backend import cuda_available

    if cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        get_device("cuda:0")


def _elementwise(kind: str) -> list[str]:
    from workbench.core import all_primitives

    return [p.name for p in all_primitives() if p.family == kind]


@pytest.mark.parametrize("name", _elementwise("binary elementwise"))
def test_every_binary_primitive_names_itself_in_shape_dtype_and_device_errors(
    name: str, two_cpus: None
) -> None:
    from workbench.core import apply, get_primitive

    prim = get_primitive(name)
    with pytest.raises(
        ValueError, match=rf"{name}: operand shapes differ \(f32\[2\] and f32\[3\]\)"
    ):
        apply(prim, f32((2,)), f32((3,)))
    with pytest.raises(
        TypeError, match=rf"{name}: operand dtypes differ \(f32\[2\] and f64\[2\]\)"
    ):
        apply(prim, f32((2,)), array(np.ones(2)))
    with pytest.raises(ValueError, match=rf"{name}: operands are on different devices"):
        apply(prim, f32((2,)), array(np.ones(2, np.float32), device="cpu:1"))


@pytest.mark.parametrize("name", _elementwise("unary elementwise"))
def test_every_unary_primitive_names_itself_in_dtype_errors(name: str) -> None:
    from workbench.core import apply, get_primitive

    prim = get_primitive(name)
    wrong = (
        array(np.ones(2, np.float32)) if name == "logical_not" else array(np.array([True, False]))
    )
    with pytest.raises(TypeError, match=rf"{name}: expected a \w+ dtype"):
        apply(prim, wrong)


def test_select_gives_a_python_number_the_branch_dtype_not_the_predicate() -> None:
    x = array(np.array([1.5, -2.0], np.float32))
    for out in (ops.select(ops.gt(x, 0), x, 0), ops.select(ops.gt(x, 0), 0.25, x)):
        assert out.dtype == x.dtype
    np.testing.assert_array_equal(ops.select(ops.gt(x, 0), x, 0).numpy(), [1.5, 0.0])
    np.testing.assert_array_equal(ops.select(ops.gt(x, 0), 0.25, x).numpy(), [0.25, -2.0])


def test_a_scalar_boolean_index_adds_an_axis_and_false_is_refused_clearly() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert ops.index(array(a), True).shape == a[True].shape == (1, 2, 3)
    assert ops.index(array(a), (0, True)).shape == a[0, True].shape
    with pytest.raises(IndexError, match="False scalar mask"):
        ops.index(array(a), False)
