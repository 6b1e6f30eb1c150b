"""TensorFlow 1's recurrent networks: the cells of ``tf.compat.v1.nn.rnn_cell`` and the
functions that run them over a sequence, ``dynamic_rnn``, ``static_rnn`` and
``bidirectional_dynamic_rnn``.

A cell makes its variables with ``get_variable`` in its own variable scope the first
time it runs (``rnn/basic_lstm_cell/kernel``, ``rnn/multi_rnn_cell/cell_0/...``), so
``variable_scope(..., reuse=True)`` shares them as in TensorFlow 1. ``dynamic_rnn``
keeps the time loop one graph operation running the core's ``scan`` (as TensorFlow
keeps a ``while_loop``): its gradient is the scan's, and the compiler's loop passes
apply. ``static_rnn`` unrolls the loop into the graph, one copy of the cell per step,
as TensorFlow 1 did.

Mirrors: tf.compat.v1.nn.rnn_cell, tf.compat.v1.nn.dynamic_rnn, static_rnn,
bidirectional_dynamic_rnn.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.core import ops, tree
from workbench.static import array_ops, dtypes, math_ops, nn_ops
from workbench.static import variables as _vars
from workbench.static.control_flow import loop
from workbench.static.execution import convert_to_tensor, make_op
from workbench.static.framework import executing_eagerly
from workbench.static.keras.engine import snake


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell ``c`` and the output ``h``, in that order."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _activation(fn: Any) -> Callable[[Any], Any]:
    if fn is None:
        return math_ops.tanh
    if isinstance(fn, str):
        from workbench.static.keras import activations  # noqa: PLC0415

        return activations.get(fn)  # type: ignore[no-any-return]
    return fn  # type: ignore[no-any-return]


class RNNCell:
    """A cell: ``output, new_state = cell(inputs, state)`` for one time step, with
    ``state_size`` and ``output_size``. Subclasses make their variables in ``build``
    (through :meth:`add_variable`) and compute the step in ``call``."""

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        reuse: Any = None,
        **_: Any,
    ) -> None:
        self._name = name
        self._reuse = reuse
        self._trainable = trainable
        self.dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self.built = False
        self._weights: list[Any] = []

    @property
    def name(self) -> str:
        return self._name or snake(type(self).__name__)

    @property
    def state_size(self) -> Any:
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self) -> Any:
        raise NotImplementedError("Abstract method")

    # variables ---------------------------------------------------------------------------
    def build(self, inputs_shape: Any) -> None:
        """Make the variables for inputs of ``inputs_shape`` (the last axis is their depth)."""

    def add_variable(
        self, name: str, shape: Any, dtype: Any = None, initializer: Any = None, **kwargs: Any
    ) -> Any:
        var = _vars.get_variable(
            name, shape=shape, dtype=dtype or self.dtype or dtypes.float32,
            initializer=initializer, trainable=self._trainable, **kwargs,
        )  # fmt: skip
        self._weights.append(var)
        return var

    add_weight = add_variable

    def _prepare(self, depth: int, dtype: Any) -> None:
        """Make the variables now, in the scope the first call would make them in (a loop
        body reads variables; it cannot make them)."""
        if not self.built:
            self.dtype = self.dtype or dtypes.as_dtype(dtype)
            with _vars.variable_scope(self.name, reuse=self._reuse or None):
                self.build([None, depth])
            self.built = True

    def _inner(self) -> list[Any]:
        """The cells this one runs (a stack's, a wrapper's): their variables are its."""
        return []

    @property
    def weights(self) -> list[Any]:
        return list(self._weights) + [w for c in self._inner() for w in c.weights]

    variables = weights

    @property
    def trainable_weights(self) -> list[Any]:
        own = list(self._weights) if self._trainable else []
        return own + [w for c in self._inner() for w in c.trainable_weights]

    trainable_variables = trainable_weights

    # running -----------------------------------------------------------------------------
    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> Any:
        x = convert_to_tensor(inputs)
        if scope is not None and not self.built:
            self._name = scope if isinstance(scope, str) else scope.name.rsplit("/", 1)[-1]
        self._prepare(int(x.shape[-1]), x.dtype)
        with _vars.variable_scope(self.name, reuse=_vars.AUTO_REUSE):
            return self.call(x, state)

    def call(self, inputs: Any, state: Any) -> Any:
        raise NotImplementedError("Abstract method")

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """Zeros of ``[batch_size, size]`` for every size in ``state_size``."""
        if not isinstance(batch_size, int | np.integer):
            raise TypeError(
                f"zero_state: the batch size must be a Python int here, not "
                f"{type(batch_size).__name__} (dynamic_rnn without initial_state makes a "
                "zero state that follows the inputs' batch)"
            )
        d = dtypes.as_dtype(dtype)
        return tree.tree_map(
            lambda s: array_ops.zeros([int(batch_size), int(s)], d), self.state_size
        )

    def get_initial_state(
        self, inputs: Any = None, batch_size: Any = None, dtype: Any = None
    ) -> Any:
        if inputs is not None:
            x = convert_to_tensor(inputs)
            batch_size, dtype = x.shape[0], x.dtype
        if batch_size is None or dtype is None:
            raise ValueError(
                f"batch_size and dtype cannot be None while constructing initial state: "
                f"batch_size={batch_size}, dtype={dtype}"
            )
        return self.zero_state(batch_size, dtype)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.name}' output_size={self.output_size}>"


def _gates(inputs: Any, h: Any, kernel: Any, bias: Any) -> Any:
    return nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, h], 1), kernel), bias)


class _UnitsCell(RNNCell):
    """A cell whose state and output are both ``num_units`` wide."""

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None,
                 name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = int(num_units)
        self._activation = _activation(activation)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units


class BasicRNNCell(_UnitsCell):
    """``h' = activation([x, h] @ kernel + bias)``; the output is ``h'``."""

    def build(self, inputs_shape: Any) -> None:
        depth = int(inputs_shape[-1])
        self._kernel = self.add_variable("kernel", [depth + self._num_units, self._num_units])
        self._bias = self.add_variable("bias", [self._num_units], initializer=_zeros_init())

    def call(self, inputs: Any, state: Any) -> Any:
        out = self._activation(_gates(inputs, state, self._kernel, self._bias))
        return out, out


class GRUCell(_UnitsCell):
    """TensorFlow 1's GRU: ``r, u = σ([x, h] @ W_g + b_g)`` (``b_g`` starts at 1),
    ``c = tanh([x, r·h] @ W_c + b_c)``, ``h' = u·h + (1 - u)·c``. (PyTorch's GRU applies
    the reset gate after the recurrent product instead: the two do not agree.)"""

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None,
                 kernel_initializer: Any = None, bias_initializer: Any = None,
                 name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(num_units, activation, reuse, name, dtype, **kwargs)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    def build(self, inputs_shape: Any) -> None:
        from workbench.static.initializers import constant_initializer  # noqa: PLC0415

        depth, n = int(inputs_shape[-1]), self._num_units
        init, bias_init = self._kernel_initializer, self._bias_initializer
        self._gate_kernel = self.add_variable("gates/kernel", [depth + n, 2 * n], initializer=init)
        self._gate_bias = self.add_variable(
            "gates/bias", [2 * n], initializer=bias_init or constant_initializer(1.0)
        )
        self._candidate_kernel = self.add_variable(
            "candidate/kernel", [depth + n, n], initializer=init
        )
        self._candidate_bias = self.add_variable(
            "candidate/bias", [n], initializer=bias_init or _zeros_init()
        )

    def call(self, inputs: Any, state: Any) -> Any:
        value = math_ops.sigmoid(_gates(inputs, state, self._gate_kernel, self._gate_bias))
        r, u = array_ops.split(value, 2, axis=1)
        c = self._activation(
            _gates(inputs, r * state, self._candidate_kernel, self._candidate_bias)
        )
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class LSTMCell(RNNCell):
    """TensorFlow 1's LSTM: one product ``[x, h] @ kernel + bias`` split into the gates
    ``i, j, f, o`` (that order: input, candidate, forget, output);
    ``c' = σ(f + forget_bias)·c + σ(i)·tanh(j)``, ``h' = σ(o)·tanh(c')``. Optional
    peepholes, cell clipping and an output projection (``num_proj``)."""

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip: Any = None,
                 initializer: Any = None, num_proj: int | None = None, proj_clip: Any = None,
                 num_unit_shards: Any = None, num_proj_shards: Any = None,
                 forget_bias: float = 1.0, state_is_tuple: bool = True, activation: Any = None,
                 reuse: Any = None, name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = int(num_units)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = None if num_proj is None else int(num_proj)
        self._proj_clip = proj_clip
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self) -> Any:
        h = self._num_proj or self._num_units
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, h)
        return self._num_units + h

    @property
    def output_size(self) -> int:
        return self._num_proj or self._num_units

    def build(self, inputs_shape: Any) -> None:
        depth, n, init = int(inputs_shape[-1]), self._num_units, self._initializer
        h = self._num_proj or n
        self._kernel = self.add_variable("kernel", [depth + h, 4 * n], initializer=init)
        self._bias = self.add_variable("bias", [4 * n], initializer=_zeros_init())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [n], initializer=init)
            self._w_i_diag = self.add_variable("w_i_diag", [n], initializer=init)
            self._w_o_diag = self.add_variable("w_o_diag", [n], initializer=init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable(
                "projection/kernel", [n, self._num_proj], initializer=init
            )

    def call(self, inputs: Any, state: Any) -> Any:
        n, sigmoid, act = self._num_units, math_ops.sigmoid, self._activation
        if self._state_is_tuple:
            c_prev, h_prev = state
        else:
            c_prev, h_prev = state[:, :n], state[:, n:]
        i, j, f, o = array_ops.split(_gates(inputs, h_prev, self._kernel, self._bias), 4, 1)
        if self._use_peepholes:
            c = sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + sigmoid(
                i + self._w_i_diag * c_prev
            ) * act(j)
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        h = sigmoid(o + self._w_o_diag * c) * act(c) if self._use_peepholes else sigmoid(o) * act(c)
        if self._num_proj is not None:
            h = math_ops.matmul(h, self._proj_kernel)
            if self._proj_clip is not None:
                h = math_ops.clip_by_value(h, -self._proj_clip, self._proj_clip)
        new = LSTMStateTuple(c, h) if self._state_is_tuple else array_ops.concat([c, h], 1)
        return h, new


class BasicLSTMCell(LSTMCell):
    """:class:`LSTMCell` without peepholes, clipping or projection (TensorFlow 1 kept both;
    they compute the same step)."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation: Any = None, reuse: Any = None, name: str | None = None,
                 dtype: Any = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(
            num_units, forget_bias=forget_bias, state_is_tuple=state_is_tuple,
            activation=activation, reuse=reuse, name=name, dtype=dtype, **kwargs,
        )  # fmt: skip


class MultiRNNCell(RNNCell):
    """Cells stacked: each step runs them in order (``cell_0``, ``cell_1``, … scopes),
    each one's output the next one's input; the state is the tuple of their states."""

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self) -> Any:
        return tuple(c.state_size for c in self._cells)

    @property
    def output_size(self) -> Any:
        return self._cells[-1].output_size

    def _prepare(self, depth: int, dtype: Any) -> None:
        with _vars.variable_scope(self.name):
            for k, cell in enumerate(self._cells):
                with _vars.variable_scope(f"cell_{k}"):
                    _prepare(cell, depth, dtype)
                depth = int(cell.output_size)
        self.built = True

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> Any:
        x = convert_to_tensor(inputs)
        self._prepare(int(x.shape[-1]), x.dtype)
        new_states = []
        with _vars.variable_scope(self.name):
            for k, (cell, s) in enumerate(zip(self._cells, state)):
                with _vars.variable_scope(f"cell_{k}"):
                    x, s = cell(x, s)
                new_states.append(s)
        return x, tuple(new_states)

    def _inner(self) -> list[Any]:
        return list(self._cells)


class DropoutWrapper(RNNCell):
    """Dropout on a cell's inputs, outputs and (not the LSTM's ``c``) new state, with a
    fresh mask every step. Its random masks cannot live in ``dynamic_rnn``'s loop body,
    so there the loop is unrolled (the sequence length must be known)."""

    def __init__(self, cell: RNNCell, input_keep_prob: Any = 1.0, output_keep_prob: Any = 1.0,
                 state_keep_prob: Any = 1.0, variational_recurrent: bool = False,
                 input_size: Any = None, dtype: Any = None, seed: int | None = None,
                 **_: Any) -> None:  # fmt: skip
        super().__init__()
        if variational_recurrent:
            raise NotImplementedError("DropoutWrapper: variational_recurrent=True")
        self._cell = cell
        self._keep = (input_keep_prob, output_keep_prob, state_keep_prob)
        self._seed = seed

    @property
    def state_size(self) -> Any:
        return self._cell.state_size

    @property
    def output_size(self) -> Any:
        return self._cell.output_size

    def _prepare(self, depth: int, dtype: Any) -> None:
        _prepare(self._cell, depth, dtype)
        self.built = True

    def _drop(self, x: Any, keep: Any) -> Any:
        if not math_ops.is_tensor(keep) and float(keep) == 1.0:
            return x
        return nn_ops.dropout(x, keep_prob=keep, seed=self._seed)

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> Any:
        x_keep, out_keep, state_keep = self._keep
        out, new = self._cell(self._drop(inputs, x_keep), state, scope=scope)

        def drop_state(s: Any) -> Any:
            if isinstance(s, LSTMStateTuple):
                return LSTMStateTuple(s.c, self._drop(s.h, state_keep))
            return self._drop(s, state_keep)

        new = tuple(drop_state(s) for s in new) if type(new) is tuple else drop_state(new)
        return self._drop(out, out_keep), new

    def _inner(self) -> list[Any]:
        return [self._cell]


def _prepare(cell: Any, depth: int, dtype: Any) -> None:
    """Build ``cell``'s variables before a loop body reads them (a cell of the user's own,
    not one of these classes, is left to make its own)."""
    prepare = getattr(cell, "_prepare", None)
    if prepare is not None:
        prepare(depth, dtype)


def _zeros_init() -> Any:
    from workbench.static.initializers import zeros_initializer  # noqa: PLC0415

    return zeros_initializer()


def _random(cell: RNNCell) -> bool:
    """Whether a step of ``cell`` draws random numbers (a dropout wrapper below 1)."""
    if isinstance(cell, DropoutWrapper):
        drops = any(math_ops.is_tensor(k) or float(k) != 1.0 for k in cell._keep)
        return drops or _random(cell._cell)
    if isinstance(cell, MultiRNNCell):
        return any(_random(c) for c in cell._cells)
    return False


# ---------------------------------------------------------------------------------------
# Running a cell over time


def _zero_state_like(cell: RNNCell, x: Any, dtype: Any) -> Any:
    """The zero state for the batch of ``x`` (time-major, ``[T, B, D]``): its batch size
    is read when the graph runs, so a placeholder's ``None`` batch works."""
    d = dtypes.as_dtype(dtype)

    def zeros(size: Any) -> Any:
        return make_op(
            "ZeroState", [x], lambda v: ops.full((v.shape[1], int(size)), 0, d.np, v.device),
            differentiable=False,
        )  # fmt: skip

    return tree.tree_map(zeros, cell.state_size)


def _masked_step(
    cell: RNNCell, state_tree: Any
) -> Callable[[list[Any], list[Any]], tuple[list[Any], list[Any]]]:
    """One step as the loop runs it: past a sequence's length (``keep`` false) its state
    is carried unchanged and its output is zero, as dynamic_rnn's are."""

    def step(carry: list[Any], x: list[Any]) -> tuple[list[Any], list[Any]]:
        out, new = cell(x[0], tree.unflatten(state_tree, carry))
        new_leaves = tree.flatten(new)[0]
        if len(x) == 1:
            return new_leaves, [out]
        keep = x[1]  # (B, 1)
        new_leaves = [array_ops.where(keep, n, o) for n, o in zip(new_leaves, carry)]
        return new_leaves, [array_ops.where(keep, out, array_ops.zeros_like(out))]

    return step


def _keep_mask(x: Any, sequence_length: Any) -> Any:
    """``[T, B, 1]`` booleans: step t of sequence b is within its length."""
    lengths = math_ops.cast(convert_to_tensor(sequence_length), dtypes.int32)

    def run(v: Any, n: Any) -> Any:
        steps = ops.array(np.arange(v.shape[0], dtype=np.int32).reshape(-1, 1, 1))
        return ops.lt(steps, ops.reshape(n, (1, -1, 1)))

    return make_op("SequenceMask", [x, lengths], run, differentiable=False)


def _run_over_time(cell: RNNCell, x: Any, state: Any, sequence_length: Any) -> tuple[Any, Any]:
    """``x`` time-major ``[T, B, D]`` → (outputs ``[T, B, out]``, final state)."""
    if _random(cell) and not executing_eagerly():
        if x.shape.dims[0] is None:
            raise NotImplementedError(
                "dynamic_rnn: a DropoutWrapper's masks are drawn in the loop body, which "
                "needs a sequence length known when the graph is built (the loop is unrolled)"
            )
        outs, last = _unrolled(cell, array_ops.unstack(x), state, None, sequence_length)
        return array_ops.stack(outs), last
    leaves, state_tree = tree.flatten(state)
    _prepare(cell, int(x.shape[-1]), x.dtype)
    xs = [x] if sequence_length is None else [x, _keep_mask(x, sequence_length)]
    step = _masked_step(cell, state_tree)
    last, ys = loop(step, leaves, xs, name="rnn", what="dynamic_rnn")
    return ys[0], tree.unflatten(state_tree, last)


def _swap_time(x: Any) -> Any:
    """``[batch, time, ...]`` ↔ ``[time, batch, ...]``."""
    return array_ops.transpose(x, [1, 0, *range(2, x.shape.ndims)])


def _initial(
    cell: RNNCell,
    x: Any,
    initial_state: Any,
    dtype: Any,
    missing: str = "If there is no initial_state, you must give a dtype.",
) -> Any:
    """``initial_state`` as tensors, or zeros for the batch of ``x`` (time-major) in
    ``dtype``; without either, ``missing`` (TensorFlow's words for the run at hand)."""
    if initial_state is not None:
        return tree.tree_map(convert_to_tensor, initial_state)
    if dtype is None:
        raise ValueError(missing)
    return _zero_state_like(cell, x, dtype)


def _check_cell(name: str, cell: Any) -> None:
    missing = [a for a in ("output_size", "state_size") if not hasattr(cell, a)]
    if missing or not callable(cell):
        raise TypeError(f"The argument {name!r} ({cell!r}) is not an RNNCell: "
                        f"{', '.join(missing) or 'it is not callable'}")  # fmt: skip


def _scope(scope: Any, default: str) -> Any:
    """The variable scope a run opens: ``scope`` (a name, or a captured scope entered
    again) or ``default``."""
    return _vars.variable_scope(default if scope is None else scope)


def dynamic_rnn(
    cell: RNNCell,
    inputs: Any,
    sequence_length: Any = None,
    initial_state: Any = None,
    dtype: Any = None,
    parallel_iterations: Any = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
) -> tuple[Any, Any]:
    """``cell`` over the time axis of ``inputs`` (``[batch, time, depth]``, or
    ``[time, batch, depth]`` with ``time_major``): every step's output stacked the same
    way, and the last state. Past a sequence's ``sequence_length`` its outputs are zero
    and its state stops changing. Mirrors: tf.compat.v1.nn.dynamic_rnn."""
    _check_cell("cell", cell)
    x = convert_to_tensor(inputs)
    if x.shape.ndims is not None and x.shape.ndims < 3:
        raise ValueError(f"dynamic_rnn: inputs must be at least [batch, time, depth], got "
                         f"shape {x.shape}")  # fmt: skip
    with _scope(scope, "rnn"):
        xt = x if time_major else _swap_time(x)
        state = _initial(cell, xt, initial_state, dtype)
        outputs, last = _run_over_time(cell, xt, state, sequence_length)
        if not time_major:
            outputs = _swap_time(outputs)
    return outputs, last


def static_rnn(
    cell: RNNCell,
    inputs: Sequence[Any],
    initial_state: Any = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """``cell`` over a Python list of ``[batch, depth]`` inputs, unrolled: one copy of the
    step per input in the graph. Mirrors: tf.compat.v1.nn.static_rnn."""
    _check_cell("cell", cell)
    if not isinstance(inputs, list | tuple) or not inputs:
        raise TypeError("static_rnn: inputs must be a non-empty list of [batch, depth] tensors")
    with _scope(scope, "rnn"):
        return _unrolled(cell, inputs, initial_state, dtype, sequence_length)


def _unrolled(
    cell: RNNCell, inputs: Sequence[Any], initial_state: Any, dtype: Any, sequence_length: Any
) -> tuple[list[Any], Any]:
    xs = [convert_to_tensor(v) for v in inputs]
    state = _initial(
        cell, array_ops.expand_dims(xs[0], 0), initial_state, dtype,
        "If no initial_state is provided, dtype must be specified",
    )  # fmt: skip
    _prepare(cell, int(xs[0].shape[-1]), xs[0].dtype)
    leaves, state_tree = tree.flatten(state)
    step = _masked_step(cell, state_tree)
    keep = None if sequence_length is None else _keep_mask(array_ops.stack(xs), sequence_length)
    outputs = []
    for t, v in enumerate(xs):
        leaves, ys = step(leaves, [v] if keep is None else [v, keep[t]])
        outputs.append(ys[0])
    return outputs, tree.unflatten(state_tree, leaves)


def static_bidirectional_rnn(
    cell_fw: RNNCell,
    cell_bw: RNNCell,
    inputs: Sequence[Any],
    initial_state_fw: Any = None,
    initial_state_bw: Any = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], Any, Any]:
    """:func:`static_rnn` forwards with ``cell_fw`` and over the reversed sequences with
    ``cell_bw``: each step's output is the two outputs joined along the depth, and the
    two final states. Mirrors: tf.compat.v1.nn.static_bidirectional_rnn."""
    _check_cell("cell_fw", cell_fw)
    _check_cell("cell_bw", cell_bw)
    if not isinstance(inputs, list | tuple) or not inputs:
        raise TypeError("static_bidirectional_rnn: inputs must be a non-empty list")
    with _scope(scope, "bidirectional_rnn"):
        with _vars.variable_scope("fw"):
            out_fw, state_fw = _unrolled(cell_fw, inputs, initial_state_fw, dtype,
                                         sequence_length)  # fmt: skip
        with _vars.variable_scope("bw"):
            backwards = array_ops.unstack(
                _reverse_time(array_ops.stack(list(inputs)), sequence_length)
            )
            out_bw, state_bw = _unrolled(cell_bw, backwards, initial_state_bw, dtype,
                                         sequence_length)  # fmt: skip
            out_bw = array_ops.unstack(_reverse_time(array_ops.stack(out_bw), sequence_length))
    outputs = [array_ops.concat([f, b], 1) for f, b in zip(out_fw, out_bw)]
    return outputs, state_fw, state_bw


def _reverse_time(x: Any, sequence_length: Any) -> Any:
    """``x`` time-major with each sequence's first ``sequence_length`` steps reversed (all
    of them without lengths); the padding past a length stays where it is."""
    if sequence_length is None:
        return array_ops.reverse(x, [0])
    return array_ops.reverse_sequence(x, sequence_length, seq_axis=0, batch_axis=1)


def bidirectional_dynamic_rnn(
    cell_fw: RNNCell,
    cell_bw: RNNCell,
    inputs: Any,
    sequence_length: Any = None,
    initial_state_fw: Any = None,
    initial_state_bw: Any = None,
    dtype: Any = None,
    parallel_iterations: Any = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``cell_fw`` over the sequences and ``cell_bw`` over them reversed (each within its
    length): ``((outputs_fw, outputs_bw), (state_fw, state_bw))``, the backward outputs
    put back in time order. Mirrors: tf.compat.v1.nn.bidirectional_dynamic_rnn."""
    _check_cell("cell_fw", cell_fw)
    _check_cell("cell_bw", cell_bw)
    x = convert_to_tensor(inputs)
    xt = x if time_major else _swap_time(x)
    with _scope(scope, "bidirectional_rnn"):
        with _vars.variable_scope("fw"):
            state = _initial(cell_fw, xt, initial_state_fw, dtype)
            out_fw, state_fw = _run_over_time(cell_fw, xt, state, sequence_length)
        with _vars.variable_scope("bw"):
            backwards = _reverse_time(xt, sequence_length)
            state = _initial(cell_bw, backwards, initial_state_bw, dtype)
            out_bw, state_bw = _run_over_time(cell_bw, backwards, state, sequence_length)
            out_bw = _reverse_time(out_bw, sequence_length)
    if not time_major:
        out_fw, out_bw = (_swap_time(o) for o in (out_fw, out_bw))
    return (out_fw, out_bw), (state_fw, state_bw)


class _RNNCellNamespace:
    """``tf.compat.v1.nn.rnn_cell``."""

    RNNCell = RNNCell
    BasicRNNCell = BasicRNNCell
    GRUCell = GRUCell
    LSTMCell = LSTMCell
    BasicLSTMCell = BasicLSTMCell
    LSTMStateTuple = LSTMStateTuple
    MultiRNNCell = MultiRNNCell
    DropoutWrapper = DropoutWrapper


rnn_cell = _RNNCellNamespace()


class _ContribRNN(_RNNCellNamespace):
    """``tf.contrib.rnn`` (TensorFlow 1 only): the cells and the unrolled runs."""

    static_rnn = staticmethod(static_rnn)
    static_bidirectional_rnn = staticmethod(static_bidirectional_rnn)


class _ContribFramework:
    """``tf.contrib.framework``: the global step's helpers, as TF1 programs reached them."""

    @staticmethod
    def get_or_create_global_step(graph: Any = None) -> Any:
        from workbench.static import train  # noqa: PLC0415

        return train.get_or_create_global_step(graph)

    @staticmethod
    def get_global_step(graph: Any = None) -> Any:
        from workbench.static import train  # noqa: PLC0415

        return train.get_global_step(graph)


class _Contrib:
    """``tf.contrib``: of it, ``rnn`` and the global-step helpers of ``framework``."""

    rnn = _ContribRNN()
    framework = _ContribFramework()

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"tf.contrib.{name} is not in the workbench (of tf.contrib: rnn, and framework's "
            "global-step helpers)"
        )


contrib = _Contrib()
