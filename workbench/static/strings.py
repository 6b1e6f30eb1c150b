"""String tensors and ``tf.strings``.

TensorFlow keeps string tensors on the host CPU and never differentiates through them;
the workbench does the same. A :class:`StringTensor` holds a NumPy array of ``bytes``
(what ``.numpy()`` returns in TensorFlow) and its operations run at once, on the host,
outside the core: they are data handling (reading files, splitting text, looking up
tokens), and what comes out of them for a model (lengths, token ids, numbers) is an
ordinary tensor. Strings exist eagerly and in ``tf.data`` pipelines, where real programs
use them; a graph (``tf.function``, TF1) refuses them with a clear error.

Mirrors: tf.string tensors, tf.strings.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from workbench.static import dtypes
from workbench.static.execution import EagerTensor
from workbench.static.framework import TensorShape, executing_eagerly
from workbench.static.string_data import _to_bytes, host_strings, is_string_data


class StringTensor(EagerTensor):
    """A tensor of byte strings, on the host. An eager tensor like any other
    (``isinstance(t, type(tf.constant(0)))`` holds, as in TensorFlow), without a core
    value. Mirrors: tf.Tensor with dtype tf.string."""

    __array_priority__ = 100
    _holds_strings = True

    def __init__(self, value: Any) -> None:
        if not executing_eagerly():
            raise TypeError(
                "String tensors exist only eagerly in the workbench (TensorFlow keeps them on "
                "the host); build the string handling outside tf.function or the TF1 graph, "
                "or in a tf.data pipeline"
            )
        self._data = host_strings(value)

    @property
    def value(self) -> Any:
        raise TypeError(
            "a string tensor lives on the host and has no core value: numeric operations "
            "do not take strings (use tf.strings.to_number, or a StringLookup layer)"
        )

    _value = value

    # -- what a tensor has ----------------------------------------------------------------
    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.string

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._data.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def numpy(self) -> Any:
        return self._data[()] if self._data.ndim == 0 else self._data.copy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data.copy() if dtype is None else self._data.astype(dtype)

    def __repr__(self) -> str:
        from workbench.static.execution import numpy_text  # noqa: PLC0415

        return f"<tf.Tensor: shape={self.shape}, dtype=string, numpy={numpy_text(self._data)}>"

    def __str__(self) -> str:
        body = repr(self._data[()]) if self._data.ndim == 0 else np.array2string(self._data)
        body = "\n" + body if "\n" in body else body
        return f"tf.Tensor({body}, shape={self.shape}, dtype=string)"

    def __len__(self) -> int:
        if not self._data.ndim:
            raise TypeError("len() of a scalar tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[StringTensor]:
        if not self._data.ndim:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (StringTensor(row) for row in self._data)

    def __getitem__(self, key: Any) -> StringTensor:
        if isinstance(key, tuple):
            key = tuple(np.asarray(k) if hasattr(k, "numpy") else k for k in key)
        elif hasattr(key, "numpy"):
            key = np.asarray(key)
        return StringTensor(self._data[key])

    def __bool__(self) -> bool:
        return bool(self._data.item()) if self._data.size == 1 else bool(self._data.size)

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> Any:
        from workbench.static.framework import _Reference  # noqa: PLC0415

        return _Reference(self)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return compare("Equal", self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return compare("NotEqual", self, other)

    def __add__(self, other: Any) -> StringTensor:
        return join([self, other])

    def __radd__(self, other: Any) -> StringTensor:
        return join([other, self])


def _tensor(x: Any) -> StringTensor:
    if isinstance(x, StringTensor):
        return x
    if hasattr(x, "dtype") and hasattr(x, "numpy") and not is_string_data(x.numpy()):
        raise TypeError(f"Expected a string tensor, got one of dtype {dtypes.as_dtype(x.dtype)}")
    return StringTensor(x)


def _numeric(value: np.ndarray) -> Any:
    from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

    return convert_to_tensor(value)


def _elementwise(fn: Callable[..., Any], *inputs: Any, otype: Any = object) -> np.ndarray:
    arrays = [_tensor(x)._data for x in inputs]
    out = np.vectorize(fn, otypes=[otype])(*arrays) if arrays[0].size else None
    if out is None:
        return np.empty(np.broadcast_shapes(*(a.shape for a in arrays)), dtype=otype)
    return np.asarray(out, dtype=otype)


def compare(op_type: str, x: Any, y: Any) -> Any:
    """``tf.equal`` / ``tf.not_equal`` of strings: elementwise, broadcasting."""
    same = _elementwise(lambda a, b: a == b, x, y, otype=np.bool_)
    return _numeric(same if op_type == "Equal" else ~same)


# ---------------------------------------------------------------------------------------
# tf.strings


def _decoded(fn: Callable[[str], str], encoding: str) -> Callable[[bytes], bytes]:
    return lambda b: fn(b.decode(encoding)).encode(encoding)


def lower(input: Any, encoding: str = "", name: str | None = None) -> StringTensor:  # noqa: A002
    """Lowercase: ASCII letters only unless an ``encoding`` is given. Mirrors:
    tf.strings.lower."""
    return StringTensor(
        _elementwise(_decoded(str.lower, encoding) if encoding else bytes.lower, input)
    )


def upper(input: Any, encoding: str = "", name: str | None = None) -> StringTensor:  # noqa: A002
    """Uppercase (ASCII unless an ``encoding`` is given). Mirrors: tf.strings.upper."""
    return StringTensor(
        _elementwise(_decoded(str.upper, encoding) if encoding else bytes.upper, input)
    )


def strip(input: Any, name: str | None = None) -> StringTensor:  # noqa: A002
    """Leading and trailing whitespace removed. Mirrors: tf.strings.strip."""
    return StringTensor(_elementwise(bytes.strip, input))


def length(input: Any, unit: str = "BYTE", name: str | None = None) -> Any:  # noqa: A002
    """The length of each string in bytes, or in characters (``unit="UTF8_CHAR"``).
    Mirrors: tf.strings.length."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")
    count = len if unit == "BYTE" else (lambda b: len(b.decode("utf-8")))
    return _numeric(_elementwise(count, input, otype=np.int32))


def join(inputs: Any, separator: str = "", name: str | None = None) -> StringTensor:
    """Elementwise concatenation of a list of string tensors (broadcasting). Mirrors:
    tf.strings.join."""
    sep = _to_bytes(separator)
    return StringTensor(_elementwise(lambda *parts: sep.join(parts), *inputs))


def reduce_join(
    inputs: Any,
    axis: Any = None,
    keepdims: bool = False,
    separator: str = "",
    name: str | None = None,
) -> StringTensor:
    """Join the strings along ``axis`` (all of them when ``None``). Mirrors:
    tf.strings.reduce_join."""
    data = _tensor(inputs)._data
    sep = _to_bytes(separator)
    axes = tuple(range(data.ndim)) if axis is None else tuple(np.atleast_1d(np.asarray(axis)))
    axes = tuple(int(a) % max(data.ndim, 1) for a in axes)
    rest = [a for a in range(data.ndim) if a not in axes]
    moved = np.transpose(data, rest + list(axes)) if data.ndim else data
    keep_shape = moved.shape[: len(rest)]
    flat = moved.reshape((*keep_shape, -1))
    out = np.empty(keep_shape, dtype=object)
    for index in np.ndindex(*keep_shape):
        out[index] = sep.join(flat[index])
    if keepdims:
        out = out.reshape([1 if a in axes else n for a, n in enumerate(data.shape)])
    return StringTensor(out)


def _rewrite(template: str) -> bytes:
    """RE2's rewrite (``\\0`` is the whole match) in Python's ``re`` syntax."""
    return re.sub(r"\\(\d)", lambda m: f"\\g<{m.group(1)}>", template).encode("utf-8")


def regex_replace(
    input: Any,
    pattern: Any,
    rewrite: Any,
    replace_global: bool = True,  # noqa: A002
    name: str | None = None,
) -> StringTensor:
    """Replace matches of ``pattern`` with ``rewrite`` (``\\1`` … groups, ``\\0`` the
    match); only the first match unless ``replace_global``. Mirrors: tf.strings.regex_replace."""
    compiled = re.compile(_to_bytes(_scalar(pattern)))
    template = _rewrite(_to_bytes(_scalar(rewrite)).decode("utf-8"))
    count = 0 if replace_global else 1
    return StringTensor(_elementwise(lambda b: compiled.sub(template, b, count=count), input))


def regex_full_match(input: Any, pattern: Any, name: str | None = None) -> Any:  # noqa: A002
    """Whether each whole string matches ``pattern``. Mirrors: tf.strings.regex_full_match."""
    compiled = re.compile(_to_bytes(_scalar(pattern)))
    return _numeric(
        _elementwise(lambda b: compiled.fullmatch(b) is not None, input, otype=np.bool_)
    )


def _scalar(x: Any) -> Any:
    return x.numpy() if isinstance(x, StringTensor) else x


def substr(
    input: Any,
    pos: Any,
    len: Any,
    unit: str = "BYTE",  # noqa: A002
    name: str | None = None,
) -> StringTensor:
    """``len`` bytes (or characters, ``unit="UTF8_CHAR"``) from ``pos`` (negative counts
    from the end). Mirrors: tf.strings.substr."""
    from workbench.static.errors import InvalidArgumentError  # noqa: PLC0415

    def cut(b: bytes, p: int, n: int) -> bytes:
        text: Any = b if unit == "BYTE" else b.decode("utf-8")
        size = builtins.len(text)  # (``len`` is the argument here, as in TensorFlow)
        start = p + size if p < 0 else p
        if not 0 <= start <= size:
            raise InvalidArgumentError(None, None, f"pos {p} out of range for string b'{b!r}'")
        piece = text[start : start + n]
        return piece if unit == "BYTE" else piece.encode("utf-8")

    data = _tensor(input)._data
    p, n = np.broadcast_arrays(np.asarray(pos), np.asarray(len), data)[:2]
    return StringTensor(np.vectorize(cut, otypes=[object])(data, p, n) if data.size else data)


_NUMBER_TYPES = ("float32", "float64", "int32", "int64")


def to_number(string_tensor: Any, out_type: Any = "float32", name: str | None = None) -> Any:
    """The numbers the strings spell. Mirrors: tf.strings.to_number."""
    from workbench.static.errors import InvalidArgumentError  # noqa: PLC0415

    d = dtypes.as_dtype(out_type)
    if d.name not in _NUMBER_TYPES:
        raise TypeError(f"to_number: out_type must be one of {_NUMBER_TYPES}, got {d.name}")

    def parse(b: bytes) -> Any:
        try:
            text = b.decode("ascii").strip()
            return int(text) if d.is_integer else float(text)
        except ValueError:
            raise InvalidArgumentError(
                None, None, f"StringToNumberOp could not correctly convert string: {b.decode()}"
            ) from None

    return _numeric(_elementwise(parse, string_tensor, otype=d.np))


def as_string(
    input: Any,
    precision: int = -1,
    scientific: bool = False,  # noqa: A002
    shortest: bool = False,
    width: int = -1,
    fill: str = "",
    name: str | None = None,
) -> StringTensor:
    """Numbers as text, formatted as C's printf does (``%f`` for floats unless
    ``scientific`` / ``shortest``). Mirrors: tf.strings.as_string."""
    values = np.asarray(input.numpy() if hasattr(input, "numpy") else input)
    if values.dtype == np.float64 and not hasattr(input, "numpy"):
        values = values.astype(np.float32)  # a Python float is a float32 tensor
    pad = f"{fill or ''}{width if width >= 0 else ''}"
    if values.dtype.kind == "b":
        fmt = "{}"
    elif values.dtype.kind in "iu":
        fmt = "%" + pad + "d"
    else:
        kind = "e" if scientific else "g" if shortest else "f"
        fmt = "%" + pad + (f".{precision}" if precision >= 0 else "") + kind

    def text(v: Any) -> bytes:
        if values.dtype.kind == "b":
            return b"true" if v else b"false"
        if values.dtype.kind == "f" and not np.isfinite(v):
            return str(float(v)).encode("ascii")  # inf, -inf, nan
        return (fmt % v).encode("ascii")

    return StringTensor(
        np.vectorize(text, otypes=[object])(values)
        if values.size
        else np.empty(values.shape, object)
    )


def _rows(input: Any, fn: Callable[[bytes], list[bytes]]) -> Any:
    """A scalar gives a 1-d string tensor; a vector a ragged tensor of rows."""
    from workbench.static.ragged import RaggedTensor  # noqa: PLC0415

    if isinstance(input, RaggedTensor):
        return input.with_flat_values(_rows(input.flat_values, fn))
    data = _tensor(input)._data
    if data.ndim == 0:
        return StringTensor(fn(bytes(data[()])) or np.empty(0, object))
    if data.ndim > 1:
        raise ValueError(f"only scalar or vector inputs are split here, got shape {data.shape}")
    return RaggedTensor.from_rows([fn(b) for b in data], dtypes.string)


def split(
    input: Any = None,
    sep: Any = None,
    maxsplit: int = -1,
    name: str | None = None,  # noqa: A002
    source: Any = None,
) -> Any:
    """Split each string at ``sep`` (runs of whitespace when ``None``). Mirrors:
    tf.strings.split (a ragged result for a vector)."""
    input = source if input is None else input  # noqa: A001
    s = None if sep is None or _to_bytes(sep) == b"" else _to_bytes(sep)
    return _rows(input, lambda b: b.split(s, maxsplit))


def bytes_split(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """Each string as its single bytes. Mirrors: tf.strings.bytes_split."""
    return _rows(input, lambda b: [b[i : i + 1] for i in range(len(b))])


def unicode_split(
    input: Any,
    input_encoding: str,
    errors: str = "replace",  # noqa: A002
    replacement_char: int = 65533,
    name: str | None = None,
) -> Any:
    """Each string as its characters (each encoded again). Mirrors:
    tf.strings.unicode_split."""
    enc = input_encoding.lower().replace("-", "")
    enc = {"utf8": "utf-8"}.get(enc, input_encoding)
    return _rows(input, lambda b: [c.encode(enc) for c in b.decode(enc, errors="replace")])


def ngrams(
    data: Any,
    ngram_width: Any,
    separator: str = " ",
    pad_values: Any = None,
    padding_width: Any = None,
    preserve_short_sequences: bool = False,
    name: str | None = None,
) -> Any:
    """The n-grams (joined by ``separator``) of each row, for each width in
    ``ngram_width``, widths in order. Mirrors: tf.strings.ngrams (without padding)."""
    from workbench.static.ragged import RaggedTensor  # noqa: PLC0415

    if pad_values is not None:
        raise NotImplementedError("tf.strings.ngrams(pad_values=...)")
    widths = [int(ngram_width)] if np.ndim(ngram_width) == 0 else [int(w) for w in ngram_width]
    sep = _to_bytes(separator)

    def grams(row: list[bytes]) -> list[bytes]:
        out = [sep.join(row[i : i + w]) for w in widths for i in range(len(row) - w + 1)]
        if not out and preserve_short_sequences and row:
            out = [sep.join(row)]
        return out

    if isinstance(data, RaggedTensor):
        return RaggedTensor.from_rows([grams(list(r)) for r in data.to_list()], dtypes.string)
    rows = _tensor(data)._data
    if rows.ndim == 1:
        return StringTensor(grams(list(rows)) or np.empty(0, object))
    return RaggedTensor.from_rows([grams(list(r)) for r in rows], dtypes.string)


def format(
    template: str,
    inputs: Any,
    placeholder: str = "{}",
    summarize: int = 3,  # noqa: A001
    name: str | None = None,
) -> StringTensor:
    """``template`` with each ``placeholder`` replaced by the next input (tensors as
    ``print`` shows them). Mirrors: tf.strings.format."""
    items = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    pieces = template.split(placeholder)
    if len(pieces) != len(items) + 1:
        raise ValueError(f"{len(pieces) - 1} placeholders in the template but {len(items)} inputs")

    def text(x: Any) -> str:
        value = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
        return str(value.item()) if value.ndim == 0 else np.array2string(value)

    out = pieces[0] + "".join(text(x) + p for x, p in zip(items, pieces[1:]))
    return StringTensor(out)
