"""A small classifier playground in the spirit of TensorFlow Playground, made from the
workbench's own engine: pick a 2-d data set, the hidden layers, the activation and the
learning rate, then train a little MLP in the eager, static or functional style and
watch its decision boundary change. All three styles start from the same weights, so
switching style mid-lesson gives the same boundary: one engine, three skins.

``ClassifierModel`` is the model and its training in one style (no widgets); the widget
``ClassifierPlayground`` drives it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.viz import plots

STYLES = ("eager", "static", "functional")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
BOX = 1.5  # every data set lies in [-BOX, BOX]²


# ---------------------------------------------------------------------------------------
# data sets: (n, 2) points in [-1, 1]² and 0/1 labels


def _circles(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    radius = np.concatenate([rng.uniform(0, 0.45, n // 2), rng.uniform(0.65, 1.0, n - n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    return x + noise * rng.standard_normal(x.shape), (radius < 0.55).astype(np.float32)


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, (n, 2))
    x += np.sign(x) * 0.05  # keep points off the axes, where the label flips
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.float32)
    return x + noise * rng.standard_normal(x.shape), labels


def _blobs(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    labels = (np.arange(n) % 2).astype(np.float32)
    centres = np.where(labels[:, None] > 0, 0.5, -0.5)
    return centres + (0.25 + noise) * rng.standard_normal((n, 2)), labels


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    labels = (np.arange(n) % 2).astype(np.float32)
    t = rng.uniform(0.1, 1.0, n)
    angle = 3.5 * np.pi * t + np.pi * labels
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], 1)
    return x + noise * rng.standard_normal(x.shape), labels


DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "circles": _circles,
    "xor": _xor,
    "blobs": _blobs,
    "spiral": _spiral,
}


def dataset(name: str, n: int = 200, noise: float = 0.05, seed: int = 0) -> tuple[Any, Any]:
    """Points (n, 2) float32 and labels (n,) float32 of one of ``DATASETS``."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
    x, y = DATASETS[name](np.random.default_rng(seed), n, noise)
    return x.astype(np.float32), y.astype(np.float32)


def initial_weights(sizes: Sequence[int], seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] for layer sizes (2, h1, ..., 1): Glorot-uniform weights,
    zero biases; W has shape (fan_in, fan_out)."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))
        weights.append(np.zeros(fan_out, np.float32))
    return weights


# ---------------------------------------------------------------------------------------
# one model, three styles


class ClassifierModel:
    """An MLP 2 -> hidden... -> 1 (a logit), trained full-batch with plain gradient
    descent on the mean binary cross-entropy, in one front end's style.

    ``step()`` trains one step and returns the loss before it; ``probabilities(points)``
    evaluates the model; ``weights()`` reads the current weights as NumPy arrays.
    """

    def __init__(
        self,
        style: str,
        x: np.ndarray,
        y: np.ndarray,
        hidden: Sequence[int] = (8, 8),
        activation: str = "tanh",
        learning_rate: float = 0.3,
        seed: int = 0,
    ) -> None:
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}: choose one of {', '.join(STYLES)}")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}"
            )
        self.style, self.activation = style, activation
        self.x, self.y = x, y
        self.learning_rate = float(learning_rate)
        start = initial_weights((2, *hidden, 1), seed)
        builder = {"eager": self._eager, "static": self._static, "functional": self._functional}
        self._step, self._predict, self.weights = builder[style](start)

    # Each builder returns (step() -> loss, predict(points) -> probabilities, weights()).

    def _eager(self, start: list[np.ndarray]) -> tuple[Any, Any, Any]:
        import workbench.eager as torch  # noqa: PLC0415

        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}
        layers: list[Any] = []
        for k in range(0, len(start), 2):
            linear = torch.nn.Linear(*start[k].shape)
            weight, bias = linear.weight, linear.bias
            assert bias is not None  # Linear has a bias unless told otherwise
            with torch.no_grad():
                weight.copy_(torch.tensor(np.ascontiguousarray(start[k].T)))
                bias.copy_(torch.tensor(start[k + 1]))
            layers += [linear, act[self.activation]()]
        model = torch.nn.Sequential(*layers[:-1])  # no activation after the logit
        opt = torch.optim.SGD(model.parameters(), lr=self.learning_rate)
        x, y = torch.tensor(self.x), torch.tensor(self.y)
        loss_fn = torch.nn.BCEWithLogitsLoss()

        def step() -> float:
            loss = loss_fn(model(x).squeeze(1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return float(loss.item())

        def predict(points: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return model(torch.tensor(points)).sigmoid().numpy()[:, 0]

        def weights() -> list[np.ndarray]:
            values = [p.detach().numpy() for p in model.parameters()]
            return [v.T.copy() if v.ndim == 2 else v.copy() for v in values]

        return step, predict, weights

    def _static(self, start: list[np.ndarray]) -> tuple[Any, Any, Any]:
        import workbench.static as tf  # noqa: PLC0415

        v1 = tf.compat.v1
        act = {"tanh": tf.tanh, "relu": tf.nn.relu, "sigmoid": tf.sigmoid}[self.activation]
        graph = tf.Graph()
        with graph.as_default():
            points = v1.placeholder(tf.float32, [None, 2])
            labels = v1.placeholder(tf.float32, [None])
            variables = [tf.Variable(v) for v in start]
            h = points
            for k in range(0, len(variables), 2):
                h = tf.matmul(h, variables[k]) + variables[k + 1]
                if k + 2 < len(variables):
                    h = act(h)
            logit = tf.reshape(h, [-1])
            loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logit)
            )
            train = v1.train.GradientDescentOptimizer(self.learning_rate).minimize(loss)
            probability = tf.sigmoid(logit)
            session = v1.Session(graph=graph)
            session.run(v1.global_variables_initializer())
        feed = {points: self.x, labels: self.y}

        def step() -> float:
            return float(session.run([loss, train], feed)[0])

        def predict(grid: np.ndarray) -> np.ndarray:
            return np.asarray(session.run(probability, {points: grid}))

        def weights() -> list[np.ndarray]:
            return [np.asarray(v) for v in session.run(variables)]

        return step, predict, weights

    def _functional(self, start: list[np.ndarray]) -> tuple[Any, Any, Any]:
        import workbench.functional as jax  # noqa: PLC0415
        import workbench.functional.numpy as jnp  # noqa: PLC0415
        from workbench.functional import optim  # noqa: PLC0415

        act = {"tanh": jnp.tanh, "relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid}[self.activation]

        def logits(params: list[Any], points: Any) -> Any:
            h = points
            for k in range(0, len(params), 2):
                h = h @ params[k] + params[k + 1]
                if k + 2 < len(params):
                    h = act(h)
            return h[:, 0]

        def loss_fn(params: list[Any], points: Any, labels: Any) -> Any:
            z = logits(params, points)
            # mean of max(z, 0) - z·y + log(1 + e^-|z|): the stable binary cross-entropy
            return jnp.mean(jnp.maximum(z, 0) - z * labels + jnp.log1p(jnp.exp(-jnp.abs(z))))

        sgd = optim.sgd(self.learning_rate)

        @jax.jit
        def train_step(params: list[Any], state: Any, points: Any, labels: Any) -> Any:
            value, grads = jax.value_and_grad(loss_fn)(params, points, labels)
            updates, state = sgd.update(grads, state, params)
            return optim.apply_updates(params, updates), state, value

        predict_jit = jax.jit(lambda params, points: jax.nn.sigmoid(logits(params, points)))
        box = {"params": [jnp.asarray(v) for v in start]}
        box["state"] = sgd.init(box["params"])
        x, y = jnp.asarray(self.x), jnp.asarray(self.y)

        def step() -> float:
            box["params"], box["state"], value = train_step(box["params"], box["state"], x, y)
            return float(value)

        def predict(grid: np.ndarray) -> np.ndarray:
            return np.asarray(predict_jit(box["params"], jnp.asarray(grid)))

        def weights() -> list[np.ndarray]:
            return [np.asarray(p) for p in box["params"]]

        return step, predict, weights

    def step(self) -> float:
        """One step of gradient descent; the loss before it."""
        return self._step()  # type: ignore[no-any-return]

    def probabilities(self, points: np.ndarray) -> np.ndarray:
        """P(label 1) at each point."""
        return self._predict(np.asarray(points, np.float32))  # type: ignore[no-any-return]

    def accuracy(self) -> float:
        return float(np.mean((self.probabilities(self.x) > 0.5) == (self.y > 0.5)))


def boundary_figure(model: ClassifierModel, losses: Sequence[float], title: str = "") -> Any:
    """The decision boundary (P = 0.5) over the probability map, the data, and the loss
    curve beside it."""
    grid = np.linspace(-BOX, BOX, 80, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    p = model.probabilities(np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gx.shape)
    fig = plots._figure(figsize=(8.5, 3.8))
    left = fig.add_subplot(1, 2, 1)
    left.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
    left.contour(gx, gy, p, levels=[0.5], colors="black", linewidths=1.5)
    colours = np.where(model.y > 0.5, "#c53030", "#2b6cb0")
    left.scatter(model.x[:, 0], model.x[:, 1], c=colours, s=12, edgecolors="white", linewidths=0.5)
    left.set_xlim(-BOX, BOX)
    left.set_ylim(-BOX, BOX)
    left.set_aspect("equal")
    left.set_title(title or f"{model.style}: accuracy {model.accuracy():.0%}", fontsize=10)
    right = fig.add_subplot(1, 2, 2)
    right.plot(range(len(losses)), losses)
    right.set_xlabel("step")
    right.set_ylabel("training loss")
    right.set_title("loss", fontsize=10)
    fig.tight_layout()
    return fig


class ClassifierPlayground:
    """The widget: data set, style, hidden layers, activation and learning rate; *Train*
    runs steps in the background and redraws the boundary every few steps; *Reset*
    starts again from the initial weights (the same in every style)."""

    def __init__(
        self,
        dataset_name: str = "circles",
        style: str = "eager",
        hidden: Sequence[int] = (8, 8),
        activation: str = "tanh",
        learning_rate: float = 0.3,
        steps: int = 300,
    ) -> None:
        from workbench.viz.widgets import _ipywidgets, rate_slider  # noqa: PLC0415

        w = _ipywidgets()
        wide = {"description_width": "initial"}
        self.data = w.Dropdown(options=list(DATASETS), value=dataset_name, description="data")
        self.style = w.ToggleButtons(options=list(STYLES), value=style, style=wide)
        self.layers = w.IntSlider(value=len(hidden), min=0, max=4, description="hidden layers")
        self.neurons = w.IntSlider(value=max(hidden or (8,)), min=1, max=16, description="neurons")
        self.activation = w.Dropdown(
            options=list(ACTIVATIONS), value=activation, description="activation"
        )
        self.learning_rate = rate_slider(learning_rate)
        for control in (self.layers, self.neurons):
            control.style = wide
        self.steps = w.IntSlider(value=steps, min=10, max=2000, step=10, description="steps")
        self.steps.style = wide
        self.train_button = w.Button(description="Train", button_style="primary")
        self.reset_button = w.Button(description="Reset")
        self.image = w.Image(format="png", layout={"max_width": "100%", "height": "auto"})
        self.status = w.HTML()
        self.train_button.on_click(lambda _: self.start())
        self.reset_button.on_click(lambda _: self.reset())
        for control in (self.data, self.style, self.layers, self.neurons, self.activation):
            control.observe(lambda change: self.reset(), names="value")
        self.learning_rate.observe(lambda change: self.reset(), names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.data, self.activation]),
                self.style,
                w.HBox([self.layers, self.neurons]),
                w.HBox([self.learning_rate, self.steps]),
                w.HBox([self.train_button, self.reset_button, self.status]),
                self.image,
            ]
        )
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.reset()

    def reset(self) -> None:
        """A fresh model from the initial weights with the current settings."""
        self.stop()
        x, y = dataset(self.data.value)
        hidden = (self.neurons.value,) * self.layers.value
        self.model = ClassifierModel(
            self.style.value, x, y, hidden, self.activation.value, self.learning_rate.value
        )
        self.losses: list[float] = []
        self.draw()

    def train(self, steps: int, redraw_every: int = 0) -> None:
        """Train ``steps`` steps now (redrawing every ``redraw_every`` steps, and at the end)."""
        for k in range(steps):
            if self._stop.is_set():
                break
            self.losses.append(self.model.step())
            if redraw_every and (k + 1) % redraw_every == 0:
                self.draw()
        self.draw()

    def start(self) -> None:
        """Train in the background, redrawing as it goes (the notebook stays usable)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.train, args=(self.steps.value, 25), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._stop.set()
            self._thread.join()
        self._stop.clear()

    def draw(self) -> None:
        from workbench.notebook import figure_png  # noqa: PLC0415

        self.image.value = figure_png(boundary_figure(self.model, self.losses))
        loss = f"loss {self.losses[-1]:.4f}, " if self.losses else ""
        self.status.value = (
            f"{self.model.style}: step {len(self.losses)}, {loss}"
            f"accuracy {self.model.accuracy():.0%}"
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)
