"""``keras.applications``: each model family's ``preprocess_input``, the input scaling its
ImageNet weights were trained with ("caffe": RGB to BGR and the ImageNet mean taken away;
"tf": to [-1, 1]; "torch": to [0, 1], then the ImageNet mean and deviation; or nothing,
for families that rescale inside the model). The families are importable as modules
(``from keras.applications.vgg16 import preprocess_input``). The pretrained models
themselves are not here. Mirrors: keras.applications.*.preprocess_input."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np

from workbench.static import array_ops, math_ops
from workbench.static.execution import convert_to_tensor

_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _channels(x: Any, data_format: str) -> tuple[list[int], int]:
    axis = (0 if x.ndim == 3 else 1) if data_format == "channels_first" else x.ndim - 1
    shape = [1] * x.ndim
    shape[axis] = 3
    return shape, axis


def _numpy(x: np.ndarray, mode: str, data_format: str) -> np.ndarray:
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    else:
        x = x.copy() if not x.flags.writeable else x  # Keras works in place on float arrays
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    shape, axis = _channels(x, data_format)
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(_TORCH_MEAN, shape).astype(x.dtype)
        x /= np.reshape(_TORCH_STD, shape).astype(x.dtype)
        return x
    x = np.flip(x, axis)  # RGB to BGR
    return x - np.reshape(_MEAN_BGR, shape).astype(x.dtype)


def _tensor(x: Any, mode: str, data_format: str) -> Any:
    t = convert_to_tensor(x)
    if not t.dtype.is_floating:
        t = math_ops.cast(t, "float32")
    if mode == "tf":
        return t / 127.5 - 1.0
    shape, axis = _channels(t, data_format)
    if mode == "torch":
        mean = convert_to_tensor(np.reshape(_TORCH_MEAN, shape).astype(t.dtype.np))
        std = convert_to_tensor(np.reshape(_TORCH_STD, shape).astype(t.dtype.np))
        return (t / 255.0 - mean) / std
    flipped = array_ops.reverse(t, [axis])
    return flipped - convert_to_tensor(np.reshape(_MEAN_BGR, shape).astype(t.dtype.np))


def preprocess_input(x: Any, data_format: Any = None, mode: str = "caffe") -> Any:
    """Scale images for an ImageNet model: NumPy in, NumPy out; a tensor in, a tensor out.
    Mirrors: keras.applications.imagenet_utils.preprocess_input."""
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(
            f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}"
        )
    fmt = data_format or "channels_last"
    if isinstance(x, np.ndarray):
        return _numpy(x, mode, fmt)
    return _tensor(x, mode, fmt)


def _identity(x: Any, data_format: Any = None) -> Any:
    """These families rescale inside the model: the input passes unchanged."""
    return x


_FAMILIES = {
    "caffe": ("vgg16", "vgg19", "resnet", "resnet50"),
    "tf": ("inception_v3", "inception_resnet_v2", "xception", "mobilenet", "mobilenet_v2",
           "nasnet", "resnet_v2"),
    "torch": ("densenet",),
    None: ("efficientnet", "efficientnet_v2", "convnext", "regnet", "mobilenet_v3"),
}  # fmt: skip


def _family(name: str, mode: str | None) -> types.ModuleType:
    module = types.ModuleType(f"{__name__}.{name}", f"keras.applications.{name}")
    if mode is None:
        module.preprocess_input = _identity  # type: ignore[attr-defined]
    else:

        def family_preprocess(x: Any, data_format: Any = None) -> Any:
            return preprocess_input(x, data_format, mode)

        family_preprocess.__doc__ = f"{name}'s input scaling ({mode!r}). Mirrors: " \
            f"keras.applications.{name}.preprocess_input."  # fmt: skip
        module.preprocess_input = family_preprocess  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module  # importable: from ...applications.vgg16 import …
    return module


for _mode, _names in _FAMILIES.items():
    for _name in _names:
        globals()[_name] = _family(_name, _mode)

imagenet_utils = types.ModuleType(f"{__name__}.imagenet_utils")
imagenet_utils.preprocess_input = preprocess_input  # type: ignore[attr-defined]
sys.modules[imagenet_utils.__name__] = imagenet_utils
