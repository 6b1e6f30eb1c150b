"""State the real frameworks keep per thread is per thread here too (issue 18): grad mode,
the interpreter stacks, the default graph. Two threads train at once and get, bit for
bit, what they get one after the other; a no_grad thread does not stop another thread's
backward; graphs built in two threads keep their own operations; one jitted function is
shared by threads tracing different shapes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import workbench.eager as torch
import workbench.functional as jax
import workbench.functional.numpy as jnp
import workbench.static as tf


def _in_threads(*jobs: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[i] = job()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def _train_eager(seed: int, steps: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    w1 = torch.tensor(rng.standard_normal((8, 16)).astype(np.float32) * 0.3, requires_grad=True)
    w2 = torch.tensor(rng.standard_normal((16, 1)).astype(np.float32) * 0.3, requires_grad=True)
    opt = torch.optim.Adam([w1, w2], lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        loss = (((x @ w1).tanh() @ w2 - y) ** 2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():  # an evaluation inside the loop, as real code does
            (x @ w1).sum()
    return np.concatenate([w1.detach().numpy().ravel(), w2.detach().numpy().ravel()])


def test_two_eager_trainings_at_once_equal_sequential() -> None:
    sequential = [_train_eager(1), _train_eager(2)]
    together = _in_threads(lambda: _train_eager(1), lambda: _train_eager(2))
    for a, b in zip(sequential, together):
        np.testing.assert_array_equal(a, b)
    assert torch.is_grad_enabled()


def test_no_grad_in_one_thread_leaves_another_training() -> None:
    stop = threading.Event()

    def evaluate() -> int:
        count = 0
        while not stop.is_set():
            with torch.no_grad():
                (torch.ones(4) * 2).sum()
            count += 1
        return count

    def train() -> float:
        try:
            w = torch.ones(3, requires_grad=True)
            for _ in range(300):
                loss = (w * w).sum()
                loss.backward()
                assert w.grad is not None
                w.grad = None
            return float(loss)
        finally:
            stop.set()

    counted, last = _in_threads(evaluate, train)
    assert counted > 0 and last == 3.0


def test_graphs_built_in_two_threads_stay_apart() -> None:
    def build(tag: float) -> tuple[int, float]:
        graph = tf.Graph()
        with graph.as_default():
            total = tf.constant(tag)
            for i in range(200):
                total = total + float(i)
            with tf.compat.v1.Session(graph=graph) as sess:
                value = float(sess.run(total))
        return len(graph.get_operations()), value

    first, second = _in_threads(lambda: build(1.0), lambda: build(2.0))
    assert first[0] == second[0] == 401  # each graph holds its own ops only
    assert (first[1], second[1]) == (19901.0, 19902.0)


def test_one_jitted_function_shared_by_threads() -> None:
    f = jax.jit(lambda x: jnp.tanh(x) * 2 + x.sum())

    def use(n: int) -> float:
        out = 0.0
        for i in range(100):
            out += float(f(jnp.ones(n) * (i % 3)).sum())
        return out

    want = [use(3), use(5)]
    assert _in_threads(lambda: use(3), lambda: use(5)) == want
