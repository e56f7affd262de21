"""Shape ops: reshape, view, flatten, transpose/permute/swapaxes, squeeze/unsqueeze,
expand/broadcast_to, astype, clone.

All are linear maps P that only move elements, so the VJP is the adjoint move Pᵀ applied to
Ḡ (reshape back, inverse permutation, sum over broadcast axes), written once with methods
that ndarrays (plain backward) and Tensors (recorded backward) share.
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor, make_view
from .common import as_tensor, normalize_axis, pick_axis


def _sizes(args, op):
    """Sizes given as varargs or as one tuple/list → tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        return tuple(int(s) for s in args)
    except TypeError:
        raise TypeError(f"{op}: sizes must be ints, given as varargs or one tuple; got {args!r}.") from None


def _to_shape(ctx, a, shape, move, error):
    """move(A._array, shape) (numpy's reshape or broadcast_to), recording A's shape for the
    VJP as `ctx.in_shape`; numpy's ValueError is re-raised as `error`, a template with the
    fields shape (A's), size (A's element count) and target."""
    ctx.in_shape = a._array.shape
    try:
        return move(a._array, shape)
    except ValueError:
        raise ValueError(error.format(shape=a.shape, size=a._array.size, target=tuple(shape))) from None


class Reshape(Op):
    """Z = reshape(A, shape) (row-major, like numpy; one size may be −1).

    Args: a: Tensor; shape: tuple of ints with as many elements in total.
    Returns: Tensor of `shape` (a view of the data when numpy can make one).
    Raises: ValueError if the element counts differ.
    VJP: reshape is a bijection of positions, vec(Z) = vec(A) ⇒ Ā = reshape(Ḡ, A.shape).
    """
    name = "reshape"
    rule = "Ā = reshape(Ḡ, shape(A))"
    rule_latex = r"\bar A = \operatorname{reshape}(\bar G, \operatorname{shape}(A))"

    @staticmethod
    def forward(ctx, a, shape):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        return _to_shape(ctx, a, shape, np.reshape,
                         "reshape: cannot reshape a tensor of shape {shape} ({size} elements) into {target}; "
                         "expected the same number of elements.")

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        return (grad_out.reshape(ctx.in_shape),)


class Permute(Op):
    """Z = permute(A, axes): Z[i_{axes[0]}, …] = A[i_0, …] (numpy.transpose).

    Args: a: Tensor with n axes; axes: a permutation of range(n).
    Returns: Tensor (a view) with shape[k] = A.shape[axes[k]].
    Raises: ValueError if `axes` is not a permutation of the axes.
    VJP: permutation matrix P is orthogonal, Pᵀ = P⁻¹ ⇒ Ā = permute(Ḡ, argsort(axes)).
    """
    name = "permute"
    rule = "Ā = permute(Ḡ, axes⁻¹)"
    rule_latex = r"\bar A = \operatorname{permute}(\bar G, \sigma^{-1})"

    @staticmethod
    def forward(ctx, a, axes):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        ctx.axes = axes
        return a._array.transpose(axes)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        inverse = tuple(np.argsort(ctx.axes).tolist())
        # numpy spells permute `transpose(axes)`; Tensor.transpose is PyTorch's swap of two dims
        return (grad_out.transpose(inverse) if grad_out.__class__ is np.ndarray else grad_out.permute(inverse),)


class Expand(Op):
    """Z = broadcast_to(A, shape): repeat size-1 axes and prepend axes, like numpy.

    Args: a: Tensor; shape: target shape A broadcasts to (−1 keeps a size, PyTorch's expand).
    Returns: Tensor of `shape` (a read-only broadcast view).
    Raises: ValueError if A does not broadcast to `shape`.
    VJP: each output element copies one input element, so Ā sums Ḡ over the broadcast
        axes: Ā = unbroadcast(Ḡ, shape(A)) (the engine's shared helper).
    """
    name = "expand"
    rule = "Ā = Σ_broadcast axes Ḡ"
    rule_latex = r"\bar A = \textstyle\sum_{\text{bcast}} \bar G"

    @staticmethod
    def forward(ctx, a, shape):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        return _to_shape(ctx, a, shape, np.broadcast_to,
                         "expand: a tensor of shape {shape} cannot be broadcast to {target}; "
                         "expected sizes equal to the target's or 1.")

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        from ..engine import unbroadcast
        return (unbroadcast(grad_out, ctx.in_shape),)


class AsType(Op):
    """Z = A cast to another dtype (differentiable between floating dtypes).

    Args: a: Tensor; dtype: numpy dtype or name.
    Returns: Tensor of the same shape in `dtype` (a copy).
    VJP: the cast is the identity on values ⇒ Ā = Ḡ cast back to A's dtype.
    """
    name = "astype"
    rule = "Ā = cast(Ḡ, dtype(A))"
    rule_latex = r"\bar A = \operatorname{cast}(\bar G)"

    @staticmethod
    def forward(ctx, a, dtype):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        ctx.in_dtype = a._array.dtype
        return a._array.astype(dtype)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        return (grad_out.astype(ctx.in_dtype),)


class Clone(Op):
    """Z = A in new memory (PyTorch's clone): a copy that stays in the graph.

    Args: a: Tensor of any shape and dtype.
    Returns: Tensor of the same shape and dtype, owning a new array.
    VJP: the copy is the identity on values ⇒ Ā = Ḡ.
    """
    name = "clone"
    rule = "Ā = Ḡ"
    rule_latex = r"\bar A = \bar G"

    @staticmethod
    def forward(ctx, a):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        return a._array.copy()

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        return (grad_out,)


def reshape(a, *shape):
    """Reshape to `shape` (varargs or one tuple; one −1 allowed). See `Reshape`."""
    a = as_tensor(a)
    shape = _sizes(shape, "reshape")
    if shape == a._array.shape:
        return a
    out = Reshape.apply(a, shape=shape)
    if np.may_share_memory(out._array, a._array):  # numpy made a view: so is the tensor (PyTorch)
        make_view(out, a, (reshape, shape))
    return out


def view(a, *shape):
    """`reshape` that never copies, as PyTorch's ``view``: the result shares a's memory and
    version counter (in-place changes through either are seen by the other and by backward).

    Raises:
        RuntimeError: where numpy cannot view a's memory in `shape` (a's strides, e.g. after a
            transpose, do not allow it), as PyTorch; `reshape` copies instead.
        ValueError: if the element counts differ (see `reshape`).
    """
    a = as_tensor(a)
    out = reshape(a, *shape)
    if out is not a and out._base is None and a._array.size:
        raise RuntimeError(f"view: a tensor of shape {a.shape} and strides {a._array.strides} cannot be viewed as "
                           f"{out.shape} without copying; expected memory laid out for that shape. Hint: use "
                           f".reshape(...) (it copies where needed), or .contiguous() first.")
    return out


def flatten(a, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one (PyTorch's flatten). A 0-d tensor becomes (1,).

    Raises:
        ValueError: if the dims are out of range or start_dim > end_dim.
    """
    a = as_tensor(a)
    shape = a._array.shape
    if len(shape) == 0:
        return reshape(a, (1,))
    s, e = normalize_axis((start_dim, end_dim), len(shape), "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}; expected start_dim <= end_dim.")
    return reshape(a, shape[:s] + (int(np.prod(shape[s:e + 1], dtype=np.int64)),) + shape[e + 1:])


def permute(a, *axes):
    """Reorder the axes (varargs or one tuple), like numpy.transpose(a, axes). See `Permute`.

    Raises:
        ValueError: if `axes` is not a permutation of range(a.ndim).
    """
    a = as_tensor(a)
    axes = _sizes(axes, "permute")
    n = a._array.ndim
    if sorted(x % n if n else x for x in axes) != list(range(n)):
        raise ValueError(f"permute: axes {axes} are not a permutation of the {n} dims of a tensor of shape {a.shape}.")
    axes = tuple(x % n for x in axes)
    if axes == tuple(range(n)):
        return a
    return make_view(Permute.apply(a, axes=axes), a, (permute, axes))


def transpose(a, dim0=None, dim1=None):
    """Swap axes dim0 and dim1 (PyTorch); with no arguments reverse all axes (like `.T`).

    Raises:
        ValueError: if a dim is out of range or only one is given.
    """
    a = as_tensor(a)
    n = a._array.ndim
    if dim0 is None and dim1 is None:
        return permute(a, tuple(range(n - 1, -1, -1)))
    if dim0 is None or dim1 is None:
        raise ValueError("transpose: give both dim0 and dim1, or neither to reverse all axes.")
    d0, d1 = normalize_axis((dim0, dim1), n, "transpose")
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return permute(a, tuple(axes))


def swapaxes(a, axis0, axis1):
    """Alias of `transpose(a, axis0, axis1)` (numpy's name)."""
    return transpose(a, axis0, axis1)


def squeeze(a, axis=None, dim=None):
    """Remove size-1 axes (all, or those in `axis`/`dim`; a listed axis of size > 1 is kept,
    as in PyTorch)."""
    a = as_tensor(a)
    axis = pick_axis(axis, dim)
    shape = a._array.shape
    if axis is None:
        new = tuple(s for s in shape if s != 1)
    else:
        axes = normalize_axis(axis, len(shape), "squeeze")
        new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return reshape(a, new)


def unsqueeze(a, axis=None, dim=None):
    """Insert a size-1 axis at position `axis` (alias `dim`; negative counts from the end
    of the result, as in PyTorch).

    Raises:
        ValueError: if the position is out of range.
    """
    a = as_tensor(a)
    axis = pick_axis(axis, dim)
    n = a._array.ndim + 1
    if axis is None or not -n <= axis < n:
        raise ValueError(f"unsqueeze: dim {axis} is out of range for a result with {n} dims; expected -{n} <= dim < {n}.")
    axis %= n
    shape = a._array.shape
    return reshape(a, shape[:axis] + (1,) + shape[axis:])


def expand(a, *shape):
    """Broadcast to `shape` (varargs or tuple); −1 keeps the current size. See `Expand`."""
    a = as_tensor(a)
    shape = _sizes(shape, "expand")
    lead = len(shape) - a._array.ndim
    shape = tuple(a._array.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    if shape == a._array.shape:
        return a
    return make_view(Expand.apply(a, shape=shape), a, (expand, shape))


def broadcast_to(a, shape):
    """Broadcast to `shape` like numpy.broadcast_to. See `Expand`."""
    return expand(a, tuple(shape))


def astype(a, dtype):
    """Cast to `dtype` (a copy; differentiable between floating dtypes). See `AsType`."""
    a = as_tensor(a)
    dtype = np.dtype(dtype)
    if dtype == a._array.dtype:
        return a
    if a.requires_grad and dtype.kind != "f":
        return Tensor._make(a._array.astype(dtype), False, None)
    return AsType.apply(a, dtype=dtype)


def clone(a):
    """A copy of `a` in new memory that gradients flow back through (PyTorch's clone).

    Args:
        a: Tensor (or array-like) of any shape and dtype.

    Returns:
        Tensor: same shape, dtype and values; recorded (``grad_fn`` clone) when `a`
        requires grad. See `Clone`.
    """
    return Clone.apply(as_tensor(a))
