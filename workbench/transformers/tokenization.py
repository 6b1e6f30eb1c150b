"""Tokenizers: text to the integer ids a model reads, with Hugging Face's own ``tokenizers``
library doing the splitting (it reads ``tokenizer.json``: normaliser, pre-tokeniser,
WordPiece or BPE model, the post-processor that adds ``[CLS]``/``[SEP]``).

This module adds what transformers' tokenizers add around it: padding and truncation per
call, attention masks, and arrays for each style (``return_tensors="pt" | "tf" | "jax" |
"np"``). Mirrors: transformers.PreTrainedTokenizerFast, BatchEncoding, AutoTokenizer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend.files import atomic_write
from workbench.transformers import hub

TOKENIZER_CONFIG = "tokenizer_config.json"


def as_tensors(array: np.ndarray, return_tensors: str | None) -> Any:
    """An integer array in the array type of a style: PyTorch-like tensors ("pt",
    int64), TensorFlow-like ("tf", int32 as transformers' TF tokenizers), JAX-like
    ("jax", int32) or NumPy ("np", int64)."""
    if return_tensors is None:
        return array.tolist()
    if return_tensors == "np":
        return array
    if return_tensors == "pt":
        from workbench import eager  # noqa: PLC0415

        return eager.from_numpy(array.astype(np.int64))
    if return_tensors == "tf":
        from workbench import static  # noqa: PLC0415

        return static.constant(array.astype(np.int32))
    if return_tensors == "jax":
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.asarray(array.astype(np.int32))
    raise ValueError(
        f"return_tensors should be 'pt', 'tf', 'jax', 'np' or None, not {return_tensors!r}"
    )


class BatchEncoding(dict):
    """The tokenizer's output: a dict of ``input_ids``, ``token_type_ids``,
    ``attention_mask`` that also reads as attributes, plus the word pieces."""

    def __init__(self, data: dict[str, Any], encodings: list[Any] | None = None) -> None:
        super().__init__(data)
        self._encodings = encodings or []

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def encodings(self) -> list[Any]:
        return self._encodings

    def tokens(self, batch_index: int = 0) -> list[str]:
        """The word pieces of one sequence, special tokens and padding included."""
        return list(self._encodings[batch_index].tokens)

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """For each token, which word of the input it came from (None for specials)."""
        return list(self._encodings[batch_index].word_ids)


class PreTrainedTokenizerFast:
    """A ``tokenizers.Tokenizer`` with transformers' calling conventions."""

    def __init__(
        self,
        tokenizer_object: Any = None,
        tokenizer_file: str | None = None,
        model_max_length: int = 512,
        **special: Any,
    ) -> None:
        from tokenizers import Tokenizer  # noqa: PLC0415

        if tokenizer_object is None:
            if tokenizer_file is None:
                raise ValueError("pass tokenizer_object= or tokenizer_file=")
            try:
                tokenizer_object = Tokenizer.from_file(os.fspath(tokenizer_file))
            except Exception as err:  # the Rust parser's error, with the file named
                raise ValueError(f"{tokenizer_file} does not parse as a tokenizer: {err}") from None
        self._tokenizer = tokenizer_object
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.model_max_length = int(model_max_length)
        self.special = {k: v for k, v in special.items() if k.endswith("_token") and v}
        self.padding_side = "right"

    # -- vocabulary -------------------------------------------------------------------
    @property
    def backend_tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def get_vocab(self) -> dict[str, int]:
        return self._tokenizer.get_vocab()

    def _special_id(self, kind: str) -> int | None:
        token = self.special.get(f"{kind}_token")
        return None if token is None else self._tokenizer.token_to_id(token)

    def __getattr__(self, name: str) -> Any:
        # pad_token, cls_token, ... and their ids, as transformers exposes them
        if name.endswith("_token_id") and "special" in self.__dict__:
            return self._special_id(name[: -len("_token_id")])
        if name.endswith("_token") and "special" in self.__dict__:
            return self.special.get(name)
        raise AttributeError(name)

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> Any:
        if isinstance(tokens, str):
            return self._tokenizer.token_to_id(tokens)
        return [self._tokenizer.token_to_id(t) for t in tokens]

    def convert_ids_to_tokens(self, ids: Any) -> Any:
        if isinstance(ids, int | np.integer):
            return self._tokenizer.id_to_token(int(ids))
        return [self._tokenizer.id_to_token(int(i)) for i in np.asarray(ids).ravel()]

    def tokenize(self, text: str, add_special_tokens: bool = False) -> list[str]:
        """The word pieces of ``text`` (without ``[CLS]``/``[SEP]`` unless asked)."""
        return list(self._tokenizer.encode(text, add_special_tokens=add_special_tokens).tokens)

    def encode(
        self, text: str, text_pair: str | None = None, add_special_tokens: bool = True
    ) -> list[int]:
        return list(
            self._tokenizer.encode(text, text_pair, add_special_tokens=add_special_tokens).ids
        )

    def decode(self, ids: Any, skip_special_tokens: bool = False) -> str:
        return self._tokenizer.decode(
            [int(i) for i in np.asarray(_host(ids)).ravel()],
            skip_special_tokens=skip_special_tokens,
        )

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False) -> list[str]:
        return [self.decode(s, skip_special_tokens) for s in np.asarray(_host(sequences))]

    # -- encoding ---------------------------------------------------------------------
    def __call__(
        self,
        text: str | Sequence[str],
        text_pair: str | Sequence[str] | None = None,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        return_tensors: str | None = None,
        add_special_tokens: bool = True,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
    ) -> BatchEncoding:
        """Encode one text or a batch. ``padding=True``/"longest" pads to the longest in the
        batch, "max_length" to ``max_length``; ``truncation=True`` cuts to ``max_length``
        (default: the model's maximum). Arrays come back as ``return_tensors`` asks."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("the tokenizer takes a string or a list of strings")
        pairs = None
        if text_pair is not None:
            pairs = [text_pair] if isinstance(text_pair, str) else list(text_pair)
            if len(pairs) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(pairs)} text pairs")
        limit = max_length if max_length is not None else self.model_max_length
        if truncation:
            self._tokenizer.enable_truncation(limit)
        else:
            self._tokenizer.no_truncation()
        if padding is True or padding == "longest":
            self._tokenizer.enable_padding(
                pad_id=self.pad_token_id or 0, pad_token=self.pad_token or "[PAD]"
            )
        elif padding == "max_length":
            self._tokenizer.enable_padding(
                pad_id=self.pad_token_id or 0, pad_token=self.pad_token or "[PAD]", length=limit
            )
        elif padding not in (False, "do_not_pad"):
            raise ValueError(
                f"padding should be True, False, 'longest' or 'max_length', not {padding!r}"
            )
        try:
            inputs: list[Any] = texts if pairs is None else list(zip(texts, pairs))
            encodings = self._tokenizer.encode_batch(inputs, add_special_tokens=add_special_tokens)
        finally:
            self._tokenizer.no_padding()
            self._tokenizer.no_truncation()
        fields = {"input_ids": [e.ids for e in encodings]}
        if return_token_type_ids is not False:
            fields["token_type_ids"] = [e.type_ids for e in encodings]
        if return_attention_mask is not False:
            fields["attention_mask"] = [e.attention_mask for e in encodings]
        if return_tensors is not None:
            lengths = {len(ids) for ids in fields["input_ids"]}
            if len(lengths) > 1:
                raise ValueError(
                    f"sequences have different lengths {sorted(lengths)}: pass padding=True "
                    "to make one array of them"
                )
            data = {
                k: as_tensors(np.asarray(v, dtype=np.int64), return_tensors)
                for k, v in fields.items()
            }
        elif single:
            data = {k: v[0] for k, v in fields.items()}
        else:
            data = fields
        return BatchEncoding(data, encodings)

    # -- files ------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, name_or_path: Any, **kwargs: Any) -> PreTrainedTokenizerFast:
        directory = hub.resolve(name_or_path)
        path = os.path.join(directory, hub.TOKENIZER_NAME)
        if not os.path.isfile(path):
            raise OSError(
                f"{directory} has no {hub.TOKENIZER_NAME}: the workbench reads Hugging Face "
                "tokenizers from that one file"
            )
        settings: dict[str, Any] = {}
        if os.path.isfile(os.path.join(directory, TOKENIZER_CONFIG)):
            settings = hub.read_json(directory, TOKENIZER_CONFIG)
        settings.update(kwargs)
        keep = {k: v for k, v in settings.items() if k.endswith("_token") and isinstance(v, str)}
        return cls(
            tokenizer_file=path,
            model_max_length=min(int(settings.get("model_max_length", 512)), 10**6),
            **keep,
        )

    def save_pretrained(self, save_directory: Any) -> tuple[str, ...]:
        directory = os.fspath(save_directory)
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, hub.TOKENIZER_NAME)
        with atomic_write(target, "w") as f:
            f.write(self._tokenizer.to_str())
        config = {"model_max_length": self.model_max_length, **self.special}
        config["tokenizer_class"] = "PreTrainedTokenizerFast"
        hub.write_json(os.path.join(directory, TOKENIZER_CONFIG), config)
        return (target,)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vocab_size={self.vocab_size}, "
            f"model_max_length={self.model_max_length}, special_tokens={self.special})"
        )


def _host(values: Any) -> Any:
    """Ids from any style's array (or a list) as NumPy."""
    if hasattr(values, "numpy"):
        return values.numpy()
    return np.asarray(values)


BertTokenizerFast = PreTrainedTokenizerFast


class AutoTokenizer:
    """The tokenizer a model directory holds (its ``tokenizer.json``)."""

    @staticmethod
    def from_pretrained(name_or_path: Any, **kwargs: Any) -> PreTrainedTokenizerFast:
        return PreTrainedTokenizerFast.from_pretrained(name_or_path, **kwargs)
