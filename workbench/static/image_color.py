"""Colour spaces for ``tf.image``: RGB <-> HSV and the hue and saturation adjustments data
augmentation uses, with TensorFlow's formulas (hue in [0, 1), an image of no colour range
has hue 0). Mirrors: tf.image.rgb_to_hsv, hsv_to_rgb, adjust_hue, adjust_saturation,
random_hue, random_saturation."""

from __future__ import annotations

from typing import Any

from workbench.static import array_ops, math_ops, random_ops
from workbench.static.execution import convert_to_tensor


def _channels(x: Any) -> tuple[Any, Any, Any]:
    r, g, b = array_ops.unstack(x, axis=-1)
    return r, g, b


def rgb_to_hsv(images: Any, name: str | None = None) -> Any:
    """Float RGB in [0, 1] to HSV. Mirrors: tf.image.rgb_to_hsv."""
    x = convert_to_tensor(images)
    r, g, b = _channels(x)
    value = math_ops.maximum(math_ops.maximum(r, g), b)
    spread = value - math_ops.minimum(math_ops.minimum(r, g), b)
    safe_value = array_ops.where(value > 0, value, array_ops.ones_like(value))
    saturation = array_ops.where(value > 0, spread / safe_value, array_ops.zeros_like(value))
    has_hue = spread > 0
    norm = 1.0 / (6.0 * array_ops.where(has_hue, spread, array_ops.ones_like(spread)))
    hue = array_ops.where(
        math_ops.equal(r, value),
        norm * (g - b),
        array_ops.where(math_ops.equal(g, value), norm * (b - r) + 2.0 / 6.0,
                        norm * (r - g) + 4.0 / 6.0),
    )  # fmt: skip
    hue = array_ops.where(has_hue, hue, array_ops.zeros_like(hue))
    hue = array_ops.where(hue < 0, hue + 1.0, hue)
    return array_ops.stack([hue, saturation, value], axis=-1)


def hsv_to_rgb(images: Any, name: str | None = None) -> Any:
    """HSV back to RGB. Mirrors: tf.image.hsv_to_rgb."""
    x = convert_to_tensor(images)
    h, s, v = _channels(x)
    dh = h * 6.0

    def ramp(t: Any) -> Any:
        return math_ops.clip_by_value(t, 0.0, 1.0)

    dr = ramp(math_ops.abs(dh - 3.0) - 1.0)
    dg = ramp(2.0 - math_ops.abs(dh - 2.0))
    db = ramp(2.0 - math_ops.abs(dh - 4.0))
    rest = 1.0 - s
    return array_ops.stack([(rest + s * dr) * v, (rest + s * dg) * v, (rest + s * db) * v], axis=-1)


def _in_hsv(image: Any, change: Any) -> Any:
    from workbench.static.image_ops import _photometric  # noqa: PLC0415

    def adjust(f: Any) -> Any:
        h, s, v = _channels(rgb_to_hsv(f))
        h, s = change(h, s)
        return hsv_to_rgb(array_ops.stack([h, s, v], axis=-1))

    return _photometric(image, adjust)


def adjust_hue(image: Any, delta: Any, name: str | None = None) -> Any:
    """Rotate the hue by ``delta`` (a fraction of the colour wheel, in [-1, 1]). Mirrors:
    tf.image.adjust_hue."""

    def turn(h: Any, s: Any) -> tuple[Any, Any]:
        shifted = math_ops.floormod(h + delta, 1.0)
        return shifted, s

    return _in_hsv(image, turn)


def adjust_saturation(image: Any, saturation_factor: Any, name: str | None = None) -> Any:
    """Scale the saturation by ``saturation_factor`` (clipped to [0, 1]). Mirrors:
    tf.image.adjust_saturation."""
    return _in_hsv(image, lambda h, s: (h, math_ops.clip_by_value(s * saturation_factor, 0.0, 1.0)))


def random_hue(image: Any, max_delta: float, seed: int | None = None) -> Any:
    """Mirrors: tf.image.random_hue."""
    if not 0 <= max_delta <= 0.5:
        raise ValueError("max_delta must be in the interval [0, 0.5].")
    return adjust_hue(image, random_ops.uniform([], -max_delta, max_delta, seed=seed))


def random_saturation(image: Any, lower: float, upper: float, seed: int | None = None) -> Any:
    """Mirrors: tf.image.random_saturation."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_saturation(image, random_ops.uniform([], lower, upper, seed=seed))
