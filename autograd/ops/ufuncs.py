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
    kinds and records itself where Tensors flow. Any other ufunc call (``np.isnan(t)``, a
    ufunc with ``where=``/``dtype=``, ``np.add.reduce(t)`` …) computes on the values and
    returns Tensors without history; with ``out=`` ndarrays, the values are written into
    them (no graph), as numpy would.

    Returns:
        Tensor (or a tuple of them, or numpy's own result for ``out=``).

    Raises:
        TypeError: for ``out=`` Tensors (a numpy call is never recorded in place).
        RuntimeError: when an input requires grad and the ufunc has no tracegrad op but a
            floating result: its gradient would be lost silently.
    """
    if method == "__call__" and not kwargs:
        op = UFUNCS.get(ufunc)
        if op is not None:
            return op(*inputs)
    out = kwargs.get("out", ())
    if any(isinstance(o, Tensor) for o in out):
        raise TypeError(f"np.{ufunc.__name__}: out= must be ndarrays, not Tensors; tracegrad records no "
                        f"in-place numpy call. Hint: write t.copy_(result), or into t.numpy().")
    arrays = [x._array if isinstance(x, Tensor) else x for x in inputs]
    result = getattr(ufunc, method)(*arrays, **kwargs)
    if out:  # numpy wrote into the given ndarrays and returns them
        return result
    if any(isinstance(x, Tensor) and x._requires_grad for x in inputs) and any(
            np.asarray(r).dtype.kind in "fc" for r in (result if isinstance(result, tuple) else (result,))):
        where = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        raise RuntimeError(f"np.{where}: tracegrad has no differentiable op for this numpy call on a tensor that "
                           f"requires grad, so its gradient would be lost. Hint: use the autograd op of the same "
                           f"name, or call it on t.detach().")
    if isinstance(result, tuple):
        return tuple(wrap_result(r) for r in result)
    return wrap_result(result)


def wrap_result(r):
    """A numpy call's ndarray result as a Tensor without history (other results unchanged)."""
    return Tensor._make(r, False, None) if isinstance(r, np.ndarray) else r
