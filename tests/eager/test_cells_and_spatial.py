"""Recurrent cells and the feature-map layers (channel dropout, pixel shuffles, Upsample)
against PyTorch 2.13: parameter names and shapes, outputs and gradients, batched and not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as wb
from tests.eager.test_parity import TOL, _copy_module, data

T = pytest.importorskip("torch")

CELLS = {
    "rnn": lambda nn: nn.RNNCell(4, 3),
    "rnn_relu_nobias": lambda nn: nn.RNNCell(4, 3, bias=False, nonlinearity="relu"),
    "lstm": lambda nn: nn.LSTMCell(4, 3),
    "gru": lambda nn: nn.GRUCell(4, 3),
}


def _unroll(cell: Any, lib: Any, xs: np.ndarray, batched: bool) -> tuple[Any, Any]:
    x = lib.tensor(xs if batched else xs[:, 0], requires_grad=True)
    state = None
    outputs = []
    for t in range(x.shape[0]):
        state = cell(x[t], state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    loss = lib.stack(outputs).pow(2).sum()
    loss.backward()
    return lib.stack(outputs).detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_step_like_torch(name: str, batched: bool) -> None:
    ours, theirs = CELLS[name](wb.nn), CELLS[name](T.nn)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    assert repr(ours) == repr(theirs)
    _copy_module(ours, theirs)
    xs = data(5, 2, 4)
    (out_w, grad_w), (out_t, grad_t) = (
        _unroll(ours, wb, xs, batched),
        _unroll(theirs, T, xs, batched),
    )
    np.testing.assert_allclose(out_w, out_t, **TOL)
    np.testing.assert_allclose(grad_w, grad_t, **TOL)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL)


@pytest.mark.parametrize("factor", [2, 3])
def test_pixel_shuffles_match_torch_and_invert_each_other(factor: int) -> None:
    x = data(2, 2 * factor * factor, 3, 4)
    ours = wb.nn.PixelShuffle(factor)(wb.tensor(x))
    theirs = T.nn.PixelShuffle(factor)(T.tensor(x))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    back = wb.nn.PixelUnshuffle(factor)(ours)
    np.testing.assert_array_equal(back.numpy(), T.nn.PixelUnshuffle(factor)(theirs).numpy())
    np.testing.assert_array_equal(back.numpy(), x)
    assert repr(wb.nn.PixelShuffle(factor)) == repr(T.nn.PixelShuffle(factor))
    with pytest.raises(RuntimeError, match="divisible"):
        wb.nn.functional.pixel_shuffle(wb.ones(1, 5, 2, 2), 2)


@pytest.mark.parametrize(("layer", "shape"), [(1, (4, 6, 5)), (2, (4, 6, 3, 3)), (3, (6, 2, 3, 3))])
def test_channel_dropout_zeros_whole_channels_and_scales_the_rest(
    layer: int, shape: tuple[int, ...]
) -> None:
    module = getattr(wb.nn, f"Dropout{layer}d")(p=0.5)
    x = wb.ones(*shape)
    y = module(x).numpy()
    channels = y.reshape(*shape[: len(shape) - layer], -1)
    assert set(np.unique(channels)) <= {0.0, 2.0}
    assert np.all(channels == channels[..., :1])  # a channel is kept or dropped whole
    module.eval()
    np.testing.assert_array_equal(module(x).numpy(), x.numpy())
    assert repr(module) == repr(getattr(T.nn, f"Dropout{layer}d")(p=0.5))


@pytest.mark.parametrize(
    "kwargs", [{"scale_factor": 2}, {"size": (5, 7)}, {"scale_factor": 2, "mode": "bilinear"}]
)
def test_upsample_is_interpolate_as_torch(kwargs: dict[str, Any]) -> None:
    x = data(1, 2, 3, 4)
    ours, theirs = wb.nn.Upsample(**kwargs), T.nn.Upsample(**kwargs)
    np.testing.assert_allclose(ours(wb.tensor(x)).numpy(), theirs(T.tensor(x)).numpy(), **TOL)
    assert repr(ours) == repr(theirs)
