"""Keras's preprocessing layers: rescaling and normalising (``adapt`` learns the statistics
from data), resizing and cropping, category encodings and integer lookups, and the random
image augmentations, which act only while training. Mirrors: keras.layers (preprocessing)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from workbench.static import array_ops, image_ops, math_ops, random_ops
from workbench.static.execution import convert_to_tensor
from workbench.static.keras.engine import Layer

EPSILON = 1e-7  # keras.config.epsilon()


def _host_batches(data: Any) -> Iterable[np.ndarray]:
    """An array, a tensor, a data set of batches or any iterable of batches, as NumPy."""
    if isinstance(data, np.ndarray) or hasattr(data, "numpy"):
        yield np.asarray(data.numpy() if hasattr(data, "numpy") else data)
        return
    for batch in data:
        if isinstance(batch, tuple):  # (x, y) pairs: adapt on x, as Keras
            batch = batch[0]
        yield np.asarray(batch.numpy() if hasattr(batch, "numpy") else batch)


class Rescaling(Layer):
    """``x * scale + offset`` in the layer's dtype (uint8 pixels become floats).
    Mirrors: keras.layers.Rescaling."""

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs: Any) -> Any:
        x = math_ops.cast(inputs, self.dtype)
        return x * math_ops.cast(self.scale, self.dtype) + math_ops.cast(self.offset, self.dtype)


class Normalization(Layer):
    """``(x - mean) / max(sqrt(variance), epsilon)`` per feature along ``axis``; the mean
    and variance are given or learned by ``adapt(data)``. Mirrors: keras.layers.Normalization."""

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        self.input_mean, self.input_variance, self.invert = mean, variance, invert

    def _layout(self, shape: Any) -> tuple[tuple[int, ...], list[int]]:
        ndim = len(shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(
                f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                f"ndim={ndim}, while axis={self.axis}"
            )
        keep = tuple(sorted(a % ndim for a in self.axis))
        return keep, [int(shape[d]) if d in keep else 1 for d in range(ndim)]

    def build(self, input_shape: Any) -> None:
        keep, self._broadcast = self._layout(input_shape)
        stat_shape = tuple(int(input_shape[d]) for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", stat_shape, "zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", stat_shape, "ones", trainable=False)
            self.count = self.add_weight("count", (), "zeros", dtype="int64", trainable=False)
        self.built = True

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the mean and variance of ``data`` (all of it, in float64)."""
        batches = [b.astype(np.float64) for b in _host_batches(data)]
        if not batches:
            raise ValueError("adapt() received an empty iterable (no batches).")
        if not self.built:
            self.build(batches[0].shape)
        keep, _ = self._layout(batches[0].shape)
        every = np.concatenate([b.reshape(-1, *b.shape[1:]) for b in batches])
        reduce = tuple(d for d in range(every.ndim) if d not in keep)
        self.adapt_mean.assign(every.mean(reduce).astype(self.dtype.np))
        self.adapt_variance.assign(every.var(reduce).astype(self.dtype.np))
        self.count.assign(int(every.size // max(math.prod(every.shape[d] for d in keep), 1)))

    def _statistics(self) -> tuple[Any, Any]:
        if self.input_mean is not None:
            mean = np.broadcast_to(self.input_mean, self._broadcast).astype(self.dtype.np)
            var = np.broadcast_to(self.input_variance, self._broadcast).astype(self.dtype.np)
            return convert_to_tensor(mean), convert_to_tensor(var)
        return (
            array_ops.reshape(self.adapt_mean, self._broadcast),
            array_ops.reshape(self.adapt_variance, self._broadcast),
        )

    def call(self, inputs: Any) -> Any:
        x = math_ops.cast(inputs, self.dtype)
        mean, var = self._statistics()
        std = math_ops.maximum(math_ops.sqrt(var), EPSILON)
        return mean + x * std if self.invert else (x - mean) / std


class Resizing(Layer):
    """Resize images to (height, width), optionally cropping to the aspect ratio first.
    Mirrors: keras.layers.Resizing."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)
        self.interpolation, self.crop_to_aspect_ratio = interpolation, crop_to_aspect_ratio

    def call(self, inputs: Any) -> Any:
        x = inputs
        if self.crop_to_aspect_ratio:
            h, w = x.shape.as_list()[-3:-1]
            ch = min(h, int(w * self.height / self.width))
            cw = min(w, int(h * self.width / self.height))
            x = image_ops.crop_to_bounding_box(x, (h - ch) // 2, (w - cw) // 2, ch, cw)
        out = image_ops.resize(x, [self.height, self.width], method=self.interpolation)
        return math_ops.cast(out, self.dtype)


class CenterCrop(Layer):
    """The central (height, width) window (resized up first if the image is smaller)."""

    def __init__(self, height: int, width: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs: Any) -> Any:
        x = math_ops.cast(inputs, self.dtype)
        h, w = x.shape.as_list()[-3:-1]
        if h < self.height or w < self.width:
            return Resizing(self.height, self.width, crop_to_aspect_ratio=True)(x)
        top, left = (h - self.height) // 2, (w - self.width) // 2
        return image_ops.crop_to_bounding_box(x, top, left, self.height, self.width)


class CategoryEncoding(Layer):
    """Integer categories to ``one_hot``, ``multi_hot`` or ``count`` vectors of length
    ``num_tokens``. Mirrors: keras.layers.CategoryEncoding."""

    keeps_integers = True

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")  # fmt: skip
        self.num_tokens, self.output_mode = int(num_tokens), output_mode

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        x = convert_to_tensor(inputs)
        if x.shape.rank == 0:
            x = array_ops.expand_dims(x, -1)
        if self.output_mode == "one_hot":
            if x.shape.rank > 1 and x.shape[-1] == 1:
                x = array_ops.squeeze(x, [-1])
            return array_ops.one_hot(x, self.num_tokens, dtype=self.dtype)
        hot = array_ops.one_hot(x, self.num_tokens, dtype=self.dtype)
        if count_weights is not None:
            hot = hot * array_ops.expand_dims(math_ops.cast(count_weights, self.dtype), -1)
        axis = x.shape.rank - 1
        if self.output_mode == "multi_hot":
            return math_ops.reduce_max(hot, axis)
        return math_ops.reduce_sum(hot, axis)


class Discretization(Layer):
    """The bin of each value: ``bin_boundaries`` given or learned by ``adapt`` (quantiles
    into ``num_bins``). Mirrors: keras.layers.Discretization (``output_mode="int"``)."""

    keeps_integers = True

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 dtype: Any = None, name: str | None = None) -> None:  # fmt: skip
        super().__init__(dtype=dtype, name=name)
        if output_mode != "int":
            raise NotImplementedError(f"Discretization(output_mode={output_mode!r}): only 'int'")
        if bin_boundaries is not None and num_bins is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins

    def adapt(self, data: Any, steps: int | None = None) -> None:
        values = np.concatenate([b.reshape(-1) for b in _host_batches(data)]).astype(np.float64)
        qs = np.linspace(0, 1, int(self.num_bins or 2) + 1)[1:-1]
        self.bin_boundaries = np.quantile(values, qs).tolist()

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can "
                             "start using the `Discretization` layer.")  # fmt: skip
        x = math_ops.cast(inputs, "float64")
        edges = convert_to_tensor(np.asarray(self.bin_boundaries, np.float64))
        above = math_ops.greater_equal(array_ops.expand_dims(x, -1), edges)
        return math_ops.reduce_sum(math_ops.cast(above, "int32"), -1)


class IntegerLookup(Layer):
    """Map integer tokens to indices in a vocabulary (given, or the most frequent tokens
    seen by ``adapt``); out-of-vocabulary tokens map to the ``num_oov_indices`` first
    indices. Mirrors: keras.layers.IntegerLookup (``output_mode="int"``)."""

    keeps_integers = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: Any = None, oov_token: int = -1, vocabulary: Any = None,
                 vocabulary_dtype: str = "int64", invert: bool = False,
                 output_mode: str = "int", **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        if output_mode != "int" or invert:
            raise NotImplementedError("IntegerLookup: only output_mode='int' without invert")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self._vocab: list[int] = [] if vocabulary is None else [int(v) for v in vocabulary]

    def get_vocabulary(self) -> list[int]:
        mask = [] if self.mask_token is None else [self.mask_token]
        return [*mask, *[self.oov_token] * self.num_oov_indices, *self._vocab]

    def vocabulary_size(self) -> int:
        return len(self.get_vocabulary())

    def adapt(self, data: Any, steps: int | None = None) -> None:
        values = np.concatenate([b.reshape(-1) for b in _host_batches(data)]).astype(np.int64)
        if self.mask_token is not None:
            values = values[values != self.mask_token]
        tokens, counts = np.unique(values, return_counts=True)
        order = np.lexsort((-tokens, -counts))  # most frequent first, ties larger first (Keras)
        keep = None if self.max_tokens is None else self.max_tokens - len(self.get_vocabulary())
        self._vocab = [int(t) for t in tokens[order][:keep]]

    def call(self, inputs: Any) -> Any:
        x = math_ops.cast(inputs, "int64")
        start = self.num_oov_indices + (self.mask_token is not None)
        vocab = convert_to_tensor(np.asarray(self._vocab or [np.iinfo(np.int64).min], np.int64))
        matches = math_ops.equal(array_ops.expand_dims(x, -1), vocab)
        index = math_ops.argmax(math_ops.cast(matches, "int32"), -1, output_type="int64") + start
        oov = math_ops.floormod(x, max(self.num_oov_indices, 1)) + int(self.mask_token is not None)
        out = array_ops.where(math_ops.reduce_any(matches, -1), index, oov)
        if self.mask_token is not None:
            masked = math_ops.equal(x, int(self.mask_token))
            out = array_ops.where(masked, array_ops.zeros_like(out), out)
        return out


# ---------------------------------------------------------------------------------------
# Random augmentation (identity outside training)


class _Augmentation(Layer):
    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed

    def call(self, inputs: Any, training: bool = True) -> Any:
        x = math_ops.cast(inputs, self.dtype)
        return self.augment(x) if training else x

    def augment(self, x: Any) -> Any:
        raise NotImplementedError

    def _per_image(self, x: Any, low: float, high: float) -> Any:
        """One draw per image of ``x`` (or per element of a 1-d ``x`` of earlier draws)."""
        n = array_ops.shape(x)[0] if x.shape.rank in (1, 4) else 1
        return random_ops.uniform(array_ops.reshape(n, [1]), low, high, seed=self.seed)


class RandomFlip(_Augmentation):
    """Flip each image with probability 1/2, horizontally and/or vertically."""

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode={mode}")
        self.mode = mode

    def augment(self, x: Any) -> Any:
        if "horizontal" in self.mode:
            x = image_ops.random_flip_left_right(x, self.seed)
        if "vertical" in self.mode:
            x = image_ops.random_flip_up_down(x, self.seed)
        return x


def _range(factor: Any, name: str) -> tuple[float, float]:
    lo, hi = (-factor, factor) if isinstance(factor, int | float) else factor
    if lo > hi:
        raise ValueError(f"{name}: the lower bound {lo} is above the upper bound {hi}")
    return float(lo), float(hi)


class _Transform(_Augmentation):
    """Affine augmentations: each output pixel samples the input at a transformed point
    (bilinear or nearest, outside points by ``fill_mode``)."""

    def __init__(
        self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
        seed: int | None = None, fill_value: float = 0.0, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(seed, **kwargs)
        self.range = _range(factor, type(self).__name__)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def augment(self, x: Any) -> Any:
        batched = x.shape.rank == 4
        images = x if batched else array_ops.expand_dims(x, 0)
        amount = self._per_image(images, *self.range)
        h, w = images.shape.as_list()[1:3]
        out = image_ops.transform(
            images, self.matrices(amount, h, w), self.interpolation, self.fill_mode, self.fill_value
        )
        return out if batched else array_ops.squeeze(out, [0])

    def matrices(self, amount: Any, h: int, w: int) -> Any:
        raise NotImplementedError


class RandomRotation(_Transform):
    """Rotate by a random fraction of a full turn in ``factor`` (about the centre)."""

    def matrices(self, amount: Any, h: int, w: int) -> Any:
        angle = amount * (2 * math.pi)
        c, s = math_ops.cos(angle), math_ops.sin(angle)
        cx, cy = (w - 1) / 2, (h - 1) / 2
        zero = array_ops.zeros_like(c)
        return array_ops.stack(
            [c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, zero, zero], axis=1
        )


class RandomZoom(_Transform):
    """Zoom by ``1 + factor`` (positive zooms out, negative in), the same in both axes
    unless ``width_factor`` is given."""

    def __init__(self, height_factor: Any, width_factor: Any = None, **kwargs: Any) -> None:
        super().__init__(height_factor, **kwargs)
        self.width_range = None if width_factor is None else _range(width_factor, "RandomZoom")

    def matrices(self, amount: Any, h: int, w: int) -> Any:
        zy = 1.0 + amount
        zx = zy if self.width_range is None else 1.0 + self._per_image(amount, *self.width_range)
        zero = array_ops.zeros_like(zy)
        cx, cy = (w - 1) / 2, (h - 1) / 2
        return array_ops.stack(
            [zx, zero, cx * (1 - zx), zero, zy, cy * (1 - zy), zero, zero], axis=1
        )


class RandomTranslation(_Transform):
    """Shift by a random fraction of the height (and of the width, ``width_factor``)."""

    def __init__(self, height_factor: Any, width_factor: Any, **kwargs: Any) -> None:
        super().__init__(height_factor, **kwargs)
        self.width_range = _range(width_factor, "RandomTranslation")

    def matrices(self, amount: Any, h: int, w: int) -> Any:
        dy = amount * h
        dx = self._per_image(amount, *self.width_range) * w
        one, zero = array_ops.ones_like(dy), array_ops.zeros_like(dy)
        return array_ops.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)


class RandomContrast(_Augmentation):
    """Scale each image's deviation from its mean by a factor in [1 - f, 1 + f]."""

    def __init__(self, factor: Any, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        lo, hi = (factor, factor) if isinstance(factor, int | float) else factor
        self.range = (1.0 - float(lo), 1.0 + float(hi))

    def augment(self, x: Any) -> Any:
        factor = self._per_image(x, *self.range)
        factor = array_ops.reshape(factor, [-1, 1, 1, 1] if x.shape.rank == 4 else [])
        mean = math_ops.reduce_mean(x, [-3, -2], keepdims=True)
        return (x - mean) * factor + mean


class RandomBrightness(_Augmentation):
    """Add a random fraction in ``factor`` of ``value_range`` to each image (clipped)."""

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(seed, **kwargs)
        self.range, self.value_range = _range(factor, "RandomBrightness"), tuple(value_range)

    def augment(self, x: Any) -> Any:
        lo, hi = self.value_range
        delta = self._per_image(x, *self.range) * (hi - lo)
        delta = array_ops.reshape(delta, [-1, 1, 1, 1] if x.shape.rank == 4 else [])
        return math_ops.clip_by_value(x + delta, lo, hi)


__all__ = [
    "CategoryEncoding", "CenterCrop", "Discretization", "IntegerLookup", "Normalization",
    "RandomBrightness", "RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation",
    "RandomZoom", "Rescaling", "Resizing",
]  # fmt: skip
