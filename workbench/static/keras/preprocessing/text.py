"""Keras 2's ``Tokenizer``: words to indices by frequency (index 0 reserved, the OOV token
first when given), texts to index sequences and to bag-of-words matrices.
Mirrors: keras.preprocessing.text (tf.keras's legacy module)."""

from __future__ import annotations

import json
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text: str, filters: str = FILTERS, lower: bool = True,
                          split: str = " ") -> list[str]:  # fmt: skip
    """Lowercase, turn every filter character into ``split``, split, drop empties.
    Mirrors: keras.preprocessing.text.text_to_word_sequence."""
    if lower:
        input_text = input_text.lower()
    table: dict[str, str | int | None] = {c: split for c in filters}
    input_text = input_text.translate(str.maketrans(table))
    return [w for w in input_text.split(split) if w]


class Tokenizer:
    """A vocabulary learned from texts, most frequent words first (ties in order of first
    appearance). Mirrors: keras.preprocessing.text.Tokenizer."""

    def __init__(self, num_words: int | None = None, filters: str = FILTERS, lower: bool = True,
                 split: str = " ", char_level: bool = False, oov_token: str | None = None,
                 analyzer: Any = None, **kwargs: Any) -> None:  # fmt: skip
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.word_counts: OrderedDict[str, int] = OrderedDict()
        self.word_docs: defaultdict[str, int] = defaultdict(int)
        self.document_count = 0
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.index_docs: defaultdict[int, int] = defaultdict(int)

    def _words(self, text: Any) -> list[str]:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if self.analyzer is not None:
            return list(self.analyzer(text))
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[Any]) -> None:
        for text in texts:
            self.document_count += 1
            words = self._words(text)
            for w in words:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(words):
                self.word_docs[w] += 1
        ordered = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)  # stable
        vocab = ([self.oov_token] if self.oov_token is not None else []) + [w for w, _ in ordered]
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        self.index_docs = defaultdict(int)
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences: Iterable[Iterable[int]]) -> None:
        self.document_count += len(list(sequences))  # type: ignore[arg-type]
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences_generator(self, texts: Iterable[Any]) -> Iterator[list[int]]:
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            seq = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is not None and not (self.num_words and i >= self.num_words):
                    seq.append(i)
                elif oov is not None:
                    seq.append(oov)
            yield seq

    def texts_to_sequences(self, texts: Iterable[Any]) -> list[list[int]]:
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts(self, sequences: Iterable[Iterable[int]]) -> list[str]:
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        out = []
        for seq in sequences:
            words = []
            for i in seq:
                word = self.index_word.get(i)
                if word is not None and not (self.num_words and i >= self.num_words):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            out.append(" ".join(words))
        return out

    def texts_to_matrix(self, texts: Iterable[Any], mode: str = "binary") -> np.ndarray:
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode)

    def sequences_to_matrix(self, sequences: list[list[int]], mode: str = "binary") -> Any:
        """Rows of "binary", "count", "freq" or "tfidf" weights per word index."""
        width = self.num_words or len(self.word_index) + 1
        if not self.num_words and not self.word_index:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")  # fmt: skip
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        if mode not in ("binary", "count", "freq", "tfidf"):
            raise ValueError("Unknown vectorization mode:", mode)
        x = np.zeros((len(sequences), width))
        for r, seq in enumerate(sequences):
            if not seq:
                continue
            for j, c in Counter(i for i in seq if i < width).items():
                if mode == "count":
                    x[r, j] = c
                elif mode == "freq":
                    x[r, j] = c / len(seq)
                elif mode == "binary":
                    x[r, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[r, j] = (1 + np.log(c)) * idf
        return x

    def get_config(self) -> dict[str, Any]:
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts), "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs), "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }  # fmt: skip

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps({"class_name": self.__class__.__name__, "config": self.get_config()},
                          **kwargs)  # fmt: skip


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """Mirrors: keras.preprocessing.text.tokenizer_from_json."""
    config = dict(json.loads(json_string)["config"])
    state = {k: json.loads(config.pop(k)) for k in
             ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}  # fmt: skip
    document_count = config.pop("document_count")
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(state["word_counts"])
    tokenizer.word_docs = defaultdict(int, state["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in state["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in state["index_word"].items()}
    tokenizer.word_index = state["word_index"]
    tokenizer.document_count = document_count
    return tokenizer
