"""String tensors, ``tf.strings`` and ragged tensors against TensorFlow 2.21: values,
dtypes, shapes, reprs and error kinds; strings in tf.data pipelines and tf.function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import workbench.static as wtf
from workbench.static.errors import InvalidArgumentError

TEXTS = ["The cat sat.", "  A dog!\tbarks ", "héllo wörld", ""]

# (name, call) — each call gets the tf module and returns a tensor or ragged tensor
CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("lower", lambda tf: tf.strings.lower(TEXTS)),
    ("lower_utf8", lambda tf: tf.strings.lower("ÀBC Ä", encoding="utf-8")),
    ("upper", lambda tf: tf.strings.upper(TEXTS)),
    ("strip", lambda tf: tf.strings.strip(TEXTS)),
    ("length", lambda tf: tf.strings.length(TEXTS)),
    ("length_chars", lambda tf: tf.strings.length(TEXTS, unit="UTF8_CHAR")),
    ("join", lambda tf: tf.strings.join(["a", ["x", "y"], "z"], separator="+")),
    ("reduce_join_all", lambda tf: tf.strings.reduce_join([["a", "b"], ["c", "d"]])),
    (
        "reduce_join_axis",
        lambda tf: tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=0, separator="-"),
    ),
    (
        "reduce_join_keep",
        lambda tf: tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, keepdims=True),
    ),
    ("regex_replace", lambda tf: tf.strings.regex_replace(TEXTS, r"[aeiou]", "_")),
    ("regex_groups", lambda tf: tf.strings.regex_replace("abc abc", "(b)(c)", r"<\2\1\0>")),
    ("regex_first", lambda tf: tf.strings.regex_replace("aaa", "a", "b", replace_global=False)),
    ("full_match", lambda tf: tf.strings.regex_full_match(TEXTS, r".*[.!].*")),
    ("substr", lambda tf: tf.strings.substr(["hello", "world"], 1, 3)),
    ("substr_neg", lambda tf: tf.strings.substr("hello", -3, 2)),
    ("substr_chars", lambda tf: tf.strings.substr("héllo", 1, 2, unit="UTF8_CHAR")),
    ("to_number", lambda tf: tf.strings.to_number(["1.5", "-2", "1e3", " 7 "])),
    ("to_number_int", lambda tf: tf.strings.to_number(["12", "-3"], out_type=tf.int64)),
    ("as_string_float", lambda tf: tf.strings.as_string([3.5, 1e-7, 123456789.0, -0.0])),
    ("as_string_precision", lambda tf: tf.strings.as_string([1.5, 2.25], precision=1)),
    ("as_string_int", lambda tf: tf.strings.as_string(tf.constant([3, -40]))),
    ("as_string_bool", lambda tf: tf.strings.as_string([True, False])),
    ("as_string_sci", lambda tf: tf.strings.as_string([1234.5], scientific=True)),
    ("split_scalar", lambda tf: tf.strings.split("  a  b c ")),
    ("split_sep", lambda tf: tf.strings.split("1<>2<><>3", sep="<>")),
    ("split_batch", lambda tf: tf.strings.split(["a b", "c", ""])),
    ("split_max", lambda tf: tf.strings.split(["a,b,c", "d"], sep=",", maxsplit=1)),
    ("bytes_split", lambda tf: tf.strings.bytes_split("hé")),
    ("unicode_split", lambda tf: tf.strings.unicode_split(["héllo", "wö"], "UTF-8")),
    ("ngrams", lambda tf: tf.strings.ngrams(tf.strings.split(["a b c", "d"]), 2)),
    ("ngrams_widths", lambda tf: tf.strings.ngrams(["a", "b", "c", "d"], (1, 3), separator="_")),
    ("concat_op", lambda tf: tf.constant("a") + tf.constant(["b", "c"])),
    ("add", lambda tf: tf.add(tf.constant(["x"]), "y")),
    ("equal", lambda tf: tf.equal(tf.constant(["a", "b", "a"]), "a")),
    ("eq_operator", lambda tf: tf.constant(["a", "b"]) == tf.constant(["a", "c"])),
    ("not_equal", lambda tf: tf.not_equal(tf.constant(["a", "b"]), "a")),
    ("index", lambda tf: tf.constant([["a", "b"], ["c", "d"]])[1, ::-1]),
    ("matrix", lambda tf: tf.constant([["a"], ["b"]])),
]


def _plain(x: Any) -> Any:
    if hasattr(x, "to_list"):
        return ("ragged", x.to_list())
    return (np.asarray(x.numpy()).tolist(), x.dtype.name, tuple(x.shape))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow(real_tf: Any, case: Any) -> None:
    _, call = case
    assert _plain(call(wtf)) == _plain(call(real_tf))


@pytest.mark.parametrize(
    "value", ["héllo", ["a", "bb"], [["a"], ["b"]], np.array([b"x\x00", b"y"], dtype=object)]
)
def test_reprs_and_numpy(real_tf: Any, value: Any) -> None:
    ours, theirs = wtf.constant(value), real_tf.constant(value)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert ours.dtype == wtf.string and str(ours.dtype) == str(theirs.dtype)
    got, want = ours.numpy(), theirs.numpy()
    assert type(got) is type(want)
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.tolist() == want.tolist()  # bytes kept whole


def test_ragged_tensor(real_tf: Any) -> None:
    ours, theirs = wtf.strings.split(["a b", "c", ""]), real_tf.strings.split(["a b", "c", ""])
    assert repr(ours) == repr(theirs)
    assert ours.shape.as_list() == theirs.shape.as_list()
    assert ours.row_lengths().numpy().tolist() == theirs.row_lengths().numpy().tolist()
    assert ours.row_splits.numpy().tolist() == theirs.row_splits.numpy().tolist()
    assert ours.to_tensor().numpy().tolist() == theirs.to_tensor().numpy().tolist()
    assert ours.to_tensor("?", shape=[None, 1]).numpy().tolist() == (
        theirs.to_tensor("?", shape=[None, 1]).numpy().tolist()
    )
    assert ours[0].numpy().tolist() == theirs[0].numpy().tolist()
    numbers = wtf.ragged.constant([[1, 2], [], [3]])
    want = real_tf.ragged.constant([[1, 2], [], [3]])
    assert numbers.dtype == wtf.int32 and numbers.to_list() == want.to_list()
    assert numbers.to_tensor(-1).numpy().tolist() == want.to_tensor(-1).numpy().tolist()
    doubled = wtf.ragged.map_flat_values(lambda v: v * 2, numbers)
    assert doubled.to_list() == [[2, 4], [], [6]]


def test_errors_as_tensorflow(real_tf: Any) -> None:
    with pytest.raises(real_tf.errors.InvalidArgumentError, match="could not correctly convert"):
        real_tf.strings.to_number("x")
    with pytest.raises(InvalidArgumentError, match="could not correctly convert string: x"):
        wtf.strings.to_number("x")
    with pytest.raises(TypeError):
        wtf.strings.lower(wtf.constant([1.0]))


def test_strings_in_pipelines_and_functions() -> None:
    data = wtf.data.Dataset.from_tensor_slices((["a b", "c\x00"], [1, 2]))
    lengths = [(int(n), int(y)) for n, y in data.map(lambda s, y: (wtf.strings.length(s), y))]
    assert lengths == [(3, 1), (2, 2)]  # a trailing zero byte is kept
    (batch,) = list(wtf.data.Dataset.from_tensor_slices(["x", "yy\x00"]).batch(2))
    assert batch.numpy().tolist() == [b"x", b"yy\x00"]

    @wtf.function
    def shout(s: Any) -> Any:
        return wtf.strings.upper(s) + "!"

    assert shout(wtf.constant(["hi"])).numpy().tolist() == [b"HI!"]  # strings run eagerly


def test_graphs_refuse_strings_clearly() -> None:
    with wtf.Graph().as_default(), pytest.raises(TypeError, match="only eagerly"):
        wtf.constant("text")
