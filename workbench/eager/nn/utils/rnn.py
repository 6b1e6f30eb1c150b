"""Mirrors: torch.nn.utils.rnn.pad_sequence (batching sequences of different lengths)."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.eager.functions import stack
from workbench.eager.nn.functional import pad
from workbench.eager.tensor import Tensor


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences (L_i, *) padded to the longest: (L, B, *) or, with
    ``batch_first``, (B, L, *). Differentiable (padding is ``F.pad``)."""
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        widths = [0, 0] * (s.ndim - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(pad(s, widths, value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)


__all__ = ["pad_sequence"]
