"""Type dispatch for VJP bodies written once (issue 11): the same call runs on ndarrays in a
plain backward (nothing recorded) and on Tensors when ``create_graph=True`` records it.

numpy's ufuncs already dispatch (Tensor implements ``__array_ufunc__``); these helpers cover
what does not: `np.where`, tracegrad's public ops that are not ufuncs (softmax, sigmoid …)
and backward `Function`s. The choice is made by the operands' type, never by grad mode.
"""
import numpy as np

from ..tensor import Tensor
from . import elementwise as ew

_make = Tensor._make


def _is_tensor(v):
    return v.__class__ is Tensor or isinstance(v, Tensor)


def where(cond, x, y):
    """``x`` where `cond` else ``y``, elementwise, broadcasting.

    Args:
        cond (np.ndarray of bool): a constant mask (no gradient).
        x, y: ndarrays, Tensors or Python numbers (numbers take the other operand's dtype).

    Returns:
        Tensor (recorded by `autograd.where`) if x or y is a Tensor, else np.where's ndarray.
    """
    if _is_tensor(x) or _is_tensor(y):
        return ew.where(cond, x, y)
    return np.where(cond, x, y)


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
    return op(*[_make(np.asarray(a), False, None) for a in args], **kwargs).data


def apply(fn, *inputs, **attrs):
    """Run backward Function `fn` on a VJP's operands (conv2d's pattern, written once).

    `fn` defines ``kernel(*arrays, **attrs)``: its forward formula on ndarrays. Operands
    that are all ndarrays (a plain backward) run the kernel directly, with no Tensor or node
    made; if one is a Tensor (create_graph), ``fn.apply`` records the op, whose own VJP
    gives the next derivative.

    Args:
        fn (type): a `Function` subclass with a `kernel` staticmethod.
        *inputs: ndarrays or Tensors (ndarrays next to a Tensor become constants).
        **attrs: the op's non-tensor attributes.

    Returns:
        ndarray (plain) or Tensor (recorded).
    """
    for a in inputs:
        if _is_tensor(a):
            return fn.apply(*[a if _is_tensor(a) else _make(np.asarray(a), False, None) for a in inputs], **attrs)
    return fn.kernel(*inputs, **attrs)
