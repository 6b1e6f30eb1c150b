"""Files written whole or not at all, and archives read with errors a user can act on.

Every checkpoint, exported model and drawing the workbench writes goes through
:func:`atomic_write`: the bytes go to a temporary file beside the target, are flushed to
disk, and only then renamed over the target (then the folder itself is synced), so a
crash or a kill never leaves a half-written file under the real name. A temporary file
left by a write that was killed (``.<name>.<random>.wbtmp``) is swept away by the next
write of the same target. :func:`read_archive` opens a NumPy ``.npz`` archive without
ever unpickling, and says plainly when a file is damaged or is not one of ours.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

TEMP_SUFFIX = ".wbtmp"


def _stale(path: str) -> list[str]:
    directory, name = os.path.split(os.path.abspath(path))
    return glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(name)}.*{TEMP_SUFFIX}"))


@contextlib.contextmanager
def atomic_write(path: Any, mode: str = "wb") -> Iterator[Any]:
    """A file object whose contents replace ``path`` only when the block ends without
    an error (written, flushed, fsynced, renamed, folder synced); on an error the
    temporary file is removed and ``path`` is untouched. Errors name ``path``."""
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {target}: the folder {directory} does not exist")
    for old in _stale(target):  # left by a write that was killed
        with contextlib.suppress(OSError):
            os.remove(old)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(target)}.", suffix=TEMP_SUFFIX
        )
    except OSError as err:
        raise type(err)(err.errno, f"cannot write {target}: {err.strerror}") from None
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _sync_folder(directory)


def _sync_folder(directory: str) -> None:
    """Make the rename itself durable (POSIX: fsync the folder)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_npz(path: Any, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` as a NumPy archive at ``path``, atomically."""
    with atomic_write(path) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]


class CheckpointError(ValueError):
    """A file that should be a workbench archive is damaged or is something else."""


def read_archive(source: Any, what: str = "a workbench checkpoint") -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` archive ``source`` (a path, bytes or a file), never
    unpickling; a truncated, corrupted or foreign file raises :class:`CheckpointError`
    naming the file and what it was expected to be."""
    name = source if isinstance(source, str | os.PathLike) else getattr(source, "name", "data")
    try:
        with np.load(source, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as err:
        hint = (
            "it holds Python objects (a pickle): the workbench never unpickles, so save "
            "tensors, not objects"
            if _starts_like_a_pickle(source)
            else f"it is damaged or is not {what} ({type(err).__name__}: {err})"
        )
        raise CheckpointError(
            f"{os.fspath(name) if isinstance(name, str | os.PathLike) else name}: cannot be "
            f"read as {what}: {hint}. Save it again with the workbench, or load the "
            "original with the framework that wrote it."
        ) from None


def _starts_like_a_pickle(source: Any) -> bool:
    """A pickle's first byte is the PROTO opcode (0x80) for every protocol since 2."""
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as f:
                return f.read(1) == b"\x80"
        if isinstance(source, bytes | bytearray):
            return source[:1] == b"\x80"
    except OSError:
        return False
    return False
