"""Modules in the style of Flax's linen API: a module describes a computation; its
parameters live outside it, in an explicit pytree that ``init`` creates and ``apply``
reads. Mirrors: flax.linen (``Module``, ``compact``, ``setup``, ``param``, Dense,
Conv, LayerNorm, Embed, Dropout, MultiHeadDotProductAttention, Sequential).

Submodules created inside a ``@compact`` method are named ``Dense_0``, ``Dense_1``, … in
creation order; those assigned in ``setup`` take their attribute names. Parameters get
their random keys by folding the module path into the ``params`` key.
"""

from __future__ import annotations

import dataclasses
import functools
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.functional import numpy as jnp
from workbench.functional import random as jrandom
from workbench.functional.nn import gelu, initializers, relu, sigmoid, silu, softmax, tanh


class _Scope:
    def __init__(
        self,
        variables: dict[str, Any],
        rngs: dict[str, Any],
        mutable: bool,
        path: tuple[str, ...] = (),
    ) -> None:
        self.variables = variables
        self.rngs = rngs
        self.mutable = mutable
        self.path = path
        self.counters: dict[str, int] = {}
        self.rng_counts: dict[str, int] = {}

    def child(self, name: str) -> _Scope:
        params = self.variables.setdefault("params", {})
        sub = params.get(name)
        if sub is None:
            if not self.mutable:
                raise KeyError(
                    f"no parameters for module {'/'.join((*self.path, name))} (was it initialised?)"
                )
            sub = params[name] = {}
        scope = _Scope({"params": sub}, self.rngs, self.mutable, (*self.path, name))
        return scope

    def make_rng(self, name: str) -> Any:
        if name not in self.rngs:
            raise ValueError(f"no '{name}' random key: pass rngs={{'{name}': key}}")
        count = self.rng_counts.get(name, 0)
        self.rng_counts[name] = count + 1
        tag = zlib.crc32("/".join(self.path).encode()) ^ count
        return jrandom.fold_in(self.rngs[name], tag & 0x7FFFFFFF)


_PARENTS: list[Module] = []


def compact(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark the method whose body creates submodules and parameters inline."""
    method._compact = True  # type: ignore[attr-defined]
    return method


class Module:
    """A description of a computation with parameters. Subclasses are dataclasses."""

    name: str | None
    parent: Any
    _scope: Any
    _setup_done: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        annotations = cls.__dict__.get("__annotations__", {})
        for field in ("name", "parent"):
            if field in annotations:
                raise TypeError(f"{cls.__name__}: '{field}' is reserved")
        dataclasses.dataclass(cls, eq=False, repr=True)  # type: ignore[call-overload]
        generated = cls.__init__

        def __init__(
            self: Module, *args: Any, name: str | None = None, parent: Any = None, **kw: Any
        ) -> None:
            object.__setattr__(self, "_given_name", name)
            generated(self, *args, **kw)

        cls.__init__ = __init__  # type: ignore[method-assign,assignment]
        call = cls.__dict__.get("__call__")
        if call is not None:
            cls.__call__ = _bound(call)  # type: ignore[method-assign]
        for attr, value in list(cls.__dict__.items()):
            if callable(value) and getattr(value, "_compact", False) and attr != "__call__":
                setattr(cls, attr, _bound(value))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_scope", None)
        object.__setattr__(self, "_setup_done", False)
        name = self.__dict__.get("_given_name")
        parent = _PARENTS[-1] if _PARENTS else None
        if name is None and parent is not None:
            kind = type(self).__name__
            count = parent._scope.counters.get(kind, 0) if parent._scope is not None else 0
            if parent._scope is not None:
                parent._scope.counters[kind] = count + 1
            name = f"{kind}_{count}"
            object.__setattr__(self, "_auto_named", True)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "parent", parent)

    def __setattr__(self, key: str, value: Any) -> None:
        if isinstance(value, Module) and (
            value.__dict__.get("parent") is None or value.__dict__.get("_auto_named")
        ):
            object.__setattr__(value, "_auto_named", False)
            object.__setattr__(value, "name", key)
            object.__setattr__(value, "parent", self)
        if isinstance(value, list | tuple) and value and all(isinstance(v, Module) for v in value):
            for i, v in enumerate(value):
                object.__setattr__(v, "name", f"{key}_{i}")
                object.__setattr__(v, "parent", self)
        object.__setattr__(self, key, value)

    def setup(self) -> None:
        pass

    # -- binding --------------------------------------------------------------------------
    def _bind_from_parent(self) -> None:
        parent = self.parent
        if parent is None or parent._scope is None:
            raise RuntimeError(
                f"{type(self).__name__} is not bound to parameters: call it through "
                "model.init(key, x) or model.apply(variables, x)"
            )
        object.__setattr__(self, "_scope", parent._scope.child(self.name))
        object.__setattr__(self, "_setup_done", False)

    def _ensure_setup(self) -> None:
        if not self._setup_done:
            object.__setattr__(self, "_setup_done", True)
            _PARENTS.append(self)
            try:
                self.setup()
            finally:
                _PARENTS.pop()

    def param(self, name: str, init_fn: Callable[..., Any], *init_args: Any) -> Any:
        """This module's parameter ``name``, created by ``init_fn(key, *init_args)`` during init."""
        params = self._scope.variables.setdefault("params", {})
        if name not in params:
            if not self._scope.mutable:
                raise KeyError(f"parameter {'/'.join((*self._scope.path, name))} is missing")
            params[name] = init_fn(self._scope.make_rng("params"), *init_args)
        return params[name]

    def make_rng(self, name: str = "params") -> Any:
        return self._scope.make_rng(name)

    # -- the two entry points ---------------------------------------------------------------
    def init(self, rngs: Any, *args: Any, method: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Create the parameters by running the module once. Returns ``{"params": …}``."""
        keys = rngs if isinstance(rngs, dict) else {"params": rngs}
        variables: dict[str, Any] = {"params": {}}
        self._run(variables, keys, True, method, args, kwargs)
        return variables

    def init_with_output(self, rngs: Any, *args: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        keys = rngs if isinstance(rngs, dict) else {"params": rngs}
        variables: dict[str, Any] = {"params": {}}
        out = self._run(variables, keys, True, None, args, kwargs)
        return out, variables

    def apply(
        self,
        variables: dict[str, Any],
        *args: Any,
        rngs: Any = None,
        method: Any = None,
        mutable: Any = False,
        **kwargs: Any,
    ) -> Any:
        """Run the module with ``variables`` (pure: nothing is stored)."""
        keys = rngs if isinstance(rngs, dict) else ({} if rngs is None else {"params": rngs})
        return self._run({"params": variables.get("params", {})}, keys, False, method, args, kwargs)

    def _run(
        self,
        variables: dict[str, Any],
        rngs: dict[str, Any],
        mutable: bool,
        method: Any,
        args: Any,
        kwargs: Any,
    ) -> Any:
        clone = dataclasses.replace(self)  # type: ignore[type-var]
        object.__setattr__(clone, "name", None)
        object.__setattr__(clone, "parent", None)
        object.__setattr__(clone, "_scope", _Scope(variables, rngs, mutable))
        object.__setattr__(clone, "_setup_done", False)
        fn = (
            getattr(type(clone), method if isinstance(method, str) else "__call__")
            if not callable(method)
            else method
        )
        return fn(clone, *args, **kwargs)


def _bound(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapped(self: Module, *args: Any, **kwargs: Any) -> Any:
        if self._scope is None:
            self._bind_from_parent()
        self._ensure_setup()
        self._scope.counters = {}
        _PARENTS.append(self)
        try:
            return method(self, *args, **kwargs)
        finally:
            _PARENTS.pop()

    return wrapped


# ---------------------------------------------------------------------------------------
# Layers

default_kernel_init = initializers.lecun_normal()
zeros = initializers.zeros


class Dense(Module):
    """y = x @ kernel + bias over the last axis; kernel (in, features), lecun_normal."""

    features: int
    use_bias: bool = True
    kernel_init: Any = default_kernel_init
    bias_init: Any = zeros

    @compact
    def __call__(self, inputs: Any) -> Any:
        x = jnp.asarray(inputs)
        kernel = self.param("kernel", self.kernel_init, (x.shape[-1], self.features))
        y = jnp.tensordot(x, kernel, ((x.ndim - 1,), (0,))) if x.ndim > 2 else x @ kernel
        if self.use_bias:
            y = y + self.param("bias", self.bias_init, (self.features,))
        return y


class Conv(Module):
    """Convolution over channels-last inputs; kernel (*window, in, features)."""

    features: int
    kernel_size: Sequence[int]
    strides: Any = 1
    padding: Any = "SAME"
    use_bias: bool = True
    kernel_init: Any = default_kernel_init
    bias_init: Any = zeros

    @compact
    def __call__(self, inputs: Any) -> Any:
        from workbench.functional import lax  # noqa: PLC0415

        x = jnp.asarray(inputs)
        window = tuple(self.kernel_size)
        kernel = self.param("kernel", self.kernel_init, (*window, x.shape[-1], self.features))
        strides = (
            (self.strides,) * len(window) if isinstance(self.strides, int) else tuple(self.strides)
        )
        spec = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC")}[len(window)]
        y = lax.conv_general_dilated(x, kernel, strides, self.padding, dimension_numbers=spec)
        if self.use_bias:
            y = y + self.param("bias", self.bias_init, (self.features,))
        return y


class LayerNorm(Module):
    epsilon: float = 1e-6
    use_bias: bool = True
    use_scale: bool = True

    @compact
    def __call__(self, x: Any) -> Any:
        x = jnp.asarray(x)
        mean = jnp.mean(x, -1, keepdims=True)
        var = jnp.mean(jnp.square(x - mean), -1, keepdims=True)
        y = (x - mean) / jnp.sqrt(var + self.epsilon)
        if self.use_scale:
            y = y * self.param("scale", initializers.ones, (x.shape[-1],))
        if self.use_bias:
            y = y + self.param("bias", zeros, (x.shape[-1],))
        return y


class Embed(Module):
    num_embeddings: int
    features: int
    embedding_init: Any = initializers.variance_scaling(1.0, "fan_in", "normal", out_axis=0)

    @compact
    def __call__(self, inputs: Any) -> Any:
        table = self.param("embedding", self.embedding_init, (self.num_embeddings, self.features))
        return jnp.take(table, jnp.asarray(inputs), axis=0)


class Dropout(Module):
    """Zero inputs with probability ``rate`` unless ``deterministic`` (needs a 'dropout' key)."""

    rate: float
    deterministic: bool | None = None

    @compact
    def __call__(self, inputs: Any, deterministic: bool | None = None) -> Any:
        det = self.deterministic if deterministic is None else deterministic
        if det or self.rate == 0:
            return inputs
        keep = jrandom.bernoulli(self.make_rng("dropout"), 1.0 - self.rate, jnp.shape(inputs))
        return jnp.where(keep, jnp.asarray(inputs) / (1.0 - self.rate), 0.0)


class MultiHeadDotProductAttention(Module):
    """Attention with ``num_heads`` heads; query/key/value kernels (in, heads, head_dim)."""

    num_heads: int
    qkv_features: int | None = None
    out_features: int | None = None

    @compact
    def __call__(self, inputs_q: Any, inputs_kv: Any = None, mask: Any = None) -> Any:
        q_in = jnp.asarray(inputs_q)
        kv_in = q_in if inputs_kv is None else jnp.asarray(inputs_kv)
        features = self.qkv_features or q_in.shape[-1]
        head_dim = features // self.num_heads

        def project(name: str, x: Any) -> Any:
            kernel = self.param(
                f"{name}_kernel", default_kernel_init, (x.shape[-1], self.num_heads, head_dim)
            )
            bias = self.param(f"{name}_bias", zeros, (self.num_heads, head_dim))
            return jnp.tensordot(x, kernel, ((x.ndim - 1,), (0,))) + bias

        q, k, v = project("query", q_in), project("key", kv_in), project("value", kv_in)
        scores = jnp.einsum("bqhd,bkhd->bhqk", q / np.sqrt(head_dim).astype(np.float32), k)
        if mask is not None:
            scores = jnp.where(mask, scores, -1e10)
        weights = softmax(scores, axis=-1)
        context = jnp.einsum("bhqk,bkhd->bqhd", weights, v)
        out_dim = self.out_features or q_in.shape[-1]
        kernel = self.param("out_kernel", default_kernel_init, (self.num_heads, head_dim, out_dim))
        return jnp.tensordot(context, kernel, ((2, 3), (0, 1))) + self.param(
            "out_bias", zeros, (out_dim,)
        )


SelfAttention = MultiHeadDotProductAttention


class Sequential(Module):
    layers: Sequence[Callable[..., Any]]

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x


__all__ = [
    "Conv", "Dense", "Dropout", "Embed", "LayerNorm", "Module", "MultiHeadDotProductAttention",
    "SelfAttention", "Sequential", "compact", "gelu", "relu", "sigmoid", "silu", "softmax", "tanh",
]  # fmt: skip
