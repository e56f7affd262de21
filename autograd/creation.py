"""Tensor factories and the global random generator (`manual_seed`)."""
import numpy as np

from .device import check_device
from .tensor import Tensor, _default_dtype, _to_array

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


def _shape(sizes, op, size=None, device=None):
    """The shape from varargs `sizes` or the keyword `size` (PyTorch's two spellings); also
    checks `device` (the CPU only)."""
    check_device(device, op)
    if size is not None:
        if sizes:
            raise TypeError(f"{op}: sizes given twice; got {sizes!r} and size={size!r}, expected one of them.")
        sizes = (size,) if isinstance(size, (int, np.integer)) else (tuple(size),)
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
    check_device(device, "tensor")
    src = data._array if isinstance(data, Tensor) else data
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
    check_device(device, "as_tensor")
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


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Tensor of zeros; sizes as varargs, one tuple or ``size=``; dtype defaults to the default
    float; `device` the CPU or None."""
    return Tensor(np.zeros(_shape(sizes, "zeros", size, device), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Tensor of ones; sizes as varargs, one tuple or ``size=``; dtype defaults to the default
    float; `device` the CPU or None."""
    return Tensor(np.ones(_shape(sizes, "ones", size, device), dtype=_dtype(dtype)), requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """Tensor of `size` (int or tuple) filled with `fill_value`; default float dtype; `device`
    the CPU or None."""
    return Tensor(np.full(_shape((), "full", size, device), fill_value, dtype=_dtype(dtype)), requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start to end (exclusive) by step, like numpy.arange; ints give int64,
    floats the default float dtype; `device` the CPU or None."""
    check_device(device, "arange")
    data = np.arange(start, end, step) if end is not None else np.arange(start)
    if dtype is not None:
        data = data.astype(dtype)
    elif data.dtype.kind == "f":
        data = data.astype(_default_dtype[0])
    else:
        data = data.astype(np.int64)
    return Tensor(data, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """Identity matrix (n, m or n); default float dtype; `device` the CPU or None."""
    check_device(device, "eye")
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def rand(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Uniform [0, 1) samples from the global generator (see `manual_seed`); sizes as varargs,
    one tuple or ``size=``."""
    data = _rng[0].random(_shape(sizes, "rand", size, device)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randn(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the global generator (see `manual_seed`); sizes as
    varargs, one tuple or ``size=``."""
    data = _rng[0].standard_normal(_shape(sizes, "randn", size, device)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def _like(np_fn, op, t, dtype, requires_grad, device):
    """``np_fn(shape, dtype)`` for the shape (and dtype, unless given) of `t`, as a new leaf."""
    check_device(device, op)
    arr = t._array if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np_fn(arr.shape, dtype=arr.dtype if dtype is None else np.dtype(dtype)), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False, device=None):
    """Zeros with the shape (and dtype, unless given) of `t`, as ``torch.zeros_like``.

    Args:
        t: Tensor or array-like. dtype: the result's dtype (default t's).
        requires_grad (bool): make the result a leaf that requires grad. device: the CPU or None.

    Returns:
        Tensor: a new leaf.

    Raises:
        RuntimeError: for a device that is not the CPU.
        TypeError: for `requires_grad` with a dtype that is not floating.
    """
    return _like(np.zeros, "zeros_like", t, dtype, requires_grad, device)


def ones_like(t, dtype=None, requires_grad=False, device=None):
    """Ones with the shape (and dtype, unless given) of `t`; arguments, result and errors as
    `zeros_like`."""
    return _like(np.ones, "ones_like", t, dtype, requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """An "uninitialized" tensor, as ``torch.empty``: tracegrad fills it with zeros (PyTorch
    leaves whatever the memory held), so no program ever reads garbage.

    Args:
        *sizes: ints or one tuple (or ``size=``). dtype: default the default float dtype.
        device: the CPU or None. requires_grad (bool): make it a leaf that requires grad.

    Returns:
        Tensor: a new leaf of zeros.

    Raises:
        TypeError: for sizes that are not ints, or `requires_grad` with a non-floating dtype.
        ValueError: for a negative size.
        RuntimeError: for a device that is not the CPU.
    """
    return Tensor(np.zeros(_shape(sizes, "empty", size, device), dtype=_dtype(dtype)), requires_grad=requires_grad)


def empty_like(t, dtype=None, requires_grad=False, device=None):
    """An "uninitialized" tensor shaped like `t`, as ``torch.empty_like``: zeros in tracegrad
    (see `empty`); arguments, result and errors as `zeros_like`."""
    return _like(np.zeros, "empty_like", t, dtype, requires_grad, device)


# -- sampling factories PyTorch tutorials call by name (issue 15) ---------------------------
def normal(mean=0.0, std=1.0, size=None, *, dtype=None, device=None, requires_grad=False):
    """Samples from N(mean, std²), as ``torch.normal``, drawn from the global generator.

    Forms: ``normal(0.0, 0.01, size=(2, 3))`` (numbers and a size, the default float
    dtype), or ``normal(mean, std)`` with a Tensor mean and/or std (elementwise, broadcast
    together; the result has their broadcast shape and floating dtype).

    Args:
        mean (float or Tensor): the mean(s). std (float or Tensor): standard deviation(s) ≥ 0.
        size (int or tuple): the shape, required when `mean` and `std` are both numbers and
            refused otherwise (as PyTorch).
        dtype: floating dtype of the result (default: see above).
        device: the CPU or None. requires_grad (bool): make the sample a leaf that requires grad.

    Returns:
        Tensor: a leaf. Unlike PyTorch, no graph links it to a Tensor `mean`/`std` (PyTorch
        records one whose gradients are zero).

    Raises:
        TypeError: if `size` is missing for numbers or given with a Tensor, or a Tensor
            argument is not floating.
        ValueError: if a std is negative or the shapes of `mean` and `std` do not broadcast.
        RuntimeError: for a device that is not the CPU.
    """
    check_device(device, "normal")
    tensors = [a for a in (mean, std) if isinstance(a, Tensor)]
    m = mean._array if isinstance(mean, Tensor) else np.asarray(mean, dtype=np.float64)
    s = std._array if isinstance(std, Tensor) else np.asarray(std, dtype=np.float64)
    if not tensors:
        if size is None:
            raise TypeError(f"normal: size is required when mean and std are numbers; got mean={mean!r}, "
                            f"std={std!r}. Hint: normal({mean!r}, {std!r}, size=(2, 3)).")
        shape, dt = _shape((), "normal", size), _dtype(dtype)
    else:
        if size is not None:
            raise TypeError(f"normal: size cannot be given with a Tensor mean or std; got size={size!r}, "
                            f"expected the shape to come from mean and std.")
        bad = [t.dtype.name for t in tensors if t.dtype.kind != "f"]
        if bad:
            raise TypeError(f"normal: a Tensor mean or std must be floating; got {bad[0]}, expected float32 "
                            f"or float64.")
        try:
            shape = np.broadcast_shapes(m.shape, s.shape)
        except ValueError:
            raise ValueError(f"normal: shapes of mean {m.shape} and std {s.shape} do not broadcast; expected "
                             f"broadcastable shapes.") from None
        dt = np.dtype(dtype) if dtype is not None else np.result_type(*(t.dtype for t in tensors))
    if s.size and s.min() < 0:
        raise ValueError(f"normal: std must be non-negative; got {float(s.min())}, expected std >= 0.")
    data = (m + s * _rng[0].standard_normal(shape)).astype(dt)
    return Tensor(data, requires_grad=requires_grad)


