"""ipywidgets for JupyterLab that look inside one computation: the graph explorer (click
a node to see its value, gradient and VJP rule) and the backprop stepper (a slider over
the backward pass, values and gradients on the edges). Each is a small class whose
``.widget`` is the ipywidgets tree and whose state a test (or a learner's clicks)
changes through the widgets' values. The training widgets live in ``training.py``."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from workbench.notebook import figure_png
from workbench.viz.diagram import Diagram, from_core
from workbench.viz.render import GraphView, dot_available
from workbench.viz.sources import trace_of
from workbench.viz.values import record, vjp_equations, vjp_rule_source


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


def figure_widget(fig: Any) -> Any:
    """A matplotlib figure as an image widget, scaled to the width of its column."""
    return _ipywidgets().Image(
        value=figure_png(fig), format="png", layout={"max_width": "100%", "height": "auto"}
    )


RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def rate_slider(value: float, description: str = "learning rate") -> Any:
    """A slider over fixed learning rates (TensorFlow Playground's choice) that holds
    ``value`` exactly: a log slider would round it to its step in the browser and send
    the rounded value back."""
    options = sorted({*RATES, float(value)})
    return _ipywidgets().SelectionSlider(
        options=[(f"{r:g}", r) for r in options],
        value=float(value),
        description=description,
        style={"description_width": "initial"},
    )


def _short(value: np.ndarray | None) -> str:
    """A few characters that stand for an array on an edge: the numbers when there are
    at most three, else the mean."""
    if value is None:
        return ""
    flat = np.asarray(value, dtype=np.float64).ravel()
    if flat.size <= 3:
        return " ".join(f"{v:.3g}" for v in flat)
    return f"mean {flat.mean():.3g}"


def _display_in(output: Any, thing: Any) -> None:
    from IPython.display import display  # noqa: PLC0415

    output.clear_output(wait=True)
    with output:
        display(thing)


def _picture(view: GraphView, clickable: Any = None) -> Any:
    """The drawing for a widget: into the clickable graph when there is one (needs
    ``dot``), else a plain widget."""
    if clickable is not None:
        clickable.svg = view.svg()
        return clickable
    return graph_widget(view)


class GraphExplorer:
    """Click a node of the drawing to see its value, gradient, shape and the VJP rule its
    primitive uses; toggle forward/backward and before/after the compiler's passes.

    ``GraphExplorer(obj, *example_args, params=...)`` accepts what ``viz.graph`` does
    (an eager loss tensor, a functional function with its arguments, a core graph…).
    Without Graphviz's ``dot`` the drawing is not clickable; pick nodes from the list.
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
        self.node_picker = w.Dropdown(description="or pick")
        self.details = w.HTML(layout={"width": "38%", "overflow": "auto"})
        self.clickable = _clickable()
        self.picture = w.Output(layout={"width": "60%"})
        self.view_mode.observe(lambda change: self._redraw(), names="value")
        self.node_picker.observe(lambda change: self._show(), names="value")
        if self.clickable is not None:
            self.clickable.observe(lambda change: self._clicked(change["new"]), names="selected")
        hint = w.HTML("<i>click a node in the drawing</i>" if self.clickable else "")
        self.widget = w.VBox(
            [
                w.HBox([self.view_mode, hint]),
                w.HBox([self.picture, w.VBox([self.node_picker, self.details])]),
            ]
        )
        self._redraw()

    def _diagram(self) -> Diagram:
        from workbench.viz.sources import traced_diagram  # noqa: PLC0415

        mode = self.view_mode.value
        kinds = {i: "param" for i in self.traced.params}
        if mode == "forward":
            return from_core(self.traced.graph, self.traced.names, kinds, title="forward")
        # "optimised" is what a compiler gets in training: the backward pass (which
        # recomputes the forward values it needs) after the passes
        return traced_diagram(self.traced, backward=True, optimize=mode == "optimised")

    def _redraw(self) -> None:
        self.diagram = self._diagram()
        self.node_picker.options = [
            (n.label.replace("\\n", "  "), n.id) for n in self.diagram.nodes if n.kind != "more"
        ]
        if self.node_picker.value is None:  # open on the first operation, not on nothing
            first = next((n.id for n in self.diagram.operations), None)
            self.node_picker.value = first
        self.view = GraphView(self.diagram)
        _display_in(self.picture, _picture(self.view, self.clickable))
        self._show()

    def _clicked(self, node_id: str) -> None:
        if node_id and any(value == node_id for _, value in self.node_picker.options):
            self.node_picker.value = node_id

    def _show(self) -> None:
        node_id = self.node_picker.value
        if node_id is None:
            self.details.value = ""
            return
        if self.clickable is not None:
            self.clickable.selected = node_id
        node = self.diagram.node(node_id)
        ref = node.ref
        rows = [f"<b>{html.escape(node.label.replace(chr(92) + 'n', ' '))}</b>"]
        if node.details and node.details != node.label:
            rows.append(f"<pre>{html.escape(node.details)}</pre>")
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
            name = ref.primitive.name
            traced = vjp_equations(ref)
            if traced is not None:
                rows.append(
                    f"VJP rule of <code>{name}</code> here, as the core's equations "
                    f"(inputs: the gradient arriving, the output, then the operation's "
                    f"inputs; outputs: the gradient sent to each input):"
                    f"<pre>{html.escape(traced)}</pre>"
                )
            rows.append(
                f"<details><summary>the rule's source</summary>"
                f"<pre>{html.escape(vjp_rule_source(ref))}</pre></details>"
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


def _clickable() -> Any:
    """A clickable drawing when ``dot`` can draw the SVG, else None."""
    if not dot_available():
        return None
    from workbench.viz.clickable import ClickableGraph  # noqa: PLC0415

    return ClickableGraph()


class BackpropStepper:
    """A slider over the backward pass: step k highlights the k-th node the reverse mode
    processes; every edge shows the value flowing forward and, once the backward pass
    has reached it, the gradient flowing back (red). The numbers of the step sit beside
    the drawing, so slider, highlighted node and numbers share one view."""

    def __init__(self, obj: Any, *args: Any, params: dict[str, Any] | None = None) -> None:
        w = _ipywidgets()
        self.traced = trace_of(obj, *args, params=params)
        if self.traced.args is None:
            raise ValueError("the stepper needs example inputs: pass them after the object")
        self.recording = record(self.traced.graph, self.traced.args)
        self.steps = self.recording.steps
        self.kinds = {i: "param" for i in self.traced.params}
        self.slider = w.IntSlider(  # steps counted from 1, as the details say them
            min=1,
            max=max(len(self.steps), 1),
            value=1,
            description="backward step",
            style={"description_width": "initial"},
            layout={"width": "420px"},
        )
        self.picture = w.Output(layout={"width": "62%"})
        self.details = w.HTML(layout={"width": "36%", "overflow": "auto"})
        self.slider.observe(lambda change: self._show(), names="value")
        self.widget = w.VBox([self.slider, w.HBox([self.picture, self.details])])
        self._show()

    def _edge_labels(self, diagram: Diagram, done: int) -> dict[tuple[str, str], str]:
        """Each edge's forward value, and its gradient once step ``done`` has sent it.
        Edges are found through the drawing's own nodes (each node refers to the variable
        or equation it draws), so the ids always match the picture."""
        producer: dict[int, str] = {}  # id(var) -> the node that makes it
        consumer: dict[int, str] = {}  # id(equation or output atom) -> its node
        for node in diagram.nodes:
            if node.kind == "output":
                consumer[id(node.ref)] = node.id
            elif hasattr(node.ref, "primitive"):
                consumer[id(node.ref)] = node.id
                producer.update({id(v): node.id for v in node.ref.outputs})
            elif node.ref is not None:
                producer[id(node.ref)] = node.id
        graph = self.traced.graph
        sent: dict[tuple[str, str], np.ndarray] = {}
        for step in self.steps[: done + 1]:
            target = consumer[id(step.equation)]
            for atom, g in zip(step.equation.inputs, step.input_gradients):
                if id(atom) in producer and g is not None:
                    edge = (producer[id(atom)], target)
                    # an input used twice (x * x) is one edge carrying both gradients
                    sent[edge] = sent[edge] + g if edge in sent else g
        edges = [(atom, consumer[id(eqn)]) for eqn in graph.equations for atom in eqn.inputs]
        edges += [(atom, consumer[id(atom)]) for atom in graph.outputs]
        seed = consumer[id(graph.outputs[0])]
        labels: dict[tuple[str, str], str] = {}
        for atom, target in edges:
            if id(atom) not in producer:
                continue
            edge = (producer[id(atom)], target)
            text = _short(self.recording.values.get(id(atom)))
            if edge in sent:
                text += f"\\n∂ {_short(sent[edge])}"
            elif target == seed:  # the seed: d output / d output = 1
                text += f"\\n∂ {_short(self.steps[0].output_gradient)}"
            labels[edge] = text
        return labels

    def _show(self) -> None:
        if not self.steps:
            self.details.value = "nothing to differentiate"
            return
        done = self.slider.value - 1
        step = self.steps[done]
        self.diagram = from_core(
            self.traced.graph,
            self.traced.names,
            self.kinds,
            title="values flow forward (blue); gradients flow back (red, ∂)",
        )
        self.diagram.edge_labels = self._edge_labels(self.diagram, done)
        self.view = GraphView(self.diagram, highlight=[f"e{step.index}"])
        _display_in(self.picture, graph_widget(self.view))
        names = [self._input_name(atom, i) for i, atom in enumerate(step.equation.inputs)]
        lines = [
            f"<p><b>step {done + 1} of {len(self.steps)}: {step.equation.primitive.name}</b></p>",
            f"gradient arriving at its output:<pre>{_array_text(step.output_gradient)}</pre>",
        ]
        for name, g in zip(names, step.input_gradients):
            lines.append(f"gradient sent to {html.escape(name)}:<pre>{_array_text(g)}</pre>")
        self.details.value = "".join(lines)

    def _input_name(self, atom: Any, position: int) -> str:
        """How a learner would call an equation's input: the user's name for a graph
        input, else the operation that made it."""
        graph = self.traced.graph
        if any(atom is v for v in graph.inputs):
            i = next(i for i, v in enumerate(graph.inputs) if atom is v)
            return self.traced.names.get(id(atom)) or f"input {i}"
        for eqn in graph.equations:
            if any(atom is v for v in eqn.outputs):
                return f"input {position} (from {eqn.primitive.name})"
        return f"input {position}"

    @property
    def highlighted(self) -> str:
        return f"e{self.steps[self.slider.value - 1].index}"

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)
