"""Text in Keras: ``StringLookup`` (tokens to indices in a vocabulary), ``TextVectorization``
(standardise, split, n-grams, look up: sentences to token ids or bag-of-words vectors),
and ``text_dataset_from_directory``. Strings stay on the host
(workbench.static.strings); what these layers return is an ordinary tensor.
Mirrors: keras.layers.StringLookup, keras.layers.TextVectorization,
keras.utils.text_dataset_from_directory.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from workbench.static import strings
from workbench.static.data import Dataset
from workbench.static.errors import InvalidArgumentError
from workbench.static.execution import convert_to_tensor
from workbench.static.keras.engine import Layer
from workbench.static.ragged import RaggedTensor
from workbench.static.string_data import host_strings
from workbench.static.strings import StringTensor

PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'  # what Keras strips
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _rows_of(data: Any) -> Iterable[Any]:
    """Batches of text from an array, a tensor, a list or a data set (of x or (x, y))."""
    if isinstance(data, Dataset):
        for element in data:
            yield element[0] if isinstance(element, tuple) else element
    else:
        yield data


def _token_rows(x: Any) -> list[list[bytes]]:
    """Each example's tokens: rows of a ragged tensor, or each element of a dense one."""
    if isinstance(x, RaggedTensor):
        return [[bytes(t) for t in row] for row in x.to_list()]
    data = host_strings(x)
    if data.ndim == 0:
        return [[bytes(data[()])]]
    return [[bytes(t) for t in np.asarray(row).reshape(-1)] for row in data]


class StringLookup(Layer):
    """Map string tokens to indices in a vocabulary (given, or learned by ``adapt``: the most
    frequent first, ties in reverse byte order, as Keras sorts them); out-of-vocabulary tokens
    map to the OOV index. ``output_mode`` "int" keeps the input's shape; "one_hot",
    "multi_hot", "count" and "tf_idf" give vectors over the vocabulary.
    Mirrors: keras.layers.StringLookup."""

    keeps_integers = True

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: Any = None,
        oov_token: str = "[UNK]",
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        output_mode = "tf_idf" if output_mode == "tf-idf" else output_mode
        if output_mode not in _MODES:
            raise ValueError(
                f"Invalid value for argument `output_mode`. Expected one of {list(_MODES)}. "
                f"Received: output_mode={output_mode}"
            )
        if num_oov_indices > 1:
            raise NotImplementedError(
                "StringLookup(num_oov_indices > 1) hashes tokens with FarmHash, which the "
                "workbench does not have"
            )
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true.")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = invert, output_mode
        self.pad_to_max_tokens, self.encoding = pad_to_max_tokens, encoding
        self._tokens: list[bytes] = []
        self.idf_weights: np.ndarray | None = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- the vocabulary -------------------------------------------------------------------
    def _start(self) -> int:
        """Where learned tokens begin: after the mask (only in "int" mode) and the OOV."""
        mask = self.mask_token is not None and self.output_mode == "int"
        return int(mask) + self.num_oov_indices

    def _specials(self) -> list[bytes]:
        mask = self.mask_token is not None and self.output_mode == "int"
        head = [self._encode(self.mask_token)] if mask else []
        return head + [self._encode(self.oov_token)] * self.num_oov_indices

    def _encode(self, token: Any) -> bytes:
        return token if isinstance(token, bytes) else str(token).encode(self.encoding)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        tokens = (self._specials() if include_special_tokens else []) + self._tokens
        return [t.decode(self.encoding, errors="replace") for t in tokens]

    def vocabulary_size(self) -> int:
        return len(self._specials()) + len(self._tokens)

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        if isinstance(vocabulary, str) and os.path.exists(vocabulary):
            with open(vocabulary, encoding=self.encoding) as f:
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [self._encode(t) for t in host_strings(vocabulary).reshape(-1)]
        specials = self._specials()
        if tokens[: len(specials)] == specials:
            tokens = tokens[len(specials) :]
        repeated = [t for t, n in Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                f"The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are {[t.decode() for t in repeated]}"
            )
        self._tokens = tokens
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
            weights = np.asarray(idf_weights, np.float32).reshape(-1)
            pad = self.vocabulary_size() - len(weights)
            self.idf_weights = np.concatenate([np.full(pad, weights.mean(), np.float32), weights])

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary (and, for "tf_idf", document frequencies) from ``data``."""
        self._learn([row for batch in _rows_of(data) for row in _token_rows(batch)])

    def _learn(self, rows: list[list[bytes]]) -> None:
        counts: Counter[bytes] = Counter()
        documents: Counter[bytes] = Counter()
        for row in rows:
            counts.update(row)
            documents.update(set(row))
        for special in {self._encode(self.oov_token)} | (
            {self._encode(self.mask_token)} if self.mask_token is not None else set()
        ):
            counts.pop(special, None)
        # most frequent first; ties in reverse byte order (Keras: lexsort, then reversed)
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            ordered = ordered[: max(self.max_tokens - self._start(), 0)]
        self._tokens = ordered
        if self.output_mode == "tf_idf":
            idf = np.log(1 + len(rows) / (1 + np.array([documents[t] for t in ordered])))
            idf = idf.astype(np.float32)
            mean = idf.mean() if len(idf) else np.float32(0)
            self.idf_weights = np.concatenate([np.full(self._start(), mean, np.float32), idf])

    # -- looking up -----------------------------------------------------------------------
    def _indices(self, tokens: np.ndarray) -> np.ndarray:
        table = {t: i + self._start() for i, t in enumerate(self._tokens)}
        mask = self._encode(self.mask_token) if self.mask_token is not None else None
        oov = self._start() - self.num_oov_indices

        def index(token: bytes) -> int:
            if mask is not None and token == mask:
                return 0
            found = table.get(token)
            if found is None:
                if not self.num_oov_indices:
                    raise InvalidArgumentError(
                        None,
                        None,
                        f"When `num_oov_indices=0` all inputs should be in "
                        f"vocabulary, found OOV values {token!r}",
                    )
                return oov
            return found

        return np.asarray([index(bytes(t)) for t in tokens.reshape(-1)], np.int64).reshape(
            tokens.shape
        )

    def _inverted(self, ids: np.ndarray) -> StringTensor:
        vocab = self._specials() + self._tokens
        oov = self._encode(self.oov_token)
        out = np.empty(ids.shape, dtype=object)
        for pos, i in np.ndenumerate(ids):
            out[pos] = vocab[i] if 0 <= i < len(vocab) else oov
        if self.mask_token is not None and self.output_mode == "int":
            out[ids == 0] = self._encode(self.mask_token)
        return StringTensor(out)

    def call(self, inputs: Any) -> Any:
        if self.invert:
            return self._inverted(np.asarray(convert_to_tensor(inputs).numpy(), np.int64))
        if isinstance(inputs, RaggedTensor):
            ids = RaggedTensor.from_row_splits(
                self._indices(host_strings(inputs.flat_values)), inputs.row_splits
            )
            return ids if self.output_mode == "int" else self._encoded(ids.to_list())
        tokens = host_strings(inputs)
        ids_dense = self._indices(tokens)
        if self.output_mode == "int":
            return convert_to_tensor(ids_dense)
        rows = [[int(i)] for i in ids_dense] if ids_dense.ndim == 1 else ids_dense.tolist()
        if ids_dense.ndim == 0:
            rows = [[int(ids_dense)]]
        out = self._encoded(rows)
        return out[0] if ids_dense.ndim == 0 else out

    def _encoded(self, rows: list[list[int]]) -> Any:
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else None
        depth = depth or self.vocabulary_size()
        out = np.zeros((len(rows), depth), np.float32)
        for r, row in enumerate(rows):
            for i in row:
                if self.output_mode == "multi_hot" or self.output_mode == "one_hot":
                    out[r, i] = 1.0
                else:
                    out[r, i] += 1.0
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            weights = np.zeros(depth, np.float32)
            weights[: len(self.idf_weights)] = self.idf_weights
            out *= weights
        # Keras gives counts as int64, TF-IDF weights as float32
        return convert_to_tensor(out if self.output_mode == "tf_idf" else out.astype(np.int64))

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return input_shape
        return (input_shape[0], self.max_tokens if self.pad_to_max_tokens else None)


class TextVectorization(Layer):
    """Sentences to token ids (``output_mode="int"``, padded with 0 to the longest, or to
    ``output_sequence_length``) or to bag-of-words vectors: lowercase and strip punctuation,
    split on whitespace, optional n-grams, then a vocabulary lookup (index 0 is padding,
    1 the OOV token "[UNK]"). Mirrors: keras.layers.TextVectorization."""

    keeps_integers = True

    def __init__(
        self,
        max_tokens: int | None = None,
        standardize: Any = "lower_and_strip_punctuation",
        split: Any = "whitespace",
        ngrams: Any = None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary: Any = None,
        idf_weights: Any = None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if standardize not in (
            None,
            "lower",
            "strip_punctuation",
            "lower_and_strip_punctuation",
        ) and not callable(standardize):
            raise ValueError(f"Invalid value for argument `standardize`: {standardize!r}")
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ValueError(f"Invalid value for argument `split`: {split!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}."
            )
        if ngrams is not None and not isinstance(ngrams, int | tuple):
            raise ValueError(
                f"`ngrams` must be None, an integer, or a tuple of integers. "
                f"Received: ngrams={ngrams}"
            )
        self._standardize, self._split = standardize, split
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.ragged = ragged
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            encoding=encoding,
        )

    # -- vocabulary -------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary from texts (an array, a list, or a data set of them)."""
        rows: list[list[bytes]] = []
        for batch in _rows_of(data):
            rows += _token_rows(self._preprocess(batch))
        self._lookup_layer._learn(rows)

    # -- the pipeline ----------------------------------------------------------------------
    def _preprocess(self, inputs: Any) -> Any:
        x: Any = inputs if isinstance(inputs, StringTensor) else StringTensor(host_strings(inputs))
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            x = strings.lower(x)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = strings.regex_replace(x, PUNCTUATION, "")
        if callable(self._standardize):
            x = self._standardize(x)
        if self._split is not None:
            if x.shape.rank and x.shape.rank > 1:
                if x.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, the input rank "
                        "must be 1 or the last shape dimension must be 1. Received: "
                        f"inputs.shape={x.shape} with rank={x.shape.rank}"
                    )
                x = StringTensor(host_strings(x)[..., 0])
            if self._split == "whitespace":
                x = strings.split(x)
            elif self._split == "character":
                x = strings.unicode_split(x, "UTF-8")
            else:
                x = self._split(x)
        if self._ngrams is not None:
            x = strings.ngrams(x, self._ngrams, separator=" ")
        return x

    def call(self, inputs: Any) -> Any:
        tokens = self._preprocess(inputs)
        ids = self._lookup_layer(tokens)
        if self.output_mode != "int" or not isinstance(ids, RaggedTensor):
            return ids
        if self.ragged:
            return ids
        length = self.output_sequence_length
        return ids.to_tensor(0, shape=None if length is None else [None, length])

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        depth = self._lookup_layer.max_tokens if self._lookup_layer.pad_to_max_tokens else None
        return (input_shape[0], depth)


def text_dataset_from_directory(
    directory: Any,
    labels: Any = "inferred",
    label_mode: Any = "int",
    class_names: Any = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> Any:
    """A data set of (texts, labels) batches from ``directory/<class>/<file>.txt``: texts
    are the files' bytes (cut to ``max_length``), labels as for images. ``class_names`` is
    set on the result. Mirrors: keras.utils.text_dataset_from_directory."""
    from workbench.static.keras import image_utils  # noqa: PLC0415

    if subset == "both":
        seed = np.random.randint(1_000_000) if seed is None else seed
        return [
            text_dataset_from_directory(
                directory,
                labels,
                label_mode,
                class_names,
                batch_size,
                max_length,
                shuffle,
                seed,
                validation_split,
                part,
                follow_links,
                verbose,
            )
            for part in ("training", "validation")
        ]
    paths, found, names = image_utils._files(
        directory,
        labels,
        label_mode,
        class_names,
        (".txt",),
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
    )

    def read(path: str) -> np.ndarray:
        with open(path, "rb") as f:
            text = f.read()
        return host_strings(text[:max_length] if max_length is not None else text)

    return image_utils._dataset(paths, found, names, read, label_mode, labels, batch_size)
