"""Reductions over axes: sum, mean (… the family grows here).

Every reduction takes `axis` (int, tuple or None for all; alias `dim`) and `keepdims`
(alias `keepdim`). Their VJPs first re-insert the reduced axes as size 1
(`common.expand_reduced`) so that Ḡ broadcasts against the input.
"""
import numpy as np

from ..function import Function
from .common import as_tensor, expand_reduced, normalize_axis, pick_axis


class Sum(Function):
    """z = Σ_axes A.

    Args: a: Tensor; axis: int, tuple or None (all); keepdims: bool.
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a.
    Raises: ValueError if an axis is out of range.
    VJP: dz = Σ dA = ⟨1, dA⟩ per output element ⇒ Ā = Ḡ broadcast over the summed axes
        (Ḡ reshaped with the reduced axes as size 1, then broadcast to shape(A)).
    """
    name = "sum"
    rule = "Ā = broadcast(Ḡ, shape(A))"
    rule_latex = r"\bar A = \bar G \mathbf{1}^\top \text{ (broadcast)}"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.in_shape = a.data.shape
        ctx.axis = axis
        ctx.keepdims = keepdims
        return np.sum(a.data, axis=axis, keepdims=keepdims)

    @staticmethod
    def vjp(ctx, grad_out):
        g = expand_reduced(grad_out, ctx.in_shape, ctx.axis, ctx.keepdims)
        return (g.broadcast_to(ctx.in_shape),)


class Mean(Function):
    """z = (1/n) Σ_axes A, n = number of elements reduced.

    Args: a: Tensor (floating); axis: int, tuple or None (all); keepdims: bool.
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a.
    Raises: ValueError if an axis is out of range.
    VJP: dz = (1/n) ⟨1, dA⟩ ⇒ Ā = Ḡ / n broadcast over the reduced axes.
    """
    name = "mean"
    rule = "Ā = broadcast(Ḡ, shape(A)) / n"
    rule_latex = r"\bar A = \tfrac{1}{n} \bar G \mathbf{1}^\top"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.in_shape = a.data.shape
        ctx.axis = axis
        ctx.keepdims = keepdims
        out = np.mean(a.data, axis=axis, keepdims=keepdims)
        ctx.count = a.data.size // max(out.size, 1) if a.data.size else 0
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        g = expand_reduced(grad_out, ctx.in_shape, ctx.axis, ctx.keepdims)
        return ((g / ctx.count).broadcast_to(ctx.in_shape),)


def _reduce_args(a, axis, dim, keepdims, keepdim, op):
    a = as_tensor(a)
    axis = normalize_axis(pick_axis(axis, dim), a.data.ndim, op)
    keep = bool(keepdims or keepdim)
    return a, axis, keep


def sum(a, axis=None, keepdims=False, *, dim=None, keepdim=False):
    """Sum over `axis` (alias `dim`; int, tuple or None for all), keeping the reduced axes
    as size 1 when `keepdims` (alias `keepdim`). See `Sum`."""
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "sum")
    return Sum.apply(a, axis=axis, keepdims=keep)


def mean(a, axis=None, keepdims=False, *, dim=None, keepdim=False):
    """Arithmetic mean over `axis` (alias `dim`), `keepdims` (alias `keepdim`). See `Mean`.

    Raises:
        TypeError: for integer tensors (use astype first).
    """
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "mean")
    if a.data.dtype.kind not in "fc":
        raise TypeError(f"mean: expected a floating dtype; got {a.data.dtype.name}. Hint: cast with astype('float32').")
    return Mean.apply(a, axis=axis, keepdims=keep)
