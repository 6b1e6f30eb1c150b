"""``tf.experimental.numpy`` against TensorFlow 2.21: NumPy's dtypes (float64 for Python
floats), promotion, and the NumPy methods tensors gain from
``experimental_enable_numpy_behavior`` (tested in a process of its own: the switch is
global, as in TensorFlow)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf

tf = pytest.importorskip("tensorflow")

CALLS: list[tuple[str, Any]] = [
    ("asarray_floats", lambda t: t.asarray([1.0, 2.0])),
    ("asarray_ints", lambda t: t.asarray([1, 2])),
    ("ones", lambda t: t.ones((2, 3))),
    ("zeros_int", lambda t: t.zeros((2,), dtype=t.int32)),
    ("arange", lambda t: t.arange(5)),
    ("add_scalar", lambda t: t.add(t.asarray([1, 2]), 1.5)),
    ("add_arrays", lambda t: t.add(t.ones((2,), dtype=t.float32), t.ones((2,)))),
    ("sum_square", lambda t: t.sum(t.square(t.asarray([[1.0, 2.0], [3.0, 4.0]])), axis=0)),
    ("matmul", lambda t: t.matmul(t.ones((2, 3)), t.ones((3, 2)))),
    ("maximum", lambda t: t.maximum(t.asarray([1.0, -2.0]), 0.0)),
    ("expand_dims", lambda t: t.expand_dims(t.asarray([1.0, 2.0]), 0)),
    ("copy", lambda t: t.copy(t.asarray([3, 4]))),
    ("exp_sqrt", lambda t: t.exp(t.sqrt(t.asarray([1.0, 4.0])))),
    ("array_ndmin", lambda t: t.array([1, 2], ndmin=2)),
    ("float32_dtype", lambda t: t.asarray([1.5], dtype=t.float32)),
]


@pytest.mark.parametrize("call", [c[1] for c in CALLS], ids=[c[0] for c in CALLS])
def test_numpy_api_equals_tensorflow(call: Any) -> None:
    want = call(tf.experimental.numpy)
    got = call(wtf.experimental.numpy)
    assert got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-6)


def test_random_randn_is_float64_normal() -> None:
    draws = wtf.experimental.numpy.random.randn(4000).numpy()
    assert draws.dtype == np.float64 and abs(draws.mean()) < 0.1 and abs(draws.std() - 1) < 0.1


SCRIPT = """
import numpy as np
import {module} as tf
tnp = tf.experimental.numpy
tnp.experimental_enable_numpy_behavior()
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
print(x.T.numpy().tolist(), list(x.reshape(4).shape), x.astype("int32").dtype.name,
      (x + tnp.ones((2, 2))).dtype.name, x.ravel().numpy().tolist())
"""


def test_numpy_behavior_gives_tensors_numpy_methods_as_tensorflow() -> None:
    outputs = []
    for module in ("tensorflow", "workbench.static"):
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(run.stdout.strip().splitlines()[-1])
    assert outputs[1] == outputs[0]
