"""``keras.utils.plot_model`` / ``model_to_dot``: one box per layer, the functional
graph's connections (a branch and a merge), shapes when asked, files Graphviz writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.static import keras


def _branching() -> keras.Model:
    inp = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(3, activation="relu", name="hidden")(inp)
    left, right = keras.layers.Dense(2, name="a")(hidden), keras.layers.Dense(2, name="b")(hidden)
    return keras.Model(inp, keras.layers.Concatenate(name="join")([left, right]))


def test_model_to_dot_draws_the_graph() -> None:
    source = keras.utils.model_to_dot(_branching(), show_shapes=True, show_layer_names=True)
    assert source.count("[label=") == 5  # Input, hidden, a, b, join: each once
    assert source.count("->") == 5  # features->hidden, hidden->a, hidden->b, a->join, b->join
    assert "features (InputLayer)" in source and "output: (None, 4)" in source
    plain = keras.utils.model_to_dot(_branching())
    assert "Dense" in plain and "hidden" not in plain  # layer names only when asked, as Keras


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.parametrize("name", ["model.png", "model.svg", "model.dot"])
def test_plot_model_writes_the_file(tmp_path: Path, name: str) -> None:
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    keras.utils.plot_model(seq, str(tmp_path / name), show_shapes=True)
    data = (tmp_path / name).read_bytes()
    assert data.startswith(
        {"png": b"\x89PNG", "svg": b"<?xml", "dot": b"digraph"}[name.split(".")[1]]
    )
