"""Devices, transfers and the dtype promotion table."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from workbench.backend import default_device, devices, dtypes, get_device, using_device
from workbench.core import array, ops


def test_default_device_is_cpu0_and_float32_is_the_default_float() -> None:
    # (the suite runs with two logical CPUs; cpu:0 stays the default)
    assert default_device().name == "cpu:0"
    assert array([1.0]).dtype == dtypes.float32
    assert array([1]).dtype == dtypes.int64
    assert array(np.ones(2)).dtype == dtypes.float64  # a NumPy array keeps its dtype


def test_device_names_resolve_to_one_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CPU_DEVICES", "1")
    assert get_device("cpu") is get_device("cpu:0") is get_device("CPU:0")
    with pytest.raises(ValueError, match="unknown device"):
        get_device("tpu:0")
    with pytest.raises(ValueError, match="cpu has 1 device"):
        get_device("cpu:3")


def test_logical_cpu_devices_and_transfers(two_cpus: None) -> None:
    assert [d.name for d in devices("cpu")] == ["cpu:0", "cpu:1"]
    a = array([1.0, 2.0], device="cpu:1")
    assert a.device.name == "cpu:1"
    b = ops.mul(a, 2.0)
    assert b.device.name == "cpu:1"
    moved = array(b, device="cpu:0")
    assert moved.device.name == "cpu:0"
    np.testing.assert_array_equal(moved.numpy(), [2.0, 4.0])
    assert moved.data is not b.data  # a transfer copies


def test_using_device_changes_where_new_arrays_go(two_cpus: None) -> None:
    with using_device("cpu:1"):
        assert array([1.0]).device.name == "cpu:1"
    assert array([1.0]).device.name == "cpu:0"


def test_synchronize_is_a_noop_on_cpu() -> None:
    get_device("cpu").synchronize()


SUPPORTED = [
    dtypes.bool_,
    dtypes.int32,
    dtypes.int64,
    dtypes.float16,
    dtypes.float32,
    dtypes.float64,
]


def test_promotion_table_is_symmetric_and_idempotent() -> None:
    for a, b in itertools.product(dtypes.DTYPES, repeat=2):
        assert dtypes.promote_types(a, b) == dtypes.promote_types(b, a)
        assert dtypes.promote_types(a, a) == a


def test_promotion_table_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    to_torch = {
        np.dtype(d): getattr(torch, str(np.dtype(d)) if d != dtypes.bool_ else "bool")
        for d in SUPPORTED
    }
    for a, b in itertools.product(SUPPORTED, repeat=2):
        expected = torch.promote_types(to_torch[a], to_torch[b])
        assert to_torch[dtypes.promote_types(a, b)] == expected, (a, b)


def test_promotion_rejects_unsupported_dtypes() -> None:
    with pytest.raises(TypeError, match="not supported"):
        dtypes.promote_types(np.dtype("complex64"), dtypes.float32)


def test_weak_python_scalars_keep_the_array_dtype() -> None:
    assert dtypes.result_type_with_scalar(dtypes.float16, 2.0) == dtypes.float16
    assert dtypes.result_type_with_scalar(dtypes.int32, 2) == dtypes.int32
    assert dtypes.result_type_with_scalar(dtypes.int32, 2.5) == dtypes.float32
    assert ops.mul(array(np.ones(2, np.float16)), 3.0).dtype == dtypes.float16


@pytest.mark.gpu
def test_arrays_move_to_the_gpu_and_back() -> None:
    a = array([1.0, 2.0], device="cuda:0")
    assert a.device.name == "cuda:0"
    b = ops.exp(a)
    b.device.synchronize()
    np.testing.assert_allclose(
        array(b, device="cpu").numpy(), np.exp([1.0, 2.0]).astype(np.float32), rtol=1e-6
    )
    with pytest.raises(ValueError, match="different devices"):
        ops.add(a, array([1.0, 2.0]))
