"""An axis outside [-rank, rank) is an error in every front end, never wrapped round to
another axis (issue 18). One check in the core (``normalize_axis``) raises ``AxisError``,
both a ValueError and an IndexError; the static front end reports it eagerly as
TensorFlow's InvalidArgumentError. Each case is run on the real framework too: it must
raise there as well, and ours must raise the same kind of exception."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.eager as wtorch
import workbench.functional.numpy as wjnp
import workbench.static as wtf
from workbench.core.primitive import AxisError, normalize_axes, normalize_axis
from workbench.functional import nn as wjnn

X = np.arange(6, dtype=np.float32).reshape(2, 3)
I64 = np.zeros((2, 3), np.int64)

TORCH: list[tuple[str, Callable[[Any], Any]]] = [
    ("sum", lambda t: t.tensor(X).sum(dim=2)),
    ("mean_neg", lambda t: t.tensor(X).mean(-3)),
    ("softmax", lambda t: t.softmax(t.tensor(X), dim=2)),
    ("log_softmax", lambda t: t.log_softmax(t.tensor(X), 2)),
    ("cat", lambda t: t.cat([t.tensor(X)] * 2, dim=2)),
    ("stack", lambda t: t.stack([t.tensor(X)] * 2, 3)),
    ("argmax", lambda t: t.tensor(X).argmax(dim=2)),
    ("max_dim", lambda t: t.max(t.tensor(X), dim=2)),
    ("cumsum", lambda t: t.tensor(X).cumsum(2)),
    ("cumprod", lambda t: t.cumprod(t.tensor(X), 2)),
    ("flip", lambda t: t.flip(t.tensor(X), [2])),
    ("squeeze", lambda t: t.tensor(X).squeeze(2)),
    ("unsqueeze", lambda t: t.tensor(X).unsqueeze(3)),
    ("permute", lambda t: t.tensor(X).permute(0, 2)),
    ("transpose", lambda t: t.tensor(X).transpose(0, 2)),
    ("split", lambda t: t.split(t.tensor(X), 1, dim=2)),
    ("chunk", lambda t: t.chunk(t.tensor(X), 2, dim=2)),
    ("unbind", lambda t: t.tensor(X).unbind(2)),
    ("gather", lambda t: t.gather(t.tensor(X), 2, t.tensor(I64))),
    ("index_select", lambda t: t.index_select(t.tensor(X), 2, t.tensor([0]))),
    ("sort", lambda t: t.sort(t.tensor(X), dim=2)),
    ("topk", lambda t: t.topk(t.tensor(X), 1, dim=2)),
    ("roll", lambda t: t.roll(t.tensor(X), 1, dims=2)),
    ("var", lambda t: t.tensor(X).var(2)),
    ("norm", lambda t: t.linalg.norm(t.tensor(X), dim=2)),
    ("logsumexp", lambda t: t.logsumexp(t.tensor(X), 2)),
    ("diff", lambda t: t.diff(t.tensor(X), dim=2)),
]

JAX: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("sum", lambda jnp, nn: jnp.sum(jnp.asarray(X), axis=3)),
    ("max_neg", lambda jnp, nn: jnp.max(jnp.asarray(X), axis=-3)),
    ("mean_tuple", lambda jnp, nn: jnp.mean(jnp.asarray(X), axis=(0, 2))),
    ("stack", lambda jnp, nn: jnp.stack([X, X], axis=3)),
    ("concatenate", lambda jnp, nn: jnp.concatenate([X, X], axis=2)),
    ("argmax", lambda jnp, nn: jnp.argmax(jnp.asarray(X), axis=2)),
    ("cumsum", lambda jnp, nn: jnp.cumsum(jnp.asarray(X), axis=2)),
    ("cumprod", lambda jnp, nn: jnp.cumprod(jnp.asarray(X), axis=2)),
    ("flip", lambda jnp, nn: jnp.flip(jnp.asarray(X), 2)),
    ("expand_dims", lambda jnp, nn: jnp.expand_dims(jnp.asarray(X), 3)),
    ("squeeze", lambda jnp, nn: jnp.squeeze(jnp.ones((2, 1)), 2)),
    ("transpose", lambda jnp, nn: jnp.transpose(jnp.asarray(X), (0, 2))),
    ("take_along_axis", lambda jnp, nn: jnp.take_along_axis(jnp.asarray(X), jnp.asarray(I64), 2)),
    ("take", lambda jnp, nn: jnp.take(jnp.asarray(X), jnp.asarray([0]), axis=2)),
    ("sort", lambda jnp, nn: jnp.sort(jnp.asarray(X), axis=2)),
    ("argsort", lambda jnp, nn: jnp.argsort(jnp.asarray(X), axis=2)),
    ("split", lambda jnp, nn: jnp.split(jnp.asarray(X), 2, axis=2)),
    ("roll", lambda jnp, nn: jnp.roll(jnp.asarray(X), 1, axis=2)),
    ("repeat", lambda jnp, nn: jnp.repeat(jnp.asarray(X), 2, axis=2)),
    ("diff", lambda jnp, nn: jnp.diff(jnp.asarray(X), axis=2)),
    ("var", lambda jnp, nn: jnp.var(jnp.asarray(X), axis=2)),
    ("softmax", lambda jnp, nn: nn.softmax(jnp.asarray(X), axis=2)),
    ("logsumexp", lambda jnp, nn: nn.logsumexp(jnp.asarray(X), axis=2)),
]

TF: list[tuple[str, Callable[[Any], Any]]] = [
    ("reduce_sum", lambda tf: tf.reduce_sum(X, axis=3)),
    ("reduce_max_neg", lambda tf: tf.reduce_max(X, -3)),
    ("reduce_sum_repeated", lambda tf: tf.reduce_sum(X, [0, 0])),
    ("reduce_std", lambda tf: tf.math.reduce_std(X, axis=2)),
    ("concat", lambda tf: tf.concat([X, X], 2)),
    ("stack", lambda tf: tf.stack([X, X], 3)),
    ("unstack", lambda tf: tf.unstack(X, axis=2)),
    ("argmax", lambda tf: tf.argmax(X, axis=2)),
    ("expand_dims", lambda tf: tf.expand_dims(X, 3)),
    ("softmax", lambda tf: tf.nn.softmax(X, axis=2)),
    ("reverse", lambda tf: tf.reverse(X, [2])),
    ("gather", lambda tf: tf.gather(X, [0], axis=2)),
    ("sort", lambda tf: tf.sort(X, axis=2)),
    ("cumsum", lambda tf: tf.cumsum(X, axis=2)),
    ("one_hot", lambda tf: tf.one_hot([1, 2], 3, axis=3)),
    ("split", lambda tf: tf.split(X, 3, axis=2)),
    ("roll", lambda tf: tf.roll(X, 1, axis=2)),
    ("squeeze", lambda tf: tf.squeeze(np.ones((2, 1)), 2)),
]


@pytest.fixture(scope="module")
def real_tf() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow")


def _raised(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except Exception as err:  # noqa: BLE001 - the kind is what is compared
        return err
    raise AssertionError("no error: the axis was wrapped round silently")


@pytest.mark.parametrize("case", TORCH, ids=[c[0] for c in TORCH])
def test_eager_raises_as_pytorch(case: Any) -> None:
    ours = _raised(lambda: case[1](wtorch))
    assert isinstance(ours, IndexError), ours
    torch = pytest.importorskip("torch")
    theirs = _raised(lambda: case[1](torch))
    assert isinstance(theirs, IndexError | RuntimeError), theirs


@pytest.mark.parametrize("case", JAX, ids=[c[0] for c in JAX])
def test_functional_raises_as_jax(case: Any) -> None:
    ours = _raised(lambda: case[1](wjnp, wjnn))
    assert isinstance(ours, ValueError), ours
    jax = pytest.importorskip("jax")
    theirs = _raised(lambda: case[1](jax.numpy, jax.nn))
    assert isinstance(theirs, ValueError | IndexError | TypeError), theirs


@pytest.mark.parametrize("case", TF, ids=[c[0] for c in TF])
def test_static_raises_as_tensorflow(real_tf: Any, case: Any) -> None:
    theirs = _raised(lambda: case[1](real_tf))
    ours = _raised(lambda: case[1](wtf))
    if isinstance(theirs, real_tf.errors.InvalidArgumentError):
        assert isinstance(ours, wtf.errors.InvalidArgumentError), ours
    else:
        assert isinstance(theirs, ValueError) and isinstance(ours, ValueError), (theirs, ours)


def test_one_check_counts_from_zero() -> None:
    assert normalize_axis("f", -1, 3) == 2 and normalize_axes("f", (0, -1), 2) == (0, 1)
    with pytest.raises(AxisError, match=r"axis 3 is out of range .* rank 2 .*\[-2, 1\]"):
        normalize_axis("f", 3, 2)
    with pytest.raises(AxisError, match="scalar"):
        normalize_axis("f", 0, 0)
    with pytest.raises(ValueError, match="repeated"):
        normalize_axes("f", (1, -1), 2)
    # what stays legal: PyTorch's dim 0 / -1 of a 0-d tensor, new axes at the end
    assert tuple(wtorch.tensor(2.0).sum(0).shape) == ()
    assert tuple(wtorch.tensor([1.0, 2.0]).unsqueeze(-1).shape) == (2, 1)
    assert tuple(wjnp.expand_dims(np.ones(2), -1).shape) == (2, 1)
    assert tuple(wtf.stack([X, X], -1).shape) == (2, 3, 2)
