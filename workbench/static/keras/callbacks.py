"""Training callbacks. Mirrors: keras.callbacks."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.backend.files import atomic_write, read_archive, write_npz


class Callback:
    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_end(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...


class History(Callback):
    """Per-epoch logs (``history.history["loss"]`` …); ``fit`` returns it."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in sorted((logs or {}).items()):  # Keras 3 keeps the keys sorted
            self.history.setdefault(k, []).append(v)


def _better(mode: str, monitor: str) -> Callable[[float, float], bool]:
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    return (lambda a, b: a > b) if mode == "max" else (lambda a, b: a < b)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.verbose, self.restore_best_weights, self.start_from_epoch = (
            verbose,
            restore_best_weights,
            start_from_epoch,
        )
        self.mode = mode if mode != "auto" else ("max" if "acc" in monitor else "min")
        self.baseline = baseline
        self.stopped_epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.wait = 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights: Any = None
        self.stopped_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        delta = -self.min_delta if self.mode == "min" else self.min_delta
        improved = (
            current < self.best + delta if self.mode == "min" else current > self.best + delta
        )
        if improved:
            self.best, self.wait = current, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience or (self.patience == 0 and self.wait >= 1):
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)
            if self.verbose:
                print(f"Epoch {epoch + 1}: early stopping")


class ModelCheckpoint(Callback):
    """Save the model (or its weights) after epochs; ``{epoch}`` and log keys can appear
    in ``filepath``."""

    def __init__(
        self,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str = "epoch",
        **_: Any,
    ) -> None:
        super().__init__()
        self.filepath, self.monitor, self.verbose = filepath, monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.better = _better(mode, monitor)
        self.best: float | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None or (self.best is not None and not self.better(current, self.best)):
                return
            self.best = current
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class LearningRateScheduler(Callback):
    """Set the learning rate to ``schedule(epoch, lr)`` before each epoch."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = float(self.model.optimizer.learning_rate.numpy())
        try:
            new = self.schedule(epoch, current)
        except TypeError:
            new = self.schedule(epoch)
        self.model.optimizer.learning_rate = float(new)
        if self.verbose:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new)}."
            )

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.numpy())


class LambdaCallback(Callback):
    def __init__(self, **hooks: Any) -> None:
        super().__init__()
        for name, fn in hooks.items():
            setattr(self, name, lambda *a, fn=fn, **k: fn(*a, **k))


class ProgressBar:
    """Keras's per-epoch progress line (rewritten in place, so the notebook does not flicker)."""

    def __init__(self, total: int, verbose: int, stream: Any = None) -> None:
        self.total, self.verbose = total, verbose
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()
        self._last_write = -1.0

    def update(self, done: int, logs: dict[str, float], final: bool = False) -> None:
        if self.verbose == 0 or (self.verbose == 2 and not final):
            return
        now = time.perf_counter()
        if not final and self._last_write >= 0 and now - self._last_write < 0.05:
            return  # as Keras: redraw at most every 0.05 s
        self._last_write = now
        elapsed = now - self.start
        per_step = _per_step(elapsed / max(done, 1))
        metrics = "".join(f" - {k}: {_number(v, self.verbose)}" for k, v in sorted(logs.items()))
        if self.verbose == 2:  # one line per epoch, as Keras writes it to logs
            digits = len(str(self.total))
            text = f"{done:>{digits}}/{self.total} - {elapsed:.0f}s -{per_step}{metrics}\n"
            self.stream.write(text)
        else:
            width = 20
            filled = int(width * done / max(self.total, 1))
            bar = "━" * filled + " " * (width - filled)
            text = f"{done}/{self.total} {bar} {elapsed:.0f}s{per_step}{metrics}"
            self.stream.write("\r" + text + ("\n" if final else ""))
        self.stream.flush()


def _number(value: float, verbose: int) -> str:
    """Keras's metric format: four decimals, or scientific notation for small values."""
    small = abs(value) <= 1e-3 if verbose == 1 else value <= 1e-3
    return f"{value:.4e}" if small else f"{value:.4f}"


def _per_step(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f" {seconds * 1000:.0f}ms/step"
    return f" {seconds * 1e6:.0f}us/step"


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved by
    ``min_delta`` for ``patience`` epochs (then wait ``cooldown`` epochs), not below
    ``min_lr``. Mirrors: keras.callbacks.ReduceLROnPlateau."""

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **_: Any,
    ) -> None:
        super().__init__()
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.mode, self.min_delta, self.cooldown, self.min_lr = mode, min_delta, cooldown, min_lr

    def _direction(self) -> None:
        """Decided at the first epoch's end, when the model's metrics exist (as Keras)."""
        maximise = self.mode == "max"
        if self.mode == "auto" and self.monitor.removeprefix("val_") != "loss":
            name = self.monitor.removeprefix("val_")
            known = getattr(self.model, "metrics_names", [])
            if name not in known or not any(
                w in name for w in ("acc", "auc", "precision", "recall")
            ):
                raise ValueError(
                    f"ReduceLROnPlateau callback received monitor={self.monitor}, but Keras isn't "
                    "able to automatically determine whether that metric should be maximized or "
                    "minimized. Pass `mode='max'` in order to monitor based on the highest metric "
                    "value, or pass `mode='min'` in order to use the lowest value."
                )
            maximise = True
        delta = self.min_delta
        self._better = (lambda a, b: a > b + delta) if maximise else (lambda a, b: a < b - delta)
        self.best = -np.inf if maximise else np.inf

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._better = None  # type: ignore[assignment]
        self.wait = self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._better is None:
            self._direction()
        logs = logs if logs is not None else {}
        lr = float(self.model.optimizer.learning_rate.numpy())
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            print(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs)}.",
                file=sys.stderr,
            )
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience and lr > np.float32(self.min_lr):
                new = max(lr * self.factor, self.min_lr)
                self.model.optimizer.learning_rate = new
                if self.verbose:
                    print(
                        f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}."
                    )
                self.cooldown_counter, self.wait = self.cooldown, 0


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CSVLogger(Callback):
    """One CSV row per epoch: ``epoch`` then the logs' keys in sorted order."""

    def __init__(self, filename: str, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename, self.sep, self.append = str(filename), separator, append
        self.keys: list[str] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        import os  # noqa: PLC0415

        self._header = not (
            self.append and os.path.exists(self.filename) and os.path.getsize(self.filename)
        )
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        import csv  # noqa: PLC0415

        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        writer = csv.writer(self._file, delimiter=self.sep)
        if self._header:
            writer.writerow(["epoch", *self.keys])
            self._header = False
        writer.writerow([epoch, *[logs.get(k, "NA") for k in self.keys]])
        self._file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._file.close()
        self.keys = None


class BackupAndRestore(Callback):
    """Save the weights, the optimizer's state and the epoch after every epoch; a later
    ``fit`` with the same ``backup_dir`` resumes from there (the backup is deleted when
    training finishes). Mirrors: keras.callbacks.BackupAndRestore."""

    def __init__(
        self, backup_dir: str, save_freq: Any = "epoch", delete_checkpoint: bool = True, **_: Any
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir, self.delete_checkpoint = str(backup_dir), delete_checkpoint

    def _paths(self) -> tuple[str, str]:
        import os  # noqa: PLC0415

        return os.path.join(self.backup_dir, "latest.weights.npz"), os.path.join(
            self.backup_dir, "training_metadata.json"
        )

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        import json  # noqa: PLC0415
        import os  # noqa: PLC0415

        weights, meta = self._paths()
        if os.path.exists(weights) and os.path.exists(meta):
            self.model.load_weights(weights)
            with open(meta) as f:
                state = json.load(f)
            optimizer = self.model.optimizer
            for var, value in zip(
                optimizer.variables, read_archive(weights + ".optimizer.npz").values()
            ):
                var.assign(value)
            self.model._initial_epoch = int(state["epoch"]) + 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        import json  # noqa: PLC0415
        import os  # noqa: PLC0415

        os.makedirs(self.backup_dir, exist_ok=True)
        weights, meta = self._paths()
        self.model.save_weights(weights)
        state = {f"v{i}": v.numpy() for i, v in enumerate(self.model.optimizer.variables)}
        write_npz(weights + ".optimizer.npz", state)
        with atomic_write(meta, "w") as f:
            json.dump({"epoch": epoch}, f)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        import shutil  # noqa: PLC0415

        if self.delete_checkpoint and not getattr(self.model, "stop_training", False):
            shutil.rmtree(self.backup_dir, ignore_errors=True)


class TensorBoard(Callback):
    """Write each epoch's logs as TensorBoard scalars (``epoch_loss`` …) to
    ``log_dir/train`` and ``log_dir/validation``, and weight histograms every
    ``histogram_freq`` epochs. Mirrors: keras.callbacks.TensorBoard."""

    def __init__(
        self,
        log_dir: str = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        update_freq: Any = "epoch",
        **_: Any,
    ) -> None:
        super().__init__()
        self.log_dir, self.histogram_freq = str(log_dir), int(histogram_freq)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        import os  # noqa: PLC0415

        from workbench.static import summary  # noqa: PLC0415

        self._train = summary.create_file_writer(
            os.path.join(self.log_dir, "train"), filename_suffix=".v2"
        )
        self._validation: Any = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        import os  # noqa: PLC0415

        from workbench.static import summary  # noqa: PLC0415

        logs = logs or {}
        with self._train.as_default(step=epoch):
            for key, value in logs.items():
                if not key.startswith("val_"):
                    summary.scalar(f"epoch_{key}", value)
            if "learning_rate" not in logs and self.model is not None:
                summary.scalar("epoch_learning_rate", self.model.optimizer.learning_rate.numpy())
            if self.histogram_freq and epoch % self.histogram_freq == 0:
                for w in self.model.weights:
                    name = getattr(w, "_path", w.name).replace(":", "_")
                    summary.histogram(f"{name}/histogram", w.numpy())
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if validation:
            if self._validation is None:
                self._validation = summary.create_file_writer(
                    os.path.join(self.log_dir, "validation"), filename_suffix=".v2"
                )
            with self._validation.as_default(step=epoch):
                for key, value in validation.items():
                    summary.scalar(f"epoch_{key}", value)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._train.close()
        if self._validation is not None:
            self._validation.close()
