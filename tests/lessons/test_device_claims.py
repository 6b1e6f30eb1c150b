"""Lesson 1's three placement rules, on two logical CPU devices: PyTorch refuses to mix
devices; TensorFlow copies an operation's inputs to where it runs; JAX moves an
uncommitted array to a committed one's device and refuses two committed to different
devices. The same programs run here and, in fresh processes, on TensorFlow and JAX."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

TF_PROGRAM = r"""
def program(tf):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    out = {"logical": [d.name for d in tf.config.list_logical_devices("CPU")]}
    with tf.device("/CPU:1"):
        b = tf.ones([2])
    with tf.device("/CPU:0"):
        s = tf.ones([2]) + b
    with tf.device("/GPU:3"):  # absent: soft placement falls back
        g = tf.ones([2]) * 2
    out["devices"] = [t.device.split("/")[-1] for t in (b, s, b + tf.ones([2]), g)]
    out["value"] = s.numpy().tolist()
    return out
"""

JAX_PROGRAM = r"""
def program(jax, jnp):
    d = jax.devices()
    u, c1 = jnp.ones(2), jax.device_put(jnp.ones(2), d[1])
    r = u + c1
    out = {"committed": [u.committed, c1.committed, r.committed],
           "result_device": sorted(x.id for x in r.devices()),
           "chained": sorted(x.id for x in (r * 2).devices())}
    try:
        jax.device_put(jnp.ones(2), d[0]) + c1
        out["clash"] = "no error"
    except ValueError as err:
        out["clash"] = str(err)
    return out
"""


def _real(program: str, call: str, env: dict[str, str]) -> dict[str, Any]:
    text = program + f"\nimport json\nprint(json.dumps({call}))\n"
    run = subprocess.run(
        [sys.executable, "-c", text], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def _ours(program: str, call: str) -> dict[str, Any]:
    env = {**os.environ, "WORKBENCH_CPU_DEVICES": "1"}
    return _real(program, call, env)


def test_tensorflow_places_operations_and_copies_inputs() -> None:
    call = "program(__import__('workbench.static', fromlist=['x']))"
    ours = _ours(TF_PROGRAM, call)
    assert ours["devices"] == ["device:CPU:1", "device:CPU:0", "device:CPU:0", "device:CPU:0"]
    assert ours["value"] == [2.0, 2.0] and len(ours["logical"]) == 2
    pytest.importorskip("tensorflow")
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_CPU_DEVICES"}
    assert _real("import tensorflow\n" + TF_PROGRAM, "program(tensorflow)", env) == ours


def test_jax_commits_and_clashes() -> None:
    modules = "('workbench.functional', 'workbench.functional.numpy')"
    call = f"program(*[__import__(m, fromlist=['x']) for m in {modules}])"
    ours = _ours(
        "import workbench.functional as jax\njax.config.update('jax_num_cpu_devices', 2)\n"
        + JAX_PROGRAM,
        call,
    )
    assert ours["committed"] == [False, True, True] and ours["result_device"] == [1]
    assert ours["chained"] == [1] and "incompatible devices" in ours["clash"]
    pytest.importorskip("jax")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    theirs = _real("import jax, jax.numpy as jnp\n" + JAX_PROGRAM, "program(jax, jnp)", env)
    assert theirs == ours


def test_the_eager_front_end_refuses_to_mix_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CPU_DEVICES", "2")
    import workbench.eager as torch

    with pytest.raises(RuntimeError, match="different devices"):
        torch.ones(2, device="cpu:0") + torch.ones(2, device="cpu:1")
