"""TensorFlow 1's ``tf.nn``: TensorFlow 2's, plus the recurrent networks that moved out
of it (``rnn_cell``, ``dynamic_rnn``, ``static_rnn`` and their bidirectional forms).
Mirrors: tf.compat.v1.nn."""

from typing import Any

from workbench.static import nn_ops as _nn
from workbench.static.nn_ops import *  # noqa: F403 - the namespace is tf.nn's, extended
from workbench.static.rnn import (
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    rnn_cell,
    static_bidirectional_rnn,
    static_rnn,
)

__all__ = [
    *(n for n in dir(_nn) if not n.startswith("_")),
    "bidirectional_dynamic_rnn",
    "dynamic_rnn",
    "rnn_cell",
    "static_bidirectional_rnn",
    "static_rnn",
]


def __getattr__(name: str) -> Any:
    return getattr(_nn, name)
