"""Type dispatch for VJP bodies written once (issue 11): the same call runs on ndarrays in a
plain backward (nothing recorded) and on Tensors when ``create_graph=True`` records it.

numpy's ufuncs already dispatch (Tensor implements ``__array_ufunc__``), and so do the
methods both kinds share (`.sum`, `.reshape`, `@` …). The helpers below cover the rest:
`np.where` and `np.broadcast_to`, tracegrad's public ops that are not ufuncs (softmax,
sigmoid …) and backward `Function`s (conv2d's pattern). The choice is made by the operands'
type, never by grad mode.
"""
import numpy as np

from ..tensor import Tensor
from .common import select

_make = Tensor._make


def _is_tensor(v):
    return v.__class__ is Tensor or isinstance(v, Tensor)


def where(cond, x, y):
    """x where the constant mask `cond` holds, y elsewhere (numpy broadcasting), of x's and
    y's kind: ndarrays give an ndarray (`common.select`, bit for bit ``np.where``, faster),
    and if x or y is a Tensor the result is autograd's differentiable `where`.

    Args:
        cond (np.ndarray or np.bool_): a bool mask (its derivative is zero: no gradient).
        x, y: ndarrays or Tensors of one floating dtype, or Python numbers (which take the
            other operand's dtype).

    Returns:
        np.ndarray or Tensor of the broadcast shape.

    Raises:
        ValueError: if the shapes do not broadcast.
    """
    if _is_tensor(x):
        return x.where(cond, y)
    if _is_tensor(y):
        return y.where(np.logical_not(cond), x)
    x = np.asarray(x, dtype=y.dtype) if x.__class__ is float or x.__class__ is int else np.asarray(x)
    y = np.asarray(y, dtype=x.dtype) if y.__class__ is float or y.__class__ is int else np.asarray(y)
    return select(cond, x, y)


def broadcast_to(x, shape):
    """x broadcast to `shape`: a read-only ``np.broadcast_to`` view for an ndarray, the
    recorded `Tensor.broadcast_to` for a Tensor (its VJP sums over the broadcast axes).

    Args:
        x: ndarray, numpy scalar or Tensor whose shape broadcasts to `shape`.
        shape (tuple[int]): the target shape.

    Returns:
        the same kind as x, of `shape`.

    Raises:
        ValueError: if x's shape does not broadcast to `shape`.
    """
    if _is_tensor(x):
        return x.broadcast_to(shape)
    return np.broadcast_to(x, shape)


def call(op, *args, **kwargs):
    """A public tracegrad op on a VJP's operands: on Tensors `op` itself (recorded under
    create_graph); on ndarrays the values of the same op (its forward code, run on
    constant Tensors: nothing is recorded).

    Args:
        op: a public op (e.g. `autograd.softmax`, `autograd.sigmoid`, `autograd.softplus`).
        *args: its operands, all ndarrays or at least one Tensor; **kwargs: its attributes.

    Returns:
        Tensor if an operand is a Tensor, else an ndarray.
    """
    for a in args:
        if _is_tensor(a):
            return op(*args, **kwargs)
    return op(*[_make(np.asarray(a), False, None) for a in args], **kwargs)._array


def apply(fn, *inputs, **attrs):
    """Run the Function `fn` on a VJP's operands (conv2d's pattern: a backward step that is
    itself an op, differentiable by its own VJP).

    If an operand is a Tensor, ``fn.apply`` records the op (ndarrays next to it become
    constants). Otherwise the result is the ndarray of fn's formula with no node made:
    ``fn.kernel(*arrays, **attrs)`` when `fn` defines that numpy formula, else its forward
    run on constant Tensors.

    Args:
        fn (type): a `Function` subclass.
        *inputs: ndarrays (or numpy scalars) or Tensors.
        **attrs: the op's non-tensor attributes.

    Returns:
        np.ndarray (plain) or Tensor (recorded).
    """
    for a in inputs:
        if _is_tensor(a):
            return fn.apply(*[x if _is_tensor(x) else _make(np.asarray(x), False, None) for x in inputs], **attrs)
    kernel = getattr(fn, "kernel", None)
    if kernel is not None:
        return kernel(*inputs, **attrs)
    return fn.apply(*[_make(x if x.__class__ is np.ndarray else np.asarray(x), False, None) for x in inputs],
                    **attrs)._array
