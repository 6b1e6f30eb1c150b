"""The small text data kept in the repository: labelled sentences for fine-tuning and a
corpus for training a GPT, both written for the workbench and dedicated to the public
domain (CC0 1.0); see the headers of ``workbench/data/sentiment.tsv`` and
``workbench/data/corpus.txt``."""

from __future__ import annotations

import os
from typing import Any

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")


def load_sentiment(split: str = "train") -> list[dict[str, Any]]:
    """Rows ``{"text": str, "label": 0 | 1}`` (1 positive) of the ``train`` split (200) or
    the ``test`` split (100, in words the train split never uses)."""
    if split not in ("train", "test"):
        raise ValueError(f"split should be 'train' or 'test', not {split!r}")
    rows = []
    with open(os.path.join(DATA, "sentiment.tsv"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
    for line in lines[1:]:
        part, label, text = line.split("\t")
        if part == split:
            rows.append({"text": text, "label": int(label)})
    return rows


def load_corpus() -> str:
    """The GPT lessons' training text (plain English prose)."""
    with open(os.path.join(DATA, "corpus.txt"), encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return "".join(lines).strip() + "\n"
