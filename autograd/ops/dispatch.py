"""numpy functions outside the ufunc protocol, for VJP bodies written once (issue 11).

A VJP body receives ndarrays in a plain backward and Tensors when ``create_graph=True``
records it. numpy's ufuncs and the shared methods (`.sum`, `.reshape`, `@` …) serve both
kinds, but functions such as ``np.where`` and ``np.broadcast_to`` do not dispatch to
Tensors. The helpers below pick numpy's function for ndarrays and tracegrad's
differentiable op for Tensors — by the operands' type, never by grad mode.
"""
import numpy as np

from ..tensor import Tensor
from .elementwise import where as _tensor_where


def where(cond, x, y):
    """Elementwise select: x where `cond`, else y (numpy broadcasting), of x's and y's kind.

    Args:
        cond: bool ndarray (a piecewise-constant mask: no gradient flows to it).
        x, y: ndarrays, Tensors or Python numbers (numbers take the other operand's dtype).

    Returns:
        ``np.where(cond, x, y)`` when neither x nor y is a Tensor; otherwise tracegrad's
        `where` (recorded, differentiable in x and y).

    Raises:
        ValueError: if the shapes do not broadcast.
        TypeError: (Tensor operands) if `cond` is not boolean.
    """
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return _tensor_where(cond, x, y)
    return np.where(cond, x, y)


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
    if isinstance(x, Tensor):
        return x.broadcast_to(shape)
    return np.broadcast_to(x, shape)
