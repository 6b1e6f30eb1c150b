"""``tf.compat``: the TensorFlow 1 API (``tf.compat.v1``)."""

from workbench.static.compat import v1

__all__ = ["v1"]
