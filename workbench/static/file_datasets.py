"""Data sets read from files: lines of text, TFRecord records, CSV rows.
Mirrors: tf.data.TextLineDataset, tf.data.TFRecordDataset, tf.data.experimental.CsvDataset
and make_csv_dataset."""

from __future__ import annotations

import csv
import glob
import gzip
import os
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from workbench.static import io_ops
from workbench.static.data import Dataset
from workbench.static.errors import InvalidArgumentError
from workbench.static.string_data import host_strings


def _filenames(filenames: Any) -> list[str]:
    if isinstance(filenames, Dataset):
        return [bytes(np.asarray(f.numpy()).item()).decode() for f in filenames]
    if isinstance(filenames, str | bytes | os.PathLike):
        return [os.fsdecode(filenames)]
    data = host_strings(filenames.numpy() if hasattr(filenames, "numpy") else filenames)
    return [os.fsdecode(f) for f in data.reshape(-1)]


def _text(path: str, compression: Any) -> str:
    kind = io_ops._compression(compression)
    with open(path, "rb") as f:
        raw = f.read()
    if kind == "GZIP":
        raw = gzip.decompress(raw)
    elif kind == "ZLIB":
        raw = zlib.decompress(raw)
    return raw.decode("utf-8")


def _per_file(paths: list[str], read: Callable[[str], Iterable[bytes]]) -> Dataset:
    """One scalar string element per item ``read`` yields from each file, in order."""

    def elements() -> Iterator[np.ndarray]:
        for path in paths:
            for item in read(path):
                yield host_strings(item)

    return Dataset(elements)


def TextLineDataset(
    filenames: Any,
    compression_type: Any = None,
    buffer_size: Any = None,  # noqa: N802
    num_parallel_reads: Any = None,
    name: str | None = None,
) -> Dataset:
    """One element per line of each file (the line ending removed). Mirrors:
    tf.data.TextLineDataset."""
    return _per_file(
        _filenames(filenames),
        lambda path: (line.encode("utf-8") for line in _text(path, compression_type).splitlines()),
    )


def TFRecordDataset(
    filenames: Any,
    compression_type: Any = None,
    buffer_size: Any = None,  # noqa: N802
    num_parallel_reads: Any = None,
    name: str | None = None,
) -> Dataset:
    """One element (the record's bytes) per record of each TFRecord file. Mirrors:
    tf.data.TFRecordDataset."""
    return _per_file(
        _filenames(filenames), lambda path: io_ops.read_records(path, compression_type)
    )


def list_files(
    file_pattern: Any, shuffle: bool | None = None, seed: int | None = None, name: str | None = None
) -> Dataset:
    """The files matching a glob pattern (or patterns), shuffled unless ``shuffle=False``.
    Mirrors: tf.data.Dataset.list_files."""
    patterns = _filenames(file_pattern)
    matches = sorted({m for p in patterns for m in _glob(p)})
    if not matches:
        raise InvalidArgumentError(
            None,
            None,
            f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
            f"Summarized data: b'No files matched pattern: {', '.join(patterns)}'",
        )
    dataset = Dataset.from_tensor_slices(matches)
    return dataset.shuffle(len(matches), seed=seed) if shuffle is None or shuffle else dataset


def _glob(pattern: str) -> list[str]:
    """Matches as TensorFlow names them: a pattern without a folder matches in "./"."""
    found = glob.glob(pattern)
    return found if os.path.dirname(pattern) else [os.path.join(".", f) for f in found]


def _csv_rows(
    paths: list[str], header: bool, delim: str, quoted: bool, compression: Any
) -> Iterator[list[str]]:
    for path in paths:
        lines = _text(path, compression).splitlines()
        rows = csv.reader(lines, delimiter=delim) if quoted else (ln.split(delim) for ln in lines)
        for i, row in enumerate(rows):
            if header and i == 0:
                continue
            yield row


def CsvDataset(
    filenames: Any,
    record_defaults: Sequence[Any],
    compression_type: Any = None,  # noqa: N802
    buffer_size: Any = None,
    header: bool = False,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    select_cols: Sequence[int] | None = None,
    exclude_cols: Any = None,
    name: str | None = None,
) -> Dataset:
    """One tuple of typed scalars per CSV row. Mirrors: tf.data.experimental.CsvDataset."""
    paths = _filenames(filenames)
    specs = [io_ops._default(s) for s in record_defaults]
    if exclude_cols is not None:
        raise NotImplementedError("CsvDataset(exclude_cols=...): use select_cols")

    def rows() -> Iterator[tuple[np.ndarray, ...]]:
        for r, fields in enumerate(
            _csv_rows(paths, header, field_delim, use_quote_delim, compression_type)
        ):
            wanted = list(range(len(fields))) if select_cols is None else list(select_cols)
            if select_cols is None and len(fields) != len(specs):
                raise InvalidArgumentError(
                    None, None, f"Expect {len(specs)} fields but have {len(fields)} in record"
                )
            yield tuple(
                _element(io_ops._parse_field(fields[c], d, default, c, r, na_value), d.np)
                for c, (d, default) in zip(wanted, specs)
            )

    return Dataset(rows)


def _element(value: Any, np_dtype: np.dtype) -> np.ndarray:
    return host_strings(value) if isinstance(value, bytes | str) else np.asarray(value, np_dtype)


def _infer(values: list[str]) -> Any:
    """make_csv_dataset's column types: int32 if every value is an integer, float32 if
    every value is a number, else string."""
    filled = [v for v in values if v != ""]
    for kind, parse in (("int32", int), ("float32", float)):
        try:
            for v in filled:
                parse(v)
            return kind
        except ValueError:
            continue
    return "string"


def make_csv_dataset(
    file_pattern: Any,
    batch_size: int,
    column_names: Any = None,  # noqa: C901
    column_defaults: Any = None,
    label_name: str | None = None,
    select_columns: Any = None,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    header: bool = True,
    num_epochs: int | None = None,
    shuffle: bool = True,
    shuffle_buffer_size: int = 10000,
    shuffle_seed: int | None = None,
    prefetch_buffer_size: Any = None,
    num_parallel_reads: Any = None,
    sloppy: bool = False,
    num_rows_for_inference: int = 100,
    compression_type: Any = None,
    ignore_errors: bool = False,
    encoding: str = "utf-8",
) -> Dataset:
    """Batches of (features dict, label) from CSV files with a header, column types
    inferred from the first rows; repeated forever and shuffled unless told otherwise.
    Mirrors: tf.data.experimental.make_csv_dataset."""
    from workbench.static import dtypes  # noqa: PLC0415

    paths = sorted({m for p in _filenames(file_pattern) for m in glob.glob(p)})
    if not paths:
        raise ValueError(f"No files match {file_pattern!r}")
    first = list(_csv_rows(paths[:1], False, field_delim, use_quote_delim, compression_type))
    names = list(column_names) if column_names is not None else first[0]
    body = first[1 : 1 + num_rows_for_inference] if header else first[:num_rows_for_inference]
    if column_defaults is not None:
        specs = [io_ops._default(d) for d in column_defaults]
    else:
        specs = [
            (dtypes.as_dtype(_infer([r[i] for r in body if i < len(r)])), None)
            for i in range(len(names))
        ]
        specs = [(d, b"" if d == dtypes.string else d.np.type(0)) for d, _ in specs]
    keep = list(range(len(names)))
    if select_columns is not None:
        keep = [s if isinstance(s, int) else names.index(s) for s in select_columns]
        if label_name is not None and names.index(label_name) not in keep:
            raise ValueError(f"label_name {label_name!r} must be among select_columns")
    if label_name is not None and label_name not in names:
        raise ValueError(f"`label_name` provided must be one of the columns: {names}")

    def rows() -> Iterator[Any]:
        for r, fields in enumerate(
            _csv_rows(paths, header, field_delim, use_quote_delim, compression_type)
        ):
            try:
                parsed = {
                    names[c]: _element(
                        io_ops._parse_field(fields[c], *specs[c], c, r, na_value), specs[c][0].np
                    )
                    for c in keep
                }
            except (InvalidArgumentError, IndexError):
                if ignore_errors:
                    continue
                raise
            features = OrderedDict((k, v) for k, v in parsed.items() if k != label_name)
            yield features if label_name is None else (features, parsed[label_name])

    dataset = Dataset(rows)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    return dataset.batch(batch_size)
