"""Event files that TensorBoard reads: ``tf.summary.create_file_writer``, ``scalar``,
``histogram`` and ``text``, written as TFRecord-framed ``Event`` protocol buffers (encoded
here by hand: the few fields a summary needs). Mirrors: tf.summary."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

_CRC_TABLE: list[int] = []


def _crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), which TFRecord frames carry."""
    if not _CRC_TABLE:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, kind: int, payload: bytes) -> bytes:
    return _varint(number << 3 | kind) + payload


def _bytes(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def _double(number: int, v: float) -> bytes:
    return _field(number, 1, struct.pack("<d", v))


def _histogram(values: np.ndarray, buckets: int) -> bytes:
    """A HistogramProto: min, max, num, sum, sum_squares, bucket_limit, bucket."""
    v = values.astype(np.float64).ravel()
    counts, edges = np.histogram(v, bins=buckets) if v.size else (np.zeros(0), np.zeros(1))
    packed = lambda a: b"".join(struct.pack("<d", float(x)) for x in a)  # noqa: E731
    return b"".join(
        [
            _double(1, float(v.min()) if v.size else 0.0),
            _double(2, float(v.max()) if v.size else 0.0),
            _double(3, float(v.size)),
            _double(4, float(v.sum())),
            _double(5, float((v * v).sum())),
            _bytes(6, packed(edges[1:])),
            _bytes(7, packed(counts)),
        ]
    )


class SummaryWriter:
    """Appends events to ``<logdir>/events.out.tfevents.<time>.<host>``."""

    def __init__(self, logdir: str, filename_suffix: str = "") -> None:
        os.makedirs(logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}{filename_suffix}"
        self.path = os.path.join(logdir, name)
        self._file: Any = open(self.path, "ab")  # noqa: SIM115 - held open, as TF's writer
        self._write(_double(1, time.time()) + _bytes(3, b"brain.Event:2"))

    def _write(self, event: bytes) -> None:
        header = struct.pack("<Q", len(event))
        self._file.write(header + struct.pack("<I", _masked(_crc32c(header))))
        self._file.write(event + struct.pack("<I", _masked(_crc32c(event))))

    def add(self, tag: str, step: int, value_field: bytes) -> None:
        value = _bytes(1, tag.encode()) + value_field
        summary = _bytes(1, value)
        self._write(_double(1, time.time()) + _field(2, 0, _varint(int(step))) + _bytes(5, summary))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    @contextlib.contextmanager
    def as_default(self, step: int | None = None) -> Iterator[SummaryWriter]:
        global _DEFAULT, _STEP
        saved = _DEFAULT, _STEP
        _DEFAULT, _STEP = self, _STEP if step is None else step
        try:
            yield self
        finally:
            self.flush()
            _DEFAULT, _STEP = saved

    def set_as_default(self, step: int | None = None) -> None:
        global _DEFAULT, _STEP
        _DEFAULT = self
        if step is not None:
            _STEP = step


_DEFAULT: SummaryWriter | None = None
_STEP: int | None = None


def create_file_writer(
    logdir: str,
    max_queue: Any = None,
    flush_millis: Any = None,
    filename_suffix: str | None = None,
    name: str | None = None,
) -> SummaryWriter:
    """Mirrors: tf.summary.create_file_writer."""
    return SummaryWriter(str(logdir), filename_suffix or "")


def _target(step: Any) -> tuple[SummaryWriter | None, int]:
    s = _STEP if step is None else step
    if _DEFAULT is not None and s is None:
        raise ValueError(
            "No step set. Please specify one either through the `step` argument "
            "or through tf.summary.experimental.set_step()"
        )
    return _DEFAULT, int(
        np.asarray(s.numpy() if hasattr(s, "numpy") else s)
    ) if s is not None else 0


def _host(data: Any) -> np.ndarray:
    return np.asarray(data.numpy() if hasattr(data, "numpy") else data)


def scalar(name: str, data: Any, step: Any = None, description: str | None = None) -> bool:
    """Record a number; False when no writer is the default. Mirrors: tf.summary.scalar."""
    writer, s = _target(step)
    if writer is None:
        return False
    writer.add(name, s, _field(2, 5, struct.pack("<f", float(_host(data)))))
    return True


def histogram(
    name: str,
    data: Any,
    step: Any = None,
    buckets: int | None = None,
    description: str | None = None,
) -> bool:
    writer, s = _target(step)
    if writer is None:
        return False
    writer.add(name, s, _bytes(5, _histogram(_host(data), buckets or 30)))
    return True


def text(name: str, data: Any, step: Any = None, description: str | None = None) -> bool:
    """A string (TensorBoard's text plugin reads it from a string tensor)."""
    writer, s = _target(step)
    if writer is None:
        return False
    raw = str(_host(data).item() if np.ndim(_host(data)) == 0 else data)
    if isinstance(raw, bytes):
        raw = raw.decode()
    tensor = _field(1, 0, _varint(7)) + _bytes(2, b"") + _bytes(8, raw.encode())  # DT_STRING
    metadata = _bytes(1, _bytes(1, b"text"))
    writer.add(name, s, _bytes(9, metadata) + _bytes(8, tensor))
    return True


def flush(writer: SummaryWriter | None = None) -> None:
    target = writer or _DEFAULT
    if target is not None:
        target.flush()


# ---------------------------------------------------------------------------------------
# Graph traces (TensorBoard's Graphs tab)

_TRACE: dict[str, Any] = {"on": False, "graphs": []}


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir: Any = None) -> None:
    """Keep the graphs of the tf.functions traced from now on, for ``trace_export``.
    Mirrors: tf.summary.trace_on (the profiler is not part of the workbench)."""
    _TRACE["on"], _TRACE["graphs"] = bool(graph), []


def trace_off() -> None:
    _TRACE["on"], _TRACE["graphs"] = False, []


def traced(graph: Any) -> None:
    """Called by tf.function for each new trace."""
    if _TRACE["on"]:
        _TRACE["graphs"].append(graph)


def _graph_def(graph: Any) -> bytes:
    """A GraphDef protocol buffer: one NodeDef (name, op, inputs) per operation."""
    nodes = []
    for op in graph.get_operations():
        fields = _bytes(1, op.name.encode()) + _bytes(2, op.type.encode())
        for t in op.inputs:
            index = getattr(t, "value_index", 0)
            fields += _bytes(3, (t.op.name if not index else f"{t.op.name}:{index}").encode())
        nodes.append(_bytes(1, fields))
    return b"".join(nodes)


def trace_export(name: str, step: Any = None, profiler_outdir: Any = None) -> None:
    """Write the graphs traced since ``trace_on`` to the default writer (TensorBoard's
    Graphs tab reads them), then stop tracing. Mirrors: tf.summary.trace_export."""
    writer, s = _target(step)
    if writer is None:
        raise ValueError("tf.summary.trace_export: no default writer (use writer.as_default())")
    for graph in _TRACE["graphs"]:
        writer._write(
            _double(1, time.time()) + _field(2, 0, _varint(s)) + _bytes(4, _graph_def(graph))
        )
    trace_off()


class _Experimental:
    @staticmethod
    def set_step(step: Any) -> None:
        global _STEP
        _STEP = int(_host(step))

    @staticmethod
    def get_step() -> int | None:
        return _STEP


experimental = _Experimental()

__all__ = [
    "SummaryWriter",
    "create_file_writer",
    "experimental",
    "flush",
    "histogram",
    "scalar",
    "text",
]
