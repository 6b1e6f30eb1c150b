"""``encode``: sentence embeddings of 256 short sentences with the pretrained MiniLM
(all-MiniLM-L6-v2, 6 layers, width 384) on the CPU — the forward pass users run most.

The sentences (the sentiment set's: 7–14 tokens each, 10.2 on average) are tokenized
once, sorted by length and cut into batches of 32, each padded to its own longest (as
sentence-transformers does); a step encodes every batch, mean-pools over the mask and
normalises. The reference is real transformers + PyTorch on the same checkpoint; the
workbench runs eager (``BertModel``), static (``TFBertModel`` called eagerly, and inside
``tf.function``) and functional (``FlaxBertModel``, jitted once per batch shape).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.bench.styles import host_only, need
from workbench.bench.suite import Case, Runner, Unavailable, Workload

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _model_dir() -> str:
    from workbench.transformers import hub  # noqa: PLC0415

    try:
        return hub.resolve(MODEL)
    except OSError as err:
        raise Unavailable(str(err)) from err


def batches(sizes: dict[str, int]) -> list[dict[str, np.ndarray]]:
    """The tokenized batches every implementation encodes (int64 NumPy arrays)."""
    from workbench.transformers import AutoTokenizer  # noqa: PLC0415
    from workbench.transformers.datasets import load_sentiment  # noqa: PLC0415

    texts = [r["text"] for r in load_sentiment("train") + load_sentiment("test")]
    texts = texts[: sizes["sentences"]]
    texts.sort(key=len, reverse=True)
    tokenizer = AutoTokenizer.from_pretrained(_model_dir())
    size = sizes["batch"]
    return [
        dict(tokenizer(texts[s : s + size], padding=True, return_tensors="np"))
        for s in range(0, len(texts), size)
    ]


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    w = mask[..., None].astype(np.float32)
    out = (hidden * w).sum(1) / np.maximum(w.sum(1), 1e-9)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _runner(encode: Callable[[dict[str, np.ndarray]], np.ndarray], sizes: dict[str, int]) -> Runner:
    data = batches(sizes)

    def step() -> Any:
        return np.concatenate([_pool(encode(b), b["attention_mask"]) for b in data])

    return Runner(step, lambda out: [out])


def transformers_torch(case: Case, device: str) -> Runner:
    host_only(device, "the transformers reference")
    torch = need("torch")
    transformers = need("transformers")
    model = transformers.AutoModel.from_pretrained(_model_dir()).eval()

    def encode(b: dict[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            out = model(**{k: torch.from_numpy(v) for k, v in b.items()})
        return out.last_hidden_state.numpy()

    return _runner(encode, case.sizes)


def eager(case: Case, device: str) -> Runner:
    host_only(device, "the pretrained encoder")
    from workbench import eager as torch  # noqa: PLC0415
    from workbench.transformers import AutoModel  # noqa: PLC0415

    model = AutoModel.from_pretrained(_model_dir())

    def encode(b: dict[str, np.ndarray]) -> np.ndarray:
        with torch.no_grad():
            out = model(**{k: torch.from_numpy(v) for k, v in b.items()})
        return out.last_hidden_state.numpy()

    return _runner(encode, case.sizes)


def static(compiled: bool) -> Callable[[Case, str], Runner]:
    def build(case: Case, device: str) -> Runner:
        host_only(device, "the pretrained encoder")
        from workbench import static as tf  # noqa: PLC0415
        from workbench.transformers import TFAutoModel  # noqa: PLC0415

        model = TFAutoModel.from_pretrained(_model_dir())

        def call(ids: Any, mask: Any, types: Any) -> Any:
            return model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

        run = tf.function(call) if compiled else call

        def encode(b: dict[str, np.ndarray]) -> np.ndarray:
            return run(b["input_ids"], b["attention_mask"], b["token_type_ids"]).numpy()

        return _runner(encode, case.sizes)

    return build


def functional_jit(case: Case, device: str) -> Runner:
    host_only(device, "the pretrained encoder")
    from workbench.transformers import FlaxAutoModel  # noqa: PLC0415

    model = FlaxAutoModel.from_pretrained(_model_dir())

    def encode(b: dict[str, np.ndarray]) -> np.ndarray:
        out = model(b["input_ids"], b["attention_mask"], b["token_type_ids"])
        return np.asarray(out.last_hidden_state)

    return _runner(encode, case.sizes)


def _cases(quick: bool, tiny: bool) -> list[Case]:
    if tiny:
        return [Case("encode", "", {"sentences": 8, "batch": 4})]
    return [Case("encode", "", {"sentences": 256, "batch": 32})]


ENCODE = Workload(
    "encode",
    "sentence embeddings of 256 short sentences with pretrained MiniLM (CPU)",
    _cases,
    {
        "transformers-torch": transformers_torch,
        "eager": eager,
        "static": static(False),
        "static-function": static(True),
        "functional-jit": functional_jit,
    },
    reference="transformers-torch",
)
