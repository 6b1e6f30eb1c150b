"""``tf.Module``: a named container whose attributes (variables, other modules, lists and
dicts of them) are found automatically — ``variables``, ``trainable_variables``,
``submodules``. Mirrors: tf.Module."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from workbench.static.framework import name_scope
from workbench.static.variables import Variable


def _camel_to_snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Module:
    """Mirrors: tf.Module."""

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-]*$", name):
            message = "Module names must be valid Python identifiers"
            raise ValueError(f"'{name}' is not a valid module name. {message}")
        self._name = name
        self._scope_name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> Any:
        return name_scope(self._scope_name)

    def _walk(self, predicate: Callable[[Any], bool], recurse: bool = True) -> Iterator[Any]:
        seen: set[int] = {id(self)}
        stack: list[Any] = [v for k, v in sorted(vars(self).items()) if not k.startswith("_tf")]
        while stack:
            item = stack.pop(0)
            if id(item) in seen:
                continue
            if isinstance(item, Variable | Module) or isinstance(item, list | tuple | dict):
                seen.add(id(item))
            if predicate(item):
                yield item
            if isinstance(item, Module):
                if recurse:
                    stack.extend(
                        v for k, v in sorted(vars(item).items()) if not k.startswith("_tf")
                    )
            elif isinstance(item, list | tuple):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(v for _, v in sorted(item.items(), key=lambda kv: str(kv[0])))

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(self._walk(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        return tuple(self._walk(lambda x: isinstance(x, Variable) and x.trainable))

    @property
    def non_trainable_variables(self) -> tuple[Variable, ...]:
        return tuple(self._walk(lambda x: isinstance(x, Variable) and not x.trainable))

    @property
    def submodules(self) -> tuple[Module, ...]:
        return tuple(self._walk(lambda x: isinstance(x, Module)))

    @classmethod
    def with_name_scope(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Run ``method`` inside the module's name scope."""

        @functools.wraps(method)
        def wrapped(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return wrapped

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"
