"""Tokens per second of the small GPT (lesson 16's sizes): training with AdamW, and greedy
generation with and without the key/value cache, in each style and in real PyTorch +
transformers (``GPT2LMHeadModel`` with the same sizes) — each in a fresh process of its
own. ``python -m workbench.bench.gpt`` prints the table; ``--style NAME`` runs one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

SIZES = {"n_positions": 64, "n_embd": 64, "n_layer": 2, "n_head": 4}
VOCAB, BATCH, BLOCK, WARMUP, STEPS, NEW_TOKENS, LR = 384, 16, 64, 5, 40, 48, 3e-3
STYLES = ("eager", "static", "functional", "torch")


def _data() -> tuple[np.ndarray, list[np.ndarray], dict[str, Any]]:
    from workbench.transformers.datasets import load_corpus  # noqa: PLC0415
    from workbench.transformers.gpt_training import (  # noqa: PLC0415
        encode_corpus,
        sample_batches,
        train_bpe_tokenizer,
    )

    text = load_corpus()
    tokenizer = train_bpe_tokenizer(text, VOCAB)
    ids = encode_corpus(tokenizer, text)
    batches = sample_batches(ids, BLOCK, BATCH, WARMUP + STEPS, seed=0)
    sizes = {
        **SIZES,
        "vocab_size": len(tokenizer),
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
    }
    return ids[None, :8], batches, sizes


def _timed(fn: Any, batches: list[np.ndarray]) -> float:
    """Training tokens per second over the timed steps (after the warm-up ones)."""
    for b in batches[:WARMUP]:
        fn(b)
    start = time.perf_counter()
    for b in batches[WARMUP:]:
        fn(b)
    return STEPS * BATCH * (BLOCK - 1) / (time.perf_counter() - start)


def _generation(generate: Any, prompt: np.ndarray) -> dict[str, float]:
    out = {}
    for cache in (False, True):
        generate(prompt, 4, cache)  # warm up (and compile)
        start = time.perf_counter()
        generate(prompt, NEW_TOKENS, cache)
        out["generate_cached" if cache else "generate_uncached"] = NEW_TOKENS / (
            time.perf_counter() - start
        )
    return out


def run_style(style: str) -> dict[str, float]:
    prompt, batches, sizes = _data()
    if style == "torch":
        import torch  # noqa: PLC0415
        import transformers  # noqa: PLC0415

        torch.manual_seed(0)
        model = transformers.GPT2LMHeadModel(transformers.GPT2Config(**sizes))
        opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)

        def step(b: np.ndarray) -> None:
            ids = torch.from_numpy(b)
            loss = model(ids, labels=ids).loss
            opt.zero_grad()
            loss.backward()
            opt.step()

        def generate(p: np.ndarray, n: int, cache: bool) -> Any:
            return model.generate(
                torch.from_numpy(p),
                max_new_tokens=n,
                do_sample=False,
                use_cache=cache,
                pad_token_id=0,
            )

        train = _timed(step, batches)
        model.eval()
        return {"train": train, **_generation(generate, prompt)}

    from workbench import eager  # noqa: PLC0415
    from workbench.transformers import GPT2Config  # noqa: PLC0415
    from workbench.transformers.modeling_gpt2 import GPT2LMHeadModel  # noqa: PLC0415

    config = GPT2Config(**sizes)
    eager.manual_seed(0)
    if style == "eager":
        ours = GPT2LMHeadModel(config)
        adamw = eager.optim.AdamW(ours.parameters(), lr=LR, weight_decay=0.0)

        def eager_step(b: np.ndarray) -> None:
            ids = eager.from_numpy(b)
            loss = ours(ids, labels=ids).loss
            adamw.zero_grad()
            loss.backward()
            adamw.step()

        train = _timed(eager_step, batches)
        return {
            "train": train,
            **_generation(lambda p, n, c: ours.generate(p, n, use_cache=c), prompt),
        }
    start = {k: v.numpy() for k, v in GPT2LMHeadModel(config).state_dict().items()}
    if style == "static":
        from workbench.static import keras  # noqa: PLC0415
        from workbench.transformers.modeling_tf_gpt2 import TFGPT2LMHeadModel  # noqa: PLC0415

        tf_model = TFGPT2LMHeadModel(config)
        tf_model.build_with_dummies()
        for key, variable, _ in tf_model.torch_weights():
            variable.assign(start[key])
        tf_model.compile(
            optimizer=keras.optimizers.AdamW(LR, weight_decay=0.0, epsilon=1e-8),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        train = _timed(lambda b: tf_model.train_on_batch(b[:, :-1], b[:, 1:]), batches)
        return {
            "train": train,
            **_generation(lambda p, n, c: tf_model.generate(p, n, use_cache=c), prompt),
        }
    if style == "functional":
        from workbench import functional as jax  # noqa: PLC0415
        from workbench.functional import optim as optax  # noqa: PLC0415
        from workbench.transformers.modeling_flax_bert import to_pytree  # noqa: PLC0415
        from workbench.transformers.modeling_flax_gpt2 import FlaxGPT2LMHeadModel, lm_loss  # noqa: PLC0415

        flax = FlaxGPT2LMHeadModel(config, params=to_pytree(start))
        opt_fn = optax.adamw(LR, weight_decay=0.0)
        state = {"params": flax.params, "opt": opt_fn.init(flax.params)}

        @jax.jit
        def update(p: Any, s: Any, b: Any) -> Any:
            loss, grads = jax.value_and_grad(lambda q: lm_loss(q, b, config=config))(p)
            updates, s = opt_fn.update(grads, s, p)
            return optax.apply_updates(p, updates), s, loss

        def step(b: np.ndarray) -> None:
            state["params"], state["opt"], loss = update(state["params"], state["opt"], b)
            float(loss)  # wait for the result, as block_until_ready would

        train = _timed(step, batches)
        return {
            "train": train,
            **_generation(lambda p, n, c: np.asarray(flax.generate(p, n, use_cache=c)), prompt),
        }
    raise ValueError(f"unknown style {style!r} (choose from {', '.join(STYLES)})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--style", choices=STYLES)
    args = parser.parse_args(argv)
    if args.style:
        print(json.dumps(run_style(args.style)))
        return
    print(
        f"GPT {SIZES['n_layer']} layers, width {SIZES['n_embd']}, vocabulary {VOCAB}; training "
        f"batches {BATCH}x{BLOCK} tokens; generation {NEW_TOKENS} tokens, batch 1 (tokens/s)"
    )
    print(f"{'style':<12}{'train':>10}{'generate, no cache':>20}{'generate, cache':>17}")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]),
    }
    for style in STYLES:
        done = subprocess.run(
            [sys.executable, "-m", "workbench.bench.gpt", "--style", style],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            print(f"{style:<12}failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(lines[-1])
        print(
            f"{style:<12}{r['train']:>10,.0f}{r['generate_uncached']:>20,.0f}{r['generate_cached']:>17,.0f}"
        )


if __name__ == "__main__":
    main()
