"""Typed PRNG keys: what ``jax.random.key`` returns.

A key array of shape ``S`` holds ``S + (2,)`` uint32 words (Threefry's key data) behind
a dtype of its own, ``key<fry>``: it prints as a key, indexes and splits as keys, refuses
arithmetic and conversion to NumPy, and ``jax.random.key_data`` unwraps it. The legacy
``jax.random.PRNGKey`` keeps returning the raw ``uint32[2]``; every sampler accepts both.
Key arrays are pytrees over their data, so ``jit``, ``vmap`` and ``lax.scan`` carry them.

Mirrors: jax.random.key / key_data / wrap_key_data and the ``key<fry>`` dtype.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from workbench.core import tree
from workbench.functional.array import Array


class KeyDtype:
    """The dtype of a typed key array (``key<fry>``: Threefry-2x32 keys)."""

    name = "key<fry>"
    itemsize = 8

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyDtype) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


KEY_DTYPE = KeyDtype()


class PRNGKeyArray:
    """An array of PRNG keys (``jax.random.key(0)`` has shape ``()``)."""

    __slots__ = ("_data",)

    def __init__(self, data: Any) -> None:
        data = data if isinstance(data, Array) else Array(data)
        if data.dtype != np.uint32 or data.ndim < 1 or data.shape[-1] != 2:
            raise TypeError(
                f"key data must be uint32 with a last dimension of 2, got "
                f"{data.dtype}{list(data.shape)}"
            )
        self._data = data

    @classmethod
    def _wrap(cls, data: Any) -> PRNGKeyArray:
        """Rebuild from a pytree leaf (a tracer, or a placeholder such as an axis spec)."""
        key = object.__new__(cls)
        key._data = data
        return key

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape[:-1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self) -> KeyDtype:
        return KEY_DTYPE

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of an unsized key array (a single key)")
        return self.shape[0]

    def __iter__(self) -> Iterator[PRNGKeyArray]:
        if not self.shape:
            raise TypeError("iteration over a single key: split it first")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index: Any) -> PRNGKeyArray:
        if not self.shape:
            raise IndexError("a single key cannot be indexed")
        return PRNGKeyArray(self._data[index])

    def reshape(self, *shape: Any) -> PRNGKeyArray:
        dims = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return PRNGKeyArray(self._data.reshape(*dims, 2))

    def block_until_ready(self) -> PRNGKeyArray:
        return self

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "a key array cannot be converted to a NumPy array: use "
            "jax.random.key_data(keys) for its uint32 words"
        )

    def __repr__(self) -> str:
        data = np.asarray(self._data)
        return f"Array({self.shape}, dtype={KEY_DTYPE}) overlaying:\n{data}"


tree.register_node(
    PRNGKeyArray, lambda k: ((k._data,), None), lambda _, ch: PRNGKeyArray._wrap(*ch)
)


def key_data(keys: Any) -> Array:
    """The uint32 words under a key array (a raw key is returned as it is). Mirrors:
    jax.random.key_data."""
    if isinstance(keys, KeyArray):
        return keys._data
    from workbench.functional.array import value_of  # noqa: PLC0415

    return keys if isinstance(keys, Array) else Array(value_of(keys))


def wrap_key_data(data: Any, *, impl: Any = None) -> PRNGKeyArray:
    """A typed key array over uint32 words of shape ``(..., 2)``. Mirrors:
    jax.random.wrap_key_data."""
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"only the threefry2x32 implementation is provided, not {impl!r}")
    from workbench.functional import numpy as jnp  # noqa: PLC0415

    return PRNGKeyArray(jnp.asarray(data, dtype=np.uint32))


KeyArray = PRNGKeyArray  # the name jax.random.KeyArray had
