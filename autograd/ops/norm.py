"""Norms: the vector p-norm over axes (`Norm`), and numpy's induced matrix norms (ord ±1, ±inf
over two axes) composed of it and the max/min reductions.

`norm` handles `axis`/`dim`, `keepdims`/`keepdim` and Ḡ's shape as every reduction does, with
the helpers of `reduce`; its VJP is written once for ndarrays and Tensors in the same way (see
there): the signs, masks and tie shares are computed on ndarrays.
"""
import numpy as np

from ..function import Op
from .common import check_float
from .dispatch import where
from .reduce import Max, Min, _check_nonempty, _keep_axes, _kept, _reduce_args, _reduced_shape, _tie_share


class Norm(Op):
    """Vector p-norm over axes: z = (Σ_axes |A|^p)^(1/p) (numpy.linalg.norm / torch vector_norm).

    Args: a: floating Tensor; axis: tuple of axes or None (all entries, the Frobenius norm
        for p = 2); keepdims: bool; ord: p, a number or ±inf. p = inf: max |A|; p = −inf:
        min |A|; p = 0: the number of non-zero entries; p < 0 follows the formula (0 when an
        entry is 0).
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a.
    Raises: ValueError if an axis is out of range.
    VJP (s = sign(A), dz = ∂z/∂A · dA; subgradients as in PyTorch):
        p = 2:     dz = ⟨A, dA⟩ / z                  ⇒ Ā = Ḡ ⊙ A / z   (0 where z = 0)
        p = 1:     dz = ⟨s, dA⟩                      ⇒ Ā = Ḡ ⊙ s       (abs′(0) = 0)
        p = ±inf:  z = |A_k| for the extreme k        ⇒ Ā = Ḡ ⊙ s ⊙ 1[|A| = z] / #ties
        p = 0:     piecewise constant                 ⇒ Ā = 0
        other p:   dz = z^(1−p) ⟨s ⊙ |A|^(p−1), dA⟩  ⇒ Ā = Ḡ ⊙ s ⊙ |A|^(p−1) ⊙ z^(1−p)
                   (0 where z = 0; for p < 1 also 0 where A = 0).
    """
    name = "norm"
    rule = "Ā = Ḡ ⊙ sign(A) ⊙ |A|^(p−1) / Z^(p−1)  (p = 2: Ḡ ⊙ A / Z)"
    rule_latex = r"\bar A = \bar G \odot \operatorname{sign}(A) \odot |A|^{p-1} / Z^{p-1}"

    @staticmethod
    def forward(ctx, a, axis, keepdims, ord):
        """Compute the Norm output on the inputs' ndarrays (see the class docstring)."""
        _keep_axes(ctx, a, axis, keepdims)
        ctx.ord = ord
        x = a._array
        if ord == 2:
            if axis is None and not keepdims:
                flat = x.reshape(-1)
                out = np.sqrt(np.dot(flat, flat))
            else:
                out = np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
        elif ord == 1:
            out = np.sum(np.abs(x), axis=axis, keepdims=keepdims)
        elif ord == np.inf:
            out = np.amax(np.abs(x), axis=axis, keepdims=keepdims)
        elif ord == -np.inf:
            out = np.amin(np.abs(x), axis=axis, keepdims=keepdims)
        elif ord == 0:
            out = np.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(np.abs(x) ** np.asarray(ord, x.dtype), axis=axis, keepdims=keepdims)
                out = out ** np.asarray(1.0 / ord, x.dtype)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Norm from Ḡ = grad_out, by the VJP above."""
        a, out = ctx.saved
        p = ctx.ord
        x = np.asarray(a)  # for the piecewise-constant factors only (signs, masks, ties)
        if p == 0:
            return (np.zeros(x.shape, dtype=x.dtype),)  # a constant adjoint
        g = _kept(ctx, grad_out)
        sign = np.sign(x)
        if p == 1:
            return (g * sign,)
        z = _kept(ctx, out)
        if p == np.inf or p == -np.inf:
            return (g * (sign * _tie_share(np.abs(x) == np.asarray(z), ctx.axis, x.dtype)),)
        mag = a * sign  # |A|, differentiated too under create_graph
        if p < 1:  # |A|^(p−1) is infinite at A = 0, where the subgradient 0 is used
            at_zero = x == 0
            if at_zero.any():
                mag = where(at_zero, 1.0, mag)
            return ((g * z ** (1.0 - p)) * (mag ** (p - 1.0) * sign),)
        zero_norm = np.asarray(z) == 0
        if zero_norm.any():  # then A = 0 on those slices: the subgradient 0
            z = where(zero_norm, 1.0, z)
        if p == 2:
            return ((g / z) * a,)
        return ((g / z ** (p - 1.0)) * (mag ** (p - 1.0) * sign),)


_MATRIX_ORDS = (1.0, -1.0, np.inf, -np.inf)


def norm(a, ord=2, axis=None, keepdims=False, *, dim=None, keepdim=False, p=None):
    """Vector or matrix norm following `numpy.linalg.norm` (Frobenius by default for matrices).

    Args:
        a: floating Tensor.
        ord: the order (alias `p`, PyTorch's name). For vectors (1-D input with axis=None,
            an int axis, or a tuple of more than two axes): any number, ±inf (max/min |a|),
            0 (count of non-zeros). 2, None and 'fro' give the 2-norm of the entries, which
            is the Frobenius norm for a matrix (axis=None on 2-D input or a 2-tuple axis).
            With a matrix, ord 1 / −1 is the max / min absolute column sum and ±inf the max
            / min absolute row sum, as in numpy. Other orders with axis=None on an input of 2
            or more axes use all entries as one vector (like ``Tensor.norm`` in PyTorch).
        axis: None, int or tuple of ints (alias `dim`).
        keepdims (bool): keep the reduced axes as size 1 (alias `keepdim`).

    Returns:
        Tensor of the reduced shape, dtype of a. The gradient at a = 0 is 0 (PyTorch's
        subgradient); ties of the ±inf norms share the gradient equally.

    Raises:
        ValueError: for an axis out of range or repeated, or an unsupported ord ('nuc', the
            spectral norm).
        TypeError: for a non-floating tensor or a non-numeric ord.

    See `Norm` for the VJP.
    """
    if p is not None:
        ord = p
    a, axes, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "norm")
    check_float("norm", a)
    if ord is None or (isinstance(ord, str) and ord == "fro"):
        ord = 2.0
    elif isinstance(ord, str):
        raise ValueError(f"norm: unsupported ord {ord!r}; expected a number, inf, -inf or 'fro'.")
    elif isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: ord must be a number or 'fro'; got {type(ord).__name__}, expected e.g. 1, 2 or inf.")
    ord = float(ord)
    matrix = None
    if axes is None and a._array.ndim == 2 and ord in _MATRIX_ORDS:
        matrix = (0, 1)
    elif axes is not None and len(axes) == 2 and ord in _MATRIX_ORDS:
        matrix = axes
    if matrix is None:
        return Norm.apply(a, axis=axes, keepdims=keep, ord=ord)
    # numpy's induced matrix norms: ord ±1 reduce rows first (column sums), ord ±inf columns
    row, col = matrix
    if ord in (np.inf, -np.inf):
        row, col = col, row
    sums = Norm.apply(a, axis=(row,), keepdims=True, ord=1.0)
    _check_nonempty(sums, (col,), "norm")
    out = (Max if ord > 0 else Min).apply(sums, axis=(col,), keepdims=True)
    if keep:
        return out
    return out.reshape(_reduced_shape(a._array.shape, matrix))
