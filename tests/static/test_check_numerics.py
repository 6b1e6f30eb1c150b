"""tf.debugging.enable_check_numerics: the forward operation that makes the first NaN or
infinity raises InvalidArgumentError with TensorFlow's report (compared with TensorFlow
when installed); operations making NaNs print no NumPy warnings, as no framework does."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType
from typing import Any

import numpy as np
import pytest


@pytest.fixture(params=["workbench", "tensorflow"])
def tf(request: pytest.FixtureRequest) -> Any:
    if request.param == "workbench":
        module = importlib.import_module("workbench.static")
    else:
        module = pytest.importorskip("tensorflow")
    yield module
    module.debugging.disable_check_numerics()


def _report(tf: ModuleType, fn: Any) -> str:
    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(tf.errors.InvalidArgumentError) as caught:
            fn()
    finally:
        tf.debugging.disable_check_numerics()
    return str(caught.value)


@pytest.mark.parametrize(
    ("op", "make", "kind"),
    [
        ("Log", lambda tf, x: tf.math.log(x - 1.0), "NaN"),
        ("RealDiv", lambda tf, x: 1.0 / (x - 2.0), "+Inf"),
        ("Sqrt", lambda tf, x: tf.math.sqrt(x - 1.0), "NaN"),
    ],
)
def test_the_first_nonfinite_operation_is_named(tf: Any, op: str, make: Any, kind: str) -> None:
    x = tf.constant([0.5, 2.0])
    report = _report(tf, lambda: make(tf, x))
    assert f'Detected Infinity or NaN in output 0 of eagerly-executing op "{op}"' in report
    assert f"Tensor had {kind} values" in report
    assert "dtype: <dtype: 'float32'>" in report and "shape: (2,)" in report


def test_functions_are_checked_and_disabling_restores_nans(tf: Any) -> None:
    x = tf.constant([0.5, 2.0])
    report = _report(tf, lambda: tf.function(lambda: tf.math.sqrt(x - 1.0))())
    assert '"Sqrt"' in report  # TensorFlow says "graph op", the workbench runs it op by op
    assert np.isnan(tf.math.log(x - 1.0).numpy()[0])  # off again: a NaN is a value


def test_no_numpy_warnings_from_the_workbench_but_a_learners_numpy_still_warns() -> None:
    # a fresh interpreter, as a notebook kernel is: only the learner's own np.log warns
    program = (
        "import numpy as np, workbench.eager as torch, workbench.functional.numpy as jnp\n"
        "torch.log(torch.tensor([-1.0, 0.0])); jnp.sqrt(jnp.array([-1.0]))\n"
        "print('quiet so far', flush=True)\n"
        "np.log(np.array([-1.0]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "quiet so far"
    assert done.stderr.count("RuntimeWarning: invalid value encountered in log") == 1
