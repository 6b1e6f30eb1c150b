"""``jax.Array`` over the core: an immutable array (or, inside a transformation, a traced
value) with NumPy's operators, JAX's dtype rules and the ``.at[]`` update syntax.

JAX's defaults: float32 and int32 unless ``config.update("jax_enable_x64", True)``;
NumPy float64 data becomes float32; Python numbers are "weak" and take the dtype of the
array they meet.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.backend import dtypes
from workbench.core import ops
from workbench.core.values import Array as CoreArray
from workbench.core.values import ConcretizationError, Tracer, is_value


class _Config:
    """``jax.config``: ``update("jax_enable_x64", True)`` for 64-bit types."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {"jax_enable_x64": False, "jax_platform_name": "cpu"}

    def update(self, name: str, value: Any) -> None:
        if name == "jax_debug_nans":  # each primitive checks its results (jit runs op by op)
            from workbench.core import dispatch  # noqa: PLC0415

            dispatch.CHECK_NANS[0] = bool(value)
        if name == "jax_num_cpu_devices":
            import os  # noqa: PLC0415

            os.environ["WORKBENCH_CPU_DEVICES"] = str(int(value))
        self.values[name] = value

    def read(self, name: str) -> Any:
        return self.values.get(name)

    def reshape(self, *shape: Any, order: str = "C") -> Array:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Array:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.transpose(self, None if not axes else axes[0] if len(axes) == 1 else axes)

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__.get("values", {}):
            return self.values[name]
        raise AttributeError(name)


config = _Config()


def x64() -> bool:
    return bool(config.values["jax_enable_x64"])


def canonical(dtype: Any) -> np.dtype:
    """A dtype as JAX would store it (64-bit types narrowed unless x64 is on)."""
    d = np.dtype(dtype)
    if not x64():
        if d == np.float64:
            return np.dtype(np.float32)
        if d == np.int64:
            return np.dtype(np.int32)
        if d == np.uint64:
            return np.dtype(np.uint32)
    return dtypes.canonical(d)


def default_float() -> np.dtype:
    return np.dtype(np.float64 if x64() else np.float32)


def default_int() -> np.dtype:
    return np.dtype(np.int64 if x64() else np.int32)


# what JAX 0.10 calls the tracers of its transformations (jit, grad, vmap)
_TRACER_NAMES = {"GraphTracer": "JitTracer", "VJPTracer": "JVPTracer", "JVPTracer": "JVPTracer",
                 "BatchTracer": "BatchTracer"}  # fmt: skip


class TracerBoolConversionError(ConcretizationError):
    """Python control flow needed a concrete value but got a traced one (JAX's error)."""


class TracerArrayConversionError(TypeError):
    pass


class NonConcreteBooleanIndexError(IndexError, ConcretizationError):
    """A boolean mask known only at run time selects a number of elements unknown when
    tracing (JAX's error; use jnp.where, or the size= argument of jnp.nonzero)."""


def _concretization_message(what: str, value: Any) -> str:
    return (
        f"Attempted {what} on a traced array with shape {tuple(value.shape)} and dtype "
        f"{value.dtype}. The value is only known when the compiled function runs, so "
        "Python control flow cannot depend on it inside jit (or grad/vmap). Use "
        "lax.cond or jnp.where for branches, lax.fori_loop / lax.while_loop / lax.scan "
        "for loops, or mark the argument static with jit(..., static_argnums=...)."
    )


class Array:
    """An immutable array. Mirrors: jax.Array."""

    __slots__ = ("_value", "_sharding")
    __array_priority__ = 100

    if TYPE_CHECKING:  # the operators are installed below, from the jnp functions

        def __add__(self, other: Any) -> Array: ...
        def __radd__(self, other: Any) -> Array: ...
        def __sub__(self, other: Any) -> Array: ...
        def __rsub__(self, other: Any) -> Array: ...
        def __mul__(self, other: Any) -> Array: ...
        def __rmul__(self, other: Any) -> Array: ...
        def __truediv__(self, other: Any) -> Array: ...
        def __rtruediv__(self, other: Any) -> Array: ...
        def __floordiv__(self, other: Any) -> Array: ...
        def __rfloordiv__(self, other: Any) -> Array: ...
        def __mod__(self, other: Any) -> Array: ...
        def __rmod__(self, other: Any) -> Array: ...
        def __pow__(self, other: Any) -> Array: ...
        def __rpow__(self, other: Any) -> Array: ...
        def __matmul__(self, other: Any) -> Array: ...
        def __rmatmul__(self, other: Any) -> Array: ...
        def __and__(self, other: Any) -> Array: ...
        def __rand__(self, other: Any) -> Array: ...
        def __or__(self, other: Any) -> Array: ...
        def __ror__(self, other: Any) -> Array: ...
        def __lt__(self, other: Any) -> Array: ...
        def __le__(self, other: Any) -> Array: ...
        def __gt__(self, other: Any) -> Array: ...
        def __ge__(self, other: Any) -> Array: ...
        def __neg__(self) -> Array: ...
        def __abs__(self) -> Array: ...
        def __invert__(self) -> Array: ...
        def __getitem__(self, key: Any) -> Array: ...
        def __getattr__(self, name: str) -> Any: ...  # the jnp methods installed below

    def __init__(self, value: Any) -> None:
        self._value = value
        self._sharding: Any = None  # a NamedSharding laid on by device_put/reshard/shard_map

    # -- what it is -----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self._value.dtype)

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._value.shape, dtype=np.int64))

    @property
    def T(self) -> Array:  # noqa: N802
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.transpose(self)

    @property
    def at(self) -> _IndexUpdateHelper:
        """Functional updates: ``x.at[idx].set(v)``, ``.add``, ``.multiply``, ``.min``,
        ``.max``, ``.get``."""
        return _IndexUpdateHelper(self)

    @property
    def is_concrete(self) -> bool:
        return isinstance(self._value, CoreArray)

    def _concrete(self, what: str) -> CoreArray:
        """The concrete value: differentiation tracers carry one (so Python control flow
        works under grad, as in JAX); jit's and vmap's do not."""
        v = self._value
        while isinstance(v, Tracer) and hasattr(v, "primal"):
            v = v.primal
        if not isinstance(v, CoreArray):
            raise TracerBoolConversionError(_concretization_message(what, self._value))
        return v

    # -- leaving JAX ----------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if not isinstance(self._value, CoreArray):
            raise TracerArrayConversionError(
                _concretization_message("conversion to a NumPy array", self._value)
            )
        host = self._value.numpy()
        return host if dtype is None else host.astype(dtype)

    def __bool__(self) -> bool:
        return bool(self._concrete("a Python bool conversion (if/while)").numpy())

    def __float__(self) -> float:
        return float(self._concrete("a Python float conversion").numpy())

    def __int__(self) -> int:
        return int(self._concrete("a Python int conversion").numpy())

    def __index__(self) -> int:
        return int(self._concrete("use as a Python index").numpy())

    def item(self) -> Any:
        return self._concrete("item()").numpy().item()

    def tolist(self) -> Any:
        return self._concrete("tolist()").numpy().tolist()

    def block_until_ready(self) -> Array:
        if isinstance(self._value, CoreArray):
            self._value.device.synchronize()
        return self

    def devices(self) -> set[Any]:
        from workbench.functional.devices import device_of  # noqa: PLC0415

        return {device_of(self._value.device)}

    @property
    def device(self) -> Any:
        from workbench.functional.devices import device_of  # noqa: PLC0415

        return device_of(self._value.device)

    def copy(self) -> Array:
        return self

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self) -> Any:
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        if not isinstance(self._value, CoreArray):
            kind = _TRACER_NAMES.get(type(self._value).__name__, "Traced")
            dims = ",".join(str(d) for d in self.shape)
            return f"{kind}({self.dtype}[{dims}])"
        host = self._value.numpy()
        body = np.array2string(host, separator=", ", prefix="Array(")
        return f"Array({body}, dtype={host.dtype})"

    def __str__(self) -> str:
        if not isinstance(self._value, CoreArray):
            return repr(self)
        return str(self._value.numpy())

    def __format__(self, format_spec: str) -> str:
        """As JAX (and NumPy): a scalar formats as its NumPy scalar (``f"{x:.3f}"``), an
        array as NumPy's array."""
        if not isinstance(self._value, CoreArray):
            return repr(self)
        host = self._value.numpy()
        return format(host if host.ndim else host[()], format_spec)

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'jax.Array'")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError(
            "JAX arrays are immutable and do not support in-place item assignment. Instead "
            "of x[idx] = y, use x = x.at[idx].set(y) or another .at[] method: "
            "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html"
        )

    def reshape(self, *shape: Any, order: str = "C") -> Array:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Array:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.transpose(self, None if not axes else axes[0] if len(axes) == 1 else axes)

    # -- more of jax.Array's attributes ---------------------------------------------------
    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def mT(self) -> Array:  # noqa: N802
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.swapaxes(self, -1, -2)

    @property
    def real(self) -> Array:
        return self

    @property
    def imag(self) -> Array:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return jnp.zeros_like(self)

    @property
    def flat(self) -> Any:
        raise AttributeError("jax.Array has no .flat: use x.ravel() (JAX arrays are immutable)")

    def view(self, dtype: Any = None) -> Array:
        """The same bytes read as another dtype of the same width (a bit cast)."""
        if dtype is None:
            return self
        from workbench.functional import lax  # noqa: PLC0415

        return lax.bitcast_convert_type(self, dtype)

    def copy_to_host_async(self) -> None:
        return None

    # -- where it lives (see sharding.py) -------------------------------------------------
    @property
    def sharding(self) -> Any:
        from workbench.functional.sharding import SingleDeviceSharding  # noqa: PLC0415

        return self._sharding or SingleDeviceSharding(self.device)

    @property
    def committed(self) -> bool:
        return self._sharding is not None

    @property
    def is_fully_replicated(self) -> bool:
        return bool(self.sharding.is_fully_replicated)

    @property
    def is_fully_addressable(self) -> bool:
        return True

    @property
    def addressable_shards(self) -> list[Any]:
        from workbench.functional.sharding import shards_of  # noqa: PLC0415

        return shards_of(self)

    global_shards = addressable_shards

    def addressable_data(self, index: int) -> Array:
        return self.addressable_shards[index].data

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        return np.asarray(self).__dlpack__(*args, **kwargs)


def _method(name: str, target: str) -> Any:
    """``x.name(...)`` as ``jnp.target(x, ...)``."""

    def method(self: Array, *args: Any, **kwargs: Any) -> Any:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return getattr(jnp, target)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Same as ``jnp.{target}(x, ...)``. Mirrors: jax.Array.{name}."
    return method


for _name, _target in {
    **{n: n for n in (
        "sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "cumsum",
        "cumprod", "all", "any", "squeeze", "ravel", "clip", "dot", "round", "astype",
        "swapaxes", "sort", "argsort", "take", "repeat", "conj", "conjugate", "nonzero",
        "trace", "diagonal", "ptp", "searchsorted", "compress", "choose", "argpartition",
    )},
    "flatten": "ravel",
}.items():  # fmt: skip
    setattr(Array, _name, _method(_name, _target))


def _operator(name: str, reverse: bool = False) -> Any:
    def method(self: Array, other: Any) -> Any:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        fn = getattr(jnp, name)
        return fn(other, self) if reverse else fn(self, other)

    return method


for _dunder, _fn in {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul",
    "and": "logical_and_or_bitwise", "or": "logical_or_or_bitwise", "xor": "bitwise_xor",
}.items():  # fmt: skip
    setattr(Array, f"__{_dunder}__", _operator(_fn))
    setattr(Array, f"__r{_dunder}__", _operator(_fn, reverse=True))
for _dunder, _fn in {
    "lt": "less",
    "le": "less_equal",
    "gt": "greater",
    "ge": "greater_equal",
    "eq": "equal",
    "ne": "not_equal",
}.items():
    setattr(Array, f"__{_dunder}__", _operator(_fn))


def _unary_operator(name: str) -> Any:
    def method(self: Array) -> Any:
        from workbench.functional import numpy as jnp  # noqa: PLC0415

        return getattr(jnp, name)(self)

    return method


Array.__neg__ = _unary_operator("negative")  # type: ignore[method-assign]
Array.__pos__ = lambda self: self  # type: ignore[attr-defined,operator]
Array.__abs__ = _unary_operator("abs")  # type: ignore[method-assign]
Array.__invert__ = _unary_operator("invert")  # type: ignore[method-assign]


def _getitem(self: Array, key: Any) -> Array:
    """``x[key]``; an integer index out of bounds is clamped to the nearest element, as
    JAX's gather does (NumPy would raise)."""
    try:
        return Array(ops.index(self._value, clamped(unwrap_index(key), self.shape)))
    except ConcretizationError as err:
        if "boolean mask" in str(err):
            raise NonConcreteBooleanIndexError(
                f"Array boolean indices must be concrete; got a traced mask. {err}"
            ) from err
        raise


def _axes_of(key: tuple[Any, ...], ndim: int) -> list[int | None]:
    """The axis each entry of an index tuple reads (None: it reads none)."""

    def width(k: Any) -> int:
        if k is None or k is Ellipsis:
            return 0
        if hasattr(k, "dtype") and np.dtype(k.dtype) == np.bool_:
            return len(k.shape)
        return 1

    used = sum(width(k) for k in key)
    axes: list[int | None] = []
    axis = 0
    for k in key:
        if k is Ellipsis:
            axis += ndim - used
            axes.append(None)
        elif k is None:
            axes.append(None)
        else:
            axes.append(axis)
            axis += width(k)
    return axes


def _is_int_index(k: Any) -> bool:
    if isinstance(k, int | np.integer) and not isinstance(k, bool):
        return True
    return hasattr(k, "dtype") and np.dtype(k.dtype).kind in "iu"


def clamped(key: Any, shape: tuple[int, ...]) -> Any:
    """The index with every integer (or integer array) index brought into bounds: negative
    ones counted from the end, then clipped to [0, size - 1]."""
    single = not isinstance(key, tuple)
    entries = (key,) if single else key
    out = []
    for k, axis in zip(entries, _axes_of(entries, len(shape))):
        if axis is None or axis >= len(shape) or not _is_int_index(k) or shape[axis] is None:
            out.append(k)
            continue
        n = shape[axis]
        if isinstance(k, int | np.integer):
            k = int(k)
            out.append(min(max(k + n if k < 0 else k, 0), n - 1))
        else:
            wrapped = ops.select(ops.lt(k, ops.zeros_like(k)), ops.add(k, n), k)
            out.append(ops.minimum(ops.maximum(wrapped, 0), n - 1))
    return out[0] if single else tuple(out)


def in_bounds(key: Any, shape: tuple[int, ...]) -> Any:
    """Whether each integer index of a one-index key (an int or an integer array on axis
    0) is in bounds: None when the key has no such index."""
    k = key[0] if isinstance(key, tuple) and len(key) == 1 else key
    if not _is_int_index(k) or not shape:
        return None
    n = shape[0]
    if isinstance(k, int | np.integer):
        return -n <= int(k) < n
    return ops.logical_and(ops.ge(k, -n), ops.lt(k, n))


Array.__getitem__ = _getitem  # type: ignore[method-assign]


def unwrap_index(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(unwrap_index(k) for k in key)
    if isinstance(key, Array):
        return key._value
    if isinstance(key, list):
        return value_of(np.asarray(key))
    return key


class _IndexUpdateHelper:
    def __init__(self, array: Array) -> None:
        self.array = array

    def __getitem__(self, key: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, key)


class _IndexUpdateRef:
    """``x.at[key]``: reads clamp out-of-bounds indices (``get(mode="fill")`` returns
    ``fill_value`` there instead); updates at out-of-bounds indices are dropped — JAX's
    defaults."""

    def __init__(self, array: Array, key: Any) -> None:
        raw = unwrap_index(key)
        self.array, self.key = array, clamped(raw, array.shape)
        self.valid = in_bounds(raw, array.shape)

    def _values(self, values: Any) -> Any:
        v = value_of(values, like=self.array._value)
        return v

    def _update(self, op: Any, values: Any) -> Array:
        """``op(x, key, values)`` with updates at out-of-bounds indices dropped: those
        indices are sent to an extra row past the end, cut off afterwards."""
        x = self.array._value
        if self.valid is None or self.valid is True:
            return Array(op(x, self.key, values))
        if self.valid is False:
            return self.array
        n = x.shape[0]
        spare = ops.concatenate([x, ops.zeros_like(ops.index(x, (slice(0, 1),)))], 0)
        k = self.key[0] if isinstance(self.key, tuple) else self.key
        k = ops.select(self.valid, k, ops.full_like(k, n))
        out = op(spare, (k,) if isinstance(self.key, tuple) else k, values)
        return Array(ops.index(out, (slice(0, n),)))

    def get(self, mode: Any = None, fill_value: Any = None, **_: Any) -> Array:
        out = ops.index(self.array._value, self.key)
        if mode != "fill" or self.valid is None or self.valid is True:
            return Array(out)
        fill = np.nan if fill_value is None and self.array.dtype.kind == "f" else fill_value
        filler = ops.full_like(out, 0 if fill is None else fill)
        if self.valid is False:
            return Array(filler)
        mask = ops.reshape(
            self.valid, tuple(self.valid.shape) + (1,) * (out.ndim - self.valid.ndim)
        )
        return Array(ops.select(ops.broadcast_to(mask, tuple(out.shape)), out, filler))

    def set(self, values: Any, **_: Any) -> Array:
        return self._update(ops.index_set, self._values(values))

    def add(self, values: Any, **_: Any) -> Array:
        return self._update(ops.index_add, self._values(values))

    def subtract(self, values: Any, **_: Any) -> Array:
        return self._update(ops.index_add, ops.neg(self._values(values)))

    def _combine(self, fn: Any, values: Any) -> Array:
        current = ops.index(self.array._value, self.key)
        return self._update(ops.index_set, fn(current, _like(self._values(values), current)))

    def multiply(self, values: Any, **_: Any) -> Array:
        return self._combine(ops.mul, values)

    def divide(self, values: Any, **_: Any) -> Array:
        return self._combine(ops.div, values)

    def power(self, values: Any, **_: Any) -> Array:
        return self._combine(ops.pow, values)

    def min(self, values: Any, **_: Any) -> Array:
        return self._combine(ops.minimum, values)

    def max(self, values: Any, **_: Any) -> Array:
        return self._combine(ops.maximum, values)


def _like(v: Any, target: Any) -> Any:
    return v if tuple(v.shape) == tuple(target.shape) else ops.broadcast_to(v, target.shape)


# ---------------------------------------------------------------------------------------
# Conversions


def host_array(data: Any, dtype: Any = None) -> np.ndarray:
    """NumPy data with JAX's dtype rules (Python floats float32, ints int32 by default)."""
    if dtype is not None:
        return np.asarray(data, dtype=canonical(dtype))
    arr = np.asarray(data)
    if arr.dtype == np.float64 and not isinstance(data, np.ndarray | np.generic) and not x64():
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu" and not isinstance(data, np.ndarray | np.generic):
        return arr.astype(default_int())
    if arr.dtype.kind == "O":
        raise TypeError(f"JAX does not support arrays of Python objects: {data!r}")
    return arr.astype(canonical(arr.dtype)) if arr.dtype.kind in "fiub" else arr


def value_of(x: Any, dtype: Any = None, like: Any = None) -> Any:
    """The core value of an operand: arrays unwrap, host data converts (a Python number
    with ``like`` takes its dtype, as JAX's weak types do)."""
    if isinstance(x, Array):
        v = x._value
        return v if dtype is None or v.dtype == canonical(dtype) else ops.cast(v, canonical(dtype))
    if is_value(x):
        return x
    if isinstance(x, Tracer):
        return x
    if like is not None and isinstance(x, int | float | bool) and not isinstance(x, np.generic):
        kind = "f" if dtypes.is_float(like.dtype) else like.dtype.kind
        if (
            isinstance(x, bool)
            or (isinstance(x, int) and kind in "iuf")
            or (isinstance(x, float) and kind == "f")
        ):
            return ops.array(np.asarray(x, like.dtype), device=like.device)
    if hasattr(x, "__jax_array__"):
        return value_of(x.__jax_array__(), dtype)
    return ops.array(host_array(x, dtype))


def wrap(value: Any) -> Any:
    """Core values (or pytrees of them) as Arrays."""
    if isinstance(value, tuple | list):
        return type(value)(wrap(v) for v in value)
    if isinstance(value, dict):
        return {k: wrap(v) for k, v in value.items()}
    if is_value(value) or isinstance(value, Tracer):
        return Array(value)
    return value


def is_array(x: Any) -> bool:
    return isinstance(x, Array)


def concrete_shape(shape: Any) -> tuple[int, ...]:
    """A shape of Python ints; a traced value (a jit argument) cannot be one (JAX's error)."""
    sequence = isinstance(shape, tuple | list | Array | np.ndarray) and np.ndim(shape) > 0
    if not sequence:
        items: tuple[Any, ...] = (shape,)
    else:
        items = tuple(shape)
    out = []
    for s in items:
        try:
            out.append(operator.index(s) if not isinstance(s, Array) else int(s))
        except (TypeError, ConcretizationError):
            raise TypeError(
                f"Shapes must be 1D sequences of concrete values of integer type, got {items}. "
                "If using `jit`, try using `static_argnums` or applying `jit` to smaller "
                "subfunctions."
            ) from None
    return tuple(out)
