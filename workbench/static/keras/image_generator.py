"""``ImageDataGenerator``: Keras 2's image augmentation — random rotations, shifts, shears,
zooms, flips, channel and brightness shifts, then rescaling and normalisation — with
``flow`` (arrays) and ``flow_from_directory`` (class folders) giving batches a model can
``fit`` on. It draws from NumPy's global generator in Keras's order, so a program that
seeds NumPy (or passes ``seed``) gets Keras's batches; the affine resampling is Keras's
(SciPy's ``affine_transform``, order 1). Mirrors: keras.preprocessing.image.ImageDataGenerator.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np

from workbench.static.keras import image_utils


def _resample(
    channel: np.ndarray, matrix: np.ndarray, offset: np.ndarray, order: int, mode: str, cval: float
) -> np.ndarray:
    """``channel`` sampled at ``matrix @ (i, j) + offset`` for every output pixel (i, j):
    linear (order 1) or nearest (order 0) interpolation, outside points by ``mode``."""
    h, w = channel.shape
    ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    src_i = matrix[0, 0] * ii + matrix[0, 1] * jj + offset[0]
    src_j = matrix[1, 0] * ii + matrix[1, 1] * jj + offset[1]
    outside = (src_i < 0) | (src_i > h - 1) | (src_j < 0) | (src_j > w - 1)
    src_i, src_j = _fold(src_i, h, mode), _fold(src_j, w, mode)
    if order == 0:
        out = channel[
            np.clip(np.rint(src_i), 0, h - 1).astype(int),
            np.clip(np.rint(src_j), 0, w - 1).astype(int),
        ]
    else:
        i0 = np.clip(np.floor(src_i), 0, h - 1).astype(int)
        j0 = np.clip(np.floor(src_j), 0, w - 1).astype(int)
        i1, j1 = np.minimum(i0 + 1, h - 1), np.minimum(j0 + 1, w - 1)
        fi, fj = np.clip(src_i - i0, 0, 1), np.clip(src_j - j0, 0, 1)
        top = channel[i0, j0] * (1 - fj) + channel[i0, j1] * fj
        bottom = channel[i1, j0] * (1 - fj) + channel[i1, j1] * fj
        out = top * (1 - fi) + bottom * fi
    if mode == "constant":
        out = np.where(outside, cval, out)
    return out.astype(channel.dtype)


def _fold(coord: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Coordinates outside [0, n - 1] brought inside as SciPy's ``mode`` extends the
    image: the edge repeated ("nearest"), mirrored about the edge ("reflect"), periodic
    ("wrap")."""
    if mode == "reflect":
        period = 2 * n
        c = np.mod(coord + 0.5, period) - 0.5
        return np.where(c > n - 0.5, period - 1 - c, c)
    if mode == "wrap":  # SciPy's "wrap": the first and last pixels overlap (period n - 1)
        return np.mod(coord, n - 1) if n > 1 else np.zeros_like(coord)
    return np.clip(coord, 0, n - 1)


def apply_affine_transform(
    x: np.ndarray,
    theta: float = 0,
    tx: float = 0,
    ty: float = 0,
    shear: float = 0,
    zx: float = 1,
    zy: float = 1,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    order: int = 1,
) -> np.ndarray:
    """Rotate (degrees), shift, shear (degrees) and zoom one image about its centre.
    Mirrors: keras.preprocessing.image.apply_affine_transform."""
    parts = []
    if theta:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx or ty:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return x
    matrix = parts[0]
    for part in parts[1:]:
        matrix = matrix @ part
    h, w = x.shape[row_axis], x.shape[col_axis]
    o_x, o_y = h / 2 - 0.5, w / 2 - 0.5  # about the centre
    matrix = (
        np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
        @ matrix
        @ np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    )
    channels = np.moveaxis(x, channel_axis, 0)
    if col_axis > row_axis:  # Keras's matrix is in (x, y) = (column, row) terms
        matrix = matrix[[1, 0, 2]][:, [1, 0, 2]]
    out = [_resample(c, matrix[:2, :2], matrix[:2, 2], order, fill_mode, cval) for c in channels]
    return np.moveaxis(np.stack(out), 0, channel_axis)


class _Iterator:
    """Batches over ``n`` samples, shuffled each epoch, reseeded per batch when seeded
    (Keras's order of draws). A PyDataset: ``len`` batches, ``[i]``, and ``next``."""

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None) -> None:
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, shuffle, seed
        self.batch_index, self.total_batches_seen = 0, 0
        self.index_array: np.ndarray | None = None

    def _set_index_array(self) -> None:
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        self.batch_index = 0

    def __getitem__(self, idx: int) -> Any:
        if idx >= len(self):
            raise ValueError(
                f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}"
            )
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        assert self.index_array is not None
        return self._batch(self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)])

    def __iter__(self) -> _Iterator:
        return self

    def __next__(self) -> Any:
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        if self.batch_index == 0:
            self._set_index_array()
        assert self.index_array is not None
        current = (self.batch_index * self.batch_size) % self.n if self.n else 0
        self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
        self.total_batches_seen += 1
        return self._batch(self.index_array[current : current + self.batch_size])

    next = __next__

    def _batch(self, index: np.ndarray) -> Any:
        raise NotImplementedError


class NumpyArrayIterator(_Iterator):
    """Augmented batches of an array of images (and labels). Mirrors:
    keras.preprocessing.image.NumpyArrayIterator."""

    def __init__(
        self,
        x: Any,
        y: Any,
        generator: ImageDataGenerator,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight: Any = None,
        seed: int | None = None,
        subset: str | None = None,
        ignore_class_split: bool = False,
    ) -> None:
        x = np.asarray(x)
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(
                    f"Invalid subset name: {subset}; expected 'training' or 'validation'"
                )
            cut = int(len(x) * (generator._validation_split or 0))
            if y is not None and not ignore_class_split:
                labels = np.asarray(y)
                if not np.array_equal(np.unique(labels[:cut]), np.unique(labels[cut:])):
                    raise ValueError(
                        "Training and validation subsets have different number of classes "
                        "after the split. If your numpy arrays are sorted by the label, you "
                        "might want to shuffle them."
                    )
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            x = x[part]
            y = None if y is None else np.asarray(y)[part]
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[part]
        self.x = np.asarray(x, dtype=generator.dtype)
        if self.x.ndim != 4:
            raise ValueError(
                "Input data in `NumpyArrayIterator` should have rank 4. You passed an array "
                f"with shape {self.x.shape}"
            )
        if y is not None and len(self.x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. Found: "
                f"x.shape = {self.x.shape}, y.shape = {np.asarray(y).shape}"
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = generator
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _batch(self, index: np.ndarray) -> Any:
        g = self.image_data_generator
        batch = np.zeros((len(index), *self.x.shape[1:]), dtype=g.dtype)
        for i, j in enumerate(index):
            params = g.get_random_transform(self.x[j].shape)
            batch[i] = g.standardize(g.apply_transform(self.x[j].astype(g.dtype), params))
        if self.y is None:
            return batch
        out: tuple[Any, ...] = (batch, self.y[index])
        return out if self.sample_weight is None else (*out, self.sample_weight[index])


class DirectoryIterator(_Iterator):
    """Augmented batches of the images in ``directory/<class>/``. Mirrors:
    keras.preprocessing.image.DirectoryIterator."""

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(
        self,
        directory: Any,
        generator: ImageDataGenerator,
        target_size: Any = (256, 256),
        color_mode: str = "rgb",
        classes: Any = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
    ) -> None:
        if class_mode not in ("categorical", "binary", "sparse", "input", None):
            raise ValueError(
                f"Invalid class_mode: {class_mode}; expected one of "
                '"categorical", "binary", "sparse", "input" or None.'
            )
        directory = os.fspath(directory)
        self.directory, self.image_data_generator = directory, generator
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.class_mode, self.interpolation = class_mode, interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        if classes is None:
            classes = sorted(
                d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d))
            )
        self.class_indices = {c: i for i, c in enumerate(classes)}
        split = generator._validation_split
        window = (0.0, 1.0)
        if subset is not None and split:
            window = (0.0, split) if subset == "validation" else (split, 1.0)
        self.filenames: list[str] = []
        labels: list[int] = []
        for name in classes:
            folder = os.path.join(directory, name)
            found = sorted(
                os.path.relpath(os.path.join(root, f), directory)
                for root, _, files in os.walk(folder, followlinks=follow_links)
                for f in files
                if f.lower().endswith(self.white_list_formats)
            )
            start, stop = int(window[0] * len(found)), int(window[1] * len(found))
            self.filenames += found[start:stop]
            labels += [self.class_indices[name]] * (stop - start)
        self.classes = np.asarray(labels, dtype=np.int32)
        self.samples = len(self.filenames)
        self.num_classes = len(classes)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self) -> list[str]:
        return [os.path.join(self.directory, f) for f in self.filenames]

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    def _batch(self, index: np.ndarray) -> Any:
        g = self.image_data_generator
        images = []
        for j in index:
            img = image_utils.load_img(
                self.filepaths[j],
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
            x = image_utils.img_to_array(img, dtype=g.dtype)
            params = g.get_random_transform(x.shape)
            images.append(g.standardize(g.apply_transform(x, params)))
        batch = np.stack(images) if images else np.zeros((0, *self.target_size, 3), g.dtype)
        labels = self.classes[index]
        if self.class_mode == "input":
            return batch, batch.copy()
        if self.class_mode == "sparse" or self.class_mode == "binary":
            return batch, labels.astype(g.dtype)
        if self.class_mode == "categorical":
            return batch, np.eye(self.num_classes, dtype=g.dtype)[labels]
        return batch


class ImageDataGenerator:
    """Random augmentation and normalisation of image batches. Mirrors:
    keras.preprocessing.image.ImageDataGenerator."""

    def __init__(
        self,
        featurewise_center: bool = False,
        samplewise_center: bool = False,
        featurewise_std_normalization: bool = False,
        samplewise_std_normalization: bool = False,
        zca_whitening: bool = False,
        zca_epsilon: float = 1e-6,
        rotation_range: float = 0,
        width_shift_range: Any = 0.0,
        height_shift_range: Any = 0.0,
        brightness_range: Any = None,
        shear_range: float = 0.0,
        zoom_range: Any = 0.0,
        channel_shift_range: float = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: Any = None,
        preprocessing_function: Any = None,
        data_format: str | None = None,
        validation_split: float = 0.0,
        interpolation_order: int = 1,
        dtype: Any = None,
    ) -> None:
        self.featurewise_center = featurewise_center or zca_whitening
        self.featurewise_std_normalization = featurewise_std_normalization and not zca_whitening
        self.featurewise_center = self.featurewise_center or self.featurewise_std_normalization
        self.samplewise_center = samplewise_center or samplewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.channel_shift_range, self.brightness_range = channel_shift_range, brightness_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.interpolation_order = interpolation_order
        self.dtype = np.dtype(dtype or "float32")
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and '
                'column) or `"channels_first"` (channel before row and column). '
                f"Received: {data_format}"
            )
        first = self.data_format == "channels_first"
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if first else (3, 1, 2)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "`validation_split` must be strictly between 0 and 1. "
                f" Received: {validation_split}"
            )
        self._validation_split = validation_split
        if isinstance(zoom_range, float | int):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2:
            self.zoom_range = [float(zoom_range[0]), float(zoom_range[1])]
        else:
            raise ValueError(
                "`zoom_range` should be a float or a tuple or list of two floats. "
                f"Received: {zoom_range}"
            )
        if brightness_range is not None and len(brightness_range) != 2:
            raise ValueError(
                "`brightness_range should be tuple or list of two floats. "
                f"Received: {brightness_range}"
            )
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.zca_whitening_matrix: np.ndarray | None = None

    # -- batches ------------------------------------------------------------------------
    def flow(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight: Any = None,
        seed: int | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: str | None = None,
    ) -> NumpyArrayIterator:
        return NumpyArrayIterator(
            x, y, self, batch_size, shuffle, sample_weight, seed, subset, ignore_class_split
        )

    def flow_from_directory(
        self,
        directory: Any,
        target_size: Any = (256, 256),
        color_mode: str = "rgb",
        classes: Any = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
    ) -> DirectoryIterator:
        return DirectoryIterator(
            directory,
            self,
            target_size,
            color_mode,
            classes,
            class_mode,
            batch_size,
            shuffle,
            seed,
            follow_links,
            subset,
            interpolation,
            keep_aspect_ratio,
        )

    # -- one image ----------------------------------------------------------------------
    def _shift(self, spec: Any, size: int) -> float:
        """A shift as Keras draws it: from the choices of an int or list, else uniform;
        fractions of the image size when below 1."""
        try:
            value = np.random.choice(spec) * np.random.choice([-1, 1])
        except ValueError:  # a float range
            value = np.random.uniform(-spec, spec)
        return float(value * size if np.max(spec) < 1 else value)

    def get_random_transform(self, img_shape: Any, seed: int | None = None) -> dict[str, Any]:
        """Random parameters for one image, drawn in Keras's order."""
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        if seed is not None:
            np.random.seed(seed)
        theta = (
            np.random.uniform(-self.rotation_range, self.rotation_range)
            if self.rotation_range
            else 0
        )
        tx = self._shift(self.height_shift_range, rows) if self.height_shift_range else 0
        ty = self._shift(self.width_shift_range, cols) if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1.0, 1.0
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_h = (np.random.random() < 0.5) * self.horizontal_flip
        flip_v = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift = None
        if self.channel_shift_range != 0:
            channel_shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_h,
            "flip_vertical": flip_v,
            "channel_shift_intensity": channel_shift,
            "brightness": brightness,
        }

    def apply_transform(self, x: np.ndarray, transform_parameters: dict[str, Any]) -> Any:
        """The transformation with these parameters applied to one image."""
        p = transform_parameters
        rows, cols, chans = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(
            x,
            p.get("theta", 0),
            p.get("tx", 0),
            p.get("ty", 0),
            p.get("shear", 0),
            p.get("zx", 1),
            p.get("zy", 1),
            rows,
            cols,
            chans,
            self.fill_mode,
            self.cval,
            self.interpolation_order,
        )
        if p.get("channel_shift_intensity") is not None:
            low, high = np.min(x), np.max(x)
            x = np.clip(x + p["channel_shift_intensity"], low, high)
        if p.get("flip_horizontal", False):
            x = np.flip(x, cols)
        if p.get("flip_vertical", False):
            x = np.flip(x, rows)
        if p.get("brightness") is not None:
            x = _brightness(x, p["brightness"])
        return x

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> Any:
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Preprocessing function, rescale, then sample- and feature-wise normalisation."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        for wanted, stat, text in (
            (self.featurewise_center, self.mean, "featurewise_center"),
            (self.featurewise_std_normalization, self.std, "featurewise_std_normalization"),
        ):
            if wanted and stat is None:
                warnings.warn(
                    f"This ImageDataGenerator specifies `{text}`, but it hasn't been "
                    "fit on any training data. Fit it first by calling "
                    "`.fit(numpy_data)`.",
                    stacklevel=2,
                )
        if self.featurewise_center and self.mean is not None:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x /= self.std + 1e-6
        if self.zca_whitening and self.zca_whitening_matrix is not None:
            flat = x.reshape(-1, math.prod(x.shape[-3:]))
            x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
        return x

    def fit(self, x: Any, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Learn the feature-wise mean, deviation (and ZCA matrix) from sample images."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}"
            )
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            x = np.concatenate(
                [np.stack([self.random_transform(img) for img in x]) for _ in range(rounds)]
            )
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (x.shape[0], -1))
            sigma = flat.T @ flat / flat.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            self.zca_whitening_matrix = (
                u * (1.0 / np.sqrt(s[np.newaxis] + self.zca_epsilon))
            ) @ u.T


def _brightness(x: np.ndarray, factor: float) -> np.ndarray:
    """Pillow's brightness enhancement of the image as 8-bit pixels, mapped back to the
    image's own range when it was outside [0, 255] (what Keras does)."""
    from PIL import ImageEnhance  # noqa: PLC0415

    low, high = np.min(x), np.max(x)
    rescaled = bool(low < 0 or high > 255)
    img = image_utils.array_to_img(x, scale=rescaled)
    out = image_utils.img_to_array(ImageEnhance.Brightness(img).enhance(factor))
    return out / 255 * (high - low) + low if rescaled else out
