"""jax.export: a jitted function exported for argument types, serialized to bytes (the
core IR as JSON and .npy: nothing unpickled), deserialized and called; compared with
real JAX's Exported when installed. And Keras's model.export(format="onnx")."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp


def _predict(jnp: Any) -> Any:
    def predict(params: Any, x: Any) -> Any:
        return {"logits": jnp.tanh(x @ params["w"]), "mean": x.mean()}

    return predict


def test_export_serialize_deserialize_call_as_jax() -> None:
    w = np.arange(6, dtype=np.float32).reshape(3, 2) / 6
    spec = wjax.ShapeDtypeStruct((4, 3), wnp.float32)
    ours = wjax.export.export(wjax.jit(_predict(wnp)))({"w": wnp.asarray(w)}, spec)
    restored = wjax.export.deserialize(bytes(ours.serialize()))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out = restored.call({"w": wnp.asarray(w)}, wnp.asarray(x))
    np.testing.assert_allclose(out["logits"], np.tanh(x @ w), rtol=1e-6)
    assert restored.fun_name == "predict"
    jax = pytest.importorskip("jax")
    theirs = jax.export.export(jax.jit(_predict(jax.numpy)))(
        {"w": jax.numpy.asarray(w)}, jax.ShapeDtypeStruct((4, 3), jax.numpy.float32)
    )
    assert [str(a) for a in ours.in_avals] == [str(a) for a in theirs.in_avals]
    assert [str(a) for a in restored.out_avals] == [str(a) for a in theirs.out_avals]
    assert ours.platforms == theirs.platforms == ("cpu",)
    np.testing.assert_allclose(
        out["logits"], theirs.call({"w": w}, x)["logits"], rtol=1e-5, atol=1e-6
    )


def test_export_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="result of `jit`"):
        wjax.export.export(lambda x: x)
    exported = wjax.export.export(wjax.jit(wnp.tanh))(wjax.ShapeDtypeStruct((3,), wnp.float32))
    with pytest.raises(ValueError, match="float32\\[3\\]"):
        exported.call(wnp.ones(4))
    with pytest.raises(ValueError, match="not a serialized workbench graph"):
        wjax.export.deserialize(b'{"format": "pickle"}')


def test_a_scan_with_a_nested_graph_round_trips() -> None:
    w = wnp.ones((3, 2))

    def total(xs: Any) -> Any:
        step = lambda c, r: (c + wnp.tanh(r @ w).sum(), None)  # noqa: E731
        return wjax.lax.scan(step, 0.0, xs)[0]

    spec = wjax.ShapeDtypeStruct((4, 3), wnp.float32)
    blob = wjax.export.export(wjax.jit(total))(spec).serialize()
    xs = wnp.asarray(np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32))
    np.testing.assert_allclose(wjax.export.deserialize(blob).call(xs), total(xs), rtol=1e-6)


def test_keras_model_export_onnx(tmp_path: Any) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    import workbench.static as tf
    from workbench.static import keras

    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(3, activation="relu")])
    path = os.fspath(tmp_path / "m.onnx")
    model.export(
        path, format="onnx", input_signature=[tf.TensorSpec((4, 5), tf.float32)], verbose=False
    )
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(2).standard_normal((4, 5)).astype(np.float32)
    (out,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(os.fspath(tmp_path / "saved"))
