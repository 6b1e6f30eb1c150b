"""``keras.preprocessing.sequence.pad_sequences``, where Keras 2 programs import it."""

from workbench.static.keras.utils import pad_sequences

__all__ = ["pad_sequences"]
