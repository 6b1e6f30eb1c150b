"""``keras.utils``: the data helpers programs call before ``fit`` — one-hot labels,
padding sequences to one length, normalising rows, seeding. Mirrors: keras.utils."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.static.data import Dataset
from workbench.static.keras.downloads import get_file
from workbench.static.keras.image_utils import (
    array_to_img,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    save_img,
)
from workbench.static.keras.plot import model_to_dot, plot_model
from workbench.static.keras.text_layers import text_dataset_from_directory


def set_random_seed(seed: int) -> None:
    """Seeds the workbench's random ops and Keras's shuffling.

    Mirrors: keras.utils.set_random_seed."""
    import importlib  # noqa: PLC0415

    from workbench.static import random_ops  # noqa: PLC0415

    # the module itself (keras.models, the package attribute, is the public namespace)
    models = importlib.import_module("workbench.static.keras.models")
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


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> Dataset:
    """Sliding windows over a series: window i is ``data[start + p_i + k * sampling_rate]``
    for k < sequence_length, with target ``targets[start + p_i]``, the start positions p_i
    ``sequence_stride`` apart (shuffled by ``seed`` when asked). Mirrors:
    keras.utils.timeseries_dataset_from_array."""
    arr = np.asarray(data)
    n = len(arr)
    if start_index is not None and not 0 <= start_index < n:
        raise ValueError(
            "`start_index` must be 0 <= start_index < len(data). "
            f"Received: start_index={start_index}"
        )
    if end_index is not None and not (start_index or 0) < end_index < n:
        raise ValueError(
            "`end_index` must be start_index < end_index < len(data). "
            f"Received: end_index={end_index}"
        )
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0 or value >= n:
            raise ValueError(
                f"`{name}` must be higher than 0 and lower than the length of the data. "
                f"Received: {name}={value}"
            )
    start = start_index or 0
    stop = n if end_index is None else end_index
    count = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets))
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1_000_000) if seed is None else seed).shuffle(
            positions
        )
    window = np.arange(sequence_length) * sampling_rate
    inputs = arr[start:stop][positions[:, None] + window] if len(positions) else arr[:0][None][:0]
    if targets is None:
        dataset = Dataset.from_tensor_slices(inputs)
    else:
        dataset = Dataset.from_tensor_slices((inputs, np.asarray(targets)[start:][positions]))
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(batch_size * 8, seed=seed)
        return dataset.batch(batch_size)
    return dataset.shuffle(1024, seed=seed) if shuffle else dataset


def split_dataset(
    dataset: Any,
    left_size: Any = None,
    right_size: Any = None,
    shuffle: bool = False,
    seed: int | None = None,
) -> tuple[Dataset, Dataset]:
    """Split arrays (or a finite data set) into two data sets by counts or fractions.
    Mirrors: keras.utils.split_dataset."""
    if isinstance(dataset, Dataset):
        elements = list(dataset.as_numpy_iterator())
    else:
        data = (
            tuple(np.asarray(d) for d in dataset)
            if isinstance(dataset, list | tuple)
            else np.asarray(dataset)
        )
        n = len(data[0]) if isinstance(data, tuple) else len(data)
        elements = [
            tuple(d[i] for d in data) if isinstance(data, tuple) else data[i] for i in range(n)
        ]
    total = len(elements)
    if left_size is None and right_size is None:
        left_size = 0.5

    def count(size: Any) -> int:
        if isinstance(size, float):
            if not 0 < size < 1:
                raise ValueError(f"fractional sizes must be between 0 and 1, got {size}")
            return int(round(size * total))
        if not 0 <= size <= total:
            raise ValueError(f"size {size} is larger than the data set ({total} elements)")
        return int(size)

    left = count(left_size) if left_size is not None else total - count(right_size)
    right = count(right_size) if right_size is not None else total - left
    if left + right > total:
        raise ValueError(f"left_size + right_size ({left} + {right}) exceeds the {total} elements")
    if shuffle:
        order = np.random.RandomState(
            np.random.randint(1_000_000) if seed is None else seed
        ).permutation(total)
        elements = [elements[i] for i in order]

    def as_dataset(items: list[Any]) -> Dataset:
        return Dataset(lambda: iter(items), len(items))

    return as_dataset(elements[:left]), as_dataset(elements[total - right :] if right else [])


__all__ = [
    "array_to_img", "get_file", "image_dataset_from_directory", "img_to_array", "load_img",
    "model_to_dot", "normalize", "pad_sequences", "plot_model", "save_img", "set_random_seed",
    "split_dataset", "text_dataset_from_directory",
    "timeseries_dataset_from_array", "to_categorical",
]  # fmt: skip
