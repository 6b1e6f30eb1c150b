"""Fetching files the way Keras does: ``get_file`` downloads once into ``~/.keras``
(``KERAS_HOME``) with a hash check and optional extraction, and the safe readers the
data sets need (``.npz`` files whose object arrays may hold only lists and NumPy arrays).
Mirrors: keras.utils.get_file."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from typing import Any

import numpy as np


def keras_home() -> str:
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def _hasher(algorithm: str, file_hash: str | None) -> Any:
    if algorithm == "sha256" or (
        algorithm == "auto" and file_hash is not None and len(file_hash) == 64
    ):
        return hashlib.sha256()
    return hashlib.md5()  # noqa: S324 - Keras's 32-digit hashes are MD5 checksums, not security


def file_hash(path: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    h = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()  # noqa: S324
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(path: str, expected: str, algorithm: str = "auto") -> bool:
    h = _hasher(algorithm, expected)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65535), b""):
            h.update(chunk)
    return h.hexdigest() == str(expected)


def _extract(archive: str, target: str, archive_format: Any) -> bool:
    kinds = (
        ["tar", "zip"]
        if archive_format == "auto"
        else [archive_format]
        if isinstance(archive_format, str)
        else list(archive_format or [])
    )
    for kind in kinds:
        if kind == "tar" and tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")  # no paths outside target, no devices
            return True
        if kind == "zip" and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                for member in z.namelist():
                    if os.path.isabs(member) or ".." in member.split("/"):
                        raise ValueError(f"refusing to extract {member!r} outside {target}")
                z.extractall(target)
            return True
    return False


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: Any = "auto",
    cache_dir: str | None = None,
    force_download: bool = False,
) -> str:
    """The local path of ``origin``, downloaded into ``cache_dir/cache_subdir`` unless a
    copy with the right hash is there already; with ``extract``, the folder it unpacks
    to. Mirrors: keras.utils.get_file."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    if not os.access(base, os.W_OK):  # Keras's rule, also for a folder that does not exist yet
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    given = fname is not None
    name = (
        os.fspath(fname)
        if fname is not None
        else os.path.basename(urllib.parse.urlsplit(origin).path)
    )
    if not name:
        raise ValueError(
            f"Can't parse the file name from the origin provided: '{origin}'. Please specify "
            "the `fname` argument."
        )
    if os.sep in name:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's "
            f"parent directory, use the `cache_dir` argument. Received: fname={name}"
        )
    unpack = extract or untar
    if unpack and given and "." in name:
        target, stem = os.path.join(folder, name), name[: name.find(".")]
        unpacked = os.path.join(folder, f"{stem}_extracted")
    elif unpack:
        target, unpacked = os.path.join(folder, f"{name}_archive"), os.path.join(folder, name)
    else:
        target, unpacked = os.path.join(folder, name), ""
    fetch = force_download or not os.path.exists(target)
    if not fetch and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(
            f"A local file was found, but it seems to be incomplete or outdated because the "
            f"{hash_algorithm} file hash does not match the original value of {file_hash} so we "
            "will re-download the data."
        )
        fetch = True
    if fetch:
        print(f"Downloading data from {origin}")
        partial = target + ".part"
        try:
            with urllib.request.urlopen(origin) as response, open(partial, "wb") as out:  # noqa: S310
                shutil.copyfileobj(response, out)
        except Exception as err:
            if os.path.exists(partial):
                os.remove(partial)
            raise Exception(f"URL fetch failure on {origin}: {err}") from err
        os.replace(partial, target)  # never a half-written file under the final name
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does "
                f"not match the provided value of {file_hash}."
            )
    if unpack:
        if not _extract(target, unpacked, "tar" if untar else archive_format):
            print("Could not extract archive.", file=sys.stderr)
        return unpacked
    return target


# ---------------------------------------------------------------------------------------
# Reading data sets without running code


_NUMPY_ONLY = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles containers and NumPy arrays, and refuses every other class (a data file
    can never name code to run)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _NUMPY_ONLY:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a data set file: only NumPy arrays and "
            "plain containers are allowed."
        )


def load_npz(path: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file; object arrays (ragged lists) through
    ``NumpyOnlyUnpickler``."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            buffer = io.BytesIO(archive.read(member))
            try:
                arrays[member[:-4]] = np.lib.format.read_array(buffer, allow_pickle=False)
            except ValueError:  # an object array: its payload is a pickle
                buffer.seek(0)
                major, _ = np.lib.format.read_magic(buffer)
                if major == 1:
                    np.lib.format.read_array_header_1_0(buffer)
                else:
                    np.lib.format.read_array_header_2_0(buffer)
                arrays[member[:-4]] = NumpyOnlyUnpickler(buffer).load()
    return arrays
