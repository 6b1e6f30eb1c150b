"""Exercises for the lessons: ``check(exercise, answer)`` says whether an answer is right
and, when it is not, what is wrong with it; ``hint(exercise)`` gives the next hint;
``solution(exercise)`` shows the reference answer (kept here, out of the notebooks).

Example:
    >>> from workbench import lessons
    >>> lessons.check("01.broadcast_shape", (3, 4))
    ✅ 01.broadcast_shape: correct.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Feedback:
    """What ``check`` says: correct, wrong (and why), or not answered yet."""

    exercise: str
    ok: bool
    message: str
    answered: bool = True

    def __bool__(self) -> bool:
        return self.ok

    @property
    def _look(self) -> tuple[str, str, str]:
        """(mark, colour, css class) for the three states."""
        if not self.answered:
            return "✏️", "#4a5568", "wb-unanswered"
        if self.ok:
            return "✅", "#2f855a", "wb-correct"
        return "❌", "#c53030", "wb-wrong"

    def __repr__(self) -> str:
        return f"{self._look[0]} {self.exercise}: {self.message}"

    def _repr_html_(self) -> str:
        mark, colour, css = self._look
        text = html.escape(self.message)
        return (
            f'<div class="wb-feedback {css}" style="color:{colour}">'
            f"{mark} <b>{self.exercise}</b>: {text}</div>"
        )


class Hint(str):
    """A hint: plain text with Markdown (code in backticks) that JupyterLab renders."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return f"💡 {self}"


class Solution(str):
    """A reference solution's source: shown as highlighted code in JupyterLab."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return f"```python\n{self}\n```"


class Wrong(Exception):
    """Raised by a checker with the message the learner should see."""


@dataclass
class Exercise:
    id: str
    prompt: str
    checker: Callable[[Any], None]  # raises Wrong(message) when the answer is wrong
    solution: Callable[[], Any]
    hints: list[str] = field(default_factory=list)
    solution_text: str = ""


EXERCISES: dict[str, Exercise] = {}
_HINTS_GIVEN: dict[str, int] = {}


def exercise(
    id: str, prompt: str, hints: list[str], solution_text: str = ""
) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:  # noqa: A002
    """Register a checker; the decorated function's ``solution`` attribute is set by
    ``reference``."""

    def register(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        EXERCISES[id] = Exercise(id, prompt, checker, lambda: None, hints, solution_text)
        return checker

    return register


def reference(id: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:  # noqa: A002
    def register(fn: Callable[[], Any]) -> Callable[[], Any]:
        EXERCISES[id].solution = fn
        return fn

    return register


def _get(exercise_id: str) -> Exercise:
    from workbench.lessons import exercises  # noqa: F401, PLC0415 - registers them

    if exercise_id not in EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(EXERCISES))}")
    return EXERCISES[exercise_id]


NOT_ANSWERED = (
    "not answered yet: replace the ... with your answer and run the cell again "
    "(lessons.hint gives a hint)."
)
NO_VALUE = (
    "not answered yet: the answer is None. A tensor's .grad stays None until "
    "loss.backward() has run on a loss that depends on it."
)


def _unanswered(answer: Any) -> bool:
    """The notebook's placeholder left in place: ``...`` itself, ``...`` inside a tuple or
    list, or a function whose body is still just ``...`` (or ``pass``)."""
    if answer is Ellipsis:
        return True
    if isinstance(answer, tuple | list):
        return any(a is Ellipsis for a in answer)
    code = getattr(answer, "__code__", None)
    if code is None or getattr(answer, "__name__", "") == "<lambda>":
        return False
    return code.co_code == _placeholder.__code__.co_code and code.co_consts[-1:] == (None,)


def _placeholder() -> None: ...


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check ``answer``; the feedback says what is wrong, not just that it is."""
    ex = _get(exercise_id)
    if _unanswered(answer):
        return Feedback(exercise_id, False, NOT_ANSWERED, answered=False)
    if answer is None:
        return Feedback(exercise_id, False, NO_VALUE, answered=False)
    try:
        ex.checker(answer)
    except Wrong as err:
        return Feedback(exercise_id, False, str(err))
    except Exception as err:  # noqa: BLE001 - the learner's code failed inside the check
        return Feedback(
            exercise_id, False, f"running your answer raised {type(err).__name__}: {err}"
        )
    return Feedback(exercise_id, True, "correct.")


def hint(exercise_id: str) -> Hint:
    """The next hint: each call gives a more specific one than the last."""
    ex = _get(exercise_id)
    n = _HINTS_GIVEN.get(exercise_id, 0)
    _HINTS_GIVEN[exercise_id] = n + 1
    if not ex.hints:
        return Hint("No hints for this one.")
    k = min(n, len(ex.hints) - 1)
    return Hint(f"Hint {k + 1}/{len(ex.hints)}: {ex.hints[k]}")


def solution(exercise_id: str) -> Any:
    """The reference answer (try the hints first!): code is shown as code."""
    ex = _get(exercise_id)
    return Solution(ex.solution_text) if ex.solution_text else ex.solution()


def reference_answer(exercise_id: str) -> Any:
    """The reference answer as a value (what the tests check against the checker)."""
    return _get(exercise_id).solution()


def exercises_of(lesson: str) -> list[str]:
    """The ids of a lesson's exercises (``exercises_of("01")``)."""
    from workbench.lessons import exercises  # noqa: F401, PLC0415 - registers them

    return sorted(e for e in EXERCISES if e.startswith(lesson + "."))
