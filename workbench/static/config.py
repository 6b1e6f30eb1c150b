"""``tf.config`` and ``tf.debugging``: the devices the workbench runs on (the CPU, and a
CUDA GPU when CuPy finds one), the switches programs flip (``run_functions_eagerly``,
memory growth, soft placement), and the run-time checks (``check_numerics``, the
``assert_*`` family). Mirrors: tf.config, tf.debugging."""

from __future__ import annotations

import collections
from types import SimpleNamespace
from typing import Any

import numpy as np

from workbench.backend import device as _devices
from workbench.core import ops
from workbench.static import errors, math_ops
from workbench.static.execution import EagerTensor, convert_to_tensor, make_op

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDeviceConfiguration = collections.namedtuple(
    "LogicalDeviceConfiguration",
    ["memory_limit", "experimental_priority", "experimental_device_ordinal"],
    defaults=[None, None, 0],
)

_STATE: dict[str, Any] = {
    "eager_functions": False,
    "soft_placement": True,
    "visible": None,
    "growth": {},
    "optimizer": {},
    "log_placement": False,
}


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The CPU, and each CUDA GPU CuPy can use. Mirrors: tf.config.list_physical_devices."""
    found = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    found += [
        PhysicalDevice(f"/physical_device:GPU:{i}", "GPU")
        for i in range(_devices.cuda_device_count())
    ]
    return [d for d in found if device_type is None or d.device_type == device_type.upper()]


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    visible = _STATE["visible"] or list_physical_devices()
    return [d for d in visible if device_type is None or d.device_type == device_type.upper()]


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    chosen = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    others = [
        d for d in list_physical_devices() if device_type and d.device_type != device_type.upper()
    ]
    _STATE["visible"] = others + chosen


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """Mirrors: tf.config.list_logical_devices (each logical CPU, each visible GPU)."""
    from workbench import config as backend_config  # noqa: PLC0415

    found = []
    for d in get_visible_devices(device_type):
        count = backend_config.cpu_device_count() if d.device_type == "CPU" else 1
        index = int(d.name.rsplit(":", 1)[1])
        found += [
            LogicalDevice(f"/device:{d.device_type}:{index + i}", d.device_type)
            for i in range(count)
        ]
    return found


def set_logical_device_configuration(device: Any, logical_devices: Any) -> None:
    """Split the CPU into ``len(logical_devices)`` logical devices (``/CPU:0``,
    ``/CPU:1`` …; the same logical CPUs the other front ends see). GPUs are not split.
    Mirrors: tf.config.set_logical_device_configuration."""
    if getattr(device, "device_type", "") == "CPU" and logical_devices:
        import os  # noqa: PLC0415

        os.environ["WORKBENCH_CPU_DEVICES"] = str(len(logical_devices))
        _STATE["logical_cpus"] = list(logical_devices)


def get_logical_device_configuration(device: Any) -> Any:
    if getattr(device, "device_type", "") == "CPU":
        return _STATE.get("logical_cpus")
    return None


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Make every ``tf.function`` call its Python function directly (for debugging).
    Mirrors: tf.config.run_functions_eagerly."""
    _STATE["eager_functions"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return bool(_STATE["eager_functions"])


def set_soft_device_placement(enabled: bool) -> None:
    _STATE["soft_placement"] = bool(enabled)


def get_soft_device_placement() -> bool:
    return bool(_STATE["soft_placement"])


def _set_memory_growth(device: Any, enable: bool) -> None:
    _STATE["growth"][getattr(device, "name", str(device))] = bool(enable)


def _get_memory_growth(device: Any) -> bool:
    return bool(_STATE["growth"].get(getattr(device, "name", str(device)), False))


experimental = SimpleNamespace(
    set_memory_growth=_set_memory_growth,
    get_memory_growth=_get_memory_growth,
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    set_visible_devices=set_visible_devices,
    get_visible_devices=get_visible_devices,
    VirtualDeviceConfiguration=LogicalDeviceConfiguration,
    set_virtual_device_configuration=set_logical_device_configuration,
    enable_op_determinism=lambda: None,
)
optimizer = SimpleNamespace(
    set_experimental_options=lambda options: _STATE["optimizer"].update(options),
    get_experimental_options=lambda: dict(_STATE["optimizer"]),
    set_jit=lambda enabled: None,
    get_jit=lambda: "",
)
threading = SimpleNamespace(
    set_intra_op_parallelism_threads=lambda n: None,
    set_inter_op_parallelism_threads=lambda n: None,
    get_intra_op_parallelism_threads=lambda: 0,
    get_inter_op_parallelism_threads=lambda: 0,
)


# ---------------------------------------------------------------------------------------
# tf.debugging


def set_log_device_placement(enabled: bool) -> None:
    """Accepted; every operation runs on the one device of its inputs (say so with
    ``tensor.device``)."""
    _STATE["log_placement"] = bool(enabled)


def _host_check(op_type: str, tensors: list[Any], check: Any, name: str | None) -> Any:
    """Run ``check(*host_values)`` eagerly now, or as a host callback each time the graph
    runs; it raises InvalidArgumentError."""
    if all(isinstance(t, EagerTensor) for t in tensors):
        check(*[np.asarray(t.numpy()) for t in tensors])
        return None

    def run(*values: Any) -> None:
        ops.callbacks.callback(check, [], *values, effectful=True)

    return make_op(op_type, tensors, run, name=name, differentiable=False, attrs={"effect": True})


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Any:
    """``tensor`` unchanged, or InvalidArgumentError if it holds a NaN or an infinity.
    Mirrors: tf.debugging.check_numerics."""
    t = convert_to_tensor(tensor)

    def check(v: np.ndarray) -> None:
        if not np.isfinite(v).all():
            kind = "NaN" if np.isnan(v).any() else "Inf"
            raise errors.InvalidArgumentError(None, None, f"{message} : Tensor had {kind} values")

    _host_check("CheckNumerics", [t], check, name)
    return t


def _assert(op_type: str, test: Any, describe: str) -> Any:
    def fn(
        x: Any,
        y: Any = None,
        message: str | None = None,
        summarize: Any = None,
        name: str | None = None,
        **kw: Any,
    ) -> Any:
        tensors = [convert_to_tensor(x)] + (
            [] if y is None else [convert_to_tensor(y, dtype_hint=convert_to_tensor(x).dtype)]
        )

        def check(*values: np.ndarray) -> None:
            if not test(*values, **kw):
                text = f"{message}\n" if message else ""
                raise errors.InvalidArgumentError(
                    None, None, f"{text}Condition {describe} did not hold"
                )

        return _host_check(op_type, tensors, check, name)

    fn.__name__ = op_type
    return fn


assert_equal = _assert("assert_equal", lambda x, y: bool(np.all(np.equal(x, y))), "x == y")
assert_none_equal = _assert("assert_none_equal", lambda x, y: bool(np.all(x != y)), "x != y")
assert_less = _assert("assert_less", lambda x, y: bool(np.all(x < y)), "x < y")
assert_less_equal = _assert("assert_less_equal", lambda x, y: bool(np.all(x <= y)), "x <= y")
assert_greater = _assert("assert_greater", lambda x, y: bool(np.all(x > y)), "x > y")
assert_greater_equal = _assert("assert_greater_equal", lambda x, y: bool(np.all(x >= y)), "x >= y")
assert_positive = _assert("assert_positive", lambda x: bool(np.all(x > 0)), "x > 0")
assert_non_negative = _assert("assert_non_negative", lambda x: bool(np.all(x >= 0)), "x >= 0")
assert_negative = _assert("assert_negative", lambda x: bool(np.all(x < 0)), "x < 0")
assert_all_finite = check_numerics


def _near(x: np.ndarray, y: np.ndarray, rtol: Any = None, atol: Any = None) -> bool:
    """TensorFlow's default tolerance: ten machine epsilons of the dtype."""
    eps = 10 * np.finfo(x.dtype if x.dtype.kind == "f" else np.float32).eps
    return bool(
        np.allclose(x, y, rtol=eps if rtol is None else rtol, atol=eps if atol is None else atol)
    )


assert_near = _assert("assert_near", _near, "x ~= y")


def assert_rank(x: Any, rank: int, message: str | None = None, name: str | None = None) -> None:
    actual = convert_to_tensor(x).shape.rank
    if actual is not None and actual != int(rank):
        raise ValueError(
            f"{message or ''} Tensor must have rank {rank}. Received rank {actual}".strip()
        )


def assert_shapes(
    shapes: Any,
    data: Any = None,
    summarize: Any = None,
    message: str | None = None,
    name: str | None = None,
) -> None:
    """Check named dimensions agree across tensors (``[(x, ("N", "D")), (y, ("N",))]``)."""
    sizes: dict[str, int] = {}
    for tensor, spec in shapes:
        dims = convert_to_tensor(tensor).shape.as_list()
        if len(dims) != len(spec):
            raise ValueError(
                f"{message or ''} tensor of shape {dims} must have rank {len(spec)}".strip()
            )
        for d, s in zip(dims, spec):
            if isinstance(s, int):
                if d is not None and d != s:
                    raise ValueError(
                        f"{message or ''} dimension {d} must be {s} (shape {dims})".strip()
                    )
            elif d is not None:
                if sizes.setdefault(s, d) != d:
                    raise ValueError(
                        f"{message or ''} dimension {s!r} is {sizes[s]} and {d}".strip()
                    )


def assert_type(
    tensor: Any, tf_type: Any, message: str | None = None, name: str | None = None
) -> None:
    from workbench.static import dtypes  # noqa: PLC0415

    have, want = convert_to_tensor(tensor).dtype, dtypes.as_dtype(tf_type)
    if have != want:
        raise TypeError(f"{message or ''} {have.name} != {want.name}".strip())


def is_numeric_tensor(tensor: Any) -> bool:
    return math_ops.is_tensor(tensor) and not convert_to_tensor(tensor).dtype.is_bool


# the TensorFlow names of the core primitives a NaN usually comes from
_TF_OP_NAMES = {
    "add": "AddV2",
    "sub": "Sub",
    "mul": "Mul",
    "div": "RealDiv",
    "pow": "Pow",
    "dot_general": "MatMul",
    "reduce_sum": "Sum",
    "neg": "Neg",
    "rsqrt": "Rsqrt",
}


def _raise_on_nonfinite(prim: Any, xp: Any, results: Any) -> None:
    for index, r in enumerate(results):
        if np.dtype(r.dtype).kind not in "fc" or bool(xp.isfinite(r).all()):
            continue
        op = _TF_OP_NAMES.get(prim.name, "".join(w.capitalize() for w in prim.name.split("_")))
        counts = [
            (int(xp.count_nonzero(xp.isneginf(r))), "-Inf"),
            (int(xp.count_nonzero(xp.isposinf(r))), "+Inf"),
            (int(xp.count_nonzero(xp.isnan(r))), "+NaN"),
        ]
        found = "".join(f"  # of {kind} elements: {n}\n" for n, kind in counts if n)
        what = " and ".join(k.replace("+NaN", "NaN") for n, k in counts if n)  # "-Inf and NaN"
        raise errors.InvalidArgumentError(
            None,
            None,
            f'\n\n!!! Detected Infinity or NaN in output {index} of eagerly-executing op "{op}" '
            f"(# of outputs: {len(results)}) !!!\n  dtype: <dtype: '{np.dtype(r.dtype).name}'>\n"
            f"  shape: {tuple(r.shape)}\n{found}\n : Tensor had {what} values",
        )


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """Every operation checks its outputs and raises ``InvalidArgumentError`` naming the
    first one to make an infinity or a NaN (in the forward pass, as JAX's
    ``jax_debug_nans``; PyTorch's anomaly mode watches the backward pass instead).
    ``tf.function``s run their Python eagerly meanwhile, so the operation is found.
    Mirrors: tf.debugging.enable_check_numerics."""
    from workbench.core import dispatch  # noqa: PLC0415

    dispatch.CHECK_NANS[0] = _raise_on_nonfinite


def disable_check_numerics() -> None:
    """Mirrors: tf.debugging.disable_check_numerics."""
    from workbench.core import dispatch  # noqa: PLC0415

    if dispatch.CHECK_NANS[0] is _raise_on_nonfinite:
        dispatch.CHECK_NANS[0] = False


def checking_numerics() -> bool:
    from workbench.core import dispatch  # noqa: PLC0415

    return dispatch.CHECK_NANS[0] is _raise_on_nonfinite


debugging = SimpleNamespace(
    enable_check_numerics=enable_check_numerics,
    disable_check_numerics=disable_check_numerics,
    check_numerics=check_numerics,
    set_log_device_placement=set_log_device_placement,
    assert_equal=assert_equal,
    assert_none_equal=assert_none_equal,
    assert_less=assert_less,
    assert_less_equal=assert_less_equal,
    assert_greater=assert_greater,
    assert_greater_equal=assert_greater_equal,
    assert_positive=assert_positive,
    assert_non_negative=assert_non_negative,
    assert_negative=assert_negative,
    assert_all_finite=assert_all_finite,
    assert_near=assert_near,
    assert_rank=assert_rank,
    assert_shapes=assert_shapes,
    assert_type=assert_type,
    is_numeric_tensor=is_numeric_tensor,
)

__all__ = [
    "LogicalDevice",
    "LogicalDeviceConfiguration",
    "PhysicalDevice",
    "debugging",
    "experimental",
    "functions_run_eagerly",
    "get_soft_device_placement",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "optimizer",
    "run_functions_eagerly",
    "set_logical_device_configuration",
    "set_soft_device_placement",
    "set_visible_devices",
    "threading",
]
