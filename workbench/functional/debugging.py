"""Looking inside a computation and calling out of it: ``jax.debug`` (``print``,
``callback``, ``visualize_array_sharding``), ``pure_callback`` and
``experimental.io_callback``, and ``eval_shape`` / ``ShapeDtypeStruct`` (the output types
of a function, computed by tracing it, without running it).

``debug.print`` is an effectful host callback: inside ``jit`` it prints each time the
compiled function runs, with the values of that run (not once at trace time, as a Python
``print`` would), and under ``vmap`` once per example — JAX's behaviour.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.backend import get_device
from workbench.core import tree
from workbench.core.ir import Type
from workbench.core.primitives import callbacks
from workbench.core.trace import trace
from workbench.functional.array import Array, canonical
from workbench.functional.sharding import visualize_array_sharding
from workbench.functional.transforms import to_arrays, to_values


class ShapeDtypeStruct:
    """A shape and a dtype (and optionally a sharding), standing for an array not made.
    Mirrors: jax.ShapeDtypeStruct."""

    def __init__(self, shape: Any, dtype: Any, *, sharding: Any = None, weak_type: bool = False):
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.sharding = sharding
        self.ndim = len(self.shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))

    @classmethod
    def like(cls, x: Any) -> ShapeDtypeStruct:
        return cls(np.shape(x) if not hasattr(x, "shape") else x.shape, _dtype_of(x))

    def _type(self) -> Type:
        return Type(self.shape, canonical(self.dtype), get_device(None))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ShapeDtypeStruct)
            and other.shape == self.shape
            and other.dtype == self.dtype
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


def _dtype_of(x: Any) -> np.dtype:
    if hasattr(x, "dtype"):
        return np.dtype(x.dtype)
    return canonical(np.asarray(x).dtype)


def _as_type(x: Any) -> Type:
    if isinstance(x, ShapeDtypeStruct):
        return x._type()
    if isinstance(x, Array):
        v = x._value
        return Type(tuple(v.shape), v.dtype, v.device)
    a = np.asarray(x)
    return Type(a.shape, canonical(a.dtype), get_device(None))


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes ``fun`` would return, as ``ShapeDtypeStruct``s, found by
    tracing it on abstract values (nothing is computed). Mirrors: jax.eval_shape."""
    flat, in_tree = tree.flatten((args, kwargs))
    types = [_as_type(x) for x in flat]

    def flat_fun(*values: Any) -> Any:
        a, k = tree.unflatten(in_tree, to_arrays(list(values)))
        return to_values(fun(*a, **k))

    graph, out_tree = trace(flat_fun, *types)
    outs = [ShapeDtypeStruct(t.shape, t.dtype) for t in graph.out_types]
    return tree.unflatten(out_tree, outs)


# ---------------------------------------------------------------------------------------
# host callbacks


def _callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    args: Any,
    effectful: bool,
    vmap_method: str | None = "sequential",
    debug: bool = False,
) -> Any:
    flat, in_tree = tree.flatten(to_values(args))
    shapes, out_tree = tree.flatten(result_shape_dtypes)
    types = [_as_type(s) if not isinstance(s, Type) else s for s in shapes]

    def host(*values: np.ndarray) -> Any:
        a, k = tree.unflatten(in_tree, list(values))
        result = callback(*a, **k)
        return [np.asarray(r, dtype=t.dtype) for r, t in zip(tree.flatten(result)[0], types)]

    outs = callbacks.callback(
        host, types, *flat, effectful=effectful, vmap_method=vmap_method, debug=debug
    )
    return to_arrays(tree.unflatten(out_tree, outs)) if shapes else None


def pure_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """Call a Python function of NumPy arrays from inside a computation; it must return
    arrays of ``result_shape_dtypes``. Being pure, a call whose results go unused may be
    dropped. Mirrors: jax.pure_callback."""
    return _callback(callback, result_shape_dtypes, (args, kwargs), False, vmap_method)


def io_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    ordered: bool = False,
    **kwargs: Any,
) -> Any:
    """Like ``pure_callback``, but for a function with side effects: it runs every time
    the computation does. Mirrors: jax.experimental.io_callback."""
    return _callback(callback, result_shape_dtypes, (args, kwargs), effectful=True)


# ---------------------------------------------------------------------------------------
# jax.debug


class _DebugModule:
    """``jax.debug``: print, callback, breakpoint, visualize_array_sharding."""

    @staticmethod
    def callback(
        callback: Callable[..., Any], *args: Any, ordered: bool = False, **kw: Any
    ) -> None:
        """Call ``callback`` with the concrete values each time the computation runs.
        Mirrors: jax.debug.callback."""
        _callback(lambda *a, **k: callback(*a, **k) and None, (), (args, kw), True, debug=True)

    @staticmethod
    def print(fmt: str, *args: Any, ordered: bool = False, **kwargs: Any) -> None:  # noqa: A003
        """``print(fmt.format(*args, **kwargs))`` with the values of each run, inside
        ``jit``/``vmap``/``grad`` too. Mirrors: jax.debug.print."""
        string.Formatter().parse(fmt)  # a malformed format fails here, at trace time

        def show(*a: Any, **k: Any) -> None:
            print(fmt.format(*a, **k))

        _callback(show, (), (args, kwargs), True, debug=True)

    @staticmethod
    def breakpoint(
        *,
        backend: Any = None,
        filter_frames: bool = True,
        num_frames: Any = None,
        ordered: bool = False,
        token: Any = None,
    ) -> None:  # noqa: A003, E501
        """Mirrors: jax.debug.breakpoint (here: Python's debugger, where values are
        concrete)."""
        import pdb  # noqa: PLC0415, T100

        pdb.set_trace()  # noqa: T100

    visualize_array_sharding = staticmethod(visualize_array_sharding)

    @staticmethod
    def visualize_sharding(shape: Any, sharding: Any, **_: Any) -> None:
        from workbench.functional.sharding import sharding_picture  # noqa: PLC0415

        class _Shaped:
            def __init__(self) -> None:
                self.shape, self.sharding = tuple(shape), sharding

        print(sharding_picture(_Shaped()))


debug = _DebugModule()
