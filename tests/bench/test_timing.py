"""time_call: how lessons time one call (warm-up, rounds, what was measured)."""

from __future__ import annotations


def test_time_call_warms_up_then_times_rounds_and_says_so() -> None:
    from workbench.bench import time_call

    calls: list[int] = []

    class Async:  # a result that must be waited for, as a JAX array
        waited = 0

        def block_until_ready(self) -> Async:
            Async.waited += 1
            return self

    def work() -> Async:
        calls.append(1)
        return Async()

    timing = time_call(work, rounds=4, min_seconds=0.0)
    assert timing.samples == 4 and timing.minimum <= timing.median <= timing.maximum
    # one warm-up, one call to size the rounds, then 4 rounds of at least one call each
    assert len(calls) >= 6 and Async.waited == len(calls)
    assert "median of 4 rounds after a warm-up" in str(timing)
