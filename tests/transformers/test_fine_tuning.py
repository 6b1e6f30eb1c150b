"""Fine-tuning MiniLM for sentiment in the three styles: one step equals transformers',
the three styles give the same losses on the same batches, and the fine-tuned classifier
beats a bag-of-words baseline on the held-out split (whose words training never saw)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench import eager
from workbench import functional as jax
from workbench.functional import numpy as jnp
from workbench.functional import optim as optax
from workbench.static import keras
from workbench.transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    FlaxAutoModelForSequenceClassification,
    TFAutoModelForSequenceClassification,
)
from workbench.transformers.datasets import load_sentiment
from workbench.transformers.trainer import Trainer, TrainingArguments, accuracy, collate

NO_DROPOUT = {"num_labels": 2, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}


@pytest.fixture(scope="module")
def data(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    encode = lambda rows: [dict(tokenizer(r["text"]), label=r["label"]) for r in rows]  # noqa: E731
    return tokenizer, encode(load_sentiment("train")), encode(load_sentiment("test"))


def _model(auto, model_dir, **settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the new head is reported missing, as expected
        return auto.from_pretrained(model_dir, **settings)


def test_the_data_set(data):
    _, train, test = data
    assert (len(train), len(test)) == (200, 100)
    assert sum(r["label"] for r in train) == 100 and sum(r["label"] for r in test) == 50


def test_one_step_equals_transformers(model_dir, data):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    _, train, _ = data
    batch = collate(train[:8])
    theirs = transformers.AutoModelForSequenceClassification.from_pretrained(
        model_dir, **NO_DROPOUT
    )
    ours = _model(AutoModelForSequenceClassification, model_dir, **NO_DROPOUT)
    with torch.no_grad():  # the same fresh head in both
        theirs.classifier.weight.copy_(torch.from_numpy(ours.classifier.weight.detach().numpy()))
        theirs.classifier.bias.copy_(torch.from_numpy(ours.classifier.bias.detach().numpy()))
    theirs.train(), ours.train()
    out_theirs = theirs(**{k: torch.from_numpy(v) for k, v in batch.items()})
    out_theirs.loss.backward()
    out_ours = ours(**{k: eager.from_numpy(v) for k, v in batch.items()})
    out_ours.loss.backward()
    np.testing.assert_allclose(out_ours.loss.item(), out_theirs.loss.item(), rtol=1e-5)
    np.testing.assert_allclose(
        out_ours.logits.detach().numpy(), out_theirs.logits.detach().numpy(), atol=1e-5
    )
    grads_theirs = {n: p.grad.numpy() for n, p in theirs.named_parameters()}
    largest = max(np.abs(g).max() for g in grads_theirs.values())
    for name, p in ours.named_parameters():  # (the key biases' true gradient is 0: noise)
        np.testing.assert_allclose(
            p.grad.numpy(), grads_theirs[name], rtol=1e-3, atol=1e-5 * largest, err_msg=name
        )


def test_three_styles_give_the_same_losses_on_the_same_batches(model_dir, data):
    tokenizer, train, _ = data
    steps, lr = 3, 1e-4
    pt = _model(AutoModelForSequenceClassification, model_dir, **NO_DROPOUT)
    head_w = pt.classifier.weight.detach().numpy().copy()
    head_b = pt.classifier.bias.detach().numpy().copy()
    args = TrainingArguments(
        max_steps=steps, per_device_train_batch_size=16, learning_rate=lr, disable_tqdm=True
    )
    trainer = Trainer(pt, args, train, processing_class=tokenizer)
    batches = trainer.get_train_dataloader(0)[:steps]
    trainer.train()

    tf_model = _model(TFAutoModelForSequenceClassification, model_dir, **NO_DROPOUT)
    tf_model.classifier.kernel.assign(head_w.T)
    tf_model.classifier.bias.assign(head_b)
    schedule = keras.optimizers.schedules.PolynomialDecay(lr, steps, 0.0)
    tf_model.compile(
        optimizer=keras.optimizers.AdamW(
            schedule, weight_decay=0.0, epsilon=1e-8, global_clipnorm=1.0
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    static_losses = [
        float(tf_model.train_on_batch({k: v for k, v in b.items() if k != "labels"}, b["labels"]))
        for b in batches
    ]

    flax = _model(FlaxAutoModelForSequenceClassification, model_dir, **NO_DROPOUT)
    params = {
        **flax.params,
        "classifier": {"kernel": jnp.asarray(head_w.T), "bias": jnp.asarray(head_b)},
    }
    opt = optax.chain(
        optax.clip_by_global_norm(1.0),
        optax.adamw(optax.linear_schedule(lr, 0.0, steps), eps=1e-8, weight_decay=0.0),
    )
    state = opt.init(params)

    def loss_fn(p, b):
        logits = flax.module.apply({"params": p}, b["input_ids"], b["attention_mask"]).logits
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), b["labels"][:, None], 1))

    @jax.jit
    def step(p, s, b):
        loss, grads = jax.value_and_grad(loss_fn)(p, b)
        updates, s = opt.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    functional_losses = []
    for b in batches:
        params, state, loss = step(params, state, b)
        functional_losses.append(float(loss))
    np.testing.assert_allclose(functional_losses, trainer.losses, rtol=1e-5, atol=1e-6)
    # Keras's Adam adds epsilon before the bias correction, PyTorch's and optax's after:
    # with the same epsilon the updates differ slightly, and so do the next losses
    np.testing.assert_allclose(static_losses, trainer.losses, rtol=1e-4, atol=1e-4)
    assert static_losses[0] == pytest.approx(trainer.losses[0], abs=1e-6)


@pytest.mark.slow
def test_fine_tuned_classifier_beats_bag_of_words(model_dir, data):
    sklearn = pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    assert sklearn
    tokenizer, train, test = data
    texts = {s: [r["text"] for r in load_sentiment(s)] for s in ("train", "test")}
    labels = {s: [r["label"] for r in load_sentiment(s)] for s in ("train", "test")}
    words = CountVectorizer().fit(texts["train"])
    baseline = LogisticRegression(max_iter=1000).fit(
        words.transform(texts["train"]), labels["train"]
    )
    bow = baseline.score(words.transform(texts["test"]), labels["test"])

    model = _model(AutoModelForSequenceClassification, model_dir, num_labels=2)
    args = TrainingArguments(
        num_train_epochs=2,
        per_device_train_batch_size=16,
        learning_rate=1e-4,
        disable_tqdm=True,
        seed=0,
    )
    trainer = Trainer(
        model, args, train, test, processing_class=tokenizer, compute_metrics=accuracy
    )
    before = trainer.evaluate()
    trainer.train()
    after = trainer.evaluate()
    assert after["eval_loss"] < before["eval_loss"]
    assert bow < 0.75 and after["eval_accuracy"] >= 0.85 > bow
