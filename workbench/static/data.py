"""``tf.data``: input pipelines as chains of transformations over elements (tuples or
dicts of arrays), evaluated lazily when iterated. Mirrors: tf.data.Dataset.

Elements are held as NumPy arrays and handed out as eager tensors; ``map`` and
``filter`` call their function eagerly on each element (TensorFlow traces it once into a
graph; the results are the same).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from workbench.core import tree
from workbench.static import dtypes
from workbench.static.string_data import host_array, is_string_data

AUTOTUNE = -1


def _host(x: Any) -> Any:
    """An element's arrays as NumPy; inside an element, a Python list is one tensor (as in
    tf.data), tuples and dicts are structure."""
    leaves, treedef = tree.flatten(x, is_leaf=lambda v: isinstance(v, list))
    return tree.unflatten(treedef, [_python_list(v) if isinstance(v, list) else host_array(v)
                                    for v in leaves])  # fmt: skip


def _python_list(values: list[Any]) -> np.ndarray:
    """A Python list as TensorFlow converts it: ints int32, floats float32."""
    arr = host_array(values)
    if arr.dtype.kind in "iu" and arr.dtype.itemsize == 8:
        return arr.astype(np.int32)
    return arr.astype(np.float32) if arr.dtype == np.float64 else arr


def _tensors(element: Any) -> Any:
    from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

    return tree.tree_map(lambda v: convert_to_tensor(v), element)


def _leaves(x: Any) -> list[Any]:
    return tree.flatten(x)[0]


class Dataset:
    """A re-iterable sequence of elements. Mirrors: tf.data.Dataset."""

    def __init__(self, source: Callable[[], Iterator[Any]], length: int | None = None) -> None:
        self._source = source
        self._length = length

    # -- sources --------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """One element per index of the leading axis of every array in ``tensors``."""
        data = _host(
            tensors
            if not isinstance(tensors, list)
            else tuple(tensors)
            if _is_structure(tensors)
            else _python_list(tensors)
        )
        sizes = {len(v) for v in _leaves(data)}
        if len(sizes) != 1:
            raise ValueError(
                "from_tensor_slices: all components need the same first dimension, got "
                f"{sorted(sizes)}"
            )
        n = sizes.pop()
        return Dataset(lambda: (tree.tree_map(lambda v, i=i: v[i, ...], data) for i in range(n)), n)

    @staticmethod
    def from_tensors(tensors: Any) -> Dataset:
        data = _host(tensors)
        return Dataset(lambda: iter([data]), 1)

    @staticmethod
    def from_generator(
        generator: Callable[..., Any],
        output_types: Any = None,
        output_shapes: Any = None,
        args: Any = None,
        output_signature: Any = None,
        name: str | None = None,
    ) -> Dataset:
        """Elements from calling ``generator(*args)`` afresh on every pass, as arrays of
        the declared dtypes (``output_signature`` TensorSpecs, or ``output_types``).
        Mirrors: tf.data.Dataset.from_generator."""
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is None and output_types is None:
            raise TypeError("The `output_signature` argument must be set.")
        kinds = (
            tree.tree_map(lambda spec: spec.dtype, output_signature)
            if output_signature is not None
            else output_types
        )
        kind_leaves, kind_def = tree.flatten(kinds)

        def source() -> Iterator[Any]:
            for element in generator(*(args or ())):
                values = tree.flatten(element)[0] if kind_def.num_leaves > 1 else [element]
                if len(values) != len(kind_leaves):
                    raise TypeError(
                        f"`generator` yielded an element that did not match the expected "
                        f"structure: {len(values)} parts for {len(kind_leaves)} declared dtypes"
                    )
                cast = [
                    np.asarray(v, dtype=dtypes.as_dtype(k).np) for v, k in zip(values, kind_leaves)
                ]
                yield tree.unflatten(kind_def, cast)

        return Dataset(source)

    @staticmethod
    def range(*args: int) -> Dataset:
        values = np.arange(*args, dtype=np.int64)
        return Dataset(lambda: iter(values), len(values))

    @staticmethod
    def zip(datasets: Any) -> Dataset:
        parts = tuple(datasets)
        lengths = [d._length for d in parts]
        length = None if any(n is None for n in lengths) else min(lengths)  # type: ignore[type-var]
        return Dataset(
            lambda: (tuple(items) for items in zip(*(d._source() for d in parts))), length
        )

    # -- transformations ------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False, **_: Any) -> Dataset:
        def source() -> Iterator[Any]:
            it = self._source()
            while True:
                chunk = list(itertools.islice(it, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield tree.tree_map(lambda *vs: np.stack(vs), *chunk)

        length = None
        if self._length is not None:
            length = (
                self._length // batch_size if drop_remainder else -(-self._length // batch_size)
            )
        return Dataset(source, length)

    def unbatch(self) -> Dataset:
        def source() -> Iterator[Any]:
            for element in self._source():
                n = len(_leaves(element)[0])
                for i in range(n):
                    yield tree.tree_map(lambda v, i=i: v[i], element)

        return Dataset(source)

    def shuffle(
        self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True
    ) -> Dataset:
        """TensorFlow's buffered shuffle: keep ``buffer_size`` elements, emit a random one
        and refill its slot from the input."""
        epochs = itertools.count()

        def source() -> Iterator[Any]:
            epoch = next(epochs) if reshuffle_each_iteration else 0
            rng = np.random.default_rng(None if seed is None else [seed, epoch])
            buffer: list[Any] = []
            for element in self._source():
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = element
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))

        return Dataset(source, self._length)

    def map(
        self,
        map_func: Callable[..., Any],
        num_parallel_calls: Any = None,
        deterministic: Any = None,
    ) -> Dataset:
        def source() -> Iterator[Any]:
            for element in self._source():
                args = element if isinstance(element, tuple) else (element,)
                yield _host(map_func(*_tensors(args)))

        return Dataset(source, self._length)

    def filter(self, predicate: Callable[..., Any]) -> Dataset:
        def source() -> Iterator[Any]:
            for element in self._source():
                args = element if isinstance(element, tuple) else (element,)
                if bool(np.asarray(_host(predicate(*_tensors(args))))):
                    yield element

        return Dataset(source)

    def repeat(self, count: int | None = None) -> Dataset:
        def source() -> Iterator[Any]:
            for _ in itertools.count() if count is None or count < 0 else range(count):
                yield from self._source()

        length: int | None
        if count is None or count < 0:
            length = 0 if self._length == 0 else INFINITE_CARDINALITY
        else:
            length = None if self._length is None else self._length * count
        return Dataset(source, length)

    def take(self, count: int) -> Dataset:
        if count < 0:
            return self
        known = self._length is not None and self._length != INFINITE_CARDINALITY
        length = min(count, self._length) if known else count  # type: ignore[type-var]
        return Dataset(lambda: itertools.islice(self._source(), count), length)

    def padded_batch(
        self,
        batch_size: int,
        padded_shapes: Any = None,
        padding_values: Any = None,
        drop_remainder: bool = False,
        name: str | None = None,
    ) -> Dataset:
        """Batches whose elements are padded (at the end of each axis) to the longest in
        the batch, or to ``padded_shapes``. Mirrors: tf.data.Dataset.padded_batch."""

        def pad(*values: Any) -> np.ndarray:
            arrays = [np.asarray(v) for v in values]
            dims = [max(a.shape[k] for a in arrays) for k in range(arrays[0].ndim)]
            out = np.full(
                (len(arrays), *dims),
                0 if padding_values is None else padding_values,
                arrays[0].dtype,
            )
            for i, a in enumerate(arrays):
                out[(i,) + tuple(slice(0, n) for n in a.shape)] = a
            return out

        def source() -> Iterator[Any]:
            it = self._source()
            while True:
                chunk = list(itertools.islice(it, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield tree.tree_map(pad, *chunk)

        return Dataset(source, None if self._length is None else -(-self._length // batch_size))

    def reduce(self, initial_state: Any, reduce_func: Callable[[Any, Any], Any]) -> Any:
        """Fold the elements into a state. Mirrors: tf.data.Dataset.reduce."""
        state = initial_state
        for element in self:
            state = reduce_func(state, element)
        return state

    def skip(self, count: int) -> Dataset:
        length = None if self._length is None else max(self._length - count, 0)
        return Dataset(lambda: itertools.islice(self._source(), count, None), length)

    def enumerate(self, start: int = 0) -> Dataset:
        return Dataset(
            lambda: ((np.int64(i), e) for i, e in enumerate(self._source(), start)), self._length
        )

    def prefetch(self, buffer_size: Any = None) -> Dataset:
        return self

    @staticmethod
    def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None,
                   name: str | None = None) -> Dataset:  # fmt: skip
        """Mirrors: tf.data.Dataset.list_files."""
        return list_files(file_pattern, shuffle, seed)

    def cache(self, filename: str = "") -> Dataset:
        return self

    # -- reading --------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        return (_tensors(e) for e in self._source())

    def as_numpy_iterator(self) -> Iterator[Any]:
        return iter(self._source())

    def cardinality(self) -> Any:
        """The number of elements as an int64 tensor: -1 if infinite, -2 if unknown.
        Mirrors: tf.data.Dataset.cardinality."""
        from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

        n = UNKNOWN_CARDINALITY if self._length is None else self._length
        return convert_to_tensor(np.int64(n))

    def __len__(self) -> int:
        if self._length == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._length is None:
            raise TypeError("The dataset length is unknown.")
        return self._length


def _is_structure(x: list[Any]) -> bool:
    """A list of arrays of different shapes is a structure; a nested list of numbers or
    strings is data."""
    if is_string_data(x):
        return False
    try:
        np.asarray(x, dtype=float)
        return False
    except (ValueError, TypeError):
        return True


INFINITE_CARDINALITY, UNKNOWN_CARDINALITY = -1, -2


class _Experimental:
    """tf.data.experimental."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY

    @staticmethod
    def cardinality(dataset: Dataset) -> Any:
        return dataset.cardinality()

    @staticmethod
    def CsvDataset(*args: Any, **kwargs: Any) -> Dataset:  # noqa: N802
        return CsvDataset(*args, **kwargs)

    @staticmethod
    def make_csv_dataset(*args: Any, **kwargs: Any) -> Dataset:
        return make_csv_dataset(*args, **kwargs)


experimental = _Experimental()

from workbench.static.file_datasets import (  # noqa: E402  (they build on Dataset)
    CsvDataset,
    TextLineDataset,
    TFRecordDataset,
    list_files,
    make_csv_dataset,
)

__all__ = ["AUTOTUNE", "Dataset", "TFRecordDataset", "TextLineDataset", "experimental"]
