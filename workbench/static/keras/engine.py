"""Keras's layer machinery: ``Layer`` (weights, building on first call, sub-layer
tracking, configs), symbolic ``KerasTensor``s and ``Input`` for the functional API."""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.static import array_ops, dtypes, initializers, math_ops
from workbench.static.execution import EagerTensor, convert_to_tensor
from workbench.static.framework import init_scope
from workbench.static.keras import constraints, regularizers
from workbench.static.ragged import RaggedTensor
from workbench.static.string_data import is_string_data
from workbench.static.variables import Variable

_NAMES: dict[str, int] = {}
PATH_SCOPE: list[str] = []  # models building their layers: Keras 3's variable path prefix
_DEPTH = 0  # how many Layer.__call__s are running (losses are cleared by the outermost)


def unique_name(base: str) -> str:
    """``dense``, ``dense_1``, … (per session, like Keras)."""
    count = _NAMES.get(base, 0)
    _NAMES[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Reset layer-name counters. Mirrors: keras.backend.clear_session."""
    _NAMES.clear()


def snake(name: str) -> str:
    """Keras's class-name-to-layer-name rule: ``Conv2D`` -> ``conv2d``, ``SimpleRNN`` ->
    ``simple_rnn``."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# ---------------------------------------------------------------------------------------
# Symbolic tensors (functional API)


class KerasTensor:
    """A placeholder for a layer's output while a functional model is described: its
    shape (``None`` for the batch) and where it came from."""

    def __init__(
        self,
        shape: Sequence[int | None],
        dtype: Any = "float32",
        history: Any = None,
        name: str | None = None,
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.history = history  # (layer, input KerasTensors, call kwargs) or None for Input
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, name={self.name}>"


def Input(
    shape: Sequence[int | None] | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    name: str | None = None,
    batch_shape: Any = None,
    **_: Any,
) -> KerasTensor:  # noqa: N802
    """A symbolic input of ``shape`` (without the batch). Mirrors: keras.Input."""
    full = tuple(batch_shape) if batch_shape is not None else (batch_size,) + tuple(shape or ())
    return KerasTensor(full, dtype or "float32", None, name or unique_name("input_layer"))


def _symbolic(x: Any) -> bool:
    return isinstance(x, KerasTensor) or (
        isinstance(x, list | tuple) and any(isinstance(i, KerasTensor) for i in x)
    )


def _example(t: KerasTensor) -> EagerTensor:
    """A concrete stand-in for a symbolic tensor (batch 2), to infer output shapes."""
    shape = [2 if d is None else int(d) for d in t.shape]
    if t.dtype == dtypes.string:
        return convert_to_tensor(np.full(shape, b"", dtype=object), dtype=dtypes.string)
    return convert_to_tensor(np.zeros(shape, t.dtype.np))


# ---------------------------------------------------------------------------------------
# Layers


class Layer:
    """A callable with weights. Mirrors: keras.layers.Layer."""

    _layers: list[Layer]
    _own_weights: list[Variable]
    _init_args: tuple[Any, dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__new__(cls)
        obj.__dict__["_init_args"] = (args, dict(kwargs))
        obj.__dict__["_layers"] = []
        obj.__dict__["_own_weights"] = []
        return obj

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        input_shape: Any = None,
        input_dim: int | None = None,
        batch_input_shape: Any = None,
        activity_regularizer: Any = None,
        batch_size: int | None = None,
        autocast: bool = True,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.name = name or unique_name(snake(type(self).__name__))
        self.trainable = trainable
        self.built = False
        self.dtype = dtypes.as_dtype(dtype or "float32")
        self.input_spec_shape: tuple[int | None, ...] | None = None
        if batch_input_shape is not None:
            self.input_spec_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self.input_spec_shape = (batch_size, *tuple(input_shape))
        elif input_dim is not None:
            self.input_spec_shape = (batch_size, input_dim)
        self.output_shape_seen: tuple[int | None, ...] | None = None
        self._losses: list[Any] = []

    def __setattr__(self, key: str, value: Any) -> None:
        if isinstance(value, Layer) and value not in self._layers:
            self._layers.append(value)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Layer) for v in value):
            self._layers.extend(v for v in value if v not in self._layers)
        super().__setattr__(key, value)

    # -- weights --------------------------------------------------------------------------
    def add_weight(
        self,
        name: str | None = None,
        shape: Sequence[int] = (),
        initializer: Any = "glorot_uniform",
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        **_: Any,
    ) -> Variable:
        """Create a variable owned by this layer (eagerly, even inside a traced function);
        its ``regularizer`` adds to ``losses``, its ``constraint`` runs after each update."""
        init = initializers.get(initializer or "glorot_uniform")
        d = dtypes.as_dtype(dtype or self.dtype)
        with init_scope():
            var = Variable(
                lambda: init([int(s) for s in shape], dtype=d),
                trainable=trainable,
                name=name or "weight",
            )
        var._path = "/".join([*PATH_SCOPE, self.name, name or "weight"])  # type: ignore[attr-defined]
        var.path = var._path  # type: ignore[attr-defined]
        if var._eager and name:  # Keras 3 names a weight "kernel", not "kernel:0"
            var._name = name
        var.regularizer = regularizers.get(regularizer)  # type: ignore[attr-defined]
        var.constraint = constraints.get(constraint)  # type: ignore[attr-defined]
        self._own_weights.append(var)
        return var

    def _weight_options(
        self, prefix: str, initializer: Any, regularizer: Any, constraint: Any
    ) -> None:
        """Keep ``<prefix>_initializer``, ``_regularizer`` and ``_constraint`` (Keras's
        attribute names) for a weight the layer will make."""
        setattr(self, f"{prefix}_initializer", initializer)
        setattr(self, f"{prefix}_regularizer", regularizers.get(regularizer))
        setattr(self, f"{prefix}_constraint", constraints.get(constraint))

    def _make_weight(self, name: str, shape: Sequence[int], prefix: str) -> Variable:
        """``add_weight`` with the options ``_weight_options`` kept under ``prefix``."""
        return self.add_weight(
            name,
            shape,
            getattr(self, f"{prefix}_initializer"),
            regularizer=getattr(self, f"{prefix}_regularizer"),
            constraint=getattr(self, f"{prefix}_constraint"),
        )

    @property
    def weights(self) -> list[Variable]:
        out = list(self._own_weights)
        for layer in self._layers:
            out.extend(w for w in layer.weights if w not in out)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        out = [w for w in self._own_weights if w.trainable]
        for layer in self._layers:
            out.extend(w for w in layer.trainable_weights if w not in out)
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = self.trainable_weights
        return [w for w in self.weights if w not in trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(
                f"Layer {self.name} expects {len(mine)} weights, but the given list has "
                f"{len(weights)}"
            )
        for var, value in zip(mine, weights):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(var.shape.as_list()):
                raise ValueError(
                    f"Layer {self.name} weight {var.name} has shape {tuple(var.shape.as_list())}, "
                    f"the value has shape {value.shape}"
                )
            var.assign(value.astype(var.dtype.np))

    def count_params(self) -> int:
        return int(sum(np.prod([d or 0 for d in w.shape.as_list()]) for w in self.weights))

    @property
    def losses(self) -> list[Any]:
        """Losses added by the last call (``add_loss``, activity regularizers), this layer's
        and its sub-layers', then the weight regularizers' penalties on the current weights."""
        out = self._call_losses()
        for var in self.weights:
            penalty = getattr(var, "regularizer", None)
            if penalty is not None:
                out.append(penalty(var))
        return out

    def _call_losses(self) -> list[Any]:
        out = list(self._losses)
        for layer in self._layers:
            out.extend(layer._call_losses())
        return out

    def _clear_losses(self) -> None:
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    def add_loss(self, loss: Any) -> None:
        self._losses.append(loss)

    # -- calling --------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def _accepts(self, name: str) -> bool:
        return name in inspect.signature(self.call).parameters

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if _symbolic(inputs):
            return self._call_symbolic(inputs, *args, **kwargs)
        if isinstance(inputs, list | tuple) and not is_string_data(inputs):
            tensors: Any = [
                convert_to_tensor(i) if not isinstance(i, EagerTensor | Variable) else i
                for i in inputs
            ]
            shape: Any = [tuple(t.shape.as_list()) for t in tensors]
        elif isinstance(inputs, dict):  # named inputs (input_ids, attention_mask, ...)
            tensors = {
                k: v
                if isinstance(v, EagerTensor | Variable) or hasattr(v, "op")
                else convert_to_tensor(v)
                for k, v in inputs.items()
            }
            shape = {k: tuple(t.shape.as_list()) for k, t in tensors.items()}
        else:
            tensors = (
                inputs
                if isinstance(inputs, Variable | RaggedTensor) or hasattr(inputs, "op")
                else convert_to_tensor(inputs)
            )
            shape = tuple(tensors.shape.as_list())
        if isinstance(tensors, list):
            tensors = [self._autocast(t) for t in tensors]
        elif isinstance(tensors, dict):
            # named inputs keep their integer ids and masks, as Keras's dict inputs do
            tensors = {
                k: self._autocast(t) if t.dtype.is_floating else t for k, t in tensors.items()
            }
        else:
            tensors = self._autocast(tensors)
        if not self.built:
            self.build(shape)
            self.built = True
        if "training" in kwargs and not self._accepts("training"):
            kwargs.pop("training")
        if "mask" in kwargs and not self._accepts("mask"):
            kwargs.pop("mask")
        global _DEPTH
        if _DEPTH == 0:
            self._clear_losses()  # each outermost call starts afresh, as in Keras
        _DEPTH += 1
        try:
            out = self.call(tensors, *args, **kwargs)
        finally:
            _DEPTH -= 1
        if self.activity_regularizer is not None:
            for o in out if isinstance(out, list | tuple) else [out]:
                loss = self.activity_regularizer(o)
                if o.shape.rank:  # per example, as Keras 3
                    loss = loss / math_ops.cast(o.shape[0] or array_ops.shape(o)[0], loss.dtype)
                self.add_loss(loss)
        if hasattr(out, "shape") and not isinstance(out, tuple):
            dims = out.shape.as_list()
            self.output_shape_seen = (None, *dims[1:]) if dims else ()
        return out

    # Layers that compute in floating point take integer inputs (uint8 pixels, int labels
    # fed as features) as floats, as Keras's ops promote them; layers that only move or
    # look up values keep integers.
    keeps_integers = False

    def _autocast(self, t: Any) -> Any:
        """Floating inputs take the layer's dtype (NumPy's float64 arrays become float32),
        as Keras casts them; integer inputs too unless the layer ``keeps_integers``."""
        if isinstance(t, Variable) or t.dtype == self.dtype or t.dtype == dtypes.bool:
            return t
        if t.dtype.is_floating or (not self.keeps_integers and self.dtype.is_floating):
            return math_ops.cast(t, self.dtype)
        return t

    def _call_symbolic(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        examples = (
            [_example(t) for t in inputs] if isinstance(inputs, list | tuple) else _example(inputs)
        )
        concrete = [_example(a) if isinstance(a, KerasTensor) else a for a in args]
        named = {k: _example(v) if isinstance(v, KerasTensor) else v for k, v in kwargs.items()}
        out = self(examples, *concrete, **named)
        history = (self, inputs, args, kwargs)

        def symbolic(o: Any) -> KerasTensor:
            dims = o.shape.as_list()
            return KerasTensor((None, *dims[1:]), o.dtype, history, name=self.name)

        result = (
            type(out)(symbolic(o) for o in out) if isinstance(out, tuple | list) else symbolic(out)
        )
        if "_node" not in self.__dict__:  # the first call defines .input and .output, as Keras
            self.__dict__["_node"] = (inputs, result)
        return result

    def _first_node(self, which: str) -> Any:
        node = self.__dict__.get("_node")
        if node is None:
            raise AttributeError(
                f"Layer {self.name} has no inbound nodes: it has never been called on a "
                f"symbolic input, so it has no defined {which}."
            )
        return node[0] if which == "input" else node[1]

    @property
    def input(self) -> Any:
        """The symbolic tensor(s) the layer was first called on (functional models)."""
        return self._first_node("input")

    @property
    def output(self) -> Any:
        """The symbolic tensor(s) the layer's first call returned (functional models)."""
        return self._first_node("output")

    def compute_output_shape(self, input_shape: Any) -> Any:
        out = self._call_symbolic(KerasTensor(input_shape))
        return out.shape

    # -- configs --------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        args, kwargs = self._init_args
        params = list(inspect.signature(type(self).__init__).parameters)[1:]
        config = dict(zip(params, args))
        config.update(kwargs)
        config["name"] = self.name
        return {k: _serialisable(v) for k, v in config.items()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _serialisable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_serialisable(v) for v in value]
    name = getattr(value, "__name__", None)
    if name is not None and callable(value):
        return name
    if isinstance(value, initializers.Initializer):
        return snake(type(value).__name__)
    raise TypeError(f"cannot save {value!r} in a layer config (give it by name)")
