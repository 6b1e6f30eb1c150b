"""``tf.io``: files, image codecs, CSV, and TFRecord files of ``tf.train.Example``.

Everything here runs on the host, as in TensorFlow. JPEG decoding goes through
libjpeg-turbo with TensorFlow's defaults (the fast integer DCT, "fancy" upsampling), so
the pixels equal TensorFlow's; PNG/GIF/BMP through Pillow. A TFRecord file is TensorFlow's
framing (length, masked CRC-32C, data, masked CRC-32C), readable by both.
Mirrors: tf.io.
"""

from __future__ import annotations

import csv
import glob as _glob
import gzip
import io as _io
import os
import shutil
import struct
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from workbench.static import dtypes
from workbench.static.errors import DataLossError, InvalidArgumentError, NotFoundError
from workbench.static.example_proto import Example
from workbench.static.execution import convert_to_tensor
from workbench.static.sparse import SparseTensor
from workbench.static.string_data import host_strings
from workbench.static.strings import StringTensor


def _scalar_bytes(x: Any) -> bytes:
    data = host_strings(x)
    if data.ndim:
        raise ValueError(f"expected a scalar string, got shape {data.shape}")
    return bytes(data[()])


def _path(x: Any) -> str:
    return os.fsdecode(_scalar_bytes(x)) if not isinstance(x, str | os.PathLike) else os.fspath(x)


# ---------------------------------------------------------------------------------------
# files


def read_file(filename: Any, name: str | None = None) -> StringTensor:
    """The bytes of a file. Mirrors: tf.io.read_file."""
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            return StringTensor(f.read())
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None


def write_file(filename: Any, contents: Any, name: str | None = None) -> None:
    """Mirrors: tf.io.write_file."""
    with open(_path(filename), "wb") as f:
        f.write(_scalar_bytes(contents))


class _GFile:
    """``tf.io.gfile``: TensorFlow's file system functions, on the local one."""

    GFile = staticmethod(open)

    @staticmethod
    def exists(path: Any) -> bool:
        return os.path.exists(path)

    @staticmethod
    def glob(pattern: Any) -> list[str]:
        return sorted(_glob.glob(os.fspath(pattern)))

    @staticmethod
    def isdir(path: Any) -> bool:
        return os.path.isdir(path)

    @staticmethod
    def listdir(path: Any) -> list[str]:
        return sorted(os.listdir(path))

    @staticmethod
    def makedirs(path: Any) -> None:
        os.makedirs(path, exist_ok=True)

    @staticmethod
    def mkdir(path: Any) -> None:
        os.mkdir(path)

    @staticmethod
    def remove(path: Any) -> None:
        os.remove(path)

    @staticmethod
    def rmtree(path: Any) -> None:
        shutil.rmtree(path)

    @staticmethod
    def rename(src: Any, dst: Any, overwrite: bool = False) -> None:
        if os.path.exists(dst) and not overwrite:
            raise FileExistsError(f"{dst} exists")
        os.replace(src, dst)

    @staticmethod
    def copy(src: Any, dst: Any, overwrite: bool = False) -> None:
        if os.path.exists(dst) and not overwrite:
            raise FileExistsError(f"{dst} exists")
        shutil.copyfile(src, dst)

    @staticmethod
    def walk(top: Any, topdown: bool = True, onerror: Any = None) -> Iterator[Any]:
        return os.walk(top, topdown=topdown, onerror=onerror)


gfile = _GFile()


# ---------------------------------------------------------------------------------------
# images


def _image(array: np.ndarray) -> Any:
    return convert_to_tensor(np.ascontiguousarray(array, np.uint8))


def decode_jpeg(
    contents: Any,
    channels: int = 0,
    ratio: int = 1,
    fancy_upscaling: bool = True,
    try_recover_truncated: bool = False,
    acceptable_fraction: float = 1,
    dct_method: str = "",
    name: str | None = None,
) -> Any:
    """A JPEG as uint8 (height, width, channels): ``channels`` 0 keeps the file's (1 or 3).
    Mirrors: tf.io.decode_jpeg (its default fast integer DCT unless
    ``dct_method="INTEGER_ACCURATE"``)."""
    import simplejpeg  # noqa: PLC0415

    data = _scalar_bytes(contents)
    if ratio != 1:
        raise NotImplementedError("decode_jpeg(ratio=...) other than 1")
    try:
        _, _, colorspace, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError as err:
        raise InvalidArgumentError(None, None, f"Invalid JPEG data or crop window: {err}") from None
    if channels not in (0, 1, 3):
        raise InvalidArgumentError(None, None, f"channels must be 0, 1, or 3, got {channels}")
    gray = channels == 1 or (channels == 0 and colorspace == "Gray")
    pixels = simplejpeg.decode_jpeg(
        data,
        colorspace="GRAY" if gray else "RGB",
        fastdct=dct_method != "INTEGER_ACCURATE",
        fastupsample=not fancy_upscaling,
    )
    return _image(pixels.reshape(pixels.shape[0], pixels.shape[1], -1))


def _pil_frames(data: bytes, channels: int) -> list[np.ndarray]:
    from PIL import Image, ImageSequence  # noqa: PLC0415

    try:
        img = Image.open(_io.BytesIO(data))
    except Exception as err:  # noqa: BLE001 - Pillow raises several kinds
        raise InvalidArgumentError(None, None, f"Unknown image file format: {err}") from None
    frames = []
    for frame in ImageSequence.Iterator(img):
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(channels)
        if mode is None:  # as stored: a palette becomes RGB(A), 16-bit grey stays grey
            mode = {
                "P": "RGBA" if "transparency" in frame.info else "RGB",
                "1": "L",
                "I;16": "L",
                "I": "L",
                "CMYK": "RGB",
            }.get(frame.mode, frame.mode)
        if mode in ("L", "LA") and frame.mode not in ("L", "LA", "1", "I;16", "I"):
            arr = _libpng_gray(np.asarray(frame.convert("RGBA")), alpha=mode == "LA")
        else:
            arr = np.asarray(frame.convert(mode))
        frames.append(arr.reshape(arr.shape[0], arr.shape[1], -1))
    return frames


def _libpng_gray(rgba: np.ndarray, alpha: bool) -> np.ndarray:
    """Colour to grey as libpng (so TensorFlow) computes it: 0.299 R + 0.587 G + 0.114 B
    in 15-bit fixed point."""
    luma = (rgba[..., :3].astype(np.int64) @ np.array([9797, 19234, 3737])) >> 15
    gray = luma.astype(np.uint8)[..., None]
    return np.concatenate([gray, rgba[..., 3:]], -1) if alpha else gray


def decode_png(
    contents: Any, channels: int = 0, dtype: Any = "uint8", name: str | None = None
) -> Any:
    """A PNG as uint8 (height, width, channels). Mirrors: tf.io.decode_png."""
    if dtypes.as_dtype(dtype) != dtypes.uint8:
        raise NotImplementedError("decode_png: only dtype uint8 (the workbench has no uint16)")
    return _image(_pil_frames(_scalar_bytes(contents), channels)[0])


def decode_bmp(contents: Any, channels: int = 0, name: str | None = None) -> Any:
    """Mirrors: tf.io.decode_bmp."""
    return _image(_pil_frames(_scalar_bytes(contents), channels)[0])


def decode_gif(contents: Any, name: str | None = None) -> Any:
    """All frames, uint8 (frames, height, width, 3). Mirrors: tf.io.decode_gif."""
    return _image(np.stack(_pil_frames(_scalar_bytes(contents), 3)))


def decode_image(
    contents: Any,
    channels: Any = None,
    dtype: Any = "uint8",
    name: str | None = None,
    expand_animations: bool = True,
) -> Any:
    """Any of JPEG, PNG, GIF or BMP, by its first bytes; ``dtype`` float32 scales to
    [0, 1]. Mirrors: tf.io.decode_image."""
    data = _scalar_bytes(contents)
    want = int(channels or 0)
    if data[:3] == b"\xff\xd8\xff":
        image = decode_jpeg(data, want)
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        frames = _pil_frames(data, 3)
        image = _image(np.stack(frames) if expand_animations else frames[0])
    elif data[:8] == b"\x89PNG\r\n\x1a\n" or data[:2] == b"BM":
        image = _image(_pil_frames(data, want)[0])
    else:
        raise InvalidArgumentError(
            None, None, "Unknown image file format. One of JPEG, PNG, GIF, BMP required."
        )
    d = dtypes.as_dtype(dtype)
    if d == dtypes.uint8:
        return image
    if d.is_floating and data[:4] == b"\x89PNG":  # TensorFlow scales PNGs as 16-bit values
        wide = np.asarray(image.numpy(), np.float32) * 257
        return convert_to_tensor((wide * np.float32(1 / 65535)).astype(d.np))
    from workbench.static.image_ops import convert_image_dtype  # noqa: PLC0415

    return convert_image_dtype(image, d)


def encode_jpeg(
    image: Any,
    format: str = "",
    quality: int = 95,
    progressive: bool = False,  # noqa: A002
    optimize_size: bool = False,
    chroma_downsampling: bool = True,
    density_unit: str = "in",
    x_density: int = 300,
    y_density: int = 300,
    xmp_metadata: str = "",
    name: str | None = None,
) -> StringTensor:
    """A uint8 (height, width, 1 or 3) image as JPEG bytes. Mirrors: tf.io.encode_jpeg."""
    import simplejpeg  # noqa: PLC0415

    pixels = np.ascontiguousarray(
        np.asarray(image.numpy() if hasattr(image, "numpy") else image, np.uint8)
    )
    gray = pixels.shape[-1] == 1
    if progressive or optimize_size:
        raise NotImplementedError("encode_jpeg: progressive / optimize_size")
    data = simplejpeg.encode_jpeg(
        pixels,
        quality=int(quality),
        colorspace="GRAY" if gray else "RGB",
        colorsubsampling="Gray" if gray else "420" if chroma_downsampling else "444",
    )
    return StringTensor(data)


def encode_png(image: Any, compression: int = -1, name: str | None = None) -> StringTensor:
    """A uint8 (height, width, channels) image as PNG bytes. Mirrors: tf.io.encode_png."""
    from PIL import Image  # noqa: PLC0415

    pixels = np.asarray(image.numpy() if hasattr(image, "numpy") else image, np.uint8)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[pixels.shape[-1]]
    out = _io.BytesIO()
    img = Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode)
    img.save(out, format="PNG", compress_level=6 if compression < 0 else int(compression))
    return StringTensor(out.getvalue())


def decode_raw(
    input_bytes: Any,
    out_type: Any,
    little_endian: bool = True,
    fixed_length: int | None = None,
    name: str | None = None,
) -> Any:
    """The bytes of each string read as numbers of ``out_type``. Mirrors: tf.io.decode_raw."""
    d = dtypes.as_dtype(out_type)
    data = host_strings(input_bytes)
    order: Any = "<" if little_endian else ">"
    rows = [
        np.frombuffer(
            b if fixed_length is None else b[:fixed_length].ljust(fixed_length, b"\0"),
            d.np.newbyteorder(order),
        )
        for b in data.reshape(-1)
    ]
    width = {len(r) for r in rows}
    if len(width) > 1:
        raise InvalidArgumentError(
            None, None, "DecodeRaw requires input strings to all be the same size"
        )
    out = np.stack(rows).reshape(*data.shape, -1) if rows else np.empty((*data.shape, 0))
    return convert_to_tensor(out.astype(d.np))


# ---------------------------------------------------------------------------------------
# CSV


def _default(spec: Any) -> tuple[dtypes.DType, Any]:
    """The dtype and default of one ``record_defaults`` entry (``None``: required)."""
    if isinstance(spec, dtypes.DType):
        return spec, None
    if hasattr(spec, "dtype") and hasattr(spec, "numpy"):
        d, value = dtypes.as_dtype(spec.dtype), np.asarray(spec.numpy())
        return d, (value.reshape(-1)[0] if value.size else None)
    values = list(spec) if isinstance(spec, list | tuple | np.ndarray) else [spec]
    if not values:
        raise ValueError("An empty record default needs a dtype: use e.g. tf.float32")
    value = values[0]
    if isinstance(value, dtypes.DType):
        return value, None
    if isinstance(value, str | bytes):
        return dtypes.string, value.encode() if isinstance(value, str) else value
    if isinstance(value, bool):
        raise TypeError("record_defaults: bool columns are not a CSV type in TensorFlow")
    if isinstance(value, float | np.floating):
        return (
            dtypes.float64
            if isinstance(value, np.float64) and not isinstance(value, float)
            else dtypes.float32
        ), value
    return (dtypes.int64 if isinstance(value, np.int64) else dtypes.int32), value


def _parse_field(
    text: str, d: dtypes.DType, default: Any, column: int, record: int, na_value: str
) -> Any:
    if text == "" or (na_value and text == na_value):
        if default is None:
            raise InvalidArgumentError(
                None, None, f"Field {column} is required but missing in record {record}!"
            )
        return default
    if d == dtypes.string:
        return text.encode("utf-8")
    try:
        return int(text) if d.is_integer else float(text)
    except ValueError:
        kind = "int" if d.is_integer else "float"
        raise InvalidArgumentError(
            None, None, f"Field {column} in record {record} is not a valid {kind}: {text}"
        ) from None


def decode_csv(
    records: Any,
    record_defaults: Sequence[Any],
    field_delim: str = ",",
    use_quote_delim: bool = True,
    name: str | None = None,
    na_value: str = "",
    select_cols: Sequence[int] | None = None,
) -> list[Any]:
    """The columns of CSV lines, one tensor per column, typed and defaulted by
    ``record_defaults``. Mirrors: tf.io.decode_csv."""
    lines = host_strings(records)
    specs = [_default(s) for s in record_defaults]
    wanted = list(range(len(specs))) if select_cols is None else list(select_cols)
    if select_cols is not None and len(wanted) != len(specs):
        raise ValueError("len(select_cols) must equal len(record_defaults)")
    columns: list[list[Any]] = [[] for _ in specs]
    for r, line in enumerate(lines.reshape(-1)):
        text = line.decode("utf-8")
        if use_quote_delim:
            fields = next(csv.reader([text], delimiter=field_delim), [""])
        else:
            fields = text.split(field_delim)
        if select_cols is None and len(fields) != len(specs):
            raise InvalidArgumentError(
                None, None, f"Expect {len(specs)} fields but have {len(fields)} in record {r}"
            )
        for out, (c, (d, default)) in enumerate(zip(wanted, specs)):
            if c >= len(fields):
                raise InvalidArgumentError(
                    None, None, f"Expect {c + 1} fields but have {len(fields)} in record {r}"
                )
            columns[out].append(_parse_field(fields[c], d, default, c, r, na_value))
    result = []
    for (d, _), values in zip(specs, columns):
        if d == dtypes.string:
            result.append(
                StringTensor(
                    host_strings(values).reshape(lines.shape)
                    if values
                    else np.empty(lines.shape, object)
                )
            )
        else:
            result.append(convert_to_tensor(np.asarray(values, d.np).reshape(lines.shape)))
    return result


# ---------------------------------------------------------------------------------------
# TFRecord files


def _masked_crc(data: bytes) -> int:
    import google_crc32c  # noqa: PLC0415

    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class TFRecordOptions:
    """Mirrors: tf.io.TFRecordOptions (compression only)."""

    def __init__(self, compression_type: str | None = None, **_: Any) -> None:
        self.compression_type = _compression(compression_type)


def _compression(kind: Any) -> str:
    if isinstance(kind, TFRecordOptions):
        return kind.compression_type
    kind = (kind or "").upper()
    if kind not in ("", "GZIP", "ZLIB"):
        raise ValueError(f"compression_type must be '', 'GZIP' or 'ZLIB', got {kind!r}")
    return str(kind)


class TFRecordWriter:
    """Writes records (bytes, e.g. ``example.SerializeToString()``) to a TFRecord file.
    Mirrors: tf.io.TFRecordWriter."""

    def __init__(self, path: Any, options: Any = None) -> None:
        self._path = os.fspath(path)
        self._compression = _compression(options)
        self._buffer = _io.BytesIO()
        self._file: Any = open(self._path, "wb")  # noqa: SIM115 - closed by close()

    def write(self, record: Any) -> None:
        data = record if isinstance(record, bytes) else _scalar_bytes(record)
        header = struct.pack("<Q", len(data))
        frame = header + struct.pack("<I", _masked_crc(header)) + data
        frame += struct.pack("<I", _masked_crc(data))
        (self._buffer if self._compression else self._file).write(frame)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if self._file.closed:
            return
        if self._compression == "GZIP":
            self._file.write(gzip.compress(self._buffer.getvalue()))
        elif self._compression == "ZLIB":
            self._file.write(zlib.compress(self._buffer.getvalue()))
        self._file.close()

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_records(path: str, compression: Any = None) -> Iterator[bytes]:
    """The records of one TFRecord file, their checksums verified."""
    with open(path, "rb") as f:
        raw = f.read()
    kind = _compression(compression)
    data = (
        gzip.decompress(raw) if kind == "GZIP" else zlib.decompress(raw) if kind == "ZLIB" else raw
    )
    pos = 0
    while pos < len(data):
        if pos + 12 > len(data):
            raise DataLossError(None, None, f"truncated record at {pos} in {path}")
        header = data[pos : pos + 8]
        (size,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if crc != _masked_crc(header):
            raise DataLossError(None, None, f"corrupted record at {pos} in {path}")
        body = data[pos + 12 : pos + 12 + size]
        (crc,) = struct.unpack("<I", data[pos + 12 + size : pos + 16 + size] or b"\0\0\0\0")
        if len(body) != size or crc != _masked_crc(body):
            raise DataLossError(None, None, f"corrupted record at {pos} in {path}")
        yield body
        pos += 16 + size


# ---------------------------------------------------------------------------------------
# parsing tf.train.Example


class FixedLenFeature(NamedTuple):
    """A feature with ``shape`` values of ``dtype`` in every record. Mirrors:
    tf.io.FixedLenFeature."""

    shape: Any
    dtype: Any
    default_value: Any = None


class VarLenFeature(NamedTuple):
    """A feature with any number of values, parsed into a SparseTensor. Mirrors:
    tf.io.VarLenFeature."""

    dtype: Any


_LIST_OF = {"string": "bytes_list", "float32": "float_list", "int64": "int64_list"}


def _values(example: Example, key: str, d: dtypes.DType, index: int) -> list[Any] | None:
    feature = example.features.feature.get(key)
    if feature is None or feature.WhichOneof("kind") is None:
        return None
    want = _LIST_OF.get(d.name)
    if want is None:
        raise ValueError(f"Feature {key}: dtype must be tf.string, tf.float32 or tf.int64")
    kind = str(feature.WhichOneof("kind"))
    if kind != want:
        names = {"bytes_list": "string", "float_list": "float", "int64_list": "int64"}
        raise InvalidArgumentError(
            None,
            None,
            f"Name: <unknown>, Key: {key}, Index: {index}.  Data types don't "
            f"match. Data type: {names[kind]} but expected type: {names[want]}",
        )
    return list(getattr(feature, kind).value)


def _column(values: list[Any], d: dtypes.DType, shape: tuple[int, ...]) -> np.ndarray:
    if d == dtypes.string:
        return host_strings(values).reshape(shape) if values else np.empty(shape, object)
    return np.asarray(values, d.np).reshape(shape)


def _tensor(array: np.ndarray, d: dtypes.DType) -> Any:
    return StringTensor(array) if d == dtypes.string else convert_to_tensor(array)


def parse_example(
    serialized: Any, features: dict[str, Any], example_names: Any = None, name: str | None = None
) -> dict[str, Any]:
    """A batch of serialized Examples parsed into one tensor per feature (batch first):
    dense for FixedLenFeature, a SparseTensor for VarLenFeature. Mirrors:
    tf.io.parse_example."""
    records = host_strings(serialized)
    examples = [Example.FromString(b) for b in records.reshape(-1)]
    out: dict[str, Any] = {}
    for key, spec in features.items():
        d = dtypes.as_dtype(spec.dtype)
        if isinstance(spec, VarLenFeature):
            index, values = [], []
            for i, ex in enumerate(examples):
                some = _values(ex, key, d, i) or []
                index += [[i, j] for j in range(len(some))]
                values += some
            width = max([j + 1 for _, j in index], default=0)
            out[key] = SparseTensor(
                np.asarray(index, np.int64).reshape(-1, 2),
                _tensor(_column(values, d, (len(values),)), d),
                [len(examples), width],
            )
            continue
        shape = tuple(int(s) for s in (spec.shape or ()))
        rows = []
        for i, ex in enumerate(examples):
            found: list[Any] | None = _values(ex, key, d, i)
            if found is None:
                if spec.default_value is None:
                    raise InvalidArgumentError(
                        None,
                        None,
                        f"Feature: {key} (data type: {d.name}) is required but could not be found.",
                    )
                default = spec.default_value
                found = list(
                    np.broadcast_to(
                        np.asarray(default, dtype=object if d == dtypes.string else d.np), shape
                    ).reshape(-1)
                )
            if len(found) != int(np.prod(shape, dtype=np.int64)):
                raise InvalidArgumentError(
                    None,
                    None,
                    f"Name: <unknown>, Key: {key}, Index: {i}.  Number of "
                    f"{_LIST_OF[d.name].split('_')[0]} values != expected.  Values size: "
                    f"{len(found)} but output shape: [{','.join(map(str, shape))}]",
                )
            rows.append(_column(found, d, shape))
        stacked = (
            np.stack(rows)
            if rows
            else np.empty((0, *shape), object if d == dtypes.string else d.np)
        )
        out[key] = _tensor(stacked.reshape(*records.shape, *shape), d)
    return out


def parse_single_example(
    serialized: Any, features: dict[str, Any], example_names: Any = None, name: str | None = None
) -> dict[str, Any]:
    """One serialized Example parsed into a dict of tensors. Mirrors:
    tf.io.parse_single_example."""
    batch = parse_example(StringTensor(host_strings(serialized).reshape(1)), features)
    out: dict[str, Any] = {}
    for key, value in batch.items():
        if isinstance(value, SparseTensor):
            index = np.asarray(value.indices.numpy())[:, 1:]
            out[key] = SparseTensor(index, value.values, np.asarray(value.dense_shape.numpy())[1:])
        else:
            out[key] = value[0]
    return out
