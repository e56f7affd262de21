"""Reductions over axes: sum, mean, max, min, prod, logsumexp; the scan cumsum; argmax,
argmin, all and any (no gradient). The statistics var and std are in `statistics`, the norms
in `norm`; both use the argument handling and VJP helpers defined here.

Every reduction takes `axis` (int, tuple or None for all; alias `dim`) and `keepdims`
(alias `keepdim`). Their VJPs first re-insert the reduced axes as size 1
(`common.expand_reduced`) so that Ḡ broadcasts against the input. A 0-d input is reduced
over "all axes" whatever axis (0 or −1) is given, as in PyTorch.

Each VJP is written once with numpy ufuncs, operators and methods that
ndarrays and Tensors share, plus `dispatch.where`/`dispatch.broadcast_to`: it runs on ndarrays
in a plain backward and records itself on Tensors under ``create_graph``, so second
derivatives come from differentiating the same body. Masks, signs and tie shares are
piecewise constant and are computed on ndarrays (``np.asarray``) in both cases.
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor
from .common import as_tensor, check_float, check_no_out, expand_reduced, normalize_axis, pick_axis
from .compare import maximum, minimum
from .dispatch import broadcast_to, where


def _keep_axes(ctx, a, axis, keepdims):
    """Record what every reduction's VJP needs: the input shape, the axes and keepdims."""
    ctx.in_shape = a._array.shape
    ctx.axis = axis
    ctx.keepdims = keepdims


def _count(in_shape, axis):
    """Number of elements reduced into each output element (n of the formulas)."""
    if axis is None:
        return int(np.prod(in_shape, dtype=np.int64))
    n = 1
    for ax in axis:
        n *= in_shape[ax]
    return n


def _kept(ctx, x):
    """A reduced ndarray or Tensor reshaped so it broadcasts against the input (the reduced
    axes as size 1; `common.expand_reduced`)."""
    return expand_reduced(x, ctx.in_shape, ctx.axis, ctx.keepdims)


def _reduced_shape(shape, axis):
    """`shape` with the axes in `axis` removed (all of them for None)."""
    return () if axis is None else tuple(n for i, n in enumerate(shape) if i not in axis)


def _tie_share(mask, axis, dtype):
    """1[mask] / (entries of mask per reduced slice): an extreme's gradient split over its ties."""
    share = np.asarray(mask.astype(dtype))
    with np.errstate(invalid="ignore"):  # a NaN extreme matches nothing: NaN gradient, as in PyTorch
        share /= np.sum(mask, axis=axis, keepdims=True)
    return share


def _forward_saving_output(np_fn, op):
    """The forward of max, min and prod: ``np_fn`` over the axes; saves the input and output."""
    def forward(ctx, a, axis, keepdims):
        _keep_axes(ctx, a, axis, keepdims)
        out = np.asarray(np_fn(a._array, axis=axis, keepdims=keepdims))
        ctx.save_for_backward(a, out)
        return out
    forward.__doc__ = f"Compute the {op} output on the inputs' ndarrays (see the class docstring)."
    return staticmethod(forward)


class Sum(Op):
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
        """Compute the Sum output on the inputs' ndarrays (see the class docstring)."""
        _keep_axes(ctx, a, axis, keepdims)
        return np.sum(a._array, axis=axis, keepdims=keepdims)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Sum from Ḡ = grad_out, by the VJP above (a broadcast view of Ḡ
        in a plain backward)."""
        return (broadcast_to(_kept(ctx, grad_out), ctx.in_shape),)


class Mean(Op):
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
        """Compute the Mean output on the inputs' ndarrays (see the class docstring)."""
        _keep_axes(ctx, a, axis, keepdims)
        out = np.mean(a._array, axis=axis, keepdims=keepdims)
        ctx.count = a._array.size // (out.size or 1) if a._array.size else 0
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Mean from Ḡ = grad_out, by the VJP above (Ḡ / n, broadcast)."""
        return (broadcast_to(_kept(ctx, grad_out) / ctx.count, ctx.in_shape),)


_EXTREME_RULE = "Ā = Ḡ ⊙ 1[A = Z] / #ties"
_EXTREME_RULE_LATEX = r"\bar A = \bar G \odot \mathbb{1}[A = Z] / \#\mathrm{ties}"


def _extreme_vjp(ctx, grad_out):
    """Shared VJP of max/min: Ḡ split equally among the entries equal to the extreme (the
    share is piecewise constant: its derivative is zero)."""
    a, out = ctx.saved
    share = _tie_share(np.asarray(a) == np.asarray(_kept(ctx, out)), ctx.axis, a.dtype)
    return (_kept(ctx, grad_out) * share,)


class Max(Op):
    """z = max_axes A (values only, like numpy.amax and torch.amax).

    Args: a: Tensor; axis: int, tuple or None (all); keepdims: bool.
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a.
    Raises: ValueError if an axis is out of range or the reduced axes are empty.
    VJP: on a region where the maximizers S = {i : A_i = z} stay fixed, z = (1/|S|) Σ_{i∈S} A_i,
        so dz = ⟨1_S / |S|, dA⟩ ⇒ Ā = Ḡ ⊙ 1[A = z] / |S|: ties split the gradient EQUALLY
        (PyTorch's amax subgradient; its value is the average of the tied entries' one-sided
        derivatives).
    """
    name = "max"
    rule = _EXTREME_RULE
    rule_latex = _EXTREME_RULE_LATEX

    forward = _forward_saving_output(np.amax, "Max")
    vjp = staticmethod(_extreme_vjp)


class Min(Op):
    """z = min_axes A (values only, like numpy.amin and torch.amin).

    Args, Returns and Raises as in `Max` (same arguments, shapes, dtype and errors).
    VJP: as for `Max` with S = {i : A_i = z}: Ā = Ḡ ⊙ 1[A = z] / |S| (ties split equally).
    """
    name = "min"
    rule = _EXTREME_RULE
    rule_latex = _EXTREME_RULE_LATEX

    forward = _forward_saving_output(np.amin, "Min")
    vjp = staticmethod(_extreme_vjp)


class Prod(Op):
    """z = Π_axes A.

    Args: a: Tensor; axis: int, tuple or None (all); keepdims: bool.
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a.
    Raises: ValueError if an axis is out of range.
    VJP: z is multilinear, ∂z/∂A_i = Π_{j≠i} A_j, so Ā_i = Ḡ · Π_{j≠i} A_j. Per reduced slice:
        * no zero: Π_{j≠i} A_j = z / A_i                           ⇒ Ā = Ḡ ⊙ Z ⊘ A
        * one zero at k: Π_{j≠i} A_j = 0 for i ≠ k (the factor A_k stays), and at k it is
          P = Π_{j≠k} A_j, the product of the non-zero entries     ⇒ Ā_k = Ḡ P, Ā_i = Ḡ · z / A_i = 0
        * two or more zeros: every Π_{j≠i} A_j contains a zero     ⇒ Ā = 0
        Written as one formula with A' = where(A = 0, 1, A) and P = Π_axes A':
        Ā = Ḡ ⊙ where(A = 0, P ⊙ (1[#zeros = 1] + 1[#zeros = 2] (Σ_zeros A − A)), Z ⊘ A').
        The term Σ_zeros A − A equals the other zero A_k (value 0, slope 1 in A_k), so
        differentiating the formula gives exact second derivatives (double backward).
    """
    name = "prod"
    rule = "Ā = Ḡ ⊙ Z ⊘ A  (Π_{j≠i} A_j where A has zeros)"
    rule_latex = r"\bar A_i = \bar G \prod_{j \neq i} A_j"

    forward = _forward_saving_output(np.prod, "Prod")

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Prod from Ḡ = grad_out, by the VJP above."""
        a, out = ctx.saved
        g = _kept(ctx, grad_out)
        z = _kept(ctx, out)
        zeros = np.asarray(a) == 0
        if not zeros.any():
            return ((g * z) / a,)
        safe = where(zeros, 1.0, a)
        others = safe.prod(axis=ctx.axis, keepdims=True)
        n_zeros = np.sum(zeros, axis=ctx.axis, keepdims=True)
        lone = (n_zeros == 1).astype(a.dtype)
        at_zero = others * lone
        if (n_zeros == 2).any():  # Π_{j≠i} A_j = P · A_k (k the other zero): value 0, slope P
            pair = (n_zeros == 2).astype(a.dtype)
            other_zero = where(zeros, a, 0.0).sum(axis=ctx.axis, keepdims=True) - a
            at_zero = others * (lone + pair * other_zero)
        return (g * where(zeros, at_zero, z / safe),)


class LogSumExp(Op):
    """z = log Σ_axes exp(A), computed stably as m + log Σ exp(A − m), m = max_axes A.

    Args: a: floating Tensor; axis: int, tuple or None (all); keepdims: bool.
    Returns: Tensor with the reduced axes removed (or kept as size 1); dtype of a. Huge
        inputs (±1000) stay finite; an all −inf slice gives −inf; an empty slice gives −inf.
    Raises: ValueError if an axis is out of range.
    VJP: dz = Σ exp(A) ⊙ dA / Σ exp(A) = ⟨softmax(A), dA⟩ ⇒ Ā = Ḡ ⊙ exp(A − Z) (uses the saved
        output, so no second max-shift is needed).
    """
    name = "logsumexp"
    rule = "Ā = Ḡ ⊙ exp(A − Z)"
    rule_latex = r"\bar A = \bar G \odot e^{A - Z}"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        """Compute the LogSumExp output on the inputs' ndarrays (see the class docstring)."""
        _keep_axes(ctx, a, axis, keepdims)
        x = a._array
        m = np.amax(x, axis=axis, keepdims=True, initial=-np.inf)
        if not np.isfinite(m).all():
            m = np.where(np.isfinite(m), m, np.zeros((), dtype=m.dtype))
        e = np.exp(x - m)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(e, axis=axis, keepdims=True))
        out += m
        if not keepdims:
            out = out.reshape(_reduced_shape(x.shape, axis))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of LogSumExp from Ḡ = grad_out, by the VJP above."""
        a, out = ctx.saved
        return (np.exp(a - _kept(ctx, out)) * _kept(ctx, grad_out),)


def _reversed(x, axis):
    """x reversed along `axis`: a view for an ndarray, a recorded getitem view for a Tensor."""
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


class Cumsum(Op):
    """Z_i = Σ_{j≤i} A_j along one axis (inclusive prefix sums; ``torch.cumsum``, ``np.cumsum``).

    Args: a: Tensor; axis: the scanned axis (a non-negative int), or None for a 0-d a
        (the value itself, as PyTorch's cumsum of a 0-d tensor).
    Returns: Tensor of a's shape; a's dtype for floats, int64 for integers and bool (as PyTorch).
    Raises: nothing beyond `cumsum`'s argument checks.
    VJP: Z = L A with L the lower-triangular matrix of ones (L_ij = 1 for j ≤ i) along the axis,
        so dZ = L dA and ⟨Ḡ, L dA⟩ = ⟨Lᵀ Ḡ, dA⟩ ⇒ Ā = Lᵀ Ḡ: Ā_j = Σ_{i≥j} Ḡ_i, the suffix sums
        of Ḡ, i.e. the cumulative sum of Ḡ reversed along the axis, reversed back:
        Ā = flip(cumsum(flip(Ḡ))). Written with indexing and `.cumsum`, which ndarrays and
        Tensors share, so under create_graph the VJP records itself (it is linear in Ḡ).
    """
    name = "cumsum"
    rule = "Ā = flip(cumsum(flip(Ḡ)))  (Ā_j = Σ_{i≥j} Ḡ_i)"
    rule_latex = r"\bar A_j = \sum_{i \geq j} \bar G_i"

    @staticmethod
    def forward(ctx, a, axis):
        """Compute the Cumsum output on the inputs' ndarrays (see the class docstring)."""
        ctx.axis = axis
        if axis is None:
            return a._array.astype(np.int64) if a._array.dtype.kind in "biu" else a._array.copy()
        return np.cumsum(a._array, axis=axis, dtype=np.int64 if a._array.dtype.kind in "biu" else None)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoint of Cumsum from Ḡ = grad_out, by the VJP above (suffix sums of Ḡ)."""
        if ctx.axis is None:
            return (grad_out,)
        return (_reversed(_reversed(grad_out, ctx.axis).cumsum(ctx.axis), ctx.axis),)


def _reduce_args(a, axis, dim, keepdims, keepdim, op, out=None, dtype=None):
    """Shared argument handling: Tensor (cast to `dtype` first when given, as PyTorch's
    ``dtype=``), normalized axes (None for all), keepdims flag. `out` is accepted only as
    None: numpy's ``np.sum(t)``, ``np.max(t)`` … call the method with ``out=None``.

    Raises:
        ValueError: if an axis is out of range or repeated.
        TypeError: if `out` is given (tracegrad's reductions return a new tensor).
    """
    check_no_out(op, out)
    a = as_tensor(a)
    if dtype is not None:
        a = a.to(dtype)
    axis = normalize_axis(pick_axis(axis, dim), a._array.ndim, op)
    if axis is not None:
        if len(set(axis)) != len(axis):
            raise ValueError(f"{op}: axis contains a repeated axis; got {tuple(axis)}, expected distinct axes.")
        if a._array.ndim == 0:
            axis = None
    keep = bool(keepdims or keepdim)
    return a, axis, keep


def sum(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None, dtype=None):
    """Sum over `axis` (alias `dim`; int, tuple or None for all), keeping the reduced axes
    as size 1 when `keepdims` (alias `keepdim`). See `Sum`."""
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "sum", out, dtype)
    return Sum.apply(a, axis=axis, keepdims=keep)


def mean(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None, dtype=None):
    """Arithmetic mean over `axis` (alias `dim`), `keepdims` (alias `keepdim`). See `Mean`.

    Raises:
        TypeError: for integer tensors (use astype first).
    """
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "mean", out, dtype)
    if a._array.dtype.kind not in "fc":
        raise TypeError(f"mean: expected a floating dtype; got {a._array.dtype.name}. Hint: cast with astype('float32').")
    return Mean.apply(a, axis=axis, keepdims=keep)


def _check_nonempty(a, axis, op):
    if _count(a._array.shape, axis) == 0:
        raise ValueError(f"{op}: cannot reduce over an empty axis; got shape {a.shape} with axis "
                         f"{'None' if axis is None else tuple(axis)}, expected the reduced axes to be non-empty.")


def _extreme(cls, elementwise, a, axis, keepdims, dim, keepdim, out):
    """`max` and `min` (``cls`` Max or Min): the reduction, or ``elementwise(a, other)``
    (maximum or minimum) when a Tensor or ndarray stands in place of `axis`."""
    if isinstance(axis, (Tensor, np.ndarray)):
        return elementwise(a, axis)
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, cls.name, out)
    _check_nonempty(a, axis, cls.name)
    return cls.apply(a, axis=axis, keepdims=keep)


def max(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None):
    """Largest value over `axis` (alias `dim`; default all axes), values only (torch.amax).

    Args:
        a: Tensor of any shape and numeric dtype (gradients for floating dtypes).
        axis: int, tuple of ints or None (all axes).
        keepdims (bool): keep the reduced axes as size 1 (alias `keepdim`).

    Returns:
        Tensor of the reduced shape, dtype of a. The gradient is split equally among tied
        maxima (see `Max`). Given a Tensor or ndarray in place of `axis`, the elementwise
        `maximum(a, other)` instead, like ``torch.max(a, other)``.

    Raises:
        ValueError: if an axis is out of range or repeated, or the reduced axes are empty.
    """
    return _extreme(Max, maximum, a, axis, keepdims, dim, keepdim, out)


def min(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None):
    """Smallest value over `axis` (alias `dim`; default all axes), values only (torch.amin).

    Args, Returns and Raises as in `max`; ties split the gradient equally (see `Min`). Given
    a Tensor or ndarray in place of `axis`, the elementwise `minimum(a, other)` instead.
    """
    return _extreme(Min, minimum, a, axis, keepdims, dim, keepdim, out)


def prod(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None, dtype=None):
    """Product over `axis` (alias `dim`; default all axes), `keepdims` (alias `keepdim`).

    Args:
        a: Tensor of any shape (gradients for floating dtypes).
        axis: int, tuple of ints or None (all axes).
        keepdims (bool): keep the reduced axes as size 1.

    Returns:
        Tensor of the reduced shape, dtype of a (1 for an empty product). The gradient is
        exact also where a contains zeros (see `Prod`).

    Raises:
        ValueError: if an axis is out of range or repeated.
    """
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "prod", out, dtype)
    return Prod.apply(a, axis=axis, keepdims=keep)


def logsumexp(a, axis=None, keepdims=False, *, dim=None, keepdim=False):
    """log Σ exp(a) over `axis` (alias `dim`; default all axes), computed stably.

    Args:
        a: floating Tensor of any shape.
        axis: int, tuple of ints or None (all axes).
        keepdims (bool): keep the reduced axes as size 1 (alias `keepdim`).

    Returns:
        Tensor of the reduced shape, dtype of a; finite for huge inputs such as ±1000.

    Raises:
        ValueError: if an axis is out of range or repeated.
        TypeError: for a non-floating tensor.

    See `LogSumExp` for the max shift and the VJP (Ḡ ⊙ softmax(a)).
    """
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, "logsumexp")
    check_float("logsumexp", a)
    return LogSumExp.apply(a, axis=axis, keepdims=keep)


def _arg_extreme(np_fn, op, a, axis, keepdims, dim, keepdim, out):
    check_no_out(op, out)
    data = a._array if isinstance(a, Tensor) else np.asarray(a)
    ax = pick_axis(axis, dim)
    if ax is not None:
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
            raise TypeError(f"{op}: axis must be an int or None; got {type(ax).__name__}, expected one axis.")
        ax = normalize_axis(ax, data.ndim, op)[0]
        if data.ndim == 0:
            ax = None
    if (data.size == 0 if ax is None else data.shape[ax] == 0):
        raise ValueError(f"{op}: cannot reduce over an empty axis; got shape {data.shape} with axis {ax}, "
                         f"expected a non-empty axis.")
    out = np_fn(data, axis=ax, keepdims=bool(keepdims or keepdim))
    return Tensor._make(np.asarray(out, dtype=np.int64), False, None)


def argmax(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None):
    """Index of the largest value along `axis` (alias `dim`); over the flattened tensor when
    axis is None. Not differentiable (no graph is recorded).

    Args:
        a: Tensor or ndarray of any numeric dtype.
        axis: int or None.
        keepdims (bool): keep the reduced axis as size 1 (alias `keepdim`).

    Returns:
        int64 Tensor (0-d when axis is None) with requires_grad=False; the first index among ties.

    Raises:
        ValueError: if the axis is out of range or empty.
        TypeError: if axis is not an int.
    """
    return _arg_extreme(np.argmax, "argmax", a, axis, keepdims, dim, keepdim, out)


def argmin(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None):
    """Index of the smallest value along `axis` (alias `dim`); see `argmax` (same arguments,
    returns and errors)."""
    return _arg_extreme(np.argmin, "argmin", a, axis, keepdims, dim, keepdim, out)


def cumsum(a, dim=None, *, axis=None, dtype=None):
    """Cumulative sum along `dim` (alias `axis`), as ``torch.cumsum(a, dim)``.

    Args:
        a: Tensor (or array-like) of any shape and numeric dtype.
        dim (int): the axis to scan (required, as in PyTorch; a 0-d a accepts 0 or −1).
        dtype: optional dtype to cast a to first (the cast is differentiable between floats).

    Returns:
        Tensor of a's shape: a's floating dtype, int64 for integer and bool inputs. See
        `Cumsum` for the VJP (the reversed cumulative sum of Ḡ).

    Raises:
        TypeError: if no dim is given.
        ValueError: if dim is out of range.
    """
    a = as_tensor(a)
    ax = pick_axis(axis, dim)
    if ax is None or isinstance(ax, bool) or not isinstance(ax, (int, np.integer)):
        raise TypeError(f"cumsum: dim must be an int; got {ax!r}, expected the axis to scan, e.g. cumsum(x, 0).")
    ax = normalize_axis(ax, a._array.ndim, "cumsum")[0]
    if dtype is not None and np.dtype(dtype) != a._array.dtype:
        a = a.astype(dtype)
    return Cumsum.apply(a, axis=ax if a._array.ndim else None)


def _truth(np_fn, op, a, axis, keepdims, dim, keepdim, out):
    """`all` and `any`: ``np_fn`` over the axes of a's values, a bool Tensor without graph."""
    a, axis, keep = _reduce_args(a, axis, dim, keepdims, keepdim, op, out)
    return Tensor._make(np.asarray(np_fn(a._array, axis=axis, keepdims=keep)), False, None)


def all(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None):
    """Whether every entry is non-zero (True), over `axis` (alias `dim`; default all axes).
    Not differentiable (no graph is recorded), as ``torch.all``.

    Args:
        a: Tensor (or array-like) of any shape and dtype; non-zero counts as True.
        axis: int, tuple of ints or None (all axes).
        keepdims (bool): keep the reduced axes as size 1 (alias `keepdim`).

    Returns:
        bool Tensor of the reduced shape (True for an empty reduction). PyTorch returns uint8
        for a uint8 input; tracegrad always returns bool.

    Raises:
        ValueError: if an axis is out of range or repeated.
    """
    return _truth(np.all, "all", a, axis, keepdims, dim, keepdim, out)


def any(a, axis=None, keepdims=False, *, dim=None, keepdim=False, out=None):
    """Whether some entry is non-zero (True), over `axis` (alias `dim`; default all axes);
    see `all` (same arguments, returns — False for an empty reduction — and errors)."""
    return _truth(np.any, "any", a, axis, keepdims, dim, keepdim, out)
