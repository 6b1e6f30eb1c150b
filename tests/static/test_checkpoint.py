"""Object-based checkpoints against TensorFlow 2.21's behaviour: the paths ``save`` and
``CheckpointManager`` return, numbering and pruning, restoring a Keras model and its
optimizer into fresh objects (deferred until the optimizer makes its slots), and the
refusals; the files never hold code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

X = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
Y = X @ np.array([[1.0], [-2.0], [0.5]], np.float32)


def _model(k: Any) -> Any:
    model = k.Sequential([k.Input((3,)), k.layers.Dense(4, activation="tanh"), k.layers.Dense(1)])
    model.compile(k.optimizers.Adam(0.01), "mse")
    return model


def test_save_paths_and_manager_pruning_follow_tensorflow(tmp_path: Path) -> None:
    names = []
    for m, k, sub in ((tf, keras, "theirs"), (wtf, wkeras, "ours")):
        ckpt = m.train.Checkpoint(model=_model(k), step=m.Variable(3))
        first = ckpt.save(str(tmp_path / sub / "ckpt"))
        second = ckpt.save(str(tmp_path / sub / "ckpt"))
        manager = m.train.CheckpointManager(ckpt, str(tmp_path / sub / "managed"), max_to_keep=2)
        saved = [manager.save() for _ in range(3)]
        names.append(
            (
                os.path.basename(first),
                os.path.basename(second),
                [os.path.basename(p) for p in saved],
                [os.path.basename(p) for p in manager.checkpoints],
                os.path.basename(m.train.latest_checkpoint(str(tmp_path / sub / "managed"))),
            )
        )
    assert names[1] == names[0]


def test_restore_into_fresh_objects_continues_training_as_before(tmp_path: Path) -> None:
    model = _model(wkeras)
    model.fit(X, Y, epochs=3, batch_size=4, verbose=0, shuffle=False)
    ckpt = wtf.train.Checkpoint(model=model, optimizer=model.optimizer)
    path = ckpt.save(str(tmp_path / "ckpt"))
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    after = model.get_weights()

    fresh = _model(wkeras)
    fresh(X[:1])
    status = wtf.train.Checkpoint(model=fresh, optimizer=fresh.optimizer).restore(path)
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError):
        status.assert_consumed()  # the optimizer's slots do not exist yet
    fresh.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)  # slots made, then restored
    status.assert_consumed()
    for a, b in zip(fresh.get_weights(), after):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_readers_and_refusals(tmp_path: Path) -> None:
    v = wtf.Variable(np.arange(6.0).reshape(2, 3))
    path = wtf.train.Checkpoint(weights={"w": v}).write(str(tmp_path / "plain"))
    names = dict(wtf.train.list_variables(path))
    assert names == {
        "weights/w/.ATTRIBUTES/VARIABLE_VALUE": [2, 3],
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE": [],
    }
    np.testing.assert_array_equal(
        wtf.train.load_checkpoint(path).get_tensor("weights/w/.ATTRIBUTES/VARIABLE_VALUE"),
        v.numpy(),
    )
    wrong = wtf.Variable(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        wtf.train.Checkpoint(weights={"w": wrong}).restore(path)
    for m in (tf, wtf):
        with pytest.raises(m.errors.NotFoundError):
            m.train.Checkpoint(v=m.Variable(1.0)).restore(str(tmp_path / "missing"))
        with pytest.raises(ValueError, match="trackable"):
            m.train.Checkpoint(x=3)
        assert m.train.latest_checkpoint(str(tmp_path / "nothing_here")) is None
    with np.load(path + ".npz", allow_pickle=False) as data:  # a plain archive, no pickles
        assert "weights/w/.ATTRIBUTES/VARIABLE_VALUE" in data.files
