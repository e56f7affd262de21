"""Tensor factories and the global random generator (`manual_seed`)."""
import numpy as np

from .tensor import Tensor, _check_cpu, _default_dtype, _to_array

_rng = [np.random.default_rng()]


def manual_seed(seed):
    """Seed the global generator used by `rand`, `randn`, `nn.init` and dropout.

    Args:
        seed (int): a non-negative integer.

    Returns:
        np.random.Generator: the new generator.
    """
    _rng[0] = np.random.default_rng(seed)
    return _rng[0]


def get_rng():
    """The global `np.random.Generator` (set by `manual_seed`)."""
    return _rng[0]


def _shape(sizes, op):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    try:
        shape = tuple(int(s) for s in sizes)
    except TypeError:
        raise TypeError(f"{op}: sizes must be ints, as varargs or one tuple; got {sizes!r}.") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"{op}: sizes must be non-negative; got {shape}.")
    return shape


def _dtype(dtype):
    return _default_dtype[0] if dtype is None else np.dtype(dtype)


def tensor(data, requires_grad=False, dtype=None, name=None, device=None):
    """A new Tensor that owns a copy of `data`, as ``torch.tensor`` (never shares memory).

    Args:
        data: a number, nested list, ndarray or Tensor (a Tensor's values are copied, without
            its history).
        requires_grad (bool): whether gradients flow to the new leaf (floating dtypes only).
        dtype: numpy dtype or name; default by the `Tensor` constructor's rules.
        name (str): optional label shown in pictures.
        device: ``'cpu'`` or None.

    Returns:
        Tensor: a leaf.

    Raises:
        TypeError: for non-numeric data, or `requires_grad` on an integer or bool dtype.
        RuntimeError: for a device other than the CPU.
    """
    if device is not None:
        _check_cpu(device, "tensor")
    src = data.data if isinstance(data, Tensor) else data
    arr = _to_array(src, dtype)
    if isinstance(src, np.ndarray) and np.may_share_memory(arr, src):
        arr = arr.copy()
    return Tensor(arr, requires_grad=requires_grad, name=name)


def as_tensor(data, dtype=None, device=None):
    """`data` as a Tensor, sharing its memory where it can, as ``torch.as_tensor``.

    A Tensor of that dtype is returned as it is (another dtype: a cast, see `Tensor.to`); an
    ndarray of that dtype is wrapped without copying; anything else is converted.

    Args:
        data: a number, nested list, ndarray or Tensor.
        dtype: numpy dtype or name; default: the data's own (the `Tensor` rules for lists).
        device: ``'cpu'`` or None.

    Returns:
        Tensor.

    Raises:
        TypeError: for non-numeric data.
        RuntimeError: for a device other than the CPU.
    """
    if device is not None:
        _check_cpu(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A Tensor sharing `ndarray`'s memory and dtype, as ``torch.from_numpy``: writes to
    either show in the other.

    Args:
        ndarray (np.ndarray): any shape, a numeric dtype.

    Returns:
        Tensor: a leaf that does not require grad.

    Raises:
        TypeError: if `ndarray` is not an np.ndarray, or its dtype is not numeric.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray; got {type(ndarray).__name__}. "
                        f"Hint: use autograd.tensor(data) for lists and numbers.")
    return Tensor(ndarray)


def zeros(*size, dtype=None, requires_grad=False):
    """Tensor of zeros; sizes as varargs or one tuple; dtype defaults to the default float."""
    return Tensor(np.zeros(_shape(size, "zeros"), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    """Tensor of ones; sizes as varargs or one tuple; dtype defaults to the default float."""
    return Tensor(np.ones(_shape(size, "ones"), dtype=_dtype(dtype)), requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    """Tensor of `size` (int or tuple) filled with `fill_value`; default float dtype."""
    size = (size,) if isinstance(size, int) else tuple(size)
    return Tensor(np.full(_shape(size, "full"), fill_value, dtype=_dtype(dtype)), requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start to end (exclusive) by step, like numpy.arange; ints give int64,
    floats the default float dtype."""
    data = np.arange(start, end, step) if end is not None else np.arange(start)
    if dtype is not None:
        data = data.astype(dtype)
    elif data.dtype.kind == "f":
        data = data.astype(_default_dtype[0])
    else:
        data = data.astype(np.int64)
    return Tensor(data, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    """Identity matrix (n, m or n); default float dtype."""
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform [0, 1) samples from the global generator (see `manual_seed`)."""
    data = _rng[0].random(_shape(size, "rand")).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples from the global generator (see `manual_seed`)."""
    data = _rng[0].standard_normal(_shape(size, "randn")).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    """Zeros with the shape (and dtype, unless given) of `t`."""
    arr = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.zeros(arr.shape, dtype=dtype or arr.dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    """Ones with the shape (and dtype, unless given) of `t`."""
    arr = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.ones(arr.shape, dtype=dtype or arr.dtype), requires_grad=requires_grad)
