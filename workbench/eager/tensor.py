"""``Tensor``: PyTorch's tensor over the core. Operations run at once (define-by-run);
with ``requires_grad`` they are recorded into the core's eager tape.

Mirrors: torch.Tensor. Differences: storage is a NumPy/CuPy array (views share it, as in
PyTorch); dtypes are those of the backend (no bfloat16, no complex).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from workbench.backend import Device
from workbench.core import ops
from workbench.core.autodiff import EAGER_TAPE
from workbench.core.values import Array
from workbench.eager import autograd_engine as engine
from workbench.eager import (
    dtypes,
    linalg,
    printing,
    tensor_arithmetic,
    tensor_copies,
    tensor_indexing,
    tensor_inplace,
    tensor_layout,
    tensor_math,
    tensor_more,
    tensor_sorting,
)
from workbench.eager.meta import GradFn, Size, device
from workbench.eager.tensor_base import (
    Number,
    TensorBase,
    binary,
    promote,
    tensor_of,
    tracked,
    unary_float,
    wrap,
)

# What PyTorch names matmul's grad_fn by operand ranks (it reshapes batched products)
_MATMUL_NAMES = {
    (1, 1): "DotBackward0",
    (1, 2): "SqueezeBackward4",
    (2, 1): "MvBackward0",
    (2, 2): "MmBackward0",
}


class Tensor(TensorBase, concrete=True):
    """A multi-dimensional array that can record its history for autograd.

    Example:
        >>> import workbench.eager as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = ()

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self) -> Size:
        return Size(self._value.shape)

    def size(self, dim: builtins.int | None = None) -> Any:
        return self.shape if dim is None else self._value.shape[dim]

    @property
    def device(self) -> device:
        where = self._value.device
        if where.platform == "cpu" and where.index == 0:
            return device("cpu")  # PyTorch's CPU device has no index
        return device(where.name)

    @property
    def ndim(self) -> builtins.int:
        return len(self._value.shape)

    def dim(self) -> builtins.int:
        return self.ndim

    def numel(self) -> builtins.int:
        return math.prod(self._value.shape)

    nelement = numel

    def element_size(self) -> builtins.int:
        return self.dtype.itemsize

    def is_floating_point(self) -> builtins.bool:
        return self.dtype.is_floating_point

    @property
    def is_cuda(self) -> builtins.bool:
        return self._value.device.platform == "cuda"

    # the other accelerators PyTorch names (the workbench has none of them)
    is_xpu = is_mps = is_meta = property(lambda self: False)
    is_sparse = False

    @property
    def layout(self) -> Any:
        from workbench.eager.sparse import strided  # noqa: PLC0415

        return strided

    def to_sparse(self, sparse_dim: Any = None, *, layout: Any = None) -> Any:
        from workbench.eager.sparse import to_sparse  # noqa: PLC0415

        return to_sparse(self, sparse_dim, layout=layout)

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        return self if dtype is None else self.to(dtype)

    def type_name(self) -> str:
        prefix = "torch.cuda." if self.is_cuda else "torch."
        return prefix + dtypes.LEGACY_NAMES.get(self.dtype.name, self.dtype.name)

    # ---------------------------------------------------------------- autograd
    @property
    def requires_grad(self) -> builtins.bool:
        return tracked(self._value)

    @requires_grad.setter
    def requires_grad(self, flag: builtins.bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        if requires_grad == self.requires_grad:
            return self
        if not self.is_leaf:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad:
            if not self.dtype.is_floating_point:
                raise RuntimeError("only Tensors of floating point dtype can require gradients")
            leaf = engine.Leaf(EAGER_TAPE, self._value, None)
            leaf.tensor = self
            self._value = leaf
        else:
            self._value = self._value.primal
        return self

    @property
    def is_leaf(self) -> builtins.bool:
        return not self.requires_grad or self._value.node is None

    @property
    def grad_fn(self) -> Any:
        if not self.requires_grad or self._value.node is None:
            return None
        return GradFn(self._value.node)

    def detach(self) -> Tensor:
        """A tensor sharing storage, cut from the graph."""
        return wrap(self._array())

    def detach_(self) -> Tensor:
        self._value = self._array()
        return self

    def retain_grad(self) -> None:
        if self.is_leaf or self._retains:
            return
        self._retains = True
        target = self

        def keep(g: Any) -> Any:
            target.grad = wrap(g) if target.grad is None else target.grad + wrap(g)
            return g

        engine.register(self._value, keep)

    @property
    def retains_grad(self) -> builtins.bool:
        return self._retains

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Mirrors: torch.Tensor.register_hook."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")

        def core_hook(g: Any) -> Any:
            result = hook(wrap(g))
            return g if result is None else result._value

        if self.is_leaf:
            hooks = engine.LEAF_HOOKS.setdefault(self._value, [])
            hooks.append(core_hook)
        else:
            engine.register(self._value, core_hook)
        return engine.HookHandle(core_hook)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: Any = None,
        create_graph: builtins.bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``.grad``.

        Mirrors: torch.Tensor.backward.
        """
        from workbench.eager.autograd import backward  # noqa: PLC0415

        backward(
            [self], None if gradient is None else [gradient], retain_graph, create_graph, inputs
        )

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, other: Tensor) -> None:
        if self.requires_grad and self.is_leaf:
            self._value.primal = other._array()
        else:
            self._value = other._array()

    def _array(self) -> Array:
        value = self._value
        return value.primal if tracked(value) else value

    def _concrete(self, what: str) -> Array:
        array = self._array()
        if not isinstance(array, Array):
            from workbench.core.values import ConcretizationError  # noqa: PLC0415

            raise ConcretizationError(
                f"{what} needs the tensor's value, which is not known while the code is being "
                f"captured into a graph (tensor {self._value.type}). Python control flow or "
                "conversions that depend on tensor values cause a graph break."
            )
        return array

    # ---------------------------------------------------------------- conversion
    def numpy(self, *, force: builtins.bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        if self.is_cuda and not force:
            raise TypeError(
                "can't convert cuda:0 device type tensor to numpy. "
                "Use Tensor.cpu() to copy the tensor to host memory first."
            )
        array = self._concrete("numpy()")
        return array.data if array.device.platform == "cpu" else array.numpy()

    def item(self) -> Number:
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        return self._concrete("item()").numpy().reshape(()).item()

    def tolist(self) -> Any:
        return self._concrete("tolist()").numpy().tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        host = self._array().numpy()
        return host if dtype is None else host.astype(dtype)

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __bool__(self) -> builtins.bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        # Python branching on a value: under torch.compile's capture, a graph break
        return builtins.bool(self._concrete("bool() (an if or while on a tensor)").numpy().item())

    def __len__(self) -> builtins.int:
        if not self.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._value.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __format__(self, spec: str) -> str:
        if self.numel() == 1 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        return printing.tensor_repr(self)

    def __hash__(self) -> builtins.int:
        return id(self)

    # ---------------------------------------------------------------- device and dtype
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``.to(device)``, ``.to(dtype)``, ``.to(other)`` or ``.to(device, dtype)``."""
        target_device, target_dtype = None, None
        for a in (*args, kwargs.get("device"), kwargs.get("dtype")):
            if a is None:
                continue
            if isinstance(a, dtypes.dtype):
                target_dtype = a
            elif isinstance(a, Tensor):
                target_device, target_dtype = a.device, a.dtype
            else:
                target_device = device(a) if not isinstance(a, device) else a
        result = self
        if target_dtype is not None and target_dtype is not self.dtype:
            result = wrap(ops.cast(result._value, target_dtype.np), (result,), "ToCopy")
        if target_device is not None and target_device.core is not self._value.device:
            result = _to_device(result, target_device.core)
        return result

    def cuda(self, device_: Any = None) -> Tensor:
        return self.to(
            device(
                "cuda"
                if device_ is None
                else f"cuda:{device_}"
                if isinstance(device_, builtins.int)
                else device_
            )
        )

    def cpu(self) -> Tensor:
        return self.to(device("cpu"))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def type(self, dtype: Any = None, non_blocking: builtins.bool = False) -> Any:
        """The legacy type name, or a copy converted to ``dtype`` (a dtype, a name such as
        'torch.FloatTensor', or a legacy constructor such as torch.LongTensor)."""
        if dtype is None:
            return self.type_name()
        if isinstance(dtype, str):
            dtype = dtypes.from_legacy_name(dtype)
        return self.to(getattr(dtype, "dtype", dtype))

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def clone(self) -> Tensor:
        if self.requires_grad:
            return wrap(ops.add(self._value, 0), (self,), "CloneBackward0")
        return wrap(Array(self._array().data.copy(), self._value.device))

    def contiguous(self) -> Tensor:
        return self

    def is_contiguous(self) -> builtins.bool:
        return builtins.bool(self._array().data.flags.c_contiguous)

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        return binary(ops.add, self, other, "AddBackward0")

    def __radd__(self, other: Any) -> Tensor:
        return binary(ops.add, other, self, "AddBackward0")

    def __sub__(self, other: Any) -> Tensor:
        tensor_arithmetic.no_bool_subtraction(self, other)
        return binary(ops.sub, self, other, "SubBackward0")

    def __rsub__(self, other: Any) -> Tensor:
        tensor_arithmetic.no_bool_subtraction(self, other)
        return binary(ops.sub, other, self, "RsubBackward1")

    def __mul__(self, other: Any) -> Tensor:
        return binary(ops.mul, self, other, "MulBackward0")

    def __rmul__(self, other: Any) -> Tensor:
        return binary(ops.mul, other, self, "MulBackward0")

    def __truediv__(self, other: Any) -> Tensor:
        return tensor_arithmetic.true_divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return tensor_arithmetic.true_divide(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return tensor_arithmetic.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return tensor_arithmetic.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return self - tensor_arithmetic.floor_divide(self, other) * other

    def __pow__(self, exponent: Any) -> Tensor:
        return self.pow(exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return tensor_arithmetic.pow(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return tensor_of(other).matmul(self)

    def __neg__(self) -> Tensor:
        if self.dtype is dtypes.bool:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return wrap(ops.neg(self._value), (self,), "NegBackward0")

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    def __invert__(self) -> Tensor:
        if self.dtype is dtypes.bool:
            return wrap(ops.logical_not(self._value))
        if self.dtype.is_floating_point:
            raise TypeError(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
            )
        ones = np.array(-1).astype(self.dtype.np)  # every bit set, in this width
        return wrap(ops.bitwise_xor(self._value, ops.broadcast_to(ops.array(ones), self.shape)))

    bitwise_not = __invert__

    def __xor__(self, other: Any) -> Tensor:
        return tensor_arithmetic.bitwise(ops.bitwise_xor, "bitwise_xor", self, other)

    def __rand__(self, other: Any) -> Tensor:
        return tensor_arithmetic.bitwise(ops.bitwise_and, "bitwise_and", other, self)

    def __ror__(self, other: Any) -> Tensor:
        return tensor_arithmetic.bitwise(ops.bitwise_or, "bitwise_or", other, self)

    def __rxor__(self, other: Any) -> Tensor:
        return tensor_arithmetic.bitwise(ops.bitwise_xor, "bitwise_xor", other, self)

    def bitwise_and(self, other: Any) -> Tensor:
        return self & other

    def bitwise_or(self, other: Any) -> Tensor:
        return self | other

    def bitwise_xor(self, other: Any) -> Tensor:
        return self ^ other

    def __and__(self, other: Any) -> Tensor:
        return tensor_arithmetic.bitwise(ops.bitwise_and, "bitwise_and", self, other)

    def __or__(self, other: Any) -> Tensor:
        return tensor_arithmetic.bitwise(ops.bitwise_or, "bitwise_or", self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return binary(ops.eq, self, other, "eq")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return binary(ops.ne, self, other, "ne")

    def __lt__(self, other: Any) -> Tensor:
        return binary(ops.lt, self, other, "lt")

    def __le__(self, other: Any) -> Tensor:
        return binary(ops.le, self, other, "le")

    def __gt__(self, other: Any) -> Tensor:
        return binary(ops.gt, self, other, "gt")

    def __ge__(self, other: Any) -> Tensor:
        return binary(ops.ge, self, other, "ge")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    add_op = __add__

    def add(self, other: Any, alpha: Number = 1) -> Tensor:
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, alpha: Number = 1) -> Tensor:
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Any) -> Tensor:
        return self * other

    multiply = mul

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return tensor_arithmetic.true_divide(self, other)
        if rounding_mode == "floor":
            return tensor_arithmetic.floor_divide(self, other)
        if rounding_mode == "trunc":
            q = tensor_arithmetic.true_divide(self, other)
            return tensor_arithmetic.to_dtype_of(
                wrap(ops.sign(q._value)) * (q.abs().floor()), self, other
            )
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' "
            f"but found '{rounding_mode}'"
        )

    divide = true_divide = div

    def pow(self, exponent: Any) -> Tensor:
        return tensor_arithmetic.pow(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        other = tensor_of(other)
        from workbench.eager import amp  # noqa: PLC0415

        low = amp.low_precision_product(Tensor.matmul, self, other)
        if low is not None:
            return low
        if self.dtype is not other.dtype:  # PyTorch's products never promote
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: "
                f"{_c_name(self.dtype)} != {_c_name(other.dtype)}"
            )
        x, y = promote(self, other)
        return wrap(
            ops.matmul(x, y),
            (self, other),
            _MATMUL_NAMES.get((x.ndim, y.ndim), "UnsafeViewBackward0"),
        )

    def mm(self, other: Tensor) -> Tensor:
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"mm: expected 2-D tensors, got {self.ndim}-D and {other.ndim}-D")
        return self.matmul(other)

    def bmm(self, other: Tensor) -> Tensor:
        if self.ndim != 3 or other.ndim != 3:
            raise RuntimeError(f"bmm: expected 3-D tensors, got {self.ndim}-D and {other.ndim}-D")
        out = self.matmul(other)
        if tracked(out._value) and out._value.node is not None:
            out._value.node.record.name = "BmmBackward0"  # bmm is its own operation there
        return out

    # ---------------------------------------------------------------- elementwise
    exp = unary_float(ops.exp, "ExpBackward0")
    log = unary_float(ops.log, "LogBackward0")
    log1p = unary_float(ops.log1p, "Log1PBackward0")
    expm1 = unary_float(ops.expm1, "Expm1Backward0")
    sqrt = unary_float(ops.sqrt, "SqrtBackward0")
    rsqrt = unary_float(ops.rsqrt, "RsqrtBackward0")
    sin = unary_float(ops.sin, "SinBackward0")
    cos = unary_float(ops.cos, "CosBackward0")
    tanh = unary_float(ops.tanh, "TanhBackward0")
    sigmoid = unary_float(ops.logistic, "SigmoidBackward0")
    erf = unary_float(ops.erf, "ErfBackward0")
    erfinv = unary_float(ops.erf_inv, "ErfinvBackward0")
    reciprocal = unary_float(ops.reciprocal, "ReciprocalBackward0")
    tan = tensor_more.tan
    arcsin = asin = tensor_more.asin
    arccos = acos = tensor_more.acos
    arctan = atan = tensor_more.atan
    sinh = tensor_more.sinh
    cosh = tensor_more.cosh
    arcsinh = asinh = tensor_more.asinh
    arccosh = acosh = tensor_more.acosh
    arctanh = atanh = tensor_more.atanh
    arctan2 = atan2 = tensor_more.atan2
    fmod = tensor_more.fmod
    hypot = tensor_more.hypot
    logaddexp = tensor_more.logaddexp
    logaddexp2 = tensor_more.logaddexp2
    deg2rad = tensor_more.deg2rad
    rad2deg = tensor_more.rad2deg
    frac = tensor_more.frac
    logit = tensor_more.logit
    erfc = tensor_more.erfc
    sinc = tensor_more.sinc
    heaviside = tensor_more.heaviside
    xlogy = tensor_more.xlogy
    float_power = tensor_more.float_power
    nansum = tensor_more.nansum
    nanmean = tensor_more.nanmean
    aminmax = tensor_more.aminmax
    logcumsumexp = tensor_more.logcumsumexp
    baddbmm = tensor_more.baddbmm
    addcmul = tensor_more.addcmul
    addcdiv = tensor_more.addcdiv
    exp2 = tensor_more.exp2
    renorm = tensor_more.renorm
    cross = tensor_more.cross
    select = tensor_more.select
    unfold = tensor_more.unfold
    scatter = tensor_more.scatter
    index_fill = tensor_more.index_fill
    index_copy = tensor_more.index_copy
    fill_diagonal = tensor_more.fill_diagonal
    new = tensor_more.new_legacy
    resize = tensor_more.resized
    resize_ = tensor_more.resize_
    random_ = tensor_more.random_
    bernoulli_ = tensor_more.bernoulli_
    exponential_ = tensor_more.exponential_
    log_normal_ = tensor_more.log_normal_
    real = property(tensor_more.real)
    imag = property(tensor_more.imag)
    conj = conj_physical = resolve_conj = resolve_neg = tensor_more.conj
    values = tensor_more.sparse_values  # a dense tensor has none, as in PyTorch
    indices = tensor_more.sparse_indices
    storage_offset = tensor_more.storage_offset
    data_ptr = tensor_more.data_ptr
    nbytes = property(tensor_more.nbytes)
    itemsize = property(tensor_more.itemsize)

    log2 = tensor_math.log2
    log10 = tensor_math.log10
    abs = tensor_math.abs
    absolute = abs
    neg = tensor_math.neg
    negative = neg
    sign = tensor_math.sign
    square = tensor_math.square
    relu = tensor_math.relu
    floor = tensor_math.floor
    ceil = tensor_math.ceil
    round = tensor_math.round
    trunc = tensor_math.trunc
    clamp = tensor_math.clamp
    clip = clamp
    clamp_min = tensor_math.clamp_min
    clamp_max = tensor_math.clamp_max
    maximum = tensor_math.maximum
    minimum = tensor_math.minimum
    where = tensor_math.where
    masked_fill = tensor_math.masked_fill
    masked_fill_ = tensor_inplace.masked_fill_
    isnan = tensor_math.isnan
    isfinite = tensor_math.isfinite
    isinf = tensor_math.isinf
    softmax = tensor_math.softmax
    log_softmax = tensor_math.log_softmax

    # ---------------------------------------------------------------- reductions
    sum = tensor_math.sum
    mean = tensor_math.mean
    prod = tensor_math.prod
    _extreme = tensor_math._extreme
    max = tensor_math.max
    min = tensor_math.min
    amax = tensor_math.amax
    amin = tensor_math.amin
    argmax = tensor_math.argmax
    argmin = tensor_math.argmin
    var = tensor_math.var
    std = tensor_math.std
    norm = tensor_math.norm
    logsumexp = tensor_math.logsumexp
    cumsum = tensor_math.cumsum
    all = tensor_math.all
    any = tensor_math.any

    # ---------------------------------------------------------------- shape
    reshape = tensor_layout.reshape
    view = reshape
    view_as = tensor_layout.view_as
    reshape_as = view_as
    permute = tensor_layout.permute
    transpose = tensor_layout.transpose
    swapaxes = transpose
    t = tensor_layout.t

    @property
    def T(self) -> Tensor:  # noqa: N802
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        return self.transpose(-2, -1)

    squeeze = tensor_layout.squeeze
    unsqueeze = tensor_layout.unsqueeze
    flatten = tensor_layout.flatten
    unflatten = tensor_layout.unflatten
    expand = tensor_layout.expand
    expand_as = tensor_layout.expand_as
    repeat = tensor_layout.repeat
    flip = tensor_layout.flip
    chunk = tensor_layout.chunk
    split = tensor_layout.split
    movedim = tensor_layout.movedim
    moveaxis = movedim
    tril = tensor_layout.tril
    triu = tensor_layout.triu
    unbind = tensor_layout.unbind

    # ---------------------------------------------------------------- indexing
    __getitem__ = tensor_indexing.getitem
    __setitem__ = tensor_indexing.setitem
    gather = tensor_indexing.gather
    scatter_add = tensor_indexing.scatter_add
    index_select = tensor_indexing.index_select
    multinomial = tensor_sorting.multinomial
    bincount = tensor_sorting.bincount
    nonzero = tensor_indexing.nonzero
    unique = tensor_sorting.unique
    cumprod = tensor_math.numpy_names(tensor_sorting.cumprod)
    sort = tensor_math.numpy_names(tensor_sorting.sort)
    argsort = tensor_math.numpy_names(tensor_sorting.argsort)
    topk = tensor_sorting.topk
    narrow = tensor_layout.narrow

    # ---------------------------------------------------------------- in place
    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    _inplace = tensor_inplace._inplace
    add_ = tensor_inplace.add_
    sub_ = tensor_inplace.sub_
    mul_ = tensor_inplace.mul_
    div_ = tensor_inplace.div_
    pow_ = tensor_inplace.pow_
    clamp_ = tensor_inplace.clamp_
    index_add = tensor_indexing.index_add
    index_add_ = tensor_indexing.index_add_
    neg_ = tensor_inplace.neg_
    exp_ = tensor_inplace.exp_
    sqrt_ = tensor_inplace.sqrt_
    relu_ = tensor_inplace.relu_
    zero_ = tensor_inplace.zero_
    fill_ = tensor_inplace.fill_
    copy_ = tensor_inplace.copy_
    addcmul_ = tensor_inplace.addcmul_
    addcdiv_ = tensor_inplace.addcdiv_
    lerp_ = tensor_inplace.lerp_
    uniform_ = tensor_inplace.uniform_
    normal_ = tensor_inplace.normal_

    # ---------------------------------------------------------------- products, logic, more
    dot = tensor_math.dot
    vdot = tensor_math.vdot
    inner = tensor_math.inner
    outer = tensor_math.outer
    ger = tensor_math.ger
    mv = tensor_math.mv
    addmm = tensor_math.addmm
    diagonal = tensor_math.diagonal
    diag = tensor_math.diag
    trace = tensor_math.trace
    inverse = linalg.inverse
    pinverse = linalg.pinverse
    det = linalg.det
    logdet = linalg.logdet
    slogdet = linalg.tensor_slogdet
    cholesky = linalg.tensor_cholesky
    svd = linalg.tensor_svd
    qr = linalg.tensor_qr
    matrix_power = linalg.matrix_power
    logical_and = tensor_math.logical_and
    logical_or = tensor_math.logical_or
    logical_xor = tensor_math.logical_xor
    logical_not = tensor_math.logical_not
    isclose = tensor_math.isclose
    lerp = tensor_math.lerp
    nan_to_num = tensor_math.nan_to_num
    count_nonzero = tensor_math.count_nonzero
    median = tensor_math.median
    broadcast_to = tensor_layout.broadcast_to
    tile = tensor_layout.tile
    roll = tensor_layout.roll
    repeat_interleave = tensor_layout.repeat_interleave
    fliplr = tensor_layout.fliplr
    flipud = tensor_layout.flipud
    take = tensor_indexing.take
    masked_select = tensor_indexing.masked_select
    diff = tensor_layout.diff
    stride = tensor_layout.stride

    # ---------------------------------------------------------------- new tensors, copies
    new_zeros = tensor_copies.new_zeros
    new_ones = tensor_copies.new_ones
    new_full = tensor_copies.new_full
    new_empty = tensor_copies.new_empty
    new_tensor = tensor_copies.new_tensor
    __deepcopy__ = tensor_copies.deepcopy
    pin_memory = tensor_copies.pin_memory
    is_pinned = tensor_copies.is_pinned

    def equal(self, other: Tensor) -> builtins.bool:
        return tuple(self.shape) == tuple(other.shape) and builtins.bool((self == other).all())

    def allclose(
        self, other: Tensor, rtol: builtins.float = 1e-5, atol: builtins.float = 1e-8
    ) -> builtins.bool:
        return builtins.bool(
            np.allclose(self._array().numpy(), other._array().numpy(), rtol=rtol, atol=atol)
        )


# ---------------------------------------------------------------------------------------
# helpers


def _to_device(t: Tensor, target: Device) -> Tensor:
    """A copy on ``target``; differentiable (the gradient travels back)."""
    return wrap(ops.device_put(t._value, target), (t,), "ToCopyBackward0")


for _name in tensor_more.INPLACE:  # x.tan_() … : self replaced by the method's result
    if hasattr(Tensor, _name) and not hasattr(Tensor, f"{_name}_"):
        setattr(Tensor, f"{_name}_", tensor_more.inplace(_name))


def _c_name(dtype: Any) -> str:
    """The C type name PyTorch's dtype errors use (float, double, long, …)."""
    names = {"float32": "float", "float64": "double", "float16": "c10::Half",
             "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
             "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
             "bool": "bool"}  # fmt: skip
    return names.get(str(dtype).replace("torch.", ""), str(dtype))
