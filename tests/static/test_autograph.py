"""AutoGraph's common cases against TensorFlow 2.21: inside ``tf.function``, an ``if`` or
``while`` on a tensor (also one that returns from its branches, and ``elif`` chains) and a
``for`` over ``tf.range`` become graph control flow with
TensorFlow's results; Python conditions keep Python's meaning; ``==`` on tensors inside
``tf.function`` is elementwise, as in TensorFlow 2."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.static as wtf


def _programs(t: Any) -> dict[str, Any]:
    @t.function
    def sign_flip(x):  # noqa: ANN001, ANN202
        if t.reduce_sum(x) > 0:
            y = x * 2
        else:
            y = -x
        return y

    @t.function
    def collatz(n):  # noqa: ANN001, ANN202
        steps = 0
        while n > 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        return steps

    @t.function
    def squares(n):  # noqa: ANN001, ANN202
        total = t.constant(0)
        for i in t.range(n):
            total += i * i
        return total

    @t.function
    def python_flag(x, flag):  # noqa: ANN001, ANN202
        if flag:
            return x + 1
        return x - 1

    @t.function
    def nested(x):  # noqa: ANN001, ANN202
        acc = x
        for _ in t.range(3):
            if acc[0] > 2.0:
                acc = acc - 1.0
            else:
                acc = acc * 2.0
        return acc

    @t.function
    def early_return(x):  # noqa: ANN001, ANN202
        if t.reduce_sum(x) > 0:
            return x * 2
        return -x

    @t.function
    def elif_chain(x):  # noqa: ANN001, ANN202
        if t.reduce_sum(x) > 10:
            return x * 10
        elif t.reduce_sum(x) > 0:
            y = x + 1  # set and read in this branch only
            return y
        else:
            return -x

    return {
        "return_true": lambda: early_return(t.constant([1.0, 2.0])),
        "return_false": lambda: early_return(t.constant([-1.0, -2.0])),
        "elif_big": lambda: elif_chain(t.constant([20.0])),
        "elif_small": lambda: elif_chain(t.constant([1.0])),
        "elif_negative": lambda: elif_chain(t.constant([-1.0])),
        "if_true": lambda: sign_flip(t.constant([1.0, 2.0])),
        "if_false": lambda: sign_flip(t.constant([-1.0, -2.0])),
        "while_with_if": lambda: collatz(t.constant(27)),
        "for_range": lambda: squares(t.constant(5)),
        "python_true": lambda: python_flag(t.constant(1.0), True),
        "python_false": lambda: python_flag(t.constant(1.0), False),
        "for_with_if": lambda: nested(t.constant([1.0, 0.5])),
    }


CASES = list(_programs(wtf))


@pytest.mark.parametrize("name", CASES)
def test_control_flow_on_tensors_as_tensorflow(real_tf: Any, name: str) -> None:
    want = np.asarray(_programs(real_tf)[name]())
    got = np.asarray(_programs(wtf)[name]().numpy())
    np.testing.assert_array_equal(got, want)


def test_a_branch_must_define_every_variable() -> None:
    @wtf.function
    def half_defined(x):  # noqa: ANN001, ANN202
        if x > 0:
            y = x
        return y  # noqa: F821 - undefined when x <= 0: AutoGraph refuses

    with pytest.raises(ValueError, match="'y' must also be initialized in the else branch"):
        half_defined(wtf.constant(1.0))


def test_to_code_shows_the_rewrite() -> None:
    def clip(x):  # noqa: ANN001, ANN202
        if x > 1.0:
            x = x - 1.0
        return x

    code = wtf.autograph.to_code(clip)
    assert "__ag_if(" in code and "def __ag_if_true" in code
    assert float(wtf.function(clip)(wtf.constant(3.0))) == 2.0


def test_elementwise_equality_inside_functions() -> None:
    f = wtf.function(lambda a, b: (a == b, a != b))
    same, different = f(wtf.constant([1, 2]), wtf.constant([1, 3]))
    assert same.numpy().tolist() == [True, False] and different.numpy().tolist() == [False, True]
    with wtf.Graph().as_default():  # a TF1-style graph compares the tensors themselves
        x = wtf.compat.v1.placeholder(wtf.float32)
        assert (x == x) is True and {x: 1}[x] == 1
