"""``DenseFeatures``: feature columns as a Keras layer, as TensorFlow 2.0-2.15 had it in
``tf.keras.layers`` (Keras 3 dropped it; the structured-data tutorials of that time use
it). Mirrors: tf.keras.layers.DenseFeatures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.static import feature_column
from workbench.static.keras.engine import Layer


class DenseFeatures(Layer):
    """A dict of raw features in, one float32 matrix out (the columns in the order of their
    names); embedding tables are the layer's weights."""

    keeps_integers = True

    def __init__(self, feature_columns: Sequence[Any], trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.feature_columns = list(feature_columns)
        self._tables = feature_column._Tables(self._table)

    def _table(self, column: Any) -> Any:
        return self.add_weight(
            name=f"{column.name}/embedding_weights",
            shape=(column.categorical_column.num_buckets, column.dimension),
            initializer=lambda shape, dtype=None: column.initial_value(),
            trainable=column.trainable,
        )

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        self.built = True  # a dict of features: no input shape to build from
        return self.call(inputs)

    def call(self, inputs: Any) -> Any:
        return feature_column.dense_matrix(inputs, self.feature_columns, self._tables)
