"""Training callbacks. Mirrors: keras.callbacks."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


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
        for k, v in (logs or {}).items():
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

    def update(self, done: int, logs: dict[str, float], final: bool = False) -> None:
        if self.verbose == 0 or (self.verbose == 2 and not final):
            return
        elapsed = time.perf_counter() - self.start
        width = 20
        filled = int(width * done / max(self.total, 1))
        bar = "━" * filled + ("━" if filled < width else "") * 0 + " " * (width - filled)
        per_step = elapsed / max(done, 1) * 1000
        metrics = " - ".join(f"{k}: {v:.4f}" for k, v in sorted(logs.items()))
        text = f"{done}/{self.total} {bar} {elapsed:.0f}s {per_step:.0f}ms/step"
        if metrics:
            text += " - " + metrics
        end = "\n" if final else ""
        self.stream.write(("\r" if self.verbose == 1 else "") + text + end)
        self.stream.flush()
