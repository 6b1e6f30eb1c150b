"""Keras's small data sets, fetched from Keras's own storage on first use (cached in
``~/.keras/datasets``) and read without unpickling code: ``mnist``, ``fashion_mnist``,
``cifar10``, ``cifar100``, ``imdb``, ``reuters``, ``boston_housing``,
``california_housing``. Splits, shuffles and index conventions are Keras's, so the
arrays equal ``keras.datasets.*.load_data()``'s. Mirrors: keras.datasets."""

from __future__ import annotations

import gzip
import json
import os
from types import SimpleNamespace
from typing import Any

import numpy as np

from workbench.static.keras.downloads import NumpyOnlyUnpickler, get_file, load_npz

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
STORAGE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",
    "cifar-10": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    "cifar-100": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
}  # the SHA-256 (or MD5) sums Keras checks


def _mnist(path: str = "mnist.npz") -> Split:
    local = get_file(fname=path, origin=f"{STORAGE}mnist.npz", file_hash=HASHES["mnist.npz"])
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def _fashion_mnist() -> Split:
    names = [
        "train-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
    ]
    paths = [
        get_file(n, origin=STORAGE + n, cache_subdir=os.path.join("datasets", "fashion-mnist"))
        for n in names
    ]
    arrays = []
    for path, offset in zip(paths, (8, 16, 8, 16)):
        with gzip.open(path, "rb") as f:
            arrays.append(np.frombuffer(f.read(), np.uint8, offset=offset))
    y_train, x_train, y_test, x_test = arrays
    return (x_train.reshape(len(y_train), 28, 28), y_train), (
        x_test.reshape(len(y_test), 28, 28),
        y_test,
    )


def _shuffled_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> Split:
    if not 0 <= test_split < 1:
        raise ValueError(
            f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
            "(exclusive of 1)."
        )
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def _boston_housing(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> Split:
    local = get_file(
        path, origin=f"{STORAGE}boston_housing.npz", file_hash=HASHES["boston_housing.npz"]
    )
    with np.load(local, allow_pickle=False) as f:
        return _shuffled_split(f["x"], f["y"], test_split, seed)


def _california_housing(
    version: str = "large",
    path: str = "california_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
) -> Split:
    if version not in ("large", "small"):
        raise ValueError(
            f"Argument `version` must be one of 'small', 'large'. Received: version={version}"
        )
    local = get_file(
        path, origin=f"{STORAGE}california_housing.npz", file_hash=HASHES["california_housing.npz"]
    )
    with np.load(local, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return _shuffled_split(x, y, test_split, seed)


def _cifar_batch(path: str, label_key: str = "labels") -> tuple[np.ndarray, Any]:
    with open(path, "rb") as f:
        raw = NumpyOnlyUnpickler(f, encoding="bytes").load()
    d = {k.decode("utf8"): v for k, v in raw.items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def _cifar10() -> Split:
    root = get_file(
        fname="cifar-10-batches-py-target",
        origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        extract=True,
        file_hash=HASHES["cifar-10"],
    )
    folder = os.path.join(root, "cifar-10-batches-py")
    parts = [_cifar_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts]).astype(np.uint8)
    y_train = np.concatenate([np.asarray(p[1]) for p in parts]).astype(np.uint8).reshape(-1, 1)
    x_test, y_test = _cifar_batch(os.path.join(folder, "test_batch"))
    return (x_train.transpose(0, 2, 3, 1), y_train), (
        x_test.astype(np.uint8).transpose(0, 2, 3, 1),
        np.asarray(y_test).astype(np.uint8).reshape(-1, 1),
    )


def _cifar100(label_mode: str = "fine") -> Split:
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.'
        )
    root = get_file(
        fname="cifar-100-python-target",
        origin="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        extract=True,
        file_hash=HASHES["cifar-100"],
    )
    folder = os.path.join(root, "cifar-100-python")
    out = []
    for part in ("train", "test"):
        x, y = _cifar_batch(os.path.join(folder, part), f"{label_mode}_labels")
        out.append((x.transpose(0, 2, 3, 1), np.reshape(y, (len(y), 1))))
    return out[0], out[1]


def _shift(xs: list[Any], start_char: Any, index_from: int) -> list[list[int]]:
    """Keras's word indices: a start mark, then every index moved up by ``index_from``."""
    head = [] if start_char is None else [start_char]
    return [head + [w + index_from for w in x] for x in xs]


def _drop_long(
    maxlen: Any, xs: list[list[int]], labels: np.ndarray
) -> tuple[list[list[int]], np.ndarray]:
    if not maxlen:
        return xs, labels
    kept = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in kept], labels[kept]


def _vocabulary(
    xs: list[list[int]], num_words: Any, skip_top: int, oov_char: Any
) -> list[list[int]]:
    """Words outside [skip_top, num_words) become ``oov_char`` (or are removed)."""
    top = num_words or max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < top else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < top] for x in xs]


def _imdb(
    path: str = "imdb.npz",
    num_words: Any = None,
    skip_top: int = 0,
    maxlen: Any = None,
    seed: int = 113,
    start_char: Any = 1,
    oov_char: Any = 2,
    index_from: int = 3,
    **_: Any,
) -> Split:
    f = load_npz(get_file(fname=path, origin=f"{STORAGE}imdb.npz", file_hash=HASHES["imdb.npz"]))
    rng = np.random.RandomState(seed)
    parts = []
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        order = np.arange(len(f[x_key]))
        rng.shuffle(order)
        parts.append((f[x_key][order], f[y_key][order]))
    (x_train, y_train), (x_test, y_test) = parts
    train = _drop_long(maxlen, _shift(list(x_train), start_char, index_from), y_train)
    test = _drop_long(maxlen, _shift(list(x_test), start_char, index_from), y_test)
    if maxlen and (not train[0] or not test[0]):
        raise ValueError(
            f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
            "kept. Increase maxlen."
        )
    xs = _vocabulary(train[0] + test[0], num_words, skip_top, oov_char)
    labels = np.concatenate([train[1], test[1]])
    n = len(train[0])
    return (np.array(xs[:n], dtype="object"), labels[:n]), (
        np.array(xs[n:], dtype="object"),
        labels[n:],
    )


def _reuters(
    path: str = "reuters.npz",
    num_words: Any = None,
    skip_top: int = 0,
    maxlen: Any = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: Any = 1,
    oov_char: Any = 2,
    index_from: int = 3,
) -> Split:
    f = load_npz(
        get_file(fname=path, origin=f"{STORAGE}reuters.npz", file_hash=HASHES["reuters.npz"])
    )
    order = np.arange(len(f["x"]))
    np.random.RandomState(seed).shuffle(order)
    xs = _shift(list(f["x"][order]), start_char, index_from)
    xs, labels = _drop_long(maxlen, xs, f["y"][order])
    xs = _vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return (np.array(xs[:cut], dtype="object"), np.array(labels[:cut])), (
        np.array(xs[cut:], dtype="object"),
        np.array(labels[cut:]),
    )


def _word_index(name: str) -> Any:
    def get_word_index(path: str = f"{name}_word_index.json") -> dict[str, int]:
        local = get_file(
            fname=path,
            origin=f"{STORAGE}{name}_word_index.json",
            file_hash=HASHES[f"{name}_word_index.json"],
        )
        with open(local) as f:
            return json.load(f)  # type: ignore[no-any-return]

    return get_word_index


mnist = SimpleNamespace(load_data=_mnist)
fashion_mnist = SimpleNamespace(load_data=_fashion_mnist)
cifar10 = SimpleNamespace(load_data=_cifar10)
cifar100 = SimpleNamespace(load_data=_cifar100)
boston_housing = SimpleNamespace(load_data=_boston_housing)
california_housing = SimpleNamespace(load_data=_california_housing)
imdb = SimpleNamespace(load_data=_imdb, get_word_index=_word_index("imdb"))
reuters = SimpleNamespace(load_data=_reuters, get_word_index=_word_index("reuters"))

__all__ = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
