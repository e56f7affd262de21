"""numpy's ufuncs on Tensors (NEP 13): the table of ufuncs that run a tracegrad op, and
``Tensor.__array_ufunc__`` (`array_ufunc`, attached by the registry's `install`).
"""
import numpy as np

from ..tensor import Tensor
from . import arithmetic as ar
from . import compare as cp
from . import elementwise as ew

# numpy ufuncs → public functions: `Tensor.__array_ufunc__` runs these for Tensor operands, so
# a VJP body written with numpy (np.exp, np.sin, …) records itself when the backward is recorded.
UFUNCS = {
    np.add: ar.add, np.subtract: ar.sub, np.multiply: ar.mul, np.true_divide: ar.div,
    np.power: ar.pow, np.matmul: ar.matmul, np.negative: ar.neg,
    np.exp: ew.exp, np.log: ew.log, np.log1p: ew.log1p, np.sqrt: ew.sqrt, np.absolute: ew.abs,
    np.sign: ew.sign, np.sin: ew.sin, np.cos: ew.cos, np.tanh: ew.tanh,
    np.maximum: cp.maximum, np.minimum: cp.minimum,
    np.equal: cp.eq, np.not_equal: cp.ne, np.less: cp.lt, np.less_equal: cp.le,
    np.greater: cp.gt, np.greater_equal: cp.ge,
    np.bitwise_or: cp.bitwise_or, np.bitwise_and: cp.bitwise_and, np.bitwise_xor: cp.bitwise_xor,
    np.invert: cp.bitwise_not,
}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """numpy's ufuncs on Tensors (NEP 13): ``np.exp(t)``, ``ndarray * t`` … run tracegrad's
    differentiable ops, so code written with numpy — a VJP body above all — works on both
    kinds and records itself where Tensors flow. With ``out=`` ndarrays, the values are
    written into them (no graph), as numpy would. Other ufuncs and ufunc methods
    (``np.isnan(t)``, ``np.hypot(a, b)``, ``np.add.reduce(t)``) compute on the values and
    return a Tensor without history (a 0-d one where numpy gives a scalar, as PyTorch).

    Returns:
        Tensor (a tuple of them for ufuncs with several outputs), or the `out` ndarrays.

    Raises:
        TypeError: for ``out=`` Tensors or the in-place method ``at`` on a Tensor (tracegrad
            records no in-place numpy call).
        RuntimeError: for a ufunc tracegrad has no op for, on a tensor that requires grad,
            when the result is floating (its gradient would be lost silently).
    """
    if method == "__call__" and not kwargs:
        op = UFUNCS.get(ufunc)
        if op is not None:
            return op(*inputs)
    out = kwargs.get("out", ())
    where = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    written = "out=" if any(isinstance(o, Tensor) for o in out) else None
    if method == "at" and isinstance(inputs[0], Tensor):
        written = "the operand written in place"
    if written:
        raise TypeError(f"np.{where}: cannot write into a Tensor; got a Tensor as {written}, expected an "
                        f"ndarray (tracegrad records no in-place numpy call). Hint: compute the result, then "
                        f"t.copy_(result), or write into t.numpy().")
    arrays = [x._array if isinstance(x, Tensor) else x for x in inputs]
    result = getattr(ufunc, method)(*arrays, **kwargs)
    if out:  # numpy wrote into the given ndarrays and returns them
        return result
    if any(isinstance(x, Tensor) and x._requires_grad for x in inputs) and any(
            np.asarray(r).dtype.kind in "fc" for r in (result if isinstance(result, tuple) else (result,))):
        raise RuntimeError(f"np.{where}: tracegrad has no differentiable op for this numpy call on a tensor that "
                           f"requires grad, so its gradient would be lost. Hint: use the autograd op of the same "
                           f"name, or call it on t.detach().")
    if isinstance(result, tuple):
        return tuple(wrap_result(r) for r in result)
    return wrap_result(result)


def wrap_result(r):
    """A numpy call's ndarray or numpy scalar result as a Tensor without history (a 0-d one for
    a scalar, as PyTorch gives); other results unchanged."""
    if isinstance(r, np.ndarray):
        return Tensor._make(r, False, None)
    return Tensor._make(np.asarray(r), False, None) if isinstance(r, np.generic) else r
