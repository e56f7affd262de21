"""Network ops: softmax, log_softmax (stable, along one axis) and the fused affine map `linear`.

The same function objects are re-exported by `nn.functional`. Each fused op has one VJP body
(one body): products and axis sums that run on ndarrays in a plain backward and on
Tensors, recorded, under ``create_graph`` — the second derivative is that body differentiated.
"""
import numpy as np

from ..function import Op
from .common import as_tensor, normalize_axis

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)  # builtin dtypes: singletons, compared by identity


class Softmax(Op):
    """P = softmax(A) along one axis: P_i = exp(A_i − m) / Σ_j exp(A_j − m), m = max_j A_j.

    Args: a: floating Tensor of any shape; axis: int (normalized, non-negative).
    Returns: Tensor of a's shape and dtype; entries in [0, 1] summing to 1 along `axis`.
        The max shift keeps huge inputs (±1000) finite; a slice of all −inf gives NaN
        and an empty input (a zero-length axis) an empty result (as in PyTorch).
    VJP (per slice p = softmax(a), Jacobian J = diag(p) − p pᵀ, symmetric):
        dp = (diag(p) − p pᵀ) da ⇒ ā = Jᵀ ḡ = p ⊙ ḡ − p ⟨p, ḡ⟩ = p ⊙ (ḡ − ⟨ḡ, p⟩)
        (uses the saved output P; ⟨ḡ, p⟩ is a sum along `axis` with keepdims).
    """
    name = "softmax"
    rule = "Ā = P ⊙ (Ḡ − Σ_axis(Ḡ ⊙ P))"
    rule_latex = r"\bar A = P \odot \left(\bar G - \langle \bar G, P \rangle\right)"

    @staticmethod
    def forward(ctx, a, axis):
        """Compute the Softmax output on the inputs' ndarrays (see the class docstring)."""
        x = a._array
        ctx.axis = axis
        if x.size == 0:  # e.g. a zero-length axis (np.amax has no identity): empty, as PyTorch
            e = x.copy()
        else:
            e = np.asarray(x - np.amax(x, axis=axis, keepdims=True))  # 0-d: keep an ndarray
            np.exp(e, out=e)
            e /= np.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Softmax from Ḡ = grad_out, by the VJP above (the one body: numpy
        on ndarrays in a plain backward, recorded Tensor ops under create_graph)."""
        (p,) = ctx.saved
        gp = grad_out * p
        gp -= p * gp.sum(axis=ctx.axis, keepdims=True)  # gp is a fresh product: in place is safe
        return (gp,)


class LogSoftmax(Op):
    """Z = log_softmax(A) along one axis: Z = A − m − log Σ_j exp(A_j − m), m = max_j A_j.

    Args: a: floating Tensor of any shape; axis: int (normalized, non-negative).
    Returns: Tensor of a's shape and dtype (log-probabilities ≤ 0); finite for ±1000; empty
        for an empty input (a zero-length axis), as in PyTorch.
    VJP (per slice z = a − lse(a), d lse = ⟨softmax(a), da⟩):
        dz = da − 1 ⟨p, da⟩ with p = exp(z) ⇒ ā = ḡ − p (1ᵀ ḡ) = Ḡ − exp(Z) ⊙ Σ_axis Ḡ
        (uses the saved output Z).
    """
    name = "log_softmax"
    rule = "Ā = Ḡ − exp(Z) ⊙ Σ_axis Ḡ"
    rule_latex = r"\bar A = \bar G - e^{Z} \odot \textstyle\sum_{\mathrm{axis}} \bar G"

    @staticmethod
    def forward(ctx, a, axis):
        """Compute the LogSoftmax output on the inputs' ndarrays (see the class docstring)."""
        x = a._array
        ctx.axis = axis
        if x.size == 0:  # e.g. a zero-length axis (np.amax has no identity): empty, as PyTorch
            out = x.copy()
        else:
            out = np.asarray(x - np.amax(x, axis=axis, keepdims=True))  # 0-d: keep an ndarray
            out -= np.log(np.sum(np.exp(out), axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of LogSoftmax from Ḡ = grad_out, by the VJP above."""
        (z,) = ctx.saved
        return (grad_out - np.exp(z) * grad_out.sum(axis=ctx.axis, keepdims=True),)


class Linear(Op):
    """Fused affine map Z = X Wᵀ + 1 bᵀ (PyTorch layout: weight is (out, in)).

    Args: x (*, in) with any number of leading axes (also none: (in,)); weight (out, in);
        bias (out,) or absent; one floating dtype.
    Returns: (*, out), dtype of x.
    Raises: (from `linear`) ValueError if x.shape[-1] != weight.shape[1] or bias.shape != (out,);
        TypeError if the dtypes differ or are not floating.
    VJP (Ḡ = Z̄ with the leading axes of X flattened into N rows, dL = tr(Ḡᵀ dZ)):
        dZ = dX Wᵀ + X dWᵀ + 1 dbᵀ
        tr(Ḡᵀ dX Wᵀ) = tr((Ḡ W)ᵀ dX)    ⇒ X̄ = Ḡ W
        tr(Ḡᵀ X dWᵀ) = tr((Ḡᵀ X)ᵀ dW)   ⇒ W̄ = Ḡᵀ X   (an outer product ḡ xᵀ for 1-D x)
        tr(Ḡᵀ 1 dbᵀ) = (Ḡᵀ 1)ᵀ db       ⇒ b̄ = Ḡᵀ 1   (Ḡ summed over the leading axes)
    Reference: tr(AB) = tr(BA), tr(Aᵀ B) = ⟨A, B⟩_F.
    """
    name = "linear"
    rule = "X̄ = Ḡ W,  W̄ = Ḡᵀ X,  b̄ = Ḡᵀ 1"
    rule_latex = r"\bar X = \bar G W,\; \bar W = \bar G^\top X,\; \bar b = \bar G^\top \mathbf{1}"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        """Compute the Linear output on the inputs' ndarrays (see the class docstring)."""
        ctx.save_for_backward(x, weight)
        out = x._array @ weight._array.T
        if bias is not None:
            out += bias._array
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints of Linear from Ḡ = grad_out, by the VJP above (matrix products and
        a sum, shared by ndarrays and Tensors)."""
        x, weight = ctx.saved
        needs = ctx.needs_input_grad
        g = grad_out
        if g.__class__ is np.ndarray and not g.flags.c_contiguous:
            # e.g. the stride-0 broadcast from sum's VJP: copied once so the products below
            # run on BLAS's fast path
            g = np.ascontiguousarray(g)
        gx = g @ weight if needs[0] else None
        gw = None
        if needs[1]:
            nd = x.ndim
            if nd == 2:
                gw = g.T @ x
            elif nd == 1:  # the outer product ḡ xᵀ
                gw = g.reshape(-1, 1) @ x.reshape(1, -1)
            else:  # the leading axes flattened into rows
                gw = g.reshape(-1, g.shape[-1]).T @ x.reshape(-1, x.shape[-1])
        if len(needs) == 2:
            return gx, gw
        gb = None
        if needs[2]:
            nd = g.ndim
            gb = g if nd == 1 else g.sum(axis=0 if nd == 2 else tuple(range(nd - 1)))
        return gx, gw, gb


def _softmax_axis(a, axis, dim, op):
    a = as_tensor(a)
    if a._array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating dtype; got {a._array.dtype.name}, expected float32 or float64.")
    ax = axis if dim is None or axis == dim else dim
    if dim is not None and axis not in (-1, dim):
        raise TypeError(f"{op}: got both axis={axis} and dim={dim}; expected one of them.")
    if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int; got {type(ax).__name__}, expected one axis such as -1.")
    ax = normalize_axis(ax, a._array.ndim, op)[0]
    return a, (None if a._array.ndim == 0 else ax)


def softmax(x, axis=-1, *, dim=None):
    """Softmax along `axis` (alias `dim`; default the last axis), computed stably.

    Args:
        x: floating Tensor of any shape (float32 stays float32).
        axis (int): the axis whose entries become probabilities.

    Returns:
        Tensor of x's shape and dtype, non-negative and summing to 1 along `axis`.

    Raises:
        ValueError: if `axis` is out of range.
        TypeError: if x is not floating or `axis` is not an int.

    See `Softmax` for the max shift and the VJP.
    """
    x, ax = _softmax_axis(x, axis, dim, "softmax")
    return Softmax.apply(x, axis=ax)


def log_softmax(x, axis=-1, *, dim=None):
    """Log of the softmax along `axis` (alias `dim`; default the last axis), computed stably.

    Args:
        x: floating Tensor of any shape (float32 stays float32).
        axis (int): the normalized axis.

    Returns:
        Tensor of x's shape and dtype (log-probabilities), finite for huge inputs.

    Raises:
        ValueError: if `axis` is out of range.
        TypeError: if x is not floating or `axis` is not an int.

    See `LogSoftmax` for the VJP.
    """
    x, ax = _softmax_axis(x, axis, dim, "log_softmax")
    return LogSoftmax.apply(x, axis=ax)


def linear(x, weight, bias=None):
    """Fused affine map x Wᵀ + b, PyTorch's `F.linear`.

    Args:
        x: floating Tensor (*, in): any number of leading axes, or a single vector (in,).
        weight: Tensor (out, in), the same dtype.
        bias: Tensor (out,) or None.

    Returns:
        Tensor (*, out) of x's dtype.

    Raises:
        ValueError: if weight is not 2-D, x is 0-d, x.shape[-1] != weight.shape[1] or
            bias.shape != (out,).
        TypeError: if the dtypes are not floating or differ.

    See `Linear` for the VJP.
    """
    x = as_tensor(x)
    weight = as_tensor(weight)
    xd, wd = x._array, weight._array
    dt = xd.dtype
    if bias is None:
        if wd.dtype is not dt or (dt is not _F32 and dt is not _F64):  # fast path: one native float dtype
            _check_linear_dtypes(dt, wd.dtype)
    else:
        bias = as_tensor(bias)
        if wd.dtype is not dt or bias._array.dtype is not dt or (dt is not _F32 and dt is not _F64):
            _check_linear_dtypes(dt, wd.dtype, bias._array.dtype)
    ws = wd.shape
    if len(ws) != 2:
        raise ValueError(f"linear: weight must be 2-D (out, in); got shape {ws}, expected 2 dims.")
    xs = xd.shape
    if not xs:
        raise ValueError(f"linear: x must have at least 1 dim (*, in); got shape {xs}, expected (*, {ws[1]}).")
    if xs[-1] != ws[1]:
        raise ValueError(f"linear: x.shape[-1] must equal weight.shape[1]; got x {xs}, weight {ws}.")
    if bias is None:
        return Linear.apply(x, weight)
    bs = bias._array.shape
    if len(bs) != 1 or bs[0] != ws[0]:
        raise ValueError(f"linear: bias must have shape (out,); got bias {bs}, "
                         f"expected {(ws[0],)} for weight {ws}.")
    return Linear.apply(x, weight, bias)


def _check_linear_dtypes(*dtypes):
    """Raise `linear`'s TypeError unless the dtypes are one floating dtype (the slow check)."""
    if any(d.kind != "f" for d in dtypes) or any(d != dtypes[0] for d in dtypes):
        raise TypeError(f"linear: x, weight and bias must share one floating dtype; got "
                        f"{', '.join(d.name for d in dtypes)}, expected one floating dtype.")
