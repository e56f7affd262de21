"""Weight initialization (PyTorch's formulas): each function fills a Tensor in place, without
recording a graph, and returns it. Randomness comes from autograd's global generator
(`autograd.manual_seed`).

Fans (`_calculate_fan_in_and_fan_out`): for a weight of shape (out, in, *kernel), the
receptive field is ∏ kernel, fan_in = in · receptive, fan_out = out · receptive.

References: Glorot & Bengio 2010 (Xavier, http://proceedings.mlr.press/v9/glorot10a.html);
He et al. 2015 (Kaiming, arXiv:1502.01852); Saxe et al. 2013 (orthogonal, arXiv:1312.6120).
"""
import math

import numpy as np

from autograd.creation import get_rng
from autograd.graph import increment_version
from autograd.tensor import Tensor

from .parameter import is_lazy

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (PyTorch's table).

    Args:
        nonlinearity (str): ``linear``, ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``,
            ``sigmoid`` (gain 1), ``tanh`` (5/3), ``relu`` (√2), ``leaky_relu``
            (√(2 / (1 + slope²)), slope `param`, default 0.01) or ``selu`` (3/4).
        param (float or None): negative slope of ``leaky_relu``.

    Returns:
        float: the gain.

    Raises:
        ValueError: for an unknown nonlinearity or a non-numeric `param`.
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope must be a number; got {param!r}, expected a float.")
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"calculate_gain: unsupported nonlinearity; got {nonlinearity!r}, expected one of "
                     f"linear, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leaky_relu, selu.")


def _check(tensor, op):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor; got {type(tensor).__name__}.")
    if is_lazy(tensor):
        raise ValueError(f"{op}: the tensor is an uninitialized parameter of a lazy module; got "
                         f"{type(tensor).__name__}, expected a tensor with a shape. Hint: call the module on a "
                         f"batch first (its sizes are inferred there), then initialize.")
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel): in·∏kernel, out·∏kernel.

    Raises:
        ValueError: for a tensor with fewer than 2 dimensions.
    """
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions; "
                         f"got shape {tuple(shape)}, expected at least 2 dims.")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} is not supported; got {mode!r}, expected 'fan_in' or 'fan_out'.")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    """Write `values` into the tensor's array in place (its dtype kept); bump the version."""
    np.copyto(np.asarray(tensor), values, casting="unsafe")
    increment_version(tensor)
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fill `tensor` with samples of U(a, b); returns it.

    Raises:
        ValueError: if a > b.
    """
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: the lower bound exceeds the upper bound; got a={a}, b={b}, expected a <= b.")
    return _fill(tensor, get_rng().uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill `tensor` with samples of N(mean, std²); returns it.

    Raises:
        ValueError: if std < 0.
    """
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative; got {std}, expected std >= 0.")
    return _fill(tensor, get_rng().normal(mean, std, tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Fill `tensor` with N(mean, std²) samples redrawn until they lie in [a, b]; returns it.

    Raises:
        ValueError: if a >= b or std <= 0.
    """
    _check(tensor, "trunc_normal_")
    if not a < b or std <= 0:
        raise ValueError(f"trunc_normal_: expected a < b and std > 0; got a={a}, b={b}, std={std}.")
    rng = get_rng()
    out = rng.normal(mean, std, tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor, val):
    """Fill `tensor` with the number `val`; returns it."""
    _check(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor):
    """Fill `tensor` with 0; returns it."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill `tensor` with 1; returns it."""
    return constant_(tensor, 1.0)


def eye_(tensor):
    """Fill the 2-D `tensor` with the identity matrix; returns it.

    Raises:
        ValueError: if the tensor is not 2-D.
    """
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported; got shape {tensor.shape}, expected 2 dims.")
    return _fill(tensor, np.eye(*tensor.shape))


def _draw_(tensor, uniform, bound_or_std):
    """Fill `tensor` with U(−bound, bound) samples (`uniform`) or N(0, std²) ones; returns it."""
    rng = get_rng()
    if uniform:
        return _fill(tensor, rng.uniform(-bound_or_std, bound_or_std, tensor.shape))
    return _fill(tensor, rng.normal(0.0, bound_or_std, tensor.shape))


def _xavier_(tensor, op, gain, uniform):
    """Shared body of the xavier initializers: std = gain·√(2 / (fan_in + fan_out))."""
    _check(tensor, op)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _draw_(tensor, uniform, math.sqrt(3.0) * std if uniform else std)


def _kaiming_(tensor, op, a, mode, nonlinearity, uniform):
    """Shared body of the kaiming initializers: gain / √fan, times √3 for the uniform bound."""
    _check(tensor, op)
    if tensor.numel() == 0:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return _draw_(tensor, uniform, math.sqrt(3.0) * gain / math.sqrt(fan) if uniform else gain / math.sqrt(fan))


def xavier_uniform_(tensor, gain=1.0):
    """Glorot/Xavier uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)); returns it.

    Raises:
        ValueError: for a tensor with fewer than 2 dimensions.
    """
    return _xavier_(tensor, "xavier_uniform_", gain, uniform=True)


def xavier_normal_(tensor, gain=1.0):
    """Glorot/Xavier normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)); returns it.

    Raises:
        ValueError: for a tensor with fewer than 2 dimensions.
    """
    return _xavier_(tensor, "xavier_normal_", gain, uniform=False)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He/Kaiming uniform: U(−bound, bound), bound = gain·√(3 / fan), gain =
    `calculate_gain(nonlinearity, a)`, fan = fan_in or fan_out by `mode`; returns it.

    With a = √5 (PyTorch's Linear/Conv default) the bound is 1/√fan_in.

    Raises:
        ValueError: for a bad mode or nonlinearity, or fewer than 2 dimensions.
    """
    return _kaiming_(tensor, "kaiming_uniform_", a, mode, nonlinearity, uniform=True)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He/Kaiming normal: N(0, std²), std = gain / √fan (see `kaiming_uniform_`); returns it.

    Raises:
        ValueError: for a bad mode or nonlinearity, or fewer than 2 dimensions.
    """
    return _kaiming_(tensor, "kaiming_normal_", a, mode, nonlinearity, uniform=False)


def default_init_(weight, bias=None):
    """PyTorch's default initialization of `Linear` and `Conv2d`, in place: weight from
    `kaiming_uniform_(a=√5)`, i.e. U(−1/√fan_in, 1/√fan_in), then bias (if not None) from
    the same U(−1/√fan_in, 1/√fan_in), with fan_in of the weight (shape (out, in, *kernel));
    returns weight.

    Raises:
        ValueError: for a weight with fewer than 2 dimensions.
    """
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
    return weight


def orthogonal_(tensor, gain=1.0):
    """Fill `tensor` (viewed as rows = shape[0], cols = the rest) with a (semi-)orthogonal
    matrix times `gain`: the Q of a QR decomposition of a standard normal matrix, with the
    signs fixed by diag(R) so the result is uniformly (Haar) distributed; returns it.

    Raises:
        ValueError: for a tensor with fewer than 2 dimensions.
    """
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported; "
                         f"got shape {tensor.shape}, expected at least 2 dims.")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = get_rng().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    d = np.sign(np.diag(r))
    d[d == 0] = 1.0
    q = q * d
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))
