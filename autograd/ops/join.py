"""Joining and splitting: concatenate (alias cat), stack, split, chunk, pad.

Each is a linear map that only moves entries, so every VJP reads the input's block back
out of Ḡ by basic indexing, written once: a view of the ndarray Ḡ in a plain backward, a
recorded getitem of the Tensor Ḡ under create_graph (so double backward works). `split` and
`chunk` are tuples of getitem slices.
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor
from .common import as_tensor, normalize_axis, pick_axis
from .indexing import basic_getitem


def _join_forward(ctx, tensors, axis):
    """The inputs' arrays, recording the join axis and their dtypes for `_join_vjp`."""
    arrays = [t._array for t in tensors]
    ctx.axis = axis
    ctx.dtypes = [a.dtype for a in arrays]
    return arrays


def _join_vjp(ctx, grad_out, indices):
    """Ā_i = Ḡ at `indices[i]` (a slice or an int) on the join axis, cast back to A_i's
    dtype; None where `ctx.needs_input_grad[i]` is false. The blocks are views of an ndarray
    Ḡ (no nodes), or recorded getitems of a Tensor Ḡ."""
    lead = (slice(None),) * ctx.axis
    out = []
    for need, index, dt in zip(ctx.needs_input_grad, indices, ctx.dtypes):
        if need:
            g = grad_out[lead + (index,)]
            out.append(g if g.dtype == dt else g.astype(dt))
        else:
            out.append(None)
    return tuple(out)


class Concatenate(Op):
    """Z = [A₁ A₂ … A_k] joined along `axis` (numpy.concatenate / torch.cat).

    Args: *tensors: k ≥ 1 Tensors with equal shapes except along `axis`; axis (attr):
        a non-negative int < ndim.
    Returns: Tensor whose `axis` size is the sum of the inputs'; the promoted dtype (floats win: float32 with int64 stays float32).
    Raises: ValueError (from `concatenate`) if the shapes differ off `axis` or a tensor is 0-d.
    VJP: Z = Σ_i E_i A_i with E_i the embedding into rows o_i … o_i + n_i of `axis`;
        dL = Σ_i ⟨Ḡ, E_i dA_i⟩ = Σ_i ⟨E_iᵀ Ḡ, dA_i⟩ ⇒ Ā_i = Ḡ[…, o_i : o_i + n_i, …]
        (cast back to A_i's dtype when the output was promoted).
    """
    name = "concatenate"
    rule = "Ā_i = Ḡ[o_i : o_i + n_i] along axis"
    rule_latex = r"\bar A_i = \bar G_{[o_i : o_i + n_i]}"

    @staticmethod
    def forward(ctx, *tensors, axis):
        """numpy.concatenate of the inputs' arrays in the promoted dtype."""
        arrays = _join_forward(ctx, tensors, axis)
        ctx.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis, dtype=_result_dtype(arrays))

    @staticmethod
    def vjp(ctx, grad_out):
        """Ā_i = the block of Ḡ along axis that came from A_i."""
        stops = np.cumsum(ctx.sizes).tolist()
        return _join_vjp(ctx, grad_out, [slice(stop - n, stop) for stop, n in zip(stops, ctx.sizes)])


class Stack(Op):
    """Z = stack(A₁, …, A_k) along a new axis `axis` (numpy.stack / torch.stack).

    Args: *tensors: k ≥ 1 Tensors of one shape; axis (attr): non-negative int ≤ ndim.
    Returns: Tensor of shape shape[:axis] + (k,) + shape[axis:]; the promoted dtype (floats win: float32 with int64 stays float32).
    Raises: ValueError (from `stack`) if the shapes differ.
    VJP: Z = Σ_i e_i ⊗ A_i (slot i of the new axis); dL = Σ_i ⟨Ḡ, e_i ⊗ dA_i⟩
        ⇒ Ā_i = Ḡ[…, i, …] (index i on the new axis).
    """
    name = "stack"
    rule = "Ā_i = Ḡ[…, i, …] on the new axis"
    rule_latex = r"\bar A_i = \bar G_{[\dots, i, \dots]}"

    @staticmethod
    def forward(ctx, *tensors, axis):
        """numpy.stack of the inputs' arrays in the promoted dtype."""
        arrays = _join_forward(ctx, tensors, axis)
        return np.stack(arrays, axis=axis, dtype=_result_dtype(arrays))

    @staticmethod
    def vjp(ctx, grad_out):
        """Ā_i = Ḡ at slot i of the new axis."""
        return _join_vjp(ctx, grad_out, range(len(ctx.dtypes)))


class Pad(Op):
    """Z = A surrounded by a constant (numpy.pad, mode 'constant').

    Args: a: Tensor with n axes; pad_width (attr): n pairs (before, after) of ints ≥ 0;
        value (attr): the fill constant (cast to a's dtype).
    Returns: Tensor of shape (s_k + before_k + after_k)_k, a's dtype.
    Raises: ValueError (from `pad`) for negative or ill-shaped pad widths.
    VJP: Z = E A + c (E embeds A in the interior block, c is the constant frame);
        dL = ⟨Ḡ, E dA⟩ = ⟨Eᵀ Ḡ, dA⟩ ⇒ Ā = Ḡ[before_0 : before_0 + s_0, …] (the interior).
    """
    name = "pad"
    rule = "Ā = Ḡ[interior]"
    rule_latex = r"\bar A = \bar G_{[\text{interior}]}"

    @staticmethod
    def forward(ctx, a, pad_width, value):
        """numpy.pad with a constant."""
        ctx.interior = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, a._array.shape))
        return np.pad(a._array, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def vjp(ctx, grad_out):
        """Ā = the interior block of Ḡ (a view of an ndarray Ḡ, a recorded getitem of a Tensor)."""
        return (grad_out[ctx.interior],)


def _result_dtype(arrays):
    """PyTorch's promotion for joins: floats win over ints/bools without widening the float
    (float32 with int64 stays float32); otherwise numpy's result type."""
    floats = [a.dtype for a in arrays if a.dtype.kind in "fc"]
    return np.result_type(*floats) if floats else np.result_type(*arrays)


def _tensor_list(tensors, op):
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(f"{op}: expected a sequence of tensors; got a single {type(tensors).__name__}. "
                        f"Hint: pass a list, e.g. {op}([a, b]).")
    try:
        items = list(tensors)
    except TypeError:
        raise TypeError(f"{op}: expected a sequence of tensors; got {type(tensors).__name__}.") from None
    if not items:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors; got an empty {type(tensors).__name__}.")
    like = next((t for t in items if isinstance(t, Tensor)), None)
    return [t if isinstance(t, Tensor) else as_tensor(t, like) for t in items]


def concatenate(tensors, axis=0, *, dim=None):
    """Join tensors along an existing axis (numpy.concatenate; `cat` is the same function).

    Args:
        tensors: a non-empty sequence of Tensors (or arrays) with equal shapes except along
            `axis`, each with at least one axis.
        axis (int): the joining axis (alias `dim`); negative counts from the end.

    Returns:
        Tensor (see `Concatenate`); one input is returned as it is.

    Raises:
        ValueError: for an empty sequence, a 0-d tensor, differing numbers of axes or sizes
            off `axis`, or an out-of-range axis.
        TypeError: if `tensors` is a single tensor rather than a sequence.
    """
    ts = _tensor_list(tensors, "concatenate")
    axis = pick_axis(axis if dim is None else None, dim, 0)
    first = ts[0]._array.shape
    if len(first) == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated; got shape (), "
                         "expected at least 1 dim. Hint: use stack.")
    (ax,) = normalize_axis(axis, len(first), "concatenate")
    for i, t in enumerate(ts[1:], 1):
        s = t._array.shape
        if len(s) != len(first) or s[:ax] != first[:ax] or s[ax + 1:] != first[ax + 1:]:
            raise ValueError(f"concatenate: tensor {i} has shape {s} but tensor 0 has shape {first}; expected "
                             f"equal sizes on every axis except axis {ax}.")
    if len(ts) == 1:
        return ts[0]
    return Concatenate.apply(*ts, axis=ax)


cat = concatenate


def stack(tensors, axis=0, *, dim=None):
    """Join tensors of one shape along a new axis (numpy.stack / torch.stack).

    Args:
        tensors: a non-empty sequence of Tensors (or arrays) of equal shape.
        axis (int): position of the new axis in the result (alias `dim`); negative counts
            from the end of the result.

    Returns:
        Tensor of shape shape[:axis] + (len(tensors),) + shape[axis:] (see `Stack`).

    Raises:
        ValueError: for an empty sequence, differing shapes, or an out-of-range axis.
        TypeError: if `tensors` is a single tensor rather than a sequence.
    """
    ts = _tensor_list(tensors, "stack")
    axis = pick_axis(axis if dim is None else None, dim, 0)
    first = ts[0]._array.shape
    for i, t in enumerate(ts[1:], 1):
        if t._array.shape != first:
            raise ValueError(f"stack: tensor {i} has shape {t._array.shape} but tensor 0 has shape {first}; "
                             f"expected all tensors to have the same shape.")
    (ax,) = normalize_axis(axis, len(first) + 1, "stack")
    return Stack.apply(*ts, axis=ax)


def split(a, split_size_or_sections, axis=0, *, dim=None):
    """Split into pieces along `axis`, with PyTorch's meaning of the size argument.

    Args:
        a: Tensor with at least one axis.
        split_size_or_sections: an int, the size of every piece (the last may be smaller),
            or a list/tuple of piece sizes that sum to ``a.shape[axis]``.
        axis (int): the axis to split (alias `dim`).

    Returns:
        tuple of Tensors (each a differentiable slice of a; see `Getitem`).

    Raises:
        ValueError: for a size ≤ 0 (0 is allowed only for an empty axis), negative section
            sizes, sections that do not sum to the axis size, a 0-d tensor or a bad axis.
        TypeError: if the size is neither an int nor a sequence of ints.
    """
    a = as_tensor(a)
    ax = _split_axis(a, axis, dim, "split")
    n = a._array.shape[ax]
    arg = split_size_or_sections
    if isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
        size = int(arg)
        if size < 0 or (size == 0 and n != 0):
            raise ValueError(f"split: split_size must be positive; got {size}, expected an int >= 1 "
                             f"(0 only for an empty axis).")
        if n == 0:
            sizes = [0]
        else:
            sizes = [size] * (n // size) + ([n % size] if n % size else [])
    elif isinstance(arg, (list, tuple)):
        try:
            sizes = [int(s) for s in arg]
        except TypeError:
            raise TypeError(f"split: sections must be ints; got {arg!r}.") from None
        if any(s < 0 for s in sizes):
            raise ValueError(f"split: section sizes must be non-negative; got {sizes}, expected sizes >= 0.")
        if sum(sizes) != n:
            raise ValueError(f"split: section sizes must sum to the size of axis {ax}; got {sizes} (sum "
                             f"{sum(sizes)}), expected sum {n}.")
    else:
        raise TypeError(f"split: split_size_or_sections must be an int or a list of ints; got "
                        f"{type(arg).__name__}.")
    out = []
    start = 0
    for s in sizes:
        out.append(_slice(a, ax, start, start + s))
        start += s
    return tuple(out)


def chunk(a, chunks, axis=0, *, dim=None):
    """Split into `chunks` pieces along `axis` with PyTorch's rule: every piece has
    ceil(size / chunks) entries except a smaller last one, so fewer pieces may come back
    (chunk of 6 into 4 gives 3 pieces of 2). An empty axis gives `chunks` empty pieces.

    Args:
        a: Tensor with at least one axis.
        chunks (int): the wanted number of pieces, ≥ 1.
        axis (int): the axis to split (alias `dim`).

    Returns:
        tuple of Tensors (differentiable slices of a).

    Raises:
        ValueError: if chunks < 1, a is 0-d, or the axis is out of range.
        TypeError: if chunks is not an int.
    """
    a = as_tensor(a)
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool):
        raise TypeError(f"chunk: chunks must be an int; got {type(chunks).__name__}.")
    if chunks < 1:
        raise ValueError(f"chunk: chunks must be positive; got {chunks}, expected an int >= 1.")
    ax = _split_axis(a, axis, dim, "chunk")
    n = a._array.shape[ax]
    if n == 0:
        return tuple(_slice(a, ax, 0, 0) for _ in range(int(chunks)))
    return split(a, -(-n // int(chunks)), axis=ax)


def _split_axis(a, axis, dim, op):
    if a._array.ndim == 0:
        raise ValueError(f"{op}: a 0-d tensor cannot be split; got shape (), expected at least 1 dim.")
    (ax,) = normalize_axis(pick_axis(axis if dim is None else None, dim, 0), a._array.ndim, op)
    return ax


def _slice(a, axis, start, stop):
    """``a[:, …, start:stop]`` along `axis`: a view of a, as PyTorch's split pieces."""
    return basic_getitem(a, (slice(None),) * axis + (slice(start, stop),))


def _pad_pairs(pad_width, ndim):
    """numpy's pad_width (int, (before, after), or one pair per axis) → n (before, after) pairs."""
    arr = np.asarray(pad_width)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise TypeError(f"pad: pad_width must hold ints; got {pad_width!r}.")
    if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] not in (1, 2)):
        raise ValueError(f"pad: pad_width {pad_width!r} has shape {arr.shape}; expected an int, a (before, after) "
                         f"pair, or {ndim} pairs.")
    try:
        pairs = np.broadcast_to(arr.astype(np.int64), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor with {ndim} dims; expected an int, a "
                         f"(before, after) pair, or {ndim} pairs.") from None
    if np.any(pairs < 0):
        raise ValueError(f"pad: pad widths must be non-negative; got {pad_width!r}, expected ints >= 0.")
    return tuple((int(b), int(e)) for b, e in pairs)


def pad(a, pad_width, value=0.0):
    """Pad with a constant, taking numpy's `pad_width` (see `Pad`; PyTorch's flat
    last-axis-first form is `nn.functional.pad`).

    Args:
        a: Tensor with n axes.
        pad_width: an int (same before and after on every axis), a pair (before, after)
            for every axis, or n pairs ((before_0, after_0), …).
        value (float): the fill constant, cast to a's dtype.

    Returns:
        Tensor of shape (s_k + before_k + after_k)_k, a's dtype.

    Raises:
        ValueError: for negative widths or a pad_width that does not fit a's dims.
        TypeError: for non-integer widths.
    """
    a = as_tensor(a)
    pairs = _pad_pairs(pad_width, a._array.ndim)
    return Pad.apply(a, pad_width=pairs, value=value)
