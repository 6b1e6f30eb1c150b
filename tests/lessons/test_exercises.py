"""Every exercise passes with its reference solution and gives a helpful message for the
typical wrong answers."""

# ruff: noqa: E501 - the case table keeps one exercise per line

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from workbench import lessons
from workbench.lessons import EXERCISES, exercises  # noqa: F401 - registers the exercises

WRONG: dict[str, list[tuple[Any, str]]] = {
    "01.broadcast_shape": [((4, 3), "align the shapes from the right"), ((3, 1), "from the right")],
    "01.standardize": [
        (lambda x: (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True, unbiased=False), "rows"),
        (lambda x: (x - x.mean(dim=0)) / x.std(dim=0), "sample std"),
        (lambda x: None, "forget the return"),
    ],
    "02.derivative": [(2 * math.cos(1), "product-rule"), (2 * math.cos(1) + math.sin(1), "-sin"), (1.0, "numerically")],
    "02.div_backward": [(lambda a, b, g: (g / b, g * a / b**2), "sign"), (lambda a, b, g: (1 / b, -a / b**2), "out_grad"), (lambda a, b, g: (0.0, 0.0), "chain rule")],
    "02.jvp_primitives": [(2, "above JVP"), (5, "primal operations"), (9, "not it")],
    "03.leaf_grad": [([12.0, 24.0, 36.0], "backward() twice"), ([2.0, 4.0, 6.0], "off")],
    "03.clip_hook": [(lambda g: g, "w.grad"), (lambda g: g.clamp(0.0, 1.0), "w.grad")],
    "04.traces": [(2, "Python numbers"), (5, "share one signature")],
    "04.tape_watch": [((5.0, 2.0), "never watched"), ((None, None), "trainable"), ((None, 5.0), "not it"), (2.0, "tuple of two")],
    "04.session_run": [(6.0, "plain sum"), (0.0, "not it")],
    "05.input_grads": [(lambda w, xs: np.stack([np.outer(x, 1 - np.tanh(x @ w) ** 2) for x in xs]), "with respect to w"), (lambda w, xs: lessons.reference_answer("05.input_grads")(w, xs).sum(0), "whole batch")],
    "05.keys": [([0.5, 0.5, 0.5], "reused one key")],
    "06.epsilon_hat": [(lambda e, t: e, "same value"), (lambda e, t: e / (1 - 0.999**t) ** 0.5, "other way round"), (lambda e, t: e * 0.999**t, "is off"), (2, "itself")],
    "06.port_step": [(lambda g, b, p: (p - 0.1 * g, g), "step 2"), (lambda g, b, p: (p - 0.1 * (0.1 * g if b is None else 0.9 * b + 0.1 * g), 0.1 * g if b is None else 0.9 * b + 0.1 * g), "first step"), (lambda g, b, p: p, "pair"), (3, "sgd_momentum itself")],
    "06.graph_ops": [(6, "exactly one")],
    "07.output_size": [(13, "padding"), (28, "not it")],
    "07.im2col": [(lambda x, w: lessons.reference_answer("07.im2col")(x, w[::-1, ::-1]), "kernel flipped"), (lambda x, w: None, "forget the return")],
    "08.attention_weights": [(lambda q, k: lessons.reference_answer("08.attention_weights")(q * math.sqrt(q.shape[-1]), k), "√d")],
    "08.lstm_params": [(2480, "two bias vectors"), (100, "not it")],
    "09.adam_first_step": [(0.1, "wrong sign"), (-0.4, "SGD")],
    "09.best_optimiser": [("sgd", "gets closer")],
    "10.fused_groups": [(1, "not elementwise"), (0, "do fuse"), (5, "not it")],
    "10.overhead_share": [(0.56, "not it")],
    "11.fp16_spacing": [(2049, "2 apart"), (2050, "ties"), (1, "not it")],
    "11.loss_scale": [(2.0**20, "smaller scale"), (2.0, "too small")],
    "12.per_example_norms": [(lambda w, xs, ys: 1.0, "one number")],
    "12.psum_grad": [(1, "pmean"), (4, "once"), (0.5, "not it")],
    "13.onnx_matches": [(lambda: None, ""), ("model.onnx", "tuple")],
    "13.export_roundtrip": [(lambda x: x, "bytes"), (b"", "")],
    "14.nan_source": [("SqrtBackward0", "returns inf at 0"), ("log", "not it")],
    "14.gradcheck": [(True, "half of the true gradient")],
    "15.mean_pool": [(lambda h, m: h.mean(1), "averages the padding"), (lambda h, m: (h * m[..., None]).sum(1) / h.shape[1], "number of real tokens")],
    "15.layer_params": [(1_772_928, "LayerNorms"), (1_769_472, "add the biases"), (100, "not it")],
    "16.causal_mask": [(lambda t: np.triu(np.ones((t, t), bool)), "upper triangle"), (lambda t: np.tril(np.ones((t, t), bool), -1), "keep the diagonal")],
    "16.initial_loss": [(math.log2(384), "in bits"), (1 / 384, "−log"), (1.0, "not it")],
    "17.count_traces": [((4, 2), "repeats the first"), ((2, 2), "by value"), ((3, 3), "abstract float32"), ((3, 1), "new shape"), (3, "tuple of two")],
    "17.stale_global": [((10.0, 10.0, 10.0), "old value"), ((1.0, 1.0, 1.0), "guards on globals"), ((0.0, 0.0, 0.0), "not it")],
    "17.branch_free": [(lambda x: x if x > 0 else 0.1 * x, "jnp.where"), (lambda x: None, "forget the return"), (lambda x: x * 0.1, "off")],
}  # fmt: skip


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_reference_solution_passes(exercise_id: str) -> None:
    feedback = lessons.check(exercise_id, lessons.reference_answer(exercise_id))
    assert feedback.ok, feedback


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_wrong_answers_get_helpful_messages(exercise_id: str) -> None:
    assert exercise_id in WRONG, "every exercise needs typical wrong answers in this test"
    for answer, words in WRONG[exercise_id]:
        if exercise_id == "13.onnx_matches" and callable(answer):  # another model's file
            model, path = lessons.reference_answer(exercise_id)
            other = type(model)([model.layers[0].__class__(2)])  # same shapes, new weights
            other.build((None, 3))
            answer, words = (other, path), "ONNX Runtime's output is off"
        if exercise_id == "13.export_roundtrip" and answer == b"":  # exported for float32[4]
            import workbench.functional as jax
            import workbench.functional.numpy as jnp

            spec = jax.ShapeDtypeStruct((4,), jnp.float32)
            answer = jax.export.export(jax.jit(jnp.tanh))(spec).serialize()
            words = "export it for float32[3]"
        feedback = lessons.check(exercise_id, answer)
        assert not feedback.ok and words in feedback.message, (answer, feedback)
        assert 'class="wb-feedback wb-wrong"' in feedback._repr_html_()


def test_hints_get_more_specific_and_solutions_are_available() -> None:
    first = lessons.hint("01.standardize")
    second = lessons.hint("01.standardize")
    third = lessons.hint("01.standardize")
    assert first.startswith("Hint 1/3") and second.startswith("Hint 2/3")
    assert third.startswith("Hint 3/3") and lessons.hint("01.standardize") == third
    # hints render as Markdown and print without quotes or literal \n
    assert first._repr_markdown_().endswith(str(first)) and repr(first) == str(first)
    shown = lessons.solution("01.standardize")
    assert "unbiased=False" in shown and repr(shown) == str(shown)
    assert shown._repr_markdown_().startswith("```python\ndef standardize(x):\n")
    assert lessons.exercises_of("01") == ["01.broadcast_shape", "01.standardize"]
    with pytest.raises(KeyError, match="no exercise"):
        lessons.check("99.nothing", 0)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_has_graded_hints_that_do_not_open_with_the_answer(exercise_id: str) -> None:
    hints = EXERCISES[exercise_id].hints
    assert len(hints) >= 2, "a hint, then a more specific one"
    answer = lessons.reference_answer(exercise_id)
    if isinstance(answer, int | float | str) and not isinstance(answer, bool):
        assert str(answer) not in hints[0], hints[0]


def _placeholder_function(x, w):  # type: ignore[no-untyped-def]
    ...  # your code here


@pytest.mark.parametrize(
    "answer", [..., (..., 1), _placeholder_function], ids=["ellipsis", "tuple", "function"]
)
def test_an_unanswered_exercise_says_so_without_an_error(answer: Any) -> None:
    feedback = lessons.check("07.im2col", answer)
    assert not feedback.ok and not feedback.answered
    assert feedback.message.startswith("not answered yet")
    assert "wb-unanswered" in feedback._repr_html_() and "#c53030" not in feedback._repr_html_()


def test_a_missing_gradient_is_named_as_such() -> None:
    feedback = lessons.check("03.leaf_grad", None)
    assert not feedback.ok and not feedback.answered
    assert "backward()" in feedback.message and "shape" not in feedback.message


def test_natural_spellings_are_accepted() -> None:
    from workbench.core import array

    # PyTorch takes NumPy's axis= for dim=, so a learner's x.mean(axis=0) is right
    standardize = lambda x: (x - x.mean(axis=0)) / x.std(axis=0, unbiased=False)  # noqa: E731
    assert lessons.check("01.standardize", standardize).ok
    # a core 0-d Array where a number is expected
    assert lessons.check("02.derivative", array(2 * math.cos(1) - math.sin(1))).ok


def test_wrong_answers_do_not_reveal_the_expected_values() -> None:
    feedback = lessons.check("03.leaf_grad", [2.0, 4.0, 6.0])
    assert feedback.message == "w.grad is off at index (2,): your 6 is too small"  # not 18
    feedback = lessons.check("02.div_backward", lambda a, b, g: (a * b, a + b))
    assert "-0.25" not in feedback.message and "-0.375" not in feedback.message
