"""ipywidgets for JupyterLab: the graph explorer, the backprop stepper, the side-by-side
view, the training dashboard and the optimiser playground. Each is a small class whose
``.widget`` is the ipywidgets tree and whose state a test (or a learner's clicks)
changes through the widgets' values."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.viz import plots
from workbench.viz.diagram import from_core
from workbench.viz.render import GraphView, dot_available
from workbench.viz.sources import trace_of
from workbench.viz.values import record, vjp_rule_source


def _ipywidgets() -> Any:
    import ipywidgets  # noqa: PLC0415

    return ipywidgets


def graph_widget(view: GraphView) -> Any:
    """A widget showing a drawing: SVG from ``dot`` when installed, else drawn in the
    browser by WebAssembly Graphviz."""
    w = _ipywidgets()
    if dot_available():
        return w.HTML(value=view.svg())
    return view.widget()


def _array_text(value: np.ndarray | None) -> str:
    if value is None:
        return "—"
    text = np.array2string(np.asarray(value), precision=4, threshold=30, edgeitems=3)
    return html.escape(text)


def _figure_widget(fig: Any) -> Any:
    import base64  # noqa: PLC0415
    import io  # noqa: PLC0415

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/png;base64,{data}"/>'


class GraphExplorer:
    """Pick a node to see its value, gradient, shape and the VJP rule its primitive
    uses; toggle forward/backward and before/after the compiler's passes.

    ``GraphExplorer(obj, *example_args, params=...)`` accepts what ``viz.graph`` does
    (an eager loss tensor, a functional function with its arguments, a core graph…).
    """

    def __init__(self, obj: Any, *args: Any, params: dict[str, Any] | None = None) -> None:
        w = _ipywidgets()
        self.traced = trace_of(obj, *args, params=params)
        if self.traced.args is None:
            raise ValueError("the explorer needs example inputs: pass them after the object")
        self.recording = record(self.traced.graph, self.traced.args)
        self.view_mode = w.ToggleButtons(
            options=["forward", "backward", "optimised"], value="forward"
        )
        self.node_picker = w.Dropdown(description="node")
        self.details = w.HTML()
        self.picture = w.Output()
        self.view_mode.observe(lambda change: self._redraw(), names="value")
        self.node_picker.observe(lambda change: self._show(), names="value")
        self.widget = w.VBox([self.view_mode, self.picture, self.node_picker, self.details])
        self._redraw()

    def _diagram(self) -> Any:
        from workbench.viz.sources import diagram_of  # noqa: PLC0415

        mode = self.view_mode.value
        kinds = {i: "param" for i in self.traced.params}
        if mode == "forward":
            return from_core(self.traced.graph, self.traced.names, kinds, title="forward")
        return diagram_of(
            self.traced.graph, backward=mode == "backward", optimize=mode == "optimised"
        )

    def _redraw(self) -> None:
        self.diagram = self._diagram()
        options = [
            (n.label.replace("\\n", "  "), n.id) for n in self.diagram.nodes if n.kind != "more"
        ]
        self.node_picker.options = options
        self.view = GraphView(self.diagram)
        self.picture.clear_output(wait=True)
        with self.picture:
            from IPython.display import display  # noqa: PLC0415

            display(graph_widget(self.view))
        self._show()

    def _show(self) -> None:
        node_id = self.node_picker.value
        if node_id is None:
            self.details.value = ""
            return
        node = self.diagram.node(node_id)
        ref = node.ref
        rows = [f"<b>{html.escape(node.label.replace(chr(92) + 'n', ' '))}</b>"]
        if self.view_mode.value == "forward":
            variables = list(getattr(ref, "outputs", None) or ([ref] if ref is not None else []))
            for var in variables:
                value = self.recording.values.get(id(var))
                grad = self.recording.gradients.get(id(var))
                shape = None if value is None else value.shape
                rows.append(
                    f"shape {shape}<br>value<pre>{_array_text(value)}</pre>"
                    f"gradient<pre>{_array_text(grad)}</pre>"
                )
        if hasattr(ref, "primitive"):
            rows.append(
                f"VJP rule of <code>{ref.primitive.name}</code>:"
                f"<pre>{html.escape(vjp_rule_source(ref))}</pre>"
            )
        self.details.value = "".join(rows)

    def select(self, label_start: str) -> None:
        """Pick the first node whose label starts with ``label_start`` (as a click would)."""
        for text, node_id in self.node_picker.options:
            if text.startswith(label_start):
                self.node_picker.value = node_id
                return
        raise KeyError(label_start)

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


class BackpropStepper:
    """A slider over the backward pass: step k highlights the k-th node the reverse mode
    processes and lists the gradient arriving at it and the gradients it sends on."""

    def __init__(self, obj: Any, *args: Any, params: dict[str, Any] | None = None) -> None:
        w = _ipywidgets()
        self.traced = trace_of(obj, *args, params=params)
        if self.traced.args is None:
            raise ValueError("the stepper needs example inputs: pass them after the object")
        self.recording = record(self.traced.graph, self.traced.args)
        self.steps = self.recording.steps
        kinds = {i: "param" for i in self.traced.params}
        self.diagram = from_core(
            self.traced.graph, self.traced.names, kinds, title="backward pass, step by step"
        )
        self.slider = w.IntSlider(
            min=0, max=max(len(self.steps) - 1, 0), value=0, description="step"
        )
        self.picture = w.Output()
        self.details = w.HTML()
        self.slider.observe(lambda change: self._show(), names="value")
        self.widget = w.VBox([self.slider, self.picture, self.details])
        self._show()

    def _show(self) -> None:
        if not self.steps:
            self.details.value = "nothing to differentiate"
            return
        step = self.steps[self.slider.value]
        node_id = f"e{step.index}"
        self.view = GraphView(self.diagram, highlight=[node_id])
        self.picture.clear_output(wait=True)
        with self.picture:
            from IPython.display import display  # noqa: PLC0415

            display(graph_widget(self.view))
        lines = [
            f"<b>step {self.slider.value + 1} of {len(self.steps)}: "
            f"{step.equation.primitive.name}</b>",
            f"gradient arriving at its output:<pre>{_array_text(step.output_gradient)}</pre>",
        ]
        for i, g in enumerate(step.input_gradients):
            lines.append(f"gradient sent to input {i}:<pre>{_array_text(g)}</pre>")
        self.details.value = "".join(lines)

    @property
    def highlighted(self) -> str:
        return f"e{self.steps[self.slider.value].index}"

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


class TrainingDashboard:
    """Live curves of losses and metrics: call ``log(step, loss=..., ...)`` from any
    training loop, or pass ``keras_callback()`` to Keras's ``fit``. The plot is redrawn
    in place (``clear_output(wait=True)``), so it does not flicker."""

    def __init__(self, title: str = "training", every: int = 1) -> None:
        w = _ipywidgets()
        self.title = title
        self.every = max(1, int(every))
        self.history: dict[str, list[tuple[int, float]]] = {}
        self.output = w.Output()
        self.status = w.HTML()
        self.widget = w.VBox([self.status, self.output])
        self._count = 0

    def log(self, step: int, **metrics: Any) -> None:
        for name, value in metrics.items():
            self.history.setdefault(name, []).append((int(step), float(np.asarray(value))))
        self._count += 1
        self.status.value = (
            " · ".join(f"{k} {v[-1][1]:.4f}" for k, v in self.history.items()) + f" (step {step})"
        )
        if self._count % self.every == 0:
            self.redraw()

    def figure(self) -> Any:
        fig = plots._figure(figsize=(7, 3))
        ax = fig.add_subplot(1, 1, 1)
        for name, points in self.history.items():
            steps, values = zip(*points)
            ax.plot(steps, values, label=name)
        ax.set_xlabel("step")
        ax.set_title(self.title)
        if self.history:
            ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def redraw(self) -> None:
        w = _ipywidgets()
        self.output.clear_output(wait=True)
        with self.output:
            from IPython.display import display  # noqa: PLC0415

            display(w.HTML(_figure_widget(self.figure())))

    def keras_callback(self) -> Any:
        from workbench.static.keras.callbacks import Callback  # noqa: PLC0415

        dashboard = self

        class _Dashboard(Callback):
            def __init__(self) -> None:
                super().__init__()
                self.seen = 0

            def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
                self.seen += 1
                dashboard.log(self.seen, **(logs or {}))

            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                dashboard.log(
                    self.seen, **{k: v for k, v in (logs or {}).items() if k.startswith("val_")}
                )

        return _Dashboard()

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


class SideBySide:
    """Three columns (eager / static / functional): each style's code, its graph and its
    live loss curve. ``add(style, code, graph_obj)`` fills a column; ``log(style, step,
    loss)`` extends its curve."""

    STYLES = ("eager", "static", "functional")

    def __init__(self) -> None:
        w = _ipywidgets()
        self.code = {s: w.HTML() for s in self.STYLES}
        self.graphs = {s: w.Output() for s in self.STYLES}
        self.curves = {s: TrainingDashboard(title=f"{s} loss") for s in self.STYLES}
        columns = [
            w.VBox(
                [w.HTML(f"<h3>{s}</h3>"), self.code[s], self.graphs[s], self.curves[s].widget],
                layout=w.Layout(width="33%"),
            )
            for s in self.STYLES
        ]
        self.widget = w.HBox(columns)

    def add(self, style: str, code: str, graph: GraphView | None = None) -> None:
        self.code[style].value = f"<pre style='font-size:11px'>{html.escape(code)}</pre>"
        if graph is not None:
            self.graphs[style].clear_output(wait=True)
            with self.graphs[style]:
                from IPython.display import display  # noqa: PLC0415

                display(graph_widget(graph.with_options(max_nodes=40)))

    def log(self, style: str, step: int, loss: Any) -> None:
        self.curves[style].log(step, loss=loss)

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


class OptimiserPlayground:
    """SGD, momentum, Adam, Adagrad and RMSprop on a 2-d surface, with sliders for the
    learning rate and the number of steps; paths are computed by the workbench's own
    optimisers."""

    def __init__(
        self,
        surface: str = "rosenbrock",
        learning_rate: float = 0.002,
        steps: int = 200,
        optimisers: Sequence[str] = plots.OPTIMISERS,
    ) -> None:
        w = _ipywidgets()
        self.surface = w.Dropdown(
            options=list(plots.SURFACES), value=surface, description="surface"
        )
        self.learning_rate = w.FloatLogSlider(
            value=learning_rate, base=10, min=-4, max=0, description="learning rate"
        )
        self.steps = w.IntSlider(value=steps, min=1, max=1000, description="steps")
        self.optimisers = w.SelectMultiple(
            options=list(plots.OPTIMISERS), value=tuple(optimisers), description="optimisers"
        )
        self.output = w.Output()
        for control in (self.surface, self.learning_rate, self.steps, self.optimisers):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox(
            [w.HBox([self.surface, self.optimisers]), self.learning_rate, self.steps, self.output]
        )
        self.update()

    def update(self) -> None:
        self.paths = plots.optimiser_paths(
            self.surface.value, self.optimisers.value, self.learning_rate.value, self.steps.value
        )
        fig = plots.optimiser_figure(self.surface.value, self.paths)
        self.output.clear_output(wait=True)
        with self.output:
            from IPython.display import HTML, display  # noqa: PLC0415

            display(HTML(_figure_widget(fig)))

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)
