"""The Keras layers real programs use, each against Keras 3 on TensorFlow 2.21: the same
weights (copied from Keras's layer), the same outputs, the same gradients with respect to
the input and to every weight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

# (id, constructor applied to either keras.layers or ours, input shape(s))
CASES: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("conv1d_causal", lambda L: L.Conv1D(4, 3, padding="causal", dilation_rate=2), (2, 9, 3)),
    ("conv1d_groups", lambda L: L.Conv1D(4, 3, groups=2, activation="relu"), (2, 8, 6)),
    ("conv2d_same_strided", lambda L: L.Conv2D(5, 3, strides=2, padding="same"), (2, 7, 6, 3)),
    ("conv3d", lambda L: L.Conv3D(2, (2, 3, 2)), (1, 4, 5, 4, 2)),
    ("conv1d_transpose", lambda L: L.Conv1DTranspose(3, 4, strides=2), (2, 5, 2)),
    ("conv2d_transpose_same", lambda L: L.Conv2DTranspose(4, 3, strides=2, padding="same"),
     (2, 4, 5, 3)),
    ("conv2d_transpose_valid", lambda L: L.Conv2DTranspose(2, (2, 3), strides=(2, 1)),
     (2, 3, 4, 3)),
    ("conv2d_transpose_outpad", lambda L: L.Conv2DTranspose(2, 3, strides=2, output_padding=1),
     (1, 3, 3, 2)),
    ("conv2d_transpose_s3k2", lambda L: L.Conv2DTranspose(2, 2, strides=3, padding="same"),
     (1, 3, 4, 2)),
    ("conv3d_transpose", lambda L: L.Conv3DTranspose(2, 2, strides=2), (1, 2, 3, 2, 2)),
    ("depthwise2d", lambda L: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
     (2, 5, 5, 3)),
    ("depthwise1d", lambda L: L.DepthwiseConv1D(3, strides=2), (2, 9, 2)),
    ("separable2d", lambda L: L.SeparableConv2D(4, 3, depth_multiplier=2, activation="tanh"),
     (2, 6, 6, 3)),
    ("separable1d", lambda L: L.SeparableConv1D(3, 2, padding="same"), (2, 7, 2)),
    ("maxpool1d", lambda L: L.MaxPooling1D(3, strides=2, padding="same"), (2, 9, 3)),
    ("avgpool1d", lambda L: L.AveragePooling1D(2), (2, 8, 3)),
    ("maxpool3d", lambda L: L.MaxPooling3D(2), (1, 4, 4, 4, 2)),
    ("avgpool3d_same", lambda L: L.AveragePooling3D(2, padding="same"), (1, 3, 4, 5, 2)),
    ("gap1d", lambda L: L.GlobalAveragePooling1D(), (2, 5, 3)),
    ("gmp1d_keep", lambda L: L.GlobalMaxPooling1D(keepdims=True), (2, 5, 3)),
    ("gap3d", lambda L: L.GlobalAveragePooling3D(), (2, 2, 3, 2, 3)),
    ("gmp3d", lambda L: L.GlobalMaxPooling3D(), (2, 2, 3, 2, 3)),
    ("upsampling1d", lambda L: L.UpSampling1D(3), (2, 4, 3)),
    ("upsampling2d", lambda L: L.UpSampling2D((2, 3)), (2, 3, 2, 3)),
    ("upsampling3d", lambda L: L.UpSampling3D(2), (1, 2, 2, 3, 2)),
    ("zeropad1d", lambda L: L.ZeroPadding1D((1, 2)), (2, 4, 3)),
    ("zeropad2d", lambda L: L.ZeroPadding2D(((1, 0), (2, 3))), (2, 3, 3, 2)),
    ("zeropad3d", lambda L: L.ZeroPadding3D(1), (1, 2, 2, 2, 1)),
    ("cropping1d", lambda L: L.Cropping1D((1, 2)), (2, 6, 3)),
    ("cropping2d", lambda L: L.Cropping2D(((1, 0), (2, 1))), (2, 5, 6, 2)),
    ("cropping3d", lambda L: L.Cropping3D(1), (1, 4, 4, 4, 1)),
    ("leaky_relu", lambda L: L.LeakyReLU(), (3, 4)),
    ("leaky_relu_slope", lambda L: L.LeakyReLU(negative_slope=0.1), (3, 4)),
    ("relu_params", lambda L: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), (3, 4)),
    ("relu6", lambda L: L.ReLU(6.0), (3, 4)),
    ("elu", lambda L: L.ELU(0.5), (3, 4)),
    ("prelu", lambda L: L.PReLU(alpha_initializer="random_normal"), (2, 3, 4)),
    ("prelu_shared", lambda L: L.PReLU(alpha_initializer="ones", shared_axes=[1]), (2, 3, 4)),
    ("repeat_vector", lambda L: L.RepeatVector(3), (2, 4)),
    ("permute", lambda L: L.Permute((2, 1)), (2, 3, 4)),
    ("permute3", lambda L: L.Permute((3, 1, 2)), (2, 3, 4, 5)),
    ("time_distributed", lambda L: L.TimeDistributed(L.Dense(3, activation="relu")), (2, 4, 5)),
    ("time_distributed_conv", lambda L: L.TimeDistributed(L.Conv2D(2, 2)), (2, 3, 4, 4, 1)),
    ("bidirectional_lstm", lambda L: L.Bidirectional(L.LSTM(3)), (2, 5, 4)),
    ("bidirectional_gru_seq", lambda L: L.Bidirectional(L.GRU(3, return_sequences=True)),
     (2, 4, 3)),
    ("bidirectional_sum", lambda L: L.Bidirectional(L.SimpleRNN(2, return_sequences=True),
                                                    merge_mode="sum"), (2, 4, 3)),
    ("bidirectional_ave", lambda L: L.Bidirectional(L.LSTM(2), merge_mode="ave"), (2, 3, 3)),
    ("lambda", lambda L: L.Lambda(lambda x: x * 2.0 + 1.0), (2, 3)),
    ("unit_norm", lambda L: L.UnitNormalization(), (3, 4)),
    ("dot", lambda L: L.Dot(axes=1), [(3, 4), (3, 4)]),
    ("dot_normalize", lambda L: L.Dot(axes=(2, 2), normalize=True), [(2, 3, 4), (2, 5, 4)]),
    ("dot_axes12", lambda L: L.Dot(axes=(1, 2)), [(2, 3, 4), (2, 5, 3)]),
    ("average", lambda L: L.Average(), [(2, 3), (2, 3), (2, 3)]),
    ("maximum", lambda L: L.Maximum(), [(2, 3), (2, 3)]),
    ("minimum", lambda L: L.Minimum(), [(2, 3), (2, 3)]),
    ("subtract", lambda L: L.Subtract(), [(2, 3), (2, 3)]),
    ("dense_regularized", lambda L: L.Dense(3, kernel_regularizer="l2"), (2, 4)),
    ("lstm_regularized", lambda L: L.LSTM(2, kernel_regularizer="l1", dropout=0.5), (2, 3, 2)),
]  # fmt: skip


def _inputs(shape: Any, rng: np.random.Generator) -> Any:
    if isinstance(shape, list):
        return [rng.standard_normal(s).astype(np.float32) for s in shape]
    return rng.standard_normal(shape).astype(np.float32)


def _run(module: Any, layer: Any, x: Any, weights: list[Any] | None) -> tuple[Any, ...]:
    """Output, d(sum(out * r))/d inputs and /d weights, where r is fixed."""
    xs = [module.constant(v) for v in (x if isinstance(x, list) else [x])]
    with module.GradientTape(persistent=True) as tape:
        for t in xs:
            tape.watch(t)
        out = layer(xs if isinstance(x, list) else xs[0])
        if weights is not None:  # ours: build first, then copy Keras's weights
            layer.set_weights(weights)
            out = layer(xs if isinstance(x, list) else xs[0])
        r = np.cos(np.arange(int(np.prod(out.shape)))).reshape(tuple(out.shape)).astype(np.float32)
        total = module.reduce_sum(out * r)
    grads = tape.gradient(total, [*xs, *layer.trainable_weights])
    return out.numpy(), [None if g is None else np.asarray(g) for g in grads]


@pytest.mark.parametrize(("make", "shape"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_layer_equals_keras(make: Callable[[Any], Any], shape: Any) -> None:
    x = _inputs(shape, np.random.default_rng(0))
    theirs = make(keras.layers)
    want, want_grads = _run(tf, theirs, x, None)
    ours = make(wkeras.layers)
    got, got_grads = _run(wtf, ours, x, [w.numpy() for w in theirs.weights])
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    for g, w in zip(got_grads, want_grads):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
    assert len(ours.losses) == len(theirs.losses)
    for a, b in zip(ours.losses, theirs.losses):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
