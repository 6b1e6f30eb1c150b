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
    assert "VJP rule of <code>tanh</code>" in text and "def " in text
    pre = np.tanh(X @ W)
    assert f"{pre[0, 0]:.4f}"[:5] in text  # the value
    explorer.select("input 0")
    grad = np.asarray(jax.grad(_loss)(jnp.asarray(W), jnp.asarray(X)))
    assert f"{grad[0, 0]:.4f}"[:5] in explorer.details.value  # the gradient
    forward_nodes = len(explorer.node_picker.options)
    explorer.view_mode.value = "backward"
    assert len(explorer.node_picker.options) > forward_nodes
    explorer.view_mode.value = "optimised"
    assert "passes" in explorer.diagram.title


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
    stepper.slider.value = len(stepper.steps) - 1
    assert stepper.highlighted == f"e{stepper.steps[-1].index}"
    assert (
        "dot_general" in stepper.details.value
        and "gradient sent to input 0" in stepper.details.value
    )
    assert "penwidth=3" in stepper.view.source


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


def test_side_by_side_has_three_columns() -> None:
    view = viz.SideBySide()
    view.add("functional", "jax.grad(loss)", viz.graph(_loss, jnp.asarray(W), jnp.asarray(X)))
    view.log("functional", 0, 1.5)
    assert len(view.widget.children) == 3
    assert "jax.grad(loss)" in view.code["functional"].value
    assert view.curves["functional"].history["loss"] == [(0, 1.5)]


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
