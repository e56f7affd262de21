"""Devices on a CPU engine: `device`, the `cuda` namespace and the parser of ``to(...)`` arguments.

tracegrad computes with numpy on the CPU. PyTorch code names devices (``torch.device("cuda"
if torch.cuda.is_available() else "cpu")``, ``x.to(device)``, ``model.to(device)``); this
module lets such code run unchanged when it picks the CPU, and stops it with a clear
`RuntimeError` when it asks for another device, instead of silently computing elsewhere than
asked.
"""
import numpy as np

# PyTorch's device types (torch/csrc/Device.cpp's list, in its order)
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
                 "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """A device name, as ``torch.device``: ``device("cpu")``, ``device("cpu:0")``,
    ``device("cpu", 0)``, ``device("cuda")``.

    Any PyTorch device type can be named (so ``print(device("cuda"))`` works, as in
    PyTorch), but only the CPU can hold tracegrad tensors: moving a tensor or module to
    another device raises (see `check_device`).

    Args:
        type (str or device): the device type, optionally with ``":<index>"``; or a device.
        index (int): optional device index (non-negative).

    Attributes:
        type (str): e.g. ``'cpu'``. index (int or None): the index if one was given.

    Equality: with another device of the same type and index, and with its string form
    (``device("cpu") == "cpu"`` is True; PyTorch returns False there).

    Raises:
        RuntimeError: for an unknown device type or a malformed device string (PyTorch's
            messages).
        TypeError: if `type` is neither a str nor a device, or `index` is not an int.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 (PyTorch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError(f"device: an index cannot be given with a device; got {type!r} and {index!r}.")
            type, index = type.type, type.index
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu'; got {type.__class__.__name__}.")
        elif ":" in type:
            if index is not None:
                raise RuntimeError(f"device: type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            type, _, text = type.partition(":")
            if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}:{text}'")
            index = int(text)
        if type not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device "
                               f"string: {type}")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"device: index must be an int; got {index.__class__.__name__}.")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative; got {index}.")
            index = int(index)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError(f"device: attributes are read-only; cannot set {name!r}.")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, device):
            return self.type == other.type and self.index == other.index
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self):
        return hash(str(self))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def check_device(dev, op="to"):
    """The CPU device for `dev`, or a RuntimeError if `dev` names another device.

    Args:
        dev (device, str, int or None): a device, a device string (``"cpu"``, ``"cuda:0"``),
            an int (PyTorch's shorthand for ``cuda:<int>``) or None (the CPU).
        op (str): the calling op's name, for the message.

    Returns:
        device: `CPU` (the one device tracegrad computes on).

    Raises:
        RuntimeError: if `dev` is not the CPU (tracegrad computes on the CPU only), or is
            an invalid device string.
        TypeError: if `dev` is not a device, a str, an int or None.
    """
    if dev is None or dev is CPU:
        return CPU
    if isinstance(dev, (int, np.integer)) and not isinstance(dev, bool):
        dev = device("cuda", int(dev))
    elif not isinstance(dev, device):
        if not isinstance(dev, str):
            raise TypeError(f"{op}: device must be a device, a str or an int; got {dev.__class__.__name__}, "
                            f"expected e.g. 'cpu'.")
        dev = device(dev)
    if dev.type != "cpu":
        raise RuntimeError(f"{op}: tracegrad computes on the CPU only; got device '{dev}', expected 'cpu'. "
                           f"Hint: pick the device with autograd.cuda.is_available() (always False), e.g. "
                           f"device = 'cuda' if torch.cuda.is_available() else 'cpu'.")
    return CPU


def _is_device_name(text):
    """True when `text` starts with a PyTorch device type (``'cpu'``, ``'cuda:1'``)."""
    return text.partition(":")[0] in _DEVICE_TYPES


def parse_to_args(args, kwargs, op="to"):
    """Parse the arguments of ``Tensor.to`` / ``Module.to`` as PyTorch does.

    Accepted forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``
    (its device and dtype), and the keywords ``device=``, ``dtype=``, ``non_blocking=``
    (ignored: there is no transfer), ``copy=`` and ``memory_format=`` (ignored). A device
    may be a `device`, a device string or an int (PyTorch's ``cuda:<int>``); a dtype is
    anything `np.dtype` takes (``autograd.float32``, ``np.float64``, ``"float32"``).

    Args:
        args (tuple): the positional arguments. kwargs (dict): the keyword arguments.
        op (str): the calling op's name, for messages (e.g. ``"Tensor.to"``).

    Returns:
        (device or None, np.dtype or None, bool): the device asked for (always `CPU`
        when one was given), the dtype asked for, and ``copy``.

    Raises:
        RuntimeError: if the device is not the CPU (see `check_device`) or is malformed.
        TypeError: for an argument that is neither a device nor a dtype, too many
            arguments, a device or dtype given twice, or an unknown keyword.
    """
    kwargs = dict(kwargs)
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword arguments {sorted(kwargs)}; expected device, dtype, "
                        f"non_blocking, copy or memory_format.")
    if len(args) > 2:
        raise TypeError(f"{op}: expected at most 2 positional arguments (device, dtype); got {len(args)}.")
    pos_dev = pos_dtype = None
    for i, a in enumerate(args):
        if hasattr(a, "dtype") and hasattr(a, "shape") and not isinstance(a, (np.dtype, type)):
            if args[i + 1:] or i:  # to(tensor) takes no other positional argument
                raise TypeError(f"{op}: a tensor argument (take its device and dtype) must come alone; "
                                f"got {len(args)} positional arguments.")
            pos_dev, pos_dtype = CPU, np.dtype(a.dtype)
        elif isinstance(a, device) or (isinstance(a, str) and _is_device_name(a)) or (
                isinstance(a, (int, np.integer)) and not isinstance(a, bool)):
            if i or pos_dev is not None:
                raise TypeError(f"{op}: the device must be the first positional argument; got {a!r} at "
                                f"position {i}.")
            pos_dev = a
        else:
            if pos_dtype is not None:
                raise TypeError(f"{op}: dtype given twice; got {pos_dtype.name} and {a!r}.")
            pos_dtype = _as_dtype(a, op)
    if pos_dev is not None:
        if dev is not None:
            raise TypeError(f"{op}: device given twice; got {pos_dev!r} and device={dev!r}.")
        dev = pos_dev
    if pos_dtype is not None:
        if dtype is not None:
            raise TypeError(f"{op}: dtype given twice; got {pos_dtype.name} and dtype={dtype!r}.")
        dtype = pos_dtype
    return (None if dev is None else check_device(dev, op)), (None if dtype is None else _as_dtype(dtype, op)), copy


def _as_dtype(dtype, op):
    """np.dtype from a numpy dtype, scalar type or name (``Tensor.to``/``type``, ``Module.to``);
    TypeError naming `op` otherwise."""
    if isinstance(dtype, np.dtype):
        return dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: expected a device or a dtype; got {dtype!r} of type {dtype.__class__.__name__}, "
                        f"expected e.g. 'cpu' or autograd.float32.") from None


class cuda:
    """``torch.cuda`` on a CPU engine: no CUDA device is ever available.

    Tutorial code that asks (``torch.cuda.is_available()``, ``torch.cuda.device_count()``)
    gets the answers of a PyTorch without GPUs and so picks the CPU; seeding the CUDA
    generators is accepted and does nothing (as PyTorch does when CUDA is absent).
    """

    def __init__(self):
        raise TypeError("cuda: a namespace, not instantiable; use autograd.cuda.is_available().")

    @staticmethod
    def is_available():
        """False: tracegrad has no CUDA devices."""
        return False

    @staticmethod
    def device_count():
        """0: the number of CUDA devices tracegrad can use."""
        return 0

    @staticmethod
    def manual_seed(seed):
        """Accepted and ignored (no CUDA generator); use `autograd.manual_seed` for the CPU."""

    @staticmethod
    def manual_seed_all(seed):
        """Accepted and ignored (no CUDA generators); use `autograd.manual_seed` for the CPU."""


class accelerator:
    """``torch.accelerator`` on a CPU engine (PyTorch ≥ 2.6's device-neutral query, used by
    the official tutorials): no accelerator, so code falls back to ``"cpu"``."""

    def __init__(self):
        raise TypeError("accelerator: a namespace, not instantiable; use autograd.accelerator.is_available().")

    @staticmethod
    def is_available():
        """False: tracegrad computes on the CPU only."""
        return False

    @staticmethod
    def current_accelerator(check_available=False):
        """None: there is no accelerator (as PyTorch without one)."""
        return None

    @staticmethod
    def device_count():
        """0: the number of accelerators."""
        return 0
