"""Images on disk, the Keras way: ``load_img`` / ``img_to_array`` / ``array_to_img`` /
``save_img`` (with Pillow), and ``image_dataset_from_directory``, which turns a folder
of class sub-folders into a data set of (images, labels) batches.
Mirrors: keras.utils (image utilities)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.static import image_ops
from workbench.static.data import Dataset

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_MODES = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}


def _pil() -> Any:
    try:
        from PIL import Image  # noqa: PLC0415
    except ImportError as err:  # pragma: no cover - Pillow comes with matplotlib
        raise ImportError(
            "Could not import PIL.Image. The use of `load_img` requires PIL."
        ) from err
    return Image


def load_img(
    path: Any,
    color_mode: str = "rgb",
    target_size: Any = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """A PIL image in ``color_mode``, resized to ``target_size`` (height, width) with PIL's
    ``interpolation``. Mirrors: keras.utils.load_img."""
    image_mod = _pil()
    if color_mode not in _MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    with open(os.fspath(path), "rb") as f:
        img = image_mod.open(f)
        img.load()
    if img.mode != _MODES[color_mode]:
        img = img.convert(_MODES[color_mode])
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            methods = {
                "nearest": image_mod.NEAREST,
                "bilinear": image_mod.BILINEAR,
                "bicubic": image_mod.BICUBIC,
                "lanczos": image_mod.LANCZOS,
                "box": image_mod.BOX,
                "hamming": image_mod.HAMMING,
            }
            if interpolation not in methods:
                raise ValueError(
                    f"Invalid interpolation method {interpolation} specified. "
                    f"Supported methods are {', '.join(methods)}"
                )
            if keep_aspect_ratio:
                w, h = img.size
                crop_h = min(h, (w * target_size[0]) // target_size[1])
                crop_w = min(w, (h * target_size[1]) // target_size[0])
                left, top = (w - crop_w) // 2, (h - crop_h) // 2
                img = img.crop((left, top, left + crop_w, top + crop_h))
            img = img.resize(width_height, methods[interpolation])
    return img


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """(height, width, channels) float32. Mirrors: keras.utils.img_to_array."""
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x if data_format in (None, "channels_last") else x.transpose(2, 0, 1)


def array_to_img(
    x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None
) -> Any:
    """A PIL image from (height, width, channels); ``scale`` stretches to [0, 255].
    Mirrors: keras.utils.array_to_img."""
    image_mod = _pil()
    arr = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=dtype or "float32")
    if arr.ndim != 3:
        raise ValueError(
            f"Expected image array to have rank 3 (single image). Got array with shape: {arr.shape}"
        )
    if data_format == "channels_first":
        arr = arr.transpose(1, 2, 0)
    if scale:
        arr = arr - np.min(arr)
        top = np.max(arr)
        if top != 0:
            arr = arr / top
        arr = arr * 255
    channels = arr.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError(f"Unsupported channel number: {channels}")
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    data = arr.astype("uint8")
    return image_mod.fromarray(data[:, :, 0] if channels == 1 else data, mode)


def save_img(
    path: Any,
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (
        file_format == "jpg"
        or file_format == "jpeg"
        or str(path).lower().endswith((".jpg", ".jpeg"))
    ):
        img = img.convert("RGB")
    img.save(os.fspath(path), format=file_format, **kwargs)


def _index(
    directory: str,
    labels: Any,
    formats: Sequence[str],
    class_names: Any,
    shuffle: bool,
    seed: Any,
    follow_links: bool,
) -> tuple[list[str], Any, list[str]]:
    """File paths in sorted class folders (or the folder itself), their labels, and the
    class names; shuffled (paths and labels by one seed) when asked, as Keras does."""
    if labels == "inferred":
        names = sorted(
            d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d))
        )
        if class_names is not None:
            if sorted(class_names) != names and set(class_names) != set(names):
                raise ValueError(
                    f"The `class_names` passed did not match the names of the "
                    f"subdirectories of the target directory. Expected: {names}, "
                    f"but received: {class_names}"
                )
            names = list(class_names)
        folders: list[tuple[int | None, str]] = [
            (i, os.path.join(directory, n)) for i, n in enumerate(names)
        ]
    else:
        names, folders = [], [(None, directory)]
    paths: list[str] = []
    found: list[Any] = []
    for label, folder in folders:
        for root, _, files in sorted(os.walk(folder, followlinks=follow_links)):
            for name in sorted(files):
                if name.lower().endswith(tuple(formats)):
                    paths.append(os.path.join(root, name))
                    found.append(label)
    if labels not in ("inferred", None):
        found = list(labels)
        if len(found) != len(paths):
            raise ValueError(
                f"Expected the lengths of `labels` to match the number of files in "
                f"the target directory. len(labels) is {len(found)} while we found "
                f"{len(paths)} files in directory {directory}."
            )
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        order = np.arange(len(paths))
        np.random.RandomState(seed).shuffle(order)
        paths = [paths[i] for i in order]
        found = [found[i] for i in order]
    return paths, found, names


def _decode(path: str, color_mode: str) -> np.ndarray:
    """The pixels TensorFlow's ``decode_image`` gives (uint8, height x width x channels),
    as Keras reads each file."""
    from workbench.static import io_ops  # noqa: PLC0415

    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[color_mode]
    with open(path, "rb") as f:
        image = io_ops.decode_image(f.read(), channels, expand_animations=False)
    return np.asarray(image.numpy())


def _label_maker(label_mode: Any, classes: int) -> Any:
    """A file's label as Keras gives it: int32 ("int"), one-hot float32 ("categorical"),
    or float32 of shape (1,) ("binary")."""

    def label_of(value: Any) -> Any:
        if label_mode == "categorical":
            return np.eye(classes, dtype=np.float32)[value]
        if label_mode == "binary":
            return np.array([value], dtype=np.float32)
        return np.int32(value)

    return label_of


def _split(items: list[Any], validation_split: Any, subset: Any) -> list[Any]:
    if not validation_split:
        return items
    n_val = int(validation_split * len(items))
    return items[: len(items) - n_val] if subset == "training" else items[len(items) - n_val :]


def _files(
    directory: Any,
    labels: Any,
    label_mode: Any,
    class_names: Any,
    formats: Sequence[str],
    shuffle: bool,
    seed: Any,
    validation_split: Any,
    subset: Any,
    follow_links: bool,
    verbose: bool,
) -> tuple[list[str], list[Any], list[str]]:
    """The files of a ``*_dataset_from_directory`` call, their labels and the class names:
    indexed, checked, shuffled and split as Keras does, with Keras's messages."""
    if validation_split and subset not in ("training", "validation"):
        raise ValueError(
            'If `validation_split` is set, `subset` must be "training", "validation" or "both"'
        )
    paths, found, names = _index(
        os.fspath(directory), labels, formats, class_names, shuffle, seed, follow_links
    )
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={names}"
        )
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(names)} classes.")
    paths, found = _split(paths, validation_split, subset), _split(found, validation_split, subset)
    if verbose and validation_split:
        print(f"Using {len(paths)} files for {subset}.")
    return paths, found, names


def _dataset(
    paths: list[str],
    found: list[Any],
    names: list[str],
    load: Any,
    label_mode: Any,
    labels: Any,
    batch_size: int | None,
) -> Any:
    """(loaded file, label) elements — or files alone without labels — batched, with
    ``class_names`` and ``file_paths`` set as Keras sets them."""
    label_of = _label_maker(label_mode, len(names))
    with_labels = label_mode is not None and labels is not None

    def elements() -> Any:
        for path, value in zip(paths, found):
            yield (load(path), label_of(value)) if with_labels else load(path)

    dataset = Dataset(elements, len(paths))
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    dataset.class_names = names  # type: ignore[attr-defined]
    dataset.file_paths = paths  # type: ignore[attr-defined]
    return dataset


def image_dataset_from_directory(
    directory: Any,
    labels: Any = "inferred",
    label_mode: Any = "int",
    class_names: Any = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: Sequence[int] = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: Any = None,
    verbose: bool = True,
) -> Any:
    """A data set of (images, labels) batches from ``directory/<class>/<image>`` files:
    images float32 (height, width, channels) resized with TensorFlow's ``interpolation``,
    labels int32 ("int"), one-hot float32 ("categorical") or float32 (n, 1) ("binary").
    ``class_names`` is set on the result. Mirrors: keras.utils.image_dataset_from_directory."""
    if subset == "both":
        seed = np.random.randint(1_000_000) if seed is None else seed
        return [
            image_dataset_from_directory(
                directory,
                labels,
                label_mode,
                class_names,
                color_mode,
                batch_size,
                image_size,
                shuffle,
                seed,
                validation_split,
                part,
                interpolation,
                follow_links,
                crop_to_aspect_ratio,
                pad_to_aspect_ratio,
                data_format,
                verbose,
            )
            for part in ("training", "validation")
        ]
    paths, found, names = _files(
        directory,
        labels,
        label_mode,
        class_names,
        IMAGE_EXTENSIONS,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
    )
    height, width = int(image_size[0]), int(image_size[1])

    def load(path: str) -> np.ndarray:
        arr = _decode(path, color_mode)
        if crop_to_aspect_ratio:
            h, w = arr.shape[:2]
            ch, cw = min(h, w * height // width), min(w, h * width // height)
            top, left = (h - ch) // 2, (w - cw) // 2
            arr = arr[top : top + ch, left : left + cw]
        resized = image_ops.resize(arr, [height, width], method=interpolation)
        return np.asarray(resized.numpy())  # float32, or uint8 for "nearest", as TensorFlow

    return _dataset(paths, found, names, load, label_mode, labels, batch_size)
