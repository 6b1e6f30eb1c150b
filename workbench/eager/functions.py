"""Free functions of the ``torch`` namespace that are not creation or random ones."""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.core import ops
from workbench.eager import autograd_engine as engine
from workbench.eager import dtypes
from workbench.eager.tensor import Tensor
from workbench.eager.tensor_base import promote, tensor_of, wrap, wrap_dim


def where(condition: Tensor, input: Any, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Mirrors: torch.where."""
    if out is not None:
        return _write_out("where", out, where(condition, input, other))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(input)
    x, y = promote(input, other)
    return wrap(ops.select(condition.bool()._value, x, y), (input, other), "WhereBackward0")


def cat(tensors: Sequence[Tensor], dim: builtins.int = 0, *, out: Any = None) -> Tensor:
    """Mirrors: torch.cat."""
    if out is not None:
        return _write_out("cat", out, cat(tensors, dim))
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0 and len(tensors) > 1)]
    target = tensors[0].dtype.np
    for t in tensors[1:]:
        from workbench.backend import dtypes as bd  # noqa: PLC0415

        target = bd.promote_types(target, t.dtype.np)
    values = [ops.cast(t._value, target) for t in tensors]
    return wrap(
        ops.concatenate(values, wrap_dim(dim, tensors[0].ndim)),
        tuple(tensors),
        "CatBackward0",
    )


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: builtins.int = 0, *, out: Any = None) -> Tensor:
    """Mirrors: torch.stack."""
    if out is not None:
        return _write_out("stack", out, stack(tensors, dim))
    d = wrap_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(d) for t in tensors], d)


def tensor_split(
    input: Tensor,  # noqa: A002
    indices_or_sections: Any,
    dim: builtins.int = 0,
) -> tuple[Tensor, ...]:
    """Mirrors: torch.tensor_split — n nearly equal parts (the first size % n one longer),
    or the pieces between the given indices."""
    size = input.shape[dim]
    if isinstance(indices_or_sections, builtins.int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(
                f"number of sections must be larger than 0, got {indices_or_sections}"
            )
        bounds = [i * (size // n) + builtins.min(i, size % n) for i in range(n + 1)]
    else:
        cuts = [builtins.min(builtins.max(int(i), 0), size) for i in indices_or_sections]
        bounds = [0, *cuts, size]
    return tuple(
        input.narrow(dim, start, builtins.max(stop - start, 0))
        for start, stop in zip(bounds[:-1], bounds[1:])
    )


def rot90(input: Tensor, k: builtins.int = 1, dims: Sequence[builtins.int] = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by 90° ``k`` times in the plane of ``dims`` (from the first axis towards the
    second). Mirrors: torch.rot90."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    a, b = (d % input.ndim for d in dims)
    if a == b:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}"
        )
    k %= 4
    if k == 1:
        return input.flip([b]).transpose(a, b)
    if k == 2:
        return input.flip([a, b])
    if k == 3:
        return input.flip([a]).transpose(a, b)
    return input.clone()


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: every element of ``input`` times the whole of ``other``.
    Mirrors: torch.kron."""
    n = builtins.max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    # interleave the axes: a's axis i against b's axis i, then merge each pair
    wide = a.reshape([s for d in a.shape for s in (d, 1)]) * b.reshape(
        [s for d in b.shape for s in (1, d)]
    )
    return wide.reshape([x * y for x, y in zip(a.shape, b.shape)])


def isin(
    elements: Any,
    test_elements: Any,
    *,
    assume_unique: builtins.bool = False,
    invert: builtins.bool = False,
) -> Tensor:
    """Mirrors: torch.isin — whether each element occurs in ``test_elements``."""
    elements, tests = tensor_of(elements), tensor_of(test_elements).reshape(-1)
    found = (elements.unsqueeze(-1) == tests).any(-1)
    return ~found if invert else found


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors: torch.argwhere — the indices of the nonzero elements, one row each."""
    return input.nonzero()


def einsum(equation: str, *operands: Any) -> Tensor:
    """Mirrors: torch.einsum. Operands are combined pairwise: aligned on the union of
    their indices, multiplied with broadcasting, and summed over indices that neither the
    output nor a later operand needs."""
    if len(operands) == 1 and isinstance(operands[0], Sequence):
        operands = tuple(operands[0])
    lhs, arrow, output = equation.replace(" ", "").partition("->")
    specs = lhs.split(",")
    if len(specs) != len(operands):
        raise ValueError(f"einsum(): {len(specs)} operand specs for {len(operands)} operands")
    if builtins.any(len(set(s)) != len(s) for s in specs):
        raise NotImplementedError(
            "einsum(): repeated indices within one operand (diagonals) are not supported"
        )
    if not arrow:
        counts: dict[str, int] = {}
        for ch in "".join(specs):
            counts[ch] = counts.get(ch, 0) + 1
        output = "".join(sorted(ch for ch, n in counts.items() if n == 1))
    result, spec = tensor_of(operands[0]), specs[0]
    for k in range(1, len(operands)):
        other = specs[k]
        letters = list(dict.fromkeys(spec + other))
        product = _align(result, spec, letters) * _align(tensor_of(operands[k]), other, letters)
        keep = set(output) | set("".join(specs[k + 1 :]))
        contracted = [i for i, ch in enumerate(letters) if ch not in keep]
        result = product.sum(dim=contracted) if contracted else product
        spec = "".join(ch for ch in letters if ch in keep)
    extra = [i for i, ch in enumerate(spec) if ch not in output]
    if extra:
        result = result.sum(dim=extra)
        spec = "".join(ch for ch in spec if ch in output)
    return result if spec == output else result.permute(*[spec.index(ch) for ch in output])


def _align(t: Tensor, spec: str, letters: Sequence[str]) -> Tensor:
    """``t`` (indexed by ``spec``) laid out along ``letters``, size 1 where it lacks one."""
    present = [ch for ch in letters if ch in spec]
    order = [spec.index(ch) for ch in present]
    if order != list(range(len(order))):
        t = t.permute(*order)
    return t.reshape([t.shape[present.index(ch)] if ch in spec else 1 for ch in letters])


def _write_out(name: str, out: Any, result: Any) -> Any:
    """PyTorch's ``out=``: the result is written into ``out`` (resized, with PyTorch's
    warning, when its shape differs; cast when its dtype can hold the result) and ``out``
    is returned. Results with several parts take a tuple of tensors."""
    if isinstance(result, tuple):
        if not isinstance(out, tuple | list) or len(out) != len(result):
            raise TypeError(f"{name}(): out= must be a tuple of {len(result)} tensors")
        return type(result)(*(_write_out(name, o, r) for o, r in zip(out, result)))
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if engine.is_enabled() and (out.requires_grad or result.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if result.dtype != out.dtype:
        if result.dtype.is_floating_point and not out.dtype.is_floating_point:
            raise RuntimeError(
                f"result type {result.dtype.name.capitalize()} can't be cast to the desired "
                f"output type {out.dtype.name.capitalize()}"
            )
        result = result.to(out.dtype)
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._value = result._array()
        out._version += 1
        return out
    return out._inplace(result)


def _method(name: str) -> Any:
    def fn(input: Tensor, *args: Any, out: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        target = input if getattr(input, "is_sparse", False) else tensor_of(input)
        result = getattr(target, name)(*args, **kwargs)
        return result if out is None else _write_out(name, out, result)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Mirrors: torch.{name} (the Tensor method as a function)."
    return fn


_METHODS = [
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "matmul",
    "mm",
    "bmm",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "erf",
    "erfinv",
    "clamp_min",
    "clamp_max",
    "abs",
    "neg",
    "sign",
    "square",
    "relu",
    "floor",
    "ceil",
    "round",
    "trunc",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "norm",
    "logsumexp",
    "cumsum",
    "all",
    "any",
    "reshape",
    "permute",
    "transpose",
    "t",
    "squeeze",
    "unsqueeze",
    "flatten",
    "flip",
    "chunk",
    "split",
    "unbind",
    "gather",
    "scatter_add",
    "index_select",
    "index_add",
    "sort",
    "argsort",
    "topk",
    "narrow",
    "softmax",
    "log_softmax",
    "masked_fill",
    "isnan",
    "isfinite",
    "isinf",
    "reciprocal",
    "log2",
    "log10",
    "allclose",
    "equal",
    "clone",
    "numel",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "floor_divide",
    "remainder",
    "true_divide",
    "tril",
    "triu",
    "movedim",
    "multinomial",
    "bincount",
    "nonzero",
    "unique",
    "cumprod",
    "dot",
    "vdot",
    "inner",
    "outer",
    "ger",
    "mv",
    "addmm",
    "diagonal",
    "diag",
    "trace",
    "inverse",
    "pinverse",
    "det",
    "logdet",
    "slogdet",
    "cholesky",
    "svd",
    "qr",
    "matrix_power",
    "tan",
    "asin",
    "arcsin",
    "acos",
    "arccos",
    "atan",
    "arctan",
    "sinh",
    "cosh",
    "asinh",
    "arcsinh",
    "acosh",
    "arccosh",
    "atanh",
    "arctanh",
    "atan2",
    "arctan2",
    "fmod",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "deg2rad",
    "rad2deg",
    "frac",
    "logit",
    "erfc",
    "sinc",
    "heaviside",
    "xlogy",
    "float_power",
    "nansum",
    "nanmean",
    "aminmax",
    "logcumsumexp",
    "baddbmm",
    "renorm",
    "cross",
    "select",
    "scatter",
    "index_fill",
    "index_copy",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "addcmul",
    "addcdiv",
    "exp2",
    "conj",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "isclose",
    "lerp",
    "nan_to_num",
    "count_nonzero",
    "median",
    "broadcast_to",
    "tile",
    "roll",
    "repeat_interleave",
    "fliplr",
    "flipud",
    "take",
    "masked_select",
    "diff",
]
for _name in _METHODS:
    globals()[_name] = _method(_name)


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    return tensor_of(input) // other


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    return tensor_of(input) % other


def is_tensor(obj: Any) -> builtins.bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> builtins.int:  # noqa: A002
    return input.numel()


def is_floating_point(input: Tensor) -> builtins.bool:  # noqa: A002
    return input.dtype.is_floating_point


def result_type(a: Any, b: Any) -> dtypes.dtype:
    x, _ = promote(tensor_of(a), b)
    return dtypes.from_numpy_dtype(x.dtype)


# ---------------------------------------------------------------------------------------
# functions with no method of the same name


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract ``dims`` (a count of a's last and b's first dimensions, or two lists)."""
    if isinstance(dims, builtins.int):
        pairs = (list(range(a.ndim - dims, a.ndim)), list(range(dims)))
    else:
        first, second = dims
        pairs = (
            [first] if isinstance(first, builtins.int) else list(first),
            [second] if isinstance(second, builtins.int) else list(second),
        )
    letters = "abcdefghijklmnopqrstuvwxyz"
    left = list(letters[: a.ndim])
    right = list(letters[a.ndim : a.ndim + b.ndim])
    for i, j in zip(*pairs):
        right[wrap_dim(j, b.ndim)] = left[wrap_dim(i, a.ndim)]
    contracted = {left[wrap_dim(i, a.ndim)] for i in pairs[0]}
    result = [c for c in left + right if c not in contracted]
    return einsum(f"{''.join(left)},{''.join(right)}->{''.join(result)}", a, b)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    tensors = tuple(tensor_of(t) for t in tensors)
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


row_stack = vstack


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    swap = indexing == "xy" and len(tensors) >= 2
    ordered = list(tensors)
    if swap:
        ordered[0], ordered[1] = ordered[1], ordered[0]
    shape = [t.numel() for t in ordered]
    grids = [
        t.reshape([-1 if i == k else 1 for i in range(len(ordered))]).expand(shape)
        for k, t in enumerate(ordered)
    ]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def std_mean(input: Tensor, dim: Any = None, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    keepdim = kwargs.get("keepdim", False)
    return input.std(dim, *args, **kwargs), input.mean(dim, keepdim=keepdim)


def var_mean(input: Tensor, dim: Any = None, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    keepdim = kwargs.get("keepdim", False)
    return input.var(dim, *args, **kwargs), input.mean(dim, keepdim=keepdim)


def _triangle_indices(
    row: builtins.int, col: builtins.int, offset: builtins.int, upper: builtins.bool, device: Any
) -> Tensor:
    rows, cols = np.triu_indices(row, offset, col) if upper else np.tril_indices(row, offset, col)
    return Tensor(np.stack([rows, cols]).astype(np.int64), device=device)


def tril_indices(
    row: builtins.int, col: builtins.int, offset: builtins.int = 0, *, device: Any = None, **_: Any
) -> Tensor:
    return _triangle_indices(row, col, offset, False, device)


def triu_indices(
    row: builtins.int, col: builtins.int, offset: builtins.int = 0, *, device: Any = None, **_: Any
) -> Tensor:
    return _triangle_indices(row, col, offset, True, device)


def cdist(x1: Tensor, x2: Tensor, p: builtins.float = 2.0, **_: Any) -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (…, n, d) and x2 (…, m, d)."""
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 2.0:
        return (diff * diff).sum(-1).clamp_min(0).sqrt()
    if p == float("inf"):
        return diff.abs().amax(-1)
    return diff.abs().pow(p).sum(-1).pow(1.0 / p)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(
    input: Tensor,  # noqa: A002
    r: builtins.int = 2,
    with_replacement: builtins.bool = False,
) -> Tensor:
    import itertools  # noqa: PLC0415

    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    if not rows.size:
        return input.new_empty(0, r)
    return input[Tensor(rows, device=input.device)]


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the given matrices (0-d and 1-d count as rows)."""
    from workbench.eager.nn.functional import pad  # noqa: PLC0415

    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    width = builtins.sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        rows.append(pad(b, (left, width - left - b.shape[1])))
        left += b.shape[1]
    return cat(rows, 0)


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,  # noqa: A002
    *,
    out_int32: builtins.bool = False,
    right: builtins.bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """Insertion points of ``input`` into the (last axis of) ``sorted_sequence``."""
    side_: Any = side or ("right" if right else "left")
    seq = sorted_sequence.detach().cpu().numpy()
    values = tensor_of(input).detach().cpu().numpy()
    if seq.ndim == 1:
        found = np.searchsorted(seq, values, side=side_)
    else:
        found = np.stack(
            [
                np.searchsorted(s, v, side=side_)
                for s, v in zip(
                    seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
                )
            ]
        ).reshape(values.shape)
    dtype = dtypes.int32 if out_int32 else dtypes.int64
    return Tensor(found.astype(dtype.np), device=sorted_sequence.device)


def bucketize(
    input: Any,  # noqa: A002
    boundaries: Tensor,
    *,
    out_int32: builtins.bool = False,
    right: builtins.bool = False,
) -> Tensor:
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(
    input: Tensor,  # noqa: A002
    bins: builtins.int = 100,
    min: builtins.float = 0,  # noqa: A002
    max: builtins.float = 0,  # noqa: A002
) -> Tensor:
    values = input.detach().cpu().numpy().reshape(-1)
    lo, hi = (
        (builtins.float(values.min()), builtins.float(values.max()))
        if min == max == 0
        else (min, max)
    )
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(values[(values >= lo) & (values <= hi)], bins=bins, range=(lo, hi))
    return Tensor(counts.astype(input.dtype.np), device=input.device)


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: builtins.int = -1) -> Tensor:
    """∫ y by the trapezoidal rule along ``dim`` (spacing ``dx`` or sample points ``x``)."""
    n = y.shape[dim]
    left, right = y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)
    if x is None:
        return (left + right).sum(dim) * ((1.0 if dx is None else dx) / 2)
    xs = tensor_of(x)
    spacing = (
        xs.narrow(dim, 1, n - 1) - xs.narrow(dim, 0, n - 1)
        if xs.ndim == y.ndim
        else xs[1:] - xs[:-1]
    )
    return ((left + right) * spacing).sum(dim) / 2


trapz = trapezoid
