"""`Parameter`: a leaf Tensor that a `Module` registers as trainable."""
import numpy as np

from autograd.tensor import Tensor, get_default_dtype


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
            data = np.empty((0,), dtype=get_default_dtype())
        Tensor.__init__(self, data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce__(self):
        return (Parameter, (np.asarray(self), self.requires_grad))


class _Uninitialized:
    """Shared body of the placeholders a lazy module holds until its first call (PyTorch's
    ``UninitializedTensorMixin``): an empty array of the dtype to come, `materialize`, and a
    repr that says what it is. The subclass names the class it becomes (`cls_to_become`)."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, dtype=None):
        """Give the placeholder its array (uninitialized values of `shape`; dtype: `dtype` or
        the placeholder's) and turn it into `cls_to_become`, in place: every holder of this
        object (a module, an optimizer) now sees the real tensor.

        Args:
            shape (tuple of int): the shape. dtype: optional numpy dtype.
        """
        self.data = Tensor(np.empty(tuple(int(s) for s in shape), dtype=self.dtype if dtype is None else dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first call);
    `materialize` turns it into a `Parameter`, as PyTorch's ``UninitializedParameter``.

    Args:
        requires_grad (bool): default True. dtype: floating dtype of the parameter to come
            (default: the default float dtype).

    Before materialization it holds an empty (0,) array: ops on it fail on shapes, and
    `nn.init` functions refuse it with a ValueError (PyTorch refuses every op).
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, dtype=None):
        Parameter.__init__(self, np.empty((0,), dtype=get_default_dtype() if dtype is None else dtype),
                           requires_grad)

    def __reduce__(self):
        return (UninitializedParameter, (self.requires_grad, self.dtype))


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (a lazy module's running statistics, until its
    first call); `materialize` turns it into a plain `Tensor`, as PyTorch's
    ``UninitializedBuffer``.

    Args:
        dtype: floating dtype of the buffer to come (default: the default float dtype).
    """

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, dtype=None):
        Tensor.__init__(self, np.empty((0,), dtype=get_default_dtype() if dtype is None else dtype),
                        requires_grad=requires_grad)

    def __reduce__(self):
        return (UninitializedBuffer, (self.requires_grad, self.dtype))


def is_lazy(tensor):
    """True for a placeholder of a lazy module that has not been called yet."""
    return isinstance(tensor, _Uninitialized)
