"""The callbacks real Keras programs pass to ``fit``, against Keras 3 where the outcome is
deterministic: the learning-rate schedule of ReduceLROnPlateau, CSVLogger's file,
TensorBoard event files that TensorFlow's own reader parses, resuming with
BackupAndRestore, stopping on NaN."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from workbench.static import keras as wkeras

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

LOSSES = [1.0, 0.9, 0.95, 0.97, 0.96, 0.5, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65]


def _model(k: Any, lr: float = 0.1) -> Any:
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2, activation="relu"), k.layers.Dense(1)])
    model.compile(optimizer=k.optimizers.SGD(lr), loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 1},
        {"patience": 2, "factor": 0.5, "cooldown": 1},
        {"patience": 1, "min_lr": 0.02, "min_delta": 0.05},
        {"monitor": "acc", "mode": "max", "patience": 1},
    ],
)
def test_reduce_lr_on_plateau_equals_keras(kwargs: dict[str, Any]) -> None:
    rates = []
    for k in (keras, wkeras):
        model = _model(k)
        cb = k.callbacks.ReduceLROnPlateau(**{"monitor": "loss", **kwargs})
        cb.set_model(model)
        cb.on_train_begin()
        seen = []
        for epoch, loss in enumerate(LOSSES):
            cb.on_epoch_end(epoch, {"loss": loss, "acc": 1 - loss})
            seen.append(float(np.asarray(model.optimizer.learning_rate)))
        rates.append(seen)
    np.testing.assert_allclose(rates[1], rates[0], rtol=1e-6)


def test_reduce_lr_on_plateau_refuses_an_unknown_direction() -> None:
    for k in (keras, wkeras):
        cb = k.callbacks.ReduceLROnPlateau(monitor="acc")
        cb.set_model(_model(k))
        cb.on_train_begin()
        with pytest.raises(ValueError, match="maximized or minimized"):
            cb.on_epoch_end(0, {"loss": 1.0, "acc": 0.5})


def test_csv_logger_writes_what_keras_writes(tmp_path: Path) -> None:
    texts = []
    for name, k in (("theirs", keras), ("ours", wkeras)):
        path = tmp_path / f"{name}.csv"
        for append in (False, True):
            cb = k.callbacks.CSVLogger(str(path), append=append)
            cb.set_model(_model(k))
            cb.on_train_begin()
            for epoch, loss in enumerate(LOSSES[:3]):
                cb.on_epoch_end(epoch, {"loss": loss, "mae": loss / 2, "val_loss": loss + 1})
            cb.on_train_end()
        texts.append(path.read_text())
    assert texts[1] == texts[0]


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((40, 3)).astype(np.float32), rng.standard_normal((40, 1)).astype(
        np.float32
    )


def test_tensorboard_event_files_are_read_by_tensorflow(tmp_path: Path) -> None:
    x, y = _data()
    model = _model(wkeras)
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        validation_split=0.25,
        verbose=0,
        callbacks=[wkeras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1)],
    )
    for split, prefix in (("train", ""), ("validation", "val_")):
        (path,) = glob.glob(os.path.join(tmp_path, split, "events.out.tfevents.*"))
        scalars: dict[str, list[float]] = {}
        histograms = 0
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.HasField("histo"):
                    histograms += 1
                    assert value.histo.num > 0
                else:
                    scalars.setdefault(value.tag, []).append(value.simple_value)
        np.testing.assert_allclose(
            scalars["epoch_loss"], history.history[prefix + "loss"], rtol=1e-6
        )
        np.testing.assert_allclose(scalars["epoch_mae"], history.history[prefix + "mae"], rtol=1e-6)
        assert histograms == (3 * 4 if split == "train" else 0)  # 4 weights, every epoch


class _Crash(wkeras.callbacks.Callback):
    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == 1:
            raise KeyboardInterrupt


def test_backup_and_restore_resumes_where_training_stopped(tmp_path: Path) -> None:
    x, y = _data()
    whole = _model(wkeras)
    start = whole.get_weights()
    whole.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    resumed = _model(wkeras)
    resumed.set_weights(start)
    backup = wkeras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(KeyboardInterrupt):
        resumed.fit(
            x, y, epochs=4, batch_size=8, shuffle=False, verbose=0, callbacks=[backup, _Crash()]
        )
    assert (tmp_path / "backup").exists()
    history = resumed.fit(
        x, y, epochs=4, batch_size=8, shuffle=False, verbose=0, callbacks=[backup]
    )
    assert history.epoch == [2, 3]
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not (tmp_path / "backup").exists()


def test_terminate_on_nan_stops_training() -> None:
    x, y = _data()
    y[5] = np.nan
    history = _model(wkeras).fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        shuffle=False,
        verbose=0,
        callbacks=[wkeras.callbacks.TerminateOnNaN()],
    )
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])


def test_trace_export_writes_a_graph_tensorflow_reads(tmp_path: Path) -> None:
    import workbench.static as wtf

    writer = wtf.summary.create_file_writer(str(tmp_path))

    @wtf.function
    def f(x: Any, y: Any) -> Any:
        return wtf.nn.relu(wtf.matmul(x, y)) + 1.0

    wtf.summary.trace_on(graph=True)
    f(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32))
    with writer.as_default():
        wtf.summary.trace_export("f_trace", step=0)
    writer.close()
    (path,) = glob.glob(os.path.join(tmp_path, "events.out.tfevents.*"))
    graphs = [e.graph_def for e in tf.compat.v1.train.summary_iterator(path) if e.graph_def]
    assert len(graphs) == 1
    nodes = tf.compat.v1.GraphDef.FromString(graphs[0]).node
    ops = [n.op for n in nodes]
    assert "MatMul" in ops and "Relu" in ops
    relu = next(n for n in nodes if n.op == "Relu")
    assert list(relu.input) == [next(n.name for n in nodes if n.op == "MatMul")]
