"""Fine-tuning in the eager style, as transformers' ``Trainer`` does it: shuffle the
examples (a generator seeded with ``args.seed``), pad each batch to its longest sequence,
run the model with ``labels`` to get the loss, clip the gradients' global norm to
``max_grad_norm``, step AdamW on a linearly decaying learning rate, log the mean loss every
``logging_steps``; ``evaluate`` reports ``eval_loss`` and what ``compute_metrics`` adds.

Mirrors: transformers.Trainer, TrainingArguments (their defaults), DataCollatorWithPadding.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from workbench import eager as torch
from workbench.eager.nn.utils import clip_grad_norm_

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass
class TrainingArguments:
    """The knobs of a run, with transformers' defaults."""

    output_dir: str = "trainer_output"
    num_train_epochs: float = 3.0
    max_steps: int = -1
    per_device_train_batch_size: int = 8
    per_device_eval_batch_size: int = 8
    learning_rate: float = 5e-5
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    lr_scheduler_type: str = "linear"
    warmup_steps: int = 0
    logging_steps: int = 500
    seed: int = 42
    eval_strategy: str = "no"
    save_strategy: str = "no"
    report_to: Any = "none"
    disable_tqdm: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lr_scheduler_type not in ("linear", "constant"):
            raise ValueError(
                f"lr_scheduler_type {self.lr_scheduler_type!r}: the workbench's Trainer has "
                "'linear' (the default) and 'constant'"
            )
        if self.eval_strategy not in ("no", "epoch"):
            raise ValueError(f"eval_strategy should be 'no' or 'epoch', not {self.eval_strategy!r}")


class EvalPrediction(NamedTuple):
    predictions: np.ndarray
    label_ids: np.ndarray


class TrainOutput(NamedTuple):
    global_step: int
    training_loss: float
    metrics: dict[str, float]


class PredictionOutput(NamedTuple):
    predictions: np.ndarray
    label_ids: np.ndarray | None
    metrics: dict[str, float]


def collate(rows: Sequence[dict[str, Any]], pad_token_id: int = 0) -> dict[str, np.ndarray]:
    """Rows of token lists -> arrays padded to the batch's longest row; ``label`` becomes
    ``labels`` (transformers' DataCollatorWithPadding)."""
    if not rows:
        raise ValueError("collate: an empty batch")
    missing = [k for k in ("input_ids",) if k not in rows[0]]
    if missing:
        raise KeyError(f"each example needs {missing} (tokenize the texts first)")
    width = max(len(r["input_ids"]) for r in rows)
    batch: dict[str, np.ndarray] = {}
    for key in MODEL_INPUTS:
        if key in rows[0]:
            fill = pad_token_id if key == "input_ids" else 0
            batch[key] = np.array(
                [list(r[key]) + [fill] * (width - len(r[key])) for r in rows], np.int64
            )
    for name in ("label", "labels"):
        if name in rows[0]:
            batch["labels"] = np.array([r[name] for r in rows])
    return batch


def linear_schedule(step: int, total: int, warmup: int = 0) -> float:
    """The learning-rate factor at optimizer step ``step`` (0-based): a warm-up from 0,
    then a straight line to 0 at ``total``."""
    if step < warmup:
        return step / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


class Trainer:
    def __init__(
        self,
        model: Any,
        args: TrainingArguments | None = None,
        train_dataset: Sequence[dict[str, Any]] | None = None,
        eval_dataset: Sequence[dict[str, Any]] | None = None,
        processing_class: Any = None,
        compute_metrics: Callable[[EvalPrediction], dict[str, float]] | None = None,
        tokenizer: Any = None,
    ) -> None:
        self.model = model
        self.args = args or TrainingArguments()
        self.train_dataset, self.eval_dataset = train_dataset, eval_dataset
        self.tokenizer = processing_class or tokenizer
        self.compute_metrics = compute_metrics
        self.log_history: list[dict[str, float]] = []
        self._generator = torch.Generator().manual_seed(self.args.seed)
        torch.manual_seed(self.args.seed)
        self._epoch_orders: list[np.ndarray] = []

    @property
    def pad_token_id(self) -> int:
        token = (
            getattr(self.tokenizer, "pad_token_id", None) if self.tokenizer is not None else None
        )
        return int(token) if token is not None else 0

    # -- data ---------------------------------------------------------------------------
    def _epoch_order(self, epoch: int) -> np.ndarray:
        while len(self._epoch_orders) <= epoch:  # one permutation per epoch, in order
            n = len(self.train_dataset or [])
            self._epoch_orders.append(torch.randperm(n, generator=self._generator).numpy())
        return self._epoch_orders[epoch]

    def get_train_dataloader(self, epoch: int = 0) -> list[dict[str, np.ndarray]]:
        """The batches of one epoch, shuffled as ``train`` sees them (so other styles can
        be fed exactly the same batches)."""
        if self.train_dataset is None:
            raise ValueError("Trainer: training needs a train_dataset")
        order, size = self._epoch_order(epoch), self.args.per_device_train_batch_size
        data = self.train_dataset
        return [
            collate([data[int(i)] for i in order[s : s + size]], self.pad_token_id)
            for s in range(0, len(order), size)
        ]

    def _to_model(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        return {k: torch.from_numpy(v) for k, v in batch.items()}

    # -- training -----------------------------------------------------------------------
    def create_optimizer(self) -> Any:
        """AdamW; biases and LayerNorm weights get no weight decay (as transformers)."""
        decay: list[Any] = []
        no_decay: list[Any] = []
        for name, p in self.model.named_parameters():
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
        a = self.args
        return torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": a.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=a.learning_rate,
            betas=(a.adam_beta1, a.adam_beta2),
            eps=a.adam_epsilon,
        )

    def train(self) -> TrainOutput:
        a = self.args
        steps_per_epoch = math.ceil(len(self.train_dataset or []) / a.per_device_train_batch_size)
        total = (
            a.max_steps if a.max_steps > 0 else int(math.ceil(a.num_train_epochs * steps_per_epoch))
        )
        optimizer = self.create_optimizer()
        bar = None
        if not a.disable_tqdm:
            from tqdm.auto import tqdm  # noqa: PLC0415

            bar = tqdm(total=total, desc="Training")
        self.model.train()
        start, step, running, seen, all_losses = time.perf_counter(), 0, 0.0, 0, []
        epoch = 0
        while step < total:
            for batch in self.get_train_dataloader(epoch):
                if step >= total:
                    break
                factor = (
                    linear_schedule(step, total, a.warmup_steps)
                    if a.lr_scheduler_type == "linear"
                    else 1.0
                )
                for group in optimizer.param_groups:
                    group["lr"] = a.learning_rate * factor
                loss = self.model(**self._to_model(batch)).loss
                optimizer.zero_grad()
                loss.backward()
                if a.max_grad_norm and a.max_grad_norm > 0:
                    clip_grad_norm_(self.model.parameters(), a.max_grad_norm)
                optimizer.step()
                value = float(loss.item())
                all_losses.append(value)
                running, seen, step = running + value, seen + 1, step + 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.4f}")
                if step % a.logging_steps == 0:
                    self.log_history.append(
                        {
                            "loss": running / seen,
                            "learning_rate": a.learning_rate * factor,
                            "epoch": step / steps_per_epoch,
                            "step": step,
                        }
                    )
                    running, seen = 0.0, 0
            epoch += 1
            if a.eval_strategy == "epoch" and self.eval_dataset is not None:
                self.log_history.append({**self.evaluate(), "epoch": float(epoch), "step": step})
                self.model.train()
        if bar is not None:
            bar.close()
        self.model.eval()
        runtime = time.perf_counter() - start
        mean = float(np.mean(all_losses)) if all_losses else float("nan")
        metrics = {
            "train_runtime": runtime,
            "train_loss": mean,
            "train_steps_per_second": step / runtime,
        }
        self.log_history.append({**metrics, "step": step})
        self.losses = all_losses
        return TrainOutput(step, mean, metrics)

    # -- evaluation ---------------------------------------------------------------------
    def predict(
        self, test_dataset: Sequence[dict[str, Any]], metric_key_prefix: str = "test"
    ) -> PredictionOutput:
        """Logits of every example (in order), the labels, the mean loss and metrics."""
        size = self.args.per_device_eval_batch_size
        was_training = self.model.training
        self.model.eval()
        logits, labels, loss_sum = [], [], 0.0
        with torch.no_grad():
            for s in range(0, len(test_dataset), size):
                batch = collate(list(test_dataset[s : s + size]), self.pad_token_id)
                out = self.model(**self._to_model(batch))
                logits.append(out.logits.numpy())
                if "labels" in batch:
                    labels.append(batch["labels"])
                    loss_sum += float(out.loss.item()) * len(batch["input_ids"])
        self.model.train(was_training)
        predictions = np.concatenate(logits)
        label_ids = np.concatenate(labels) if labels else None
        metrics: dict[str, float] = {}
        if label_ids is not None:
            metrics[f"{metric_key_prefix}_loss"] = loss_sum / len(test_dataset)
            if self.compute_metrics is not None:
                extra = self.compute_metrics(EvalPrediction(predictions, label_ids))
                metrics.update({f"{metric_key_prefix}_{k}": float(v) for k, v in extra.items()})
        return PredictionOutput(predictions, label_ids, metrics)

    def evaluate(self, eval_dataset: Sequence[dict[str, Any]] | None = None) -> dict[str, float]:
        data = eval_dataset if eval_dataset is not None else self.eval_dataset
        if data is None:
            raise ValueError("Trainer: evaluation needs an eval_dataset")
        return self.predict(data, metric_key_prefix="eval").metrics


def accuracy(prediction: EvalPrediction) -> dict[str, float]:
    """A ``compute_metrics`` for classification: the share of argmax logits that match."""
    return {"accuracy": float((prediction.predictions.argmax(-1) == prediction.label_ids).mean())}
