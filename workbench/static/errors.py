"""TensorFlow's run-time error classes. Mirrors: tf.errors."""

from __future__ import annotations

from typing import Any


class OpError(Exception):
    """An operation failed while a graph ran. Mirrors: tf.errors.OpError."""

    def __init__(self, node_def: Any, op: Any, message: str, *args: Any) -> None:
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError):
    pass


class FailedPreconditionError(OpError):
    pass


class NotFoundError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class DataLossError(OpError):
    """A record is truncated or its checksum does not match."""


class UnimplementedError(OpError):
    pass


class InternalError(OpError):
    pass
