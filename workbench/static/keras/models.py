"""Keras models: ``Model`` (functional or subclassed), ``Sequential``, the training loop
(``compile``/``fit``/``evaluate``/``predict``), ``summary`` and safe saving.

``fit`` runs one compiled training step per batch: the forward pass, the loss, the
gradients (``GradientTape``) and the optimizer's updates, traced once per batch shape
with ``tf.function`` and run through the core's compiler.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.backend.files import read_archive, write_npz
from workbench.core import tree
from workbench.static import math_ops
from workbench.static.execution import EagerTensor, convert_to_tensor
from workbench.static.function import function
from workbench.static.keras import callbacks as cbks
from workbench.static.keras import engine
from workbench.static.keras import losses as losses_mod
from workbench.static.keras import metrics as metrics_mod
from workbench.static.keras import optimizers as optimizers_mod
from workbench.static.keras.engine import KerasTensor, Layer, unique_name
from workbench.static.string_data import host_strings, is_string_data
from workbench.static.tape import GradientTape


def _resolve(obj: Any, env: dict[int, Any]) -> Any:
    if isinstance(obj, KerasTensor):
        return env[id(obj)]
    if isinstance(obj, list | tuple):
        return type(obj)(_resolve(o, env) for o in obj)
    if isinstance(obj, dict):
        return {k: _resolve(v, env) for k, v in obj.items()}
    return obj


def _parents(obj: Any) -> list[KerasTensor]:
    if isinstance(obj, KerasTensor):
        return [obj]
    if isinstance(obj, list | tuple):
        return [p for o in obj for p in _parents(o)]
    if isinstance(obj, dict):
        return [p for o in obj.values() for p in _parents(o)]
    return []


def _input_layer(tensor: KerasTensor) -> Layer:
    """The InputLayer Keras 3 shows for a functional model's input (no weights)."""
    from workbench.static.keras.layers import InputLayer  # noqa: PLC0415

    layer = InputLayer(shape=tuple(tensor.shape[1:]), batch_size=tensor.shape[0], name=tensor.name)
    layer.output_shape_seen = tuple(tensor.shape)
    return layer


class Model(Layer):
    """A layer with training: functional (``Model(inputs, outputs)``) or subclassed.
    Mirrors: keras.Model."""

    loss: Any = None  # what compile() was given

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        if name is None and inputs is not None and type(self) is Model:
            name = unique_name("functional")  # Keras 3's name for a functional model
        super().__init__(name=name, trainable=kwargs.pop("trainable", True))
        self.stop_training = False
        self.optimizer: Any = None
        self.compiled = False
        self._functional = inputs is not None and outputs is not None
        if self._functional:
            self._inputs = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
            self._outputs_struct = outputs
            self._nodes = self._topology(
                tree.flatten(outputs, is_leaf=lambda x: isinstance(x, KerasTensor))[0]
            )
            # Keras 3 lists a functional model's inputs as InputLayers first
            for tensor in self._inputs:
                self._layers.append(_input_layer(tensor))
            for layer in dict.fromkeys(n.history[0] for n in self._nodes):
                self._layers.append(layer)
            self.built = True

    @staticmethod
    def _topology(outputs: list[KerasTensor]) -> list[KerasTensor]:
        order: list[KerasTensor] = []
        seen: set[int] = set()

        def visit(t: KerasTensor) -> None:
            if id(t) in seen or t.history is None:
                return
            seen.add(id(t))
            layer, inputs, args, kwargs = t.history
            for p in _parents((inputs, args, kwargs)):
                visit(p)
            order.append(t)

        for o in outputs:
            visit(o)
        return order

    @property
    def inputs(self) -> list[KerasTensor]:
        return self._inputs if self._functional else []

    @property
    def outputs(self) -> list[KerasTensor]:
        if not self._functional:
            return []
        return tree.flatten(self._outputs_struct, is_leaf=lambda x: isinstance(x, KerasTensor))[0]

    @property
    def input(self) -> Any:
        if not self.inputs:
            return super().input
        return self.inputs[0] if len(self.inputs) == 1 else self.inputs

    @property
    def output(self) -> Any:
        if not self.outputs:
            return super().output
        return self.outputs[0] if len(self.outputs) == 1 else self.outputs

    def _shapes(self, tensors: list[KerasTensor], which: str) -> Any:
        if not tensors:
            raise AttributeError(
                f"{type(self).__name__} model '{self.name}' has no defined {which} shape yet."
            )
        shapes = [tuple(t.shape) for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_shape(self) -> Any:
        """(None, …) of the model's input (a list for several). Mirrors: keras.Model.input_shape."""
        return self._shapes(self.inputs, "input")

    @property
    def output_shape(self) -> Any:
        return self._shapes(self.outputs, "output")

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by position in ``model.layers``. Mirrors: keras.Model.get_layer."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}."
        )

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not self._functional:
            raise NotImplementedError("a subclassed Model must define call()")
        flat = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
        env: dict[int, Any] = {id(k): v for k, v in zip(self._inputs, flat)}
        done: dict[int, Any] = {}
        for node in self._nodes:
            key = id(node.history)
            if key not in done:
                layer, layer_inputs, args, kwargs = node.history
                call_kwargs = dict(_resolve(kwargs, env))
                if layer._accepts("training") or isinstance(layer, Model):
                    call_kwargs.setdefault("training", training)
                done[key] = layer(_resolve(layer_inputs, env), *_resolve(args, env), **call_kwargs)
            env[id(node)] = done[key]
        return _resolve(self._outputs_struct, env)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._functional and not self.built and not isinstance(inputs, KerasTensor):
            shape = (
                tuple(convert_to_tensor(inputs).shape.as_list())
                if not isinstance(inputs, list | tuple | dict)
                else None
            )
            self.build(shape)
            self.built = True
        if self._functional and not isinstance(inputs, KerasTensor):
            return self.call(inputs, training=bool(kwargs.get("training", False)))
        return super().__call__(inputs, *args, **kwargs)

    # -- compile --------------------------------------------------------------------------
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Sequence[Any] | None = None,
        loss_weights: Any = None,
        run_eagerly: bool = False,
        jit_compile: Any = None,
        **_: Any,
    ) -> None:
        """Choose the optimizer, loss and metrics. Mirrors: keras.Model.compile."""
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss
        self._loss_fn = losses_mod.get(loss) if loss is not None else None
        loss_name = loss if isinstance(loss, str) else losses_mod.snake_name(loss)
        self._metric_specs = list(metrics or [])
        self._metrics = [metrics_mod.get(m, loss_name) for m in self._metric_specs]
        self.run_eagerly = run_eagerly
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._train_fn: Any = None
        self._test_fn: Any = None
        self.compiled = True

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [m.name for m in self._metrics]

    @property
    def metrics(self) -> list[Any]:
        """The loss tracker, then the compiled metrics: what a custom ``train_step``
        updates and reports. Mirrors: keras.Model.metrics."""
        if not getattr(self, "compiled", False):
            return []
        return [self._loss_tracker, *self._metrics]

    def compiled_loss(
        self, y: Any, y_pred: Any, sample_weight: Any = None, regularization_losses: Any = None
    ) -> Any:
        """The compiled loss plus ``regularization_losses`` (Keras 2's API, kept by Keras 3
        for custom training steps)."""
        if self._loss_fn is None:
            raise ValueError("No loss to compute: pass loss= to compile()")
        loss = self._loss_fn(y, y_pred)
        extra = list(regularization_losses or [])
        return math_ops.add_n([loss, *extra]) if extra else loss

    @property
    def compiled_metrics(self) -> Any:
        """``update_state(y, y_pred)`` on every compiled metric (Keras 2's API)."""
        model = self

        class _Compiled:
            def update_state(self, y: Any, y_pred: Any, sample_weight: Any = None) -> None:
                for m in model._metrics:
                    m.update_state(y, y_pred, sample_weight)

            def reset_state(self) -> None:
                for m in model._metrics:
                    m.reset_state()

        return _Compiled()

    def train_step(self, data: Any) -> dict[str, Any]:
        """One step on a batch ``data`` = (x, y): forward, loss, gradients, update, metrics.
        Override it to customise ``fit``, as in Keras. Mirrors: keras.Model.train_step."""
        x, y = data if isinstance(data, tuple) else (data, None)
        loss, pred = self._train_step(x, y)
        self._loss_tracker.update_state(loss)
        for m in self._metrics:
            m.update_state(y, pred)
        return {m.name: m.result() for m in self.metrics}

    def _custom_step(self) -> bool:
        return type(self).train_step is not Model.train_step

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Any:
        if self._loss_fn is None:
            raise ValueError("No loss to compute: pass loss= to compile()")
        loss = self._loss_fn(y, y_pred)
        extra = self.losses
        return math_ops.add_n([loss, *extra]) if extra else loss

    def _train_step(self, x: Any, y: Any) -> Any:
        with GradientTape() as tape:
            pred = self(x, training=True)
            loss = self.compute_loss(x, y, pred)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return loss, pred

    def _test_step(self, x: Any, y: Any) -> Any:
        pred = self(x, training=False)
        return self.compute_loss(x, y, pred), pred

    def _functions(self) -> tuple[Any, Any]:
        if self._train_fn is None:
            self._train_fn = self._train_step if self.run_eagerly else function(self._train_step)
            self._test_fn = self._test_step if self.run_eagerly else function(self._test_step)
        return self._train_fn, self._test_fn

    # -- fit ------------------------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Sequence[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        **_: Any,
    ) -> cbks.History:
        """Train for ``epochs`` over ``(x, y)`` in batches. Mirrors: keras.Model.fit."""
        if not self.compiled:
            raise RuntimeError("You must call `compile()` before using the model.")
        batch = batch_size or 32
        x_all, y_all = (x, None) if _is_dataset(x) else (_host(x), _host(y))
        _check_cardinality(x_all, y_all)
        if validation_split and validation_data is None and not _is_dataset(x):
            split = int(len(_first(x_all)) * (1 - validation_split))
            validation_data = (_slice(x_all, slice(split, None)), _slice(y_all, slice(split, None)))
            x_all, y_all = _slice(x_all, slice(0, split)), _slice(y_all, slice(0, split))
        rng = np.random.default_rng(_SHUFFLE_SEED[0])
        steps = steps_per_epoch or (
            _stream_length(x) if _is_dataset(x) else -(-len(_first(x_all)) // batch)
        )
        verbose = 1 if verbose == "auto" else int(verbose)
        history = cbks.History()
        callback_list = [*(callbacks or []), history]
        for cb in callback_list:
            cb.set_model(self)
            cb.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
        train_fn, _ = self._functions()
        self.stop_training = False
        self._initial_epoch: int | None = None
        for cb in callback_list:
            cb.on_train_begin()
        start = initial_epoch if self._initial_epoch is None else self._initial_epoch  # a restore
        for epoch in range(start, epochs):
            for cb in callback_list:
                cb.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            epoch_batches = _batches(x_all, y_all, batch, shuffle, rng, steps)
            tracker = metrics_mod.Mean(name="loss")
            for m in self._metrics:
                m.reset_state()
            bar = cbks.ProgressBar(steps, verbose)
            logs: dict[str, float] = {}
            custom = self._custom_step()
            if custom:
                for m in self.metrics:
                    m.reset_state()
                step_fn = (
                    self.train_step
                    if self.run_eagerly
                    else self.__dict__.setdefault("_custom_fn", function(self.train_step))
                )
            for step, (xb, yb) in enumerate(epoch_batches[:steps]):
                for cb in callback_list:
                    cb.on_train_batch_begin(step)
                if custom:  # a train_step of the program's own: its dict is the logs
                    data = _tensors(xb) if yb is None else (_tensors(xb), _tensors(yb))
                    logs = {
                        k: float(np.asarray(v.numpy() if hasattr(v, "numpy") else v))
                        for k, v in step_fn(data).items()
                    }
                else:
                    loss, pred = train_fn(_tensors(xb), _tensors(yb))
                    tracker.update_state(loss, sample_weight=len(_first(xb)))
                    for m in self._metrics:
                        m.update_state(yb, pred)
                    logs = self._logs(tracker)
                for cb in callback_list:
                    cb.on_train_batch_end(step, logs)
                bar.update(step + 1, logs, final=step + 1 == steps and validation_data is None)
            if validation_data is not None:
                vx, vy = (
                    (validation_data, None) if _is_dataset(validation_data) else validation_data[:2]
                )
                val = self.evaluate(vx, vy, batch_size=batch, verbose=0, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
                bar.update(steps, logs, final=True)
            for cb in callback_list:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in callback_list:
            cb.on_train_end()
        self.history = history
        return history

    def _logs(self, tracker: Any) -> dict[str, float]:
        logs = {"loss": float(tracker.result().numpy())}
        for m in self._metrics:
            logs[m.name] = float(m.result().numpy())
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        return_dict: bool = False,
        steps: int | None = None,
        **_: Any,
    ) -> Any:
        """Loss and metrics over ``(x, y)``. Mirrors: keras.Model.evaluate."""
        x_all, y_all = (x, None) if _is_dataset(x) else (_host(x), _host(y))
        _check_cardinality(x_all, y_all)
        _, test_fn = self._functions()
        tracker = metrics_mod.Mean(name="loss")
        for m in self._metrics:
            m.reset_state()
        batches = _batches(x_all, y_all, batch_size or 32, False, None, steps)
        bar = cbks.ProgressBar(len(batches), 1 if verbose == "auto" else int(verbose))
        logs: dict[str, float] = {}
        for i, (xb, yb) in enumerate(batches):
            loss, pred = test_fn(_tensors(xb), _tensors(yb))
            tracker.update_state(loss, sample_weight=len(_first(xb)))
            for m in self._metrics:
                m.update_state(yb, pred)
            logs = self._logs(tracker)
            bar.update(i + 1, logs, final=i + 1 == len(batches))
        if return_dict:
            return dict(sorted(logs.items()))  # Keras 3 returns the names sorted
        values = [logs["loss"]] + [logs[m.name] for m in self._metrics]
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        **_: Any,
    ) -> Any:
        """Outputs for ``x``, batch by batch, as NumPy arrays. Mirrors: keras.Model.predict."""
        x_all = x if _is_dataset(x) else _host(x)
        if self._predict_fn is None:
            self._predict_fn = function(lambda v: self(v, training=False))
        batches = _batches(x_all, None, batch_size or 32, False, None, steps)
        bar = cbks.ProgressBar(len(batches), 1 if verbose == "auto" else int(verbose))
        outs = []
        for i, (xb, _) in enumerate(batches):
            outs.append(self._predict_fn(_tensors(xb)))
            bar.update(i + 1, {}, final=i + 1 == len(batches))
        flat = [tree.flatten(o, is_leaf=lambda t: isinstance(t, EagerTensor))[0] for o in outs]
        joined = [np.concatenate([f[i].numpy() for f in flat]) for i in range(len(flat[0]))]
        structure = tree.flatten(outs[0], is_leaf=lambda t: isinstance(t, EagerTensor))[1]
        return tree.unflatten(structure, joined)

    _predict_fn: Any = None

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """One step on one batch: the loss (and metrics, as a list or dict). Mirrors:
        keras.Model.train_on_batch."""
        train_fn, _ = self._functions()
        return self._batch_logs(train_fn, x, y, return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """The loss (and metrics) on one batch, without training. Mirrors:
        keras.Model.test_on_batch."""
        _, test_fn = self._functions()
        return self._batch_logs(test_fn, x, y, return_dict)

    def _batch_logs(self, step: Any, x: Any, y: Any, return_dict: bool) -> Any:
        xb, yb = _host(x), _host(y)
        loss, pred = step(_tensors(xb), _tensors(yb))
        tracker = metrics_mod.Mean(name="loss")
        tracker.update_state(loss)
        for m in self._metrics:
            m.reset_state()
            m.update_state(yb, pred)
        logs = self._logs(tracker)
        if return_dict:
            return dict(sorted(logs.items()))
        values = [logs["loss"]] + [logs[m.name] for m in self._metrics]
        return values[0] if len(values) == 1 else values

    def predict_on_batch(self, x: Any) -> Any:
        return self(convert_to_tensor(_host(x)), training=False).numpy()

    # -- summary and saving ---------------------------------------------------------------
    def summary(self, line_length: int | None = None, print_fn: Any = None, **_: Any) -> None:
        """Print the layer table. Mirrors: keras.Model.summary."""
        from workbench.static.keras.summary import summary_text  # noqa: PLC0415

        (print_fn or print)(summary_text(self))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Every weight, in order, to a NumPy archive (no pickle), written atomically."""
        _write_npz(filepath, {f"w{i:04d}": w for i, w in enumerate(self.get_weights())})

    def load_weights(self, filepath: str, **_: Any) -> None:
        data = read_archive(filepath, "Keras weights saved by the workbench")
        self.set_weights([data[k] for k in sorted(data) if k.startswith("w")])

    def save(self, filepath: str, overwrite: bool = True, **_: Any) -> None:
        """The architecture (JSON) and weights in one NumPy archive, without pickle.
        Sequential models are rebuilt by ``load_model``; others need their class."""
        config = {"class_name": type(self).__name__, "config": self.get_config()}
        arrays = {f"w{i:04d}": w for i, w in enumerate(self.get_weights())}
        arrays["config"] = np.array(json.dumps(config))
        _write_npz(filepath, arrays)

    def export(
        self,
        filepath: str,
        format: str = "tf_saved_model",  # noqa: A002 - Keras's name
        verbose: bool = True,
        input_signature: Any = None,
        **_: Any,
    ) -> None:
        """``format="onnx"`` writes the inference graph as an ONNX file (run it with
        ONNX Runtime). Shapes are fixed at export: from ``input_signature`` (specs with a
        ``shape`` and ``dtype``), else the model's input shapes with an unknown batch of 1
        (Keras keeps the batch dynamic). Mirrors: keras.Model.export."""
        from workbench.static import onnx_export  # noqa: PLC0415

        if format != "onnx":
            raise ValueError(
                f"export format {format!r} is not provided by the workbench: use "
                "format='onnx' (or model.save for the weights)"
            )
        specs = input_signature
        if specs is None:
            if not self.inputs:
                raise ValueError(
                    f"model '{self.name}' has no known input shape yet: call it on data, "
                    "or give input_signature=[tf.TensorSpec(shape, dtype)]"
                )
            specs = self.inputs
        examples = [
            np.zeros([1 if d is None else int(d) for d in _dims(spec.shape)], _np_dtype(spec.dtype))
            for spec in (specs if isinstance(specs, list | tuple) else [specs])
        ]
        onnx_export.export(self, *examples, path=filepath)
        if verbose:
            print(f"Saved artifact at '{filepath}'.")


def _dims(shape: Any) -> list[Any]:
    return list(shape.as_list() if hasattr(shape, "as_list") else shape)


def _np_dtype(dtype: Any) -> np.dtype:
    return np.dtype(
        getattr(dtype, "as_numpy_dtype", dtype) if not isinstance(dtype, str) else dtype
    )


def _write_npz(filepath: str, arrays: dict[str, np.ndarray]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
    write_npz(filepath, arrays)


_SHUFFLE_SEED: list[int | None] = [None]


def _check_cardinality(x: Any, y: Any) -> None:
    """Keras's refusal of inputs and labels with different numbers of samples."""
    if y is None or _is_dataset(x):
        return
    sizes = {
        name: [
            len(a)
            for a in (v if isinstance(v, list) else v.values() if isinstance(v, dict) else [v])
        ]
        for name, v in (("x", x), ("y", y))
    }
    if len({n for found in sizes.values() for n in found}) > 1:
        raise ValueError(
            "Data cardinality is ambiguous. Make sure all arrays contain the same number of "
            "samples."
            + "".join(f"'{k}' sizes: {', '.join(map(str, v))}\n" for k, v in sizes.items())
        )


def _is_dataset(x: Any) -> bool:
    """A source of batches: a tf.data Dataset, a Keras PyDataset / Sequence (``len`` and
    ``[i]``, like ImageDataGenerator's iterators) or a Python generator of batches."""
    from workbench.static.data import Dataset  # noqa: PLC0415

    if isinstance(x, Dataset):
        return True
    if x is None or isinstance(x, np.ndarray | list | tuple | dict) or hasattr(x, "numpy"):
        return False
    if hasattr(x, "__array__"):  # a pandas DataFrame or Series: data, not a source of batches
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def _stream_length(x: Any) -> int:
    from workbench.static.data import Dataset  # noqa: PLC0415

    if isinstance(x, Dataset):
        return len(_batches(x, None, 0, False, None))
    if hasattr(x, "__len__"):
        return len(x)
    raise ValueError(
        "When passing an infinite dataset or a generator, you must specify the number of "
        "steps to run (steps_per_epoch / steps)."
    )


def _batches(
    x: Any, y: Any, batch: int, shuffle: bool, rng: Any, steps: int | None = None
) -> list[tuple[Any, Any]]:
    """One epoch's (x, y) batches: from a Dataset, a PyDataset or a generator of (x, y) or
    x elements as it yields them, or from arrays in (shuffled) order."""
    from workbench.static.data import Dataset  # noqa: PLC0415

    if _is_dataset(x):
        if isinstance(x, Dataset):
            elements: Any = x.as_numpy_iterator()
        elif hasattr(x, "__getitem__") and hasattr(x, "__len__"):  # a PyDataset: one pass
            count = len(x) if steps is None else min(steps, len(x))
            elements = [x[i] for i in range(count)]
            if hasattr(x, "on_epoch_end"):
                x.on_epoch_end()
        else:
            elements = (next(x) for _ in range(_stream_length(x) if steps is None else steps))
        out = []
        for element in elements:
            out.append(tuple(element[:2]) if isinstance(element, tuple) else (element, None))
        return out
    n = len(_first(x))
    order = rng.permutation(n) if shuffle else np.arange(n)
    return [
        (_slice(x, idx), None if y is None else _slice(y, idx))
        for idx in (order[i : i + batch] for i in range(0, n, batch))
    ]


def _host(x: Any) -> Any:
    if is_string_data(x):  # a list of texts is one input
        return host_strings(x)
    if isinstance(x, dict):
        return {k: _host(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_host(v) for v in x]
    if x is None:
        return None
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _first(x: Any) -> Any:
    return x[0] if isinstance(x, list) else next(iter(x.values())) if isinstance(x, dict) else x


def _slice(x: Any, idx: Any) -> Any:
    if isinstance(x, list):
        return [v[idx] for v in x]
    if isinstance(x, dict):
        return {k: v[idx] for k, v in x.items()}
    return x[idx]


def _tensors(x: Any) -> Any:
    if isinstance(x, list):
        return [convert_to_tensor(_float32(v)) for v in x]
    if isinstance(x, dict):
        return {k: convert_to_tensor(_float32(v)) for k, v in x.items()}
    return convert_to_tensor(_float32(x))


def _float32(v: np.ndarray) -> np.ndarray:
    if isinstance(v, np.ndarray) and v.dtype == object:
        return v
    return v.astype(np.float32) if v.dtype == np.float64 else v


class Sequential(Model):
    """A stack of layers, each feeding the next. Mirrors: keras.Sequential."""

    def __init__(
        self, layers: Sequence[Any] | None = None, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self._input_shape: tuple[int | None, ...] | None = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Any) -> None:
        if isinstance(layer, KerasTensor):
            self._input_shape, self._input_dtype = layer.shape, layer.dtype
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"The added layer must be an instance of class Layer. Received: {layer!r}"
            )
        if not self._layers and layer.input_spec_shape is not None:
            self._input_shape = layer.input_spec_shape
        self._layers.append(layer)
        if self._input_shape is not None:
            self.build(self._input_shape)

    _input_dtype: Any = "float32"

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove the last layer and rebuild the graph without it. Mirrors: Sequential.pop."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.__dict__.pop("_graph_ends", None)
        if rebuild and self._layers and self._input_shape is not None:
            self.build(self._input_shape)
        return layer

    def build(self, input_shape: Any = None) -> None:
        if input_shape is None:
            return
        shape = tuple(input_shape)
        t = first = KerasTensor(shape, self._input_dtype, name=unique_name("keras_tensor"))
        engine.PATH_SCOPE.append(self.name)  # a Sequential builds its layers in its own scope:
        try:  # their variables' paths read "sequential/dense/kernel", as in Keras 3
            for layer in self._layers:
                t = layer(t)
        finally:
            engine.PATH_SCOPE.pop()
        self._input_shape = shape
        self._graph_ends = ([first], [t])
        self.built = True

    @property
    def inputs(self) -> list[KerasTensor]:
        return self.__dict__.get("_graph_ends", ([], []))[0]

    @property
    def outputs(self) -> list[KerasTensor]:
        return self.__dict__.get("_graph_ends", ([], []))[1]

    def call(self, inputs: Any, training: bool = False) -> Any:
        x = inputs
        for layer in self._layers:
            x = (
                layer(x, training=training)
                if layer._accepts("training") or isinstance(layer, Model)
                else layer(x)
            )
        return x

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inputs, KerasTensor):
            return Layer._call_symbolic(self, inputs, *args, **kwargs)
        if not self.built and not isinstance(
            inputs, dict
        ):  # a dict (DenseFeatures) builds as it runs
            first = convert_to_tensor(inputs)
            self._input_dtype = first.dtype
            self.build((None, *first.shape.as_list()[1:]))
        return self.call(inputs, training=bool(kwargs.get("training", False)))

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input_shape": list(self._input_shape) if self._input_shape else None,
            "layers": [
                {"class_name": type(layer).__name__, "config": layer.get_config()}
                for layer in self._layers
            ],
        }


def load_model(
    filepath: str,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Model:  # noqa: A002
    """Rebuild a model saved by ``Model.save`` (never unpickles).

    Mirrors: keras.models.load_model."""
    from workbench.static.keras import layers as layers_mod  # noqa: PLC0415
    from workbench.static.keras import sequence  # noqa: PLC0415

    data = read_archive(filepath, "a Keras model saved by the workbench")
    if "config" not in data:
        raise ValueError(f"{filepath}: a weights file, not a whole model (use load_weights)")
    config = json.loads(str(data["config"]))
    weights = [data[k] for k in sorted(data) if k.startswith("w")]
    registry = {name: getattr(layers_mod, name) for name in layers_mod.__all__}
    registry |= {
        c.__name__: c
        for c in (sequence.SimpleRNN, sequence.LSTM, sequence.GRU, sequence.MultiHeadAttention)
    }
    registry |= custom_objects or {}
    if config["class_name"] != "Sequential":
        cls = registry.get(config["class_name"])
        if cls is None:
            raise ValueError(
                f"load_model: cannot rebuild a {config['class_name']} from its file; pass its "
                "class in custom_objects, or rebuild it in code and call load_weights"
            )
        model = cls(**config["config"])
    else:
        cfg = config["config"]
        model = Sequential(name=cfg["name"])
        for spec in cfg["layers"]:
            model.add(registry[spec["class_name"]](**spec["config"]))
        if cfg["input_shape"] is not None and not model.built:
            model.build(tuple(cfg["input_shape"]))
    model.set_weights(weights)
    return model
