"""``tf.train.Example``: the record TensorFlow programs write into TFRecord files — a map
from feature names to lists of bytes, floats or 64-bit integers — and its protocol-buffer
wire format, written out here (the messages are small and fixed; TensorFlow reads what
this writes and the other way round). Mirrors: tf.train.Example, Features, Feature,
BytesList, FloatList, Int64List.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

# ---------------------------------------------------------------------------------------
# the wire format: varints and length-delimited fields

_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 as its two's complement, ten bytes
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if pos >= len(data):
            raise ValueError("Error parsing message: truncated varint")
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def _signed(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | _LEN) + _varint(len(payload)) + payload


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) for each field of a message."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == _VARINT:
            value, pos = _read_varint(data, pos)
        elif wire == _LEN:
            size, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
            if len(value) != size:
                raise ValueError("Error parsing message: truncated field")
        elif wire == _FIXED32:
            value, pos = data[pos : pos + 4], pos + 4
        elif wire == _FIXED64:
            value, pos = data[pos : pos + 8], pos + 8
        else:
            raise ValueError(f"Error parsing message: wire type {wire}")
        yield number, wire, value


# ---------------------------------------------------------------------------------------
# messages


class _Message:
    def SerializeToString(self, deterministic: bool = True) -> bytes:  # noqa: N802
        return self._encode()

    def _encode(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def FromString(cls, data: bytes) -> Any:  # noqa: N802
        message = cls()
        message.ParseFromString(data)
        return message

    def ParseFromString(self, data: bytes) -> int:  # noqa: N802
        self._decode(bytes(data))
        return len(data)

    def _decode(self, data: bytes) -> None:
        raise NotImplementedError

    def ByteSize(self) -> int:  # noqa: N802
        return len(self._encode())

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._encode() == other._encode()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return "".join(line + "\n" for line in self._text())

    def __repr__(self) -> str:
        return str(self)

    def _text(self) -> list[str]:
        raise NotImplementedError


def _indent(lines: list[str]) -> list[str]:
    return ["  " + line for line in lines]


def _quoted(b: bytes) -> str:
    out = []
    for c in b:
        ch = chr(c)
        if ch in "\"'\\":
            out.append("\\" + ch)
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append({10: "\\n", 13: "\\r", 9: "\\t"}.get(c, f"\\{c:03o}"))
    return '"' + "".join(out) + '"'


def _checked_bytes(v: Any) -> bytes:
    """What protobuf takes for a bytes field: bytes only (TypeError otherwise)."""
    if isinstance(v, bytes | np.bytes_):
        return bytes(v)
    raise TypeError(f"expected bytes, {type(v).__name__} found")


def _checked_float(v: Any) -> float:
    if isinstance(v, str | bytes):
        raise TypeError(f"must be real number, not {type(v).__name__}")
    return float(np.float32(v))


def _checked_int(v: Any) -> int:
    if isinstance(v, bool):
        raise TypeError("Field tensorflow.Int64List.value: Expected an int, got a boolean.")
    if isinstance(v, float | str | bytes | np.bool_ | np.floating):
        raise TypeError(f"'{type(v).__name__}' object cannot be interpreted as an integer")
    return int(v)


class BytesList(_Message):
    """Mirrors: tf.train.BytesList."""

    def __init__(self, value: Any = ()) -> None:
        self.value: list[bytes] = [_checked_bytes(v) for v in value]

    def _encode(self) -> bytes:
        return b"".join(_field(1, v) for v in self.value)

    def _decode(self, data: bytes) -> None:
        self.value = [v for n, w, v in _fields(data) if n == 1 and w == _LEN]

    def _text(self) -> list[str]:
        return [f"value: {_quoted(v)}" for v in self.value]


class FloatList(_Message):
    """Mirrors: tf.train.FloatList (packed float32)."""

    def __init__(self, value: Any = ()) -> None:
        self.value: list[float] = [_checked_float(v) for v in value]

    def _encode(self) -> bytes:
        if not self.value:
            return b""
        return _field(1, np.asarray(self.value, "<f4").tobytes())

    def _decode(self, data: bytes) -> None:
        self.value = []
        for n, w, v in _fields(data):
            if n == 1 and w == _LEN:
                self.value.extend(float(x) for x in np.frombuffer(v, "<f4"))
            elif n == 1 and w == _FIXED32:
                self.value.append(struct.unpack("<f", v)[0])

    def _text(self) -> list[str]:
        return [f"value: {_float_text(v)}" for v in self.value]


def _float_text(v: float) -> str:
    """A float32 as protobuf's text format writes it: 6 significant digits when they read
    back as the same float32, else 9."""
    f = np.float32(v)
    short = f"{float(f):.6g}"
    return short if np.float32(float(short)) == f else f"{float(f):.9g}"


class Int64List(_Message):
    """Mirrors: tf.train.Int64List (packed varints)."""

    def __init__(self, value: Any = ()) -> None:
        self.value: list[int] = [_checked_int(v) for v in value]

    def _encode(self) -> bytes:
        if not self.value:
            return b""
        return _field(1, b"".join(_varint(v) for v in self.value))

    def _decode(self, data: bytes) -> None:
        self.value = []
        for n, w, v in _fields(data):
            if n == 1 and w == _LEN:
                pos = 0
                while pos < len(v):
                    x, pos = _read_varint(v, pos)
                    self.value.append(_signed(x))
            elif n == 1 and w == _VARINT:
                self.value.append(_signed(v))

    def _text(self) -> list[str]:
        return [f"value: {v}" for v in self.value]


_KINDS = {1: ("bytes_list", BytesList), 2: ("float_list", FloatList), 3: ("int64_list", Int64List)}


class Feature(_Message):
    """One of a BytesList, FloatList or Int64List. Mirrors: tf.train.Feature."""

    def __init__(
        self,
        bytes_list: BytesList | None = None,
        float_list: FloatList | None = None,
        int64_list: Int64List | None = None,
    ) -> None:
        given = [
            (k, v)
            for k, v in (
                ("bytes_list", bytes_list),
                ("float_list", float_list),
                ("int64_list", int64_list),
            )
            if v is not None
        ]
        if len(given) > 1:
            raise ValueError("A Feature holds one of bytes_list, float_list or int64_list")
        self._kind: str | None = given[0][0] if given else None
        self._list: Any = given[0][1] if given else None

    def WhichOneof(self, group: str) -> str | None:  # noqa: N802
        if group != "kind":
            raise ValueError(f'Protocol message has no oneof "{group}" field.')
        return self._kind

    def HasField(self, name: str) -> bool:  # noqa: N802
        return self._kind == name

    def __getattr__(self, name: str) -> Any:
        for kind, cls in _KINDS.values():
            if name == kind:
                return self._list if self._kind == name else cls()
        raise AttributeError(name)

    def _encode(self) -> bytes:
        if self._kind is None or self._list is None:
            return b""
        number = next(n for n, (kind, _) in _KINDS.items() if kind == self._kind)
        return _field(number, self._list._encode())

    def _decode(self, data: bytes) -> None:
        self._kind, self._list = None, None
        for n, w, v in _fields(data):
            if n in _KINDS and w == _LEN:
                kind, cls = _KINDS[n]
                self._kind, self._list = kind, cls.FromString(v)

    def _text(self) -> list[str]:
        if self._kind is None or self._list is None:
            return []
        return [f"{self._kind} {{", *_indent(self._list._text()), "}"]


class Features(_Message):
    """A map from names to features. Mirrors: tf.train.Features."""

    def __init__(self, feature: dict[str, Feature] | None = None) -> None:
        self.feature: dict[str, Feature] = dict(feature or {})

    def _encode(self) -> bytes:
        entries = []
        for key in sorted(self.feature):  # one order for the same map (protobuf's deterministic)
            entry = _field(1, key.encode()) + _field(2, self.feature[key]._encode())
            entries.append(_field(1, entry))
        return b"".join(entries)

    def _decode(self, data: bytes) -> None:
        self.feature = {}
        for n, w, v in _fields(data):
            if n == 1 and w == _LEN:
                key, value = "", Feature()
                for en, ew, ev in _fields(v):
                    if en == 1 and ew == _LEN:
                        key = ev.decode("utf-8")
                    elif en == 2 and ew == _LEN:
                        value = Feature.FromString(ev)
                self.feature[key] = value

    def _text(self) -> list[str]:
        lines: list[str] = []
        for key in sorted(self.feature):
            value = self.feature[key]._text()
            lines += [
                "feature {",
                f'  key: "{key}"',
                "  value {",
                *_indent(_indent(value)),
                "  }",
                "}",
            ]
        return lines


class Example(_Message):
    """One record: its features. Mirrors: tf.train.Example."""

    def __init__(self, features: Features | None = None) -> None:
        self.features = features if features is not None else Features()

    def _encode(self) -> bytes:
        return _field(1, self.features._encode())

    def _decode(self, data: bytes) -> None:
        self.features = Features()
        for n, w, v in _fields(data):
            if n == 1 and w == _LEN:
                self.features = Features.FromString(v)

    def _text(self) -> list[str]:
        return ["features {", *_indent(self.features._text()), "}"]
