"""PyTorch's conversion habits on Tensors: ``to``, ``float()``, ``double()``, ``half()``,
``long()``, ``int()``, ``bool()``, ``type()``, ``t()``, ``mT``, ``contiguous()``. Each runs an
op (`astype`, `transpose`, `clone`), so they are Tensor methods attached from the op table
(registry.py `install`), as the differentiable methods are; tensor.py holds the value itself.
The functions for ``float``, ``int``, ``bool`` and ``type`` end in ``_`` so that they do not
shadow Python's builtins here.
"""
import numpy as np

from ..device import _as_dtype, parse_to_args

# PyTorch's legacy tensor type names (Tensor.type()), by dtype
_TYPE_NAMES = {np.dtype(k): v for k, v in [
    ("float32", "Float"), ("float64", "Double"), ("float16", "Half"), ("int64", "Long"),
    ("int32", "Int"), ("int16", "Short"), ("int8", "Char"), ("uint8", "Byte"), ("bool", "Bool"),
    ("complex64", "ComplexFloat"), ("complex128", "ComplexDouble")]}


def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
    """This tensor in another dtype, PyTorch's ``Tensor.to``; self when nothing changes.

    Forms: ``to(dtype)``, ``to(dtype=...)``, ``to(other)`` (takes other's dtype),
    ``to(device)``, ``to(device, dtype)`` (parsed by `autograd.device.parse_to_args`). The
    CPU is the only device: ``'cpu'`` or ``autograd.device('cpu')`` changes nothing. Casting between
    floating dtypes is differentiable (`astype`); a cast to an integer or bool dtype
    gives a tensor without history.

    Args:
        dtype: numpy dtype or its name (``autograd.float64``, ``'float32'``, ``np.int64``).
        device: ``'cpu'``.
        copy (bool): return a new tensor (a `clone`) even when the dtype already matches.
        non_blocking (bool): accepted for PyTorch's signature; ignored.

    Returns:
        Tensor: same shape, in `dtype`.

    Raises:
        TypeError: if an argument is neither a dtype, a device nor a Tensor.
        RuntimeError: if a device other than the CPU is asked for.
    """
    _, dtype, copy = parse_to_args(args, {"dtype": dtype, "device": device, "copy": copy}, "to")
    out = self if dtype is None else self.astype(dtype)
    if copy and out is self:
        return self.clone()
    return out


def float_(self):
    """This tensor as float32 (``to(autograd.float32)``; differentiable from floats)."""
    return self.astype(np.float32)


def double(self):
    """This tensor as float64 (``to(autograd.float64)``; differentiable from floats)."""
    return self.astype(np.float64)


def half(self):
    """This tensor as float16 (``to(autograd.float16)``; differentiable from floats)."""
    return self.astype(np.float16)


def long(self):
    """This tensor as int64 (``to(autograd.int64)``; no history)."""
    return self.astype(np.int64)


def int_(self):
    """This tensor as int32 (``to(autograd.int32)``; no history)."""
    return self.astype(np.int32)


def bool_(self):
    """This tensor as bool (``to(autograd.bool)``; nonzero is True; no history)."""
    return self.astype(np.bool_)


def type_(self, dtype=None, non_blocking=False):
    """With no argument, the PyTorch type name (``'torch.FloatTensor'``); else ``to(dtype)``.

    The name is PyTorch's, so code written for ``import autograd as torch`` compares
    equal; dtypes without a PyTorch tensor type give ``'numpy.<dtype name>'``.

    Args:
        dtype: numpy dtype or its name, or a PyTorch type name such as
            ``'torch.DoubleTensor'``.
        non_blocking (bool): accepted for PyTorch's signature; ignored.

    Returns:
        str when `dtype` is None, else Tensor (see `to`).

    Raises:
        TypeError: if `dtype` names no dtype.
    """
    if dtype is None:
        dt = self._array.dtype
        name = _TYPE_NAMES.get(dt)
        return f"torch.{name}Tensor" if name else f"numpy.{dt.name}"
    if isinstance(dtype, str) and dtype.startswith("torch."):
        found = [dt for dt, name in _TYPE_NAMES.items() if dtype == f"torch.{name}Tensor"]
        if not found:
            raise TypeError(f"type: unknown tensor type {dtype!r}; expected one of "
                            f"{', '.join(f'torch.{n}Tensor' for n in _TYPE_NAMES.values())} or a dtype.")
        dtype = found[0]
    return self.astype(_as_dtype(dtype, "type"))


def t(self):
    """The 2-D transpose (differentiable); a 0-d or 1-D tensor is returned as it is.

    Raises:
        ValueError: for more than 2 dims (PyTorch raises RuntimeError).
    """
    n = self._array.ndim
    if n > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dims; got shape {self.shape}, expected "
                         f"<= 2 dims. Hint: use transpose(dim0, dim1), or mT for the last two axes.")
    return self.transpose() if n == 2 else self


def mT(self):
    """Tensor: the last two axes swapped (a batch of matrices transposed; differentiable).

    Raises:
        ValueError: for fewer than 2 dims (PyTorch raises RuntimeError).
    """
    if self._array.ndim < 2:
        raise ValueError(f"mT: expects a matrix or a batch of matrices; got shape {self.shape}, "
                         f"expected at least 2 dims.")
    return self.transpose(-2, -1)


def contiguous(self):
    """Self when its memory is laid out row-major (C order), else a differentiable copy
    that is (`clone`), as PyTorch's ``contiguous``; `view` needs such memory."""
    return self if self._array.flags.c_contiguous else self.clone()
