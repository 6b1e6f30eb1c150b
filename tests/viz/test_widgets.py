"""Widgets change state as a learner's clicks would; figures are made without a display."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import workbench.eager as torch
import workbench.functional as jax
import workbench.functional.numpy as jnp
from workbench import viz
from workbench.static import keras

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def _quiet(capsys: Any) -> Any:
    yield
    capsys.readouterr()


def _loss(w: Any, x: Any) -> Any:
    return jnp.sum(jnp.tanh(x @ w) ** 2)


W = np.array([[0.5, -1.0], [0.3, 0.8], [-0.2, 0.1]], np.float32)
X = np.array([[1.0, 2.0, -1.0]], np.float32)


def test_graph_explorer_shows_values_gradients_and_rules() -> None:
    explorer = viz.GraphExplorer(_loss, jnp.asarray(W), jnp.asarray(X))
    explorer.select("tanh")
    text = explorer.details.value
    assert "VJP rule of <code>tanh</code>" in text
    assert "ops.mul(g, ops.sub(1, square(out)))" in text  # the rule reads as its formula
    pre = np.tanh(X @ W)
    assert f"{pre[0, 0]:.4f}"[:5] in text  # the value
    explorer.select("w")  # inputs carry the function's parameter names
    grad = np.asarray(jax.grad(_loss)(jnp.asarray(W), jnp.asarray(X)))
    assert f"{grad[0, 0]:.4f}"[:5] in explorer.details.value  # the gradient
    forward_nodes = len(explorer.node_picker.options)
    explorer.view_mode.value = "backward"
    assert len(explorer.node_picker.options) > forward_nodes
    explorer.view_mode.value = "optimised"  # the training graph after the passes: it changes
    assert "backward pass after the compiler's passes" in explorer.diagram.title
    assert "fusion" in explorer.diagram.title and "fused: one kernel" in explorer.view.source


@pytest.mark.skipif(not viz.dot_available(), reason="the clickable drawing needs dot")
def test_graph_explorer_picks_the_node_a_learner_clicks() -> None:
    explorer = viz.GraphExplorer(_loss, jnp.asarray(W), jnp.asarray(X))
    clickable = explorer.clickable
    assert clickable is not None and '<g id="node' in clickable.svg
    tanh_id = next(n.id for n in explorer.diagram.nodes if n.label.startswith("tanh"))
    assert f"<title>{tanh_id}</title>" in clickable.svg  # what the browser reports
    clickable.selected = tanh_id  # the browser side sets this on a click
    assert explorer.node_picker.value == tanh_id
    assert "VJP rule of <code>tanh</code>" in explorer.details.value


def test_graph_explorer_shows_the_rule_as_equations_not_helper_code() -> None:
    explorer = viz.GraphExplorer(_loss, jnp.asarray(W), jnp.asarray(X))
    explorer.select("dot_general")
    shown = explorer.details.value.split("<details>")[0]
    # x @ w's gradients: g·wᵀ (1x2 · 2x3 -> 1x3) and xᵀ·g (3x1 · 1x2 -> 3x2), two products
    assert shown.count("= dot_general[") == 2
    assert "f32[1,3] = dot_general" in shown and "f32[3,2] = dot_general" in shown
    assert "_vjp_plan" not in shown  # the helper stays folded away with the source
    explorer.select("tanh")  # d tanh = g · (1 - out²)
    shown = explorer.details.value.split("<details>")[0]
    assert "= square b" in shown and "= sub" in shown and "= mul a" in shown


def test_graph_explorer_on_an_eager_model() -> None:
    model = torch.nn.Linear(3, 2)
    loss = model(torch.tensor(X)).relu().sum()
    explorer = viz.GraphExplorer(loss, params=dict(model.named_parameters()))
    explorer.select("weight")
    assert "gradient" in explorer.details.value


def test_backprop_stepper_walks_the_backward_pass() -> None:
    stepper = viz.BackpropStepper(_loss, jnp.asarray(W), jnp.asarray(X))
    names = [s.equation.primitive.name for s in stepper.steps]
    assert names[0] == "reduce_sum" and names[-1] == "dot_general"
    stepper.slider.value = 1  # counted from 1, as "step 1 of 4"
    first_source = stepper.view.source
    stepper.slider.value = len(stepper.steps)
    assert stepper.highlighted == f"e{stepper.steps[-1].index}"
    details = stepper.details.value
    assert "dot_general" in details and "gradient sent to w" in details  # the user's names
    assert "gradient sent to x" in details
    assert "penwidth=3" in stepper.view.source
    # values flow forward on every edge; gradients appear as the backward pass sends them
    pre = np.tanh(X @ W)
    assert f"{pre.ravel()[0]:.3g}" in first_source
    grad_w = np.asarray(jax.grad(_loss)(jnp.asarray(W), jnp.asarray(X)))
    assert "∂" not in first_source.split('"in0" -> "e0"')[1].split(";")[0]
    sent = stepper.view.source.split('"in0" -> "e0"')[1].split(";")[0]
    assert f"∂ mean {grad_w.mean():.3g}" in sent
    # graph and numbers side by side in one view
    assert stepper.widget.children[1].children == (stepper.picture, stepper.details)


def test_training_dashboard_from_a_loop_and_from_keras() -> None:
    dashboard = viz.TrainingDashboard(every=2)
    for step in range(4):
        dashboard.log(step, loss=1.0 / (step + 1))
    assert dashboard.history["loss"][-1] == (3, 0.25) and "loss 0.2500" in dashboard.status.value
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    live = viz.TrainingDashboard()
    model.fit(
        np.ones((8, 3)),
        np.zeros((8, 1)),
        epochs=2,
        batch_size=4,
        verbose=0,
        callbacks=[live.keras_callback()],
    )
    assert len(live.history["loss"]) == 4
    assert live.figure().axes[0].get_title() == "training"


def test_training_dashboard_starts_a_new_run_when_a_cell_is_rerun() -> None:
    dashboard = viz.TrainingDashboard(min_interval=3600.0)
    for _ in range(2):  # the same loop run twice, as a re-run cell does
        for step in range(5):
            dashboard.log(step, loss=1.0 / (step + 1))
    assert len(dashboard.runs) == 2 and dashboard.history["loss"][0] == (0, 1.0)
    lines = dashboard.figure().axes[0].get_lines()
    assert [line.get_alpha() for line in lines] == [0.3, 1.0]  # the old run faded
    assert list(lines[1].get_xdata()) == [0, 1, 2, 3, 4]  # no jump back to step 0


def test_training_dashboard_redraws_at_most_once_per_interval() -> None:
    dashboard = viz.TrainingDashboard(min_interval=3600.0)
    for step in range(200):
        dashboard.log(step, loss=float(step))
    assert dashboard.draws == 1  # the first log draws; the rest wait for the interval
    dashboard._timer.cancel()
    dashboard.redraw()
    assert dashboard.draws == 2 and bytes(dashboard.image.value).startswith(b"\x89PNG")


def test_side_by_side_has_three_columns_one_overlaid_plot_and_the_differences() -> None:
    view = viz.SideBySide()
    view.add("functional", "jax.grad(loss)", viz.graph(_loss, jnp.asarray(W), jnp.asarray(X)))
    model = torch.nn.Linear(3, 2)
    eager_loss = model(torch.tensor(X)).tanh().square().sum()
    view.add("eager", "loss.backward()", viz.graph(eager_loss))
    for step in range(3):
        view.log("functional", step, 1.5 - step * 0.1)
        view.log("eager", step, 1.4 - step * 0.1)
    columns = view.widget.children[0].children
    assert len(columns) == 3 and all(c.layout.min_width == "0" for c in columns)
    assert "jax.grad(loss)" in view.code["functional"].value
    assert view.dashboard.history["functional"][0] == (0, 1.5)
    assert len(view.dashboard.figure().axes) == 1  # one plot, both curves on it
    assert len(view.dashboard.figure().axes[0].get_lines()) == 2
    counts = view.operation_counts()
    assert counts["eager"]["linear"] == 1 and counts["functional"]["dot_general"] == 1
    assert "background:#fefcbf" in view.differences.value  # linear vs dot_general differ


def test_side_by_side_in_tabs_compares_every_curve_with_the_first() -> None:
    view = viz.SideBySide(["eager", "static", "functional", "pytorch"])
    assert view.layout == "tabs" and len(view.panels.children) == 4
    view.add("pytorch", _loss)  # a function shows its source
    assert "def _loss(w: Any, x: Any)" in view.code["pytorch"].value
    for step in range(3):
        view.log("eager", step, 1.0 / (step + 1))
        view.log("jax", step, 1.0 / (step + 1) + 1e-3 * step)  # a curve without a panel
    assert view.largest_differences() == pytest.approx({"eager": 0.0, "jax": 2e-3})
    assert "largest |difference| from eager" in view.agreement.value
    assert "2.0e-03" in view.agreement.value
    with pytest.raises(ValueError, match="columns"):
        viz.SideBySide(layout="grid")


def test_optimiser_playground_recomputes_on_slider_changes() -> None:
    playground = viz.OptimiserPlayground(surface="ill-conditioned", learning_rate=0.01, steps=50)
    before = playground.paths["sgd"][-1].copy()
    playground.learning_rate.value = 0.03
    after = playground.paths["sgd"][-1]
    assert not np.allclose(before, after)
    playground.steps.value = 10
    assert playground.paths["adam"].shape == (11, 2)
    # the optimisers' own numbers: plain SGD on 0.5 x^2 + 25 y^2 from (-4, 1)
    x, y = -4.0, 1.0
    for _ in range(10):
        x, y = x - 0.03 * x, y - 0.03 * 50 * y
    np.testing.assert_allclose(playground.paths["sgd"][-1], [x, y], rtol=1e-4)


def test_optimiser_playground_marks_the_minimum_and_divergence() -> None:
    from workbench.viz.plots import diverged_at  # noqa: PLC0415

    # on 25 y², plain SGD diverges once lr > 2/50: |1 - 50 lr| > 1
    playground = viz.OptimiserPlayground(
        surface="ill-conditioned", learning_rate=0.05, steps=40, optimisers=("sgd", "adam")
    )
    step = diverged_at("ill-conditioned", playground.paths["sgd"])
    # y_k = (1 - 0.05 * 50)^k = (-1.5)^k: inside the picture (|y| <= 1.5) at step 1, out at 2
    k = 2
    assert step == k
    assert diverged_at("ill-conditioned", playground.paths["adam"]) is None
    labels = playground.figure.axes[0].get_legend_handles_labels()[1]
    assert f"sgd: diverged at step {k}" in labels and "minimum" in labels and "adam" in labels
    assert playground.learning_rate.style.description_width == "initial"  # label not cut
    # the rate is held exactly (a log slider would round 0.05 to its step in the browser)
    assert playground.learning_rate.value == 0.05


def test_gradient_flow_and_benchmark_figures() -> None:
    flow = viz.GradientFlow()
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    for step in range(3):
        model.zero_grad()
        model(torch.tensor(X)).sum().backward()
        flow.record(step, viz.GradientFlow.from_eager(model))
    assert (
        set(flow.norms) == {"0.weight", "0.bias", "2.weight", "2.bias"}
        and len(flow.norms["0.weight"]) == 3
    )
    figure = flow.figure()
    assert len(figure.axes) == 2 and figure.axes[0].get_yscale() == "log"
    rows = [
        {"workload": "mlp", "impl": "numpy", "median_ms": 3.0, "min_ms": 2.9, "max_ms": 3.2},
        {"workload": "mlp", "impl": "jit", "median_ms": 3.5, "min_ms": 3.4, "max_ms": 3.9},
    ]
    chart = viz.benchmark_chart(rows)
    assert len(chart.axes[0].patches) == 2


def test_stepper_on_a_static_tf_function() -> None:
    import workbench.static as tf  # noqa: PLC0415

    w = tf.Variable(np.array([[0.5], [-1.0], [0.2]], np.float32))

    @tf.function
    def loss(x: Any) -> Any:
        return tf.reduce_sum(tf.square(tf.matmul(x, w)))

    stepper = viz.BackpropStepper(loss, np.array([[1.0, 2.0, 3.0]], np.float32))
    assert [s.equation.primitive.name for s in stepper.steps][-1] == "dot_general"


def test_timing_chart_compares_time_call_results() -> None:
    from workbench.bench.timing import Measurement

    chart = viz.timing_chart(
        {
            "eager": Measurement("eager", 4e-3, 3.8e-3, 4.5e-3, 5),
            "jit": Measurement("jit", 1e-3, 9e-4, 1.2e-3, 5),
        }
    )
    bars = chart.axes[0].patches
    assert [round(b.get_width(), 6) for b in bars] == [1.0, 4.0]  # ms; the fastest at the bottom
    assert [t.get_text().strip() for t in chart.axes[0].texts] == ["1.0x", "4.0x"]
