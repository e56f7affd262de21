"""Helpers shared by the op families: turning operands into Tensors, axis handling, errors,
and the two pieces a VJP body written once needs beyond numpy's ufuncs (`ifelse`, `run_op`)."""
import math

import numpy as np

from ..tensor import Tensor, _default_dtype

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_make = Tensor._make
_CONSTANTS = {_F32: {}, _F64: {}}  # dtype → {Python float → 0-d Tensor}, see `as_tensor`


def as_tensor(value, like=None):
    """Return `value` as a Tensor; numbers take `like`'s floating dtype (no float64 promotion).

    Args:
        value: Tensor, ndarray, number or nested list.
        like (Tensor or None): the other operand; a Python number combined with a floating
            tensor gets that tensor's dtype, as in PyTorch.

    Raises:
        TypeError: if `value` is not numeric.
    """
    cls = value.__class__
    if cls is Tensor:
        return value
    if cls is float and like is not None:
        # a Python float next to a tensor: a cached 0-d constant of the tensor's dtype (these
        # constants are never written to; ±0.0, nan and inf are not cached: 0.0 == -0.0)
        # (native float32/float64 only: builtin dtypes are singletons, compared by identity)
        ldt = like._array.dtype
        cache = _CONSTANTS[ldt] if ldt is _F32 or ldt is _F64 else None
        if cache is not None:
            t = cache.get(value)
            if t is not None:
                return t
            if value != 0.0 and math.isfinite(value):
                if len(cache) >= 1024:
                    cache.clear()
                t = cache[value] = Tensor._make(np.asarray(value, dtype=ldt), False, None)
                return t
    if isinstance(value, Tensor):  # a subclass (nn.Parameter)
        return value
    if isinstance(value, np.ndarray):
        return Tensor._make(value, False, None)
    if like is not None and isinstance(value, (int, float, bool)):
        ldt = like._array.dtype
        if ldt.kind == "f":
            return Tensor._make(np.asarray(value, dtype=ldt), False, None)
        if isinstance(value, float):
            return Tensor._make(np.asarray(value, dtype=_default_dtype[0]), False, None)
    return Tensor(value)


def normalize_axis(axis, ndim, op):
    """Axis argument (None, int or tuple) → tuple of non-negative ints, or None for all axes.

    Raises:
        ValueError: if an axis is out of range for `ndim` axes.
    """
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims; "
                             f"expected -{max(ndim, 1)} <= axis < {max(ndim, 1)}.")
        out.append(a % max(ndim, 1))
    return tuple(out)


def pick_axis(axis, dim, default=None):
    """Resolve the `axis`/`dim` alias pair (DESIGN: reductions accept both)."""
    if dim is not None:
        if axis is not None and axis != dim:
            raise TypeError("got both axis and dim with different values; expected one of them.")
        return dim
    return axis if axis is not None else default


def broadcast_error(op, a, b):
    """ValueError for operands whose shapes do not broadcast (numpy's rules)."""
    return ValueError(f"{op}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} do not broadcast; "
                      f"expected equal sizes or 1 on each trailing axis.")


def broadcasts_to(shape, target):
    """Whether an array of `shape` broadcasts to `target` without growing it (``np.copyto``'s
    rule for a source; the auxiliary arrays of the losses)."""
    if shape == target:
        return True
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def check_float(op, *tensors):
    """Raise TypeError if a tensor is not floating (ops that only make sense on reals)."""
    for t in tensors:
        if t._array.dtype.kind != "f":
            raise TypeError(f"{op}: expected a floating dtype; got {t._array.dtype.name}.")


def check_no_out(op, out):
    """Accept numpy's ``out=None`` (``np.sum(t)`` calls ``t.sum(axis=None, out=None)``, NEP 13's
    method protocol) and refuse any other `out`.

    Raises:
        TypeError: if `out` is not None: tracegrad's ops return a new tensor.
    """
    if out is not None:
        raise TypeError(f"{op}: out= is not supported; got {type(out).__name__}, expected None "
                        f"(the result is returned as a new tensor). Hint: assign it, or copy_() it into place.")


def expand_reduced(grad, shape, axes, keepdims):
    """Reshape a reduction's adjoint so it broadcasts against the input of `shape`.

    `axes` is the normalized tuple (or None for all); with keepdims=False the reduced axes are
    re-inserted as size 1. `grad` is an ndarray or a Tensor (`.reshape` serves both, recorded
    for a Tensor); the result is of the same kind and broadcasts to `shape`.
    """
    if keepdims or axes is None and grad.ndim == len(shape):
        return grad
    if axes is None:
        return grad.reshape((1,) * len(shape)) if len(shape) else grad
    kept = list(grad.shape)
    for a in sorted(axes):
        kept.insert(a, 1)
    return grad.reshape(tuple(kept))


_INT_OF_SIZE = {4: np.int32, 8: np.int64}


def select(cond, x, y):
    """``np.where(cond, x, y)`` bit for bit, faster for floating arrays (no graph; ndarrays).

    np.where costs about 15 multiplications per element on our CPUs; for two floating arrays
    of one dtype this picks the bits with integer masks instead (3× faster in float32). NaN,
    ±inf and −0 are kept exactly. Other dtypes fall back to np.where.

    Args:
        cond (np.ndarray of bool), x, y (np.ndarray): broadcastable.

    Returns:
        np.ndarray of the broadcast shape.

    Raises:
        ValueError: if the shapes do not broadcast.
    """
    dt = x.dtype
    ity = _INT_OF_SIZE.get(dt.itemsize) if dt.kind == "f" and y.dtype == dt else None
    shape = np.broadcast_shapes(np.shape(cond), x.shape, y.shape) if ity is not None else ()
    if not shape:  # other dtypes, and 0-d results (numpy would give scalars below)
        return np.where(cond, x, y)
    # two new arrays only: a fresh large array costs page faults here (4 allocations made
    # this 30× slower than in place; np.where is ~10× slower on random masks: branches)
    mask = np.broadcast_to(cond, shape).astype(ity)
    np.negative(mask, out=mask)  # all ones where cond, zeros elsewhere
    out = np.bitwise_and(x.view(ity), mask)
    np.invert(mask, out=mask)
    np.bitwise_and(y.view(ity), mask, out=mask)
    np.bitwise_or(out, mask, out=out)
    return out.view(dt)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote(a, b, true_divide=False):
    """The operands of a binary arithmetic op cast to PyTorch's result dtype (not numpy's).

    PyTorch's rule (``torch.result_type``): the higher category wins (bool < integer <
    floating < complex) with that operand's dtype — float32 with an int64 tensor is float32,
    where numpy gives float64; within one category, a tensor with dimensions outranks a 0-d
    one (float32 with a 0-d float64 is float32), and tensors of equal standing take the wider
    dtype. A true division of integers gives the default float dtype (float32), as
    ``torch.div``. Casts between floating dtypes are differentiable (`astype`).

    Args:
        a, b (Tensor): the operands (numbers already made 0-d Tensors of the other's dtype).
        true_divide (bool): the op is ``/``.

    Returns:
        (Tensor, Tensor) of one dtype.
    """
    da, db = a._array.dtype, b._array.dtype
    if da is db and not (true_divide and da.kind in "biu"):
        return a, b
    ca, cb = _CATEGORY.get(da.kind, 2), _CATEGORY.get(db.kind, 2)
    if ca != cb:
        dt = da if ca > cb else db
    elif (a._array.ndim == 0) != (b._array.ndim == 0):
        dt = db if a._array.ndim == 0 else da
    else:
        dt = np.promote_types(da, db)
    if true_divide and dt.kind in "biu":
        dt = _default_dtype[0]
    return (a if da == dt else a.astype(dt)), (b if db == dt else b.astype(dt))
