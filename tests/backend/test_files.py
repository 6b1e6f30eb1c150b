"""Files written whole or not at all (issue 18): saves killed at random moments never
leave a broken file under the real name, and the next save sweeps their temporaries;
damaged, truncated and foreign files are refused with a message that names them; TF1's
Saver keeps the newest checkpoint however often one name is reused."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.eager as wtorch
import workbench.static as wtf
from workbench.backend import files
from workbench.backend.files import TEMP_SUFFIX, CheckpointError, read_archive, write_npz

# the child loads files.py by its path: the same code, without the package's slow imports
_CHILD = """
import importlib.util, sys, numpy as np
spec = importlib.util.spec_from_file_location("files", sys.argv[2])
files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(files)
write_npz = files.write_npz
path = sys.argv[1]
big = np.arange(2_000_000, dtype=np.float32)
print("ready", flush=True)
i = 0
while True:
    i += 1
    write_npz(path, {"step": np.array(i), "data": big + i})
"""


def test_killed_saves_leave_the_last_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.npz"
    write_npz(path, {"step": np.array(0), "data": np.zeros(2_000_000, np.float32)})
    rng = np.random.default_rng(0)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    steps = []
    for _ in range(30):
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), files.__file__],
                                 stdout=subprocess.PIPE, env=env)  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        time.sleep(float(rng.uniform(0.0, 0.15)))
        child.send_signal(signal.SIGKILL)
        child.wait()
        data = read_archive(path)  # always a whole archive: an old one or a new one
        step = int(data["step"])
        np.testing.assert_array_equal(data["data"][:3], np.arange(3, dtype=np.float32) + step)
        steps.append(step)
    assert max(steps) > 0  # the children did write
    write_npz(path, {"step": np.array(-1)})  # the next save sweeps what killed ones left
    assert glob.glob(str(tmp_path / f"*{TEMP_SUFFIX}")) == []
    assert glob.glob(str(tmp_path / f".*{TEMP_SUFFIX}")) == []


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "model.pt"
    wtorch.save({"w": wtorch.ones(2)}, target)

    class Unwritable:
        pass

    with pytest.raises(Exception):  # noqa: B017 - whatever the encoder raises
        wtorch.save({"w": Unwritable()}, target)
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]
    assert wtorch.load(target)["w"].tolist() == [1.0, 1.0]


def test_missing_folder_names_the_users_path(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "model.pt"
    with pytest.raises(FileNotFoundError, match=str(path)):
        wtorch.save({"w": wtorch.ones(1)}, path)
    with wtf.Graph().as_default():
        v = wtf.compat.v1.get_variable("v", [2])
        saver = wtf.compat.v1.train.Saver()
        with wtf.compat.v1.Session() as sess:
            sess.run(wtf.compat.v1.global_variables_initializer())
            with pytest.raises(ValueError, match="Parent directory of .* doesn't exist"):
                saver.save(sess, str(tmp_path / "none" / "model"))
    assert v is not None


def test_damaged_and_foreign_files_are_named(tmp_path: Path) -> None:
    good = tmp_path / "good.pt"
    wtorch.save({"w": wtorch.ones(3)}, good)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:50])
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all" * 10)
    for bad in (truncated, garbage):
        with pytest.raises(CheckpointError, match=f"{bad}.*damaged or is not"):
            wtorch.load(bad)
    torch = pytest.importorskip("torch")
    foreign = tmp_path / "foreign.pt"
    torch.save({"w": torch.ones(3)}, foreign)  # real PyTorch: a zip holding a pickle
    with pytest.raises(CheckpointError, match=str(foreign)):
        wtorch.load(foreign)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(2))  # a NumPy archive, but not one of ours
    with pytest.raises(CheckpointError, match="not one written by workbench.eager.save"):
        wtorch.load(plain)


def test_tensorflow_and_keras_refuse_damaged_files(tmp_path: Path) -> None:
    garbage = tmp_path / "broken.npz"
    garbage.write_bytes(b"\x00" * 100)
    with wtf.Graph().as_default():
        wtf.compat.v1.get_variable("v", [2])
        saver = wtf.compat.v1.train.Saver()
        with (
            wtf.compat.v1.Session() as sess,
            pytest.raises(wtf.errors.DataLossError, match="broken"),
        ):
            saver.restore(sess, str(tmp_path / "broken"))
    model = wtf.keras.Sequential([wtf.keras.Input((2,)), wtf.keras.layers.Dense(1)])
    with pytest.raises(CheckpointError, match="broken.npz"):
        model.load_weights(str(garbage))


@pytest.mark.parametrize("max_to_keep", [5, 1])
def test_saver_keeps_the_newest(tmp_path: Path, max_to_keep: int) -> None:
    state: Any = None
    with wtf.Graph().as_default():
        v = wtf.compat.v1.get_variable("v", [2], initializer=wtf.compat.v1.zeros_initializer())
        bump = v.assign_add(wtf.ones([2]))
        saver = wtf.compat.v1.train.Saver(max_to_keep=max_to_keep)
        with wtf.compat.v1.Session() as sess:
            sess.run(wtf.compat.v1.global_variables_initializer())
            prefix = str(tmp_path / "model")
            for _ in range(7):  # the same name each epoch
                sess.run(bump)
                saver.save(sess, prefix)
                assert os.path.exists(prefix + ".npz")
            for step in range(7):  # with a step: the state never names a deleted file
                saver.save(sess, prefix, global_step=step)
                latest = wtf.train.latest_checkpoint(str(tmp_path))
                assert latest is not None and os.path.exists(latest + ".npz")
                state = (tmp_path / "checkpoint").read_text()
            kept = sorted(glob.glob(str(tmp_path / "model-*.npz")))
            assert len(kept) == max_to_keep
            saver.restore(sess, latest)
            assert sess.run(v).tolist() == [7.0, 7.0]
    assert 'model_checkpoint_path: "model-6"' in state
