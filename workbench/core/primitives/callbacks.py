"""Calling back into Python from a computation: ``pure_callback`` (a host function whose
results the computation uses; pure, so an unused call may be dropped), ``io_callback``
and ``debug_callback`` (effectful: they run whenever the computation runs, even inside a
compiled plan whose outputs do not depend on them — ``jax.debug.print`` is one).

The callback receives NumPy arrays and returns NumPy-convertible values of the declared
types. Under ``vmap`` it is called once per example (JAX's ``vmap_method="sequential"``);
none of the three is differentiable (JAX's are not either, without a custom rule).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.backend import get_device
from workbench.core import batching
from workbench.core import primitives as ops
from workbench.core.dispatch import apply
from workbench.core.ir import Type
from workbench.core.primitive import Primitive


def _host_call(
    xp: Any, *args: Any, callback: Any, out_types: Any, vmap_method: Any = None
) -> list[Any]:
    host = [a.get() if hasattr(a, "get") else np.asarray(a) for a in args]
    results = callback(*host)
    if not out_types:
        return []
    results = list(results) if isinstance(results, tuple | list) else [results]
    if len(results) != len(out_types):
        raise TypeError(
            f"callback returned {len(results)} values, but {len(out_types)} were declared"
        )
    outs = []
    for r, t in zip(results, out_types):
        r = np.asarray(r)
        if tuple(r.shape) != tuple(t.shape) or r.dtype != t.dtype:
            raise TypeError(
                f"callback returned a value of shape {r.shape} and dtype {r.dtype}, but "
                f"{t.dtype}{list(t.shape)} was declared"
            )
        outs.append(xp.asarray(r))
    return outs


def _make(name: str, effectful: bool) -> Primitive:
    prim = Primitive(
        name,
        impl=_host_call,
        shape=lambda *types, callback, out_types, vmap_method=None: tuple(out_types),
        multiple_results=True,
        family="callback",
    )
    prim.effectful = effectful
    prim.check = lambda *args, **params: None

    def no_derivative(*args: Any, **params: Any) -> Any:
        raise NotImplementedError(
            f"{name}: a Python callback has no derivative; wrap it in custom_jvp or "
            "custom_vjp to give it one"
        )

    prim.vjp(no_derivative)
    prim.jvp(no_derivative)
    prim.batch(_batch_rule(prim))
    return prim


def _batch_rule(prim: Primitive) -> Callable[..., Any]:
    """JAX's ``vmap_method``s: ``sequential`` calls once per example; ``expand_dims`` and
    ``broadcast_all`` call once with the batch as a leading axis (unbatched arguments get
    an axis of size 1, or are broadcast); ``None`` refuses, as JAX does."""
    loop = batching.batch_by_loop(prim)

    def rule(values: Sequence[Any], axes: Sequence[Any], /, **params: Any) -> tuple[Any, Any]:
        method = params.get("vmap_method")
        if prim is debug_callback_p or method in ("sequential", "sequential_unrolled"):
            return loop(values, axes, **params)
        if method not in ("expand_dims", "broadcast_all", "legacy_vectorized"):
            raise NotImplementedError(
                f"vmap is only supported for the {prim.name} primitive when vmap_method is "
                "one of 'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', "
                f"or 'legacy_vectorized'. Got vmap_method={method!r}."
            )
        size = batching.batch_size(values, axes)
        moved = []
        for v, a in zip(values, axes):
            if a is None:
                v = ops.expand_dims(v, [0])
                if method != "expand_dims":
                    v = ops.broadcast_to(v, (size, *v.shape[1:]))
                moved.append(v)
            else:
                moved.append(batching.to_axis(v, a, size))
        out_types = tuple(Type((size, *t.shape), t.dtype, t.device) for t in params["out_types"])
        outs = apply(prim, *moved, **{**params, "out_types": out_types})
        return outs, (0,) * len(outs)

    return rule


pure_callback_p = _make("pure_callback", effectful=False)
io_callback_p = _make("io_callback", effectful=True)
debug_callback_p = _make("debug_callback", effectful=True)  # jax.debug.print: per example


def callback(
    fn: Callable[..., Any],
    out_types: Sequence[Type],
    *args: Any,
    effectful: bool = False,
    vmap_method: str | None = None,
    debug: bool = False,
) -> list[Any]:
    """``fn(*host_arrays)`` as one operation of the computation, with results of
    ``out_types``."""
    prim = debug_callback_p if debug else io_callback_p if effectful else pure_callback_p
    return list(
        apply(prim, *args, callback=fn, out_types=tuple(out_types), vmap_method=vmap_method)
    )


def result_type(shape: Sequence[int], dtype: Any) -> Type:
    return Type(tuple(int(s) for s in shape), np.dtype(dtype), get_device(None))
