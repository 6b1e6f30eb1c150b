"""What models return: named fields that read as attributes, as keys and as a tuple of the
fields that are set — in each front end's own array type. Mirrors:
transformers.modeling_outputs (BaseModelOutputWithPooling, SequenceClassifierOutput,
CausalLMOutputWithPast)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from workbench.core import tree


class ModelOutput(OrderedDict):
    """An ordered mapping of the fields that are not None; ``out[0]`` is the first."""

    fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # a pytree node, so jitted and vmapped functions may return one (as Flax's outputs)
        super().__init_subclass__(**kwargs)
        tree.register_node(
            cls,
            lambda out: (list(out.values()), tuple(out.keys())),
            lambda keys, values: cls(**dict(zip(keys, values))),  # type: ignore[call-overload]
        )

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {sorted(unknown)}")
        super().__init__((k, values[k]) for k in self.fields if values.get(k) is not None)

    def __getattr__(self, name: str) -> Any:
        if name in type(self).fields:
            return self.get(name)
        raise AttributeError(name)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(key)
        return self.to_tuple()[key]

    def to_tuple(self) -> tuple[Any, ...]:
        return tuple(self.values())

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{k}={getattr(v, 'shape', v)!r}" if hasattr(v, "shape") else f"{k}=…"
            for k, v in self.items()
        )
        return f"{type(self).__name__}({parts})"


class BaseModelOutputWithPooling(ModelOutput):
    fields = ("last_hidden_state", "pooler_output", "hidden_states", "attentions")


class BaseModelOutputWithPast(ModelOutput):
    fields = ("last_hidden_state", "past_key_values", "hidden_states", "attentions")


class SequenceClassifierOutput(ModelOutput):
    fields = ("loss", "logits", "hidden_states", "attentions")


class CausalLMOutputWithPast(ModelOutput):
    fields = ("loss", "logits", "past_key_values", "hidden_states", "attentions")
