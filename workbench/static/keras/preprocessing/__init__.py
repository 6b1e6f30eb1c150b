"""``keras.preprocessing`` (Keras 2's home of the sequence helpers)."""

from workbench.static.keras.preprocessing import sequence

__all__ = ["sequence"]
