"""``keras.utils``: the data helpers programs call before ``fit`` — one-hot labels,
padding sequences to one length, normalising rows, seeding. Mirrors: keras.utils."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def set_random_seed(seed: int) -> None:
    """Seeds the workbench's random ops and Keras's shuffling.

    Mirrors: keras.utils.set_random_seed."""
    from workbench.static import random_ops  # noqa: PLC0415
    from workbench.static.keras import models  # noqa: PLC0415

    random_ops.set_seed(seed)
    models._SHUFFLE_SEED[0] = seed


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot rows for integer labels — float64, as Keras makes them from NumPy; a
    trailing axis of size 1 is dropped first, as Keras does. Mirrors:
    keras.utils.to_categorical."""
    labels = np.asarray(x, dtype=np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    n = int(num_classes) if num_classes is not None else int(flat.max()) + 1
    return np.eye(n, dtype=np.float64)[flat].reshape(*shape, n)


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Rows scaled to unit ``order``-norm along ``axis`` (zero rows stay zero). Mirrors:
    keras.utils.normalize."""
    a = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(a, ord=order, axis=axis, keepdims=True)
    return np.asarray(a / np.where(norm == 0, 1, norm), dtype=np.float32)


def pad_sequences(
    sequences: Sequence[Any],
    maxlen: int | None = None,
    dtype: str = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: float = 0.0,
) -> np.ndarray:
    """Sequences of different lengths as one array of ``maxlen`` (default: the longest),
    padded and truncated at the start ("pre") or the end ("post"). Mirrors:
    keras.utils.pad_sequences."""
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    rows = [np.asarray(s) for s in sequences]
    length = maxlen if maxlen is not None else max((len(r) for r in rows), default=0)
    sample = next((r.shape[1:] for r in rows if len(r)), ())
    out = np.full((len(rows), length, *sample), value, dtype=dtype)
    for i, row in enumerate(rows):
        if not len(row) or length == 0:
            continue
        cut = row[-length:] if truncating == "pre" else row[:length]
        if padding == "post":
            out[i, : len(cut)] = cut
        else:
            out[i, -len(cut) :] = cut
    return out
