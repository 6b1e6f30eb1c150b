"""What training a small GPT from scratch needs besides the model: a byte-level BPE
tokenizer trained on the corpus with Hugging Face's ``tokenizers`` (GPT-2's kind: any text
encodes, nothing is unknown), the corpus as one array of token ids, and batches of random
windows drawn from a seeded generator — the same batches for every style."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from workbench.transformers.tokenization import PreTrainedTokenizerFast

END_OF_TEXT = "<|endoftext|>"


def train_bpe_tokenizer(
    text: str | Iterable[str], vocab_size: int = 512
) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer: 256 byte symbols, then the most frequent adjacent pairs
    merged until the vocabulary has ``vocab_size`` entries."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: PLC0415

    if vocab_size < 257:
        raise ValueError(f"vocab_size must exceed the 256 byte symbols, got {vocab_size}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[END_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    lines = text.splitlines(keepends=True) if isinstance(text, str) else list(text)
    tokenizer.train_from_iterator(lines, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, model_max_length=10**6, eos_token=END_OF_TEXT
    )


def encode_corpus(tokenizer: PreTrainedTokenizerFast, text: str) -> np.ndarray:
    """The whole text as one int64 array of token ids."""
    return np.asarray(tokenizer.encode(text, add_special_tokens=False), np.int64)


def sample_batches(
    ids: np.ndarray, block_size: int, batch_size: int, steps: int, seed: int = 0
) -> list[np.ndarray]:
    """``steps`` batches of ``batch_size`` windows of ``block_size`` tokens at random
    offsets; a model learns to predict ``window[:, 1:]`` from ``window[:, :-1]`` (the
    shift transformers makes when ``labels=input_ids``)."""
    if len(ids) <= block_size:
        raise ValueError(f"the corpus has {len(ids)} tokens, fewer than a window of {block_size}")
    rng = np.random.default_rng(seed)
    windows = np.lib.stride_tricks.sliding_window_view(ids, block_size)
    return [windows[rng.integers(0, len(windows), batch_size)].copy() for _ in range(steps)]


def decode(
    ids: np.ndarray,
    max_new_tokens: int,
    limit: int,
    forward: Callable[[np.ndarray, Any], tuple[Any, Any]],
    choose: Callable[[Any, int], np.ndarray],
) -> np.ndarray:
    """The generation loop the eager and static GPTs share: ``forward(step_ids, cache)``
    gives the last position's logits and the grown cache (None without one); ``choose``
    picks the next token of each row, (B, 1). A cache holding ``limit`` positions is
    dropped and the last ``limit`` tokens recomputed, as generation without it does."""
    cache, step = None, ids
    for i in range(max_new_tokens):
        if cache is not None and cache[0][0].shape[2] >= limit:
            cache = None
        if cache is None:
            step = ids[:, -limit:]
        logits, cache = forward(step, cache)
        step = np.asarray(choose(logits, i)).astype(ids.dtype).reshape(-1, 1)
        ids = np.concatenate([ids, step], axis=1)
    return ids


def describe(config: Any) -> str:
    """One line of the sizes, for a lesson's printout."""
    return (
        f"GPT: {config.n_layer} layers, {config.n_head} heads, width {config.n_embd}, "
        f"context {config.n_positions}, vocabulary {config.vocab_size}"
    )
