"""``keras.ops`` and ``keras.backend`` against Keras 3: values and dtypes (Keras's
promotion: arrays keep their dtype, Python numbers and lists become float32/int32)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from workbench.static import keras as wkeras

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
F = RNG.standard_normal((3, 4)).astype(np.float32)
D = RNG.standard_normal((3, 4))  # float64
I32 = RNG.integers(-3, 5, (3, 4)).astype(np.int32)
I64 = RNG.integers(0, 4, (3,)).astype(np.int64)

CASES: list[tuple[str, Any]] = [
    ("mean64", lambda o: o.mean(D)),
    ("mean_int", lambda o: o.mean(I32)),
    ("convert_list", lambda o: o.convert_to_tensor([1.0, 2.0])),
    ("convert_ints", lambda o: o.convert_to_tensor([1, 2])),
    ("convert_array", lambda o: o.convert_to_tensor(D)),
    ("add_weak", lambda o: o.add(I32, 1.5)),
    ("add_mixed", lambda o: o.add(I64, F[0, :3])),
    ("divide_int", lambda o: o.divide(I32, 2)),
    ("sum_int64", lambda o: o.sum(I64)),
    ("sqrt_int", lambda o: o.sqrt(np.abs(I32))),
    ("maximum", lambda o: o.maximum(F, 0)),
    ("argmax", lambda o: o.argmax(F, axis=1)),
    ("argmax_flat", lambda o: o.argmax(F)),
    ("one_hot", lambda o: o.one_hot(I64, 4)),
    ("eye", lambda o: o.eye(3)),
    ("arange", lambda o: o.arange(5)),
    ("arange_float", lambda o: o.arange(0.0, 1.0, 0.25)),
    ("zeros", lambda o: o.zeros((2, 3))),
    ("ones_like", lambda o: o.ones_like(I32)),
    ("expand_dims", lambda o: o.expand_dims(F, 0)),
    ("squeeze", lambda o: o.squeeze(F[:1])),
    ("reshape", lambda o: o.reshape(F, (2, -1))),
    ("transpose", lambda o: o.transpose(F)),
    ("concatenate", lambda o: o.concatenate([F, F], axis=1)),
    ("stack", lambda o: o.stack([F, F])),
    ("where", lambda o: o.where(F > 0, F, 0.0)),
    ("clip", lambda o: o.clip(F, -0.5, 0.5)),
    ("matmul", lambda o: o.matmul(F, F.T)),
    ("dot", lambda o: o.dot(F, F.T)),
    ("einsum", lambda o: o.einsum("ij,kj->ik", F, F)),
    ("take", lambda o: o.take(F, I64, axis=1)),
    ("take_along", lambda o: o.take_along_axis(F, np.argsort(F, 1), axis=1)),
    ("top_k", lambda o: o.top_k(F, 2)[0]),
    ("sort", lambda o: o.sort(F)),
    ("std", lambda o: o.std(F, axis=0)),
    ("var", lambda o: o.var(F, keepdims=True)),
    ("normalize", lambda o: o.normalize(F)),
    ("softmax", lambda o: o.softmax(F)),
    ("cumsum", lambda o: o.cumsum(F, axis=1)),
    ("round", lambda o: o.round(F, 1)),
    ("abs", lambda o: o.absolute(I32)),
    ("sign", lambda o: o.sign(F)),
    ("arccos", lambda o: o.arccos(F / 4)),
    ("cast", lambda o: o.cast(F, "int32")),
    ("max", lambda o: o.max(F, axis=0)),
    ("divide_no_nan", lambda o: o.divide_no_nan(F, np.zeros_like(F))),
    ("scce", lambda o: o.sparse_categorical_crossentropy(I64, o.softmax(F))),
    ("resize", lambda o: o.image.resize(np.stack([F[..., None]] * 2), (6, 8))),
    ("norm", lambda o: o.linalg.norm(F, axis=1)),
    ("repeat", lambda o: o.repeat(F, 2, axis=0)),
    ("tile", lambda o: o.tile(F, (1, 2))),
]


@pytest.mark.parametrize("call", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_keras_op_equals_keras(call: Any) -> None:
    want, got = call(keras.ops), call(wkeras.ops)
    assert str(got.dtype.name) == keras.backend.standardize_dtype(want.dtype)
    np.testing.assert_allclose(
        wkeras.ops.convert_to_numpy(got), keras.ops.convert_to_numpy(want), rtol=1e-5, atol=1e-6
    )


def test_shape_is_a_tuple_of_ints() -> None:
    assert wkeras.ops.shape(F) == keras.ops.shape(F) == (3, 4)


BACKEND: list[tuple[str, Any]] = [
    ("square", lambda K: K.square(F)),
    ("sum", lambda K: K.sum(F, axis=1)),
    ("mean", lambda K: K.mean(F)),
    ("batch_flatten", lambda K: K.batch_flatten(np.stack([F, F]))),
    ("permute", lambda K: K.permute_dimensions(F, (1, 0))),
    ("concatenate", lambda K: K.concatenate([F, F])),
    ("cast", lambda K: K.cast(F, "float64")),
    ("pow", lambda K: K.pow(F, 2.0)),
    ("batch_dot", lambda K: K.batch_dot(F, F, axes=1)),
]


def test_backend_settings_equal_keras() -> None:
    for name in ("epsilon", "floatx", "image_data_format", "backend"):
        assert getattr(wkeras.backend, name)() == getattr(keras.backend, name)()


@pytest.mark.parametrize("call", [c[1] for c in BACKEND], ids=[c[0] for c in BACKEND])
def test_keras2_backend_functions(call: Any) -> None:
    got = np.asarray(call(wkeras.backend).numpy())
    tf = pytest.importorskip("tensorflow")
    reference = {
        "square": F**2,
        "sum": F.sum(1),
        "mean": F.mean(),
        "batch_flatten": np.stack([F, F]).reshape(2, -1),
        "permute": F.T,
        "concatenate": np.concatenate([F, F], -1),
        "cast": F.astype(np.float64),
        "pow": F**2,
        "batch_dot": (F * F).sum(1, keepdims=True),
    }
    name = [c[0] for c in BACKEND if c[1] is call][0]
    np.testing.assert_allclose(got, reference[name], rtol=1e-5)
    assert tf is not None
