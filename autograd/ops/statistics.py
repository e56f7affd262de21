"""Statistics over axes: var and std, with PyTorch's `correction` (alias ddof, unbiased).

They take `axis`/`dim` and `keepdims`/`keepdim` and reshape Ḡ to broadcast against the input
as every reduction does, with the helpers of `reduce`; their VJPs are written once for
ndarrays and Tensors in the same way (see there).
"""
import warnings

import numpy as np

from ..function import Op
from .common import check_float
from .dispatch import where
from .reduce import _count, _keep_axes, _kept, _reduce_args


def _centered(ctx, x):
    """x − mean(x) over the reduced axes (var/std VJPs): a fresh ndarray or Tensor."""
    return x - x.mean(axis=ctx.axis, keepdims=True)


def _inv_dof(c, dof, dtype):
    """c / (n − correction) as a 0-d array of `dtype`; inf when n − correction ≤ 0."""
    return np.asarray(c / dof if dof > 0 else np.inf, dtype=dtype)


def _stat_forward(np_fn, ctx, a, axis, keepdims, correction):
    """The forward of var and std: ``np_fn(..., ddof=correction)``; records ctx.dof = n − c.
    Where n − c ≤ 0 numpy's divide warnings are silenced (the value is inf or NaN)."""
    _keep_axes(ctx, a, axis, keepdims)
    ctx.dof = _count(a._array.shape, axis) - correction
    if ctx.dof > 0:
        return np_fn(a._array, axis=axis, ddof=correction, keepdims=keepdims)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np_fn(a._array, axis=axis, ddof=correction, keepdims=keepdims)


class Var(Op):
    """z = Σ_axes (A − mean(A))² / max(n − c, 0), c = `correction` (PyTorch's var).

    Args: a: floating Tensor; axis: int, tuple or None (all); keepdims: bool;
        correction: number c (1: unbiased, 0: population variance).
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a. Where
        n − c ≤ 0 the value is inf (or NaN for 0/0), as in PyTorch and numpy.
    Raises: ValueError if an axis is out of range.
    VJP (C = A − mean(A) sums to 0 along the axes, so ⟨C, mean(dA)⟩ = 0):
        dz = 2 ⟨C, dA − mean(dA)⟩ / (n − c) = 2 ⟨C, dA⟩ / (n − c)
        ⇒ Ā = 2 Ḡ ⊙ (A − mean(A)) / (n − c)   (Ḡ broadcast over the reduced axes).
    """
    name = "var"
    rule = "Ā = 2 Ḡ ⊙ (A − mean(A)) / (n − c)"
    rule_latex = r"\bar A = \tfrac{2}{n - c}\, \bar G \odot (A - \bar{A}_{\mathrm{mean}})"

    @staticmethod
    def forward(ctx, a, axis, keepdims, correction):
        """Compute the Var output on the inputs' ndarrays (see the class docstring)."""
        ctx.save_for_backward(a)
        return _stat_forward(np.var, ctx, a, axis, keepdims, correction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Var from Ḡ = grad_out, by the VJP above."""
        (a,) = ctx.saved
        out = _centered(ctx, a)  # differentiated too under create_graph: mean(A) depends on A
        out *= _kept(ctx, grad_out) * _inv_dof(2.0, ctx.dof, a.dtype)
        return (out,)


class Std(Op):
    """z = sqrt(var(A, axis, correction)) (PyTorch's std; see `Var`).

    Args: a: floating Tensor; axis: int, tuple or None (all); keepdims: bool; correction: c.
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a.
    Raises: ValueError if an axis is out of range.
    VJP (z² = v, so 2 z dz = dv):
        dz = dv / (2z) = ⟨A − mean(A), dA⟩ / ((n − c) z)
        ⇒ Ā = Ḡ ⊙ (A − mean(A)) / ((n − c) z); where z = 0 the subgradient 0 is used
        (all entries equal), as in PyTorch.
    """
    name = "std"
    rule = "Ā = Ḡ ⊙ (A − mean(A)) / ((n − c) Z)"
    rule_latex = r"\bar A = \frac{\bar G \odot (A - \bar{A}_{\mathrm{mean}})}{(n - c)\, Z}"

    @staticmethod
    def forward(ctx, a, axis, keepdims, correction):
        """Compute the Std output on the inputs' ndarrays (see the class docstring)."""
        out = np.asarray(_stat_forward(np.std, ctx, a, axis, keepdims, correction))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Std from Ḡ = grad_out, by the VJP above."""
        a, out = ctx.saved
        g = _kept(ctx, grad_out)
        z = _kept(ctx, out)
        zero = np.asarray(z) == 0
        if zero.any():  # the subgradient 0; z → 1 there first, so Ḡ / z (and its derivative) stays finite
            z = where(zero, 1.0, z)
            g = where(zero, 0.0, g)
        res = _centered(ctx, a)
        res *= (g / z) * _inv_dof(1.0, ctx.dof, a.dtype)
        return (res,)


def _pick_correction(op, correction, ddof, unbiased):
    """Resolve `correction` and its spellings `ddof` (numpy) and `unbiased` (old PyTorch)."""
    if ddof is not None:
        correction = ddof
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: correction must be a number; got {type(correction).__name__}, "
                        f"expected an int such as 0 or 1.")
    return correction


def _stat(cls, a, axis, keepdims, correction, dim, keepdim, ddof, unbiased, out, dtype):
    """`var` and `std` (``cls`` Var or Std) after their shared argument checks."""
    op = cls.name
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, op, out, dtype)
    check_float(op, a)
    c = _pick_correction(op, correction, ddof, unbiased)
    return cls.apply(a, axis=axis, keepdims=keep, correction=c)


def var(a, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=False, ddof=None, unbiased=None,
        out=None, dtype=None):
    """Variance over `axis` (alias `dim`; default all axes) with Bessel-style `correction`.

    Args:
        a: floating Tensor of any shape.
        axis: int, tuple of ints or None (all axes).
        keepdims (bool): keep the reduced axes as size 1 (alias `keepdim`).
        correction: c in Σ (A − mean)² / (n − c); 1 (default) is the unbiased estimate,
            0 the population variance. `ddof=` (numpy) and `unbiased=` (bool) are accepted.

    Returns:
        Tensor of the reduced shape, dtype of a; inf or NaN where n − c ≤ 0, as in PyTorch.

    Raises:
        ValueError: if an axis is out of range or repeated.
        TypeError: for a non-floating tensor or a non-numeric correction.

    See `Var` for the VJP.
    """
    return _stat(Var, a, axis, keepdims, correction, dim, keepdim, ddof, unbiased, out, dtype)


def std(a, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=False, ddof=None, unbiased=None,
        out=None, dtype=None):
    """Standard deviation sqrt(var) over `axis` (alias `dim`) with `correction` (default 1).

    Args, Returns and Raises as in `var`; the gradient where std = 0 is 0 (see `Std`).
    """
    return _stat(Std, a, axis, keepdims, correction, dim, keepdim, ddof, unbiased, out, dtype)
