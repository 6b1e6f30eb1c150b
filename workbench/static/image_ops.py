"""``tf.image``: resizing (as interpolation matrices, so every method is differentiable),
flips, crops and pads, and the photometric adjustments data pipelines use. Images are
(height, width, channels) or batches (n, height, width, channels).
Mirrors: tf.image."""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.static import array_ops, dtypes, math_ops, random_ops
from workbench.static.execution import convert_to_tensor, make_op


class ResizeMethod(str, enum.Enum):
    """Mirrors: tf.image.ResizeMethod."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"

    def __str__(self) -> str:
        return self.value


def _weights(n_in: int, n_out: int, method: str) -> np.ndarray:
    """The (n_out, n_in) matrix that resizes one axis, with TensorFlow 2's half-pixel
    centres (output pixel i samples input coordinate (i + 0.5) * n_in / n_out - 0.5)."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if method == "nearest":
        src = np.minimum(np.floor((rows + 0.5) * scale), n_in - 1).astype(int)
        m[rows, np.maximum(src, 0)] = 1.0
        return m
    if method == "area":
        for i in rows:
            lo, hi = i * scale, (i + 1) * scale
            for j in range(int(math.floor(lo)), min(int(math.ceil(hi)), n_in)):
                m[i, j] = (min(hi, j + 1) - max(lo, j)) / scale
        return m
    src = (rows + 0.5) * scale - 0.5
    base = np.floor(src)
    t = src - base
    if method == "bicubic":
        t = np.rint(t * 1024) / 1024  # TensorFlow reads the cubic from a 1024-entry table
    if method == "bilinear":
        lower = np.maximum(base, 0).astype(int)
        upper = np.minimum(np.ceil(src), n_in - 1).astype(int)
        np.add.at(m, (rows, lower), 1 - t)
        np.add.at(m, (rows, upper), t)
        return m
    if method == "bicubic":  # Keys's cubic, a = -0.5; taps outside dropped, rows renormalised
        a = -0.5
        for offset in (-1, 0, 1, 2):
            d = np.abs(t - offset)
            w = np.where(
                d <= 1,
                ((a + 2) * d - (a + 3)) * d * d + 1,
                np.where(d < 2, ((a * d - 5 * a) * d + 8 * a) * d - 4 * a, 0.0),
            )
            idx = (base + offset).astype(int)
            inside = (idx >= 0) & (idx < n_in)
            np.add.at(m, (rows[inside], idx[inside]), w[inside])
        return m / m.sum(1, keepdims=True)
    raise ValueError(
        f"tf.image.resize: method {method!r} is not supported here (bilinear, nearest, "
        "bicubic and area are)"
    )


def _batched(images: Any) -> tuple[Any, bool]:
    x = convert_to_tensor(images)
    if x.shape.rank not in (3, 4):
        raise ValueError(f"'images' must have either 3 or 4 dimensions, got shape {x.shape}")
    return (array_ops.expand_dims(x, 0), True) if x.shape.rank == 3 else (x, False)


def _unbatched(x: Any, squeeze: bool) -> Any:
    return array_ops.squeeze(x, [0]) if squeeze else x


def resize(
    images: Any,
    size: Any,
    method: Any = ResizeMethod.BILINEAR,
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
    name: str | None = None,
) -> Any:
    """Resize to ``size`` = (height, width). Bilinear, bicubic and area give float32;
    nearest keeps the dtype. Mirrors: tf.image.resize."""
    x, squeeze = _batched(images)
    kind = str(getattr(method, "value", method)).lower()
    h, w = x.shape.as_list()[1:3]
    new_h, new_w = (int(s) for s in (size.numpy() if hasattr(size, "numpy") else size))
    if preserve_aspect_ratio:
        factor = min(new_h / h, new_w / w)
        new_h, new_w = int(round(h * factor)), int(round(w * factor))
    if antialias and (new_h < h or new_w < w) and kind != "nearest":
        raise NotImplementedError("tf.image.resize: antialias=True when shrinking is not supported")
    rows, cols = _weights(h, new_h, kind), _weights(w, new_w, kind)
    if kind != "nearest" and not x.dtype.is_floating:
        x = math_ops.cast(x, "float32")

    def run(v: Any) -> Any:
        mr = ops.cast(ops.array(rows), v.dtype)
        mc = ops.cast(ops.array(cols.T), v.dtype)
        v = ops.transpose(ops.matmul(mr, ops.transpose(v, (0, 3, 1, 2))), (0, 2, 3, 1))  # rows
        return ops.transpose(ops.matmul(ops.transpose(v, (0, 1, 3, 2)), mc), (0, 1, 3, 2))

    if kind == "nearest":  # a gather: exact for every dtype
        ri, ci = rows.argmax(1), cols.argmax(1)
        out = make_op(
            "ResizeNearestNeighbor",
            [x],
            lambda v: ops.index(v, (slice(None), ri[:, None], ci)),
            name=name,
        )
    else:
        out = make_op(
            {"bilinear": "ResizeBilinear", "bicubic": "ResizeBicubic"}.get(kind, "ResizeArea"),
            [x],
            run,
            name=name,
        )
        if out.dtype != dtypes.float32:
            out = math_ops.cast(out, "float32")
    return _unbatched(out, squeeze)


def _on_axis(images: Any, axis_from_end: int, fn: Any) -> Any:
    x = convert_to_tensor(images)
    return fn(x, x.shape.rank - axis_from_end)


def flip_left_right(image: Any) -> Any:
    return _on_axis(image, 2, lambda x, a: array_ops.reverse(x, [a]))


def flip_up_down(image: Any) -> Any:
    return _on_axis(image, 3, lambda x, a: array_ops.reverse(x, [a]))


def transpose(image: Any, name: str | None = None) -> Any:
    x = convert_to_tensor(image)
    r = x.shape.rank
    return array_ops.transpose(x, [*range(r - 3), r - 2, r - 3, r - 1])


def rot90(image: Any, k: int = 1, name: str | None = None) -> Any:
    """Rotate counter-clockwise by k quarter turns. Mirrors: tf.image.rot90."""
    out = convert_to_tensor(image)
    for _ in range(int(k) % 4):
        out = flip_up_down(transpose(out))
    return out


def _random_flip(image: Any, seed: int | None, flip: Any) -> Any:
    x, squeeze = _batched(image)
    n = array_ops.shape(x)[0]
    coin = math_ops.less(random_ops.uniform(array_ops.reshape(n, [1]), seed=seed), 0.5)
    mask = array_ops.reshape(coin, [-1, 1, 1, 1])
    return _unbatched(array_ops.where(mask, flip(x), x), squeeze)


def random_flip_left_right(image: Any, seed: int | None = None) -> Any:
    return _random_flip(image, seed, flip_left_right)


def random_flip_up_down(image: Any, seed: int | None = None) -> Any:
    return _random_flip(image, seed, flip_up_down)


def _max_of(dtype: dtypes.DType) -> float:
    return 1.0 if dtype.is_floating else float(np.iinfo(dtype.np).max)


def convert_image_dtype(
    image: Any, dtype: Any, saturate: bool = False, name: str | None = None
) -> Any:
    """Rescale between integer ranges [0, MAX] and float [0, 1] (float to integer
    multiplies by MAX + 0.5 and truncates, as TensorFlow). Mirrors:
    tf.image.convert_image_dtype."""
    x = convert_to_tensor(image)
    target = dtypes.as_dtype(dtype)
    if target == x.dtype:
        return x
    if x.dtype.is_floating and target.is_floating:
        return math_ops.cast(x, target)
    if x.dtype.is_floating:
        scaled = math_ops.cast(x, "float64") * (_max_of(target) + 0.5)
        if saturate:
            scaled = math_ops.clip_by_value(scaled, 0.0, _max_of(target))
        return math_ops.cast(scaled, target)
    if target.is_floating:
        return math_ops.cast(math_ops.cast(x, target) * (1.0 / _max_of(x.dtype)), target)
    wide = math_ops.cast(x, "int64")  # integer to integer: shift by the ratio of the ranges
    up, down = _max_of(target) + 1, _max_of(x.dtype) + 1
    if up >= down:
        return math_ops.cast(wide * int(up // down), target)
    return math_ops.cast(wide // int(down // up), target)


def _photometric(image: Any, adjust: Any) -> Any:
    """Apply ``adjust`` in float32 [0, 1] and convert back (saturating), as TensorFlow
    adjusts integer images."""
    x = convert_to_tensor(image)
    if x.dtype.is_floating:
        return math_ops.cast(adjust(math_ops.cast(x, "float32")), x.dtype)
    out = adjust(convert_image_dtype(x, "float32"))
    return convert_image_dtype(out, x.dtype, saturate=True)


def adjust_brightness(image: Any, delta: Any) -> Any:
    return _photometric(image, lambda f: f + delta)


def adjust_contrast(images: Any, contrast_factor: Any) -> Any:
    """(x - mean) * factor + mean, the mean per image and channel."""

    def adjust(f: Any) -> Any:
        mean = math_ops.reduce_mean(f, [-3, -2], keepdims=True)
        return (f - mean) * contrast_factor + mean

    return _photometric(images, adjust)


def random_brightness(image: Any, max_delta: float, seed: int | None = None) -> Any:
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, random_ops.uniform([], -max_delta, max_delta, seed=seed))


def random_contrast(image: Any, lower: float, upper: float, seed: int | None = None) -> Any:
    if upper <= lower or lower < 0:
        raise ValueError("upper must be > lower and lower must be non-negative.")
    return adjust_contrast(image, random_ops.uniform([], lower, upper, seed=seed))


def per_image_standardization(image: Any) -> Any:
    """(x - mean) / max(std, 1/sqrt(pixels)) per image. Mirrors:
    tf.image.per_image_standardization."""
    x = math_ops.cast(convert_to_tensor(image), "float32")
    dims = x.shape.as_list()[-3:]
    mean = math_ops.reduce_mean(x, [-3, -2, -1], keepdims=True)
    std = math_ops.sqrt(
        math_ops.reduce_mean(math_ops.square(x - mean), [-3, -2, -1], keepdims=True)
    )
    return (x - mean) / math_ops.maximum(std, 1.0 / math.sqrt(math.prod(dims)))


def rgb_to_grayscale(images: Any, name: str | None = None) -> Any:
    x = convert_to_tensor(images)
    f = math_ops.cast(x, "float32")
    gray = math_ops.tensordot(
        f, convert_to_tensor([0.2989, 0.5870, 0.1140]), [[x.shape.rank - 1], [0]]
    )
    gray = array_ops.expand_dims(gray, -1)
    return gray if x.dtype.is_floating else math_ops.cast(math_ops.round(gray), x.dtype)


def grayscale_to_rgb(images: Any, name: str | None = None) -> Any:
    x = convert_to_tensor(images)
    return array_ops.concat([x, x, x], -1)


def crop_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> Any:
    x = convert_to_tensor(image)
    h, w = x.shape.as_list()[-3:-1]
    if offset_height + target_height > h or offset_width + target_width > w:
        raise ValueError(
            f"crop_to_bounding_box: the box ({offset_height}, {offset_width}, {target_height}, "
            f"{target_width}) does not fit in an image of {h}x{w}"
        )
    index = (
        slice(offset_height, offset_height + target_height),
        slice(offset_width, offset_width + target_width),
        slice(None),
    )
    return x[(Ellipsis,) + index]


def pad_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> Any:
    x = convert_to_tensor(image)
    h, w = x.shape.as_list()[-3:-1]
    if target_height < h + offset_height or target_width < w + offset_width:
        raise ValueError("pad_to_bounding_box: the target is smaller than the image plus offset")
    pads = [
        [offset_height, target_height - h - offset_height],
        [offset_width, target_width - w - offset_width],
        [0, 0],
    ]
    return array_ops.pad(x, [[0, 0]] * (x.shape.rank - 3) + pads)


def resize_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> Any:
    """Centre-crop or zero-pad to the target size. Mirrors: tf.image.resize_with_crop_or_pad."""
    x = convert_to_tensor(image)
    h, w = x.shape.as_list()[-3:-1]
    top, left = max((h - target_height) // 2, 0), max((w - target_width) // 2, 0)
    x = crop_to_bounding_box(x, top, left, min(h, target_height), min(w, target_width))
    h, w = x.shape.as_list()[-3:-1]
    return pad_to_bounding_box(
        x, (target_height - h) // 2, (target_width - w) // 2, target_height, target_width
    )


def resize_with_pad(
    image: Any,
    target_height: int,
    target_width: int,
    method: Any = ResizeMethod.BILINEAR,
    antialias: bool = False,
) -> Any:
    """Resize keeping the aspect ratio, then zero-pad to the target size."""
    x = convert_to_tensor(image)
    h, w = x.shape.as_list()[-3:-1]
    ratio = max(w / target_width, h / target_height)
    new_h, new_w = int(h // ratio), int(w // ratio)
    resized = resize(x, [new_h, new_w], method, antialias=antialias)
    top, left = (target_height - new_h) // 2, (target_width - new_w) // 2
    return pad_to_bounding_box(resized, top, left, target_height, target_width)


def central_crop(image: Any, central_fraction: float) -> Any:
    if not 0.0 < central_fraction <= 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    x = convert_to_tensor(image)
    h, w = x.shape.as_list()[-3:-1]
    top, left = int((h - h * central_fraction) / 2), int((w - w * central_fraction) / 2)
    return crop_to_bounding_box(x, top, left, h - 2 * top, w - 2 * left)


def random_crop(value: Any, size: Any, seed: int | None = None, name: str | None = None) -> Any:
    """A crop of ``size`` at a random offset (drawn once per call). Mirrors:
    tf.image.random_crop."""
    x = convert_to_tensor(value)
    dims, size = x.shape.as_list(), [int(s) for s in size]
    if any(s > d for s, d in zip(size, dims)):
        raise ValueError(f"random_crop: size {size} is larger than the value's shape {dims}")
    limits = [d - s + 1 for d, s in zip(dims, size)]
    draws = random_ops.uniform([len(dims)], 0, 2**31 - 1, dtype="int64", seed=seed)
    offsets = math_ops.floormod(draws, convert_to_tensor(limits, dtype="int64"))
    return make_op(
        "RandomCrop",
        [x, offsets],
        lambda v, o: ops.dynamic_slice(v, [ops.index(o, i) for i in range(len(size))], size),
        name=name,
    )


def total_variation(images: Any, name: str | None = None) -> Any:
    """Sum of absolute differences between neighbouring pixels, per image."""
    x = convert_to_tensor(images)
    axes = [-3, -2, -1]
    dh = x[..., 1:, :, :] - x[..., :-1, :, :]
    dw = x[..., :, 1:, :] - x[..., :, :-1, :]
    return math_ops.reduce_sum(math_ops.abs(dh), axes) + math_ops.reduce_sum(math_ops.abs(dw), axes)


__all__ = [
    "ResizeMethod",
    "adjust_brightness",
    "adjust_contrast",
    "central_crop",
    "convert_image_dtype",
    "crop_to_bounding_box",
    "flip_left_right",
    "flip_up_down",
    "grayscale_to_rgb",
    "pad_to_bounding_box",
    "per_image_standardization",
    "random_brightness",
    "random_contrast",
    "random_crop",
    "random_flip_left_right",
    "random_flip_up_down",
    "resize",
    "resize_with_crop_or_pad",
    "resize_with_pad",
    "rgb_to_grayscale",
    "rot90",
    "total_variation",
    "transpose",
]


def _trunc(v: Any) -> Any:
    return ops.mul(ops.sign(v), ops.floor(ops.abs(v)))


def _round_half_away(v: Any) -> Any:
    return ops.mul(ops.sign(v), ops.floor(ops.add(ops.abs(v), 0.5)))


def _fold(coord: Any, n: int, fill_mode: str) -> Any:
    """Bring sample coordinates outside [0, n - 1] back inside, as TensorFlow's
    ``ImageProjectiveTransformV3`` does for each fill mode (``constant`` is handled by the
    caller)."""
    if fill_mode == "reflect":  # ... c b a | a b c ... (the edge repeated)
        t = ops.rem(ops.add(ops.rem(coord, 2.0 * n), 2.0 * n), 2.0 * n)
        coord = ops.select(ops.ge(t, float(n)), ops.sub(2.0 * n - 1, t), t)
    elif fill_mode == "wrap" and n > 1:  # TensorFlow's shift: by n, counted in n - 1 steps
        below = ops.add(
            coord, ops.mul(ops.add(_trunc(ops.div(ops.neg(coord), n - 1.0)), 1.0), float(n))
        )
        above = ops.sub(coord, ops.mul(_trunc(ops.div(coord, n - 1.0)), float(n)))
        coord = ops.select(
            ops.lt(coord, 0.0), below, ops.select(ops.gt(coord, n - 1.0), above, coord)
        )
    elif fill_mode not in ("nearest", "constant", "wrap"):
        raise ValueError(f"fill_mode must be reflect, wrap, nearest or constant, got {fill_mode!r}")
    return coord if fill_mode == "constant" else ops.minimum(ops.maximum(coord, 0.0), n - 1.0)


def transform(
    images: Any,
    transforms: Any,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
) -> Any:
    """Projective transforms of NHWC images: ``transforms`` (n, 8) rows ``a0..a7`` map an
    output point (x, y) to the input point ((a0 x + a1 y + a2) / k, (a3 x + a4 y + a5) / k),
    k = a6 x + a7 y + 1, sampled bilinearly or at the nearest pixel.
    Mirrors: tf.raw_ops.ImageProjectiveTransformV3 (and keras.ops.image.affine_transform)."""
    x = convert_to_tensor(images)
    m = math_ops.cast(convert_to_tensor(transforms), x.dtype)
    n_img, h, w, _ = x.shape.as_list()
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"interpolation must be bilinear or nearest, got {interpolation!r}")

    def run(v: Any, k: Any) -> Any:
        ys, xs = np.meshgrid(np.arange(h, dtype=float), np.arange(w, dtype=float), indexing="ij")
        gx, gy = ops.cast(ops.array(xs), v.dtype), ops.cast(ops.array(ys), v.dtype)

        def coef(i: int) -> Any:
            return ops.reshape(ops.index(k, (slice(None), i)), (-1, 1, 1))

        denom = ops.add(ops.add(ops.mul(coef(6), gx), ops.mul(coef(7), gy)), 1.0)
        sx = ops.div(ops.add(ops.add(ops.mul(coef(0), gx), ops.mul(coef(1), gy)), coef(2)), denom)
        sy = ops.div(ops.add(ops.add(ops.mul(coef(3), gx), ops.mul(coef(4), gy)), coef(5)), denom)
        sx, sy = _fold(sx, w, fill_mode), _fold(sy, h, fill_mode)
        batch = np.arange(v.shape[0]).reshape(-1, 1, 1)

        def sample(px: Any, py: Any) -> Any:
            inside = ops.logical_and(
                ops.logical_and(ops.ge(px, 0.0), ops.le(px, w - 1.0)),
                ops.logical_and(ops.ge(py, 0.0), ops.le(py, h - 1.0)),
            )
            cx = ops.cast(ops.minimum(ops.maximum(px, 0.0), w - 1.0), "int64")
            cy = ops.cast(ops.minimum(ops.maximum(py, 0.0), h - 1.0), "int64")
            got = ops.index(v, (batch, cy, cx))
            if fill_mode != "constant":
                return got
            return ops.select(ops.expand_dims(inside, (-1,)), got, ops.full_like(got, fill_value))

        if interpolation == "nearest":
            return sample(_round_half_away(sx), _round_half_away(sy))  # as std::round
        x0, y0 = ops.floor(sx), ops.floor(sy)
        fx, fy = ops.expand_dims(ops.sub(sx, x0), (-1,)), ops.expand_dims(ops.sub(sy, y0), (-1,))
        x1, y1 = ops.add(x0, 1.0), ops.add(y0, 1.0)
        top = ops.add(ops.mul(sample(x0, y0), ops.sub(1.0, fx)), ops.mul(sample(x1, y0), fx))
        bottom = ops.add(ops.mul(sample(x0, y1), ops.sub(1.0, fx)), ops.mul(sample(x1, y1), fx))
        return ops.add(ops.mul(top, ops.sub(1.0, fy)), ops.mul(bottom, fy))

    return make_op("ImageProjectiveTransformV3", [x, m], run)


# the codecs live with tf.io; tf.image names them too
from workbench.static.image_color import (  # noqa: E402, F401
    adjust_hue,
    adjust_saturation,
    hsv_to_rgb,
    random_hue,
    random_saturation,
    rgb_to_hsv,
)
from workbench.static.io_ops import (  # noqa: E402, F401
    decode_bmp,
    decode_gif,
    decode_image,
    decode_jpeg,
    decode_png,
    encode_jpeg,
    encode_png,
)
