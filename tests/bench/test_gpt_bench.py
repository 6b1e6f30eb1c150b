"""The GPT throughput measurement runs in every style and reports positive rates."""

from __future__ import annotations

import pytest

from workbench.bench import gpt


@pytest.mark.parametrize("style", gpt.STYLES)
def test_each_style_reports_tokens_per_second(style, monkeypatch):
    if style == "torch":
        pytest.importorskip("transformers")
    monkeypatch.setattr(gpt, "STEPS", 2)
    monkeypatch.setattr(gpt, "WARMUP", 1)
    monkeypatch.setattr(gpt, "NEW_TOKENS", 3)
    rates = gpt.run_style(style)
    assert set(rates) == {"train", "generate_uncached", "generate_cached"}
    assert all(rate > 0 for rate in rates.values())
    with pytest.raises(ValueError, match="unknown style"):
        gpt.run_style("keras")
