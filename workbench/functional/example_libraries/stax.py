"""Mirrors: jax.example_libraries.stax — each layer is a pair ``(init_fun, apply_fun)``:
``init_fun(rng, input_shape) -> (output_shape, params)`` and ``apply_fun(params, inputs,
**kwargs)``; ``serial``/``parallel``/``FanOut`` combine them. Parameters are drawn with
JAX's initialisers from JAX's keys, so a model starts from JAX's weights."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

from workbench.functional import lax, nn, random
from workbench.functional import numpy as jnp

Layer = tuple[Callable[..., Any], Callable[..., Any]]


def _out_size(n: int, window: int, stride: int, padding: str) -> int:
    """A convolution's or pool's output length along one dimension."""
    if padding == "SAME":
        return -(-n // stride)
    return (n - window) // stride + 1


# the names JAX's stax re-exports from jax.nn and jax.nn.initializers
from workbench.functional.nn import (  # noqa: E402, F401
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    selu,
    sigmoid,
    softmax,
    softplus,
    standardize,
)
from workbench.functional.nn.initializers import glorot_normal, normal, ones, zeros  # noqa: E402

logsoftmax = log_softmax
glorot, randn = glorot_normal, normal


def Dense(out_dim: int, W_init: Any = glorot_normal(), b_init: Any = normal()) -> Layer:  # noqa: N802, N803, B008
    """A fully connected layer."""

    def init_fun(rng: Any, input_shape: tuple[int, ...]) -> Any:
        output_shape = input_shape[:-1] + (out_dim,)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,)))

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        W, b = params  # noqa: N806
        return jnp.dot(inputs, W) + b

    return init_fun, apply_fun


def GeneralConv(  # noqa: N802
    dimension_numbers: Any,
    out_chan: int,
    filter_shape: tuple[int, ...],
    strides: Any = None,
    padding: str = "VALID",
    W_init: Any = None,  # noqa: N803
    b_init: Any = normal(1e-6),  # noqa: B008
) -> Layer:
    """A convolution in the given layouts (``("NHWC", "HWIO", "NHWC")`` for Conv)."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    one = (1,) * len(filter_shape)
    strides = strides or one
    W_init = W_init or glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))  # noqa: N806

    def init_fun(rng: Any, input_shape: tuple[int, ...]) -> Any:
        filter_iter = iter(filter_shape)
        kernel_shape = [
            out_chan
            if c == "O"
            else input_shape[lhs_spec.index("C")]
            if c == "I"
            else next(filter_iter)
            for c in rhs_spec
        ]
        spatial = [c for c in lhs_spec if c not in "NC"]
        windows = {c: kernel_shape[rhs_spec.index(c)] for c in "HWD" if c in rhs_spec}
        sizes = {
            c: _out_size(input_shape[lhs_spec.index(c)], windows[c], strides[i], padding)
            for i, c in enumerate(spatial)
        }
        sizes["N"], sizes["C"] = input_shape[lhs_spec.index("N")], out_chan
        output_shape = tuple(sizes[c] for c in out_spec)
        bias_shape = [out_chan if c == "C" else 1 for c in out_spec]
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, tuple(kernel_shape)), b_init(k2, tuple(bias_shape)))

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        W, b = params  # noqa: N806
        out = lax.conv_general_dilated(
            inputs, W, strides, padding, one, one, dimension_numbers=dimension_numbers
        )
        return out + b

    return init_fun, apply_fun


Conv = functools.partial(GeneralConv, ("NHWC", "HWIO", "NHWC"))


def elementwise(fun: Callable[..., Any], **fun_kwargs: Any) -> Layer:
    """A layer applying ``fun`` to each element."""

    def init_fun(rng: Any, input_shape: Any) -> Any:
        return input_shape, ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return fun(inputs, **fun_kwargs)

    return init_fun, apply_fun


Tanh = elementwise(jnp.tanh)
Relu = elementwise(nn.relu)
Exp = elementwise(jnp.exp)
LogSoftmax = elementwise(nn.log_softmax, axis=-1)
Softmax = elementwise(nn.softmax, axis=-1)
Softplus = elementwise(nn.softplus)
Sigmoid = elementwise(nn.sigmoid)
Elu = elementwise(nn.elu)
LeakyRelu = elementwise(nn.leaky_relu)
Gelu = elementwise(nn.gelu)
Selu = elementwise(nn.selu)


def BatchNorm(  # noqa: N802
    axis: Any = (0, 1, 2),
    epsilon: float = 1e-5,
    center: bool = True,
    scale: bool = True,
    beta_init: Any = zeros,
    gamma_init: Any = ones,
) -> Layer:
    """Normalise over ``axis`` with the batch's own statistics (no running averages, as in
    stax), then scale by gamma and shift by beta, one per remaining position."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)

    def init_fun(rng: Any, input_shape: tuple[int, ...]) -> Any:
        shape = tuple(d for i, d in enumerate(input_shape) if i not in axes)
        k1, k2 = random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params: Any, x: Any, **kwargs: Any) -> Any:
        beta, gamma = params
        where = tuple(None if i in axes else slice(None) for i in range(jnp.ndim(x)))
        z = nn.standardize(x, axes, epsilon=epsilon)
        if scale:
            z = gamma[where] * z
        if center:
            z = z + beta[where]
        return z

    return init_fun, apply_fun


def _pool(
    reducer: Callable[..., Any], init_value: float, rescale: Any = None
) -> Callable[..., Layer]:
    def PoolingLayer(  # noqa: N802
        window_shape: Any, strides: Any = None, padding: str = "VALID", spec: Any = None
    ) -> Layer:
        strides = strides or (1,) * len(window_shape)
        dims, full_strides = (1, *window_shape, 1), (1, *strides, 1)  # NHWC

        def init_fun(rng: Any, input_shape: tuple[int, ...]) -> Any:
            out = [
                _out_size(n, w, st, padding)
                for n, w, st in zip(input_shape[1:-1], window_shape, strides)
            ]
            return (input_shape[0], *out, input_shape[-1]), ()

        def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
            out = lax.reduce_window(inputs, init_value, reducer, dims, full_strides, padding)
            return rescale(out, inputs, dims, full_strides, padding) if rescale else out

        return init_fun, apply_fun

    return PoolingLayer


def _normalize_by_window_size(out: Any, inputs: Any, dims: Any, strides: Any, padding: str) -> Any:
    ones = jnp.ones(inputs.shape[1:-1], dtype=inputs.dtype)
    window = lax.reduce_window(ones, 0.0, lax.add, dims[1:-1], strides[1:-1], padding)
    return out / jnp.expand_dims(window, (0, -1))


MaxPool = _pool(lax.max, -jnp.inf)
SumPool = _pool(lax.add, 0.0)
AvgPool = _pool(lax.add, 0.0, _normalize_by_window_size)


def Flatten() -> Layer:  # noqa: N802
    def init_fun(rng: Any, input_shape: tuple[int, ...]) -> Any:
        return (input_shape[0], functools.reduce(operator.mul, input_shape[1:], 1)), ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    return init_fun, apply_fun


Flatten = Flatten()  # type: ignore[assignment, misc]  # stax exposes the layer itself


def Identity() -> Layer:  # noqa: N802
    return (lambda rng, input_shape: (input_shape, ())), (lambda params, inputs, **kwargs: inputs)


Identity = Identity()  # type: ignore[assignment, misc]


def FanOut(num: int) -> Layer:  # noqa: N802
    return (lambda rng, input_shape: ([input_shape] * num, ())), (
        lambda params, inputs, **kwargs: [inputs] * num
    )


def FanInSum() -> Layer:  # noqa: N802
    return (lambda rng, input_shape: (input_shape[0], ())), (
        lambda params, inputs, **kwargs: functools.reduce(operator.add, inputs)
    )


FanInSum = FanInSum()  # type: ignore[assignment, misc]


def FanInConcat(axis: int = -1) -> Layer:  # noqa: N802
    def init_fun(rng: Any, input_shape: Any) -> Any:
        ax = axis % len(input_shape[0])
        concat_size = sum(shape[ax] for shape in input_shape)
        out_shape = input_shape[0][:ax] + (concat_size,) + input_shape[0][ax + 1 :]
        return out_shape, ()

    return init_fun, lambda params, inputs, **kwargs: jnp.concatenate(inputs, axis)


def Dropout(rate: float, mode: str = "train") -> Layer:  # noqa: N802
    """Keep each unit with probability ``rate`` (JAX's convention), scaled by 1/rate."""

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        rng = kwargs.get("rng")
        if rng is None:
            raise ValueError(
                "Dropout layer requires apply_fun to be called with a PRNG key argument. "
                "That is, instead of `apply_fun(params, inputs)`, call it like "
                "`apply_fun(params, inputs, rng)` where `rng` is a PRNG key "
                "(e.g. from `jax.random.key`)."
            )
        if mode != "train":
            return inputs
        keep = random.bernoulli(rng, rate, inputs.shape)
        return jnp.where(keep, inputs / rate, 0)

    return (lambda rng, input_shape: (input_shape, ())), apply_fun


def serial(*layers: Layer) -> Layer:
    """Layers applied one after another; the rng is split for each."""
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng: Any, input_shape: Any) -> Any:
        params = []
        for init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, param = init(layer_rng, input_shape)
            params.append(param)
        return input_shape, params

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, len(apply_funs)) if rng is not None else (None,) * len(apply_funs)
        for fun, param, r in zip(apply_funs, params, rngs):
            inputs = fun(param, inputs, rng=r, **kwargs)
        return inputs

    return init_fun, apply_fun


def parallel(*layers: Layer) -> Layer:
    """Layers applied to the parts of a list input, one each."""
    init_funs, apply_funs = zip(*layers)

    def init_fun(rng: Any, input_shape: Any) -> Any:
        rngs = random.split(rng, len(init_funs))
        return zip(*[init(r, shape) for init, r, shape in zip(init_funs, rngs, input_shape)])

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, len(apply_funs)) if rng is not None else (None,) * len(apply_funs)
        return [f(p, x, rng=r, **kwargs) for f, p, x, r in zip(apply_funs, params, inputs, rngs)]

    return init_fun, apply_fun


def shape_dependent(make_layer: Callable[[Any], Layer]) -> Layer:
    def init_fun(rng: Any, input_shape: Any) -> Any:
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return make_layer(inputs.shape)[1](params, inputs, **kwargs)

    return init_fun, apply_fun
