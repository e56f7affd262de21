"""`Parameter`: a leaf Tensor that a `Module` registers as trainable."""
import numpy as np

from autograd.tensor import Tensor, _default_dtype, _to_array


class Parameter(Tensor):
    """A Tensor that is a module's trainable weight: assigning one to a `Module` attribute
    registers it in the module's `_parameters` (so `parameters()`, `state_dict()` and
    optimizers see it).

    Args:
        data: a Tensor (its array is shared, not copied), an ndarray (kept as it is, dtype
            included), a number or nested list (→ the default float dtype, float32 unless
            `autograd.set_default_dtype` changed it), or None for an empty tensor.
        requires_grad (bool): default True.

    A Parameter is always a leaf (``grad_fn is None``); ops on it return plain Tensors.

    Raises:
        TypeError: if `requires_grad` is True for an integer or bool array.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), dtype=_default_dtype[0])
        elif isinstance(data, Tensor):
            arr = data.data
        else:
            arr = _to_array(data)
        Tensor.__init__(self, arr, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce__(self):
        return (Parameter, (self.data, self.requires_grad))
