"""Sequence layers: SimpleRNN, LSTM, GRU (Keras's gate layouts and defaults) and
MultiHeadAttention. Recurrences are unrolled over the (static) time axis."""

from __future__ import annotations

import math
from typing import Any

from workbench.static import array_ops, math_ops, nn_ops
from workbench.static.keras import activations, constraints, regularizers
from workbench.static.keras.engine import Layer


class _RNN(Layer):
    gates = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        reset_after: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if stateful:
            raise NotImplementedError(
                f"{type(self).__name__}(stateful=True): carrying states across batches is not "
                "supported here; pass initial_state= instead"
            )
        self.dropout, self.recurrent_dropout, self.seed = (
            float(dropout),
            float(recurrent_dropout),
            seed,
        )
        self.stateful, self.unroll = stateful, unroll
        self._penalties = [
            regularizers.get(r)
            for r in (kernel_regularizer, recurrent_regularizer, bias_regularizer)
        ]
        self._constraints = [
            constraints.get(c) for c in (kernel_constraint, recurrent_constraint, bias_constraint)
        ]
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.unit_forget_bias = unit_forget_bias
        self.return_sequences, self.return_state, self.go_backwards = (
            return_sequences,
            return_state,
            go_backwards,
        )
        self._inits = (kernel_initializer, recurrent_initializer, bias_initializer)

    def build(self, input_shape: Any) -> None:
        k, r, b = self._inits
        n = self.units * self.gates
        (kr, rr, br), (kc, rc, bc) = self._penalties, self._constraints
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], n), k, regularizer=kr, constraint=kc
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, n), r, regularizer=rr, constraint=rc
        )
        self.bias = (
            self.add_weight(
                "bias", self._bias_shape(), self._bias_init(b), regularizer=br, constraint=bc
            )
            if self.use_bias
            else None
        )
        self.built = True

    def _bias_shape(self) -> tuple[int, ...]:
        return (self.units * self.gates,)

    def _bias_init(self, default: Any) -> Any:
        return default

    def _initial(self, batch_like: Any) -> list[Any]:
        zeros = math_ops.multiply(math_ops.reduce_sum(batch_like, [1, 2], keepdims=False), 0.0)
        state = array_ops.tile(array_ops.expand_dims(zeros, 1), [1, self.units])
        return [state] * self._n_states()

    def _n_states(self) -> int:
        return 1

    def step(self, x: Any, states: list[Any]) -> tuple[Any, list[Any]]:
        raise NotImplementedError

    def _recurrent(self, h: Any) -> Any:
        """h R, with the recurrent dropout mask on h while training (the carried state
        itself is not dropped)."""
        keep = getattr(self, "_keep_h", None)
        return math_ops.matmul(h if keep is None else h * keep, self.recurrent_kernel)

    def call(self, inputs: Any, initial_state: Any = None, training: bool = False) -> Any:
        steps = array_ops.unstack(inputs, axis=1)
        if self.go_backwards:
            steps = steps[::-1]
        states = list(initial_state) if initial_state is not None else self._initial(inputs)
        outputs = []
        keep_in = keep_h = None
        if training and self.dropout:  # one mask for every step, as Keras's RNN cells
            keep_in = nn_ops.dropout(array_ops.ones_like(steps[0]), self.dropout, seed=self.seed)
        if training and self.recurrent_dropout:
            keep_h = nn_ops.dropout(array_ops.ones_like(states[0]), self.recurrent_dropout)
        self._keep_h = keep_h
        for x in steps:
            if keep_in is not None:
                x = x * keep_in
            out, states = self.step(x, states)
            outputs.append(out)
        result = array_ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [result, *states] if self.return_state else result


class SimpleRNN(_RNN):
    """h_t = activation(x_t K + h_{t-1} R + b). Mirrors: keras.layers.SimpleRNN."""

    def step(self, x: Any, states: list[Any]) -> tuple[Any, list[Any]]:
        z = math_ops.matmul(x, self.kernel) + self._recurrent(states[0])
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]


class LSTM(_RNN):
    """Gates i, f, c, o (in that order in the kernels); the forget gate's bias starts at
    one (``unit_forget_bias``). Mirrors: keras.layers.LSTM."""

    gates = 4

    def _n_states(self) -> int:
        return 2

    def _bias_init(self, default: Any) -> Any:
        if not self.unit_forget_bias:
            return default
        units = self.units

        def init(shape: Any, dtype: Any = None, **_: Any) -> Any:
            import numpy as np  # noqa: PLC0415

            value = np.zeros(4 * units, np.float32)
            value[units : 2 * units] = 1.0
            return array_ops.constant(value)

        return init

    def step(self, x: Any, states: list[Any]) -> tuple[Any, list[Any]]:
        h, c = states
        z = math_ops.matmul(x, self.kernel) + self._recurrent(h)
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = array_ops.split(z, 4, axis=1)
        i, f, o = (
            self.recurrent_activation(i),
            self.recurrent_activation(f),
            self.recurrent_activation(o),
        )
        c = f * c + i * self.activation(g)
        h = o * self.activation(c)
        return h, [h, c]


class GRU(_RNN):
    """Gates z, r, h with the reset gate applied after the recurrent product
    (``reset_after=True``, Keras's default; the bias has two rows). Mirrors: keras.layers.GRU."""

    gates = 3

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)

    def step(self, x: Any, states: list[Any]) -> tuple[Any, list[Any]]:
        (h,) = states
        xz = math_ops.matmul(x, self.kernel)
        hz = self._recurrent(h)
        if self.bias is not None:
            xz = xz + self.bias[0]
            hz = hz + self.bias[1]
        x_z, x_r, x_h = array_ops.split(xz, 3, axis=1)
        h_z, h_r, h_h = array_ops.split(hz, 3, axis=1)
        z = self.recurrent_activation(x_z + h_z)
        r = self.recurrent_activation(x_r + h_r)
        candidate = self.activation(x_h + r * h_h)
        h = z * h + (1.0 - z) * candidate
        return h, [h]


class MultiHeadAttention(Layer):
    """Attention with ``num_heads`` heads; projections are (d, heads, key_dim) kernels as
    in Keras. Call as ``layer(query, value, key=None, attention_mask=None)``.
    Mirrors: keras.layers.MultiHeadAttention."""

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim or key_dim)
        self.dropout, self.use_bias = float(dropout), use_bias
        self._inits = (kernel_initializer, bias_initializer)

    def _projection(self, name: str, d_in: int, size: int) -> tuple[Any, Any]:
        k, b = self._inits
        kernel = self.add_weight(f"{name}/kernel", (d_in, self.num_heads, size), k)
        bias = self.add_weight(f"{name}/bias", (self.num_heads, size), b) if self.use_bias else None
        return kernel, bias

    def build(self, query_shape: Any, value_shape: Any = None) -> None:
        value_shape = value_shape or query_shape
        d_q, d_v = query_shape[-1], value_shape[-1]
        self.query_dense = self._projection("query", d_q, self.key_dim)
        self.key_dense = self._projection("key", d_v, self.key_dim)
        self.value_dense = self._projection("value", d_v, self.value_dim)
        k, b = self._inits
        self.output_kernel = self.add_weight(
            "attention_output/kernel", (self.num_heads, self.value_dim, d_q), k
        )
        self.output_bias = (
            self.add_weight("attention_output/bias", (d_q,), b) if self.use_bias else None
        )
        self.built = True

    @staticmethod
    def _project(x: Any, weights: tuple[Any, Any]) -> Any:
        kernel, bias = weights
        out = math_ops.tensordot(x, kernel, [[2], [0]])  # (B, T, heads, size)
        return out if bias is None else out + bias

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        query = inputs
        value = args[0] if args else kwargs.pop("value", None)
        key = args[1] if len(args) > 1 else kwargs.pop("key", None)
        if not self.built and value is not None and not hasattr(value, "history"):
            from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

            q, v = convert_to_tensor(query), convert_to_tensor(value)
            self.build(q.shape.as_list(), v.shape.as_list())
        return super().__call__(query, value, key, **kwargs)

    def call(
        self,
        query: Any,
        value: Any,
        key: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: bool = False,
    ) -> Any:
        key = value if key is None else key
        q = self._project(query, self.query_dense) * (1.0 / math.sqrt(self.key_dim))
        k = self._project(key, self.key_dense)
        v = self._project(value, self.value_dense)
        q, k, v = (array_ops.transpose(t, [0, 2, 1, 3]) for t in (q, k, v))  # (B, heads, T, size)
        scores = math_ops.matmul(q, k, transpose_b=True)
        if attention_mask is not None:
            mask = array_ops.expand_dims(attention_mask, 1)
            scores = scores + (1.0 - math_ops.cast(mask, scores.dtype)) * -1e9
        weights = nn_ops.softmax(scores, -1)
        if training and self.dropout:
            weights = nn_ops.dropout(weights, rate=self.dropout)
        context = array_ops.transpose(
            math_ops.matmul(weights, v), [0, 2, 1, 3]
        )  # (B, T, heads, size)
        out = math_ops.tensordot(context, self.output_kernel, [[2, 3], [0, 1]])
        if self.output_bias is not None:
            out = out + self.output_bias
        return (out, weights) if return_attention_scores else out
