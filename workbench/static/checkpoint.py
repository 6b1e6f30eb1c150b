"""Object-based checkpoints, TensorFlow 2's way: ``tf.train.Checkpoint(model=...,
optimizer=...)`` saves every variable reachable from the objects it is given, under a
path that names how it was reached (``model/layer-0/kernel``), and restores by the same
paths into fresh objects. ``CheckpointManager`` numbers and prunes them;
``load_checkpoint`` / ``list_variables`` read one. Files are NumPy archives read with
``allow_pickle=False`` (never code), written to a temporary name and renamed.
Mirrors: tf.train.Checkpoint, tf.train.CheckpointManager, tf.train.load_checkpoint."""

from __future__ import annotations

import json
import os
import time
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from workbench.backend.files import CheckpointError, atomic_write, read_archive, write_npz
from workbench.static import errors
from workbench.static.variables import Variable

_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    """The named objects a checkpoint reaches from ``obj`` (Keras layers by position,
    optimizers by their variables, modules and plain objects by attribute)."""
    from workbench.static.keras.engine import Layer  # noqa: PLC0415
    from workbench.static.module import Module  # noqa: PLC0415

    if isinstance(obj, dict):
        yield from ((str(k), v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0])))
    elif isinstance(obj, list | tuple):
        yield from ((str(i), v) for i, v in enumerate(obj))
    elif isinstance(obj, Layer):
        for w in obj._own_weights:
            yield getattr(w, "_path", w.name).split("/")[-1].split(":")[0], w
        for i, layer in enumerate(obj._layers):
            yield f"layer-{i}", layer
    elif hasattr(obj, "apply_gradients") and hasattr(obj, "variables"):  # an optimizer
        variables = obj.variables() if callable(obj.variables) else obj.variables
        yield from ((f"variables-{i}", v) for i, v in enumerate(variables))
    elif isinstance(obj, Module | Checkpoint) or hasattr(obj, "__dict__"):
        for k, v in sorted(vars(obj).items()):
            if not k.startswith("_") and _trackable(v):
                yield k, v


def _trackable(v: Any) -> bool:
    from workbench.static.keras.engine import Layer  # noqa: PLC0415
    from workbench.static.module import Module  # noqa: PLC0415

    return isinstance(v, Variable | Layer | Module | dict | list | tuple) or (
        hasattr(v, "apply_gradients") and hasattr(v, "variables")
    )


def _variables(
    obj: Any, prefix: str = "", seen: set[int] | None = None
) -> Iterator[tuple[str, Variable]]:
    seen = set() if seen is None else seen
    for name, child in _children(obj):
        path = f"{prefix}{name}"
        if isinstance(child, Variable):
            if id(child) not in seen:
                seen.add(id(child))
                yield path + _SUFFIX, child
        elif id(child) not in seen:
            seen.add(id(child))
            yield from _variables(child, path + "/", seen)


def _write(prefix: str, arrays: dict[str, np.ndarray]) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    write_npz(prefix + ".npz", arrays)
    return prefix


def _read(path: str) -> dict[str, np.ndarray]:
    file = path if path.endswith(".npz") else path + ".npz"
    if not os.path.exists(file):
        raise errors.NotFoundError(None, None, f"Failed to find any matching files for {path}")
    try:
        return read_archive(file)
    except CheckpointError as err:  # TensorFlow's kind for an unreadable checkpoint
        raise errors.DataLossError(None, None, str(err)) from None


class CheckpointLoadStatus:
    """What a restore matched. Mirrors: the status ``Checkpoint.restore`` returns."""

    def __init__(self, checkpoint: Checkpoint, missing: list[str]) -> None:
        self._checkpoint, self.missing = checkpoint, missing

    @property
    def unused(self) -> list[str]:
        """Values of the file still waiting for a variable (none once all were created)."""
        return sorted(k for k in self._checkpoint._pending if not k.startswith("save_counter"))

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Every value in the file went somewhere and every variable got a value."""
        names = self.unused
        if names:
            raise AssertionError(
                f"Unresolved object in checkpoint: values for {names[:5]} were not restored"
            )
        if self.missing:
            raise AssertionError(f"Some objects had no value in the checkpoint: {self.missing[:5]}")
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        if self.missing:
            raise AssertionError(f"Some objects had no value in the checkpoint: {self.missing[:5]}")
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        if not self._checkpoint._restored:
            raise AssertionError("No checkpointed value was matched to an object")
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        return None

    initialize_or_restore = run_restore_ops


class Checkpoint:
    """Mirrors: tf.train.Checkpoint."""

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            if not _trackable(value):
                raise ValueError(
                    "`Checkpoint` was expecting a trackable object (an object derived from "
                    f"`Trackable`), got {value}."
                )
            setattr(self, name, value)
        if root is not None:
            self.root = root
        self.save_counter = Variable(np.int64(0), trainable=False, name="save_counter")
        self._pending: dict[str, np.ndarray] = {}
        self._restored = 0

    def _arrays(self) -> dict[str, np.ndarray]:
        return {path: np.asarray(v.numpy()) for path, v in _variables(self)}

    def write(self, file_prefix: str, options: Any = None) -> str:
        """Save to exactly ``file_prefix`` (no numbering, no ``checkpoint`` file)."""
        return _write(os.fspath(file_prefix), self._arrays())

    def save(self, file_prefix: str, options: Any = None) -> str:
        """Save to ``file_prefix-N`` (N counts saves) and name it in the folder's
        ``checkpoint`` file. Returns the path."""
        self.save_counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        _record(os.path.dirname(os.path.abspath(path)), path, [path])
        return path

    def read(self, save_path: str, options: Any = None) -> CheckpointLoadStatus:
        return self.restore(save_path)

    def restore(self, save_path: str | None, options: Any = None) -> CheckpointLoadStatus:
        """Assign the saved values to the variables reached by the same paths; values for
        variables that do not exist yet (an optimizer not built) wait until they do."""
        if save_path is None:
            return CheckpointLoadStatus(self, [])
        values = _read(os.fspath(save_path))
        self._pending = dict(values)
        missing = self._apply()
        status = CheckpointLoadStatus(self, missing)
        if status.unused:  # e.g. an optimizer's slots, restored when it creates them
            _WAITING.add(self)
        return status

    def _apply(self) -> list[str]:
        missing = []
        for path, var in _variables(self):
            value = self._pending.pop(path, None)
            if value is None:
                missing.append(path)
                continue
            if tuple(value.shape) != tuple(var.shape.as_list()):
                raise ValueError(
                    f"Checkpoint.restore: {path} has shape {value.shape} in the checkpoint "
                    f"and {tuple(var.shape.as_list())} in the program"
                )
            var.assign(value.astype(var.dtype.np))
            self._restored += 1
        return missing


_WAITING: weakref.WeakSet[Checkpoint] = weakref.WeakSet()


def restore_waiting() -> None:
    """Give values kept back by earlier restores to variables created since (TensorFlow's
    deferred restoration; Keras optimizers call this after creating their slots)."""
    for checkpoint in list(_WAITING):
        checkpoint._apply()
        if not checkpoint._pending:
            _WAITING.discard(checkpoint)


def _record(directory: str, latest: str, kept: list[str]) -> None:
    """The folder's ``checkpoint`` state file, in TensorFlow's own text format (so
    ``tf.train.latest_checkpoint`` of either framework reads it)."""
    lines = [f'model_checkpoint_path: "{os.path.basename(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in kept]
    with atomic_write(os.path.join(directory, "checkpoint"), "w") as f:
        f.write("\n".join(lines) + "\n")


def read_state(directory: str, filename: str = "checkpoint") -> tuple[str | None, list[str]]:
    """(latest, all kept) names from a ``checkpoint`` state file: TensorFlow's text
    format, or the JSON that earlier workbench versions wrote."""
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
        return None, []
    with open(path) as f:
        text = f.read()
    if text.lstrip().startswith("{"):
        state = json.loads(text)
        return state.get("model_checkpoint_path"), list(state.get("all_model_checkpoint_paths", []))
    latest, kept = None, []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        value = value.strip().strip('"')
        if key.strip() == "model_checkpoint_path":
            latest = value
        elif key.strip() == "all_model_checkpoint_paths":
            kept.append(value)
    return latest, kept


class CheckpointManager:
    """Numbered saves in one folder, keeping the newest ``max_to_keep``.
    Mirrors: tf.train.CheckpointManager."""

    def __init__(
        self,
        checkpoint: Checkpoint,
        directory: str,
        max_to_keep: int | None,
        keep_checkpoint_every_n_hours: float | None = None,
        checkpoint_name: str = "ckpt",
        step_counter: Any = None,
        checkpoint_interval: Any = None,
        init_fn: Any = None,
    ) -> None:
        self._checkpoint, self.directory = checkpoint, os.fspath(directory)
        self._max, self._prefix = max_to_keep, os.path.join(self.directory, checkpoint_name)
        self._keep_hours, self._last_kept = keep_checkpoint_every_n_hours, time.time()
        self._checkpoints: list[str] = []
        _, names = read_state(self.directory)  # pick up the saves a previous run made
        self._checkpoints = [
            os.path.join(self.directory, n)
            for n in names
            if os.path.exists(os.path.join(self.directory, n) + ".npz")
        ]

    @property
    def checkpoints(self) -> list[str]:
        return list(self._checkpoints)

    @property
    def latest_checkpoint(self) -> str | None:
        return self._checkpoints[-1] if self._checkpoints else None

    def save(
        self, checkpoint_number: int | None = None, check_interval: bool = True, options: Any = None
    ) -> str:
        counter = self._checkpoint.save_counter
        if checkpoint_number is None:
            counter.assign_add(1)
            number = int(counter.numpy())
        else:
            number = int(
                np.asarray(
                    checkpoint_number.numpy()
                    if hasattr(checkpoint_number, "numpy")
                    else checkpoint_number
                )
            )
        path = self._checkpoint.write(f"{self._prefix}-{number}")
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        while self._max is not None and len(self._checkpoints) > self._max:
            old = self._checkpoints.pop(0)
            if self._keep_hours and time.time() - self._last_kept >= self._keep_hours * 3600:
                self._last_kept = time.time()
                continue
            if os.path.exists(old + ".npz"):
                os.remove(old + ".npz")
        _record(self.directory, path, self._checkpoints)  # the state never names a deleted file
        return path

    def restore_or_initialize(self) -> str | None:
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
        return self.latest_checkpoint


class CheckpointReader:
    """Read a checkpoint's values by name. Mirrors: tf.train.load_checkpoint's reader."""

    def __init__(self, path: str) -> None:
        self._values = _read(path)

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {k: list(v.shape) for k, v in self._values.items()}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        from workbench.static import dtypes  # noqa: PLC0415

        return {k: dtypes.as_dtype(v.dtype) for k, v in self._values.items()}

    def get_tensor(self, name: str) -> np.ndarray:
        if name not in self._values:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
        return self._values[name]

    def has_tensor(self, name: str) -> bool:
        return name in self._values


def _resolve(ckpt_dir_or_file: str) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        from workbench.static.train import latest_checkpoint  # noqa: PLC0415

        found = latest_checkpoint(path)
        if found is None:
            raise ValueError(
                f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}"
            )
        return found
    return path


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    return sorted(load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


__all__ = [
    "Checkpoint",
    "CheckpointManager",
    "CheckpointReader",
    "list_variables",
    "load_checkpoint",
    "load_variable",
]
