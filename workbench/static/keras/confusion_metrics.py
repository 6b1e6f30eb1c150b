"""Keras's threshold metrics: true/false positive/negative counts at thresholds, precision,
recall and the area under the ROC or precision-recall curve, as running counts in
variables (predictions strictly above a threshold count as positive, as in Keras).
Mirrors: keras.metrics (confusion metrics)."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.static import array_ops, math_ops
from workbench.static.execution import convert_to_tensor
from workbench.static.framework import init_scope
from workbench.static.keras.metrics import Metric, _default_name
from workbench.static.variables import Variable

EPSILON = 1e-7  # keras.config.epsilon()
_KINDS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _divide_no_nan(a: Any, b: Any) -> Any:
    safe = array_ops.where(math_ops.equal(b, 0.0), array_ops.ones_like(b), b)
    return array_ops.where(math_ops.equal(b, 0.0), array_ops.zeros_like(a), a / safe)


class _Confusion(Metric):
    """Counts of the kinds in ``kinds`` at each threshold."""

    kinds: tuple[str, ...] = _KINDS

    def __init__(
        self,
        thresholds: Any = None,
        name: str | None = None,
        dtype: Any = None,
        class_id: int | None = None,
    ) -> None:
        self.name = name or _default_name(type(self).__name__)
        self.init_thresholds = thresholds
        values = [0.5] if thresholds is None else np.atleast_1d(thresholds).tolist()
        if any(not 0 <= t <= 1 for t in values):
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
        self._single = thresholds is None or np.ndim(thresholds) == 0
        self._setup(values, class_id)

    def _setup(self, thresholds: list[float], class_id: int | None) -> None:
        self.thresholds, self.class_id = [float(t) for t in thresholds], class_id
        n = len(self.thresholds)
        with init_scope():
            self.counts = {
                k: Variable(np.zeros(n, np.float32), trainable=False, name=k) for k in self.kinds
            }

    def reset_state(self) -> None:
        for v in self.counts.values():
            v.assign(np.zeros(len(self.thresholds), np.float32))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = math_ops.cast(convert_to_tensor(y_pred), "float32")
        y_true = convert_to_tensor(y_true)
        if self.class_id is not None:
            y_pred, y_true = y_pred[..., self.class_id], y_true[..., self.class_id]
        pred = array_ops.reshape(y_pred, [-1, 1])
        truth = math_ops.cast(array_ops.reshape(math_ops.cast(y_true, "bool"), [-1, 1]), "float32")
        above = math_ops.cast(math_ops.greater(pred, convert_to_tensor(self.thresholds)), "float32")
        w = array_ops.ones_like(pred)
        if sample_weight is not None:
            sw = math_ops.cast(convert_to_tensor(sample_weight), "float32")
            w = w * array_ops.reshape(sw + array_ops.zeros_like(y_pred), [-1, 1])
        cases = {
            "true_positives": truth * above,
            "false_positives": (1 - truth) * above,
            "true_negatives": (1 - truth) * (1 - above),
            "false_negatives": truth * (1 - above),
        }
        for kind in self.kinds:
            self.counts[kind].assign_add(math_ops.reduce_sum(cases[kind] * w, 0))

    def _scalar(self, value: Any) -> Any:
        return value[0] if self._single else value

    @property
    def variables(self) -> list[Variable]:
        return list(self.counts.values())


class _Count(_Confusion):
    def result(self) -> Any:
        return self._scalar(self.counts[self.kinds[0]].read_value())


class TruePositives(_Count):
    kinds = ("true_positives",)


class FalsePositives(_Count):
    kinds = ("false_positives",)


class TrueNegatives(_Count):
    kinds = ("true_negatives",)


class FalseNegatives(_Count):
    kinds = ("false_negatives",)


class Precision(_Confusion):
    """tp / (tp + fp) at each threshold (0.5 by default). Mirrors: keras.metrics.Precision."""

    kinds = ("true_positives", "false_positives")

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        if top_k is not None:
            raise NotImplementedError(f"{type(self).__name__}(top_k=...) is not supported")
        super().__init__(thresholds, name, dtype, class_id)

    def result(self) -> Any:
        tp = self.counts["true_positives"].read_value()
        return self._scalar(_divide_no_nan(tp, tp + self.counts[self.kinds[1]].read_value()))


class Recall(Precision):
    """tp / (tp + fn). Mirrors: keras.metrics.Recall."""

    kinds = ("true_positives", "false_negatives")


class AUC(_Confusion):
    """The area under the ROC (or ``curve="PR"``) curve from counts at ``num_thresholds``
    evenly spaced thresholds, by Keras's interpolation. Mirrors: keras.metrics.AUC."""

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        if multi_label:
            raise NotImplementedError("AUC(multi_label=True) is not supported")
        if num_thresholds <= 1 and thresholds is None:
            raise ValueError(
                f"Argument `num_thresholds` must be an integer > 1. "
                f"Received: num_thresholds={num_thresholds}"
            )
        self.name = name or "auc"
        self.curve, self.summation_method = curve.upper(), summation_method.lower()
        self.from_logits = from_logits
        if thresholds is not None:
            inner = sorted(float(t) for t in np.atleast_1d(thresholds))
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = len(inner) + 2
        self._single = False
        self._setup([0.0 - EPSILON, *inner, 1.0 + EPSILON], None)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self.from_logits:
            y_pred = math_ops.sigmoid(convert_to_tensor(y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def result(self) -> Any:
        tp, fp, tn, fn = (self.counts[k].read_value() for k in _KINDS)
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[: n - 1] - tp[1:]
            p = tp + fp
            slope = _divide_no_nan(dtp, math_ops.maximum(p[: n - 1] - p[1:], 0.0))
            intercept = tp[1:] - slope * p[1:]
            both = math_ops.logical_and(
                math_ops.greater(p[: n - 1], 0.0), math_ops.greater(p[1:], 0.0)
            )
            ratio = array_ops.where(
                both,
                _divide_no_nan(p[: n - 1], math_ops.maximum(p[1:], 0.0)),
                array_ops.ones_like(p[1:]),
            )
            increment = _divide_no_nan(
                slope * (dtp + intercept * math_ops.log(ratio)),
                math_ops.maximum(tp[1:] + fn[1:], 0.0),
            )
            return math_ops.reduce_sum(increment)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = math_ops.minimum(y[: n - 1], y[1:])
        else:
            heights = math_ops.maximum(y[: n - 1], y[1:])
        return math_ops.reduce_sum((x[: n - 1] - x[1:]) * heights)


__all__ = [
    "AUC",
    "FalseNegatives",
    "FalsePositives",
    "Precision",
    "Recall",
    "TrueNegatives",
    "TruePositives",
]
