"""The GPT from scratch: equal to transformers' GPT2LMHeadModel on the same weights (and
its checkpoint loads there), the key/value cache changes nothing, the three styles give
the same loss curve from the same weights and batches, the BPE tokenizer round-trips."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import eager
from workbench import functional as jax
from workbench.functional import optim as optax
from workbench.static import keras
from workbench.transformers import (
    AutoModelForCausalLM,
    FlaxAutoModelForCausalLM,
    GPT2Config,
    TFAutoModelForCausalLM,
)
from workbench.transformers.datasets import load_corpus
from workbench.transformers.gpt_training import encode_corpus, sample_batches, train_bpe_tokenizer
from workbench.transformers.modeling_flax_bert import to_pytree
from workbench.transformers.modeling_flax_gpt2 import FlaxGPT2LMHeadModel, lm_loss
from workbench.transformers.modeling_gpt2 import GPT2LMHeadModel
from workbench.transformers.modeling_tf_gpt2 import TFGPT2LMHeadModel

SIZES = {"vocab_size": 97, "n_positions": 24, "n_embd": 32, "n_layer": 2, "n_head": 4}
NO_DROPOUT = {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}


def _np(x):
    x = x.detach() if hasattr(x, "detach") else x
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """One set of weights in the three styles, through one saved checkpoint."""
    eager.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(**SIZES, **NO_DROPOUT)).eval()
    path = tmp_path_factory.mktemp("gpt")
    model.save_pretrained(path)
    return (
        model,
        FlaxAutoModelForCausalLM.from_pretrained(path),
        TFAutoModelForCausalLM.from_pretrained(path),
        path,
    )


def test_equals_transformers_gpt2_on_the_same_checkpoint(three):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    model, _, _, path = three
    theirs = transformers.GPT2LMHeadModel.from_pretrained(path).eval()  # our file, their loader
    ids = np.random.default_rng(1).integers(0, 97, (2, 20))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(ids), labels=torch.from_numpy(ids))
    ours = model(eager.from_numpy(ids), labels=eager.from_numpy(ids))
    np.testing.assert_allclose(_np(ours.logits), expected.logits.numpy(), atol=1e-5)
    assert ours.loss.item() == pytest.approx(expected.loss.item(), rel=1e-6)
    greedy = theirs.generate(
        torch.from_numpy(ids[:, :4]), max_new_tokens=12, do_sample=False, pad_token_id=0
    )
    np.testing.assert_array_equal(
        _np(model.generate(eager.from_numpy(ids[:, :4]), max_new_tokens=12)), greedy.numpy()
    )


def test_three_styles_compute_the_same_logits(three):
    model, flax, tf_model, _ = three
    ids = np.random.default_rng(2).integers(0, 97, (3, 24))
    expected = _np(model(eager.from_numpy(ids)).logits)
    np.testing.assert_allclose(_np(flax(ids).logits), expected, atol=1e-5)
    np.testing.assert_allclose(_np(tf_model(ids)), expected, atol=1e-5)
    assert float(lm_loss(flax.params, ids, config=flax.config)) == pytest.approx(
        model(eager.from_numpy(ids), labels=eager.from_numpy(ids)).loss.item(), rel=1e-5
    )


@pytest.mark.parametrize("style", ["eager", "functional", "static"])
def test_the_cache_changes_nothing(three, style):
    model = dict(zip(("eager", "functional", "static"), three))[style]
    prompt = np.random.default_rng(3).integers(0, 97, (2, 5))
    # 30 new tokens pass the 24-position context: both paths crop alike once it is full
    with_cache = _np(model.generate(prompt, max_new_tokens=30, use_cache=True))
    without = _np(model.generate(prompt, max_new_tokens=30, use_cache=False))
    np.testing.assert_array_equal(with_cache, without)
    np.testing.assert_array_equal(
        with_cache, _np(three[0].generate(eager.from_numpy(prompt), max_new_tokens=30))
    )


def test_the_cached_step_equals_the_full_forward_pass(three):
    model = three[0]
    ids = eager.from_numpy(np.random.default_rng(4).integers(0, 97, (2, 10)))
    full = model(ids).logits
    first = model(ids[:, :6], use_cache=True)
    rest = model(ids[:, 6:], past_key_values=first.past_key_values, use_cache=True)
    np.testing.assert_allclose(_np(rest.logits), _np(full[:, 6:]), atol=1e-5)
    assert rest.past_key_values[0][0].shape == (2, 4, 10, 8)


def test_sampling(three):
    model, flax, tf_model, _ = three
    prompt = np.random.default_rng(5).integers(0, 97, (2, 3))
    greedy = _np(model.generate(eager.from_numpy(prompt), max_new_tokens=8))
    # top-k of 1 is greedy whatever the temperature, in every style
    g = eager.Generator().manual_seed(0)
    np.testing.assert_array_equal(
        _np(
            model.generate(
                eager.from_numpy(prompt), 8, do_sample=True, top_k=1, temperature=3.0, generator=g
            )
        ),
        greedy,
    )
    np.testing.assert_array_equal(
        _np(
            flax.generate(
                prompt, 8, do_sample=True, top_k=1, temperature=3.0, prng_key=jax.random.key(0)
            )
        ),
        greedy,
    )
    np.testing.assert_array_equal(
        _np(tf_model.generate(prompt, 8, do_sample=True, top_k=1, seed=0)), greedy
    )
    drawn = _np(model.generate(eager.from_numpy(prompt), 40, do_sample=True, generator=g))
    assert not np.array_equal(drawn[:, 3:11], greedy[:, 3:])  # sampling at T=1 departs from greedy
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(eager.from_numpy(prompt), 2, do_sample=True, temperature=0.0)
    with pytest.raises(ValueError, match="needs prng_key"):
        flax.generate(prompt, 2, do_sample=True)


def test_bpe_tokenizer_round_trips_the_corpus():
    text = load_corpus()
    tokenizer = train_bpe_tokenizer(text, vocab_size=384)
    ids = encode_corpus(tokenizer, text)
    assert len(tokenizer) == 384 and ids.max() < 384
    assert len(ids) < len(text.encode()) / 2  # merges: fewer than half as many tokens as bytes
    assert tokenizer.decode(ids) == text
    assert (
        tokenizer.decode(tokenizer.encode("unseen wörds ✓", add_special_tokens=False))
        == "unseen wörds ✓"
    )


def test_three_styles_give_the_same_loss_curve():
    text = load_corpus()
    tokenizer = train_bpe_tokenizer(text, vocab_size=320)
    ids = encode_corpus(tokenizer, text)
    config = GPT2Config(**{**SIZES, "vocab_size": len(tokenizer)}, **NO_DROPOUT)
    batches = sample_batches(ids, config.n_positions, batch_size=8, steps=12, seed=0)
    lr = 3e-3
    eager.manual_seed(1)
    model = GPT2LMHeadModel(config)
    start = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    optimizer = eager.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    eager_losses = []
    for b in batches:
        loss = model(eager.from_numpy(b), labels=eager.from_numpy(b)).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        eager_losses.append(loss.item())

    flax = FlaxGPT2LMHeadModel(config, params=to_pytree(start))
    opt = optax.adamw(lr, weight_decay=0.0)
    params, state = flax.params, opt.init(flax.params)

    @jax.jit
    def step(p, s, b):
        loss, grads = jax.value_and_grad(lambda q: lm_loss(q, b, config=config))(p)
        updates, s = opt.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    functional_losses = []
    for b in batches:
        params, state, loss = step(params, state, b)
        functional_losses.append(float(loss))

    tf_model = TFGPT2LMHeadModel(config)
    tf_model.build_with_dummies()
    for key, variable, _ in tf_model.torch_weights():
        variable.assign(start[key])
    tf_model.compile(
        optimizer=keras.optimizers.AdamW(lr, weight_decay=0.0, epsilon=1e-8),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    static_losses = [float(tf_model.train_on_batch(b[:, :-1], b[:, 1:])) for b in batches]

    assert eager_losses[-1] < eager_losses[0] - 0.5  # it learns
    np.testing.assert_allclose(functional_losses, eager_losses, rtol=1e-4)
    # Keras's Adam puts epsilon before the bias correction: a small, growing difference
    np.testing.assert_allclose(static_losses, eager_losses, rtol=2e-3)
    assert static_losses[0] == pytest.approx(eager_losses[0], rel=1e-6)


def test_too_long_inputs_are_refused(three):
    model, _, tf_model, _ = three
    ids = np.zeros((1, 25), np.int64)
    with pytest.raises(ValueError, match="25 positions, the model has 24"):
        model(eager.from_numpy(ids))
    with pytest.raises(ValueError, match="25 positions, the model has 24"):
        tf_model(ids)


def test_auto_classes_find_the_gpt(three):
    path = three[3]
    assert isinstance(AutoModelForCausalLM.from_pretrained(path), GPT2LMHeadModel)
    assert isinstance(FlaxAutoModelForCausalLM.from_pretrained(path), FlaxGPT2LMHeadModel)
    assert isinstance(TFAutoModelForCausalLM.from_pretrained(path), TFGPT2LMHeadModel)
