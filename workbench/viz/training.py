"""Widgets that watch training: the training dashboard (live curves from any loop or from
Keras's ``fit``), the side-by-side view (each style's code and graph in columns, one
overlaid loss plot, and what differs between the graphs) and the optimiser playground.
They read values and graphs; they never change them."""

from __future__ import annotations

import html
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.notebook import figure_png
from workbench.viz import plots
from workbench.viz.render import GraphView
from workbench.viz.widgets import (
    _display_in,
    _ipywidgets,
    figure_widget,
    graph_widget,
    rate_slider,
)

Series = dict[str, list[tuple[int, float]]]  # metric name -> (step, value) points
LINE_STYLES = ("-", "--", "-.", ":")


class TrainingDashboard:
    """Live curves of losses and metrics: call ``log(step, loss=..., ...)`` from any
    training loop, or pass ``keras_callback()`` to Keras's ``fit``.

    A step that goes back (a re-run of the cell, a second ``fit``) starts a new run: the
    earlier runs stay on the plot, faded, instead of the line jumping back. The picture is
    redrawn at most every ``min_interval`` seconds, and never more often than keeps
    drawing under a fifth of the time (the last values are drawn when the interval
    ends), so watching costs little training time.
    """

    def __init__(self, title: str = "training", every: int = 1, min_interval: float = 0.5):
        w = _ipywidgets()
        self.title = title
        self.every = max(1, int(every))
        self.min_interval = float(min_interval)
        self.runs: list[Series] = [{}]
        self.image = w.Image(format="png", layout={"max_width": "100%", "height": "auto"})
        self.status = w.HTML()
        self.widget = w.VBox([self.status, self.image])
        self.draws = 0
        self._count = 0
        self._last_draw = -math.inf
        self._render_seconds = 0.0
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    @property
    def history(self) -> Series:
        """The current run's curves."""
        return self.runs[-1]

    def new_run(self) -> None:
        """Start a new series (done by itself when a logged step goes back)."""
        with self._lock:
            if self.runs[-1]:
                self.runs.append({})

    def log(self, step: int, **metrics: Any) -> None:
        step = int(step)
        values = {name: float(np.asarray(value)) for name, value in metrics.items()}
        current = self.history
        if any(current.get(n) and step <= current[n][-1][0] for n in values):
            self.new_run()
        with self._lock:
            for name, value in values.items():
                self.runs[-1].setdefault(name, []).append((step, value))
        self._count += 1
        self.status.value = (
            " · ".join(f"{k} {v[-1][1]:.4f}" for k, v in self.history.items()) + f" (step {step})"
        )
        if self._count % self.every == 0:
            self._request_draw()

    def _request_draw(self) -> None:
        # at least min_interval apart, and never more than a fifth of the time drawing
        interval = max(self.min_interval, 4.0 * self._render_seconds)
        wait = interval - (time.monotonic() - self._last_draw)
        if wait <= 0:
            self.redraw()
        elif self._timer is None:  # draw the latest values when the interval ends
            self._timer = threading.Timer(wait, self._flush)
            self._timer.daemon = True
            self._timer.start()

    def _flush(self) -> None:
        self._timer = None
        self.redraw()

    def figure(self) -> Any:
        with self._lock:
            runs = [{k: list(v) for k, v in run.items()} for run in self.runs if run]
        fig = plots._figure(figsize=(7, 3))
        ax = fig.add_subplot(1, 1, 1)
        for k, run in enumerate(runs):
            latest = k == len(runs) - 1
            for i, (name, points) in enumerate(run.items()):
                steps, values = zip(*points)
                label = name if latest else f"{name} (run {k + 1})"
                # curves that coincide (the point of comparing styles) stay visible: each
                # later one is drawn thinner, on top, in its own dash pattern
                ax.plot(
                    steps,
                    values,
                    label=label,
                    alpha=1.0 if latest else 0.3,
                    linewidth=max(1.0, 5.0 - 0.8 * i),
                    linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                )
        ax.set_xlabel("step")
        ax.set_title(self.title)
        if runs:
            ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def redraw(self) -> None:
        start = time.monotonic()
        self.image.value = figure_png(self.figure())
        self._last_draw = time.monotonic()
        self._render_seconds = self._last_draw - start
        self.draws += 1

    def keras_callback(self) -> Any:
        from workbench.static.keras.callbacks import Callback  # noqa: PLC0415

        dashboard = self

        class _Dashboard(Callback):
            def __init__(self) -> None:
                super().__init__()
                self.seen = 0

            def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
                dashboard.new_run()

            def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
                self.seen += 1
                dashboard.log(self.seen, **(logs or {}))

            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                dashboard.log(
                    self.seen, **{k: v for k, v in (logs or {}).items() if k.startswith("val_")}
                )

            def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
                dashboard.redraw()

        return _Dashboard()

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


class SideBySide:
    """One panel per style (eager / static / functional by default; add ``"pytorch"``,
    ``"tensorflow"`` or ``"jax"`` for the real frameworks): its code and the graph it
    built, with one loss plot below on which every style's curve is overlaid, a table of
    how far each curve is from the first style's, and a table of what differs between
    the graphs. Panels sit in columns, or in tabs (``layout="tabs"``, the default past
    three styles). ``add(style, code, graph)`` fills a panel (``code`` may be the
    function itself); ``log(style, step, loss)`` extends that style's curve."""

    def __init__(
        self, styles: Sequence[str] = ("eager", "static", "functional"), layout: str = ""
    ) -> None:
        w = _ipywidgets()
        self.styles = tuple(styles)
        self.layout = layout or ("columns" if len(self.styles) <= 3 else "tabs")
        if self.layout not in ("columns", "tabs"):
            raise ValueError(f"layout must be 'columns' or 'tabs', not {layout!r}")
        self.code = {s: w.HTML() for s in self.styles}
        self.graphs = {s: w.Output() for s in self.styles}
        self.views: dict[str, GraphView] = {}
        # flex panels that may shrink below their content: pictures scale to fit
        panel = {"flex": "1 1 0", "min_width": "0", "overflow": "hidden", "padding": "0 4px"}
        panels = [
            w.VBox([w.HTML(f"<h3>{s}</h3>"), self.code[s], self.graphs[s]], layout=panel)
            for s in self.styles
        ]
        if self.layout == "tabs":
            self.panels = w.Tab(children=panels, titles=self.styles)
        else:
            self.panels = w.HBox(panels, layout={"width": "100%"})
        self.dashboard = TrainingDashboard(title="loss, every style on one plot")
        self.agreement = w.HTML()
        self.differences = w.HTML()
        self.widget = w.VBox([self.panels, self.dashboard.widget, self.agreement, self.differences])

    def add(self, style: str, code: Any, graph: GraphView | None = None) -> None:
        if callable(code):
            import inspect  # noqa: PLC0415

            code = inspect.getsource(code)
        self.code[
            style
        ].value = f"<pre style='font-size:11px;white-space:pre-wrap'>{html.escape(code)}</pre>"
        if graph is not None:
            self.views[style] = graph.with_options(max_nodes=40)
            _display_in(self.graphs[style], graph_widget(self.views[style]))
            self.differences.value = self.difference_table()

    def log(self, style: str, step: int, loss: Any) -> None:
        self.dashboard.log(step, **{style: loss})
        self.agreement.value = self.agreement_table()

    def largest_differences(self) -> dict[str, float]:
        """For each style, the largest |loss - the first style's loss| over the steps
        both have logged."""
        curves = {name: dict(points) for name, points in self.dashboard.history.items()}
        if not curves:
            return {}
        reference = curves[next(iter(curves))]
        return {
            name: max(
                (abs(v - reference[k]) for k, v in curve.items() if k in reference), default=0.0
            )
            for name, curve in curves.items()
        }

    def agreement_table(self) -> str:
        """An HTML table: each style's first and last loss and its largest difference
        from the first style's curve."""
        history = self.dashboard.history
        if not history:
            return ""
        first = next(iter(history))
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{points[0][1]:.6f}</td>"
            f"<td>{points[-1][1]:.6f}</td><td>{gap:.1e}</td></tr>"
            for (name, points), gap in zip(history.items(), self.largest_differences().values())
        )
        return (
            f"<table><tr><th>style</th><th>first loss</th><th>last loss</th>"
            f"<th>largest |difference| from {html.escape(first)}</th></tr>{rows}</table>"
        )

    def operation_counts(self) -> dict[str, Counter[str]]:
        """How many operations of each kind each style's graph has."""
        # the operation's name without the constants written after it: div(512) is a div
        return {
            style: Counter(_operation_name(n.label) for n in view.diagram.operations)
            for style, view in self.views.items()
        }

    def difference_table(self) -> str:
        """An HTML table of operation counts per style; rows where the styles differ are
        marked, which is where their graphs differ."""
        counts = self.operation_counts()
        if len(counts) < 2:
            return ""
        names = sorted(set().union(*counts.values()))
        head = "".join(f"<th>{html.escape(s)}</th>" for s in counts)
        rows = []
        for name in names:
            cells = [counts[s][name] for s in counts]
            differs = len(set(cells)) > 1
            style = " style='background:#fefcbf'" if differs else ""
            body = "".join(f"<td>{c or '—'}</td>" for c in cells)
            rows.append(f"<tr{style}><td><code>{html.escape(name)}</code></td>{body}</tr>")
        totals = "".join(f"<td><b>{sum(c.values())}</b></td>" for c in counts.values())
        return (
            "<b>operations in each style's graph</b> (highlighted: where they differ)"
            f"<table><tr><th></th>{head}</tr>{''.join(rows)}<tr><td>total</td>{totals}</tr>"
            "</table>"
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


class OptimiserPlayground:
    """SGD, momentum, Adam, Adagrad and RMSprop on a 2-d surface, with sliders for the
    learning rate and the number of steps; paths are computed by the workbench's own
    optimisers. The minimum is starred, and an optimiser that diverges is marked where
    it leaves the picture."""

    def __init__(
        self,
        surface: str = "rosenbrock",
        learning_rate: float = 0.002,
        steps: int = 200,
        optimisers: Sequence[str] = plots.OPTIMISERS,
    ) -> None:
        w = _ipywidgets()
        wide = {"description_width": "initial"}
        self.surface = w.Dropdown(
            options=list(plots.SURFACES), value=surface, description="surface", style=wide
        )
        self.learning_rate = rate_slider(learning_rate)
        self.steps = w.IntSlider(value=steps, min=1, max=1000, description="steps", style=wide)
        self.optimisers = w.SelectMultiple(
            options=list(plots.OPTIMISERS),
            value=tuple(optimisers),
            description="optimisers",
            style=wide,
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
        self.figure = plots.optimiser_figure(self.surface.value, self.paths)
        _display_in(self.output, figure_widget(self.figure))

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)


def _operation_name(label: str) -> str:
    """``"div(512)\\nf32[]"`` -> ``"div"``: a drawn node's operation."""
    return label.split("\\n")[0].split("(")[0]
