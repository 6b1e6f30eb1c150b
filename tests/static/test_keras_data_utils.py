"""Keras's data helpers against Keras 3 on the same files: ``get_file`` (file:// origins,
hash checks, extraction), the data sets read from synthetic files of their real formats
(Keras's ``load_data`` reading the same file), images and ``image_dataset_from_directory``,
``timeseries_dataset_from_array``, ``split_dataset``, and tf.data's ``from_generator``,
``padded_batch``, ``reduce`` and ``cardinality``."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static import keras as wkeras
from workbench.static.keras import datasets as wdatasets

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
PIL = pytest.importorskip("PIL.Image")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_get_file_downloads_caches_checks_and_extracts_as_keras(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "data.txt").write_text("hello")
    with tarfile.open(source / "bundle.tar.gz", "w:gz") as tar:
        tar.add(source / "data.txt", arcname="bundle/data.txt")
    for k, name in ((keras, "theirs"), (wkeras, "ours")):
        cache = tmp_path / name
        cache.mkdir()  # Keras falls back to /tmp/.keras for a folder it cannot write yet
        origin = (source / "data.txt").as_uri()
        path = k.utils.get_file(
            origin=origin, cache_dir=str(cache), file_hash=_sha256(source / "data.txt")
        )
        assert Path(path) == cache / "datasets" / "data.txt" and Path(path).read_text() == "hello"
        with pytest.raises(ValueError, match="hash"):
            k.utils.get_file("other.txt", origin=origin, cache_dir=str(cache), file_hash="0" * 64)
        folder = k.utils.get_file(
            "bundle.tar.gz",
            origin=(source / "bundle.tar.gz").as_uri(),
            cache_dir=str(cache),
            extract=True,
        )
        assert Path(folder) == cache / "datasets" / "bundle_extracted"
        assert (Path(folder) / "bundle" / "data.txt").read_text() == "hello"


def _write_npz(path: Path, **arrays: Any) -> None:
    np.savez(path, **arrays)


@pytest.fixture
def fake_keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Synthetic files in the real formats, where both Keras and the workbench look."""
    home = tmp_path / "keras_home"
    data = home / "datasets"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    _write_npz(
        data / "mnist.npz",
        x_train=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        y_train=np.arange(5, dtype=np.uint8),
        x_test=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        y_test=np.arange(2, dtype=np.uint8),
    )
    _write_npz(
        data / "boston_housing.npz", x=rng.standard_normal((20, 13)), y=rng.standard_normal(20)
    )
    ragged = np.empty(6, dtype=object)
    for i in range(6):
        ragged[i] = [int(w) for w in rng.integers(0, 30, 3 + 2 * i)]
    _write_npz(
        data / "imdb.npz",
        x_train=ragged[:4],
        y_train=np.array([0, 1, 1, 0]),
        x_test=ragged[4:],
        y_test=np.array([1, 0]),
    )
    _write_npz(data / "reuters.npz", x=ragged, y=np.arange(6))
    fashion = data / "fashion-mnist"
    fashion.mkdir()
    for name, offset, payload in (
        ("train-labels-idx1-ubyte.gz", 8, np.arange(3, dtype=np.uint8)),
        ("train-images-idx3-ubyte.gz", 16, rng.integers(0, 256, 3 * 784, dtype=np.uint8)),
        ("t10k-labels-idx1-ubyte.gz", 8, np.arange(2, dtype=np.uint8)),
        ("t10k-images-idx3-ubyte.gz", 16, rng.integers(0, 256, 2 * 784, dtype=np.uint8)),
    ):
        with gzip.open(fashion / name, "wb") as f:
            f.write(bytes(offset) + payload.tobytes())
    monkeypatch.setenv("KERAS_HOME", str(home))
    for name in ("mnist.npz", "boston_housing.npz", "imdb.npz", "reuters.npz"):
        monkeypatch.setitem(wdatasets.HASHES, name, _sha256(data / name))

    def keras_get_file(
        fname: Any = None, origin: Any = None, cache_subdir: str = "datasets", **_: Any
    ) -> str:
        return str(home / cache_subdir / (fname or origin.rsplit("/", 1)[-1]))

    for module in ("mnist", "boston_housing", "imdb", "reuters", "fashion_mnist"):
        monkeypatch.setattr(f"keras.src.datasets.{module}.get_file", keras_get_file)
    return home


LOADS: list[tuple[str, Any]] = [
    ("mnist", lambda d: d.mnist.load_data()),
    ("fashion_mnist", lambda d: d.fashion_mnist.load_data()),
    ("boston", lambda d: d.boston_housing.load_data(test_split=0.25, seed=7)),
    ("imdb", lambda d: d.imdb.load_data()),
    ("imdb_words", lambda d: d.imdb.load_data(num_words=12, skip_top=2, maxlen=13)),
    (
        "imdb_no_oov",
        lambda d: d.imdb.load_data(num_words=15, oov_char=None, index_from=0, start_char=None),
    ),
    ("reuters", lambda d: d.reuters.load_data(num_words=20, test_split=0.5)),
]


@pytest.mark.parametrize("load", [c[1] for c in LOADS], ids=[c[0] for c in LOADS])
def test_datasets_equal_keras_on_the_same_files(load: Any, fake_keras_home: Path) -> None:
    ours, theirs = load(wdatasets), load(keras.datasets)
    for (a, b), (c, d) in zip(ours, theirs):
        assert a.dtype == c.dtype and b.dtype == d.dtype
        assert (
            [list(r) for r in a] == [list(r) for r in c]
            if a.dtype == object
            else np.array_equal(a, c)
        )
        np.testing.assert_array_equal(b, d)


def test_data_set_files_never_run_code(fake_keras_home: Path) -> None:
    class Evil:
        def __reduce__(self) -> Any:
            return (print, ("owned",))

    bad = np.empty(1, dtype=object)
    bad[0] = Evil()
    np.savez(
        fake_keras_home / "datasets" / "imdb.npz",
        x_train=bad,
        y_train=np.zeros(1),
        x_test=bad,
        y_test=np.zeros(1),
    )
    wdatasets.HASHES["imdb.npz"] = _sha256(fake_keras_home / "datasets" / "imdb.npz")
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        wdatasets.imdb.load_data()


def _images(root: Path) -> None:
    rng = np.random.default_rng(1)
    for cls, n in (("cats", 3), ("dogs", 4)):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            pixels = rng.integers(0, 256, (9 + i, 12, 3), dtype=np.uint8)
            PIL.fromarray(pixels).save(root / cls / f"{i}.png")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"label_mode": "int"},
        {"label_mode": "categorical", "color_mode": "grayscale"},
        {"label_mode": "binary", "interpolation": "nearest", "crop_to_aspect_ratio": True},
        {"validation_split": 0.3, "subset": "validation", "seed": 3, "batch_size": None},
    ],
)
def test_image_dataset_from_directory_equals_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    _images(tmp_path / "images")
    common = {"image_size": (6, 8), "batch_size": 4, "shuffle": False, "verbose": False} | kwargs
    if "seed" in kwargs:
        common["shuffle"] = True
    theirs = keras.utils.image_dataset_from_directory(tmp_path / "images", **common)
    ours = wkeras.utils.image_dataset_from_directory(tmp_path / "images", **common)
    assert ours.class_names == theirs.class_names == ["cats", "dogs"]
    assert sorted(ours.file_paths) == sorted(theirs.file_paths)
    if common["shuffle"]:
        return  # Keras also shuffles the batches with tf.data: compare files only
    for (x1, y1), (x2, y2) in zip(ours.as_numpy_iterator(), theirs.as_numpy_iterator()):
        assert x1.dtype == x2.dtype and y1.dtype == y2.dtype
        np.testing.assert_allclose(x1, x2, atol=1e-3)
        np.testing.assert_array_equal(y1, y2)


def test_image_files_round_trip_as_keras(tmp_path: Path) -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (5, 7, 3)).astype(np.float32)
    for k, name in ((keras, "theirs.png"), (wkeras, "ours.png")):
        k.utils.save_img(tmp_path / name, pixels, scale=False)
    for color_mode in ("rgb", "grayscale", "rgba"):
        for size in (None, (3, 4)):
            a = wkeras.utils.img_to_array(
                wkeras.utils.load_img(tmp_path / "ours.png", color_mode, size)
            )
            b = keras.utils.img_to_array(
                keras.utils.load_img(tmp_path / "theirs.png", color_mode, size)
            )
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        np.asarray(wkeras.utils.array_to_img(pixels)), np.asarray(keras.utils.array_to_img(pixels))
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sequence_length": 4},
        {"sequence_length": 3, "sequence_stride": 2, "sampling_rate": 2},
        {"sequence_length": 2, "start_index": 3, "end_index": 15, "batch_size": 5},
        {"sequence_length": 5, "batch_size": None},
    ],
)
def test_timeseries_dataset_equals_keras(kwargs: dict[str, Any]) -> None:
    data = np.arange(40.0).reshape(20, 2)
    targets = np.arange(100, 120)
    outs = []
    for k in (keras, wkeras):
        ds = k.utils.timeseries_dataset_from_array(data, targets, **kwargs)
        outs.append([(np.asarray(x), np.asarray(y)) for x, y in ds.as_numpy_iterator()])
    assert len(outs[0]) == len(outs[1])
    for (a, b), (c, d) in zip(outs[1], outs[0]):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.parametrize(
    "sizes", [{"left_size": 0.7}, {"right_size": 3}, {"left_size": 4, "right_size": 2}]
)
def test_split_dataset_equals_keras(sizes: dict[str, Any]) -> None:
    data = (np.arange(10), np.arange(10) * 2)
    ours = wkeras.utils.split_dataset(data, **sizes)
    theirs = keras.utils.split_dataset(data, **sizes)
    for a, b in zip(ours, theirs):
        assert [tuple(map(int, e)) for e in a.as_numpy_iterator()] == [
            tuple(map(int, e)) for e in b.as_numpy_iterator()
        ]


def test_tf_data_additions_equal_tensorflow() -> None:
    def gen(n: int) -> Any:
        for i in range(int(n)):
            yield np.arange(i + 1), i * 0.5

    for m in (tf, wtf):
        spec = (m.TensorSpec([None], m.int64), m.TensorSpec([], m.float32))
        ds = m.data.Dataset.from_generator(gen, output_signature=spec, args=(4,))
        elements = list(ds.as_numpy_iterator())
        assert [e[1].dtype for e in elements] == [np.float32] * 4
        padded = list(ds.padded_batch(3).as_numpy_iterator())
        np.testing.assert_array_equal(padded[0][0], [[0, 0, 0], [0, 1, 0], [0, 1, 2]])
        assert int(m.data.Dataset.range(7).reduce(np.int64(0), lambda s, x: s + x)) == 21
        assert int(m.data.Dataset.range(5).batch(2).cardinality()) == 3
        assert int(m.data.Dataset.range(5).repeat().cardinality()) == -1
        assert int(m.data.experimental.cardinality(ds)) == -2
        assert int(m.data.Dataset.range(5).repeat().take(3).cardinality()) == 3
