"""Composite operations: built from primitives, so their gradients come for free.

Every layer the front ends offer is made of these and the primitives; none needs a
primitive of its own.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core import primitives as ops


def softmax(x: Any, axis: int = -1) -> Any:
    """e^(x - max) / Σ e^(x - max) along ``axis`` (shifted by the max, so it never overflows)."""
    shifted = ops.sub(x, ops.stop_gradient(ops.reduce_max(x, axis, keepdims=True)))
    e = ops.exp(shifted)
    return ops.div(e, ops.reduce_sum(e, axis, keepdims=True))


def log_softmax(x: Any, axis: int = -1) -> Any:
    """(x - m) - log Σ e^(x - m) along ``axis``, m = max x: the core's ``log_softmax``
    primitive (one node, with its own VJP and JVP).

    NOTE: a row that is all -inf gives NaN, as in PyTorch and JAX (logsumexp alone
    guards that case to return -inf).
    """
    return ops.log_softmax(x, axis)


def one_hot(labels: Any, num_classes: int, dtype: Any) -> Any:
    """``[labels == k for k in range(num_classes)]`` along a new last axis, as ``dtype``."""
    classes = ops.array(list(range(num_classes)), dtype=labels.dtype, device=labels.device)
    shape = tuple(labels.shape) + (num_classes,)
    hits = ops.eq(
        ops.broadcast_to(ops.expand_dims(labels, [-1]), shape), ops.broadcast_to(classes, shape)
    )
    return ops.cast(hits, dtype)


def softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    """Mean over the batch of -log softmax(logits)[label] (integer class labels)."""
    logp = log_softmax(logits, -1)
    picked = ops.reduce_sum(ops.mul(logp, one_hot(labels, logits.shape[-1], logits.dtype)), -1)
    return ops.neg(ops.mean(picked))


def variance(x: Any, axes: Sequence[int], keepdims: bool = False) -> Any:
    """Population variance (divide by N), as normalisation layers use."""
    centred = ops.sub(x, ops.mean(x, axes, keepdims=True))
    return ops.mean(ops.square(centred), axes, keepdims)


def layer_norm(
    x: Any, weight: Any | None, bias: Any | None, axes: Sequence[int] = (-1,), eps: float = 1e-5
) -> Any:
    """(x - mean) / sqrt(var + eps) over ``axes``, then scaled and shifted."""
    mu = ops.mean(x, axes, keepdims=True)
    centred = ops.sub(x, mu)
    var = ops.mean(ops.square(centred), axes, keepdims=True)
    out = ops.mul(centred, ops.rsqrt(ops.add(var, eps)))
    if weight is not None:
        out = ops.mul(out, weight)
    if bias is not None:
        out = ops.add(out, bias)
    return out


def gelu(x: Any, approximate: bool = False) -> Any:
    """x Φ(x); Φ by erf, or by the tanh approximation when ``approximate``."""
    if approximate:
        inner = ops.mul(ops.add(x, ops.mul(ops.pow(x, 3.0), 0.044715)), math.sqrt(2 / math.pi))
        return ops.mul(ops.mul(x, 0.5), ops.add(ops.tanh(inner), 1.0))
    return ops.mul(ops.mul(x, 0.5), ops.add(ops.erf(ops.mul(x, 1 / math.sqrt(2))), 1.0))


def softplus(x: Any) -> Any:
    """log(1 + e^x), stably, with gradient sigmoid(x) everywhere — also at 0, where the
    usual max(x, 0) + log1p(e^-|x|) has two kinks whose one-sided gradients give 0. Each
    branch sees only inputs where it is finite, so the unchosen one cannot put NaN into
    the gradient."""
    positive = ops.gt(x, ops.zeros_like(x))
    high = ops.select(positive, x, ops.zeros_like(x))  # x > 0: x + log1p(e^-x)
    low = ops.select(positive, ops.zeros_like(x), x)  # x <= 0: log1p(e^x)
    return ops.select(
        positive, ops.add(high, ops.log1p(ops.exp(ops.neg(high)))), ops.log1p(ops.exp(low))
    )


def silu(x: Any) -> Any:
    """x σ(x)."""
    return ops.mul(x, ops.logistic(x))


def linear(x: Any, weight: Any, bias: Any | None = None) -> Any:
    """x Wᵀ + b with W of shape (out, in), PyTorch's layout."""
    out = ops.dot_general(x, weight, contracting=((x.ndim - 1,), (1,)))
    return out if bias is None else ops.add(out, bias)


def attention(q: Any, k: Any, v: Any, mask: Any | None = None) -> Any:
    """softmax(q kᵀ / √d [+ mask]) v over the last two axes (batch axes broadcast)."""
    d = q.shape[-1]
    scores = ops.div(
        ops.matmul(q, ops.transpose(k, list(range(k.ndim - 2)) + [k.ndim - 1, k.ndim - 2])),
        math.sqrt(d),
    )
    if mask is not None:
        scores = ops.add(scores, mask)
    return ops.matmul(softmax(scores, -1), v)


def einsum(subscripts: str, *values: Any) -> Any:
    """Einstein summation on core values (explicit and implicit output): repeated labels
    in one operand take diagonals, pairs of operands contract with ``dot_general``, labels
    needed nowhere later are summed away. Shared by every front end's ``einsum``."""
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        inputs, output = spec.split("->")
    else:
        inputs = spec
        letters = [c for c in inputs.replace(",", "") if c.isalpha()]
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    terms = inputs.split(",")
    if "." in spec:
        raise NotImplementedError("einsum with ellipsis is not supported")
    current, labels = values[0], terms[0]
    current, labels = _einsum_reduce(current, labels, [output, *terms[1:]])
    for v, term in zip(values[1:], terms[1:]):
        remaining = [output, *terms[terms.index(term) + 1 :]]
        v, term = _einsum_reduce(v, term, [output, labels, *remaining[1:]])
        keep = set("".join(remaining))
        shared = [c for c in labels if c in term]
        batch = [c for c in shared if c in keep]
        contract = [c for c in shared if c not in keep]
        current = ops.dot_general(
            current,
            v,
            (tuple(labels.index(c) for c in contract), tuple(term.index(c) for c in contract)),
            (tuple(labels.index(c) for c in batch), tuple(term.index(c) for c in batch)),
        )
        labels = (
            "".join(batch)
            + "".join(c for c in labels if c not in shared)
            + "".join(c for c in term if c not in shared)
        )
    current, labels = _einsum_reduce(current, labels, [output])
    if sorted(labels) != sorted(output):
        raise ValueError(f"einsum: cannot produce output {output!r} from {subscripts!r}")
    if labels != output:
        return ops.transpose(current, tuple(labels.index(c) for c in output))
    return current


def _einsum_reduce(v: Any, labels: str, others: Sequence[str]) -> tuple[Any, str]:
    """Take diagonals of repeated labels and sum labels used nowhere else."""
    for c in set(labels):
        while labels.count(c) > 1:
            i = labels.index(c)
            j = labels.index(c, i + 1)
            n = v.shape[i]
            idx = ops.array(np.arange(n))
            key: list[Any] = [builtins.slice(None)] * v.ndim
            key[i], key[j] = idx, idx
            v = ops.index(v, tuple(key))  # advanced indices move to the front
            labels = c + "".join(ch for k, ch in enumerate(labels) if k not in (i, j))
    elsewhere = set("".join(others))
    drop = [k for k, c in enumerate(labels) if c not in elsewhere]
    if drop:
        v = ops.reduce_sum(v, axes=tuple(drop))
        labels = "".join(c for k, c in enumerate(labels) if k not in drop)
    return v, labels
