"""Drawings: the DOT source of known functions in each front end, grouping, limits,
backward and optimised graphs, rendering and saving."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import workbench.eager as torch
import workbench.functional as jax
import workbench.functional.numpy as jnp
import workbench.static as tf
from workbench import viz
from workbench.core import make_graph, ops
from workbench.viz import render


def _labels(source: str) -> list[str]:
    return re.findall(r'label="([^"]*)"', source)


def _edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r'"(\w+)" -> "(\w+)"', source)


def test_eager_history_names_parameters_and_follows_data() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    loss = model(torch.randn(5, 4)).pow(2).mean()
    source = viz.graph(loss, params=dict(model.named_parameters())).source
    labels = _labels(source)
    assert any(lab.startswith("0.weight\\nf32[3,4]") for lab in labels)
    assert sum(lab.startswith("linear") for lab in labels) == 2  # one node a layer, as addmm
    assert any(lab.startswith("relu") for lab in labels)
    assert 'shape=box, style="rounded,filled", fillcolor="#ffe3b3"' in source  # parameters
    assert "doubleoctagon" in source  # the output
    assert len(_edges(source)) >= 8


def test_functional_function_and_make_jaxpr_draw_the_same_graph() -> None:
    def f(w: Any, x: Any) -> Any:
        return jnp.sum(jnp.tanh(x @ w))

    w, x = jnp.ones((4, 3)), jnp.ones((2, 4))
    direct = viz.graph(f, w, x).source
    via_jaxpr = viz.graph(jax.make_jaxpr(f)(w, x)).source
    # the function's own parameter names label its inputs (a jaxpr has none)
    assert '"in0" [label="w\\nf32[4,3]"' in direct and '"in1" [label="x\\nf32[2,4]"' in direct
    for i, name in enumerate("wx"):
        direct = direct.replace(f"{name}\\nf32", f"input {i}\\nf32")
    assert direct == via_jaxpr
    assert [
        lab.split("\\n")[0]
        for lab in _labels(direct)
        if lab.split("\\n")[0] in ("dot_general", "tanh", "reduce_sum")
    ] == ["dot_general", "tanh", "reduce_sum"]


def test_static_graph_is_drawn_op_by_op_with_name_scopes() -> None:
    with tf.Graph().as_default() as g:
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        with tf.name_scope("dense"):
            w = tf.Variable(tf.ones([4, 2]), name="w")
            y = tf.nn.relu(tf.matmul(x, w))
        loss = tf.reduce_mean(y)
        tf.gradients(loss, [w])
        whole = viz.graph(g).source
        fetch = viz.graph(loss).source
        collapsed = viz.graph(loss, collapse=["dense"]).source
    assert 'label="dense"' in whole and "Placeholder\\nx" in whole
    # an op named after its type says the type once ("MatMul", not "MatMul MatMul")
    assert 'label="MatMul\\nfloat32' in whole and "MatMul\\nMatMul" not in whole
    assert "#fde2e2" in whole  # gradient ops marked
    assert "gradients" not in fetch  # only what the fetch needs
    assert "dense\\n(collapsed)" in collapsed and "MatMul" not in collapsed


def test_tf_function_trace_is_drawn() -> None:
    @tf.function
    def f(a: Any) -> Any:
        return tf.reduce_sum(tf.nn.softmax(a))

    f(tf.ones([2, 3]))
    source = viz.graph(f).source
    assert "Softmax" in source and "Sum" in source
    core = viz.graph(f, optimize=True).source
    assert "after the compiler's passes" in core


def test_backward_and_optimised_graphs() -> None:
    graph = make_graph(
        lambda a: ops.reduce_sum(ops.tanh(ops.mul(ops.sin(a), 2.0))),
        ops.array(np.ones(3, np.float32)),
    )
    backward = viz.graph(graph, backward=True).source
    assert (
        "backward pass" in backward and sum(lab.startswith("mul") for lab in _labels(backward)) >= 2
    )
    optimised = viz.graph(graph, optimize=True).source
    assert "subgraph" in optimised and "fused: one kernel" in optimised


def test_control_flow_sub_graphs_are_nested_clusters() -> None:
    def f(x: Any) -> Any:
        return jax.lax.cond(jnp.sum(x) > 0, lambda v: v * 2.0, lambda v: jnp.sin(v), x)

    source = viz.graph(f, jnp.ones(3)).source
    assert "cond: sub-graph 0" in source and "cond: sub-graph 1" in source and "sin" in source


def test_node_limit_summarises_the_rest() -> None:
    def chain(x: Any) -> Any:
        for _ in range(60):
            x = jnp.sin(x)
        return x

    source = viz.graph(chain, jnp.ones(2), max_nodes=25).source
    assert sum(lab.startswith("sin") for lab in _labels(source)) == 25
    assert "… 35 more operations" in source


@pytest.mark.skipif(not render.dot_available(), reason="needs Graphviz's dot")
def test_rendering_and_saving(tmp_path: Any) -> None:
    view = viz.graph(lambda v: jnp.sum(v * v), jnp.ones(3))
    bundle = view._repr_mimebundle_()
    assert (
        bundle["image/svg+xml"].lstrip().startswith("<?xml") and "<svg" in bundle["image/svg+xml"]
    )
    for ext, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")):
        path = view.save(str(tmp_path / f"g.{ext}"))
        assert open(path, "rb").read(5).startswith(magic[:4])


def test_without_dot_jupyter_gets_the_browser_widget_and_saving_explains(
    monkeypatch: Any, tmp_path: Any
) -> None:
    pytest.importorskip("graphviz_anywidget")
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    view = viz.graph(lambda v: jnp.sum(v * v), jnp.ones(3))
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        view.save(str(tmp_path / "g.svg"))
    assert view.save(str(tmp_path / "g.dot")).endswith("g.dot")  # DOT text needs no dot


def test_graphviz_anywidget_is_self_contained() -> None:
    """The browser fallback must work offline: its bundle loads nothing from the network."""
    module = pytest.importorskip("graphviz_anywidget")
    import os  # noqa: PLC0415

    bundle = open(os.path.join(os.path.dirname(module.__file__), "static", "widget.js")).read()
    urls = set(re.findall(r"https?://[^\s\"'`)]+", bundle))
    fetched = [
        u
        for u in urls
        if not re.match(
            r"https?://(www\.w3\.org|github\.com|getbootstrap\.com|jquery\.(org|com)|popper\.js\.org)",
            u,
        )
    ]
    assert fetched == [] and "wasm" in bundle


def test_labels_are_plain_names_with_params_on_hover_and_titles_wrap() -> None:
    def f(w: Any, x: Any) -> Any:
        return jnp.sum(jnp.tanh(x @ w))

    view = viz.graph(f, jnp.ones((4, 3)), jnp.ones((2, 4)), title="a " * 60)
    labels = _labels(view.source)
    assert "dot_general\\nf32[2,3]" in labels  # no [contracting=...] in the picture
    assert 'tooltip="dot_general&#10;contracting=((1,), (0,))' in view.source
    title = next(line for line in view.source.splitlines() if line.strip().startswith("label="))
    assert title.count("\\n") >= 1  # 120 characters wrap onto two lines
    if viz.dot_available():
        assert view.svg().startswith("<?xml") and 'style="max-width:100%;height:auto"' in view.svg()


def test_backward_graph_names_the_seed_gradient_and_the_gradients() -> None:
    def loss(w: Any, x: Any) -> Any:
        return jnp.sum(jnp.tanh(x @ w))

    labels = _labels(viz.graph(loss, jnp.ones((4, 3)), jnp.ones((2, 4)), backward=True).source)
    assert "seed gradient\\n(1 for a scalar loss)\\nf32[]" in labels
    assert "gradient of w\\nf32[4,3]" in labels and "gradient of x\\nf32[2,4]" in labels


def test_pytree_arguments_are_named_by_their_paths() -> None:
    def loss(params: Any, x: Any) -> Any:
        return jnp.sum(x @ params["w"] + params["b"][0])

    params = {"w": jnp.ones((3, 2)), "b": [jnp.ones(2)]}
    labels = _labels(viz.graph(loss, params, jnp.ones((1, 3))).source)
    assert {"params['b'][0]\\nf32[2]", "params['w']\\nf32[3,2]", "x\\nf32[1,3]"} <= set(labels)


def test_the_browser_drawn_graph_leaves_the_mouse_wheel_to_the_page() -> None:
    pytest.importorskip("graphviz_anywidget")
    from graphviz_anywidget import GraphvizAnyWidget

    box = viz.graph(lambda w, x: jnp.sum(x @ w), jnp.ones((3, 2)), jnp.ones((1, 3))).widget()
    drawings = [c for c in box.children if isinstance(c, GraphvizAnyWidget)]
    assert len(drawings) == 1 and drawings[0].enable_zoom is False
    assert "dot_general" in drawings[0].dot_source
