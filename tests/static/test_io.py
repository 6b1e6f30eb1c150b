"""``tf.io``, ``tf.train.Example``, TFRecord files, CSV, file data sets and ``tf.sparse``
against TensorFlow 2.21: decoded pixels equal, files written by each read by the other,
parsed features equal, error kinds as TensorFlow's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static.errors import DataLossError, InvalidArgumentError

PIL = pytest.importorskip("PIL.Image")
RNG = np.random.default_rng(0)
PIXELS = (RNG.random((37, 53, 3)) * 255).astype(np.uint8)


def _encoded(fmt: str, pixels: np.ndarray = PIXELS, **options: Any) -> bytes:
    out = io.BytesIO()
    PIL.fromarray(pixels).save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("subsampling", [0, 1, 2])
@pytest.mark.parametrize("options", [{}, {"channels": 1}, {"dct_method": "INTEGER_ACCURATE"},
                                     {"fancy_upscaling": False}])  # fmt: skip
def test_jpeg_pixels_equal_tensorflow(real_tf: Any, subsampling: int, options: Any) -> None:
    data = _encoded("JPEG", quality=90, subsampling=subsampling)
    ours = wtf.io.decode_jpeg(data, **options).numpy()
    theirs = real_tf.io.decode_jpeg(data, **options).numpy()
    assert ours.dtype == np.uint8 and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("channels", [0, 1, 3, 4])
def test_png_gif_bmp_as_tensorflow(real_tf: Any, channels: int) -> None:
    png = _encoded("PNG")
    np.testing.assert_array_equal(
        wtf.io.decode_png(png, channels=channels).numpy(),
        real_tf.io.decode_png(png, channels=channels).numpy(),
    )
    for data in (_encoded("GIF"), _encoded("BMP"), _encoded("JPEG"), png):
        np.testing.assert_array_equal(
            wtf.io.decode_image(data, expand_animations=False).numpy(),
            real_tf.io.decode_image(data, expand_animations=False).numpy(),
        )
    floats = wtf.image.decode_image(png, dtype=wtf.float32).numpy()
    np.testing.assert_allclose(floats, real_tf.image.decode_image(png, dtype="float32").numpy())


def test_encoders_round_trip(real_tf: Any, tmp_path: Path) -> None:
    png = wtf.io.encode_png(PIXELS)
    np.testing.assert_array_equal(real_tf.io.decode_png(png.numpy()).numpy(), PIXELS)
    jpeg = wtf.io.encode_jpeg(PIXELS, quality=95).numpy()
    error = np.abs(real_tf.io.decode_jpeg(jpeg).numpy().astype(int) - PIXELS).mean()
    theirs = real_tf.io.encode_jpeg(PIXELS, quality=95).numpy()
    reference = np.abs(real_tf.io.decode_jpeg(theirs).numpy().astype(int) - PIXELS).mean()
    assert abs(error - reference) < 0.5  # same codec, same quality: the same loss
    path = tmp_path / "a.png"
    wtf.io.write_file(str(path), png)
    assert wtf.io.read_file(str(path)).numpy() == png.numpy()
    with pytest.raises(wtf.errors.NotFoundError):
        wtf.io.read_file(str(tmp_path / "missing"))


def test_decode_raw_and_csv(real_tf: Any) -> None:
    raw = [b"\x01\x00\x02\x01", b"\xff\xff\x00\x80"]
    for order in (True, False):
        np.testing.assert_array_equal(
            wtf.io.decode_raw(raw, wtf.int16, little_endian=order).numpy(),
            real_tf.io.decode_raw(raw, real_tf.int16, little_endian=order).numpy(),
        )
    lines = ["1,2.5,a", '3,,"b,c"', "5,-1e3,"]
    for defaults in ([[0], [0.0], [""]], [[0], [7.0], ["?"]]):
        ours = wtf.io.decode_csv(lines, defaults)
        theirs = real_tf.io.decode_csv(lines, defaults)
        for a, b in zip(ours, theirs):
            assert a.dtype.name == b.dtype.name
            assert np.asarray(a.numpy()).tolist() == b.numpy().tolist()
    picked = wtf.io.decode_csv(lines, [[""], [0]], select_cols=[2, 0])
    assert [p.numpy().tolist() for p in picked] == [[b"a", b"b,c", b""], [1, 3, 5]]
    with pytest.raises(InvalidArgumentError, match="Field 0 is required"):
        wtf.io.decode_csv([",1"], [wtf.int32, [0]])
    with pytest.raises(InvalidArgumentError, match="Expect 2 fields but have 3"):
        wtf.io.decode_csv(["1,2,3"], [[0], [0]])


def _example(tf: Any, i: int) -> Any:
    train = tf.train
    return train.Example(features=train.Features(feature={
        "x": train.Feature(float_list=train.FloatList(value=[i * 0.5, -1.25])),
        "y": train.Feature(int64_list=train.Int64List(value=[i, -i * 1000, 2**40])),
        "s": train.Feature(bytes_list=train.BytesList(value=[b"ab\x00", b"\xc3\xa9"][: i % 2 + 1])),
    }))  # fmt: skip


def _spec(tf: Any) -> dict[str, Any]:
    return {
        "x": tf.io.FixedLenFeature([2], tf.float32),
        "y": tf.io.FixedLenFeature([3], tf.int64),
        "s": tf.io.VarLenFeature(tf.string),
        "z": tf.io.FixedLenFeature([], tf.int64, default_value=7),
    }


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecords_read_both_ways(real_tf: Any, tmp_path: Path, compression: str) -> None:
    for writer_tf in (wtf, real_tf):
        path = str(tmp_path / f"{writer_tf.__name__}.tfrecord")
        with writer_tf.io.TFRecordWriter(path, writer_tf.io.TFRecordOptions(compression)) as w:
            for i in range(3):
                w.write(_example(writer_tf, i).SerializeToString())
        ours = list(wtf.data.TFRecordDataset(path, compression_type=compression))
        theirs = list(real_tf.data.TFRecordDataset(path, compression_type=compression))
        assert [r.numpy() for r in ours] == [r.numpy() for r in theirs]
        for a, b in zip(ours, theirs):
            got = wtf.io.parse_single_example(a, _spec(wtf))
            want = real_tf.io.parse_single_example(b, _spec(real_tf))
            for key in "xyz":
                assert got[key].numpy().tolist() == want[key].numpy().tolist()
                assert got[key].dtype.name == want[key].dtype.name
            assert got["s"].indices.numpy().tolist() == want["s"].indices.numpy().tolist()
            assert wtf.sparse.to_dense(got["s"]).numpy().tolist() == (
                real_tf.sparse.to_dense(want["s"]).numpy().tolist()
            )
        batch = real_tf.constant([r.numpy() for r in theirs])
        got, want = (
            wtf.io.parse_example(batch.numpy(), _spec(wtf)),
            real_tf.io.parse_example(batch, _spec(real_tf)),
        )
        assert got["s"].dense_shape.numpy().tolist() == want["s"].dense_shape.numpy().tolist()
        assert got["y"].numpy().tolist() == want["y"].numpy().tolist()


def test_examples_as_protocol_buffers(real_tf: Any) -> None:
    ours, theirs = _example(wtf, 1), _example(real_tf, 1)
    assert wtf.train.Example.FromString(theirs.SerializeToString()) == ours
    assert real_tf.train.Example.FromString(ours.SerializeToString()) == theirs
    one = wtf.train.Feature(int64_list=wtf.train.Int64List(value=[1, -2, 300]))
    twin = real_tf.train.Feature(int64_list=real_tf.train.Int64List(value=[1, -2, 300]))
    assert one.SerializeToString() == twin.SerializeToString()
    assert str(one) == str(twin)
    for value in (2.718281828, 0.284324765, 1.5, 0.1, 1e-10, 123456789.0, 3.0, -2.5e7):
        assert str(wtf.train.FloatList(value=[value])) == str(
            real_tf.train.FloatList(value=[value])
        )
    for bad, cls in ((True, "Int64List"), (1.5, "Int64List"), ("text", "BytesList"),
                     ("1", "FloatList")):  # fmt: skip
        with pytest.raises(TypeError):
            getattr(real_tf.train, cls)(value=[bad])
        with pytest.raises(TypeError):
            getattr(wtf.train, cls)(value=[bad])
    assert ours.features.feature["y"].int64_list.value == [1, -1000, 2**40]
    assert ours.features.feature["x"].WhichOneof("kind") == "float_list"


def test_parse_errors_as_tensorflow() -> None:
    record = _example(wtf, 1).SerializeToString()
    with pytest.raises(InvalidArgumentError, match="Data types don't match"):
        wtf.io.parse_single_example(record, {"x": wtf.io.FixedLenFeature([2], wtf.int64)})
    with pytest.raises(InvalidArgumentError, match="is required but could not be found"):
        wtf.io.parse_single_example(record, {"q": wtf.io.FixedLenFeature([], wtf.int64)})
    with pytest.raises(InvalidArgumentError, match="Values size: 2 but output shape: \\[3\\]"):
        wtf.io.parse_single_example(record, {"x": wtf.io.FixedLenFeature([3], wtf.float32)})


def test_corrupted_record_is_data_loss(tmp_path: Path) -> None:
    path = tmp_path / "bad.tfrecord"
    with wtf.io.TFRecordWriter(str(path)) as w:
        w.write(b"hello world")
    data = bytearray(path.read_bytes())
    data[14] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(DataLossError, match="corrupted record"):
        list(wtf.data.TFRecordDataset(str(path)))


def test_text_and_csv_datasets(real_tf: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d.csv").write_text('a,b,c\n1,2.5,x\n3,,"y,z"\r\n4,0.5,w\n')
    Path("e.csv").write_text("a,b,c\n9,9.5,q\n")
    for ours, theirs in [
        (wtf.data.TextLineDataset("d.csv"), real_tf.data.TextLineDataset("d.csv")),
        (wtf.data.experimental.CsvDataset("d.csv", [[0], [0.0], [""]], header=True),
         real_tf.data.experimental.CsvDataset("d.csv", [[0], [0.0], [""]], header=True)),
    ]:  # fmt: skip
        assert _elements(ours) == _elements(theirs)
    listed = wtf.data.Dataset.list_files("*.csv", shuffle=False)
    assert _elements(listed) == _elements(real_tf.data.Dataset.list_files("*.csv", shuffle=False))
    with pytest.raises(InvalidArgumentError, match="No files matched pattern"):
        wtf.data.Dataset.list_files("*.nothing")
    kwargs = {"batch_size": 2, "label_name": "a", "shuffle": False, "num_epochs": 1}
    ours = list(wtf.data.experimental.make_csv_dataset("d.csv", **kwargs))
    theirs = list(real_tf.data.experimental.make_csv_dataset("d.csv", **kwargs))
    assert len(ours) == len(theirs) == 2
    for (fa, la), (fb, lb) in zip(ours, theirs):
        assert list(fa) == list(fb) and la.numpy().tolist() == lb.numpy().tolist()
        for key in fa:
            assert fa[key].dtype.name == fb[key].dtype.name
            assert np.asarray(fa[key].numpy()).tolist() == fb[key].numpy().tolist()


def _elements(dataset: Any) -> list[Any]:
    def plain(x: Any) -> Any:
        return tuple(plain(v) for v in x) if isinstance(x, tuple) else np.asarray(x).tolist()

    return [plain(e) for e in dataset.as_numpy_iterator()]


def test_sparse_tensors(real_tf: Any) -> None:
    index, values, shape = [[0, 1], [2, 0], [2, 2]], [1.5, -2.0, 4.0], [3, 3]
    ours, theirs = (
        wtf.SparseTensor(index, values, shape),
        real_tf.SparseTensor(index, values, shape),
    )
    dense = RNG.standard_normal((3, 2)).astype(np.float32)
    pairs = [
        (wtf.sparse.to_dense(ours), real_tf.sparse.to_dense(theirs)),
        (wtf.sparse.to_dense(ours, default_value=9.0), real_tf.sparse.to_dense(theirs, 9.0)),
        (wtf.sparse.sparse_dense_matmul(ours, dense),
         real_tf.sparse.sparse_dense_matmul(theirs, dense)),
        (wtf.sparse.reduce_sum(ours, axis=1), real_tf.sparse.reduce_sum(theirs, axis=1)),
        (wtf.sparse.to_dense(wtf.sparse.transpose(ours)),
         real_tf.sparse.to_dense(real_tf.sparse.transpose(theirs))),
        (wtf.sparse.to_dense(wtf.sparse.slice(ours, [1, 0], [2, 2])),
         real_tf.sparse.to_dense(real_tf.sparse.slice(theirs, [1, 0], [2, 2]))),
        (wtf.sparse.from_dense(dense * (dense > 0)).indices,
         real_tf.sparse.from_dense(dense * (dense > 0)).indices),
        (wtf.sparse.add(ours, dense @ dense.T), real_tf.sparse.add(theirs, dense @ dense.T)),
    ]  # fmt: skip
    for a, b in pairs:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert repr(ours) == repr(theirs)
    with wtf.GradientTape() as tape:
        v = wtf.Variable(values)
        loss = wtf.reduce_sum(wtf.sparse.to_dense(wtf.SparseTensor(index, v, shape)) ** 2)
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), 2 * np.array(values))
